/**
 * What the emulators saw, against the request graph of bench/floor.ts: whether a run made exactly
 * the requests the graph predicts (else its floor may not apply), and, for one connection, which
 * graph request each server-side span was and which of them the invocation waited for.
 */
import type { AddressInfo } from 'node:net';
import type { Emulators } from '../emulators/types.js';
import { SERVICES, type RequestNode, type ServiceName } from './floor.js';
import type { ServerSpan } from './server-spans.js';

/** The emulators a run talks to, as far as checking their request logs goes. */
export type RecordingEmulators = Pick<Emulators, ServiceName>;

/** Where each emulator's request log stands now (to count only what a run adds). */
export function requestMarks(emulators: RecordingEmulators): Record<ServiceName, number> {
  return {
    secretsManager: emulators.secretsManager.requests.length,
    ims: emulators.ims.requests.length,
    flowService: emulators.flowService.requests.length,
    sts: emulators.sts.requests.length,
  };
}

/**
 * Requests the graph expects for `invocations` rotations of `connections` in one container (`sandboxes`: the listing's
 * pages of one invocation).
 */
export function expectedRequests(
  graph: readonly RequestNode[],
  connections: number,
  invocations: number,
  sandboxes = 1,
): Map<string, number> {
  const count = (node: RequestNode) =>
    node.once === 'container'
      ? 1
      : node.once === 'invocation'
        ? invocations
        : node.once === 'sandbox'
          ? sandboxes * invocations
          : connections * invocations;
  return new Map(graph.map((node) => [node.id, count(node)]));
}

/** Requests the emulators recorded, counted per graph node, plus those no node accounts for. */
export function countRequests(
  graph: readonly RequestNode[],
  emulators: RecordingEmulators,
  since: Record<ServiceName, number>,
) {
  const counts = new Map(graph.map((node) => [node.id, 0]));
  let unexpected = 0;
  for (const service of SERVICES) {
    for (const request of emulators[service].requests.slice(since[service])) {
      const node = graph.find((candidate) => candidate.service === service && candidate.matches(request));
      if (node) counts.set(node.id, counts.get(node.id)! + 1);
      else unexpected += 1;
    }
  }
  return { counts, unexpected };
}

/** "" when the recorded requests are exactly what the graph expects, else what differs. */
export function graphMismatch(
  expected: Map<string, number>,
  recorded: { counts: Map<string, number>; unexpected: number },
): string {
  const problems: string[] = [];
  for (const [id, count] of expected) {
    const seen = recorded.counts.get(id) ?? 0;
    if (seen !== count) problems.push(`${id}: ${seen} (expected ${count})`);
  }
  if (recorded.unexpected > 0) problems.push(`${recorded.unexpected} requests outside the graph`);
  return problems.join('; ');
}

/**
 * "" when the requests recorded since `marks` are exactly those `graph` predicts for
 * `invocations` rotations of `connections` (in `sandboxes` sandboxes) in one container, else what differs.
 */
export function requestGraphProblem(
  graph: readonly RequestNode[],
  emulators: RecordingEmulators,
  marks: Record<ServiceName, number>,
  connections: number,
  invocations: number,
  sandboxes = 1,
): string {
  return graphMismatch(
    expectedRequests(graph, connections, invocations, sandboxes),
    countRequests(graph, emulators, marks),
  );
}

/** A graph request with its emulator-side start and finish. */
export interface TimedRequest {
  readonly node: RequestNode;
  readonly start: number;
  readonly finish: number;
}

const portOf = (url: string) => Number(new URL(url).port);

/**
 * Pair the spans of a one-connection run with what each emulator recorded (same order per server:
 * its requests never overlap) to know which graph request each span was. Sorted by start.
 */
export function identifySpans(
  emulators: RecordingEmulators,
  graph: readonly RequestNode[],
  marks: Record<ServiceName, number>,
  from: readonly ServerSpan[],
): TimedRequest[] {
  const timed: TimedRequest[] = [];
  for (const service of SERVICES) {
    const emulator = emulators[service];
    const port = portOf(emulator.url);
    const serverSpans = from
      .filter((span) => (span.server.address() as AddressInfo | null)?.port === port)
      .sort((a, b) => a.start - b.start);
    const recorded = emulator.requests.slice(marks[service]);
    serverSpans.forEach((span, index) => {
      const request = recorded[index];
      const node = request && graph.find((candidate) => candidate.service === service && candidate.matches(request));
      if (node && span.finish !== undefined) timed.push({ node, start: span.start, finish: span.finish });
    });
  }
  return timed.sort((a, b) => a.start - b.start);
}

const lastToFinish = (requests: readonly TimedRequest[]) =>
  requests.reduce<TimedRequest | undefined>(
    (last, request) => (!last || request.finish > last.finish ? request : last),
    undefined,
  );

/**
 * The requests an invocation waited for, back from the last one to answer: each step goes to the
 * dependency that answered last. Their server-side time is the emulators' share of the invocation.
 */
export function waitedChain(invocation: readonly TimedRequest[]): TimedRequest[] {
  const byId = new Map(invocation.map((request) => [request.node.id, request]));
  let current = lastToFinish(invocation);
  const chain: TimedRequest[] = [];
  while (current) {
    chain.unshift(current);
    current = lastToFinish(
      current.node.after.map((id) => byId.get(id)).filter((request): request is TimedRequest => request !== undefined),
    );
  }
  return chain;
}

/** How many requests an invocation waited for, one after another, and their server-side time in all. */
export interface WaitedFor {
  readonly hops: number;
  readonly serverMs: number;
}

/** {@link waitedChain} of `invocation`, summed up. */
export function waitedFor(invocation: readonly TimedRequest[]): WaitedFor {
  const chain = waitedChain(invocation);
  return { hops: chain.length, serverMs: chain.reduce((sum, request) => sum + (request.finish - request.start), 0) };
}
