/**
 * The construct's own checks of its props. The rules are shared (core/contract.ts,
 * core/rotation-rules.ts, core/session-policy.ts); what is here is applying them to props, which
 * may hold CDK tokens: a value that is still a token is skipped, never guessed.
 */
import { Annotations, Duration, Token } from 'aws-cdk-lib';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { checkServiceUrl, DEFAULT_DURATION_SECONDS, MAX_CONCURRENCY, MIN_CONCURRENCY, TARGET_FIELD_FORMATS, type MintMethod } from '../../core/contract.js';
import {
  functionTimeout,
  MAX_FUNCTION_TIMEOUT_SECONDS,
  memoryProblem,
  rotationWindowProblem,
  scheduleInterval,
  unnarrowedWarning,
} from '../../core/rotation-rules.js';
import { formatMessage } from '../../core/rules.js';
import { describeTargetProblem, mintMethodOfView, TARGET_DOORS, targetListProblems, type TargetView } from '../../core/target-rules.js';
import { expiryAlarmPlan, type ExpiryAlarmPlan } from '../../core/alarm-rules.js';
import { guardrailProblems } from './guardrails.js';
import { S3CredentialRotatorValidationError, type RotationTargetProps, type S3CredentialRotatorProps } from './props.js';

/** A target as validated: its STS call and duration in seconds (undefined while a token). */
export interface CheckedTarget {
  /** Its position in `props.targets`, for messages. */
  readonly index: number;
  readonly props: RotationTargetProps;
  readonly method: MintMethod;
  readonly durationSeconds: number | undefined;
}

/** What validation learned, for building the stack. */
export interface ValidatedProps {
  readonly targets: CheckedTarget[];
  /** The longest gap between runs (undefined while the schedule is a token). */
  readonly intervalSeconds: number | undefined;
  /** The timeout sized for the targets (Lambda's 900 s when it cannot be sized). */
  readonly timeoutSeconds: number;
  readonly expiryAlarm: ExpiryAlarmPlan & { readonly fallbackIntervalSeconds: number };
}

/**
 * Check everything props can get wrong, before any resource exists: an impossible configuration
 * fails synth here, listing every problem with its prop path. Values that are still tokens are
 * skipped; the rules themselves are the contract's and core/rotation-rules.ts's.
 */
export function validateProps(scope: Construct, props: S3CredentialRotatorProps, schedule: scheduler.ScheduleExpression, concurrency: number): ValidatedProps {
  const problems: string[] = [];
  if (props.targets.length === 0) problems.push('targets: must list at least one target');
  if (!Token.isUnresolved(concurrency) && (!Number.isInteger(concurrency) || concurrency < MIN_CONCURRENCY || concurrency > MAX_CONCURRENCY)) {
    problems.push(`concurrency: ${concurrency} is not a whole number from ${MIN_CONCURRENCY} to ${MAX_CONCURRENCY}`);
  }
  const memory = props.memorySize === undefined || Token.isUnresolved(props.memorySize) ? undefined : memoryProblem(props.memorySize);
  if (memory) problems.push(`memorySize: ${memory}`);
  if (
    props.functionRoleName !== undefined &&
    !Token.isUnresolved(props.functionRoleName) &&
    !TARGET_FIELD_FORMATS.roleName.pattern.test(props.functionRoleName)
  ) {
    problems.push(`functionRoleName: ${formatMessage(TARGET_FIELD_FORMATS.roleName, props.functionRoleName)}`);
  }
  const runbookProblem = props.runbookUrl === undefined || Token.isUnresolved(props.runbookUrl) ? undefined : runbookUrlProblem(props.runbookUrl);
  if (runbookProblem) problems.push(`runbookUrl: ${runbookProblem}`);
  for (const [field, value] of [
    ['flowServiceUrl', props.flowServiceUrl],
    ['imsUrl', props.imsUrl],
  ] as const) {
    // The function's own rule: https, or plain http to a loopback emulator.
    const problem = value === undefined || Token.isUnresolved(value) ? undefined : checkServiceUrl(field, value);
    if (problem) problems.push(problem);
  }
  problems.push(...guardrailProblems(scope, props));

  // The target rules (core/target-rules.ts), every door's; a value that is still a token is skipped.
  const views = props.targets.map(viewOf);
  const isUnresolved = (value: string) => Token.isUnresolved(value);
  problems.push(...targetListProblems(views, { names: TARGET_DOORS.props, isUnresolved, list: 'targets' }).map(describeTargetProblem));
  const targets: CheckedTarget[] = props.targets.flatMap((target, index) => {
    const method = mintMethodOfView(views[index]!);
    return method ? [{ index, props: target, method, durationSeconds: views[index]!.durationSeconds }] : [];
  });

  // The shortest lifetime decides how often the schedule must run.
  let shortest: { index: number; seconds: number } | undefined;
  targets.forEach(({ durationSeconds, index }) => {
    if (durationSeconds !== undefined && (!shortest || durationSeconds < shortest.seconds)) shortest = { index, seconds: durationSeconds };
  });
  let intervalSeconds: number | undefined;
  if (!Token.isUnresolved(schedule.expressionString)) {
    const interval = scheduleInterval(schedule.expressionString);
    if (interval.problem !== undefined) problems.push(`schedule: ${interval.problem}`);
    intervalSeconds = interval.seconds;
    if (intervalSeconds !== undefined && shortest) {
      const problem = rotationWindowProblem(schedule.expressionString, intervalSeconds, shortest.seconds, `targets[${shortest.index}].duration`);
      if (problem) problems.push(`schedule: ${problem}`);
    }
  }

  let timeoutSeconds = MAX_FUNCTION_TIMEOUT_SECONDS;
  if (props.timeout === undefined && !Token.isUnresolved(concurrency) && concurrency >= 1) {
    const timeout = functionTimeout(props.targets.length, concurrency);
    if (timeout.problem !== undefined) problems.push(`targets: ${timeout.problem}`);
    else timeoutSeconds = timeout.seconds;
  }
  // The function's actual timeout (undefined while a token).
  const givenTimeout = props.timeout?.toSeconds();
  const actualTimeout = givenTimeout === undefined ? timeoutSeconds : Token.isUnresolved(givenTimeout) ? undefined : givenTimeout;

  const expiryAlarm = planExpiryAlarm(props, schedule, intervalSeconds, shortest, actualTimeout, problems);

  if (problems.length > 0) throw new S3CredentialRotatorValidationError(problems, scope.node.path);
  return { targets, intervalSeconds, timeoutSeconds, expiryAlarm };
}

/** A target's props as the target rules see them: its lifetime in seconds (undefined while a token), the default applied. */
function viewOf(target: RotationTargetProps): TargetView {
  const seconds = (target.duration ?? Duration.seconds(DEFAULT_DURATION_SECONDS)).toSeconds();
  return {
    connectionId: target.connectionId,
    sandboxName: target.sandboxName,
    method: target.method,
    roleArn: target.roleArn,
    createRole: target.createRole,
    externalId: target.externalId,
    hasUserKeys: target.userCredentialsSecret !== undefined,
    bucketName: target.bucketName,
    folderPath: target.folderPath,
    durationSeconds: Token.isUnresolved(seconds) ? undefined : seconds,
  };
}

/**
 * Size `CredentialsExpiringAlarm` (see `expiryAlarmPlan`) and add its problems. While the
 * schedule, a lifetime, the timeout or the threshold is a token, the alarm is sized from safe
 * stand-ins (one-hour credentials, a run every half lifetime, Lambda's longest timeout) and
 * nothing is refused.
 */
function planExpiryAlarm(
  props: S3CredentialRotatorProps,
  schedule: scheduler.ScheduleExpression,
  intervalSeconds: number | undefined,
  shortest: { index: number; seconds: number } | undefined,
  timeoutSeconds: number | undefined,
  problems: string[],
): ExpiryAlarmPlan & { readonly fallbackIntervalSeconds: number } {
  const threshold = props.expiryAlarmThreshold?.toSeconds();
  const known = threshold === undefined || !Token.isUnresolved(threshold);
  const lifetime = shortest?.seconds ?? DEFAULT_DURATION_SECONDS;
  const fallbackIntervalSeconds = Math.floor(lifetime / 2);
  const plan = expiryAlarmPlan({
    intervalSeconds: intervalSeconds ?? fallbackIntervalSeconds,
    timeoutSeconds: timeoutSeconds ?? MAX_FUNCTION_TIMEOUT_SECONDS,
    shortestLifetimeSeconds: lifetime,
    thresholdSeconds: known ? threshold : undefined,
    durationField: `targets[${shortest?.index ?? 0}].duration`,
  });
  const checkable = intervalSeconds !== undefined && shortest !== undefined && timeoutSeconds !== undefined;
  // A schedule already refused for the lifetime would only be refused again here.
  const scheduleRefused = problems.some((problem) => problem.startsWith('schedule:'));
  if (checkable && !scheduleRefused) {
    if (plan.windowProblem) problems.push(`schedule: "${schedule.expressionString}" ${plan.windowProblem}`);
    else if (plan.thresholdProblem && known && threshold !== undefined) problems.push(`expiryAlarmThreshold: ${plan.thresholdProblem}`);
  }
  return { ...plan, fallbackIntervalSeconds };
}

/**
 * A CDK warning (shown by `cdk synth`, acknowledgeable by its id) for each target whose
 * credentials give Adobe more than its bucket: GetSessionToken, or a role without `bucketName`.
 */
export function warnAboutUnnarrowedTargets(scope: Construct, targets: readonly CheckedTarget[]): void {
  for (const { index, props: target, method } of targets) {
    const warning = unnarrowedWarning({
      connectionId: target.connectionId,
      method,
      hasBucket: Boolean(target.bucketName || target.createRole),
    });
    // Acknowledged by connection id, which stays with the target when the list changes order.
    const id = Token.isUnresolved(target.connectionId) ? `target-${index}` : target.connectionId.toLowerCase();
    if (warning) Annotations.of(scope).addWarningV2(`aep-s3-rotator:unnarrowed-credentials:${id}`, `targets[${index}]: ${warning}`);
  }
}

/**
 * Why `url` cannot end an alarm description as `Runbook: <url>#<anchor>`, or undefined. CloudWatch
 * allows 1024 characters per description; the longest meaning here takes about 450.
 */
function runbookUrlProblem(url: string): string | undefined {
  if (url.length === 0 || url.length > 400 || /[\s#]/.test(url)) {
    return `"${url}" must be 1 to 400 characters without spaces or "#" (each alarm appends "#<its id>"), e.g. "https://github.com/acme/aep-rotator/blob/main/docs/RUNBOOK.md"`;
  }
  return undefined;
}
