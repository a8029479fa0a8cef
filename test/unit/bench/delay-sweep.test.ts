/**
 * The delay sweep's conclusion: from which delay every swept size is within the goal, on the first
 * invocation and on a warm one. Pure; no run here.
 */
import { describe, expect, it } from 'vitest';
import { goalReachedAt } from '../../../bench/delay-sweep.js';
import type { ScenarioResult } from '../../../bench/scenario-run.js';

const run = (connections: number, delayMs: number, coldRatio: number, warmRatio: number): ScenarioResult => ({
  connections,
  delayMs,
  memoryMb: 1769,
  cold: { ms: 100 * coldRatio, floorMs: 100, cpuMs: 0 },
  warm: { ms: 80 * warmRatio, floorMs: 80, cpuMs: 0 },
});

describe('goalReachedAt', () => {
  it('names the smallest delay from which every size is within the goal, first and warm', () => {
    const sweep = [
      run(1, 20, 2.2, 1.4),
      run(100, 20, 1.5, 1.3),
      run(1, 50, 1.4, 1.08),
      run(100, 50, 1.2, 1.05),
      run(1, 100, 1.05, 1.02),
      run(100, 100, 1.09, 1.01),
    ];
    expect(goalReachedAt(sweep)).toBe(
      'Every size swept is within 1.10× of the floor on the first invocation from d = 100 ms, ' +
        'and warm from d = 50 ms.',
    );
  });

  it('says so when no delay swept brings every size within the goal', () => {
    expect(goalReachedAt([run(1, 20, 1.5, 1.05), run(1, 200, 1.2, 1.02)])).toBe(
      'Every size swept is within 1.10× of the floor on the first invocation at none of the delays swept, ' +
        'and warm from d = 20 ms.',
    );
  });
});
