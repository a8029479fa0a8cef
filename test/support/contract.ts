/**
 * Replaying recordings of Flow Service (`test/contract/*.json`, cli/probe-recording.ts): a server
 * that answers each recorded request with its recorded answer (for the client), and an emulator
 * seeded as the recorded connection (to ask it the same requests).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Recording, RecordedExchange } from '../../cli/probe-recording.js';

/** Where recordings live. */
export const CONTRACT_DIR = join(import.meta.dirname, '..', 'contract');

/** Every recording in `test/contract/`, by file name. */
export function loadRecordings(): Array<{ readonly file: string; readonly recording: Recording }> {
  return readdirSync(CONTRACT_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ file, recording: JSON.parse(readFileSync(join(CONTRACT_DIR, file), 'utf8')) as Recording }));
}

const sameQuery = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([key, value]) => b[key] === value);

/**
 * A server answering each recorded request (path, query, sandbox) with its answer; anything else gets a 599 the test
 * sees.
 */
export async function startReplayServer(
  recording: Recording,
): Promise<{ readonly url: string; readonly unmatched: string[]; close(): Promise<void> }> {
  const unmatched: string[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://replay');
    const query = Object.fromEntries(url.searchParams);
    const exchange = recording.exchanges.find(
      (candidate: RecordedExchange) =>
        candidate.request.path === url.pathname &&
        sameQuery(candidate.request.query, query) &&
        candidate.request.sandboxName === request.headers['x-sandbox-name'],
    );
    if (!exchange) {
      unmatched.push(`${request.method} ${url.pathname}?${url.searchParams}`);
      response.writeHead(599).end();
      return;
    }
    const { status, contentType, body } = exchange.response;
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    response
      .writeHead(status, {
        'content-type': contentType ?? 'application/json',
        'content-length': Buffer.byteLength(payload),
      })
      .end(payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    unmatched,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The recorded exchange of a name, if the recording has it. */
export function exchangeOf(recording: Recording, name: RecordedExchange['name']): RecordedExchange | undefined {
  return recording.exchanges.find((exchange) => exchange.name === name);
}

/**
 * Where the recorded shape and another answer's differ: every path of the recorded body that the
 * other lacks, or has with another type. The other may have more.
 */
export function shapeDifferences(recorded: Map<string, string>, answered: Map<string, string>): string[] {
  return [...recorded]
    .filter(([path, type]) => answered.get(path) !== type)
    .map(([path, type]) => `${path}: ${type} recorded, ${answered.get(path) ?? 'absent'} answered`);
}
