/**
 * How the alarms are sized and what they watch, as pure functions over plain values: the period of
 * the alarms that judge one run at a time, the expiry alarms' window and threshold (sized in
 * core/expiry-alarm-rules.ts), the function timeout that leaves room for one slow connection's one
 * more attempt, and the per-connection alarms ({@link CONNECTION_ALARMS}: one entry each, one
 * Metrics Insights query per shard of 500 connections). The construct (lib/rotator/monitoring.ts,
 * validate-props.ts), the configuration parser (`config.ts`) and the sandbox's CloudWatch stand-in
 * (emulators/) use them, so a refusal reads the same either way and the rehearsal's alarms are the
 * deployed ones.
 */
import { MAX_SERIES_PER_QUERY, METRIC, METRIC_DIMENSION, metricShardCount } from './contract.js';
import {
  EXPIRY_ALARM_PERIOD_SECONDS,
  type ExpiryAlarmPlan,
  expiryAlarmPlan,
  MAX_ALARM_WINDOW_SECONDS,
} from './expiry-alarm-rules.js';
import { functionTimeout } from './rotation-rules.js';

// The expiry alarms' sizing has a module of its own; re-exported so that every importer keeps one path.
export {
  ALARM_EVALUATION_DELAY_SECONDS,
  EXPIRY_ALARM_PERIOD_SECONDS,
  EXPIRY_ALARM_SLACK_MINUTES,
  type ExpiryAlarmInput,
  type ExpiryAlarmPlan,
  expiryAlarmPlan,
  MIN_EXPIRY_WARNING_SECONDS,
} from './expiry-alarm-rules.js';

/**
 * The period of the alarms that judge one run at a time (`ErrorsAlarm`, `ConnectionFailingAlarm`,
 * `DestinationDeliveryFailuresAlarm`): the longest gap between runs, in whole minutes, from one
 * minute to one day. One period then holds (about) one scheduled run, so a manual run in the same
 * period cannot turn a failing schedule OK, and with missing data ignored the state holds between
 * runs instead of flapping back to OK. CloudWatch takes periods in multiples of 60 s, and an alarm
 * with a period under an hour looks back at most one day; longer periods may look back seven days
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
 */
export function runAlarmPeriodSeconds(intervalSeconds: number): number {
  return Math.min(MAX_ALARM_WINDOW_SECONDS, Math.max(60, Math.ceil(intervalSeconds / 60) * 60));
}

// ------------------------------------------------------------------ the function timeout

/** What the function timeout is sized from. */
export interface TimeoutInput {
  readonly targetCount: number;
  readonly concurrency: number;
  /** The longest gap between scheduled runs, when known: the timeout is kept where the expiry alarms still fit. */
  readonly intervalSeconds?: number;
  /** The shortest credential lifetime of any target, when known. */
  readonly shortestLifetimeSeconds?: number;
  /** An expiry threshold asked for, which the timeout must leave valid. */
  readonly thresholdSeconds?: number;
}

/**
 * The function timeout to deploy: {@link functionTimeout}'s full size (room for one slow
 * connection's one more attempt), lowered second by second, never below its minimum, only as far
 * as the expiry alarms need to stay sizable with it (a longer timeout widens their window and
 * lowers the most a healthy run reports). So every configuration that synthesized before the
 * allowance existed still does: at worst it keeps the timeout it had. Undefined while
 * `functionTimeout` refuses the targets.
 */
export function fittingTimeoutSeconds({
  targetCount,
  concurrency,
  intervalSeconds,
  shortestLifetimeSeconds,
  thresholdSeconds,
}: TimeoutInput): number | undefined {
  const timeout = functionTimeout(targetCount, concurrency);
  if (timeout.problem !== undefined) return undefined;
  if (intervalSeconds === undefined || shortestLifetimeSeconds === undefined) return timeout.seconds;
  const fits = (timeoutSeconds: number) => {
    const plan = expiryAlarmPlan({
      intervalSeconds,
      timeoutSeconds,
      shortestLifetimeSeconds,
      thresholdSeconds,
      durationField: '',
    });
    return !plan.windowProblem && !plan.thresholdProblem;
  };
  for (let seconds = timeout.seconds; seconds > timeout.minimumSeconds; seconds -= 1) if (fits(seconds)) return seconds;
  return timeout.minimumSeconds;
}

// ------------------------------------------------------------------ the per-connection alarms

/**
 * Alarms on a Metrics Insights query evaluate at most the last three hours of data.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html
 */
export const MAX_QUERY_ALARM_WINDOW_SECONDS = 10_800;

/**
 * Whether the per-connection alarms can watch the expiry plan's window (on Metrics Insights queries: at most three
 * hours).
 */
export function perConnectionAlarmsFit(plan: Pick<ExpiryAlarmPlan, 'evaluationPeriods'>): boolean {
  return plan.evaluationPeriods * EXPIRY_ALARM_PERIOD_SECONDS <= MAX_QUERY_ALARM_WINDOW_SECONDS;
}

/**
 * Where an alarm notifies: the topic that pages (`alarmTopic`), or the one that opens a ticket (`ticketTopic`, when
 * given).
 */
export type AlarmRoute = 'page' | 'ticket';

/** What a per-connection alarm's threshold and words are made of. */
export interface ConnectionAlarmSizes {
  /** The window every per-connection alarm looks at: the expiry plan's M minutes, in seconds. */
  readonly windowSeconds: number;
  /** The expiry plan's threshold, in seconds. */
  readonly expiryThresholdSeconds: number;
  /**
   * The same in words, e.g. `2400 s (40 min)` (the construct's while the threshold is a deploy-time value).
   * @default from expiryThresholdSeconds
   */
  readonly expiryThresholdText?: string;
}

/**
 * One alarm per connection: a Metrics Insights query of `metric` grouped by `connectionId`, scoped
 * to this rotator, whose result is one contributor per connection with a state of its own. Each
 * looks at one period of the shared window (long enough to hold every reporting connection's last
 * run), and treats a connection without data as not breaching: a rotator that stops reporting is
 * `RotatorNotReportingAlarm`'s, and a connection taken out of the targets has nothing left to say.
 *
 * A new per-connection metric gets its own alarm by adding one entry to {@link CONNECTION_ALARMS}:
 * the construct (lib/rotator/monitoring.ts) builds an alarm per shard from it, the sandbox's
 * CloudWatch stand-in evaluates the same query, and docs/RUNBOOK.md needs a section named after `id`.
 */
export interface ConnectionAlarmRule {
  /** Construct id of the first shard's alarm (`<id>Shard<n>` beyond it), and the runbook's anchor. */
  readonly id: string;
  /** One of {@link METRIC}'s, which the function writes per connection. */
  readonly metric: string;
  /**
   * How each connection's values in the window are reduced: Metrics Insights' function (and the aggregate fallback's
   * statistic).
   */
  readonly function: 'MAX' | 'MIN';
  readonly comparison: 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold';
  readonly threshold: (sizes: ConnectionAlarmSizes) => number;
  readonly route: AlarmRoute;
  /** What a contributor in ALARM means, for the description (the construct appends the runbook link). */
  readonly meaning: (sizes: ConnectionAlarmSizes) => string;
}

const minutes = (seconds: number) => `${Math.round(seconds / 60)} min`;

/** The per-connection alarms, in the order the dashboard shows them. */
export const CONNECTION_ALARMS: readonly ConnectionAlarmRule[] = [
  {
    id: 'ConnectionFailingAlarm',
    metric: METRIC.rotationFailed,
    function: 'MAX',
    comparison: 'GreaterThanOrEqualToThreshold',
    threshold: () => 1,
    route: 'ticket',
    meaning: ({ windowSeconds }) =>
      `A connection failed to rotate in the last ${minutes(windowSeconds)}, even if the others rotated; ` +
      'each failing connection is a contributor of its own (its connectionId), and notifies when it starts ' +
      'failing, even while another is in ALARM. It returns to OK once a window holds no failure of it.',
  },
  {
    id: 'CredentialsExpiringAlarm',
    metric: METRIC.secondsUntilCredentialExpiry,
    function: 'MIN',
    comparison: 'LessThanThreshold',
    threshold: ({ expiryThresholdSeconds }) => expiryThresholdSeconds,
    route: 'page',
    meaning: ({ expiryThresholdSeconds, expiryThresholdText, windowSeconds }) =>
      'A connection reported less than ' +
      `${expiryThresholdText ?? `${expiryThresholdSeconds} s (${minutes(expiryThresholdSeconds)})`} left on its ` +
      `credentials in the last ${minutes(windowSeconds)}: Adobe may soon hold expired credentials and stop ` +
      'ingesting. Each such connection is a contributor of its own (its connectionId).',
  },
  {
    id: 'DataflowRunFailedAlarm',
    metric: METRIC.dataflowRunFailed,
    function: 'MAX',
    comparison: 'GreaterThanOrEqualToThreshold',
    threshold: () => 1,
    route: 'ticket',
    meaning: ({ windowSeconds }) =>
      'A dataflow reading a connection failed its last run, reported by a rotator run in the last ' +
      `${minutes(windowSeconds)}: ingestion broke, on the credentials or the files; ` +
      "each such connection is a contributor of its own (its connectionId). It returns to OK once the rotator's " +
      'runs report no new failed run of it.',
  },
];

/**
 * The construct ids of every alarm a rotator has, in the construct's order (`alarms`, the stack's
 * `AlarmNames` output): the per-connection ones (beyond 500 connections, `<id>Shard<n>` besides),
 * the run-level ones, and the rotator-level guard. The operator CLI finds an alarm by them.
 */
export const STACK_ALARM_IDS = [
  // CONNECTION_ALARMS' ids (test/unit/core/alarm-rules.test.ts keeps them in step).
  'ConnectionFailingAlarm',
  'CredentialsExpiringAlarm',
  'DataflowRunFailedAlarm',
  'ErrorsAlarm',
  'DestinationDeliveryFailuresAlarm',
  'ScheduleDeadLetterQueueAlarm',
  'FailureDeadLetterQueueAlarm',
  'LedgerWriteFailedAlarm',
  'RotatorNotReportingAlarm',
  'UnmanagedTemporaryConnectionsAlarm',
] as const;

/** The construct id of a rule's alarm for `shard` (0: the id itself, stable since before sharding). */
export function connectionAlarmId(rule: Pick<ConnectionAlarmRule, 'id'>, shard: number): string {
  return shard === 0 ? rule.id : `${rule.id}Shard${shard}`;
}

/** Where the function's metrics are, for a query. */
export interface MetricsScope {
  readonly namespace: string;
  /** This rotator's `rotator` dimension value (the construct passes the function's name, a deploy-time value). */
  readonly rotatorName: string;
  /** How many targets the rotator has: beyond 500, one query per shard. */
  readonly targetCount: number;
}

/** A namespace or name as Metrics Insights takes it: double-quoted, with `"` and `\` escaped. */
const quotedName = (name: string) => `"${name.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/**
 * The Metrics Insights query of one per-connection alarm: the rule's metric for every connection
 * of this rotator (of one shard, in a fleet beyond one query's 500 series), one time series per
 * `connectionId`, the most urgent first, at most 500.
 * @param shard the shard an alarm watches; undefined: every shard (a dashboard's top N, which may
 * look at up to 10,000 series).
 * @example
 * SELECT MAX(RotationFailed) FROM SCHEMA("AepS3CredentialRotator", connectionId, rotator, service)
 * WHERE rotator = 'Prod-RotatorFunction' GROUP BY connectionId ORDER BY MAX() DESC LIMIT 500
 */
export function connectionAlarmQuery(
  rule: Pick<ConnectionAlarmRule, 'metric' | 'function'>,
  scope: MetricsScope,
  shard?: number,
): string {
  const sharded = metricShardCount(scope.targetCount) > 1;
  const dimensions = [
    METRIC_DIMENSION.connectionId,
    METRIC_DIMENSION.rotator,
    METRIC_DIMENSION.service,
    ...(sharded ? [METRIC_DIMENSION.shard] : []),
  ];
  const where = [
    `${METRIC_DIMENSION.rotator} = '${scope.rotatorName}'`,
    ...(sharded && shard !== undefined ? [`${METRIC_DIMENSION.shard} = '${shard}'`] : []),
  ];
  const order = rule.function === 'MIN' ? 'ASC' : 'DESC';
  return (
    `SELECT ${rule.function}(${rule.metric}) FROM SCHEMA(${quotedName(scope.namespace)}, ${dimensions.join(', ')}) ` +
    `WHERE ${where.join(' AND ')} GROUP BY ${METRIC_DIMENSION.connectionId} ORDER BY ${rule.function}() ${order} ` +
    `LIMIT ${MAX_SERIES_PER_QUERY}`
  );
}

/** The shards of a fleet: one alarm per rule and shard. */
export function connectionShards(targetCount: number): number[] {
  return Array.from({ length: metricShardCount(targetCount) }, (_, shard) => shard);
}

/**
 * The synth warning for `connectionMetrics: false` (and check-config's): what a fleet gives up by
 * falling back to aggregate metrics.
 */
export const AGGREGATE_METRICS_WARNING =
  'metrics carry no connectionId: ConnectionFailingAlarm and CredentialsExpiringAlarm watch the rotator as a ' +
  'whole, so while one connection holds either in ALARM a second failing or expiring connection notifies no one, ' +
  "and no alarm names the connection (the function's log, the ledger and `npx aep-s3-rotator status` do). " +
  'Use it only where a time series per connection costs too much (docs/DEPLOY.md, "What the metrics cost").';

/** The synth warning when the schedule's window is too long for alarms on Metrics Insights queries. */
export function perConnectionWindowWarning(plan: Pick<ExpiryAlarmPlan, 'evaluationPeriods'>): string {
  return (
    `the expiry alarms need a ${plan.evaluationPeriods}-minute window, and alarms on Metrics Insights queries ` +
    `evaluate at most ${MAX_QUERY_ALARM_WINDOW_SECONDS / 60} minutes: ConnectionFailingAlarm and ` +
    'CredentialsExpiringAlarm watch the rotator as a whole instead ' +
    `(${AGGREGATE_METRICS_WARNING.slice(AGGREGATE_METRICS_WARNING.indexOf(':') + 2)}) Run more often to watch ` +
    'each connection.'
  );
}
