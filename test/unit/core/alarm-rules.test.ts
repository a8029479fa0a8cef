/**
 * The alarms as pure rules (core/alarm-rules.ts): the function timeout that leaves room for one
 * slow connection's one more attempt, and the per-connection alarms' queries, one per shard of 500
 * connections. The expiry alarms' window and threshold are expiry-alarm-rules.test.ts's.
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

  it('keeps every configuration that fitted before the allowance: the sample 35-minute threshold still fits', () => {
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
