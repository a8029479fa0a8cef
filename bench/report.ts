/**
 * Writing the benchmark's report: numbers, tables, the two places a report goes (the terminal and
 * BENCHMARKS.md), and the generated block of BENCHMARKS.md between its markers.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GOAL_RATIO } from './floor.js';

/** The middle of `values` (interpolated for an even count); NaN for none. */
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

/** Milliseconds: one decimal below a second, whole above; "-" for NaN or infinity. */
export const fmtMs = (ms: number) => (Number.isFinite(ms) ? (ms >= 1000 ? ms.toFixed(0) : ms.toFixed(1)) : '-');
/** A ratio with two decimals and "×". */
export const fmtRatio = (ratio: number) => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '-');
/** A count with thousands separators (1,000). */
export const fmtInt = (value: number) => value.toLocaleString('en-US');

/** " ▲" after a ratio to the floor that is above {@link GOAL_RATIO}, else nothing. */
export const aboveGoalMark = (ratio: number) => (ratio > GOAL_RATIO ? ' ▲' : '');

/** Bytes in B, KiB, MiB or GiB. */
export function fmtBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-';
  if (bytes >= 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024 / 1024).toFixed(1)} GiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${bytes} B`;
}

/** A share of the machine (0..1) as a whole percentage, or "unknown". */
export const fmtPercent = (share: number | undefined) =>
  share === undefined ? 'unknown' : `${(share * 100).toFixed(0)}%`;

/** One table row, its cells already formatted. */
export type Row = readonly string[];

/** A plain-text table for the terminal (first row is the header; numbers right-aligned). */
export function textTable(rows: readonly Row[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const numeric = (cell: string) => /^[-+]?[\d,.]+( ?[a-zA-Z×%]+)?$/.test(cell) || cell === '-';
  const line = (row: Row) =>
    row
      .map((cell, column) =>
        numeric(cell) && rows.indexOf(row) > 0 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The same table in Markdown. */
export function markdownTable(rows: readonly Row[]): string {
  const escapePipes = (cell: string) => cell.replaceAll('|', '\\|');
  const numericColumn = rows[0]!.map((_, column) =>
    rows.slice(1).every((row) => /^[-+]?[\d,.]+( ?[a-zA-Z×%]+)?$|^-$/.test(row[column] ?? '')),
  );
  return [
    `| ${rows[0]!.map(escapePipes).join(' | ')} |`,
    `| ${numericColumn.map((numeric) => (numeric ? '---:' : '---')).join(' | ')} |`,
    ...rows.slice(1).map((row) => `| ${row.map(escapePipes).join(' | ')} |`),
  ].join('\n');
}

/**
 * Where a report goes. Each section writes itself through this interface, once for the terminal
 * and once for BENCHMARKS.md, so both show the same figures.
 */
export interface ReportOutput {
  heading(text: string): void;
  /** A paragraph; Markdown code spans in it are shown without backticks on the terminal. */
  text(text: string): void;
  table(rows: Row[]): void;
}

/** Report straight to the terminal, as plain text. */
export const terminalOutput: ReportOutput = {
  heading: (text) => console.log(`\n== ${text}\n`),
  text: (text) => console.log(text.replaceAll('`', '')),
  table: (rows) => console.log(`${textTable(rows)}\n`),
};

/** The report `render` writes, as Markdown (the generated part of BENCHMARKS.md). */
export function markdownReport(render: (out: ReportOutput) => void): string {
  const lines: string[] = [];
  render({
    heading: (text) => lines.push(`### ${text}`, ''),
    text: (text) => lines.push(text, ''),
    table: (rows) => lines.push(markdownTable(rows), ''),
  });
  return lines.join('\n').trimEnd();
}

const BEGIN = '<!-- bench:begin (written by `npm run bench`; edit outside these markers) -->';
const END = '<!-- bench:end -->';

/**
 * BENCHMARKS.md's text `current` with the generated part between the bench markers replaced by
 * `generated`, keeping the prose around it; without markers, the block is appended (to a
 * "# Benchmarks" heading when the file is empty or missing).
 */
export function withGeneratedBlock(current: string, generated: string): string {
  const block = `${BEGIN}\n\n${generated}\n\n${END}`;
  // The begin marker's explanation may have been edited: find it by its start.
  const begin = current.indexOf('<!-- bench:begin');
  const end = current.indexOf(END);
  return begin >= 0 && end > begin
    ? `${current.slice(0, begin)}${block}${current.slice(end + END.length)}`
    : `${current || '# Benchmarks\n\n'}${current.endsWith('\n') || !current ? '' : '\n'}\n${block}\n`;
}

/** Replace the generated part of the Markdown file `file` (BENCHMARKS.md) with `generated`. */
export function writeGeneratedBlock(file: string, generated: string): void {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  writeFileSync(file, withGeneratedBlock(current, generated));
  // Laid out as the project's formatter lays Markdown out, so `npm run lint` passes on what the bench writes.
  const projectRoot = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(join(projectRoot, 'node_modules', '.bin', 'biome'), ['format', '--write', file], { stdio: 'ignore' });
}
