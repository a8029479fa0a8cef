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
 *
 * This file only parses the options, runs the parts in order and renders the report. Each part
 * is its own module: cold-start.ts (1), latency.ts and latency-report.ts (2), memory.ts (3),
 * baseline.ts (4), delay-sweep.ts (5), cpu-share-runs.ts (6); scenario-run.ts is the run 5 and 6
 * share. Beneath them: container.ts forks child.ts (one container), services.ts seeds the
 * emulators, floor.ts is the request graph and its floor, request-check.ts compares what the
 * emulators recorded with that graph (server-spans.ts times each request), machine.ts describes
 * the machine, report.ts writes tables to the terminal and BENCHMARKS.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderBaselineSection } from './baseline.js';
import { PROJECT_ROOT, type BuiltFunction } from './bundle.js';
import { measureColdStart, renderColdStartSection, type ColdStartSummary } from './cold-start.js';
import { buildArtifacts, FUNCTION_CONCURRENCY } from './container.js';
import { renderCpuShareSection, runCpuShare, type CpuShareRuns } from './cpu-share-runs.js';
import { renderDelaySweepSection, runDelaySweep } from './delay-sweep.js';
import { benchSize, warmUp, type SizeResult } from './latency.js';
import { renderLatencySection } from './latency-report.js';
import { idleMachineBusy, machine, referenceWorkloadMs, renderMachineSection, type MachineContext } from './machine.js';
import { renderMemorySection } from './memory.js';
import { parseBenchOptions } from './options.js';
import {
  fmtBytes,
  fmtInt,
  fmtMs,
  fmtPercent,
  fmtRatio,
  markdownReport,
  terminalOutput,
  writeGeneratedBlock,
  type ReportOutput,
} from './report.js';
import type { ScenarioResult } from './scenario-run.js';
import { functionEnv, measureRoundTripAt, seedWorld } from './services.js';

// Parsed before anything runs, so a bad flag stops the bench at once.
const options = parseBenchOptions(process.argv.slice(2));

/** Everything one run measured, for the report. */
interface BenchFigures extends MachineContext {
  readonly fn: BuiltFunction;
  readonly coldStart: ColdStartSummary[];
  readonly results: SizeResult[];
  readonly roundTripMs: number;
  readonly elapsedMs: number;
  readonly scenarios?: { readonly sweep: ScenarioResult[]; readonly share: CpuShareRuns };
}

/** The whole report, section by section, in the order it is printed and written. */
function render(out: ReportOutput, figures: BenchFigures): void {
  const { results, scenarios } = figures;
  renderMachineSection(out, figures);
  out.text(`Command: \`${options.command}\` (${(figures.elapsedMs / 1000).toFixed(0)} s in all).`);
  renderColdStartSection(out, figures.fn, figures.coldStart, options.coldStartRuns);
  renderLatencySection(out, results, { delayMs: options.delayMs, roundTripMs: figures.roundTripMs });
  if (scenarios && scenarios.sweep.length > 0) renderDelaySweepSection(out, scenarios.sweep);
  if (scenarios) renderCpuShareSection(out, scenarios.share, options.delayMs);
  renderMemorySection(out, results[results.length - 1]!);
  if (results.some((result) => result.baseline)) renderBaselineSection(out, results);
}

async function main(): Promise<void> {
  const started = performance.now();
  const info = machine();
  const { delayMs, sizes, coldStartRuns } = options;
  console.log(
    `${options.command}: d = ${delayMs} ms, sizes ${sizes.join(', ')}, concurrency ${FUNCTION_CONCURRENCY}, ` +
      `${coldStartRuns} cold-start runs; ${info.cpuModel}, ${info.cores} cores, Node.js ${info.node}`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'aep-rotator-bench-'));
  try {
    const artifacts = await buildArtifacts(dir);
    const { fn } = artifacts;
    console.log(`bundled in ${fmtMs(fn.buildMs)} ms: ${fmtBytes(fn.bytes)} (${fmtBytes(fn.gzipBytes)} gzipped)`);
    const busyBefore = await idleMachineBusy();
    if ((busyBefore ?? 0) > 0.1)
      console.log(`Note: other processes are using ${fmtPercent(busyBefore)} of the machine; figures will be noisy.`);
    const referenceBefore = referenceWorkloadMs();

    console.log(`cold start: ${coldStartRuns} runs of each process kind...`);
    const { world: coldWorld } = await seedWorld(1);
    const coldStart = measureColdStart(fn.file, coldStartRuns, functionEnv(coldWorld));
    await coldWorld.close();

    console.log('warm-up run (not measured)...');
    await warmUp(artifacts);

    const roundTripMs = await measureRoundTripAt(delayMs);

    const results: SizeResult[] = [];
    for (const connections of sizes) {
      process.stdout.write(`${fmtInt(connections)} connection${connections === 1 ? '' : 's'}: function...`);
      const result = await benchSize(artifacts, connections, { delayMs, roundTripMs }, options.baseline);
      results.push(result);
      console.log(
        ` ${fmtMs(result.cold.ms)} ms (floor ${fmtMs(result.cold.floorMs)}, ${fmtRatio(result.cold.ratio)}), ` +
          `warm ${fmtMs(result.warm.ms)} ms; baseline ` +
          `${result.baseline ? `${fmtMs(result.baseline.ms)} ms` : 'skipped'}` +
          (result.seedMs > 2000 ? `; seeding took ${fmtMs(result.seedMs)} ms` : ''),
      );
    }

    const scenarios = options.scenarios
      ? { sweep: await runDelaySweep(artifacts), share: await runCpuShare(artifacts, delayMs) }
      : undefined;

    const busyAfter = await idleMachineBusy();
    const referenceAfter = referenceWorkloadMs();
    const figures: BenchFigures = {
      info,
      background: [busyBefore, busyAfter],
      reference: [referenceBefore, referenceAfter],
      fn,
      coldStart,
      results,
      roundTripMs,
      elapsedMs: performance.now() - started,
      ...(scenarios ? { scenarios } : {}),
    };

    console.log('');
    render(terminalOutput, figures);

    if (options.write) {
      const file = join(PROJECT_ROOT, 'BENCHMARKS.md');
      writeGeneratedBlock(
        file,
        markdownReport((out) => render(out, figures)),
      );
      console.log(`Wrote the figures into ${file}.`);
    } else {
      console.log(
        `BENCHMARKS.md not written (${options.quick ? '--quick' : '--no-write'}; add --write to write anyway).`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`\nbench failed: ${(error as Error)?.stack ?? error}`);
  process.exitCode = 1;
});
