/**
 * How the bench starts the function's process: the flags Lambda's Node.js bootstrap would give it,
 * and the check that a run rotated everything before its figures are used.
 */
import { describe, expect, it } from 'vitest';
import { assertEveryConnectionRotated, FUNCTION_NODE_FLAGS, nodeFlagsFor } from '../../../bench/container.js';
import { DEFAULT_MEMORY_MB } from '../../../core/rotation-rules.js';

describe('nodeFlagsFor', () => {
  it.each([
    { memoryMb: 1769, semiSpace: 88, oldSpace: 1593 },
    { memoryMb: 1024, semiSpace: 51, oldSpace: 922 },
    { memoryMb: 256, semiSpace: 12, oldSpace: 231 },
  ])(
    'gives $memoryMb MB half a tenth as semi-space ($semiSpace MB) and all but that tenth as old space ($oldSpace MB)',
    ({ memoryMb, semiSpace, oldSpace }) => {
      expect(nodeFlagsFor(memoryMb)).toEqual([
        '--enable-source-maps',
        '--expose-gc',
        `--max-semi-space-size=${semiSpace}`,
        `--max-old-space-size=${oldSpace}`,
      ]);
    },
  );

  it("starts the function with the construct's default memory", () => {
    expect(FUNCTION_NODE_FLAGS).toEqual(nodeFlagsFor(DEFAULT_MEMORY_MB));
  });
});

describe('assertEveryConnectionRotated', () => {
  it('accepts a run that rotated every connection with no failure', () => {
    expect(() => assertEveryConnectionRotated('warm-up', { rotated: 16, failed: 0 }, 16)).not.toThrow();
  });

  it('fails when a connection failed or was not rotated, naming the run and the first error', () => {
    expect(() =>
      assertEveryConnectionRotated('10 connections, invocation 1', { rotated: 9, failed: 1, error: '1404-412' }, 10),
    ).toThrow('10 connections, invocation 1: 9 of 10 rotated, 1 failed: 1404-412');
    expect(() => assertEveryConnectionRotated('baseline, 1 connections', { rotated: 0, failed: 0 }, 1)).toThrow(
      'baseline, 1 connections: 0 of 1 rotated, 0 failed',
    );
  });
});
