/**
 * The construct's own checks of its props. The rules are shared (core/contract.ts,
 * core/rotation-rules.ts, core/session-policy.ts); what is here is applying them to props, which
 * may hold CDK tokens: a value that is still a token is skipped, never guessed.
 */
import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { DEFAULT_DURATION_SECONDS, type MintMethod } from '../../core/contract.js';
import { functionTimeout, MAX_FUNCTION_TIMEOUT_SECONDS, rotationWindowProblem, scheduleInterval, unnarrowedWarning } from '../../core/rotation-rules.js';
import { SETTING_DOORS, settingProblems, type SettingsView } from '../../core/setting-rules.js';
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
  // The setting rules (core/setting-rules.ts), every door's; a value that is still a token is skipped.
  problems.push(...settingProblems(settingsView(scope, props, concurrency), SETTING_DOORS.props).map((problem) => problem.line));
  problems.push(...guardrailProblems(props));
  if (props.runtime && props.runtime.family !== lambda.RuntimeFamily.NODEJS) {
    problems.push(
      `runtime: ${props.runtime.name} is not a Node.js runtime; the function is JavaScript bundled for Node.js 24: use lambda.Runtime.NODEJS_24_X or a newer Node.js runtime`,
    );
  }

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

/** The props as the setting rules see them: tokens left out. */
function settingsView(scope: Construct, props: S3CredentialRotatorProps, concurrency: number): SettingsView {
  const literal = <T>(value: T | undefined): T | undefined => (value === undefined || Token.isUnresolved(value) ? undefined : value);
  const region = Stack.of(scope).region;
  const key = props.encryptionKey as (kms.IKey & Partial<Pick<kms.IAlias, 'aliasName'>>) | undefined;
  const alias = key?.aliasName === undefined ? undefined : (literal(key.aliasName) ?? 'alias/<token>');
  const tags =
    props.tags && Object.entries(props.tags).every(([key, value]) => !Token.isUnresolved(key) && !Token.isUnresolved(value)) ? props.tags : undefined;
  return {
    concurrency: literal(concurrency),
    memorySize: literal(props.memorySize),
    functionRoleName: literal(props.functionRoleName),
    runbookUrl: literal(props.runbookUrl),
    flowServiceUrl: literal(props.flowServiceUrl),
    imsUrl: literal(props.imsUrl),
    // An alias passes for a key by type (IAlias extends IKey), but CloudWatch Logs takes only a key.
    ...(alias === undefined ? { encryptionKeyArn: literal(props.encryptionKey?.keyArn) } : { encryptionKeyAlias: alias }),
    region: literal(region),
    permissionsBoundaryArn: literal(props.permissionsBoundary?.managedPolicyArn),
    secretReaders: props.secretReaders?.map(literal),
    tags,
  };
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
