/**
 * The rotator's deployment configuration: the shape operators write in `cdk.json` (context key
 * `rotator`) or in a JSON file named by the context key `rotatorConfigFile`, and its validation.
 *
 * Pure: no aws-cdk-lib, so the operator CLI can run the same checks (`check-config`). Every
 * problem is reported with its field path, e.g. `targets[1].durationSeconds: 7200 is above 3600 ...`.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { checkServiceUrl } from '../../core/contract.js';
import { adobeSecretRotationConfigProblems, type AdobeSecretRotationConfigs } from './adobe-secret-rotation.js';
import { guardrailConfigProblems, type GuardrailsConfig } from './guardrails.js';
import type { OperationsConfig } from './operations.js';
import { adobeCheckOffWarning, configCreatedRolesWithoutScope, targetsDeliveryProblems } from '../../core/targets-delivery-rules.js';
import { partitionOf } from '../../core/session-policy.js';
import {
  durationProblem,
  functionTimeout,
  mintMethodOf,
  narrowingProblems,
  rotationWindowProblem,
  scheduleInterval,
  sessionPolicySizeProblem,
  unnarrowedWarning,
  type MintMethod,
  type TargetShape,
} from '../../core/rotation-rules.js';
import { AGGREGATE_METRICS_WARNING, expiryAlarmPlan, fittingTimeoutSeconds } from '../../core/alarm-rules.js';

import { describeIssue, locateJsonError } from './messages.js';
import { rootSchema, targetSchema } from './schema.js';

export { closestName, locateJsonError, type JsonSyntaxError } from './messages.js';

/** The cdk.json context key holding the configuration object. */
export const CONFIG_CONTEXT_KEY = 'rotator';
/** The context key naming a JSON file to read the configuration from instead (`cdk synth -c rotatorConfigFile=prod.json`). */
export const CONFIG_FILE_CONTEXT_KEY = 'rotatorConfigFile';

export { DEFAULT_LOG_RETENTION_DAYS, DEFAULT_SCHEDULE, DEFAULT_STACK_NAME, LOG_RETENTION_DAYS } from './schema.js';

/** A Secrets Manager secret: its name or ARN, and the customer-managed KMS key encrypting it, if any. */
export interface SecretConfig {
  /** Name (same account and region) or ARN (complete, with the 6-character suffix, or partial). */
  readonly secretId: string;
  /** The customer-managed key the secret is encrypted with; omit for the AWS-managed `aws/secretsmanager` key. */
  readonly kmsKeyArn?: string;
}

/** Ask the stack to create the role Adobe's credentials belong to, with read-only access to one bucket. */
export interface CreateRoleConfig {
  readonly bucketName: string;
  /** A folder (key prefix) inside the bucket; access is limited to it. Without it: the whole bucket. */
  readonly folderPath?: string;
  /** A fixed role name; needed only when the targets are bundled as a file (see docs/DEPLOY.md). */
  readonly roleName?: string;
  /** The customer-managed KMS key of the bucket's SSE-KMS encryption, if any. */
  readonly kmsKeyArn?: string;
}

/** One Flow Service base connection to keep fresh. */
export interface TargetConfig {
  readonly connectionId: string;
  readonly sandboxName: string;
  readonly roleArn?: string;
  readonly createRole?: CreateRoleConfig;
  readonly externalId?: string;
  readonly userCredentialsSecret?: SecretConfig;
  readonly durationSeconds: number;
  /**
   * The bucket Adobe reads (not with `createRole`, which names its own): every AssumeRole or
   * GetFederationToken for the target passes a session policy allowing only reads of it.
   */
  readonly bucketName?: string;
  /** The folder in `bucketName` (normalized: no leading or trailing slash). */
  readonly folderPath?: string;
  /**
   * The STS call that mints this target's credentials: the configured `method` (`assume-role`
   * resolved by who signs), or inferred from the fields as before `method` existed.
   */
  readonly method: MintMethod;
}

/** The validated configuration, defaults applied; the guardrail and operations keys are lib/config/guardrails.ts's and lib/config/operations.ts's. */
export interface RotatorConfig extends GuardrailsConfig, OperationsConfig, AdobeSecretRotationConfigs {
  readonly stackName: string;
  /** Deploy to this account; without it the stack is environment-agnostic (the CLI's account). */
  readonly account?: string;
  readonly region?: string;
  readonly schedule: string;
  /** Omitted: the stack creates the secret with a placeholder value. */
  readonly adobeCredentialsSecret?: SecretConfig;
  readonly flowServiceUrl: string;
  readonly imsUrl: string;
  readonly concurrency: number;
  /**
   * The function's memory in MB (128 to 10240). Lambda gives CPU in proportion to memory; the
   * default, 1769, is one vCPU, below which a rotation is CPU-bound (see BENCHMARKS.md).
   */
  readonly memorySize: number;
  /** Reserve one concurrent execution so that two runs never overlap (see the construct's prop). */
  readonly reserveConcurrency: boolean;
  /** After each PATCH, Flow Service explores the connection with the new credentials (`VERIFY_WITH_ADOBE`). */
  readonly verifyWithAdobe: boolean;
  readonly logRetentionDays: number;
  readonly alarmEmail?: string;
  readonly alarmTopicArn?: string;
  /** An existing topic the per-connection failing alarms notify (tickets), while the others page through the alarm topic. */
  readonly ticketTopicArn?: string;
  /** Each connection's metrics carry its `connectionId` (a contributor per connection); false: the rotator's aggregate only. */
  readonly connectionMetrics: boolean;
  /**
   * `CredentialsExpiringAlarm`'s threshold in seconds. Omitted: the alarm's window plus one schedule
   * interval, within the range `expiryAlarmPlan` (rotation-rules.ts) allows.
   */
  readonly expiryAlarmThresholdSeconds?: number;
  /** A fixed name for the function's role (for trust policies in other accounts). Omitted: generated. */
  readonly functionRoleName?: string;
  /** Where alarm descriptions point (`<runbookUrl>#<alarm id>`). Omitted: `docs/RUNBOOK.md`. */
  readonly runbookUrl?: string;
  readonly targets: readonly TargetConfig[];
}

/** Thrown by {@link parseRotatorConfig}: every problem, each starting with its field path. */
export class ConfigValidationError extends Error {
  readonly code = 'CONFIG_INVALID';

  constructor(
    readonly problems: readonly string[],
    source = `cdk.json context "${CONFIG_CONTEXT_KEY}"`,
  ) {
    super(`Invalid rotator configuration (${source}):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

type ParsedTarget = z.infer<typeof targetSchema>;

/** Problems of one well-formed target that need more than one field to see. */
function targetProblems(target: ParsedTarget, at: string): { method?: MintMethod; problems: string[] } {
  const problems: string[] = [];
  if (target.roleArn && target.createRole) {
    problems.push(`${at}: has both roleArn and createRole; keep roleArn to use an existing role, or createRole to have the stack create one`);
  }
  if (target.createRole && target.userCredentialsSecret) {
    problems.push(
      `${at}.userCredentialsSecret: a role the stack creates trusts only the rotator's function role, so it cannot be assumed with IAM-user keys; remove userCredentialsSecret, or use roleArn for a role that trusts the IAM user`,
    );
  }
  const shape: TargetShape = {
    method: target.method,
    hasRole: Boolean(target.roleArn || target.createRole),
    hasUserKeys: Boolean(target.userCredentialsSecret),
  };
  const method = mintMethodOf(shape);
  if (!method) {
    problems.push(`${at}: needs roleArn (an existing role), createRole (a role the stack creates) or userCredentialsSecret (GetSessionToken); it has none`);
    return { problems };
  }
  const role = target.roleArn ? 'roleArn' : target.createRole ? 'createRole' : 'roleArn or createRole';
  const facts = { ...shape, hasBucket: Boolean(target.bucketName || target.createRole), hasFolder: Boolean(target.folderPath) };
  for (const [field, message] of narrowingProblems(facts, { role, userKeys: 'userCredentialsSecret' })) {
    // A created role's bucket and folder are checked with createRole; only its method can conflict.
    if (!target.createRole || field === 'method') problems.push(`${at}.${field}: ${message}`);
  }
  if (target.createRole) {
    // A created role's session is narrowed to the role's own bucket and folder.
    for (const field of ['bucketName', 'folderPath'] as const) {
      if (target[field] !== undefined) problems.push(`${at}.${field}: a createRole target reads createRole.${field}; set it there and remove this one`);
    }
  } else {
    if (target.bucketName && method !== 'get-session-token') {
      const problem = sessionPolicySizeProblem({
        partition: target.roleArn && partitionOf(target.roleArn),
        bucketName: target.bucketName,
        folderPath: target.folderPath,
      });
      if (problem) problems.push(`${at}.folderPath: "${target.folderPath}" ${problem}`);
    }
  }
  if (target.externalId && (method === 'get-session-token' || method === 'get-federation-token')) {
    problems.push(`${at}.externalId: only applies to AssumeRole; add roleArn or createRole, or remove it`);
  }
  const problem = durationProblem(method, target.durationSeconds, { createdRole: Boolean(target.createRole) });
  if (problem) problems.push(`${at}.durationSeconds: ${problem}`);
  return { method, problems };
}

/**
 * Validate a raw configuration object (the value of the `rotator` context key, or a parsed file).
 * @throws ConfigValidationError listing every problem found, each with its field path.
 */
export function parseRotatorConfig(raw: unknown, source?: string): RotatorConfig {
  const problems: string[] = [];
  // reportInput: messages show the value a field was given.
  const root = rootSchema.safeParse(raw, { reportInput: true });
  if (!root.success) problems.push(...root.error.issues.map((issue) => describeIssue(issue)));

  const rawTargets = (raw as { targets?: unknown } | undefined)?.targets;
  const targets: TargetConfig[] = [];
  const seen = new Map<string, number>();
  if (Array.isArray(rawTargets)) {
    rawTargets.forEach((entry, index) => {
      const at = `targets[${index}]`;
      const parsed = targetSchema.safeParse(entry, { reportInput: true });
      if (!parsed.success) {
        problems.push(...parsed.error.issues.map((issue) => describeIssue(issue, ['targets', index])));
        return;
      }
      const { method, problems: own } = targetProblems(parsed.data, at);
      problems.push(...own);
      const key = parsed.data.connectionId.toLowerCase();
      if (seen.has(key))
        problems.push(`${at}.connectionId: duplicates targets[${seen.get(key)}] (${parsed.data.connectionId}); each connection needs exactly one target`);
      else seen.set(key, index);
      if (method) targets.push({ ...parsed.data, method });
    });
  }

  if (root.success) {
    const config = root.data;
    for (const [field, value] of [
      ['flowServiceUrl', config.flowServiceUrl],
      ['imsUrl', config.imsUrl],
    ] as const) {
      const problem = checkServiceUrl(field, value);
      if (problem) problems.push(problem);
    }
    problems.push(...guardrailConfigProblems(config));
    problems.push(...adobeSecretRotationConfigProblems(config));
    // What synth would refuse about a list too long for the environment, without synthesizing.
    if (Array.isArray(rawTargets) && targets.length === rawTargets.length) problems.push(...targetsDeliveryProblems({ ...config, targets }));
    const interval = scheduleInterval(config.schedule);
    if (interval.problem !== undefined) problems.push(`schedule: ${interval.problem}`);
    // The checks across targets need every target: a partial list would give a wrong answer.
    if (Array.isArray(rawTargets) && targets.length === rawTargets.length) {
      const shortest = targets.reduce((min, target, index) => (target.durationSeconds < targets[min]!.durationSeconds ? index : min), 0);
      const field = `targets[${shortest}].durationSeconds`;
      const windowProblem =
        interval.seconds === undefined ? undefined : rotationWindowProblem(config.schedule, interval.seconds, targets[shortest]!.durationSeconds, field);
      if (windowProblem) problems.push(`schedule: ${windowProblem}`);
      const timeout = functionTimeout(targets.length, config.concurrency);
      if (timeout.problem !== undefined) problems.push(`targets: ${timeout.problem}`);
      // The expiry alarms must tell a healthy schedule from a stopped one and warn before expiry.
      const timeoutSeconds = fittingTimeoutSeconds({
        targetCount: targets.length,
        concurrency: config.concurrency,
        intervalSeconds: interval.seconds,
        shortestLifetimeSeconds: targets[shortest]!.durationSeconds,
        thresholdSeconds: config.expiryAlarmThresholdSeconds,
      });
      if (interval.seconds !== undefined && !windowProblem && timeoutSeconds !== undefined) {
        const plan = expiryAlarmPlan({
          intervalSeconds: interval.seconds,
          timeoutSeconds,
          shortestLifetimeSeconds: targets[shortest]!.durationSeconds,
          thresholdSeconds: config.expiryAlarmThresholdSeconds,
          durationField: field,
        });
        if (plan.windowProblem) problems.push(`schedule: "${config.schedule}" ${plan.windowProblem}`);
        else if (plan.thresholdProblem) problems.push(`expiryAlarmThresholdSeconds: ${plan.thresholdProblem}`);
      }
    }
    if (problems.length === 0) {
      return {
        ...config,
        flowServiceUrl: config.flowServiceUrl.replace(/\/+$/, ''),
        imsUrl: config.imsUrl.replace(/\/+$/, ''),
        ...(config.adobeSecretRotation
          ? { adobeSecretRotation: { ...config.adobeSecretRotation, consoleApiUrl: config.adobeSecretRotation.consoleApiUrl.replace(/\/+$/, '') } }
          : {}),
        targets,
      };
    }
  }
  throw new ConfigValidationError(problems, source);
}

/**
 * What a valid configuration leaves Adobe able to read beyond its bucket, one warning per target
 * (`targets[<i>]: connection <id>: ...`), and Adobe's check switched off for created roles that
 * reach the function without their folder (`verifyWithAdobe: ...`): `check-config` prints them;
 * synth shows the same as CDK warnings. Not problems: such configurations work, and worked before
 * narrowing existed.
 */
export function configWarnings(
  config: Pick<RotatorConfig, 'targets' | 'targetsDelivery' | 'account' | 'region' | 'verifyWithAdobe'> & Partial<Pick<RotatorConfig, 'connectionMetrics'>>,
): string[] {
  const warnings = config.targets.flatMap((target, index) => {
    const warning = unnarrowedWarning({ connectionId: target.connectionId, method: target.method, hasBucket: Boolean(target.bucketName || target.createRole) });
    return warning ? [`targets[${index}]: ${warning}`] : [];
  });
  const withoutScope = config.verifyWithAdobe ? configCreatedRolesWithoutScope(config) : [];
  if (withoutScope.length > 0) warnings.push(`verifyWithAdobe: ${adobeCheckOffWarning(withoutScope)}`);
  if (config.connectionMetrics === false) warnings.push(`connectionMetrics: false: ${AGGREGATE_METRICS_WARNING}`);
  return warnings;
}

/**
 * Read the configuration the way `bin/app.ts` does: from the file named by the context key
 * `rotatorConfigFile` if set (relative to the working directory), else from the context key
 * `rotator`, and validate it.
 *
 * @param tryGetContext `app.node.tryGetContext`.
 * @throws ConfigValidationError naming every bad field, or the file that cannot be read.
 */
export function loadRotatorConfig(
  tryGetContext: (key: string) => unknown,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): RotatorConfig {
  const file = tryGetContext(CONFIG_FILE_CONTEXT_KEY);
  if (file !== undefined) {
    if (typeof file !== 'string' || file.trim() === '') {
      throw new ConfigValidationError(
        [`${CONFIG_FILE_CONTEXT_KEY}: must be the path of a JSON file; got ${JSON.stringify(file) ?? String(file)}`],
        `context "${CONFIG_FILE_CONTEXT_KEY}"`,
      );
    }
    const source = `file "${file}" (context "${CONFIG_FILE_CONTEXT_KEY}")`;
    let text: string;
    try {
      text = readFile(file);
    } catch (error) {
      throw new ConfigValidationError([`${CONFIG_FILE_CONTEXT_KEY}: cannot read "${file}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`], source);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      const { line, column, reason } = locateJsonError(text, error);
      throw new ConfigValidationError([`${CONFIG_FILE_CONTEXT_KEY}: ${file}:${line}:${column}: is not valid JSON (${reason})`], source);
    }
    return parseRotatorConfig(raw, source);
  }
  const raw = tryGetContext(CONFIG_CONTEXT_KEY);
  if (raw === undefined) {
    throw new ConfigValidationError([
      `${CONFIG_CONTEXT_KEY}: is required; add it to the "context" of cdk.json, or pass -c ${CONFIG_FILE_CONTEXT_KEY}=<file.json>`,
    ]);
  }
  // `cdk -c rotator='{...}'` passes a string.
  if (typeof raw === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      const { line, column, reason } = locateJsonError(raw, error);
      throw new ConfigValidationError([`${CONFIG_CONTEXT_KEY}: is a string but not valid JSON: at ${line}:${column}, ${reason}`]);
    }
    return parseRotatorConfig(parsed);
  }
  return parseRotatorConfig(raw);
}
