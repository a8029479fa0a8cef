/**
 * Which of a size's runs the latency tables report: the median by first invocation, with its
 * other columns, so one slow or fast container does not set the figure. Pure; no run here.
 */
import { describe, expect, it } from 'vitest';
import { medianRun, repeatsFor } from '../../../bench/latency.js';

const run = (id: string, coldMs: number) => ({ id, cold: { ms: coldMs } });

describe('medianRun', () => {
  it('is the run whose first invocation is the median of three, whatever their order', () => {
    expect(medianRun([run('a', 240), run('b', 200), run('c', 470)]).id).toBe('a');
  });

  it('is the faster of the middle two of an even number of runs, and the only one of one', () => {
    expect(medianRun([run('a', 400), run('b', 100), run('c', 300), run('d', 200)]).id).toBe('d');
    expect(medianRun([run('only', 1620)]).id).toBe('only');
  });
});

describe('repeatsFor', () => {
  it('runs sizes up to 100 three times and larger sizes once', () => {
    expect([1, 10, 100, 1000].map(repeatsFor)).toEqual([3, 3, 3, 1]);
  });
});
