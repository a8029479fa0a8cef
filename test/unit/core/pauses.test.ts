/**
 * The pause rules the function and the CLI share (core/pauses.ts): which pause covers a connection
 * and when it ends, and the durations and times `pause` takes.
 */
import { describe, expect, it } from 'vitest';
import {
  covers,
  isActive,
  parsePauseDuration,
  parsePauseEnd,
  parsePauses,
  pauseOf,
  type Pause,
} from '../../../core/pauses.js';

const A = '4cb0c374-d3bb-4557-b139-5712880adc55';
const B = '11111111-2222-4333-8444-555555555555';
const NOW = Date.parse('2030-01-01T12:00:00Z');
const pause = (id: string, until: string, connectionIds?: string[]): Pause => ({
  id,
  ...(connectionIds ? { connectionIds } : {}),
  reason: 'r',
  pausedBy: 'arn:aws:sts::1:assumed-role/Op/alice',
  pausedAt: '2030-01-01T11:00:00Z',
  until,
});

describe('pauses', () => {
  it('ends a pause on its own at its end', () => {
    expect(isActive(pause('p', '2030-01-01T12:00:01Z'), NOW)).toBe(true);
    expect(isActive(pause('p', '2030-01-01T12:00:00Z'), NOW)).toBe(false);
  });

  it('covers the connections a pause names (in any case), or every one when it names none', () => {
    expect(covers(pause('p', '2031-01-01T00:00:00Z', [A.toUpperCase()]), A)).toBe(true);
    expect(covers(pause('p', '2031-01-01T00:00:00Z', [A]), B)).toBe(false);
    expect(covers(pause('p', '2031-01-01T00:00:00Z'), B)).toBe(true);
  });

  it("finds the connection's pause in force that ends last, ignoring ended ones", () => {
    const pauses = [
      pause('ended', '2030-01-01T11:59:00Z', [A]),
      pause('short', '2030-01-01T13:00:00Z'),
      pause('long', '2030-01-01T18:00:00Z', [A]),
    ];
    expect(pauseOf(A, pauses, NOW)?.id).toBe('long');
    expect(pauseOf(B, pauses, NOW)?.id).toBe('short');
    expect(pauseOf(B, pauses.slice(0, 1), NOW)).toBeUndefined();
  });

  it('leaves out an entry that is not a pause, and counts it', () => {
    expect(
      parsePauses([pause('ok', '2031-01-01T00:00:00Z'), { id: 'no-end' }, { ...pause('bad', 'tomorrow') }]),
    ).toMatchObject({
      pauses: [{ id: 'ok' }],
      invalid: 2,
    });
    expect(parsePauses(undefined)).toEqual({ pauses: [], invalid: 0 });
  });

  it.each([
    ['90m', 5400],
    ['2h', 7200],
    ['1d', 86_400],
    ['1h30m', 5400],
    ['45S', 45],
  ])('reads the duration %s as %i seconds', (text, seconds) => {
    expect(parsePauseDuration(text)).toBe(seconds);
  });

  it.each(['', '2', 'two hours', '2 h', '0m', '-1h', '1w'])('refuses %j as a duration', (text) => {
    expect(parsePauseDuration(text)).toBeUndefined();
  });

  it("reads an ISO 8601 time with its zone, and refuses one without (it would be read in the laptop's zone)", () => {
    expect(parsePauseEnd('2030-01-01T18:00Z')).toBe(Date.parse('2030-01-01T18:00:00Z'));
    expect(parsePauseEnd('2030-01-01T20:00+02:00')).toBe(Date.parse('2030-01-01T18:00:00Z'));
    expect(parsePauseEnd('2030-01-01T18:00')).toBeUndefined();
    expect(parsePauseEnd('tomorrow 6pm')).toBeUndefined();
  });
});
