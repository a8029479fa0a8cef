/**
 * Colour on a terminal, off under NO_COLOR or in a pipe, FORCE_COLOR deciding when set; and tables
 * whose colour never shifts a column.
 */
import { describe, expect, it } from 'vitest';
import { colourEnabled, painterFor, renderTable, type Io } from '../../cli/output.js';

const TERMINAL = { write: () => true, isTTY: true };
const PIPE = { write: () => true, isTTY: false };
/** Colour codes (SGR). */
const ANSI = /\x1b\[[0-9;]*m/g;

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
  const io = (env: Record<string, string>): Io => ({ stdout: TERMINAL, stderr: TERMINAL, cwd: '/', now: Date.now, env });
  const rows = [
    ['4cb0c374', { text: 'ok', tone: 'ok' as const }, 'first'],
    ['d1e2f3a4', { text: 'EXPIRED', tone: 'failure' as const }, undefined],
  ];

  it('colours cells by their tone, and the columns line up as without colour', () => {
    const coloured = renderTable(['ID', 'RISK', 'NOTE'], rows, painterFor(io({}), 'stdout'));
    const plain = renderTable(['ID', 'RISK', 'NOTE'], rows, painterFor(io({ NO_COLOR: '1' }), 'stdout'));

    expect(coloured).toContain('\x1b[32mok\x1b[39m');
    expect(coloured).toMatch(/\x1b\[31m.*EXPIRED/);
    expect(plain).not.toMatch(ANSI);
    expect(coloured.replace(ANSI, '')).toBe(plain);
    expect(plain.split('\n')).toEqual(['ID        RISK     NOTE', '4cb0c374  ok       first', 'd1e2f3a4  EXPIRED  -']);
  });
});
