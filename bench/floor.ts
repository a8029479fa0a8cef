/**
 * The round-trip floor of a rotation: the requests one rotation cannot avoid, as a dependency
 * graph, and the time they must take when every service answers after the same delay `d`.
 *
 * A request can start only when every request it depends on has answered, so a wave of
 * `concurrency` connections lasts at least the longest chain of dependent requests (the critical
 * path), each taking `d`. A request made once per container (the IMS token) is on the critical
 * path of a new container's first wave only; one made once per invocation (the Adobe secret) is on
 * every invocation's first wave; later waves find both cached.
 */
import type { RecordedRequest } from '../emulators/types.js';

/** The emulated services a rotation talks to, by their key in `Emulators`. */
export type ServiceName = 'secretsManager' | 'ims' | 'flowService' | 'sts';

/** Every {@link ServiceName}. */
export const SERVICES: readonly ServiceName[] = ['secretsManager', 'ims', 'flowService', 'sts'];

/** One request of a rotation, and the requests it must wait for. */
export interface RequestNode {
  readonly id: string;
  readonly service: ServiceName;
  /** Requests that must have answered before this one can be sent. */
  readonly after: readonly string[];
  /**
   * Made once per container or once per invocation (cached afterwards), or once per sandbox the
   * invocation touches, not once per connection.
   */
  readonly once?: 'container' | 'invocation' | 'sandbox';
  /**
   * Made after the connection's outcome, outside its concurrency slot (lambda/run-checks.ts): it
   * delays no wave, only the end of the invocation, once.
   */
  readonly tail?: boolean;
  /** Recognises this request among those an emulator recorded. */
  readonly matches: (request: RecordedRequest) => boolean;
}

const isConnectionPath = (request: RecordedRequest) => /\/connections\/[^/]+$/.test(request.path);
const isExplorePath = (request: RecordedRequest) => /\/connections\/[^/]+\/explore$/.test(request.path);

/**
 * One rotation of an S3 connection whose credentials are minted by AssumeRole from the function's
 * own role (lambda/rotate-connection.ts, lambda/credential-minter.ts, lambda/flow-service-client.ts).
 */
export const ROTATION_GRAPH: readonly RequestNode[] = [
  {
    id: 'SM GetSecretValue',
    service: 'secretsManager',
    after: [],
    once: 'invocation',
    matches: (r) => r.action === 'GetSecretValue',
  },
  {
    id: 'IMS token',
    service: 'ims',
    after: ['SM GetSecretValue'],
    once: 'container',
    matches: (r) => r.path.endsWith('/ims/token/v3'),
  },
  {
    id: 'Flow GET',
    service: 'flowService',
    after: ['IMS token'],
    matches: (r) => r.method === 'GET' && isConnectionPath(r),
  },
  // What the connection reads (its bucketName/folderPath) decides the session policy: minting waits for the GET.
  { id: 'STS AssumeRole', service: 'sts', after: ['Flow GET'], matches: (r) => r.action === 'AssumeRole' },
  {
    id: 'STS GetCallerIdentity',
    service: 'sts',
    after: ['STS AssumeRole'],
    matches: (r) => r.action === 'GetCallerIdentity',
  },
  {
    id: 'Flow PATCH',
    service: 'flowService',
    after: ['STS GetCallerIdentity'],
    matches: (r) => r.method === 'PATCH' && isConnectionPath(r),
  },
  // Adobe's side of the proof (lambda/adobe-verification.ts): Flow Service lists S3 with the new credentials.
  {
    id: 'Flow explore',
    service: 'flowService',
    after: ['Flow PATCH'],
    matches: (r) => r.method === 'GET' && isExplorePath(r),
  },
  // Did ingestion run (lambda/dataflow-runs.ts): the bench's connections have no source connection, so no flows or runs
  // follow.
  {
    id: 'Flow source connections',
    service: 'flowService',
    after: ['Flow explore'],
    tail: true,
    matches: (r) => r.method === 'GET' && r.path.endsWith('/sourceConnections'),
  },
  // A scheduled run lists the S3 connections of each sandbox it touched, a page of 100 at a time
  // (lambda/connection-inventory.ts).
  {
    id: 'Flow connections listing',
    service: 'flowService',
    after: ['Flow source connections'],
    tail: true,
    once: 'sandbox',
    matches: (r) => r.method === 'GET' && /\/connections$/.test(r.path),
  },
];

/**
 * What an operator following Adobe's tutorial scripts by hand: one IMS token, then per connection
 * AssumeRole → GET (for the etag) → PATCH, one connection after another (bench/tutorial-baseline.ts).
 */
export const TUTORIAL_GRAPH: readonly RequestNode[] = [
  { id: 'IMS token', service: 'ims', after: [], once: 'container', matches: (r) => r.path.endsWith('/ims/token/v3') },
  { id: 'STS AssumeRole', service: 'sts', after: ['IMS token'], matches: (r) => r.action === 'AssumeRole' },
  {
    id: 'Flow GET',
    service: 'flowService',
    after: ['STS AssumeRole'],
    matches: (r) => r.method === 'GET' && isConnectionPath(r),
  },
  {
    id: 'Flow PATCH',
    service: 'flowService',
    after: ['Flow GET'],
    matches: (r) => r.method === 'PATCH' && isConnectionPath(r),
  },
];

/**
 * What is cached when a wave starts: nothing (a new container's first wave), what a container
 * keeps between invocations (a warm container's first wave), or everything (any later wave).
 */
export type Cached = 'nothing' | 'per-container' | 'everything';

const isCached = (node: RequestNode, cached: Cached) =>
  node.once !== undefined && (cached === 'everything' || (cached === 'per-container' && node.once === 'container'));

/**
 * The longest chain of dependent requests of a wave (ids, in order); cached requests weigh nothing, tail requests are
 * not in a wave.
 */
export function criticalPath(graph: readonly RequestNode[], options: { cached: Cached }): string[] {
  return longestChain(
    graph.filter((node) => !node.tail),
    options,
  );
}

/**
 * The longest chain of the requests made once a connection's outcome is known: what the invocation's end waits for
 * after its last wave.
 */
export function tailPath(graph: readonly RequestNode[]): string[] {
  const tail = graph.filter((node) => node.tail);
  const ids = new Set(tail.map((node) => node.id));
  return longestChain(
    tail.map((node) => ({ ...node, after: node.after.filter((id) => ids.has(id)) })),
    { cached: 'nothing' },
  );
}

function longestChain(graph: readonly RequestNode[], options: { cached: Cached }): string[] {
  const byId = new Map(graph.map((node) => [node.id, node]));
  const memo = new Map<string, string[]>();
  const longestEndingAt = (id: string, visiting: Set<string>): string[] => {
    const known = memo.get(id);
    if (known) return known;
    const node = byId.get(id);
    if (!node) throw new Error(`request graph: unknown dependency "${id}"`);
    if (visiting.has(id)) throw new Error(`request graph: cycle through "${id}"`);
    visiting.add(id);
    let best: string[] = [];
    for (const dependency of node.after) {
      const path = longestEndingAt(dependency, visiting);
      if (path.length > best.length) best = path;
    }
    visiting.delete(id);
    const path = isCached(node, options.cached) ? best : [...best, id];
    memo.set(id, path);
    return path;
  };
  return graph.map((node) => longestEndingAt(node.id, new Set())).reduce((a, b) => (b.length > a.length ? b : a), []);
}

export interface FloorInput {
  readonly connections: number;
  readonly concurrency: number;
  /** The delay every emulator adds to every request. */
  readonly delayMs: number;
  /** A warm container: the once-per-container requests are cached from an earlier invocation. */
  readonly warm?: boolean;
}

export interface Floor {
  readonly ms: number;
  readonly waves: number;
  /** Requests on the first wave's critical path. */
  readonly firstWaveHops: number;
  /** Requests on every later wave's critical path. */
  readonly laterWaveHops: number;
  /** Requests the invocation's end waits for after its last wave (made outside the slots). */
  readonly tailHops: number;
}

/** floor = d · (first-wave hops + (waves − 1) · later-wave hops + tail hops), waves = ceil(N / c). */
export function rotationFloor(input: FloorInput, graph: readonly RequestNode[] = ROTATION_GRAPH): Floor {
  const waves = Math.ceil(input.connections / input.concurrency);
  const laterWaveHops = criticalPath(graph, { cached: 'everything' }).length;
  const firstWaveHops = criticalPath(graph, { cached: input.warm ? 'per-container' : 'nothing' }).length;
  const tailHops = tailPath(graph).length;
  const hops = waves === 0 ? 0 : firstWaveHops + (waves - 1) * laterWaveHops + tailHops;
  return { ms: hops * input.delayMs, waves, firstWaveHops, laterWaveHops, tailHops };
}

/** The bench's goal: a measured rotation within 10% of its floor. */
export const GOAL_RATIO = 1.1;

/**
 * The smallest delay from which every run, at that delay or any longer one, is within `goal` of
 * its floor; undefined when even the longest delay has a run above it.
 */
export function smallestDelayWithinGoal(
  runs: ReadonlyArray<{ readonly delayMs: number; readonly ratio: number }>,
  goal: number,
): number | undefined {
  const delays = [...new Set(runs.map((run) => run.delayMs))].sort((a, b) => a - b);
  return delays.find((delayMs) => runs.every((run) => run.delayMs < delayMs || run.ratio <= goal));
}
