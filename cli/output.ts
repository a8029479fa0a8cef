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

const TONE_STYLE: Record<Tone, Parameters<typeof styleText>[0]> = {
  ok: 'green',
  warning: 'yellow',
  failure: ['red', 'bold'],
};

/**
 * Whether to colour what is written to `stream`, as Node decides for its own output:
 * `FORCE_COLOR` wins when set (`0` or `false` turns colour off, anything else on); otherwise any
 * non-empty `NO_COLOR` turns it off (https://no-color.org), and colour needs a terminal that is
 * not `TERM=dumb` (a pipe or a file gets none).
 */
export function colourEnabled(
  stream: OutputStream,
  env: Readonly<Record<string, string | undefined>> = process.env,
): boolean {
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

/** The widest a table (and a wrapped note) may be: a terminal of 100 columns shows it unbroken. */
export const TABLE_WIDTH = 100;

/**
 * A table column: its header, and whether it may be cut to fit the width (down to `shrinkTo`
 * characters, and `first`: before the columns without it).
 */
export type Column = string | { readonly header: string; readonly shrinkTo?: number; readonly first?: boolean };

/** A rendered table, and the cells it had to cut (their full text belongs in a detail line). */
export interface RenderedTable {
  readonly text: string;
  readonly cut: ReadonlyArray<{ readonly row: number; readonly column: number; readonly full: string }>;
}

/**
 * Left-aligned columns separated by two spaces; `-` for empty cells. When the table would be wider
 * than `maxWidth`, the widest column that may shrink loses a character at a time (never below its
 * `shrinkTo` or its header; those marked `first` before the others), and cells longer than their column end with `…`:
 * {@link RenderedTable.cut} lists them. Colour (from `paint`) goes around a cell's text after it is
 * padded, so it never shifts a column.
 */
export function renderTable(
  columns: readonly Column[],
  rows: ReadonlyArray<readonly Cell[]>,
  { paint = (text) => text, maxWidth = TABLE_WIDTH }: { paint?: Painter; maxWidth?: number } = {},
): RenderedTable {
  const header = columns.map((column) => (typeof column === 'string' ? column : column.header));
  const floor = columns.map((column, index) =>
    typeof column === 'string' || column.shrinkTo === undefined
      ? Infinity
      : Math.max(column.shrinkTo, header[index]!.length),
  );
  const textOf = (cell: Cell) => {
    const text = typeof cell === 'object' ? cell.text : cell;
    return text === undefined || text === '' ? '-' : text;
  };
  const toneOf = (cell: Cell) => (typeof cell === 'object' ? cell.tone : undefined);
  const texts = rows.map((row) => row.map(textOf));
  const widths = header.map((title, column) =>
    Math.max(title.length, ...texts.map((row) => (row[column] ?? '').length)),
  );
  let total = widths.reduce((sum, width) => sum + width, 0) + 2 * (widths.length - 1);
  const first = columns.map((column) => typeof column !== 'string' && Boolean(column.first));
  while (total > maxWidth) {
    let shrinkable = widths
      .map((width, column) => (width > floor[column]! ? column : -1))
      .filter((column) => column >= 0);
    if (shrinkable.some((column) => first[column])) shrinkable = shrinkable.filter((column) => first[column]);
    if (shrinkable.length === 0) break;
    const widest = shrinkable.reduce((best, column) => (widths[column]! > widths[best]! ? column : best));
    widths[widest]! -= 1;
    total -= 1;
  }
  const cut: Array<RenderedTable['cut'][number]> = [];
  const render = (row: readonly string[], tones: ReadonlyArray<Tone | undefined>, rowIndex: number) =>
    row
      .map((full, column) => {
        const width = widths[column]!;
        let text = full;
        if (full.length > width) {
          text = `${full.slice(0, width - 1)}…`;
          if (rowIndex >= 0) cut.push({ row: rowIndex, column, full });
        }
        const padding = column === row.length - 1 ? '' : ' '.repeat(width - text.length);
        return `${paint(text, tones[column])}${padding}`;
      })
      .join('  ')
      .trimEnd();
  const lines = [render(header, [], -1), ...texts.map((row, index) => render(row, rows[index]!.map(toneOf), index))];
  return { text: lines.join('\n'), cut };
}

/**
 * Word-wrap `text` to `width` columns; lines after the first start with `indent` spaces. A word
 * longer than a line (a long path) keeps its line to itself rather than being broken.
 */
export function wrap(text: string, width: number = TABLE_WIDTH, indent = 0): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const prefix = lines.length === 0 ? '' : ' '.repeat(indent);
    if (line && prefix.length + line.length + 1 + word.length > width) {
      lines.push(`${prefix}${line}`);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(`${lines.length === 0 ? '' : ' '.repeat(indent)}${line}`);
  return lines.join('\n');
}

/**
 * Short connection ids for a table: the first 8 hex digits (`4cb0c374`), longer only where two
 * ids in the same table would read the same. The full id is in `--json` and in every command the
 * CLI suggests.
 */
export function shortIds(ids: readonly string[]): Map<string, string> {
  for (let length = 8; ; length += 1) {
    const short = new Map(ids.map((id) => [id, id.slice(0, length)]));
    if (new Set(short.values()).size === new Set(ids).size || length >= Math.max(0, ...ids.map((id) => id.length)))
      return short;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A time as a table shows it, in UTC: `16:45Z` on the same day as `now`, `Nov 30 03:45Z` on
 * another day of the same year, `Nov 30 2024 03:45Z` in another year.
 */
export function formatClock(value: string | number | undefined, now: number): string | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (Number.isNaN(ms)) return String(value);
  const time = new Date(ms);
  const today = new Date(now);
  const clock = `${String(time.getUTCHours()).padStart(2, '0')}:${String(time.getUTCMinutes()).padStart(2, '0')}Z`;
  if (time.toISOString().slice(0, 10) === today.toISOString().slice(0, 10)) return clock;
  const year = time.getUTCFullYear() === today.getUTCFullYear() ? '' : ` ${time.getUTCFullYear()}`;
  return `${MONTHS[time.getUTCMonth()]} ${time.getUTCDate()}${year} ${clock}`;
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

/**
 * Adobe's etags come quoted (`"\"1400dd53-0000-0200-0000-5e9b8c3f0000\""`); a table shows their
 * first 8 characters without the quotes (`1400dd53`), `--json` all of it.
 */
export function formatEtag(etag: string | undefined): string | undefined {
  return etag?.replaceAll('"', '').slice(0, 8);
}
