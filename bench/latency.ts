/**
 * Rotation latency against the round-trip floor: each size in a fresh container (three containers
 * for sizes up to 100, the median run reported), invoked twice at the function's default
 * concurrency with every request delayed by `d`; the tutorial baseline beside it in the same
 * emulators. For one connection, emulator-side spans show where its time goes.
 */
import type { World } from '../emulators/world.js';
import { baselineRun, type BaselineResult } from './baseline.js';
import {
  assertEveryConnectionRotated,
  baselineTask,
  FUNCTION_CONCURRENCY,
  FUNCTION_NODE_FLAGS,
  handlerTask,
  runChild,
  type BenchArtifacts,
} from './container.js';
import { rotationFloor, ROTATION_GRAPH } from './floor.js';
import { othersShareBetween, sampleCpu } from './machine.js';
import { LIST_PAGE_LIMIT } from '../lambda/connection-inventory.js';
import { identifySpans, requestGraphProblem, requestMarks, waitedFor, type WaitedFor } from './request-check.js';
import { startRecordingServerSpans, stopRecordingServerSpans } from './server-spans.js';
import { seedWorld, setLatency } from './services.js';

/** One invocation of the function, beside its floors. */
export interface InvocationFigures {
  readonly ms: number;
  readonly floorMs: number;
  readonly ratio: number;
  /** Floor with each hop taking the measured bare round trip instead of d. */
  readonly rttFloorMs: number;
  readonly cpuMs: number;
  readonly maxRssBytes: number;
  readonly heapUsedBytes: number;
  /** One connection only: server-side time of the requests waited for, and how many. */
  readonly waited?: WaitedFor;
}

/** One fresh container (child process) rotating every connection twice. */
export interface FunctionRun {
  readonly importMs: number;
  readonly maxRssAfterImportBytes: number;
  readonly heapUsedAfterImportBytes: number;
  readonly retainedHeapBytes?: number;
  readonly cold: InvocationFigures;
  readonly warm: InvocationFigures;
  /** CPU the emulators (this process) used per rotation, both invocations. */
  readonly emulatorCpuMsPerRotation: number;
  /** Share of the machine's CPU other processes used meanwhile (undefined off Linux). */
  readonly othersShare?: number;
  readonly graphProblem: string;
}

/** One size: its median function run, and the baseline when it ran. */
export interface SizeResult extends FunctionRun {
  readonly connections: number;
  readonly waves: number;
  readonly seedMs: number;
  /** First-invocation times of every run; the figures are those of the median run. */
  readonly coldRunsMs: readonly number[];
  readonly baseline?: BaselineResult;
}

/** The delay every request waits, and the bare round trip measured at that delay. */
export interface LatencySetting {
  readonly delayMs: number;
  readonly roundTripMs: number;
}

/** Runs per size: small sizes are cheap and the noisiest (the median run is reported). */
export const repeatsFor = (connections: number) => (connections <= 100 ? 3 : 1);

/** The run with the median first invocation; of an even number, the faster of the middle two. */
export function medianRun<T extends { readonly cold: { readonly ms: number } }>(runs: readonly T[]): T {
  const byCold = [...runs].sort((a, b) => a.cold.ms - b.cold.ms);
  return byCold[Math.floor((byCold.length - 1) / 2)]!;
}

async function functionRun(
  artifacts: BenchArtifacts,
  world: World,
  connections: number,
  setting: LatencySetting,
): Promise<FunctionRun> {
  const marks = requestMarks(world.emulators);
  // Spans are identified by their order per emulator, which holds only while requests never overlap: one connection.
  const traced = connections === 1;
  if (traced) startRecordingServerSpans();
  const cpuBefore = sampleCpu();
  const parentCpu = process.cpuUsage();
  const report = await runChild(
    artifacts,
    handlerTask(artifacts, world),
    FUNCTION_NODE_FLAGS,
    60_000 + connections * 250,
  );
  const parentCpuUsage = process.cpuUsage(parentCpu);
  const cpuAfter = sampleCpu();
  const spans = traced ? stopRecordingServerSpans() : [];
  for (const [index, run] of report.runs.entries())
    assertEveryConnectionRotated(`${connections} connections, invocation ${index + 1}`, run, connections);

  // The bench's world puts connections in two sandboxes, dev and prod, alternately (bench/services.ts):
  // each is listed in pages of LIST_PAGE_LIMIT connections.
  const listingPages = [Math.ceil(connections / 2), Math.floor(connections / 2)].reduce(
    (pages, inSandbox) => pages + Math.ceil(inSandbox / LIST_PAGE_LIMIT),
    0,
  );
  const graphProblem = requestGraphProblem(
    ROTATION_GRAPH,
    world.emulators,
    marks,
    connections,
    report.runs.length,
    listingPages,
  );

  let waited: Array<WaitedFor | undefined> = [undefined, undefined];
  if (traced) {
    const timed = identifySpans(world.emulators, ROTATION_GRAPH, marks, spans);
    // A cold invocation of one connection makes every request of the graph once.
    const coldCount = ROTATION_GRAPH.length;
    waited = [timed.slice(0, coldCount), timed.slice(coldCount)].map(waitedFor);
  }

  const figures = (index: number, warm: boolean): InvocationFigures => {
    const run = report.runs[index]!;
    const floor = rotationFloor({ connections, concurrency: FUNCTION_CONCURRENCY, delayMs: setting.delayMs, warm });
    const rttFloor = rotationFloor({
      connections,
      concurrency: FUNCTION_CONCURRENCY,
      delayMs: setting.roundTripMs,
      warm,
    });
    return {
      ms: run.ms,
      floorMs: floor.ms,
      ratio: run.ms / floor.ms,
      rttFloorMs: rttFloor.ms,
      cpuMs: run.cpuMs,
      maxRssBytes: run.maxRssBytes,
      heapUsedBytes: run.heapUsedBytes,
      ...(waited[index] ? { waited: waited[index] } : {}),
    };
  };

  // This process and the (reaped) child against the whole machine over the same window.
  const othersShare = othersShareBetween(cpuBefore, cpuAfter);

  return {
    importMs: report.importMs,
    maxRssAfterImportBytes: report.maxRssAfterImportBytes,
    heapUsedAfterImportBytes: report.heapUsedAfterImportBytes,
    ...(report.retainedHeapBytes === undefined ? {} : { retainedHeapBytes: report.retainedHeapBytes }),
    cold: figures(0, false),
    warm: figures(1, true),
    emulatorCpuMsPerRotation: (parentCpuUsage.user + parentCpuUsage.system) / 1000 / (connections * report.runs.length),
    ...(othersShare === undefined ? {} : { othersShare }),
    graphProblem,
  };
}

/**
 * Seed `connections`, run the function {@link repeatsFor} times (a new container each) and, with
 * `withBaseline`, the tutorial baseline once, all at `setting.delayMs`.
 */
export async function benchSize(
  artifacts: BenchArtifacts,
  connections: number,
  setting: LatencySetting,
  withBaseline: boolean,
): Promise<SizeResult> {
  const { world, seedMs } = await seedWorld(connections);
  try {
    setLatency(world, setting.delayMs);
    const runs: FunctionRun[] = [];
    for (let repeat = 0; repeat < repeatsFor(connections); repeat += 1)
      runs.push(await functionRun(artifacts, world, connections, setting));
    const chosen = medianRun(runs);
    const graphProblem = runs
      .map((run) => run.graphProblem)
      .filter(Boolean)
      .join(' / ');
    const baseline = withBaseline ? await baselineRun(artifacts, world, connections, setting.delayMs) : undefined;
    return {
      ...chosen,
      graphProblem,
      connections,
      waves: Math.ceil(connections / FUNCTION_CONCURRENCY),
      seedMs,
      coldRunsMs: runs.map((run) => run.cold.ms),
      ...(baseline ? { baseline } : {}),
    };
  } finally {
    await world.close();
  }
}

/** One unmeasured run of everything: warms the emulators' code (they live on across sizes) and the file cache. */
export async function warmUp(artifacts: BenchArtifacts): Promise<void> {
  const { world } = await seedWorld(16);
  try {
    const report = await runChild(artifacts, handlerTask(artifacts, world), FUNCTION_NODE_FLAGS, 60_000);
    for (const run of report.runs) assertEveryConnectionRotated('warm-up', run, 16);
    const baseline = await runChild(artifacts, baselineTask(artifacts, world), [], 60_000);
    assertEveryConnectionRotated('warm-up baseline', baseline.runs[0]!, 16);
  } finally {
    await world.close();
  }
}
