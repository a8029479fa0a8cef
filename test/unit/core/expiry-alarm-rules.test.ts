/**
 * The expiry alarms' sizing as a pure rule (core/expiry-alarm-rules.ts): their window and threshold,
 * and, against the two alarms simulated, that they fire before credentials expire and never
 * between healthy runs.
 */
import { describe, expect, it } from 'vitest';
import { expiryAlarmPlan } from '../../../core/expiry-alarm-rules.js';

describe('expiryAlarmPlan', () => {
  const field = 'targets[0].durationSeconds';

  it.each([
    // interval, timeout, lifetime → periods, default threshold, lowest, highest, least warning
    ['the sample: every 15 min, 383 s timeout, 1 h credentials', 900, 383, 3600, 25, 2400, 1680, 3217, 780],
    ['every 15 min with the timeout of before the retry allowance (75 s)', 900, 75, 3600, 20, 2100, 1380, 3525, 780],
    [
      'every 30 min with 1 h credentials: the default is capped by what a healthy run reports',
      1800,
      75,
      3600,
      35,
      3525,
      2280,
      3525,
      1305,
    ],
    ['15-minute credentials every 5 minutes', 300, 75, 900, 10, 825, 780, 825, 105],
    ['every minute: the default is raised to the lowest that still warns', 60, 75, 900, 6, 540, 540, 825, 60],
    ['every 6 h with 36 h credentials and a 615 s timeout', 21_600, 615, 129_600, 374, 44_040, 22_620, 128_985, 21_480],
  ])('sizes the alarms for %s', (_name, intervalSeconds, timeoutSeconds, shortestLifetimeSeconds, ...sized) => {
    const [evaluationPeriods, thresholdSeconds, minThresholdSeconds, maxThresholdSeconds, warningSeconds] = sized;
    expect(expiryAlarmPlan({ intervalSeconds, timeoutSeconds, shortestLifetimeSeconds, durationField: field })).toEqual(
      {
        evaluationPeriods,
        thresholdSeconds,
        minThresholdSeconds,
        maxThresholdSeconds,
        warningSeconds,
      },
    );
  });

  it.each([
    [1380, 1380],
    [3525, 3525],
    [2400, 2400],
  ])('takes a threshold of %i s inside the range', (asked, threshold) => {
    const plan = expiryAlarmPlan({
      intervalSeconds: 900,
      timeoutSeconds: 75,
      shortestLifetimeSeconds: 3600,
      thresholdSeconds: asked,
      durationField: field,
    });
    expect(plan).toMatchObject({ thresholdSeconds: threshold, evaluationPeriods: 20 });
    expect(plan.thresholdProblem).toBeUndefined();
    expect(plan.windowProblem).toBeUndefined();
  });

  it.each([
    [
      1379,
      "1379 is below 1380 s, the alarm's 20-minute window plus 120 s (the minute of the last datapoint, " +
        "and CloudWatch's evaluation) plus 60 s of warning: a stuck connection's credentials could expire before " +
        'the alarm fires; use a whole number of seconds from 1380 to 3525',
    ],
    [
      3526,
      '3526 is above 3525 s, the least a healthy run reports (the shortest credential lifetime, ' +
        '3600 s (targets[0].durationSeconds), minus the 75 s function timeout): the alarm would fire after healthy ' +
        'runs; use a whole number of seconds from 1380 to 3525',
    ],
    [3600, '3600 is above 3525 s'],
    [1500.5, '1500.5 is not a whole number of seconds; use one from 1380 to 3525'],
  ])('refuses a threshold of %d s', (thresholdSeconds, problem) => {
    const plan = expiryAlarmPlan({
      intervalSeconds: 900,
      timeoutSeconds: 75,
      shortestLifetimeSeconds: 3600,
      thresholdSeconds,
      durationField: field,
    });
    expect(plan.thresholdProblem).toContain(problem);
    expect(plan.windowProblem).toBeUndefined();
  });

  it.each([
    [
      '15-minute credentials every 7 minutes',
      420,
      75,
      900,
      'need a 12-minute window for the expiry alarms to tell a healthy schedule from a stopped one, ' +
        'but a healthy run may report only 825 s left (the shortest credential lifetime, ' +
        '900 s (targets[0].durationSeconds), minus the timeout), which leaves no threshold that fires at least 60 ' +
        's before credentials expire (it needs 900 s)',
    ],
    ['1 h credentials every 30 minutes with a 900 s timeout', 1800, 900, 3600, 'need a 48-minute window'],
    [
      'a gap beyond the day CloudWatch evaluates',
      86_400,
      75,
      259_200,
      'need 1445 one-minute periods for the expiry alarms to tell a healthy schedule from a stopped one, ' +
        'more than the 1440 (one day) CloudWatch evaluates',
    ],
  ])('finds no room for %s', (_name, intervalSeconds, timeoutSeconds, shortestLifetimeSeconds, problem) => {
    const plan = expiryAlarmPlan({ intervalSeconds, timeoutSeconds, shortestLifetimeSeconds, durationField: field });
    expect(plan.windowProblem).toContain(problem);
    expect(plan.evaluationPeriods).toBeLessThanOrEqual(1440);
  });
});

/**
 * The two expiry alarms as the construct builds them, evaluated minute by minute: the first minute
 * end (in seconds) at which either fires, or undefined within `until`. CloudWatch notices up to a
 * minute later (the + 60).
 *
 * - `RotatorNotReportingAlarm`: M one-minute periods in a row without any datapoint.
 * - `CredentialsExpiringAlarm`: a datapoint below the threshold in the last M minutes.
 */
function firstAlarm(
  datapoints: readonly { at: number; value: number }[],
  windowMinutes: number,
  threshold: number,
  until: number,
): number | undefined {
  const minimum = new Map<number, number>();
  for (const { at, value } of datapoints) {
    const minute = Math.floor(at / 60);
    minimum.set(minute, Math.min(value, minimum.get(minute) ?? Infinity));
  }
  let silent = 0;
  for (let minute = 0; minute * 60 < until; minute++) {
    const value = minimum.get(minute);
    silent = value === undefined ? silent + 1 : 0;
    if (silent >= windowMinutes) return (minute + 1) * 60 + 60;
    for (let back = 0; back < windowMinutes; back++) {
      if ((minimum.get(minute - back) ?? Infinity) < threshold) return (minute + 1) * 60 + 60;
    }
  }
  return undefined;
}

describe('the expiry alarms, simulated', () => {
  const cases = [
    [900, 383, 3600],
    [900, 75, 3600],
    [1800, 75, 3600],
    [300, 75, 900],
    [60, 75, 900],
    [600, 615, 3600],
    [3600, 900, 43_200],
  ] as const;

  /** The plan for a schedule every `interval` s, a `timeout` s function and `lifetime` s credentials. */
  const planFor = (interval: number, timeout: number, lifetime: number) =>
    expiryAlarmPlan({
      intervalSeconds: interval,
      timeoutSeconds: timeout,
      shortestLifetimeSeconds: lifetime,
      durationField: 'd',
    });

  /**
   * Runs every `interval` from `offset`; the run's metrics land `delay(k)` after its start, with the seconds left for
   * credentials minted at its start.
   */
  function healthyRuns(
    interval: number,
    lifetime: number,
    offset: number,
    count: number,
    delay: (k: number) => number,
  ) {
    return Array.from({ length: count }, (_, k) => ({
      at: offset + k * interval + delay(k),
      value: lifetime - delay(k),
    }));
  }

  it.each(cases)(
    'stay OK between healthy runs (every %i s, timeout %i s, lifetime %i s), however the runs fall in the minutes',
    (interval, timeout, lifetime) => {
      const plan = planFor(interval, timeout, lifetime);
      for (let offset = 0; offset < 60; offset += 7) {
        // Worst case: a run that reports at once followed by one that runs its whole timeout.
        const runs = healthyRuns(interval, lifetime, offset, 12, (k) => (k % 2 === 0 ? 0 : timeout));
        const end = runs[runs.length - 1]!.at;
        expect(firstAlarm(runs, plan.evaluationPeriods, plan.thresholdSeconds, end)).toBeUndefined();
      }
    },
  );

  it.each(cases)(
    'fire before credentials expire when the schedule stops (every %i s, timeout %i s, lifetime %i s)',
    (interval, timeout, lifetime) => {
      const plan = planFor(interval, timeout, lifetime);
      for (let offset = 0; offset < 60; offset += 7) {
        const runs = healthyRuns(interval, lifetime, offset, 4, () => timeout);
        const last = runs[runs.length - 1]!;
        const expiresAt = last.at + last.value;
        const firedAt = firstAlarm(runs, plan.evaluationPeriods, plan.thresholdSeconds, expiresAt + 3600);
        expect(firedAt).toBeGreaterThan(last.at);
        expect(expiresAt - firedAt!).toBeGreaterThanOrEqual(60);
      }
    },
  );

  it.each(cases)(
    'fire before credentials expire when one connection keeps failing (every %i s, timeout %i s, lifetime %i s)',
    (interval, timeout, lifetime) => {
      const plan = planFor(interval, timeout, lifetime);
      for (let offset = 0; offset < 60; offset += 7) {
        // Rotated by the first run, failing ever after: each run reports what it still holds, never below 0.
        const expiresAt = offset + lifetime;
        const runs = Array.from({ length: Math.ceil((lifetime * 2) / interval) }, (_, k) => {
          const at = offset + k * interval + (k === 0 ? 0 : timeout);
          return { at, value: Math.max(0, expiresAt - at) };
        });
        const firedAt = firstAlarm(runs, plan.evaluationPeriods, plan.thresholdSeconds, expiresAt + 3600);
        expect(expiresAt - firedAt!).toBeGreaterThanOrEqual(60);
      }
    },
  );

  it('would fire after the expiry, the schedule stopped, with a threshold of one interval + timeout + 5 min', () => {
    // Why the threshold must be at least the window plus 3 minutes: the last run reported just
    // above a naive threshold, and nothing reports after it until the guard's window has passed.
    const plan = planFor(900, 383, 3600);
    const naive = 900 + 383 + 300;
    const runs = [{ at: 0, value: naive }];
    expect(firstAlarm(runs, plan.evaluationPeriods, naive, 7200)! - naive).toBeGreaterThan(0);
    expect(plan.minThresholdSeconds).toBeGreaterThan(naive);
  });
});
