/**
 * The schedule rules (core/schedule-rules.ts), tested once: each mistake, the field it names in
 * each deployment door, and the sizes a valid schedule gives the stack.
 */
import { describe, expect, it } from 'vitest';
import { SCHEDULE_DOORS, scheduleVerdict, UNRESOLVED, type ScheduleView } from '../../../core/schedule-rules.js';

const hourly = (view: Partial<ScheduleView>): ScheduleView => ({ schedule: 'rate(15 minutes)', lifetimes: [3600], concurrency: 8, ...view });

describe('scheduleVerdict', () => {
  it.each<[string, Partial<ScheduleView>, string]>([
    ['a schedule that does not repeat', { schedule: 'at(2030-01-01T00:00:00)' }, 'schedule: "at(2030-01-01T00:00:00)" is not a repeating schedule'],
    ['a schedule slower than half the shortest lifetime', { schedule: 'rate(1 hour)', lifetimes: [7200, 3600] }, '(3600 s, targets[1].duration)'],
    [
      'more targets than one run can rotate in 15 minutes',
      { lifetimes: Array.from({ length: 200 }, () => 3600), concurrency: 1 },
      'targets: 200 targets at concurrency 1',
    ],
    ['a threshold the alarm cannot warn in time with', { thresholdSeconds: 60 }, 'expiryAlarmThreshold: '],
  ])('refuses %s', (_mistake, view, words) => {
    expect(scheduleVerdict(hourly(view), SCHEDULE_DOORS.props).problems).toEqual([expect.stringContaining(words)]);
  });

  it("names the lifetime and the threshold as each door does: cdk.json's seconds, the construct's Durations", () => {
    const slow = hourly({ schedule: 'rate(1 hour)', thresholdSeconds: 60 });

    expect(scheduleVerdict(slow, SCHEDULE_DOORS.config).problems[0]).toContain('(3600 s, targets[0].durationSeconds)');
    expect(scheduleVerdict(hourly({ thresholdSeconds: 60 }), SCHEDULE_DOORS.config).problems[0]).toMatch(/^expiryAlarmThresholdSeconds: /);
  });

  it('sizes the timeout and the alarm for a valid schedule', () => {
    const verdict = scheduleVerdict(hourly({ lifetimes: [3600, 3600, 3600] }), SCHEDULE_DOORS.props);

    // 30 s + 45 s for the one batch, with room for one slow connection's one more attempt where the alarm allows it.
    expect(verdict).toMatchObject({ problems: [], intervalSeconds: 900 });
    expect(verdict.timeoutSeconds).toBeGreaterThanOrEqual(75);
    expect(verdict.expiryAlarm.windowProblem).toBeUndefined();
    expect(verdict.expiryAlarm.thresholdProblem).toBeUndefined();
    expect(verdict.expiryAlarm.thresholdSeconds).toBeGreaterThan(0);
  });

  it('judges nothing that is still a token, and sizes the alarm from safe stand-ins', () => {
    const verdict = scheduleVerdict(
      { schedule: undefined, lifetimes: [undefined], concurrency: undefined, timeoutSeconds: UNRESOLVED, thresholdSeconds: UNRESOLVED },
      SCHEDULE_DOORS.props,
    );

    expect(verdict.problems).toEqual([]);
    expect(verdict).toMatchObject({ intervalSeconds: undefined, timeoutSeconds: 900, expiryAlarm: { fallbackIntervalSeconds: 1800 } });
  });
});
