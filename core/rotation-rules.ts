/**
 * The synth-time safety rules, as pure functions over plain values: which STS call a target uses
 * and how long its credentials may live, Adobe's bucket-name rules, how often a schedule runs, the
 * function's memory, and the sizes derived from them (function timeout, alarm periods and the
 * credentials-expiring alarm's window and threshold).
 *
 * Both the configuration parser (`config.ts`, which names cdk.json fields) and the construct
 * (`s3-credential-rotator.ts`, which names props) call these, so a refusal reads the same either
 * way. Nothing here imports aws-cdk-lib: the operator CLI reuses it with production dependencies.
 */
import {
  ADOBE_HTTP_LIMITS,
  DURATION_LIMITS,
  TARGET_METHODS,
  targetMethodOf,
  type MintMethod,
  type TargetMethod,
} from './contract.js';
import {
  folderPathProblem,
  normalizeFolderPath,
  s3BucketNameProblem,
  sessionPolicySizeProblem,
} from './session-policy.js';

export {
  DURATION_LIMITS,
  targetMethodOf,
  folderPathProblem,
  normalizeFolderPath,
  s3BucketNameProblem,
  sessionPolicySizeProblem,
  TARGET_METHODS,
  type MintMethod,
  type TargetMethod,
};

/**
 * The warning for a target whose credentials give Adobe more than the bucket it reads, or
 * undefined: GetSessionToken credentials (they cannot carry a session policy), or a role's without
 * a bucket. `check-config` prints it, synth shows it as a CDK warning. The caller prefixes the field.
 */
export function unnarrowedWarning({
  connectionId,
  method,
  hasBucket,
}: {
  connectionId: string;
  method: MintMethod;
  hasBucket: boolean;
}): string | undefined {
  if (method === 'get-session-token') {
    return (
      `connection ${connectionId}: GetSessionToken credentials cannot be narrowed, so Adobe receives everything ` +
      'this IAM user allows; use "method": "get-federation-token" with bucketName (and folderPath): ' +
      'the same keys, narrowed to what Adobe reads'
    );
  }
  if (hasBucket) return undefined;
  return (
    `connection ${connectionId}: Adobe receives everything this role allows; add bucketName (and folderPath) ` +
    'so its credentials are narrowed to what Adobe reads'
  );
}

/**
 * Why `seconds` is not a session duration the target's STS call accepts, or undefined if it is.
 * The text starts with the value and ends with what to change; the caller prefixes the field.
 *
 * @param userKeysField how the caller names the user-credentials setting, for the advice.
 * @param createdRole the role is one the stack creates (it trusts only the function's role).
 */
export function durationProblem(
  method: MintMethod,
  seconds: number,
  {
    userKeysField = 'userCredentialsSecret',
    createdRole = false,
  }: { userKeysField?: string; createdRole?: boolean } = {},
): string | undefined {
  const { min, max } = DURATION_LIMITS[method];
  switch (method) {
    case 'assume-role-chained':
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining
      if (seconds > max) {
        return createdRole
          ? `${seconds} is above ${max}, the cap AWS sets on role chaining (AssumeRole from the function's own ` +
              "role); lower it (a role this stack creates trusts only the function's role, so its sessions are " +
              'always chained)'
          : `${seconds} is above ${max}, the cap AWS sets on role chaining (AssumeRole from the function's own ` +
              `role); lower it or give the target ${userKeysField} so AssumeRole is signed with IAM-user keys`;
      }
      break;
    case 'assume-role-user-keys':
      // https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (DurationSeconds)
      if (seconds > max) {
        return (
          `${seconds} is above ${max}, the most AssumeRole signed with IAM-user keys allows (12 h, ` +
          "and no more than the role's MaxSessionDuration); lower it"
        );
      }
      break;
    case 'get-session-token':
      // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html (DurationSeconds)
      if (seconds < min || seconds > max) {
        return `${seconds} is outside ${min} to ${max}, the range GetSessionToken accepts; choose a value in it`;
      }
      return undefined;
    case 'get-federation-token':
      // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html (DurationSeconds)
      if (seconds < min || seconds > max) {
        return (
          `${seconds} is outside ${min} to ${max}, the range GetFederationToken accepts with IAM-user keys; ` +
          'choose a value in it'
        );
      }
      return undefined;
  }
  if (seconds < min) return `${seconds} is below ${min}, the shortest session AssumeRole grants; raise it`;
  return undefined;
}

/**
 * Why `name` breaks Adobe's S3 bucket-name rules, or undefined: 3 to 63 characters, lower-case
 * letters, digits and hyphens, starting and ending with a letter or digit, not shaped like an IP
 * address (Experience League, "Connect Amazon S3 ... using the Flow Service API", `bucketName`).
 */
export function bucketNameProblem(name: string): string | undefined {
  const rules =
    'Adobe requires 3 to 63 lower-case letters, digits and hyphens, starting and ending with a letter or digit';
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(name))
    return `"${name}" is shaped like an IP address, which Adobe does not accept as a bucket name`;
  if (name.length < 3 || name.length > 63) return `"${name}" has ${name.length} characters; ${rules}`;
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(name)) return `"${name}" is not a valid bucket name; ${rules}`;
  return undefined;
}

/** How often a schedule fires, or why that cannot be told. */
export type ScheduleInterval =
  | { readonly seconds: number; readonly problem?: undefined }
  | { readonly seconds?: undefined; readonly problem: string };

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86_400 };

/**
 * The longest gap between two runs of an EventBridge Scheduler expression.
 *
 * `rate(...)` is exact. `cron(...)` is understood when it repeats every day (day-of-month, month,
 * day-of-week and year are `*` or `?`): the gap is the largest one between the minutes of the day
 * it selects, wrapping past midnight. Anything else (a one-time `at(...)`, a cron that skips
 * days) is refused, because the safety check cannot be made.
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */
export function scheduleInterval(expression: string): ScheduleInterval {
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!;
    const singular = !unit.endsWith('s');
    if (value === 0)
      return { problem: `"${expression}" never repeats; use a positive rate such as "rate(15 minutes)"` };
    if (singular !== (value === 1)) {
      return {
        problem:
          `"${expression}" is not a valid rate: use the singular unit for 1 and the plural otherwise (e.g. ` +
          '"rate(1 hour)", "rate(15 minutes)")',
      };
    }
    return { seconds: value * UNIT_SECONDS[unit.replace(/s$/, '')]! };
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) {
    return {
      problem:
        `"${expression}" is not a repeating schedule; use "rate(<n> minutes|hours|days)" or "cron(<min> <hour> * * ` +
        '? *)"',
    };
  }
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6)
    return { problem: `"${expression}" must have 6 fields (minutes hours day-of-month month day-of-week year)` };
  const [minuteField, hourField, dayOfMonth, month, dayOfWeek, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const everyDay = ['*', '?'].includes(dayOfMonth) && month === '*' && ['*', '?'].includes(dayOfWeek) && year === '*';
  if (!everyDay) {
    return {
      problem:
        `"${expression}" does not run every day, so the gap between runs cannot be checked; ` +
        'use "rate(...)" or a cron whose day-of-month, month, day-of-week and year are * or ?',
    };
  }
  const minutes = cronFieldValues(minuteField, 0, 59);
  const hours = cronFieldValues(hourField, 0, 23);
  if (!minutes || !hours) {
    return {
      problem:
        `"${expression}" has a minutes or hours field this check does not understand; use numbers, ranges (a-b), ` +
        'steps (*/n, a/n) and lists',
    };
  }
  const times = hours.flatMap((hour) => minutes.map((minute) => hour * 60 + minute)).sort((a, b) => a - b);
  let gap = times[0]! + 1440 - times[times.length - 1]!;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return { seconds: gap * 60 };
}

/** Values selected by one cron field (`*`, `n`, `a-b`, `*\/s`, `a/s`, `a-b/s`, comma lists), or undefined. */
function cronFieldValues(field: string, min: number, max: number): number[] | undefined {
  const values = new Set<number>();
  for (const item of field.split(',')) {
    const match = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(item);
    if (!match) return undefined;
    const [, start, end, step] = match;
    const from = start === '*' ? min : Number(start);
    // `a/s` runs from a to the end of the range; a bare `a` is just a.
    const to = end !== undefined ? Number(end) : start === '*' || step !== undefined ? max : from;
    const by = step === undefined ? 1 : Number(step);
    if (from < min || to > max || from > to || by < 1 || (start === '*' && end !== undefined)) return undefined;
    for (let value = from; value <= to; value += by) values.add(value);
  }
  return [...values];
}

/**
 * Why the schedule leaves no room for a failed run, or undefined. A run must be able to fail,
 * be retried, and still be followed by a successful run before the credentials it wrote last
 * expire: the interval may be at most half the shortest credential lifetime.
 */
export function rotationWindowProblem(
  expression: string,
  intervalSeconds: number,
  shortestDurationSeconds: number,
  durationField: string,
  /**
   * A schedule known to pass every rule for these targets (core/schedule-rules.ts finds one); else none is suggested.
   */
  suggested?: string,
): string | undefined {
  const limit = Math.floor(shortestDurationSeconds / 2);
  if (intervalSeconds <= limit) return undefined;
  const suggestion = suggested ? ` (e.g. "${suggested}")` : '';
  return (
    `"${expression}" leaves up to ${intervalSeconds} s between runs, more than half the shortest credential ` +
    `lifetime (${shortestDurationSeconds} s, ${durationField}), so a failed run and its retries would not fit ` +
    `before the credentials expire; run at least every ${limit} s${suggestion} or raise the duration`
  );
}

/**
 * The function's default memory, in MB: one full vCPU. Lambda gives a function CPU in proportion
 * to its memory (one vCPU at 1,769 MB), and a rotation is CPU-bound below that: at 256 MB a run of
 * 100 connections took 5 to 7 times its network round-trip floor, against 1.1 to 1.3 times at 1,769 MB
 * (BENCHMARKS.md, "Lambda's CPU share"). The cost is about the same, because Lambda bills
 * GB-seconds and a CPU-bound run at less memory simply lasts longer.
 */
export const DEFAULT_MEMORY_MB = 1769;
/** The least memory Lambda allows a function, in MB. */
export const MIN_MEMORY_MB = 128;
/** The most memory Lambda allows a function, in MB. */
export const MAX_MEMORY_MB = 10_240;

/**
 * Why `memoryMb` is not a memory size Lambda accepts (whole MB from 128 to 10240), or undefined.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
 */
export function memoryProblem(memoryMb: number): string | undefined {
  if (Number.isInteger(memoryMb) && memoryMb >= MIN_MEMORY_MB && memoryMb <= MAX_MEMORY_MB) return undefined;
  return (
    `${memoryMb} is not a whole number of MB from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB}, the range Lambda accepts; ` +
    'choose a value in it'
  );
}

/** Lambda's hard limit on a function's timeout. */
export const MAX_FUNCTION_TIMEOUT_SECONDS = 900;
/** Cold start, reading the Adobe secret and getting an IMS token, with retries. */
export const FIXED_SECONDS = 30;
/**
 * One connection, worst case within reason: STS mint and GetCallerIdentity, then Flow Service GET
 * and PATCH with 10 s attempts and backoff (`lambda/http-policy.ts`), and one 412 re-read.
 */
export const PER_BATCH_SECONDS = 45;
/**
 * One request that fails slowly: each of got's 1 + 3 attempts runs to its 10 s timeout, and before
 * each of the 3 retries Adobe asks (`Retry-After`) for the longest wait the function honours,
 * 30 s (a longer one fails the attempt at once): 4 x 10 + 3 x 30 = 130 s (ADOBE_HTTP_LIMITS).
 */
export const SLOW_REQUEST_SECONDS =
  ((ADOBE_HTTP_LIMITS.retryLimit + 1) * ADOBE_HTTP_LIMITS.timeoutMs +
    ADOBE_HTTP_LIMITS.retryLimit * ADOBE_HTTP_LIMITS.maxRetryAfterMs) /
  1000;
/**
 * What the run keeps back at its end: every request still running is stopped 3 s before the timeout
 * (`lambda/deadline.ts`).
 */
export const STOP_MARGIN_SECONDS = 3;
/**
 * Room for one connection's worst case on top of the batches: its slow request in the first
 * attempt, then its one more attempt at the end of the run (the usual path and, again, a slow
 * request), before the stop margin.
 */
export const RETRY_ALLOWANCE_SECONDS =
  SLOW_REQUEST_SECONDS + PER_BATCH_SECONDS + SLOW_REQUEST_SECONDS + STOP_MARGIN_SECONDS;

/** A function timeout, or why no timeout Lambda allows is enough. */
export type FunctionTimeout =
  | {
      /** min(900, minimum + the retry allowance): room for one slow connection's one more attempt. */
      readonly seconds: number;
      /** 30 s + 45 s per batch: every connection's usual worst case, without that room. */
      readonly minimumSeconds: number;
      readonly problem?: undefined;
    }
  | { readonly seconds?: undefined; readonly minimumSeconds?: undefined; readonly problem: string };

/**
 * The function timeout for `targetCount` connections rotated `concurrency` at a time:
 * D = min(900, 30 + 45 x ceil(N / C) + 130 + (45 + 130) + 3), that is the fixed start, one usual
 * worst case per batch, and one connection's slow request followed by its one more attempt (the
 * usual path and another slow request) before the stop margin. Refused only when even
 * 30 + 45 x ceil(N / C) exceeds Lambda's 900 s, as before the allowance existed.
 * `fittingTimeoutSeconds` (core/alarm-rules.ts) lowers it where the expiry alarms need it.
 */
export function functionTimeout(targetCount: number, concurrency: number): FunctionTimeout {
  const batches = Math.ceil(targetCount / concurrency);
  const minimumSeconds = FIXED_SECONDS + batches * PER_BATCH_SECONDS;
  if (minimumSeconds <= MAX_FUNCTION_TIMEOUT_SECONDS) {
    return {
      seconds: Math.min(MAX_FUNCTION_TIMEOUT_SECONDS, minimumSeconds + RETRY_ALLOWANCE_SECONDS),
      minimumSeconds,
    };
  }
  return {
    problem:
      `${targetCount} targets at concurrency ${concurrency} need an estimated ${minimumSeconds} ` +
      `s (${FIXED_SECONDS} s + ${PER_BATCH_SECONDS} s per batch of ${concurrency}), more than Lambda's ` +
      `${MAX_FUNCTION_TIMEOUT_SECONDS} s limit; raise concurrency (up to 64) or split the targets across stacks`,
  };
}
