/**
 * The report's "Rotation latency" section: each size's first and warm invocation against the
 * floor, where one connection's time goes, the CPU per rotation and whether every run made the
 * requests the graph predicts.
 */
import { FUNCTION_CONCURRENCY } from './container.js';
import { criticalPath, GOAL_RATIO, ROTATION_GRAPH, tailPath } from './floor.js';
import { repeatsFor, type InvocationFigures, type LatencySetting, type SizeResult } from './latency.js';
import { aboveGoalMark, fmtInt, fmtMs, fmtRatio, type ReportOutput, type Row } from './report.js';

function latencyRows(results: SizeResult[], which: 'cold' | 'warm'): Row[] {
  const spread = (result: SizeResult) =>
    result.coldRunsMs.length > 1
      ? `${fmtMs(Math.min(...result.coldRunsMs))}–${fmtMs(Math.max(...result.coldRunsMs))}`
      : '-';
  return [
    [
      'connections',
      'waves',
      'floor (ms)',
      'measured (ms)',
      'ratio',
      'floor at bare RTT (ms)',
      'ratio to it',
      'function CPU (ms)',
      ...(which === 'cold' ? ['runs: min–max (ms)'] : []),
    ],
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
    [
      'connections',
      'function CPU / rotation, first (ms)',
      'function CPU / rotation, warm (ms)',
      'emulators CPU / rotation (ms)',
      'other processes meanwhile',
    ],
    ...results.map((result) => [
      fmtInt(result.connections),
      (result.cold.cpuMs / result.connections).toFixed(2),
      (result.warm.cpuMs / result.connections).toFixed(2),
      result.emulatorCpuMsPerRotation.toFixed(2),
      result.othersShare === undefined ? '-' : `${(result.othersShare * 100).toFixed(0)}% of the machine`,
    ]),
  ];
}

/** One invocation of one connection split into the delay it waited for, the emulators' time beyond it, and the rest. */
function timeSplit(label: string, figures: InvocationFigures, delayMs: number): string {
  const waited = figures.waited!;
  const beyond = waited.serverMs - waited.hops * delayMs;
  const inFunction = figures.ms - waited.serverMs;
  return (
    `${label}: ${fmtMs(figures.ms)} ms = ${waited.hops} requests waited for × ${delayMs} ms + ${fmtMs(beyond)} ` +
    `ms in the emulators beyond the delay + ${fmtMs(inFunction)} ms in the function and on loopback ` +
    '(from invocation to the first request, between a response leaving an emulator and the next request reaching ' +
    'one, and after the last).'
  );
}

/** The report's "Rotation latency" section for every size measured. */
export function renderLatencySection(
  out: ReportOutput,
  results: SizeResult[],
  { delayMs, roundTripMs }: LatencySetting,
): void {
  const firstPath = criticalPath(ROTATION_GRAPH, { cached: 'nothing' });
  const laterPath = criticalPath(ROTATION_GRAPH, { cached: 'everything' });
  const tail = tailPath(ROTATION_GRAPH);

  out.heading(`Rotation latency (d = ${delayMs} ms per request, concurrency ${FUNCTION_CONCURRENCY})`);
  out.text(
    `Floor = d × (${firstPath.length} + (waves − 1) × ${laterPath.length} + ${tail.length}), waves = ceil(N / ` +
      `${FUNCTION_CONCURRENCY}). First wave: ${firstPath.join(' → ')}; ` +
      `every later wave: ${laterPath.join(' → ')}; ` +
      `after the last: ${tail.join(' → ')}. Bare round trip to an emulator at this delay (an idle client, ` +
      `one request at a time): ${fmtMs(roundTripMs)} ms, so "floor at bare RTT" is the same floor with each hop ` +
      `costing that instead of d. Goal: ratio ≤ ${GOAL_RATIO.toFixed(2)} (▲ marks a size above it).`,
  );
  out.text(
    `First invocation of a fresh container (the figure that counts). Sizes up to 100 run ${repeatsFor(1)} ` +
      'times, each in a new container, and the median run is shown (its other columns too); larger sizes run once:',
  );
  out.table(latencyRows(results, 'cold'));
  out.text(
    'Second invocation, same container (token cached, secret read again: floor = d × ' +
      `(${criticalPath(ROTATION_GRAPH, { cached: 'per-container' }).length} + (waves − 1) × ${laterPath.length} ` +
      `+ ${tail.length})):`,
  );
  out.table(latencyRows(results, 'warm'));
  const one = results.find((result) => result.connections === 1);
  if (one?.cold.waited && one.warm.waited) {
    out.text(
      "Where one connection's time goes (emulator-side timestamps of each request, from node:http diagnostics " +
        'channels):',
    );
    out.text(`- ${timeSplit('first invocation', one.cold, delayMs)}`);
    out.text(`- ${timeSplit('warm invocation', one.warm, delayMs)}`);
  }
  out.text(
    'CPU per rotation (function: the child process; emulators: this process, both invocations), ' +
      'and how much of the machine other processes used during that run (a shared machine makes every figure ' +
      'noisier):',
  );
  out.table(cpuRows(results));
  const busiest = Math.max(...results.map((result) => result.othersShare ?? 0));
  if (busiest > 0.1)
    out.text(
      `Note: other processes used up to ${(busiest * 100).toFixed(0)}% of the machine during these runs; ` +
        'the figures are slower than on a quiet machine.',
    );
  const problems = results.filter((result) => result.graphProblem);
  out.text(
    problems.length === 0
      ? 'Every run made exactly the requests the graph predicts (per invocation: each per-connection request N ' +
          'times and the secret once; the token once per container) and rotated every connection.'
      : 'Request graph mismatch (the floor may not apply): ' +
          `${problems.map((result) => `${result.connections}: ${result.graphProblem}`).join(' / ')}`,
  );
}
