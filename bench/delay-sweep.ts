/**
 * The delay sweep: 1, 10 and 100 connections at d = 20, 50, 100 and 200 ms, one container each.
 * The function's own work is about constant per request, so its share shrinks as the services
 * slow down: at which service latency does each size come within the goal?
 */
import { FUNCTION_CONCURRENCY, FUNCTION_MEMORY_MB, type BenchArtifacts } from './container.js';
import { GOAL_RATIO, smallestDelayWithinGoal } from './floor.js';
import { fmtInt, fmtRatio, type ReportOutput } from './report.js';
import { scenarioProgress, scenarioRows, scenarioRun, type ScenarioResult } from './scenario-run.js';

/** Sizes swept. 1,000 connections are left out (about 2 minutes at 200 ms). */
export const SWEEP_CONNECTIONS = [1, 10, 100];
/** Delays swept, each size at each. */
export const SWEEP_DELAYS_MS = [20, 50, 100, 200];

/** Every swept size at every swept delay, with the function's default memory; prints progress. */
export async function runDelaySweep(artifacts: BenchArtifacts): Promise<ScenarioResult[]> {
  const sweep: ScenarioResult[] = [];
  for (const connections of SWEEP_CONNECTIONS) {
    for (const delayMs of SWEEP_DELAYS_MS) {
      process.stdout.write(`delay sweep: ${fmtInt(connections)} connections at d = ${delayMs} ms...`);
      const result = await scenarioRun(artifacts, connections, delayMs, FUNCTION_MEMORY_MB);
      sweep.push(result);
      console.log(scenarioProgress(result));
    }
  }
  return sweep;
}

/** One sentence per invocation kind: the smallest swept delay from which every size was within the goal. */
export function goalReachedAt(sweep: ScenarioResult[]): string {
  const from = (kind: 'cold' | 'warm') => {
    const smallest = smallestDelayWithinGoal(
      sweep.map((result) => ({ delayMs: result.delayMs, ratio: result[kind].ms / result[kind].floorMs })),
      GOAL_RATIO,
    );
    return smallest === undefined ? 'at none of the delays swept' : `from d = ${smallest} ms`;
  };
  return (
    `Every size swept is within ${fmtRatio(GOAL_RATIO)} of the floor on the first invocation ${from('cold')}, ` +
    `and warm ${from('warm')}.`
  );
}

/** The report's "Delay sweep" section. */
export function renderDelaySweepSection(out: ReportOutput, sweep: ScenarioResult[]): void {
  out.heading(
    `Delay sweep (${SWEEP_CONNECTIONS.map(fmtInt).join(', ')} connections, concurrency ${FUNCTION_CONCURRENCY})`,
  );
  out.text(
    `The same function and emulators with every request delayed by d = ${SWEEP_DELAYS_MS.join(', ')} ms; ` +
      'one fresh container per size and delay, invoked twice. The function adds a roughly constant amount of work ' +
      'per request, so its share of the total falls as the services get slower:',
  );
  out.table(scenarioRows(sweep, 'delay'));
  out.text(goalReachedAt(sweep));
}
