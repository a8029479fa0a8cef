/**
 * Where the CLI writes and how: a table for a person at a terminal, JSON for scripts (with `--json`
 * or whenever stdout is not a terminal), and progress on stderr only when stderr is a terminal.
 * On a terminal, ok, warning and failure are coloured (node:util `styleText`), unless `NO_COLOR`
 * says otherwise; `FORCE_COLOR` decides when set.
 */
import { styleText } from 'node:util';

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
  /** The environment colour is decided by (`NO_COLOR`, `FORCE_COLOR`, `TERM`). @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What a piece of output says, for its colour. */
export type Tone = 'ok' | 'warning' | 'failure';

const TONE_STYLE: Record<Tone, Parameters<typeof styleText>[0]> = { ok: 'green', warning: 'yellow', failure: ['red', 'bold'] };

/**
 * Whether to colour what is written to `stream`, as Node decides for its own output:
 * `FORCE_COLOR` wins when set (`0` or `false` turns colour off, anything else on); otherwise any
 * non-empty `NO_COLOR` turns it off (https://no-color.org), and colour needs a terminal that is
 * not `TERM=dumb` (a pipe or a file gets none).
 */
export function colourEnabled(stream: OutputStream, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR) return false;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

/** Colours text by its tone when `colour` is on; plain text otherwise. */
export type Painter = (text: string, tone: Tone | undefined) => string;

/** The painter for one stream of `io`. */
export function painterFor(io: Io, stream: 'stdout' | 'stderr'): Painter {
  if (!colourEnabled(io[stream], io.env)) return (text) => text;
  // validateStream: false — the decision above is made for the stream actually written to.
  return (text, tone) => (tone && text ? styleText(TONE_STYLE[tone], text, { validateStream: false }) : text);
}

/** JSON when asked for, or when stdout is a pipe or a file. */
export function wantsJson(io: Io, json: boolean | undefined): boolean {
  return Boolean(json) || !io.stdout.isTTY;
}

export function printJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A table cell: its text, or its text and tone. */
export type Cell = string | undefined | { readonly text: string | undefined; readonly tone?: Tone };

/**
 * Left-aligned columns separated by two spaces; `-` for empty cells. Colour (from `paint`) goes
 * around a cell's text after it is padded, so it never shifts a column.
 */
export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly Cell[]>, paint: Painter = (text) => text): string {
  const textOf = (cell: Cell) => {
    const text = typeof cell === 'object' ? cell.text : cell;
    return text === undefined || text === '' ? '-' : text;
  };
  const toneOf = (cell: Cell) => (typeof cell === 'object' ? cell.tone : undefined);
  const texts = [header, ...rows.map((row) => row.map(textOf))];
  const widths = header.map((_, column) => Math.max(...texts.map((row) => (row[column] ?? '').length)));
  const render = (row: readonly string[], tones: ReadonlyArray<Tone | undefined>) =>
    row
      .map((text, column) => {
        const padding = column === row.length - 1 ? '' : ' '.repeat(widths[column]! - text.length);
        return `${paint(text, tones[column])}${padding}`;
      })
      .join('  ')
      .trimEnd();
  return [render(header, []), ...rows.map((row, index) => render(texts[index + 1]!, row.map(toneOf)))].join('\n');
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
