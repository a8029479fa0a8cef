/**
 * The rules about a schedule and what it implies, applied once for both deployment doors (cdk.json,
 * lib/config/config.ts; the construct's props, lib/rotator/validate-props.ts): the schedule must
 * repeat and run at least twice per shortest credential lifetime, the targets must fit Lambda's
 * timeout, and the credentials-expiring alarm must be able to warn in time
 * (core/rotation-rules.ts and core/alarm-rules.ts hold the computations). Each door describes
 * its values as a {@link ScheduleView} (a CDK token left out) and names two fields its own way.
 */
import { DEFAULT_DURATION_SECONDS } from './contract.js';
import { expiryAlarmPlan, fittingTimeoutSeconds, type ExpiryAlarmPlan } from './alarm-rules.js';
import { functionTimeout, MAX_FUNCTION_TIMEOUT_SECONDS, rotationWindowProblem, scheduleInterval } from './rotation-rules.js';

/** A value a door cannot read yet (a CDK token). */
export const UNRESOLVED = 'unresolved';

/** What the schedule rules see. */
export interface ScheduleView {
  /** The schedule expression; undefined while it is a token. */
  readonly schedule?: string;
  /** Each target's credential lifetime in seconds, by position; undefined where unknown (a token). */
  readonly lifetimes: readonly (number | undefined)[];
  /** How many connections a run rotates at a time; undefined while a token. */
  readonly concurrency?: number;
  /** The function timeout the app gave, in seconds; undefined: sized from the targets. */
  readonly timeoutSeconds?: number | typeof UNRESOLVED;
  /** The expiry alarm threshold the app gave, in seconds; undefined: the default. */
  readonly thresholdSeconds?: number | typeof UNRESOLVED;
}

/** How a door names the lifetime and the threshold. */
export interface ScheduleNames {
  readonly duration: 'durationSeconds' | 'duration';
  readonly threshold: 'expiryAlarmThresholdSeconds' | 'expiryAlarmThreshold';
}

/** The two deployment doors' names. */
export const SCHEDULE_DOORS = {
  config: { duration: 'durationSeconds', threshold: 'expiryAlarmThresholdSeconds' },
  props: { duration: 'duration', threshold: 'expiryAlarmThreshold' },
} as const satisfies Record<string, ScheduleNames>;

/** What the schedule rules found, and the sizes the stack is built with. */
export interface ScheduleVerdict {
  /** `<field>: <message>` for each rule broken. */
  readonly problems: readonly string[];
  /** The longest gap between runs; undefined while the schedule is a token or refused. */
  readonly intervalSeconds?: number;
  /** The function timeout sized for the targets (Lambda's 900 s when it cannot be sized). */
  readonly timeoutSeconds: number;
  /**
   * `CredentialsExpiringAlarm`, sized (see `expiryAlarmPlan`). While the schedule, a lifetime, the
   * timeout or the threshold is a token, it is sized from safe stand-ins: one-hour credentials, a
   * run every half lifetime, Lambda's longest timeout.
   */
  readonly expiryAlarm: ExpiryAlarmPlan & { readonly fallbackIntervalSeconds: number };
}

/** Apply the schedule rules to `view`, naming fields as `names` says. */
export function scheduleVerdict(view: ScheduleView, names: ScheduleNames): ScheduleVerdict {
  const problems: string[] = [];
  // The shortest lifetime decides how often the schedule must run.
  let shortest: { index: number; seconds: number } | undefined;
  view.lifetimes.forEach((seconds, index) => {
    if (seconds !== undefined && (!shortest || seconds < shortest.seconds)) shortest = { index, seconds };
  });
  const durationField = `targets[${shortest?.index ?? 0}].${names.duration}`;

  let intervalSeconds: number | undefined;
  if (view.schedule !== undefined) {
    const interval = scheduleInterval(view.schedule);
    if (interval.problem !== undefined) problems.push(`schedule: ${interval.problem}`);
    intervalSeconds = interval.seconds;
    const windowProblem = intervalSeconds !== undefined && shortest && rotationWindowProblem(view.schedule, intervalSeconds, shortest.seconds, durationField);
    if (windowProblem) problems.push(`schedule: ${windowProblem}`);
  }

  const threshold = view.thresholdSeconds === UNRESOLVED ? undefined : view.thresholdSeconds;
  let timeoutSeconds = MAX_FUNCTION_TIMEOUT_SECONDS;
  if (view.timeoutSeconds === undefined && view.concurrency !== undefined && view.concurrency >= 1) {
    const timeout = functionTimeout(view.lifetimes.length, view.concurrency);
    if (timeout.problem !== undefined) problems.push(`targets: ${timeout.problem}`);
    // Room for one slow connection's one more attempt, as far as the expiry alarms allow.
    timeoutSeconds =
      fittingTimeoutSeconds({
        targetCount: view.lifetimes.length,
        concurrency: view.concurrency,
        intervalSeconds,
        shortestLifetimeSeconds: shortest?.seconds,
        thresholdSeconds: threshold,
      }) ?? timeoutSeconds;
  }
  // The function's actual timeout (undefined while a token).
  const actualTimeout = view.timeoutSeconds === undefined ? timeoutSeconds : view.timeoutSeconds === UNRESOLVED ? undefined : view.timeoutSeconds;

  const lifetime = shortest?.seconds ?? DEFAULT_DURATION_SECONDS;
  const fallbackIntervalSeconds = Math.floor(lifetime / 2);
  const plan = expiryAlarmPlan({
    intervalSeconds: intervalSeconds ?? fallbackIntervalSeconds,
    timeoutSeconds: actualTimeout ?? MAX_FUNCTION_TIMEOUT_SECONDS,
    shortestLifetimeSeconds: lifetime,
    thresholdSeconds: threshold,
    durationField,
  });
  // A schedule already refused for the lifetime would only be refused again here.
  const checkable = intervalSeconds !== undefined && shortest !== undefined && actualTimeout !== undefined;
  if (checkable && !problems.some((problem) => problem.startsWith('schedule:'))) {
    if (plan.windowProblem) problems.push(`schedule: "${view.schedule}" ${plan.windowProblem}`);
    else if (plan.thresholdProblem && threshold !== undefined) problems.push(`${names.threshold}: ${plan.thresholdProblem}`);
  }
  return { problems, intervalSeconds, timeoutSeconds, expiryAlarm: { ...plan, fallbackIntervalSeconds } };
}
