/**
 * The schedule rules (core/schedule-rules.ts), tested once: each mistake, the field it names in
 * each deployment door, and the sizes a valid schedule gives the stack.
 */
import { describe, expect, it } from 'vitest';
import {
  lifetimeWarning,
  SCHEDULE_DOORS,
  scheduleVerdict,
  UNRESOLVED,
  workingSchedule,
  type ScheduleView,
} from '../../../core/schedule-rules.js';

const hourly = (view: Partial<ScheduleView>): ScheduleView => ({
  schedule: 'rate(15 minutes)',
  lifetimes: [3600],
  concurrency: 8,
  ...view,
});

describe('scheduleVerdict', () => {
  it.each<[string, Partial<ScheduleView>, string]>([
    [
      'a schedule that does not repeat',
      { schedule: 'at(2030-01-01T00:00:00)' },
      'schedule: "at(2030-01-01T00:00:00)" is not a repeating schedule',
    ],
    [
      'a schedule slower than half the shortest lifetime',
      { schedule: 'rate(1 hour)', lifetimes: [7200, 3600] },
      '(3600 s, targets[1].duration)',
    ],
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
    expect(scheduleVerdict(hourly({ thresholdSeconds: 60 }), SCHEDULE_DOORS.config).problems[0]).toMatch(
      /^expiryAlarmThresholdSeconds: /,
    );
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
      {
        schedule: undefined,
        lifetimes: [undefined],
        concurrency: undefined,
        timeoutSeconds: UNRESOLVED,
        thresholdSeconds: UNRESOLVED,
      },
      SCHEDULE_DOORS.props,
    );

    expect(verdict.problems).toEqual([]);
    expect(verdict).toMatchObject({
      intervalSeconds: undefined,
      timeoutSeconds: 900,
      expiryAlarm: { fallbackIntervalSeconds: 1800 },
    });
  });
});

describe('what a refusal suggests', () => {
  /** The schedule a refusal's `(e.g. "...")` names. */
  const suggestionOf = (problem: string) => /\(e\.g\. "([^"]+)"/.exec(problem)?.[1];

  it.each<[string, Partial<ScheduleView>]>([
    ['900 s credentials with the default 15-minute schedule', { lifetimes: [900] }],
    [
      '900 s credentials with rate(7 minutes), which the window allows but the alarm does not',
      { lifetimes: [900], schedule: 'rate(7 minutes)' },
    ],
    [
      '1200 s credentials, 4 targets at concurrency 2',
      { lifetimes: Array.from({ length: 4 }, () => 1200), concurrency: 2 },
    ],
    ['one-hour credentials with an hourly schedule', { schedule: 'rate(1 hour)' }],
    ['six-hour credentials with a daily cron', { lifetimes: [21_600], schedule: 'cron(0 3 * * ? *)' }],
  ])('passes every rule when followed: %s', (_case, view) => {
    const refused = scheduleVerdict(hourly(view), SCHEDULE_DOORS.config);
    const suggested = suggestionOf(refused.problems.find((problem) => problem.startsWith('schedule:')) ?? '');

    expect(suggested, refused.problems.join('\n')).toBeDefined();
    expect(scheduleVerdict(hourly({ ...view, schedule: suggested }), SCHEDULE_DOORS.config).problems).toEqual([]);
  });

  it('suggests no schedule when none works (a run too long for the lifetime): it says what else to change', () => {
    const view = hourly({ lifetimes: Array.from({ length: 40 }, () => 1200), concurrency: 2 });
    expect(workingSchedule(view, SCHEDULE_DOORS.config)).toBeUndefined();
    expect(scheduleVerdict(view, SCHEDULE_DOORS.config).problems[0]).toContain(
      'run at least every 600 s or raise the duration',
    );
  });

  it('suggests the least frequent schedule that works, never "rate(7 minutes)" for 900 s credentials', () => {
    expect(workingSchedule(hourly({ lifetimes: [900] }), SCHEDULE_DOORS.config)).toBe('rate(5 minutes)');
    expect(workingSchedule(hourly({ lifetimes: [3600] }), SCHEDULE_DOORS.config)).toBe('rate(30 minutes)');
  });
});

describe('credential lifetimes', () => {
  it('warns, in the same words in each door, when credentials outlive four schedule intervals', () => {
    const view = hourly({ schedule: 'rate(5 minutes)', lifetimes: [1200, 3600] });
    const longLived = (door: keyof typeof SCHEDULE_DOORS) =>
      scheduleVerdict(view, SCHEDULE_DOORS[door]).warnings.filter(({ id }) => id === 'long-lived-credentials');

    expect(longLived('config')).toEqual([
      {
        index: 1,
        id: 'long-lived-credentials',
        line:
          'targets[1]: its credentials live 3600 s, more than 4 schedule intervals (1200 s with "rate(5 ' +
          'minutes)"): a set of them that leaked stays valid that long, and the next rotation does not revoke ' +
          'it; lower their lifetime to 1200 s or less',
      },
    ]);
    expect(longLived('props')).toEqual(longLived('config'));
    expect(scheduleVerdict(view, SCHEDULE_DOORS.props).problems).toEqual([]);
  });

  it('warns, on the shortest-lived target, when the expiry alarms take the room for one more attempt', () => {
    const view = hourly({ schedule: 'rate(5 minutes)', lifetimes: [3600, 900] });
    const verdict = scheduleVerdict(view, SCHEDULE_DOORS.config);

    expect(verdict.timeoutSeconds).toBe(120);
    expect(verdict.warnings.filter(({ id }) => id === 'no-retry-room')).toEqual([
      {
        index: 1,
        id: 'no-retry-room',
        line:
          "targets[1]: the function's timeout is 120 s, not the 383 s that leave room for a slow connection's one " +
          'more attempt: the expiry alarms for credentials of 900 s need the shorter one, so a connection slowed by ' +
          'retries may wait for the next run; longer-lived credentials give the room back',
      },
    ]);
    expect(scheduleVerdict(view, SCHEDULE_DOORS.props).warnings).toEqual(verdict.warnings);
    // The default (1 h credentials every 15 minutes) keeps the whole room, and says nothing.
    expect(scheduleVerdict(hourly({}), SCHEDULE_DOORS.config).timeoutSeconds).toBe(383);
    expect(scheduleVerdict(hourly({ timeoutSeconds: 120 }), SCHEDULE_DOORS.config).warnings).toEqual([]);
  });

  it('says nothing at four intervals (the default: 1 h, every 15 min), nor while the schedule is a token', () => {
    expect(scheduleVerdict(hourly({}), SCHEDULE_DOORS.props).warnings).toEqual([]);
    expect(
      scheduleVerdict(hourly({ schedule: undefined, lifetimes: [129_600] }), SCHEDULE_DOORS.props).warnings,
    ).toEqual([]);
  });

  it("advises running less often where STS's shortest lifetime is more than four intervals", () => {
    expect(lifetimeWarning(900, 60, 'rate(1 minute)')).toContain(
      'run the schedule less often (STS mints nothing shorter than 900 s)',
    );
    expect(lifetimeWarning(900, 225, 'rate(225 seconds)')).toBeUndefined();
  });
});
