/**
 * How much of the machine other processes used, from two CPU samples: the bench prints it beside
 * every run because a shared machine makes its figures noisy.
 */
import { describe, expect, it } from 'vitest';
import { othersShareBetween, type CpuSample } from '../../../bench/machine.js';

const sample = (busy: number, total: number, own: number | undefined): CpuSample => ({ machine: { busy, total }, own });

describe('othersShareBetween', () => {
  it('is the machine busy share less what this process and its reaped children used', () => {
    // 500 of 1,000 ticks busy, 100 of them this process's: others used 40%.
    expect(othersShareBetween(sample(100, 1000, 10), sample(600, 2000, 110))).toBeCloseTo(0.4);
  });

  it('is never below zero when this process is charged more than the machine shows busy', () => {
    expect(othersShareBetween(sample(0, 0, 0), sample(100, 1000, 150))).toBe(0);
  });

  it('is unknown without /proc figures or when no time passed', () => {
    expect(othersShareBetween({ machine: undefined, own: 0 }, sample(1, 2, 1))).toBeUndefined();
    expect(othersShareBetween(sample(0, 0, undefined), sample(1, 2, 1))).toBeUndefined();
    expect(othersShareBetween(sample(5, 10, 1), sample(5, 10, 1))).toBeUndefined();
  });
});
