/**
 * The benchmark's yardstick: the round-trip floor computed from the rotation's request graph, and
 * Lambda's CPU share by memory. Pure functions; the bench itself prints figures and is not run here.
 */
import { describe, expect, it } from 'vitest';
import { lambdaCpuShare, MB_PER_VCPU } from '../../../bench/cpu-share.js';
import {
  criticalPath,
  rotationFloor,
  ROTATION_GRAPH,
  smallestDelayWithinGoal,
  tailPath,
  TUTORIAL_GRAPH,
  type RequestNode,
} from '../../../bench/floor.js';

describe('criticalPath', () => {
  it('is one chain: GET, mint, PATCH, explore; a cold container reads the secret and the token first', () => {
    expect(criticalPath(ROTATION_GRAPH, { cached: 'nothing' })).toEqual([
      'SM GetSecretValue',
      'IMS token',
      'Flow GET',
      'STS AssumeRole',
      'STS GetCallerIdentity',
      'Flow PATCH',
      'Flow explore',
    ]);
    // A warm container keeps the token but reads the secret again: six hops.
    expect(criticalPath(ROTATION_GRAPH, { cached: 'per-container' })).toHaveLength(6);
    expect(criticalPath(ROTATION_GRAPH, { cached: 'everything' })).toEqual([
      'Flow GET',
      'STS AssumeRole',
      'STS GetCallerIdentity',
      'Flow PATCH',
      'Flow explore',
    ]);
  });

  it('refuses a graph with a cycle or an unknown dependency', () => {
    const node = (id: string, after: string[]): RequestNode => ({ id, service: 'sts', after, matches: () => false });
    expect(() => criticalPath([node('a', ['b']), node('b', ['a'])], { cached: 'nothing' })).toThrow(/cycle/);
    expect(() => criticalPath([node('a', ['missing'])], { cached: 'nothing' })).toThrow(/unknown dependency "missing"/);
  });
});

describe('rotationFloor', () => {
  it('is 7d for the first wave, 5d for each later one (mint after GET, explore after PATCH), 2d after the last', () => {
    const floor = (connections: number, warm = false) =>
      rotationFloor({ connections, concurrency: 8, delayMs: 20, warm }).ms;
    // The tail: the last connections' source connections, then the listing of each sandbox's connections.
    expect(tailPath(ROTATION_GRAPH)).toEqual(['Flow source connections', 'Flow connections listing']);
    expect([floor(1), floor(8), floor(9), floor(100), floor(1000)]).toEqual([180, 180, 280, 1380, 12580]);
    expect([floor(1, true), floor(1000, true)]).toEqual([160, 12560]);
    expect(floor(0)).toBe(0);
  });

  it('gives the sequential tutorial one token, then three requests per connection', () => {
    expect(rotationFloor({ connections: 1000, concurrency: 1, delayMs: 20 }, TUTORIAL_GRAPH).ms).toBe(
      20 * (1 + 3 * 1000),
    );
  });
});

describe('smallestDelayWithinGoal', () => {
  const run = (delayMs: number, ratio: number) => ({ delayMs, ratio });

  it('is the first delay from which every size is within the goal', () => {
    const runs = [run(20, 1.7), run(20, 1.2), run(50, 1.25), run(50, 1.08), run(100, 1.09), run(100, 1.05)];
    expect(smallestDelayWithinGoal(runs, 1.1)).toBe(100);
  });

  it('does not count a delay within the goal when a longer one is above it', () => {
    expect(smallestDelayWithinGoal([run(20, 1.05), run(50, 1.12), run(100, 1.04)], 1.1)).toBe(100);
    expect(smallestDelayWithinGoal([run(20, 1.05), run(50, 1.12)], 1.1)).toBeUndefined();
  });

  it('takes a ratio equal to the goal as within it', () => {
    expect(smallestDelayWithinGoal([run(50, 1.1), run(20, 1.3)], 1.1)).toBe(50);
  });
});

describe('lambdaCpuShare', () => {
  it('is memory over 1,769 MB of one vCPU, capped at a whole one', () => {
    expect(lambdaCpuShare(MB_PER_VCPU)).toBe(1);
    expect(lambdaCpuShare(256)).toBeCloseTo(0.1447, 4);
    expect(lambdaCpuShare(10_240)).toBe(1);
  });
});
