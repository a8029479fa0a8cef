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
import {
  functionTimeout,
  MAX_FUNCTION_TIMEOUT_SECONDS,
  rotationWindowProblem,
  scheduleInterval,
} from './rotation-rules.js';

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

/**
 * Credentials that outlive this many schedule intervals draw a warning: each run mints a new set,
 * but the set it replaces stays valid until it expires (a rotation revokes nothing), so a set that
 * leaked is usable for its whole lifetime.
 */
export const MAX_LIFETIME_INTERVALS = 4;

/** A warning about one target: its index, the line (the same in every door) and the id synth's warning carries. */
export interface ScheduleWarning {
  readonly index: number;
  /**
   * `aep-s3-rotator:<id>:<connection id>` in synth's warning. `no-retry-room`: the target whose credentials are the
   * shortest, for which the expiry alarms took the timeout's room for one more attempt.
   */
  readonly id: 'long-lived-credentials' | 'no-retry-room';
  /** `targets[<i>]: <message>`. */
  readonly line: string;
}

/**
 * Why `lifetimeSeconds` is longer than the schedule needs, or undefined: more than {@link MAX_LIFETIME_INTERVALS}
 * intervals.
 */
export function lifetimeWarning(
  lifetimeSeconds: number,
  intervalSeconds: number,
  schedule: string,
): string | undefined {
  const most = MAX_LIFETIME_INTERVALS * intervalSeconds;
  if (lifetimeSeconds <= most) return undefined;
  // STS mints nothing shorter than 900 s: a schedule more frequent than every 225 s cannot be matched.
  const fix =
    most >= 900
      ? `lower their lifetime to ${most} s or less`
      : 'run the schedule less often (STS mints nothing shorter than 900 s)';
  return (
    `its credentials live ${lifetimeSeconds} s, more than ${MAX_LIFETIME_INTERVALS} schedule intervals (${most} ` +
    `s with "${schedule}"): a set of them that leaked stays valid that long, and the next rotation does not ` +
    `revoke it; ${fix}`
  );
}

/**
 * Why a run may leave a slow connection for the next run: the function's timeout is `fitted` s, not the `full` s
 * that leave room for one slow connection's one more attempt, because the expiry alarms for credentials of
 * `lifetimeSeconds` need the shorter one (docs/DEPLOY.md, "The function's timeout").
 */
export function noRetryRoomWarning(full: number, fitted: number, lifetimeSeconds: number): string {
  return (
    `the function's timeout is ${fitted} s, not the ${full} s that leave room for a slow connection's one more ` +
    `attempt: the expiry alarms for credentials of ${lifetimeSeconds} s need the shorter one, so a connection ` +
    'slowed by retries may wait for the next run; longer-lived credentials give the room back'
  );
}

/** What the schedule rules found, and the sizes the stack is built with. */
export interface ScheduleVerdict {
  /** `<field>: <message>` for each rule broken. */
  readonly problems: readonly string[];
  /**
   * Targets whose credentials outlive {@link MAX_LIFETIME_INTERVALS} intervals: configurations that deploy, warned
   * about.
   */
  readonly warnings: readonly ScheduleWarning[];
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

/** `rate(1 minute)`, `rate(5 minutes)`: a rate as the Scheduler takes it. */
const rateOf = (minutes: number) => `rate(${minutes} minute${minutes === 1 ? '' : 's'})`;

/**
 * The least frequent `rate(<n> minutes)` that passes every schedule rule for `view`'s targets
 * (the window, the timeout, the expiry alarm), or undefined when none does: what a refusal
 * suggests, so that following it never meets the next rule.
 */
export function workingSchedule(view: ScheduleView, names: ScheduleNames): string | undefined {
  const shortest = Math.min(...view.lifetimes.map((seconds) => seconds ?? Number.POSITIVE_INFINITY));
  const most = Number.isFinite(shortest) ? Math.floor(shortest / 2 / 60) : 60;
  for (let minutes = Math.min(most, 1440); minutes >= 1; minutes -= 1) {
    if (
      check({ ...view, schedule: rateOf(minutes) }, names, false).problems.every(
        (problem) => !problem.startsWith('schedule:'),
      )
    )
      return rateOf(minutes);
  }
  return undefined;
}

/** Apply the schedule rules to `view`, naming fields as `names` says. */
export function scheduleVerdict(view: ScheduleView, names: ScheduleNames): ScheduleVerdict {
  return check(view, names, true);
}

function check(view: ScheduleView, names: ScheduleNames, suggest: boolean): ScheduleVerdict {
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
    const windowProblem =
      intervalSeconds !== undefined &&
      shortest &&
      rotationWindowProblem(view.schedule, intervalSeconds, shortest.seconds, durationField);
    if (windowProblem) {
      const suggested = suggest ? workingSchedule(view, names) : undefined;
      problems.push(
        'schedule: ' +
          `${rotationWindowProblem(view.schedule, intervalSeconds!, shortest!.seconds, durationField, suggested)}`,
      );
    }
  }

  const threshold = view.thresholdSeconds === UNRESOLVED ? undefined : view.thresholdSeconds;
  let timeoutSeconds = MAX_FUNCTION_TIMEOUT_SECONDS;
  let roomGivenUp: { readonly full: number; readonly fitted: number } | undefined;
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
    if (timeout.seconds !== undefined && timeoutSeconds < timeout.seconds)
      roomGivenUp = { full: timeout.seconds, fitted: timeoutSeconds };
  }
  // The function's actual timeout (undefined while a token).
  const actualTimeout =
    view.timeoutSeconds === undefined
      ? timeoutSeconds
      : view.timeoutSeconds === UNRESOLVED
        ? undefined
        : view.timeoutSeconds;

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
    if (plan.windowProblem) {
      const suggested = suggest ? workingSchedule(view, names) : undefined;
      const example = suggested ? ` (e.g. "${suggested}", which every rule accepts for these targets)` : '';
      problems.push(`schedule: "${view.schedule}" ${plan.windowProblem}${example}`);
    } else if (plan.thresholdProblem && threshold !== undefined)
      problems.push(`${names.threshold}: ${plan.thresholdProblem}`);
  }
  const warnings: ScheduleWarning[] = [];
  if (intervalSeconds !== undefined && view.schedule !== undefined) {
    view.lifetimes.forEach((seconds, index) => {
      const warning = seconds === undefined ? undefined : lifetimeWarning(seconds, intervalSeconds, view.schedule!);
      // No field in the path: the same line whichever door (durationSeconds, duration) the lifetime came through.
      if (warning) warnings.push({ index, id: 'long-lived-credentials', line: `targets[${index}]: ${warning}` });
    });
  }
  if (roomGivenUp && shortest && !problems.some((problem) => problem.startsWith('schedule:'))) {
    warnings.push({
      index: shortest.index,
      id: 'no-retry-room',
      line: `targets[${shortest.index}]: ${noRetryRoomWarning(roomGivenUp.full, roomGivenUp.fitted, shortest.seconds)}`,
    });
  }
  return { problems, warnings, intervalSeconds, timeoutSeconds, expiryAlarm: { ...plan, fallbackIntervalSeconds } };
}
