/** When a schedule runs next, as `status` tells it (core/schedule-times.ts). */
import { describe, expect, it } from 'vitest';
import { nextScheduledRun } from '../../../core/schedule-times.js';

const at = (text: string) => Date.parse(text);

describe('nextScheduledRun', () => {
  it('counts a rate from the last scheduled run the ledger saw (the schedule reports none itself)', () => {
    expect(nextScheduledRun('rate(15 minutes)', at('2030-01-01T12:05:00Z'), at('2030-01-01T12:00:10Z'))).toBe(
      at('2030-01-01T12:15:10Z'),
    );
    expect(nextScheduledRun('rate(1 hour)', at('2030-01-01T12:05:00Z'))).toBeUndefined();
  });

  it('says a run is due in the past when none reported since (runs have stopped)', () => {
    expect(nextScheduledRun('rate(15 minutes)', at('2030-01-01T13:00:00Z'), at('2030-01-01T12:00:00Z'))).toBe(
      at('2030-01-01T12:15:00Z'),
    );
  });

  it("finds a daily cron's next minute, today or tomorrow, in UTC", () => {
    expect(nextScheduledRun('cron(0/20 * * * ? *)', at('2030-01-01T12:05:00Z'))).toBe(at('2030-01-01T12:20:00Z'));
    expect(nextScheduledRun('cron(30 2,14 * * ? *)', at('2030-01-01T15:00:00Z'))).toBe(at('2030-01-02T02:30:00Z'));
    expect(nextScheduledRun('cron(30 2 * * ? *)', at('2030-01-01T01:00:00Z'), undefined, 'UTC')).toBe(
      at('2030-01-01T02:30:00Z'),
    );
  });

  it('does not guess a cron in another time zone, or one it does not understand', () => {
    expect(
      nextScheduledRun('cron(30 2 * * ? *)', at('2030-01-01T01:00:00Z'), undefined, 'Europe/Berlin'),
    ).toBeUndefined();
    expect(nextScheduledRun('cron(0 12 ? * MON *)', at('2030-01-01T01:00:00Z'))).toBeUndefined();
  });
});
