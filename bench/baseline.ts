/**
 * The baseline: the same rotations done as Adobe's tutorial does them by hand, one connection after
 * another (bench/tutorial-baseline.ts, run in a child by bench/child.ts), against the same
 * emulators and delay as the function, beside the tutorial's own floor.
 */
import type { World } from '../emulators/world.js';
import { assertEveryConnectionRotated, baselineTask, runChild, type BenchArtifacts } from './container.js';
import { rotationFloor, TUTORIAL_GRAPH } from './floor.js';
import { fmtInt, fmtMs, fmtRatio, type ReportOutput, type Row } from './report.js';
import { requestGraphProblem, requestMarks } from './request-check.js';

/** One baseline run against its floor. */
export interface BaselineResult {
  readonly ms: number;
  readonly floorMs: number;
  readonly ratio: number;
  /** "" when the tutorial made exactly the requests of {@link TUTORIAL_GRAPH}. */
  readonly graphProblem: string;
}

/** Rotate `world`'s `connections` once as the tutorial does, every request delayed by `delayMs`. */
export async function baselineRun(
  artifacts: BenchArtifacts,
  world: World,
  connections: number,
  delayMs: number,
): Promise<BaselineResult> {
  const marks = requestMarks(world.emulators);
  const report = await runChild(artifacts, baselineTask(artifacts, world), [], 60_000 + connections * delayMs * 3 * 3);
  const run = report.runs[0]!;
  assertEveryConnectionRotated(`baseline, ${connections} connections`, run, connections);
  const floor = rotationFloor({ connections, concurrency: 1, delayMs }, TUTORIAL_GRAPH);
  return {
    ms: run.ms,
    floorMs: floor.ms,
    ratio: run.ms / floor.ms,
    graphProblem: requestGraphProblem(TUTORIAL_GRAPH, world.emulators, marks, connections, 1),
  };
}

/** A size as the baseline section needs it: its connections, the function's first invocation and the baseline. */
export interface BaselineComparison {
  readonly connections: number;
  readonly cold: { readonly ms: number };
  readonly baseline?: BaselineResult;
}

function baselineRows(results: readonly BaselineComparison[]): Row[] {
  return [
    [
      'connections',
      'baseline floor (ms)',
      'baseline (ms)',
      'ratio',
      'function, first invocation (ms)',
      'baseline ÷ function',
    ],
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

/** The report's "Baseline" section, for the sizes that ran one. */
export function renderBaselineSection(out: ReportOutput, results: readonly BaselineComparison[]): void {
  out.heading("Baseline: Adobe's tutorial by hand");
  const baselineProblems = results
    .filter((result) => result.baseline?.graphProblem)
    .map((result) => `${result.connections}: ${result.baseline!.graphProblem}`);
  out.text(
    'One IMS token, then per connection AssumeRole → GET (etag) → PATCH with If-Match, one connection after ' +
      'another, no verification (bench/tutorial-baseline.ts); same emulators, same d. Floor = d × (1 + 3 × N). ' +
      'Every size is measured, none extrapolated.' +
      (baselineProblems.length ? ` Request graph mismatch: ${baselineProblems.join(' / ')}` : ''),
  );
  out.table(baselineRows(results));
}
