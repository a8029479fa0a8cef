/**
 * Where the CLI writes and how: a table for a person at a terminal, JSON for scripts (with `--json`
 * or whenever stdout is not a terminal), and progress on stderr only when stderr is a terminal.
 */

/** A stream the CLI writes to (process.stdout/stderr, or a test's buffer). */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Everything a command touches outside itself, injected so tests run commands in-process. */
export interface Io {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Where `cdk.json` and relative `--config` paths are looked up. */
  readonly cwd: string;
  /** The clock (epoch ms) for ages and expiry. */
  readonly now: () => number;
}

/** JSON when asked for, or when stdout is a pipe or a file. */
export function wantsJson(io: Io, json: boolean | undefined): boolean {
  return Boolean(json) || !io.stdout.isTTY;
}

export function printJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Left-aligned columns separated by two spaces; `-` for empty cells. */
export function renderTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | undefined>>): string {
  const cells = [header, ...rows.map((row) => row.map((cell) => (cell === undefined || cell === '' ? '-' : cell)))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells.map((row) => row.map((cell, column) => (cell ?? '').padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

/** A progress line on stderr, rewritten in place; silent unless stderr is a terminal. */
export class Progress {
  private shown = false;

  constructor(private readonly io: Io) {}

  get enabled(): boolean {
    return Boolean(this.io.stderr.isTTY);
  }

  update(text: string): void {
    if (!this.enabled) return;
    this.io.stderr.write(`\r\x1b[2K${text}`);
    this.shown = true;
  }

  /** Erase the line (before the result is printed). */
  done(): void {
    if (this.shown) this.io.stderr.write('\r\x1b[2K');
    this.shown = false;
  }
}

/** `3725` → `1h02m`; `59` → `59s`; negative values read as `-1h02m`. */
export function formatDuration(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  let rest = Math.round(Math.abs(seconds));
  if (rest < 60) return `${sign}${rest}s`;
  const days = Math.floor(rest / 86_400);
  rest -= days * 86_400;
  const hours = Math.floor(rest / 3600);
  const minutes = Math.floor((rest - hours * 3600) / 60);
  if (days > 0) return `${sign}${days}d${String(hours).padStart(2, '0')}h`;
  if (hours > 0) return `${sign}${hours}h${String(minutes).padStart(2, '0')}m`;
  return `${sign}${minutes}m`;
}

/** ISO 8601 to the second, UTC: `2025-01-31 12:00:00Z`. */
export function formatTime(value: string | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (Number.isNaN(ms)) return String(value);
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

/** Adobe's etags come quoted (`"\"1400dd53-...\""`); a table shows them without the quotes. */
export function formatEtag(etag: string | undefined): string | undefined {
  return etag?.replaceAll('"', '');
}
