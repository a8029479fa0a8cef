/**
 * The alarms as pure rules: the expiry alarms' window and threshold (and, against the two alarms
 * simulated, that they fire before credentials expire and never between healthy runs), the
 * function timeout that leaves room for one slow connection's one more attempt, and the
 * per-connection alarms' queries, one per shard of 500 connections.
 */
import { describe, expect, it } from 'vitest';
import {
  AGGREGATE_METRICS_WARNING,
  CONNECTION_ALARMS,
  connectionAlarmId,
  connectionAlarmQuery,
  connectionShards,
  expiryAlarmPlan,
  fittingTimeoutSeconds,
  perConnectionAlarmsFit,
  perConnectionWindowWarning,
  STACK_ALARM_IDS,
} from '../../../core/alarm-rules.js';
import { METRIC, metricShardOf } from '../../../core/contract.js';

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
  ])(
    'sizes the alarms for %s',
    (_name, intervalSeconds, timeoutSeconds, shortestLifetimeSeconds, evaluationPeriods, thresholdSeconds, minThresholdSeconds, maxThresholdSeconds, warningSeconds) => {
      expect(
        expiryAlarmPlan({ intervalSeconds, timeoutSeconds, shortestLifetimeSeconds, durationField: field }),
      ).toEqual({
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
      const plan = expiryAlarmPlan({
        intervalSeconds: interval,
        timeoutSeconds: timeout,
        shortestLifetimeSeconds: lifetime,
        durationField: 'd',
      });
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
      const plan = expiryAlarmPlan({
        intervalSeconds: interval,
        timeoutSeconds: timeout,
        shortestLifetimeSeconds: lifetime,
        durationField: 'd',
      });
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
      const plan = expiryAlarmPlan({
        intervalSeconds: interval,
        timeoutSeconds: timeout,
        shortestLifetimeSeconds: lifetime,
        durationField: 'd',
      });
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

  it('would fire after the expiry with a threshold of one interval plus the timeout plus 5 minutes, when the schedule stops', () => {
    // Why the threshold must be at least the window plus 3 minutes: the last run reported just
    // above a naive threshold, and nothing reports after it until the guard's window has passed.
    const plan = expiryAlarmPlan({
      intervalSeconds: 900,
      timeoutSeconds: 383,
      shortestLifetimeSeconds: 3600,
      durationField: 'd',
    });
    const naive = 900 + 383 + 300;
    const runs = [{ at: 0, value: naive }];
    expect(firstAlarm(runs, plan.evaluationPeriods, naive, 7200)! - naive).toBeGreaterThan(0);
    expect(plan.minThresholdSeconds).toBeGreaterThan(naive);
  });
});

describe('fittingTimeoutSeconds', () => {
  it.each([
    [
      'one target, every 15 minutes, 1 h credentials: the full allowance',
      { targetCount: 1, concurrency: 8, intervalSeconds: 900, shortestLifetimeSeconds: 3600 },
      383,
    ],
    ['a schedule not known: the full allowance', { targetCount: 1, concurrency: 8 }, 383],
    [
      '100 targets every 30 minutes with 1 h credentials: lowered from 900 to where the alarms still fit',
      { targetCount: 100, concurrency: 8, intervalSeconds: 1800, shortestLifetimeSeconds: 3600 },
      720,
    ],
    [
      'the same with a threshold of 2900 s asked for, which a healthy run must stay above',
      {
        targetCount: 100,
        concurrency: 8,
        intervalSeconds: 1800,
        shortestLifetimeSeconds: 3600,
        thresholdSeconds: 2900,
      },
      700,
    ],
    [
      '15-minute credentials every 7 minutes, where nothing fits: the minimum, and the plan says why',
      { targetCount: 1, concurrency: 8, intervalSeconds: 420, shortestLifetimeSeconds: 900 },
      75,
    ],
  ])('for %s: %i s', (_name, input, seconds) => {
    expect(fittingTimeoutSeconds(input)).toBe(seconds);
  });

  it('is undefined where even the minimum exceeds Lambda’s 900 s (functionTimeout refuses it)', () => {
    expect(fittingTimeoutSeconds({ targetCount: 160, concurrency: 8 })).toBeUndefined();
  });

  it('keeps every configuration that fitted before the allowance: the sample threshold of 35 minutes still fits', () => {
    const seconds = fittingTimeoutSeconds({
      targetCount: 1,
      concurrency: 8,
      intervalSeconds: 900,
      shortestLifetimeSeconds: 3600,
      thresholdSeconds: 2100,
    });
    const plan = expiryAlarmPlan({
      intervalSeconds: 900,
      timeoutSeconds: seconds!,
      shortestLifetimeSeconds: 3600,
      thresholdSeconds: 2100,
      durationField: 'd',
    });
    expect(plan.thresholdProblem).toBeUndefined();
    expect(seconds).toBeGreaterThan(75);
  });
});

describe('the per-connection alarms', () => {
  const scope = { namespace: 'AepS3CredentialRotator', rotatorName: 'Prod-RotatorFunction1A2B-x9Y8', targetCount: 3 };

  it('are one entry each: failing connections and failed dataflow runs open a ticket, expiring ones page', () => {
    expect(CONNECTION_ALARMS.map((rule) => [rule.id, rule.metric, rule.function, rule.route])).toEqual([
      ['ConnectionFailingAlarm', METRIC.rotationFailed, 'MAX', 'ticket'],
      ['CredentialsExpiringAlarm', METRIC.secondsUntilCredentialExpiry, 'MIN', 'page'],
      ['DataflowRunFailedAlarm', METRIC.dataflowRunFailed, 'MAX', 'ticket'],
    ]);
  });

  it("lead the stack's alarm ids, which the CLI finds alarms by", () => {
    expect(STACK_ALARM_IDS.slice(0, CONNECTION_ALARMS.length)).toEqual(CONNECTION_ALARMS.map((rule) => rule.id));
  });

  it('query this rotator only, one time series per connectionId, the most urgent first', () => {
    expect(CONNECTION_ALARMS.map((rule) => connectionAlarmQuery(rule, scope))).toEqual([
      'SELECT MAX(RotationFailed) FROM SCHEMA("AepS3CredentialRotator", connectionId, rotator, service) ' +
        "WHERE rotator = 'Prod-RotatorFunction1A2B-x9Y8' GROUP BY connectionId ORDER BY MAX() DESC LIMIT 500",
      'SELECT MIN(SecondsUntilCredentialExpiry) FROM SCHEMA("AepS3CredentialRotator", connectionId, rotator, ' +
        "service) WHERE rotator = 'Prod-RotatorFunction1A2B-x9Y8' GROUP BY connectionId ORDER BY MIN() ASC LIMIT 500",
      'SELECT MAX(DataflowRunFailed) FROM SCHEMA("AepS3CredentialRotator", connectionId, rotator, service) ' +
        "WHERE rotator = 'Prod-RotatorFunction1A2B-x9Y8' GROUP BY connectionId ORDER BY MAX() DESC LIMIT 500",
    ]);
  });

  it('give two rotators disjoint queries', () => {
    const [a, b] = ['Prod-RotatorFunction-A', 'Prod-RotatorFunction-B'].map((rotatorName) =>
      connectionAlarmQuery(CONNECTION_ALARMS[0]!, { ...scope, rotatorName }),
    );
    expect(a).not.toBe(b);
    expect(a).toContain("WHERE rotator = 'Prod-RotatorFunction-A'");
  });

  it('quote a namespace with a double quote as Metrics Insights requires', () => {
    expect(connectionAlarmQuery(CONNECTION_ALARMS[0]!, { ...scope, namespace: 'Team"Rotator' })).toContain(
      'FROM SCHEMA("Team\\"Rotator", ',
    );
  });

  it.each([
    [1, [0]],
    [500, [0]],
    [501, [0, 1]],
    [5000, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
  ])('cover %i targets with one alarm per rule for each of the shards %j', (targetCount, shards) => {
    expect(connectionShards(targetCount)).toEqual(shards);
  });

  it('beyond 500 targets, query each shard on its own, as the function labels its connections', () => {
    const query = connectionAlarmQuery(CONNECTION_ALARMS[1]!, { ...scope, targetCount: 1200 }, 2);
    expect(query).toBe(
      'SELECT MIN(SecondsUntilCredentialExpiry) FROM SCHEMA("AepS3CredentialRotator", connectionId, rotator, ' +
        "service, shard) WHERE rotator = 'Prod-RotatorFunction1A2B-x9Y8' AND shard = '2' GROUP BY connectionId " +
        'ORDER BY MIN() ASC LIMIT 500',
    );
    // A dashboard's top N looks at every shard at once.
    expect(connectionAlarmQuery(CONNECTION_ALARMS[1]!, { ...scope, targetCount: 1200 })).toContain(
      'FROM SCHEMA("AepS3CredentialRotator", connectionId, rotator, service, shard) WHERE rotator = ' +
        "'Prod-RotatorFunction1A2B-x9Y8' GROUP BY",
    );
    // Every shard holds at most the 500 series a query returns.
    const perShard = new Map<string, number>();
    for (let index = 0; index < 1200; index++)
      perShard.set(metricShardOf(index, 1200)!, (perShard.get(metricShardOf(index, 1200)!) ?? 0) + 1);
    expect([...perShard]).toEqual([
      ['0', 500],
      ['1', 500],
      ['2', 200],
    ]);
    expect(connectionAlarmId(CONNECTION_ALARMS[1]!, 0)).toBe('CredentialsExpiringAlarm');
    expect(connectionAlarmId(CONNECTION_ALARMS[1]!, 2)).toBe('CredentialsExpiringAlarmShard2');
  });

  it('fit a window of at most three hours, the most a Metrics Insights alarm evaluates', () => {
    expect(perConnectionAlarmsFit({ evaluationPeriods: 180 })).toBe(true);
    expect(perConnectionAlarmsFit({ evaluationPeriods: 181 })).toBe(false);
    expect(perConnectionWindowWarning({ evaluationPeriods: 374 })).toContain(
      'need a 374-minute window, and alarms on Metrics Insights queries evaluate at most 180 minutes',
    );
  });

  it('say, when switched off, what a fleet gives up', () => {
    expect(AGGREGATE_METRICS_WARNING).toContain('a second failing or expiring connection notifies no one');
  });
});
