/**
 * The loopback HTTP server every emulator is built on: it records each request, applies
 * injected faults (canned responses, delays, connection resets) and a fixed latency, then
 * hands the request to the emulator's own handler.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Emulator, Fault, FaultMatch, RecordedRequest } from './types.js';

/** What an emulator's handler returns. Object bodies are sent as JSON. */
export interface EmulatorResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

export type EmulatorHandler = (request: RecordedRequest) => EmulatorResponse | Promise<EmulatorResponse>;

export interface StartOptions {
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Names the AWS action of a request (for fault matching and `RecordedRequest.action`). */
  readonly actionOf?: (request: Omit<RecordedRequest, 'action'>) => string | undefined;
}

type ActiveFault = Fault & { remaining: number; readonly injected: Fault };

function matches(match: FaultMatch | undefined, request: RecordedRequest): boolean {
  if (!match) return true;
  if (match.method && match.method.toUpperCase() !== request.method) return false;
  if (match.action && match.action !== request.action) return false;
  if (match.path !== undefined) {
    if (typeof match.path === 'string' ? match.path !== request.path : !match.path.test(request.path)) return false;
  }
  return true;
}

function send(res: ServerResponse, response: EmulatorResponse): void {
  const headers: Record<string, string> = { ...response.headers };
  let payload = '';
  if (response.body !== undefined) {
    if (typeof response.body === 'string') {
      payload = response.body;
    } else {
      payload = JSON.stringify(response.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(response.status, headers);
  res.end(payload);
}

/**
 * Node's timers have millisecond granularity and fire 1–2 ms late under load, which over a few
 * hops is several percent of a 20 ms latency. So a timer covers all but this much of a wait and
 * the rest is polled (setImmediate: other requests keep being served meanwhile).
 */
const TIMER_SLACK_MS = 2;

/** Resolve at `deadline` (performance.now() clock), not noticeably later. */
async function waitUntil(deadline: number): Promise<void> {
  const remaining = deadline - performance.now();
  if (remaining > TIMER_SLACK_MS) await sleep(remaining - TIMER_SLACK_MS);
  while (performance.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Start a recording, fault-injecting loopback server around `handler`. */
export async function startEmulatorServer(handler: EmulatorHandler, options: StartOptions = {}): Promise<Emulator> {
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  let faults: ActiveFault[] = [];
  let latencyMs = 0;
  const sockets = new Set<Socket>();

  const server = createServer(async (req, res) => {
    const arrivedAt = performance.now();
    inFlight += 1;
    res.once('close', () => (inFlight -= 1));
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      const base = {
        method: (req.method ?? 'GET').toUpperCase(),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        body: await readBody(req),
        receivedAt: Date.now(),
      };
      const request: RecordedRequest = { ...base, action: options.actionOf?.(base) };
      requests.push(request);

      // Half the latency on the way in (the request takes effect after it), half on the way out.
      // The service's own work happens inside the round trip, as it would behind a real network.
      const latency = latencyMs; // as set when the request arrived
      if (latency > 0) {
        await waitUntil(arrivedAt + latency / 2);
        // As with an injected delay: a client that gave up meanwhile never reached the service.
        if (req.socket.destroyed) return;
      }

      const fault = faults.find((f) => f.remaining > 0 && matches(f.match, request));
      if (fault) fault.remaining -= 1;
      const injectedMs = fault?.kind === 'delay' || fault?.kind === 'delay-after-effect' ? fault.ms : 0;
      const answerAt = arrivedAt + latency + injectedMs;

      if (fault?.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'respond') {
        const body =
          typeof fault.body === 'function' ? (fault.body as (r: RecordedRequest) => unknown)(request) : fault.body;
        await waitUntil(answerAt);
        send(res, { status: fault.status, headers: fault.headers, body });
        return;
      }
      if (fault?.kind === 'delay') {
        await sleep(fault.ms);
        // The client gave up while the request was "in the network": it never reached the service.
        if (req.socket.destroyed) return;
      }
      const response = await handler(request);
      if (fault?.kind === 'delay-after-effect') await sleep(fault.ms);
      await waitUntil(answerAt);
      if (res.destroyed || req.socket.destroyed) return; // the client gave up (timeout); the effect has landed
      send(res, response);
    } catch (error) {
      if (!res.headersSent && !res.destroyed) {
        send(res, { status: 500, body: { error_code: 'EMULATOR', message: (error as Error).message } });
      }
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    injectFault(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1, injected: fault });
    },
    removeFault(fault) {
      faults = faults.filter((candidate) => candidate.injected !== fault);
    },
    clearFaults() {
      faults = [];
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    requestsInFlight: () => inFlight,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
