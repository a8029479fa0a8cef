/** Small helpers for the benchmark's numbers and tables. */
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Linear-interpolated quantile (q in [0, 1]). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

export const fmtMs = (ms: number) => (Number.isFinite(ms) ? (ms >= 1000 ? ms.toFixed(0) : ms.toFixed(1)) : '-');
export const fmtRatio = (ratio: number) => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '-');
export const fmtInt = (value: number) => value.toLocaleString('en-US');

export function fmtBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-';
  if (bytes >= 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024 / 1024).toFixed(1)} GiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${bytes} B`;
}

export type Row = readonly string[];

/** A plain-text table for the terminal (first row is the header; numbers right-aligned). */
export function textTable(rows: readonly Row[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const numeric = (cell: string) => /^[-+]?[\d,.]+( ?[a-zA-Z×%]+)?$/.test(cell) || cell === '-';
  const line = (row: Row) =>
    row
      .map((cell, column) => (numeric(cell) && rows.indexOf(row) > 0 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The same table in Markdown. */
export function markdownTable(rows: readonly Row[]): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|');
  const numericColumn = rows[0]!.map((_, column) => rows.slice(1).every((row) => /^[-+]?[\d,.]+( ?[a-zA-Z×%]+)?$|^-$/.test(row[column] ?? '')));
  return [
    `| ${rows[0]!.map(escape).join(' | ')} |`,
    `| ${numericColumn.map((numeric) => (numeric ? '---:' : '---')).join(' | ')} |`,
    ...rows.slice(1).map((row) => `| ${row.map(escape).join(' | ')} |`),
  ].join('\n');
}

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly os: string;
  readonly node: string;
  readonly date: string;
  readonly loadAverage: readonly number[];
}

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

/** Busy fraction of the whole machine since `previous` (Linux /proc/stat; undefined elsewhere). */
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
    return fields.slice(11, 15).map(Number).reduce((a, b) => a + b, 0);
  } catch {
    return undefined;
  }
}

/** How busy the machine was (0..1, all cores) between two {@link cpuTimes} samples. */
export function busyBetween(before: ReturnType<typeof cpuTimes>, after: ReturnType<typeof cpuTimes>): number | undefined {
  if (!before || !after || after.total === before.total) return undefined;
  return (after.busy - before.busy) / (after.total - before.total);
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
