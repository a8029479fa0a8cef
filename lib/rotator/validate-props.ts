/**
 * The construct's own checks of its props. The rules are shared (core/contract.ts,
 * core/rotation-rules.ts, core/session-policy.ts); what is here is applying them to props, which
 * may hold CDK tokens: a value that is still a token is skipped, never guessed.
 */
import { Annotations, Duration, Token } from 'aws-cdk-lib';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { checkServiceUrl, DEFAULT_DURATION_SECONDS, EXTERNAL_ID, MAX_CONCURRENCY, MIN_CONCURRENCY, ROLE_ARN, type MintMethod } from '../../core/contract.js';
import { partitionOf } from '../../core/session-policy.js';
import {
  bucketNameProblem,
  CONNECTION_ID,
  durationProblem,
  folderPathProblem,
  functionTimeout,
  MAX_FUNCTION_TIMEOUT_SECONDS,
  memoryProblem,
  mintMethodOf,
  narrowingProblems,
  normalizeFolderPath,
  rotationWindowProblem,
  s3BucketNameProblem,
  SANDBOX_NAME,
  scheduleInterval,
  sessionPolicySizeProblem,
  unnarrowedWarning,
} from '../../core/rotation-rules.js';
import { expiryAlarmPlan, fittingTimeoutSeconds, type ExpiryAlarmPlan } from '../../core/alarm-rules.js';
import { adobeSecretRotationProblems } from './adobe-secret-rotation-props.js';
import { guardrailProblems } from './guardrails.js';
import { S3CredentialRotatorValidationError, type RotationTargetProps, type S3CredentialRotatorProps } from './props.js';

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName). */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

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
  if (props.functionRoleName !== undefined && !Token.isUnresolved(props.functionRoleName) && !ROLE_NAME.test(props.functionRoleName)) {
    problems.push(`functionRoleName: "${props.functionRoleName}" is not an IAM role name: 1 to 64 letters, digits and +=,.@_-`);
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
  problems.push(...adobeSecretRotationProblems(props.adobeSecretRotation));

  const targets: CheckedTarget[] = [];
  const seen = new Map<string, number>();
  props.targets.forEach((target, index) => {
    const at = `targets[${index}]`;
    const { connectionId, sandboxName } = target;
    if (!Token.isUnresolved(connectionId)) {
      if (!CONNECTION_ID.test(connectionId)) problems.push(`${at}.connectionId: "${connectionId}" is not a Flow Service connection id (a uuid)`);
      const key = connectionId.toLowerCase();
      if (seen.has(key)) problems.push(`${at}.connectionId: duplicates targets[${seen.get(key)}] (${connectionId}); each connection needs exactly one target`);
      else seen.set(key, index);
    }
    if (!Token.isUnresolved(sandboxName) && !SANDBOX_NAME.test(sandboxName)) {
      problems.push(`${at}.sandboxName: "${sandboxName}" is not a sandbox name (lower-case letters, digits and hyphens)`);
    }
    if (target.roleArn && target.createRole) problems.push(`${at}: has both roleArn and createRole; give one`);
    // The function refuses its whole configuration over one malformed value: refuse it here instead.
    if (target.roleArn && !Token.isUnresolved(target.roleArn) && !ROLE_ARN.test(target.roleArn)) {
      problems.push(`${at}.roleArn: "${target.roleArn}" is not an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>`);
    }
    if (target.externalId !== undefined && !Token.isUnresolved(target.externalId) && !EXTERNAL_ID.test(target.externalId)) {
      problems.push(`${at}.externalId: "${target.externalId}" is not 2 to 1224 characters of letters, digits and +=,.@:/-`);
    }
    if (target.createRole && target.userCredentialsSecret) {
      problems.push(
        `${at}.userCredentialsSecret: a created role trusts only the function's role, so it cannot be assumed with IAM-user keys; remove it or use roleArn`,
      );
    }
    if (target.createRole) {
      const { bucketName, folderPath } = target.createRole;
      const bucketProblem = Token.isUnresolved(bucketName) ? undefined : bucketNameProblem(bucketName);
      if (bucketProblem) problems.push(`${at}.createRole.bucketName: ${bucketProblem}`);
      const folderProblem = folderPath === undefined || Token.isUnresolved(folderPath) ? undefined : folderPathProblem(folderPath);
      if (folderProblem) problems.push(`${at}.createRole.folderPath: ${folderProblem}`);
    }
    const { bucketName, folderPath } = target;
    const bucketProblem = bucketName === undefined || Token.isUnresolved(bucketName) ? undefined : s3BucketNameProblem(bucketName);
    if (bucketProblem) problems.push(`${at}.bucketName: ${bucketProblem}`);
    const folderProblem = folderPath === undefined || Token.isUnresolved(folderPath) ? undefined : folderPathProblem(folderPath);
    if (folderProblem) problems.push(`${at}.folderPath: ${folderProblem}`);
    const shape = { method: target.method, hasRole: Boolean(target.roleArn || target.createRole), hasUserKeys: Boolean(target.userCredentialsSecret) };
    const method = mintMethodOf(shape);
    if (!method) {
      problems.push(`${at}: needs roleArn, createRole or userCredentialsSecret (GetSessionToken); it has none`);
      return;
    }
    const role = target.roleArn ? 'roleArn' : target.createRole ? 'createRole' : 'roleArn or createRole';
    const facts = { ...shape, hasBucket: bucketName !== undefined || target.createRole !== undefined, hasFolder: folderPath !== undefined };
    for (const [field, message] of narrowingProblems(facts, { role, userKeys: 'userCredentialsSecret' })) {
      // A created role's bucket and folder are checked with createRole; only its method can conflict.
      if (!target.createRole || field === 'method') problems.push(`${at}.${field}: ${message}`);
    }
    if (target.createRole) {
      for (const field of ['bucketName', 'folderPath'] as const) {
        if (target[field] !== undefined)
          problems.push(`${at}.${field}: a created role's sessions are narrowed to createRole.${field}; set it there and remove this one`);
      }
    } else {
      const literal =
        bucketName !== undefined &&
        !Token.isUnresolved(bucketName) &&
        !bucketProblem &&
        !folderProblem &&
        (folderPath === undefined || !Token.isUnresolved(folderPath));
      if (literal && method !== 'get-session-token') {
        const partition = target.roleArn && !Token.isUnresolved(target.roleArn) ? partitionOf(target.roleArn) : undefined;
        const problem = sessionPolicySizeProblem({ partition, bucketName, folderPath: folderPath === undefined ? undefined : normalizeFolderPath(folderPath) });
        if (problem) problems.push(`${at}.folderPath: "${folderPath}" ${problem}`);
      }
    }
    if (target.externalId && (method === 'get-session-token' || method === 'get-federation-token')) {
      problems.push(`${at}.externalId: only applies to AssumeRole; add a role or remove it`);
    }
    const seconds = (target.duration ?? Duration.seconds(DEFAULT_DURATION_SECONDS)).toSeconds();
    const durationSeconds = Token.isUnresolved(seconds) ? undefined : seconds;
    if (durationSeconds !== undefined) {
      const problem = durationProblem(method, durationSeconds, { createdRole: Boolean(target.createRole) });
      if (problem) problems.push(`${at}.duration: ${problem}`);
    }
    targets.push({ index, props: target, method, durationSeconds });
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
    const threshold = props.expiryAlarmThreshold?.toSeconds();
    // Room for one slow connection's one more attempt, as far as the expiry alarms allow.
    timeoutSeconds =
      fittingTimeoutSeconds({
        targetCount: props.targets.length,
        concurrency,
        intervalSeconds,
        shortestLifetimeSeconds: shortest?.seconds,
        thresholdSeconds: threshold === undefined || Token.isUnresolved(threshold) ? undefined : threshold,
      }) ?? timeoutSeconds;
  }
  // The function's actual timeout (undefined while a token).
  const givenTimeout = props.timeout?.toSeconds();
  const actualTimeout = givenTimeout === undefined ? timeoutSeconds : Token.isUnresolved(givenTimeout) ? undefined : givenTimeout;

  const expiryAlarm = planExpiryAlarm(props, schedule, intervalSeconds, shortest, actualTimeout, problems);

  if (problems.length > 0) throw new S3CredentialRotatorValidationError(problems, scope.node.path);
  return { targets, intervalSeconds, timeoutSeconds, expiryAlarm };
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
