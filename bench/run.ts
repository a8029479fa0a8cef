/**
 * `npm run bench`: figures, not a timed test.
 *
 * 1. Cold start: the function bundled as the CDK construct bundles it; its size, and the time a
 *    fresh Node.js process takes to import it, beside a bare `node -e ''`.
 * 2. Rotation latency: 1, 10, 100 and 1,000 connections at the default concurrency against the
 *    loopback emulators, every request delayed by the same `d`, beside the round-trip floor
 *    (bench/floor.ts) and the ratio. Each size runs in a fresh child process (a new container)
 *    importing the bundle, invoked twice: the first (cold) invocation is the headline figure, the
 *    second shows a warm container (Adobe secret and IMS token cached). Sizes up to 100 run three
 *    times (the median run is reported), 1,000 once. The emulators run in this process, so the
 *    child holds only the function (its CPU and memory are the function's).
 * 3. Peak memory of the largest run (the 1,000-connection child's maxRSS).
 * 4. Baseline: the same rotations done as Adobe's tutorial does them by hand, one connection after
 *    another (bench/tutorial-baseline.ts), against the same emulators and delay.
 * 5. Delay sweep: 1, 10 and 100 connections at d = 20, 50, 100 and 200 ms, one container each
 *    (the function's own work is about constant per request, so its share shrinks as the services
 *    slow down): at which service latency each size comes within the goal.
 * 6. Lambda's CPU share: 100 connections with the child under a CFS quota of memory / 1,769 MB of
 *    one CPU, as Lambda allots it, for 256 MB to 1,769 MB (needs root and a cgroup; else skipped).
 *
 * Writes the figures into BENCHMARKS.md (between its bench markers) after a full run.
 *
 *   npm run bench                      full run (about 3 minutes on 2 cores), writes BENCHMARKS.md
 *   npm run bench -- --quick           sizes 1, 10, 100, fewer cold-start runs, no 5 and 6; writes nothing
 *   options: --delay=<ms> (default 20), --sizes=1,10 (instead of the defaults), --no-baseline,
 *            --scenarios / --no-scenarios (5 and 6), --write / --no-write
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { World } from '../emulators/world.js';
import { constructBundlingDrift, PROJECT_ROOT, type BuiltFunction } from './bundle.js';
import { measureColdStart, type ColdStartSummary } from './cold-start.js';
import {
  assertEveryConnectionRotated,
  baselineTask,
  buildArtifacts,
  FUNCTION_CONCURRENCY,
  FUNCTION_MEMORY_MB,
  FUNCTION_NODE_FLAGS,
  handlerTask,
  runChild,
  type BenchArtifacts,
} from './container.js';
import { runCpuShare, renderCpuShareSection, type CpuShareRuns } from './cpu-share-runs.js';
import { renderDelaySweepSection, runDelaySweep } from './delay-sweep.js';
import { criticalPath, GOAL_RATIO, rotationFloor, ROTATION_GRAPH, TUTORIAL_GRAPH } from './floor.js';
import { idleMachineBusy, machine, othersShareBetween, referenceWorkloadMs, renderMachineSection, sampleCpu, type Machine } from './machine.js';
import { parseBenchOptions } from './options.js';
import type { ScenarioResult } from './scenario-run.js';
import { aboveGoalMark, fmtBytes, fmtInt, fmtMs, fmtPercent, fmtRatio, markdownReport, terminalOutput, writeGeneratedBlock, type ReportOutput, type Row } from './report.js';
import { identifySpans, requestGraphProblem, requestMarks, waitedFor } from './request-check.js';
import { startRecordingServerSpans, stopRecordingServerSpans } from './server-spans.js';
import { functionEnv, measureRoundTrip, seedWorld, setLatency } from './services.js';

// ------------------------------------------------------------------ options

const {
  quick: QUICK,
  delayMs: DELAY_MS,
  write: WRITE,
  sizes: SIZES,
  baseline: BASELINE,
  coldStartRuns: COLD_START_RUNS,
  scenarios: SCENARIOS,
  command: COMMAND,
} = parseBenchOptions(process.argv.slice(2));

// ------------------------------------------------------------------ one size

interface InvocationFigures {
  readonly ms: number;
  readonly floorMs: number;
  readonly ratio: number;
  /** Floor with each hop taking the measured bare round trip instead of d. */
  readonly rttFloorMs: number;
  readonly cpuMs: number;
  readonly maxRssBytes: number;
  readonly heapUsedBytes: number;
  /** One connection only: server-side time of the requests waited for, and how many. */
  readonly waited?: { readonly hops: number; readonly serverMs: number };
}

/** One fresh container (child process) rotating every connection twice. */
interface FunctionRun {
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

interface SizeResult extends FunctionRun {
  readonly connections: number;
  readonly waves: number;
  readonly seedMs: number;
  /** First-invocation times of every run; the figures are those of the median run. */
  readonly coldRunsMs: readonly number[];
  readonly baseline?: BaselineResult;
}

interface BaselineResult {
  readonly ms: number;
  readonly floorMs: number;
  readonly ratio: number;
  readonly graphProblem: string;
}

/** Runs per size: small sizes are cheap and the noisiest (the median run is reported). */
const repeatsFor = (connections: number) => (connections <= 100 ? 3 : 1);

async function functionRun(artifacts: BenchArtifacts, world: World, connections: number, roundTripMs: number): Promise<FunctionRun> {
  const marks = requestMarks(world.emulators);
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
  report.runs.forEach((run, index) => assertEveryConnectionRotated(`${connections} connections, invocation ${index + 1}`, run, connections));

  const graphProblem = requestGraphProblem(ROTATION_GRAPH, world.emulators, marks, connections, report.runs.length);

  let waited: Array<InvocationFigures['waited']> = [undefined, undefined];
  if (traced) {
    const timed = identifySpans(world.emulators, ROTATION_GRAPH, marks, spans);
    const coldCount = ROTATION_GRAPH.length;
    waited = [timed.slice(0, coldCount), timed.slice(coldCount)].map(waitedFor);
  }

  const figures = (index: number, warm: boolean): InvocationFigures => {
    const run = report.runs[index]!;
    const floor = rotationFloor({ connections, concurrency: FUNCTION_CONCURRENCY, delayMs: DELAY_MS, warm });
    const rttFloor = rotationFloor({ connections, concurrency: FUNCTION_CONCURRENCY, delayMs: roundTripMs, warm });
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

async function baselineRun(artifacts: BenchArtifacts, world: World, connections: number): Promise<BaselineResult> {
  const marks = requestMarks(world.emulators);
  const report = await runChild(
    artifacts,
    baselineTask(artifacts, world),
    [],
    60_000 + connections * DELAY_MS * 3 * 3,
  );
  const run = report.runs[0]!;
  assertEveryConnectionRotated(`baseline, ${connections} connections`, run, connections);
  const floor = rotationFloor({ connections, concurrency: 1, delayMs: DELAY_MS }, TUTORIAL_GRAPH);
  return { ms: run.ms, floorMs: floor.ms, ratio: run.ms / floor.ms, graphProblem: requestGraphProblem(TUTORIAL_GRAPH, world.emulators, marks, connections, 1) };
}

async function benchSize(artifacts: BenchArtifacts, connections: number, roundTripMs: number, withBaseline: boolean): Promise<SizeResult> {
  const { world, seedMs } = await seedWorld(connections);
  try {
    setLatency(world, DELAY_MS);
    const runs: FunctionRun[] = [];
    for (let repeat = 0; repeat < repeatsFor(connections); repeat += 1) runs.push(await functionRun(artifacts, world, connections, roundTripMs));
    const byCold = [...runs].sort((a, b) => a.cold.ms - b.cold.ms);
    const chosen = byCold[Math.floor((byCold.length - 1) / 2)]!;
    const graphProblem = runs.map((run) => run.graphProblem).filter(Boolean).join(' / ');
    const baseline = withBaseline ? await baselineRun(artifacts, world, connections) : undefined;
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
async function warmUp(artifacts: BenchArtifacts): Promise<void> {
  const { world } = await seedWorld(16);
  try {
    const report = await runChild(artifacts, handlerTask(artifacts, world), FUNCTION_NODE_FLAGS, 60_000);
    report.runs.forEach((run) => assertEveryConnectionRotated('warm-up', run, 16));
    const baseline = await runChild(artifacts, baselineTask(artifacts, world), [], 60_000);
    assertEveryConnectionRotated('warm-up baseline', baseline.runs[0]!, 16);
  } finally {
    await world.close();
  }
}

// ------------------------------------------------------------------ tables

function latencyRows(results: SizeResult[], which: 'cold' | 'warm'): Row[] {
  const spread = (result: SizeResult) =>
    result.coldRunsMs.length > 1 ? `${fmtMs(Math.min(...result.coldRunsMs))}–${fmtMs(Math.max(...result.coldRunsMs))}` : '-';
  return [
    ['connections', 'waves', 'floor (ms)', 'measured (ms)', 'ratio', 'floor at bare RTT (ms)', 'ratio to it', 'function CPU (ms)', ...(which === 'cold' ? ['runs: min–max (ms)'] : [])],
    ...results.map((result) => {
      const figures = result[which];
      return [
        fmtInt(result.connections),
        fmtInt(result.waves),
        fmtMs(figures.floorMs),
        fmtMs(figures.ms),
        fmtRatio(figures.ratio) + aboveGoalMark(figures.ratio),
        fmtMs(figures.rttFloorMs),
        fmtRatio(figures.ms / figures.rttFloorMs),
        fmtMs(figures.cpuMs),
        ...(which === 'cold' ? [spread(result)] : []),
      ];
    }),
  ];
}

function cpuRows(results: SizeResult[]): Row[] {
  return [
    ['connections', 'function CPU / rotation, first (ms)', 'function CPU / rotation, warm (ms)', 'emulators CPU / rotation (ms)', 'other processes meanwhile'],
    ...results.map((result) => [
      fmtInt(result.connections),
      (result.cold.cpuMs / result.connections).toFixed(2),
      (result.warm.cpuMs / result.connections).toFixed(2),
      result.emulatorCpuMsPerRotation.toFixed(2),
      result.othersShare === undefined ? '-' : `${(result.othersShare * 100).toFixed(0)}% of the machine`,
    ]),
  ];
}

function baselineRows(results: SizeResult[]): Row[] {
  return [
    ['connections', 'baseline floor (ms)', 'baseline (ms)', 'ratio', 'function, first invocation (ms)', 'baseline ÷ function'],
    ...results
      .filter((result) => result.baseline)
      .map((result) => [
        fmtInt(result.connections),
        fmtMs(result.baseline!.floorMs),
        fmtMs(result.baseline!.ms),
        fmtRatio(result.baseline!.ratio),
        fmtMs(result.cold.ms),
        fmtRatio(result.baseline!.ms / result.cold.ms),
      ]),
  ];
}

function coldStartRows(fn: BuiltFunction, summaries: ColdStartSummary[]): { size: Row[]; timing: Row[] } {
  return {
    size: [
      ['file', 'bytes', 'gzip -9'],
      ['index.mjs', fmtBytes(fn.bytes), fmtBytes(fn.gzipBytes)],
      ['index.mjs.map', fmtBytes(fn.mapBytes), fmtBytes(fn.mapGzipBytes)],
      ['both (≈ the upload zip)', fmtBytes(fn.bytes + fn.mapBytes), fmtBytes(fn.gzipBytes + fn.mapGzipBytes)],
    ],
    timing: [
      ['process', 'wall, spawn to exit: median (ms)', 'p90 (ms)', 'import() inside: median (ms)', 'p90 (ms)', 'RSS after (MiB)'],
      ...summaries.map((summary) => [
        summary.label,
        fmtMs(summary.processMedianMs),
        fmtMs(summary.processP90Ms),
        summary.importMedianMs === undefined ? '-' : fmtMs(summary.importMedianMs),
        summary.importP90Ms === undefined ? '-' : fmtMs(summary.importP90Ms),
        Number.isFinite(summary.rssMedianBytes) ? (summary.rssMedianBytes / 1024 / 1024).toFixed(1) : '-',
      ]),
    ],
  };
}

function memoryRows(result: SizeResult): Row[] {
  const share = (bytes: number) => ` (${((100 * bytes) / (FUNCTION_MEMORY_MB * 1024 * 1024)).toFixed(0)}% of ${FUNCTION_MEMORY_MB} MB)`;
  return [
    ['point in the run', 'peak RSS (maxRSS)', 'heapUsed'],
    ['after importing the bundle', fmtBytes(result.maxRssAfterImportBytes), fmtBytes(result.heapUsedAfterImportBytes)],
    [`after the first invocation (${fmtInt(result.connections)} rotated)`, fmtBytes(result.cold.maxRssBytes) + share(result.cold.maxRssBytes), fmtBytes(result.cold.heapUsedBytes)],
    ['after the second, warm invocation', fmtBytes(result.warm.maxRssBytes) + share(result.warm.maxRssBytes), fmtBytes(result.warm.heapUsedBytes)],
    ...(result.retainedHeapBytes === undefined ? [] : [['then after a full GC (what the container keeps)', '-', fmtBytes(result.retainedHeapBytes)]]),
  ];
}

// ------------------------------------------------------------------ main

function render(
  out: ReportOutput,
  context: {
    info: Machine;
    background: readonly [number | undefined, number | undefined];
    reference: readonly [number, number];
    fn: BuiltFunction;
    coldStart: ColdStartSummary[];
    results: SizeResult[];
    roundTripMs: number;
    drift: string[];
    elapsedMs: number;
    scenarios?: { sweep: ScenarioResult[]; share: CpuShareRuns };
  },
): void {
  const { fn, coldStart, results, roundTripMs } = context;
  const firstPath = criticalPath(ROTATION_GRAPH, { cached: 'nothing' });
  const laterPath = criticalPath(ROTATION_GRAPH, { cached: 'everything' });
  const largest = results[results.length - 1]!;

  renderMachineSection(out, context);
  out.text(`Command: \`${COMMAND}\` (${(context.elapsedMs / 1000).toFixed(0)} s in all).`);
  for (const problem of context.drift) out.text(`Warning: ${problem}.`);

  out.heading('Cold start');
  const cold = coldStartRows(fn, coldStart);
  out.text('The function bundled as lib/s3-credential-rotator.ts bundles it (esbuild: ESM, whitespace and syntax minified with identifiers kept as written, source map without sources, target node24, AWS SDK included, createRequire banner):');
  out.table(cold.size);
  out.text(`A fresh \`process.execPath\` process per run, ${COLD_START_RUNS} runs of each, interleaved; "import()" is timed inside the process (Lambda's INIT: module evaluation, which reads and validates the configuration, one target here, and creates the SDK clients; nothing is sent until the first invocation).`);
  out.table(cold.timing);

  out.heading(`Rotation latency (d = ${DELAY_MS} ms per request, concurrency ${FUNCTION_CONCURRENCY})`);
  out.text(
    `Floor = d × (${firstPath.length} + (waves − 1) × ${laterPath.length}), waves = ceil(N / ${FUNCTION_CONCURRENCY}). ` +
      `First wave: ${firstPath.join(' → ')}; every later wave: ${laterPath.join(' → ')}. ` +
      `Bare round trip to an emulator at this delay (an idle client, one request at a time): ${fmtMs(roundTripMs)} ms, so "floor at bare RTT" is the same floor with each hop costing that instead of d. ` +
      `Goal: ratio ≤ ${GOAL_RATIO.toFixed(2)} (▲ marks a size above it).`,
  );
  out.text(
    `First invocation of a fresh container (the figure that counts). Sizes up to 100 run ${repeatsFor(1)} times, each in a new container, and the median run is shown (its other columns too); larger sizes run once:`,
  );
  out.table(latencyRows(results, 'cold'));
  out.text(`Second invocation, same container (token cached, secret read again: SM GetSecretValue → Flow GET → Flow PATCH is as long as the STS side; floor = d × ${laterPath.length} × waves):`);
  out.table(latencyRows(results, 'warm'));
  const one = results.find((result) => result.connections === 1);
  if (one?.cold.waited && one.warm.waited) {
    const line = (label: string, figures: InvocationFigures) => {
      const waited = figures.waited!;
      const beyond = waited.serverMs - waited.hops * DELAY_MS;
      const inFunction = figures.ms - waited.serverMs;
      return `${label}: ${fmtMs(figures.ms)} ms = ${waited.hops} requests waited for × ${DELAY_MS} ms + ${fmtMs(beyond)} ms in the emulators beyond the delay + ${fmtMs(inFunction)} ms in the function and on loopback (from invocation to the first request, between a response leaving an emulator and the next request reaching one, and after the last).`;
    };
    out.text(`Where one connection's time goes (emulator-side timestamps of each request, from node:http diagnostics channels):`);
    out.text(`- ${line('first invocation', one.cold)}`);
    out.text(`- ${line('warm invocation', one.warm)}`);
  }
  out.text(
    'CPU per rotation (function: the child process; emulators: this process, both invocations), and how much of the machine other processes used during that run (a shared machine makes every figure noisier):',
  );
  out.table(cpuRows(results));
  const busiest = Math.max(...results.map((result) => result.othersShare ?? 0));
  if (busiest > 0.1) out.text(`Note: other processes used up to ${(busiest * 100).toFixed(0)}% of the machine during these runs; the figures are slower than on a quiet machine.`);
  const problems = results.filter((result) => result.graphProblem);
  out.text(
    problems.length === 0
      ? `Every run made exactly the requests the graph predicts (per invocation: each per-connection request N times and the secret once; the token once per container) and rotated every connection.`
      : `Request graph mismatch (the floor may not apply): ${problems.map((result) => `${result.connections}: ${result.graphProblem}`).join(' / ')}`,
  );

  const { scenarios } = context;
  if (scenarios && scenarios.sweep.length > 0) renderDelaySweepSection(out, scenarios.sweep);
  if (scenarios) renderCpuShareSection(out, scenarios.share, DELAY_MS);

  out.heading(`Peak memory (${fmtInt(largest.connections)} connection${largest.connections === 1 ? '' : 's'})`);
  out.text(`The function alone, in its child process (the emulators run in the parent), started with \`${FUNCTION_NODE_FLAGS.join(' ')}\` (the construct's NODE_OPTIONS, and the flags Lambda's Node.js bootstrap adds, with heap limits for ${FUNCTION_MEMORY_MB} MB):`);
  out.table(memoryRows(largest));

  if (!results.some((result) => result.baseline)) return;
  out.heading('Baseline: Adobe\'s tutorial by hand');
  const baselineProblems = results.filter((result) => result.baseline?.graphProblem);
  out.text(
    `One IMS token, then per connection AssumeRole → GET (etag) → PATCH with If-Match, one connection after another, no verification (bench/tutorial-baseline.ts); same emulators, same d. ` +
      `Floor = d × (1 + 3 × N). Every size is measured, none extrapolated.` +
      (baselineProblems.length ? ` Request graph mismatch: ${baselineProblems.map((result) => `${result.connections}: ${result.baseline!.graphProblem}`).join(' / ')}` : ''),
  );
  out.table(baselineRows(results));
}

async function main(): Promise<void> {
  const started = performance.now();
  const info = machine();
  const drift = constructBundlingDrift();
  console.log(`${COMMAND}: d = ${DELAY_MS} ms, sizes ${SIZES.join(', ')}, concurrency ${FUNCTION_CONCURRENCY}, ${COLD_START_RUNS} cold-start runs; ${info.cpuModel}, ${info.cores} cores, Node.js ${info.node}`);
  for (const problem of drift) console.log(`Warning: ${problem}`);

  const dir = mkdtempSync(join(tmpdir(), 'aep-rotator-bench-'));
  try {
    const artifacts = await buildArtifacts(dir);
    const { fn } = artifacts;
    console.log(`bundled in ${fmtMs(fn.buildMs)} ms: ${fmtBytes(fn.bytes)} (${fmtBytes(fn.gzipBytes)} gzipped)`);
    const busyBefore = await idleMachineBusy();
    if ((busyBefore ?? 0) > 0.1) console.log(`Note: other processes are using ${fmtPercent(busyBefore)} of the machine; figures will be noisy.`);
    const referenceBefore = referenceWorkloadMs();

    console.log(`cold start: ${COLD_START_RUNS} runs of each process kind...`);
    const { world: coldWorld } = await seedWorld(1);
    const coldStart = measureColdStart(fn.file, COLD_START_RUNS, functionEnv(coldWorld));
    await coldWorld.close();

    console.log('warm-up run (not measured)...');
    await warmUp(artifacts);

    const { world: probeWorld } = await seedWorld(0);
    setLatency(probeWorld, DELAY_MS);
    const roundTripMs = await measureRoundTrip(probeWorld.emulators.flowService.url, 30);
    await probeWorld.close();

    const results: SizeResult[] = [];
    for (const connections of SIZES) {
      process.stdout.write(`${fmtInt(connections)} connection${connections === 1 ? '' : 's'}: function...`);
      const result = await benchSize(artifacts, connections, roundTripMs, BASELINE);
      results.push(result);
      console.log(
        ` ${fmtMs(result.cold.ms)} ms (floor ${fmtMs(result.cold.floorMs)}, ${fmtRatio(result.cold.ratio)}), warm ${fmtMs(result.warm.ms)} ms; baseline ${result.baseline ? `${fmtMs(result.baseline.ms)} ms` : 'skipped'}` +
          (result.seedMs > 2000 ? `; seeding took ${fmtMs(result.seedMs)} ms` : ''),
      );
    }

    const scenarios = SCENARIOS ? { sweep: await runDelaySweep(artifacts), share: await runCpuShare(artifacts, DELAY_MS) } : undefined;

    const busyAfter = await idleMachineBusy();
    const referenceAfter = referenceWorkloadMs();
    const context = { info, background: [busyBefore, busyAfter] as const, reference: [referenceBefore, referenceAfter] as const, fn, coldStart, results, roundTripMs, drift, elapsedMs: performance.now() - started, ...(scenarios ? { scenarios } : {}) };

    console.log('');
    render(terminalOutput, context);

    if (WRITE) {
      const file = join(PROJECT_ROOT, 'BENCHMARKS.md');
      writeGeneratedBlock(file, markdownReport((out) => render(out, context)));
      console.log(`Wrote the figures into ${file}.`);
    } else {
      console.log(`BENCHMARKS.md not written (${QUICK ? '--quick' : '--no-write'}; add --write to write anyway).`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`\nbench failed: ${(error as Error)?.stack ?? error}`);
  process.exitCode = 1;
});
