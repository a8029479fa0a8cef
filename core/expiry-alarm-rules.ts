/**
 * How the expiry alarms are sized ({@link expiryAlarmPlan}): `CredentialsExpiringAlarm` and the
 * rotator-level guard `RotatorNotReportingAlarm` share one window and one threshold, which must
 * fire before Adobe holds expired credentials and never between healthy runs. A pure function over
 * plain values; core/alarm-rules.ts, which sizes the other alarms from it, re-exports it.
 */

/**
 * CloudWatch evaluates at most one day of data per alarm whose period is under an hour (period x evaluation periods).
 */
export const MAX_ALARM_WINDOW_SECONDS = 86_400;

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
 * test/unit/core/expiry-alarm-rules.test.ts runs these cases against the two alarms, simulated.
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
