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
import { SCHEDULE_DOORS, scheduleVerdict, UNRESOLVED } from '../../core/schedule-rules.js';
import { SETTING_DOORS, settingProblems, type SettingsView } from '../../core/setting-rules.js';
import {
  describeTargetProblem,
  mintMethodOfView,
  TARGET_DOORS,
  targetListProblems,
  type TargetView,
} from '../../core/target-rules.js';
import { targetListWarnings } from '../../core/target-warnings.js';
import type { ExpiryAlarmPlan } from '../../core/alarm-rules.js';
import { guardrailProblems } from './guardrails.js';
import {
  S3CredentialRotatorValidationError,
  type RotationTargetProps,
  type S3CredentialRotatorProps,
} from './props.js';

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
  /**
   * What the target and schedule rules warn about (core/target-warnings.ts, core/schedule-rules.ts), for
   * {@link warnAboutTargets}.
   */
  readonly warnings: readonly TargetWarningLine[];
}

/** A warning about one target: the rule's id, the target's index and the line synth shows. */
export interface TargetWarningLine {
  readonly id: string;
  readonly index: number;
  readonly line: string;
}

/**
 * Check everything props can get wrong, before any resource exists: an impossible configuration
 * fails synth here, listing every problem with its prop path. Values that are still tokens are
 * skipped; the rules themselves are the contract's and core/rotation-rules.ts's.
 */
export function validateProps(
  scope: Construct,
  props: S3CredentialRotatorProps,
  schedule: scheduler.ScheduleExpression,
  concurrency: number,
): ValidatedProps {
  const problems: string[] = [];
  if (props.targets.length === 0) problems.push('targets: must list at least one target');
  // The setting rules (core/setting-rules.ts), every door's; a value that is still a token is skipped.
  problems.push(
    ...settingProblems(settingsView(scope, props, concurrency), SETTING_DOORS.props).map((problem) => problem.line),
  );
  problems.push(...guardrailProblems(props));
  if (props.runtime && props.runtime.family !== lambda.RuntimeFamily.NODEJS) {
    problems.push(
      `runtime: ${props.runtime.name} is not a Node.js runtime; the function is JavaScript bundled for Node.js 24: ` +
        'use lambda.Runtime.NODEJS_24_X or a newer Node.js runtime',
    );
  }

  // The target rules (core/target-rules.ts), every door's; a value that is still a token is skipped.
  const views = props.targets.map(viewOf);
  const isUnresolved = (value: string) => Token.isUnresolved(value);
  const context = {
    names: TARGET_DOORS.props,
    isUnresolved,
    list: 'targets',
    requireNarrowedCredentials: props.requireNarrowedCredentials === true,
  };
  problems.push(...targetListProblems(views, context).map(describeTargetProblem));
  const targets: CheckedTarget[] = props.targets.flatMap((target, index) => {
    const method = mintMethodOfView(views[index]!);
    return method ? [{ index, props: target, method, durationSeconds: views[index]!.durationSeconds }] : [];
  });

  // The schedule rules (core/schedule-rules.ts), cdk.json's too; a value that is still a token is left out.
  const literalSeconds = (duration: Duration | undefined) => {
    const seconds = duration?.toSeconds();
    return seconds === undefined ? undefined : Token.isUnresolved(seconds) ? UNRESOLVED : seconds;
  };
  const verdict = scheduleVerdict(
    {
      schedule: Token.isUnresolved(schedule.expressionString) ? undefined : schedule.expressionString,
      // Only targets that can be minted count, as the configuration's do.
      lifetimes: props.targets.map(
        (_target, index) => targets.find((checked) => checked.index === index)?.durationSeconds,
      ),
      concurrency: Token.isUnresolved(concurrency) ? undefined : concurrency,
      timeoutSeconds: literalSeconds(props.timeout),
      thresholdSeconds: literalSeconds(props.expiryAlarmThreshold),
    },
    SCHEDULE_DOORS.props,
  );
  problems.push(...verdict.problems);
  const { intervalSeconds, timeoutSeconds, expiryAlarm } = verdict;

  if (problems.length > 0) throw new S3CredentialRotatorValidationError(problems, scope.node.path);
  // Listed by target: the target rules' warnings, then the schedule's.
  const warnings = [
    ...targetListWarnings(views, context).map((warning) => ({
      id: warning.id,
      index: warning.index,
      line: describeTargetProblem(warning),
    })),
    ...verdict.warnings,
  ].sort((a, b) => a.index - b.index);
  return { targets, intervalSeconds, timeoutSeconds, expiryAlarm, warnings };
}

/**
 * A target's props as the target rules see them: its lifetime in seconds (undefined while a token), the default
 * applied.
 */
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
    bucketAccount: target.bucketAccount,
    durationSeconds: Token.isUnresolved(seconds) ? undefined : seconds,
  };
}

/** The props as the setting rules see them: tokens left out. */
function settingsView(scope: Construct, props: S3CredentialRotatorProps, concurrency: number): SettingsView {
  const literal = <T>(value: T | undefined): T | undefined =>
    value === undefined || Token.isUnresolved(value) ? undefined : value;
  const region = Stack.of(scope).region;
  const rotation = props.adobeSecretRotation;
  const rotationSeconds = literal(rotation?.every.toSeconds());
  const key = props.encryptionKey as (kms.IKey & Partial<Pick<kms.IAlias, 'aliasName'>>) | undefined;
  const alias = key?.aliasName === undefined ? undefined : (literal(key.aliasName) ?? 'alias/<token>');
  const tags =
    props.tags &&
    Object.entries(props.tags).every(([key, value]) => !Token.isUnresolved(key) && !Token.isUnresolved(value))
      ? props.tags
      : undefined;
  return {
    concurrency: literal(concurrency),
    memorySize: literal(props.memorySize),
    functionRoleName: literal(props.functionRoleName),
    runbookUrl: literal(props.runbookUrl),
    flowServiceUrl: literal(props.flowServiceUrl),
    imsUrl: literal(props.imsUrl),
    // An alias passes for a key by type (IAlias extends IKey), but CloudWatch Logs takes only a key.
    ...(alias === undefined
      ? { encryptionKeyArn: literal(props.encryptionKey?.keyArn) }
      : { encryptionKeyAlias: alias }),
    region: literal(region),
    permissionsBoundaryArn: literal(props.permissionsBoundary?.managedPolicyArn),
    secretReaders: props.secretReaders?.map(literal),
    tags,
    adobeSecretName: literal(props.adobeSecretName),
    adobeCredentialsSecretGiven: props.adobeCredentialsSecret !== undefined,
    ledgerTableName: literal(props.ledgerTableName),
    adobeSecretRotationDays: rotationSeconds === undefined ? undefined : rotationSeconds / 86_400,
    adobeSecretRotationConsoleApiUrl: literal(rotation?.consoleApiUrl),
  };
}

/**
 * A CDK warning (shown by `cdk synth`, acknowledgeable by its id) for each warning of the target and
 * schedule rules: credentials that give Adobe more than its bucket, a bucket whose owner is not
 * pinned, credentials that outlive four schedule intervals. The id is
 * `aep-s3-rotator:<rule id>:<connection id>`, which stays with the target when the list changes order.
 */
export function warnAboutTargets(
  scope: Construct,
  props: S3CredentialRotatorProps,
  warnings: readonly TargetWarningLine[],
): void {
  for (const { id, index, line } of warnings) {
    const connectionId = props.targets[index]!.connectionId;
    const target = Token.isUnresolved(connectionId) ? `target-${index}` : connectionId.toLowerCase();
    Annotations.of(scope).addWarningV2(`aep-s3-rotator:${id}:${target}`, line);
  }
}
