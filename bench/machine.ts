/**
 * The machine the bench runs on: what it is, how fast its CPU is at the moment, and how much of it
 * other processes use, so the report can say how far to trust its figures on a shared host.
 * CPU accounting reads Linux's /proc; elsewhere those figures are undefined and shown as unknown.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { PROJECT_ROOT } from './bundle.js';
import { fmtBytes, fmtMs, fmtPercent, median, type ReportOutput, type Row } from './report.js';

/** What the report says about the machine. */
export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly os: string;
  readonly node: string;
  readonly date: string;
  readonly loadAverage: readonly number[];
}

/** This machine, now. */
export function machine(): Machine {
  const info = cpus();
  return {
    cpuModel: info[0]?.model.trim() ?? 'unknown',
    cores: info.length,
    memoryBytes: totalmem(),
    os: `${osType()} ${release()}`,
    node: process.version,
    date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    loadAverage: loadavg(),
  };
}

/** CPU time the whole machine has spent busy, and in all, since boot (Linux /proc/stat ticks; undefined elsewhere). */
export function cpuTimes(): { busy: number; total: number } | undefined {
  try {
    // cpu  user nice system idle iowait irq softirq steal ...: processes are charged user, nice and
    // system time only (interrupt time, e.g. loopback networking, belongs to nobody), so count those.
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 8).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    return { busy: fields[0]! + fields[1]! + fields[2]!, total };
  } catch {
    return undefined;
  }
}

/** CPU ticks used by this process and the children it has reaped (Linux /proc/self/stat; undefined elsewhere). */
export function ownCpuTicks(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after "(comm)": state is field 3; utime, stime, cutime, cstime are fields 14 to 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields
      .slice(11, 15)
      .map(Number)
      .reduce((a, b) => a + b, 0);
  } catch {
    return undefined;
  }
}

/** How busy the machine was (0..1, all cores) between two {@link cpuTimes} samples. */
export function busyBetween(
  before: ReturnType<typeof cpuTimes>,
  after: ReturnType<typeof cpuTimes>,
): number | undefined {
  if (!before || !after || after.total === before.total) return undefined;
  return (after.busy - before.busy) / (after.total - before.total);
}

/** The whole machine's CPU times and this process's own ticks, taken together. */
export interface CpuSample {
  readonly machine: ReturnType<typeof cpuTimes>;
  readonly own: number | undefined;
}

/** A {@link CpuSample} now. */
export function sampleCpu(): CpuSample {
  return { machine: cpuTimes(), own: ownCpuTicks() };
}

/**
 * Share of the whole machine (0..1) that other processes used between two samples: the machine's
 * busy share less what this process and its reaped children used. Undefined off Linux.
 */
export function othersShareBetween(before: CpuSample, after: CpuSample): number | undefined {
  const busy = busyBetween(before.machine, after.machine);
  if (busy === undefined || before.own === undefined || after.own === undefined) return undefined;
  return Math.max(0, busy - (after.own - before.own) / (after.machine!.total - before.machine!.total));
}

/**
 * How busy the machine is while this process sleeps for a second: other processes' share of all
 * cores (other work on a shared machine makes the figures noisy). Undefined off Linux.
 */
export async function idleMachineBusy(): Promise<number | undefined> {
  const before = sampleCpu();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return othersShareBetween(before, sampleCpu());
}

/**
 * A fixed CPU workload (SHA-256 of 8 MiB, a JSON round trip of 20,000 objects), median of 9 runs:
 * how fast this machine's CPU was at that moment. A shared or throttled host shows here even when
 * no other process inside the machine is busy.
 */
export function referenceWorkloadMs(): number {
  const buffer = Buffer.alloc(1 << 20, 7);
  const work = () => {
    let digest = '';
    for (let i = 0; i < 8; i += 1) digest = createHash('sha256').update(buffer).digest('hex');
    const objects = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `item-${i}`, values: [i, i * 2] }));
    return (JSON.parse(JSON.stringify(objects)) as unknown[]).length + digest.length;
  };
  for (let i = 0; i < 3; i += 1) work();
  const times: number[] = [];
  for (let i = 0; i < 9; i += 1) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  return median(times);
}

/** The commit the function was bundled from, and whether lambda/ had uncommitted changes (read-only git). */
function codeVersion(): string {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--', 'lambda');
    return `commit ${commit}${dirty ? ' with uncommitted changes in lambda/' : ''}`;
  } catch {
    return 'unknown (no git)';
  }
}

/** What the machine section reports: the machine, and how busy and fast it was before and after the run. */
export interface MachineContext {
  readonly info: Machine;
  /** {@link idleMachineBusy} before and after the run. */
  readonly background: readonly [number | undefined, number | undefined];
  /** {@link referenceWorkloadMs} before and after the run. */
  readonly reference: readonly [number, number];
}

function machineRows({ info, background, reference }: MachineContext): Row[] {
  return [
    ['machine', ''],
    ['CPU', `${info.cpuModel}, ${info.cores} cores`],
    ['memory', fmtBytes(info.memoryBytes)],
    ['OS', info.os],
    ['Node.js', `${info.node} (the project's \`node\` devDependency, as the Lambda runtime nodejs24.x)`],
    ['date', info.date],
    ['code', codeVersion()],
    ['load average at start', info.loadAverage.map((value) => value.toFixed(2)).join(', ')],
    [
      'reference CPU workload',
      `${fmtMs(reference[0])} ms before the run, ${fmtMs(reference[1])} ms after (SHA-256 of 8 MiB + JSON round ` +
        'trip of 20,000 objects, median of 9; lower is faster)',
    ],
    [
      'CPU used by other processes',
      `${fmtPercent(background[0])} of the machine before the run, ${fmtPercent(background[1])} ` +
        'after (1 s samples while the bench slept)',
    ],
  ];
}

/** The report's "Machine" heading and table. */
export function renderMachineSection(out: ReportOutput, context: MachineContext): void {
  out.heading('Machine');
  out.table(machineRows(context));
}
