/**
 * One scenario run, shared by the delay sweep and the CPU-share runs: a fresh container rotating
 * its connections twice at a chosen delay, memory and CPU quota, measured against the floor.
 */
import { rotationFloor } from './floor.js';
import {
  assertEveryConnectionRotated,
  FUNCTION_CONCURRENCY,
  handlerTask,
  nodeFlagsFor,
  runChild,
  type BenchArtifacts,
} from './container.js';
import { lambdaCpuShare, type CpuLimit } from './cpu-share.js';
import { aboveGoalMark, fmtInt, fmtMs, fmtRatio, type Row } from './report.js';
import { seedWorld, setLatency } from './services.js';

/** One invocation of a scenario run. */
export interface ScenarioFigures {
  readonly ms: number;
  readonly floorMs: number;
  /** CPU the function's process used during the invocation. */
  readonly cpuMs: number;
}

/** A scenario run: its settings, and its first (cold) and second (warm) invocation. */
export interface ScenarioResult {
  readonly delayMs: number;
  readonly memoryMb: number;
  readonly connections: number;
  readonly cold: ScenarioFigures;
  readonly warm: ScenarioFigures;
}

/**
 * One fresh container rotating `connections` twice at delay `delayMs`, with `memoryMb`'s heap flags and, given one, a
 * CPU quota.
 */
export async function scenarioRun(
  artifacts: BenchArtifacts,
  connections: number,
  delayMs: number,
  memoryMb: number,
  cpuLimit?: CpuLimit,
): Promise<ScenarioResult> {
  const { world } = await seedWorld(connections);
  try {
    setLatency(world, delayMs);
    const report = await runChild(
      artifacts,
      handlerTask(artifacts, world),
      nodeFlagsFor(memoryMb),
      120_000 + connections * 1000,
      cpuLimit,
    );
    for (const [index, run] of report.runs.entries()) {
      assertEveryConnectionRotated(
        `${connections} connections at ${delayMs} ms and ${memoryMb} MB, invocation ${index + 1}`,
        run,
        connections,
      );
    }
    const figures = (index: number, warm: boolean): ScenarioFigures => ({
      ms: report.runs[index]!.ms,
      floorMs: rotationFloor({ connections, concurrency: FUNCTION_CONCURRENCY, delayMs, warm }).ms,
      cpuMs: report.runs[index]!.cpuMs,
    });
    return { delayMs, memoryMb, connections, cold: figures(0, false), warm: figures(1, true) };
  } finally {
    await world.close();
  }
}

/** The progress line's figures for one scenario run: both invocations and their ratios to the floor. */
export function scenarioProgress(result: ScenarioResult): string {
  return (
    ` ${fmtMs(result.cold.ms)} ms (${fmtRatio(result.cold.ms / result.cold.floorMs)}), warm ` +
    `${fmtMs(result.warm.ms)} ms (${fmtRatio(result.warm.ms / result.warm.floorMs)})`
  );
}

/** The table of scenario runs, led by the connections and delay (the sweep) or by the memory size (the CPU share). */
export function scenarioRows(results: ScenarioResult[], first: 'delay' | 'memory'): Row[] {
  const perRotation = (figures: ScenarioFigures, connections: number) => (figures.cpuMs / connections).toFixed(2);
  return [
    [
      ...(first === 'delay' ? ['connections'] : []),
      first === 'delay' ? 'd (ms)' : 'memory (MB), CPU share',
      'first: floor (ms)',
      'first: measured (ms)',
      'ratio',
      'warm: floor (ms)',
      'warm: measured (ms)',
      'ratio',
      'function CPU / rotation, first / warm (ms)',
    ],
    ...results.map((result) => [
      ...(first === 'delay' ? [fmtInt(result.connections)] : []),
      first === 'delay'
        ? fmtInt(result.delayMs)
        : `${fmtInt(result.memoryMb)}, ${(lambdaCpuShare(result.memoryMb) * 100).toFixed(1)}% of a vCPU`,
      fmtMs(result.cold.floorMs),
      fmtMs(result.cold.ms),
      fmtRatio(result.cold.ms / result.cold.floorMs) + aboveGoalMark(result.cold.ms / result.cold.floorMs),
      fmtMs(result.warm.floorMs),
      fmtMs(result.warm.ms),
      fmtRatio(result.warm.ms / result.warm.floorMs) + aboveGoalMark(result.warm.ms / result.warm.floorMs),
      `${perRotation(result.cold, result.connections)} / ${perRotation(result.warm, result.connections)}`,
    ]),
  ];
}
