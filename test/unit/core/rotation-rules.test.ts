/** The pure synth-time rules shared by the configuration parser and the construct. */
import { describe, expect, it } from 'vitest';
import { bucketNameProblem, DEFAULT_MEMORY_MB, durationProblem, functionTimeout, memoryProblem, scheduleInterval } from '../../../core/rotation-rules.js';
import { expiryAlarmPlan, runAlarmPeriodSeconds } from '../../../core/alarm-rules.js';

describe('scheduleInterval', () => {
  it.each([
    ['rate(1 minute)', 60],
    ['rate(15 minutes)', 900],
    ['rate(1 hour)', 3600],
    ['rate(2 hours)', 7200],
    ['rate(1 day)', 86_400],
    ['cron(0/15 * * * ? *)', 900],
    ['cron(*/10 * * * ? *)', 600],
    ['cron(5,35 * * * ? *)', 1800],
    ['cron(0 * * * ? *)', 3600],
    ['cron(0 0/6 * * ? *)', 21_600],
    ['cron(0 8-17 * * ? *)', 15 * 3600],
    ['cron(0-50/10 * ? * * *)', 600],
    ['cron(0 12 * * ? *)', 86_400],
  ])('%s repeats at most every %i s', (expression, seconds) => {
    expect(scheduleInterval(expression)).toEqual({ seconds });
  });

  it.each([
    ['rate(0 minutes)', 'never repeats'],
    ['rate(5 minute)', 'use the singular unit for 1 and the plural otherwise'],
    ['rate(1 minutes)', 'use the singular unit for 1 and the plural otherwise'],
    ['rate(15 seconds)', 'is not a repeating schedule'],
    ['at(2030-01-01T00:00:00)', 'is not a repeating schedule'],
    ['cron(0 * * *)', 'must have 6 fields'],
    ['cron(0 12 1 * ? *)', 'does not run every day'],
    ['cron(0 12 ? * MON *)', 'does not run every day'],
    ['cron(0 12 * JAN ? *)', 'does not run every day'],
    ['cron(0 L * * ? *)', 'does not understand'],
    ['cron(60 * * * ? *)', 'does not understand'],
    ['cron(10-5 * * * ? *)', 'does not understand'],
  ])('cannot tell how often %s runs', (expression, problem) => {
    expect(scheduleInterval(expression).problem).toContain(problem);
  });
});

describe('durationProblem', () => {
  it.each([
    ['assume-role-chained', 900],
    ['assume-role-chained', 3600],
    ['assume-role-user-keys', 43_200],
    ['get-session-token', 900],
    ['get-session-token', 129_600],
  ] as const)('accepts %s for %i s', (method, seconds) => {
    expect(durationProblem(method, seconds)).toBeUndefined();
  });

  it.each([
    ['assume-role-chained', 3601, '3601 is above 3600, the cap AWS sets on role chaining'],
    ['assume-role-chained', 899, '899 is below 900'],
    ['assume-role-user-keys', 43_201, '43201 is above 43200'],
    ['assume-role-user-keys', 600, '600 is below 900'],
    ['get-session-token', 899, '899 is outside 900 to 129600'],
    ['get-session-token', 129_601, '129601 is outside 900 to 129600'],
  ] as const)('refuses %s for %i s', (method, seconds, problem) => {
    expect(durationProblem(method, seconds)).toContain(problem);
  });

  it('names the caller’s field in its advice', () => {
    expect(durationProblem('assume-role-chained', 7200, { userKeysField: 'userKeys' })).toContain('give the target userKeys so AssumeRole');
  });
});

describe('bucketNameProblem', () => {
  it.each(['abc', 'acme-aep-landing', '0-9', 'a'.repeat(63)])('accepts %s', (name) => {
    expect(bucketNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['ab', 'has 2 characters'],
    ['a'.repeat(64), 'has 64 characters'],
    ['Acme', 'is not a valid bucket name'],
    ['acme.landing', 'is not a valid bucket name'],
    ['acme_landing', 'is not a valid bucket name'],
    ['-acme', 'is not a valid bucket name'],
    ['acme-', 'is not a valid bucket name'],
    ['10.0.0.1', 'is shaped like an IP address'],
  ])('refuses %s', (name, problem) => {
    expect(bucketNameProblem(name)).toContain(problem);
  });
});

describe('memoryProblem', () => {
  it.each([128, 256, 1024, DEFAULT_MEMORY_MB, 10_240])('accepts %i MB', (memory) => {
    expect(memoryProblem(memory)).toBeUndefined();
  });

  it.each([0, 127, 10_241, 256.5, -1, Number.NaN])('refuses %d', (memory) => {
    expect(memoryProblem(memory)).toBe(`${memory} is not a whole number of MB from 128 to 10240, the range Lambda accepts; choose a value in it`);
  });
});

describe('functionTimeout', () => {
  it.each([
    [1, 8, 75],
    [8, 8, 75],
    [9, 8, 120],
    [100, 8, 615],
    [1000, 64, 750],
  ])('gives %i targets at concurrency %i a %i s timeout', (targets, concurrency, seconds) => {
    expect(functionTimeout(targets, concurrency)).toEqual({ seconds });
  });

  it('refuses what would not fit in Lambda’s 15 minutes', () => {
    expect(functionTimeout(160, 8).problem).toContain('160 targets at concurrency 8 need an estimated 930 s');
  });
});

describe('runAlarmPeriodSeconds', () => {
  it.each([
    [900, 900],
    [60, 60],
    [30, 60],
    [90, 120],
    [64_800, 64_800],
    [172_800, 86_400],
  ])('for runs %i s apart is %i s', (interval, period) => {
    expect(runAlarmPeriodSeconds(interval)).toBe(period);
  });
});

describe('expiryAlarmPlan', () => {
  const field = 'targets[0].durationSeconds';

  it.each([
    // interval, timeout, lifetime → periods, default threshold, lowest, highest, least warning
    ['the sample: every 15 min, 75 s timeout, 1 h credentials', 900, 75, 3600, 20, 2100, 1380, 3525, 780],
    ['every 30 min with 1 h credentials: the default is capped by what a healthy run reports', 1800, 75, 3600, 35, 3525, 2280, 3525, 1305],
    ['15-minute credentials every 5 minutes', 300, 75, 900, 10, 825, 780, 825, 105],
    ['every minute: the default is raised to the lowest that still warns', 60, 75, 900, 6, 540, 540, 825, 60],
    ['every 6 h with 36 h credentials and a 615 s timeout', 21_600, 615, 129_600, 374, 44_040, 22_620, 128_985, 21_480],
  ])(
    'sizes the alarm for %s',
    (_name, intervalSeconds, timeoutSeconds, shortestLifetimeSeconds, evaluationPeriods, thresholdSeconds, minThresholdSeconds, maxThresholdSeconds, warningSeconds) => {
      expect(expiryAlarmPlan({ intervalSeconds, timeoutSeconds, shortestLifetimeSeconds, durationField: field })).toEqual({
        evaluationPeriods,
        thresholdSeconds,
        minThresholdSeconds,
        maxThresholdSeconds,
        warningSeconds,
      });
    },
  );

  it.each([
    [1380, 1380],
    [3525, 3525],
    [2400, 2400],
  ])('takes a threshold of %i s inside the range', (asked, threshold) => {
    const plan = expiryAlarmPlan({ intervalSeconds: 900, timeoutSeconds: 75, shortestLifetimeSeconds: 3600, thresholdSeconds: asked, durationField: field });
    expect(plan).toMatchObject({ thresholdSeconds: threshold, evaluationPeriods: 20 });
    expect(plan.thresholdProblem).toBeUndefined();
    expect(plan.windowProblem).toBeUndefined();
  });

  it.each([
    [
      1379,
      "1379 is below 1380 s, the alarm's 20-minute window plus 120 s (the minute of the last datapoint, and CloudWatch's evaluation) plus 60 s of warning: a stuck connection's credentials could expire before the alarm fires; use a whole number of seconds from 1380 to 3525",
    ],
    [
      3526,
      '3526 is above 3525 s, the least a healthy run reports (the shortest credential lifetime, 3600 s (targets[0].durationSeconds), minus the 75 s function timeout): the alarm would fire after healthy runs; use a whole number of seconds from 1380 to 3525',
    ],
    [3600, '3600 is above 3525 s'],
    [1500.5, '1500.5 is not a whole number of seconds; use one from 1380 to 3525'],
  ])('refuses a threshold of %d s', (thresholdSeconds, problem) => {
    const plan = expiryAlarmPlan({ intervalSeconds: 900, timeoutSeconds: 75, shortestLifetimeSeconds: 3600, thresholdSeconds, durationField: field });
    expect(plan.thresholdProblem).toContain(problem);
    expect(plan.windowProblem).toBeUndefined();
  });

  it.each([
    [
      '15-minute credentials every 7 minutes',
      420,
      75,
      900,
      'need a 12-minute window for the credentials-expiring alarm to tell a healthy schedule from a stopped one, but a healthy run may report only 825 s left (the shortest credential lifetime, 900 s (targets[0].durationSeconds), minus the timeout), which leaves no threshold that fires at least 60 s before credentials expire (it needs 900 s)',
    ],
    ['1 h credentials every 30 minutes with a 900 s timeout', 1800, 900, 3600, 'need a 48-minute window'],
    [
      'a gap beyond the day CloudWatch evaluates',
      86_400,
      75,
      259_200,
      'need 1445 one-minute periods for the credentials-expiring alarm to tell a healthy schedule from a stopped one, more than the 1440 (one day) CloudWatch evaluates',
    ],
  ])('finds no room for %s', (_name, intervalSeconds, timeoutSeconds, shortestLifetimeSeconds, problem) => {
    const plan = expiryAlarmPlan({ intervalSeconds, timeoutSeconds, shortestLifetimeSeconds, durationField: field });
    expect(plan.windowProblem).toContain(problem);
    expect(plan.evaluationPeriods).toBeLessThanOrEqual(1440);
  });
});

/**
 * A CloudWatch alarm on one-minute periods, Minimum, missing data breaching, M of M: the minute
 * (end time, in seconds) at which it first fires, or undefined within `until`. A minute breaches
 * when it has no datapoint or its minimum is below the threshold; the alarm fires when M minutes in
 * a row breach, and CloudWatch notices up to a minute later.
 */
function firstAlarm(datapoints: readonly { at: number; value: number }[], evaluationPeriods: number, threshold: number, until: number): number | undefined {
  const minimum = new Map<number, number>();
  for (const { at, value } of datapoints) {
    const minute = Math.floor(at / 60);
    minimum.set(minute, Math.min(value, minimum.get(minute) ?? Infinity));
  }
  let breaching = 0;
  for (let minute = 0; minute * 60 < until; minute++) {
    const value = minimum.get(minute);
    breaching = value === undefined || value < threshold ? breaching + 1 : 0;
    if (breaching >= evaluationPeriods) return (minute + 1) * 60 + 60;
  }
  return undefined;
}

describe('expiryAlarmPlan against a simulated alarm', () => {
  const cases = [
    [900, 75, 3600],
    [1800, 75, 3600],
    [300, 75, 900],
    [60, 75, 900],
    [600, 615, 3600],
    [3600, 900, 43_200],
  ] as const;

  /** Runs every `interval` from `offset`; the run's metrics land `delay(k)` after its start, with the seconds left for credentials minted at its start. */
  function healthyRuns(interval: number, lifetime: number, offset: number, count: number, delay: (k: number) => number) {
    return Array.from({ length: count }, (_, k) => ({ at: offset + k * interval + delay(k), value: lifetime - delay(k) }));
  }

  it.each(cases)(
    'stays OK between healthy runs (every %i s, timeout %i s, lifetime %i s), however the runs fall in the minutes',
    (interval, timeout, lifetime) => {
      const plan = expiryAlarmPlan({ intervalSeconds: interval, timeoutSeconds: timeout, shortestLifetimeSeconds: lifetime, durationField: 'd' });
      for (let offset = 0; offset < 60; offset += 7) {
        // Worst case: a run that reports at once followed by one that runs its whole timeout.
        const runs = healthyRuns(interval, lifetime, offset, 12, (k) => (k % 2 === 0 ? 0 : timeout));
        const end = runs[runs.length - 1]!.at;
        expect(firstAlarm(runs, plan.evaluationPeriods, plan.thresholdSeconds, end)).toBeUndefined();
      }
    },
  );

  it.each(cases)('fires before credentials expire when the schedule stops (every %i s, timeout %i s, lifetime %i s)', (interval, timeout, lifetime) => {
    const plan = expiryAlarmPlan({ intervalSeconds: interval, timeoutSeconds: timeout, shortestLifetimeSeconds: lifetime, durationField: 'd' });
    for (let offset = 0; offset < 60; offset += 7) {
      const runs = healthyRuns(interval, lifetime, offset, 4, () => timeout);
      const last = runs[runs.length - 1]!;
      const expiresAt = last.at + last.value;
      const firedAt = firstAlarm(runs, plan.evaluationPeriods, plan.thresholdSeconds, expiresAt + 3600);
      expect(firedAt).toBeGreaterThan(last.at);
      expect(expiresAt - firedAt!).toBeGreaterThanOrEqual(60);
    }
  });

  it.each(cases)(
    'fires before credentials expire when one connection keeps failing (every %i s, timeout %i s, lifetime %i s)',
    (interval, timeout, lifetime) => {
      const plan = expiryAlarmPlan({ intervalSeconds: interval, timeoutSeconds: timeout, shortestLifetimeSeconds: lifetime, durationField: 'd' });
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

  it('would fire after the expiry with a threshold of one interval plus the timeout plus 5 minutes', () => {
    // Why the default is the window plus one interval: a connection last seen just above 1275 s left
    // is not alarmed on until 20 minutes and one evaluation later.
    const plan = expiryAlarmPlan({ intervalSeconds: 900, timeoutSeconds: 75, shortestLifetimeSeconds: 3600, durationField: 'd' });
    const naive = 900 + 75 + 300;
    const runs = [
      { at: 0, value: naive },
      { at: 975, value: naive - 975 },
      { at: 1950, value: 0 },
    ];
    expect(firstAlarm(runs, plan.evaluationPeriods, naive, 7200)! - naive).toBeGreaterThan(0);
    expect(plan.minThresholdSeconds).toBeGreaterThan(naive);
  });
});
