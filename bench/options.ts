/**
 * The bench's command line (`npm run bench -- [options]`), parsed once into plain values so that
 * no other module reads `process.argv`.
 */

/** What one `npm run bench` measures and whether it writes BENCHMARKS.md. */
export interface BenchOptions {
  /** `--quick`: smaller sizes, fewer cold-start runs, no scenarios, nothing written. */
  readonly quick: boolean;
  /** `--delay=<ms>`: every emulator answers each request this long after it arrived. @default 20 */
  readonly delayMs: number;
  /** `--write` / `--no-write`. @default true on a full run, false with `--quick` */
  readonly write: boolean;
  /** `--sizes=1,10`: connections per latency run. @default 1, 10, 100 and 1,000 (without 1,000 with `--quick`) */
  readonly sizes: readonly number[];
  /** `--no-baseline` turns off Adobe's tutorial done by hand beside each size. @default true */
  readonly baseline: boolean;
  /** Runs of each process kind in the cold-start measurement: 5 with `--quick`, else 15. */
  readonly coldStartRuns: number;
  /**
   * `--scenarios` / `--no-scenarios`: the delay sweep and the CPU-share runs.
   * @default true on a full run, false with `--quick`
   */
  readonly scenarios: boolean;
  /** The command as it was typed, e.g. `npm run bench -- --quick`, for the report. */
  readonly command: string;
}

/**
 * Read the bench's flags from `argv` (without node and the script). Unknown flags are ignored.
 *
 * @throws Error when `--delay` is not a positive number.
 * @example parseBenchOptions(process.argv.slice(2))
 */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const option = (name: string) => argv.find((arg) => arg.startsWith(`${name}=`))?.slice(name.length + 1);
  const quick = argv.includes('--quick');
  const delayMs = Number(option('--delay') ?? 20);
  if (!Number.isFinite(delayMs) || delayMs <= 0) throw new Error('--delay must be a positive number of milliseconds');
  return {
    quick,
    delayMs,
    write: argv.includes('--write') || (!quick && !argv.includes('--no-write')),
    sizes: option('--sizes')?.split(',').map(Number) ?? (quick ? [1, 10, 100] : [1, 10, 100, 1000]),
    baseline: !argv.includes('--no-baseline'),
    coldStartRuns: quick ? 5 : 15,
    scenarios: argv.includes('--scenarios') || (!quick && !argv.includes('--no-scenarios')),
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
  };
}
