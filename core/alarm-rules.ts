/**
 * How the alarms are sized and what they watch, as pure functions over plain values: the period of
 * the alarms that judge one run at a time, the expiry alarms' window and threshold, the function
 * timeout that leaves room for one slow connection's one more attempt, and the per-connection
 * alarms ({@link CONNECTION_ALARMS}: one entry each, one Metrics Insights query per shard of 500
 * connections). The construct (lib/rotator/monitoring.ts, validate-props.ts), the configuration
 * parser (`config.ts`) and the sandbox's CloudWatch stand-in (emulators/) use them, so a refusal
 * reads the same either way and the rehearsal's alarms are the deployed ones.
 */
import { MAX_SERIES_PER_QUERY, METRIC, METRIC_DIMENSION, metricShardCount } from './contract.js';
import { functionTimeout } from './rotation-rules.js';

/**
 * CloudWatch evaluates at most one day of data per alarm whose period is under an hour (period x evaluation periods).
 */
const MAX_ALARM_WINDOW_SECONDS = 86_400;

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

/** The credentials-expiring alarm looks at one-minute periods. */
export const EXPIRY_ALARM_PERIOD_SECONDS = 60;
/**
 * Minutes added to the longest gap between two runs' datapoints: EventBridge Scheduler and Lambda's
 * asynchronous queue delivering a run late, and the run's embedded-metric log line becoming a
 * metric after the alarm has already looked at that minute.
 */
export const EXPIRY_ALARM_SLACK_MINUTES = 3;
/**
 * A one-minute alarm is evaluated about once a minute: it changes state up to this long after its window has passed.
 */
export const ALARM_EVALUATION_DELAY_SECONDS = 60;
/** The least warning an expiry threshold must leave between the alarm and the expiry. */
export const MIN_EXPIRY_WARNING_SECONDS = 60;

/** What the credentials-expiring alarm is sized from; all in seconds. */
export interface ExpiryAlarmInput {
  /** The longest gap between two scheduled runs ({@link scheduleInterval}). */
  readonly intervalSeconds: number;
  /** The function's timeout: a run writes its metrics at most this long after it starts. */
  readonly timeoutSeconds: number;
  /** The shortest credential lifetime of any target. */
  readonly shortestLifetimeSeconds: number;
  /** A threshold asked for; without it, {@link ExpiryAlarmPlan.thresholdSeconds} is the default. */
  readonly thresholdSeconds?: number;
  /** How the caller names the shortest lifetime, for messages (e.g. `targets[2].durationSeconds`). */
  readonly durationField: string;
}

/** The credentials-expiring alarm, sized; see {@link expiryAlarmPlan}. */
export interface ExpiryAlarmPlan {
  /** One-minute periods evaluated, all of which must breach (evaluation periods = datapoints to alarm). */
  readonly evaluationPeriods: number;
  /** The threshold asked for, or the default. */
  readonly thresholdSeconds: number;
  /** The lowest threshold that still warns before a stuck connection's credentials expire. */
  readonly minThresholdSeconds: number;
  /** The highest threshold every healthy run stays at or above. */
  readonly maxThresholdSeconds: number;
  /** The least time between the alarm and the expiry of the credentials it warns about, with this threshold. */
  readonly warningSeconds: number;
  /** Why no threshold can work: the schedule, timeout and lifetime leave no room (the caller names the schedule). */
  readonly windowProblem?: string;
  /** Why the threshold asked for cannot work (the caller names the threshold field). */
  readonly thresholdProblem?: string;
}

/**
 * Size the expiry alarms, which must fire before Adobe holds expired credentials whatever the
 * cause: a connection that keeps failing, a schedule disabled or failing to invoke, a function
 * that never runs. Two alarms share one window of M minutes and the threshold T:
 *
 * - `CredentialsExpiringAlarm`: the lowest `SecondsUntilCredentialExpiry` of each connection over
 *   the last M minutes is below T (one contributor per connection; missing data is not its concern);
 * - `RotatorNotReportingAlarm`, the rotator-level guard: M one-minute periods in a row without any
 *   `SecondsUntilCredentialExpiry` (missing data breaching).
 *
 * Every run reports, for each connection it tried, the seconds its credentials have left (0 when
 * unknown). With I the longest gap between scheduled runs, D the function timeout and L the
 * shortest credential lifetime (all in seconds):
 *
 * 1. Not between healthy runs. A run writes its metrics between its start and D later, so two
 *    healthy runs' datapoints are at most G = I + D apart, and between them lie at most
 *    ceil(G / 60) - 1 whole minutes without data. M = ceil(G / 60) + {@link EXPIRY_ALARM_SLACK_MINUTES}
 *    (late delivery, late metric ingestion) leaves a healthy datapoint of every connection in every
 *    window of M minutes, so the guard never fires and each connection stays a contributor.
 *    A healthy run reports at least L - D (credentials minted after the run started, reported before
 *    it ends), so T <= L - D keeps it below no threshold. M is capped by CloudWatch's one-day window
 *    for one-minute periods (1440); a gap beyond it cannot be watched (and the per-connection
 *    alarms, on Metrics Insights queries, need M <= 180: {@link perConnectionAlarmsFit}).
 * 2. Before credentials run out. Let `a` be the last datapoint at or above T, reporting v >= T.
 *    If no run reports after it (a disabled schedule, a function that never runs; v about L), the
 *    guard fires by the end of a's minute plus M minutes plus {@link ALARM_EVALUATION_DELAY_SECONDS}:
 *    at most a + 60 + 60 M + 60, when those credentials have at least v - 60 M - 120 >= T - 60 M - 120
 *    seconds left. A stuck connection reports its shrinking remainder each run instead: the first
 *    report below T, at most G after `a`, fires its contributor within a minute and an evaluation,
 *    earlier still. Either way the warning is at least T - 60 M - 120, which must be
 *    {@link MIN_EXPIRY_WARNING_SECONDS} or more.
 *
 * Hence T in [60 M + 180, L - D]. A threshold of "one interval plus the timeout plus a margin of
 * a few minutes" is below 60 M + 120 and can fire after the expiry. The default is the window
 * plus one interval, 60 M + I (one more run's worth of warning, scaling with the schedule), kept
 * inside that range. When 60 M + 180 > L - D no threshold works: that is the schedule's problem.
 * test/unit/core/alarm-rules.test.ts runs these cases against the two alarms, simulated.
 */
export function expiryAlarmPlan({
  intervalSeconds,
  timeoutSeconds,
  shortestLifetimeSeconds,
  thresholdSeconds,
  durationField,
}: ExpiryAlarmInput): ExpiryAlarmPlan {
  const gapSeconds = intervalSeconds + timeoutSeconds;
  const wanted = Math.ceil(gapSeconds / 60) + EXPIRY_ALARM_SLACK_MINUTES;
  const maxPeriods = MAX_ALARM_WINDOW_SECONDS / EXPIRY_ALARM_PERIOD_SECONDS;
  const evaluationPeriods = Math.min(wanted, maxPeriods);
  const windowSeconds = evaluationPeriods * EXPIRY_ALARM_PERIOD_SECONDS;
  // The last good datapoint's own minute, CloudWatch's evaluation, then the warning.
  const lateSeconds = EXPIRY_ALARM_PERIOD_SECONDS + ALARM_EVALUATION_DELAY_SECONDS;
  const minThresholdSeconds = windowSeconds + lateSeconds + MIN_EXPIRY_WARNING_SECONDS;
  const maxThresholdSeconds = shortestLifetimeSeconds - timeoutSeconds;
  const chosen =
    thresholdSeconds ?? Math.min(maxThresholdSeconds, Math.max(minThresholdSeconds, windowSeconds + intervalSeconds));
  const plan = {
    evaluationPeriods,
    thresholdSeconds: chosen,
    minThresholdSeconds,
    maxThresholdSeconds,
    warningSeconds: chosen - windowSeconds - lateSeconds,
  };

  if (wanted > maxPeriods) {
    return {
      ...plan,
      windowProblem:
        `runs up to ${intervalSeconds} s apart plus a ${timeoutSeconds} s timeout need ${wanted} ` +
        'one-minute periods for the expiry alarms to tell a healthy schedule from a stopped one, ' +
        `more than the ${maxPeriods} (one day) CloudWatch evaluates; run more often`,
    };
  }
  if (minThresholdSeconds > maxThresholdSeconds) {
    return {
      ...plan,
      windowProblem:
        `runs up to ${intervalSeconds} s apart plus a ${timeoutSeconds} s function timeout need a ` +
        `${evaluationPeriods}-minute window for the expiry alarms to tell a healthy schedule from a stopped one, ` +
        `but a healthy run may report only ${maxThresholdSeconds} s left (the shortest credential lifetime, ` +
        `${shortestLifetimeSeconds} s (${durationField}), minus the timeout), which leaves no threshold that ` +
        `fires at least ${MIN_EXPIRY_WARNING_SECONDS} s before credentials expire (it needs ` +
        `${minThresholdSeconds} s); run more often, raise the duration, or shorten the timeout (raise concurrency)`,
    };
  }
  if (thresholdSeconds !== undefined) {
    if (!Number.isInteger(thresholdSeconds)) {
      return {
        ...plan,
        thresholdProblem:
          `${thresholdSeconds} is not a whole number of seconds; use one from ${minThresholdSeconds} ` +
          `to ${maxThresholdSeconds}`,
      };
    }
    if (thresholdSeconds < minThresholdSeconds) {
      return {
        ...plan,
        thresholdProblem:
          `${thresholdSeconds} is below ${minThresholdSeconds} s, the alarm's ${evaluationPeriods}-minute window ` +
          `plus ${lateSeconds} s (the minute of the last datapoint, and CloudWatch's evaluation) ` +
          `plus ${MIN_EXPIRY_WARNING_SECONDS} s of warning: a stuck connection's credentials could expire before ` +
          `the alarm fires; use a whole number of seconds from ${minThresholdSeconds} to ${maxThresholdSeconds}`,
      };
    }
    if (thresholdSeconds > maxThresholdSeconds) {
      return {
        ...plan,
        thresholdProblem:
          `${thresholdSeconds} is above ${maxThresholdSeconds} s, the least a healthy run reports (the shortest ` +
          `credential lifetime, ${shortestLifetimeSeconds} s (${durationField}), minus the ${timeoutSeconds} ` +
          's function timeout): the alarm would fire after healthy runs; use a whole number of seconds from ' +
          `${minThresholdSeconds} to ${maxThresholdSeconds}`,
      };
    }
  }
  return plan;
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
 * @example SELECT MAX(RotationFailed) FROM SCHEMA("AepS3CredentialRotator", connectionId, rotator, service) WHERE rotator = 'Prod-RotatorFunction' GROUP BY connectionId ORDER BY MAX() DESC LIMIT 500
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
