/**
 * Colour on a terminal, off under NO_COLOR or in a pipe, FORCE_COLOR deciding when set; tables
 * whose colour never shifts a column and that fit their width; short ids and etags, times of day.
 */
import { describe, expect, it } from 'vitest';
import {
  colourEnabled,
  formatClock,
  formatEtag,
  painterFor,
  renderTable,
  shortIds,
  wrap,
  type Io,
} from '../../../cli/output.js';

const TERMINAL = { write: () => true, isTTY: true };
const PIPE = { write: () => true, isTTY: false };
/** Colour codes (SGR). */
const ESC = String.fromCharCode(27);
/** The terminal's colour escapes: ESC [ ... m. */
const ANSI = new RegExp(`${ESC}\\[[0-9;]*m`, 'g');

describe('colourEnabled', () => {
  it.each([
    ['a terminal', TERMINAL, {}, true],
    ['a pipe', PIPE, {}, false],
    ['a terminal with NO_COLOR=1', TERMINAL, { NO_COLOR: '1' }, false],
    ['a terminal with NO_COLOR=0 (any non-empty value)', TERMINAL, { NO_COLOR: '0' }, false],
    ['a terminal with an empty NO_COLOR', TERMINAL, { NO_COLOR: '' }, true],
    ['a terminal with TERM=dumb', TERMINAL, { TERM: 'dumb' }, false],
    ['a pipe with FORCE_COLOR=1', PIPE, { FORCE_COLOR: '1' }, true],
    ['a terminal with NO_COLOR and FORCE_COLOR=1', TERMINAL, { NO_COLOR: '1', FORCE_COLOR: '1' }, true],
    ['a terminal with FORCE_COLOR=0', TERMINAL, { FORCE_COLOR: '0' }, false],
    ['a terminal with FORCE_COLOR=false', TERMINAL, { FORCE_COLOR: 'false' }, false],
    ['a pipe with an empty FORCE_COLOR', PIPE, { FORCE_COLOR: '' }, false],
  ])('%s: %s', (_case, stream, env, expected) => {
    expect(colourEnabled(stream, env)).toBe(expected);
  });
});

describe('renderTable', () => {
  const io = (env: Record<string, string>): Io => ({
    stdout: TERMINAL,
    stderr: TERMINAL,
    cwd: '/',
    now: Date.now,
    env,
  });
  const rows = [
    ['4cb0c374', { text: 'ok', tone: 'ok' as const }, 'first'],
    ['d1e2f3a4', { text: 'EXPIRED', tone: 'failure' as const }, undefined],
  ];

  it('colours cells by their tone, and the columns line up as without colour', () => {
    const coloured = renderTable(['ID', 'RISK', 'NOTE'], rows, { paint: painterFor(io({}), 'stdout') }).text;
    const plain = renderTable(['ID', 'RISK', 'NOTE'], rows, {
      paint: painterFor(io({ NO_COLOR: '1' }), 'stdout'),
    }).text;

    expect(coloured).toContain('\x1b[32mok\x1b[39m');
    expect(coloured).toMatch(new RegExp(`${ESC}\\[31m.*EXPIRED`));
    expect(plain).not.toMatch(ANSI);
    expect(coloured.replace(ANSI, '')).toBe(plain);
    expect(plain.split('\n')).toEqual(['ID        RISK     NOTE', '4cb0c374  ok       first', 'd1e2f3a4  EXPIRED  -']);
  });
});

describe('renderTable within a width', () => {
  const long =
    'Flow Service PATCH /connections/x failed with HTTP 400 (1445-400): PATCH connection feature not enabled.';

  it('cuts the widest column that may shrink, ends a cut cell with …, and lists it', () => {
    const table = renderTable(
      ['ID', { header: 'NAME', shrinkTo: 8 }, { header: 'NOTE', shrinkTo: 10 }],
      [
        ['4cb0c374', 'Acme landing zone', long],
        ['d1e2f3a4', 'dev', 'ok'],
      ],
      { maxWidth: 60 },
    );

    const lines = table.text.split('\n');
    expect(lines.every((line) => line.length <= 60)).toBe(true);
    expect(lines[1]).toMatch(/^4cb0c374 {2}Acme landing zone {2}Flow Service PATCH .*…$/);
    expect(lines[1]).toHaveLength(60);
    expect(table.cut).toEqual([{ row: 0, column: 2, full: long }]);
  });

  it('shrinks the columns marked first before the others, never below shrinkTo or the header', () => {
    const table = renderTable(
      ['ID', { header: 'SANDBOX', shrinkTo: 3, first: true }, { header: 'NOTE', shrinkTo: 10 }],
      [['a', 'prod-emea-marketing-analytics', 'x'.repeat(40)]],
      { maxWidth: 40 },
    );

    const [header, row] = table.text.split('\n');
    // SANDBOX stops at its header's 7 characters; then NOTE gives way.
    expect(header).toBe('ID  SANDBOX  NOTE');
    expect(row).toBe(`a   prod-e…  ${'x'.repeat(26)}…`);
    expect(table.cut.map((cell) => cell.column)).toEqual([1, 2]);
  });

  it('leaves a table that fits as it is, and never cuts a column that may not shrink', () => {
    expect(renderTable(['A', 'B'], [['x'.repeat(70), 'y'.repeat(70)]], { maxWidth: 100 }).cut).toEqual([]);
    expect(renderTable(['A', 'B'], [['x', 'y']]).text).toBe('A  B\nx  y');
  });
});

describe('wrap', () => {
  it('wraps at the width with a hanging indent, keeping a word longer than a line whole', () => {
    expect(wrap('one two three four five six', 13, 2)).toBe('one two three\n  four five\n  six');
    expect(wrap(`see ${'/x'.repeat(10)} now`, 10, 2)).toBe(`see\n  ${'/x'.repeat(10)}\n  now`);
  });
});

describe('short ids, etags and times', () => {
  it('shows the first 8 hex digits of an id, more only where two would read the same', () => {
    const ids = [
      '4cb0c374-d3bb-4557-b139-5712880adc55',
      'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6',
      'd1e2f3a4-b5c7-4d7e-8f90-a1b2c3d4e5f6',
    ];

    expect(shortIds(ids.slice(0, 2))).toEqual(
      new Map([
        [ids[0], '4cb0c374'],
        [ids[1], 'd1e2f3a4'],
      ]),
    );
    expect([...shortIds(ids).values()]).toEqual(['4cb0c374-d3bb', 'd1e2f3a4-b5c6', 'd1e2f3a4-b5c7']);
  });

  it('shows the first 8 characters of an etag, without its quotes', () => {
    expect(formatEtag('"1400dd53-0000-0200-0000-5e9b8c3f0000"')).toBe('1400dd53');
    expect(formatEtag(undefined)).toBeUndefined();
  });

  it.each([
    ['today', '2025-11-29T16:45:10Z', '16:45Z'],
    ['another day', '2025-11-30T03:45:00Z', 'Nov 30 03:45Z'],
    ['another year', '2024-01-02T00:05:00Z', 'Jan 2 2024 00:05Z'],
  ])('shows a time %s in UTC', (_case, time, shown) => {
    expect(formatClock(time, Date.parse('2025-11-29T23:59:00Z'))).toBe(shown);
  });
});
