/**
 * The bench's command line: which flags turn what on, and what a full run and a quick run do by
 * default. Pure parsing; the bench itself is not run here.
 */
import { describe, expect, it } from 'vitest';
import { parseBenchOptions } from '../../../bench/options.js';

describe('parseBenchOptions', () => {
  it('runs everything and writes BENCHMARKS.md when given no flags', () => {
    expect(parseBenchOptions([])).toEqual({
      quick: false,
      delayMs: 20,
      write: true,
      sizes: [1, 10, 100, 1000],
      baseline: true,
      coldStartRuns: 15,
      scenarios: true,
      command: 'npm run bench',
    });
  });

  it('leaves out 1,000 connections, the scenarios and the writing with --quick, and runs fewer cold starts', () => {
    expect(parseBenchOptions(['--quick'])).toMatchObject({
      quick: true,
      sizes: [1, 10, 100],
      coldStartRuns: 5,
      scenarios: false,
      write: false,
      command: 'npm run bench -- --quick',
    });
  });

  it.each([
    { argv: ['--quick', '--write'], write: true },
    { argv: ['--no-write'], write: false },
    { argv: ['--write', '--no-write'], write: true },
  ])('writes BENCHMARKS.md = $write for $argv', ({ argv, write }) => {
    expect(parseBenchOptions(argv).write).toBe(write);
  });

  it.each([
    { argv: ['--quick', '--scenarios'], scenarios: true },
    { argv: ['--no-scenarios'], scenarios: false },
  ])('runs the scenarios = $scenarios for $argv', ({ argv, scenarios }) => {
    expect(parseBenchOptions(argv).scenarios).toBe(scenarios);
  });

  it('takes the sizes, the delay and --no-baseline as given, and repeats them in the command', () => {
    const options = parseBenchOptions(['--sizes=1,10', '--delay=50', '--no-baseline']);
    expect(options).toMatchObject({ sizes: [1, 10], delayMs: 50, baseline: false });
    expect(options.command).toBe('npm run bench -- --sizes=1,10 --delay=50 --no-baseline');
  });

  it.each(['--delay=0', '--delay=-5', '--delay=soon'])('fails when the delay is not a positive number: %s', (flag) => {
    expect(() => parseBenchOptions([flag])).toThrow('--delay must be a positive number of milliseconds');
  });
});
