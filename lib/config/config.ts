/**
 * The rotator's deployment configuration: the shape operators write in `cdk.json` (context key
 * `rotator`) or in a JSON file named by the context key `rotatorConfigFile`, and its validation.
 *
 * Pure: no aws-cdk-lib, so the operator CLI can run the same checks (`check-config`). Every
 * problem is reported with its field path, e.g. `targets[1].durationSeconds: 7200 is above 3600 ...`.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import type { AdobeSecretRotationConfigs } from './adobe-secret-rotation.js';
import { guardrailConfigProblems, type GuardrailsConfig } from './guardrails.js';
import type { OperationsConfig } from './operations.js';
import { targetMethodOf, type MintMethod } from '../../core/rotation-rules.js';
import { SCHEDULE_DOORS, scheduleVerdict } from '../../core/schedule-rules.js';
import {
  describeTargetProblem,
  mintMethodOfView,
  TARGET_DOORS,
  targetListProblems,
  type TargetView,
} from '../../core/target-rules.js';
import { targetListWarnings } from '../../core/target-warnings.js';
import { AGGREGATE_METRICS_WARNING } from '../../core/alarm-rules.js';

import { describeIssue, locateJsonError } from './messages.js';
import { rootSchema, targetSchema } from './schema.js';

export { closestName, locateJsonError, type JsonSyntaxError } from './messages.js';

/** The cdk.json context key holding the configuration object. */
export const CONFIG_CONTEXT_KEY = 'rotator';
/**
 * The context key naming a JSON file to read the configuration from instead
 * (`cdk synth -c rotatorConfigFile=prod.json`).
 */
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
  /** The 12-digit account that owns the bucket: the role requires it (`s3:ResourceAccount`). */
  readonly bucketAccount?: string;
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
  /** The 12-digit account that owns `bucketName`: the session policy requires it (`s3:ResourceAccount`). */
  readonly bucketAccount?: string;
  /**
   * The STS call that mints this target's credentials: the configured `method` (`assume-role`
   * resolved by who signs), or inferred from the fields as before `method` existed.
   */
  readonly method: MintMethod;
}

/**
 * The validated configuration, defaults applied, with its guardrail, operations and Adobe secret rotation keys
 * (docs/DEPLOY.md, "Configuration").
 */
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
   * default, 1769, is one vCPU, below which a rotation is CPU-bound (BENCHMARKS.md in the package).
   */
  readonly memorySize: number;
  /** Reserve one concurrent execution so that two runs never overlap (see the construct's prop). */
  readonly reserveConcurrency: boolean;
  /** After each PATCH, Flow Service explores the connection with the new credentials (`VERIFY_WITH_ADOBE`). */
  readonly verifyWithAdobe: boolean;
  readonly logRetentionDays: number;
  readonly alarmEmail?: string;
  readonly alarmTopicArn?: string;
  /**
   * An existing topic the per-connection failing alarms notify (tickets), while the others page through the alarm
   * topic.
   */
  readonly ticketTopicArn?: string;
  /**
   * Each connection's metrics carry its `connectionId` (a contributor per connection); false: the rotator's aggregate
   * only.
   */
  readonly connectionMetrics: boolean;
  /**
   * `CredentialsExpiringAlarm`'s threshold in seconds. Omitted: the alarm's window plus one schedule
   * interval, within the range synth allows (the construct's `expiryAlarmThreshold`).
   */
  readonly expiryAlarmThresholdSeconds?: number;
  /** A fixed name for the function's role (for trust policies in other accounts). Omitted: generated. */
  readonly functionRoleName?: string;
  /**
   * Where alarm descriptions point (`<runbookUrl>#<alarm id>`). Omitted: the construct's default (`runbookUrl` prop).
   */
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

/** `requireNarrowedCredentials` as written (the targets are judged even when another root key is refused). */
function requiresNarrowed(raw: unknown): boolean {
  return (raw as { requireNarrowedCredentials?: unknown } | undefined)?.requireNarrowedCredentials === true;
}

/** A well-formed target as the target rules see it (core/target-rules.ts). */
function viewOf(target: ParsedTarget): TargetView {
  return { ...target, hasUserKeys: target.userCredentialsSecret !== undefined };
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
  if (Array.isArray(rawTargets)) {
    // Each target's form first (zod); the rules then judge the well-formed ones (core/target-rules.ts).
    const byTarget: string[][] = rawTargets.map(() => []);
    const parsed = rawTargets.map((entry: unknown, index) => {
      const result = targetSchema.safeParse(entry, { reportInput: true });
      if (result.success) return result.data;
      byTarget[index]!.push(...result.error.issues.map((issue) => describeIssue(issue, ['targets', index])));
      return undefined;
    });
    const ruled = targetListProblems(
      parsed.map((target) => target && viewOf(target)),
      {
        names: TARGET_DOORS.config,
        isUnresolved: () => false,
        list: 'targets',
        requireNarrowedCredentials: requiresNarrowed(raw),
      },
    );
    for (const problem of ruled) byTarget[problem.index]!.push(describeTargetProblem(problem));
    problems.push(...byTarget.flat());
    for (const target of parsed) {
      const method = target && mintMethodOfView(viewOf(target));
      if (target && method) targets.push({ ...target, method });
    }
  }

  if (root.success) {
    const config = root.data;
    problems.push(...guardrailConfigProblems(config));
    // The schedule rules (core/schedule-rules.ts), the construct's too. The rules across targets need
    // every target: with one refused, its lifetime is unknown and only what does not need it is checked.
    const complete = Array.isArray(rawTargets) && targets.length === rawTargets.length;
    const verdict = scheduleVerdict(
      {
        schedule: config.schedule,
        lifetimes: complete
          ? targets.map((target) => target.durationSeconds)
          : (Array.isArray(rawTargets) ? rawTargets : []).map(() => undefined),
        concurrency: config.concurrency,
        thresholdSeconds: config.expiryAlarmThresholdSeconds,
      },
      SCHEDULE_DOORS.config,
    );
    problems.push(...verdict.problems);
    if (problems.length === 0) {
      return {
        ...config,
        flowServiceUrl: config.flowServiceUrl.replace(/\/+$/, ''),
        imsUrl: config.imsUrl.replace(/\/+$/, ''),
        ...(config.adobeSecretRotation
          ? {
              adobeSecretRotation: {
                ...config.adobeSecretRotation,
                consoleApiUrl: config.adobeSecretRotation.consoleApiUrl.replace(/\/+$/, ''),
              },
            }
          : {}),
        targets,
      };
    }
  }
  throw new ConfigValidationError(problems, source);
}

/**
 * What a valid configuration leaves open, from the rules alone: each target whose credentials give
 * Adobe more than its bucket or whose bucket's owner is not pinned (core/target-warnings.ts), whose
 * credentials outlive four schedule intervals (core/schedule-rules.ts), and aggregate metrics.
 * `check-config` prints them when aws-cdk-lib is not installed; otherwise it prints what synth
 * warns (the same lines, and what only the stack knows, such as Adobe's check switched off for a
 * created role that reaches the function without its folder). Not problems: such configurations
 * work, and worked before these warnings existed.
 */
export function configWarnings(
  config: Pick<RotatorConfig, 'targets'> &
    Partial<Pick<RotatorConfig, 'connectionMetrics' | 'schedule' | 'requireNarrowedCredentials'>>,
): string[] {
  const views = config.targets.map(
    (target): TargetView => ({
      ...target,
      method: targetMethodOf(target.method),
      hasUserKeys: target.userCredentialsSecret !== undefined,
    }),
  );
  const context = {
    names: TARGET_DOORS.config,
    isUnresolved: () => false,
    list: 'targets',
    requireNarrowedCredentials: config.requireNarrowedCredentials,
  };
  const byTarget = config.targets.map((): string[] => []);
  for (const warning of targetListWarnings(views, context))
    byTarget[warning.index]!.push(describeTargetProblem(warning));
  if (config.schedule !== undefined) {
    const lifetimes = config.targets.map((target) => target.durationSeconds);
    for (const warning of scheduleVerdict({ schedule: config.schedule, lifetimes }, SCHEDULE_DOORS.config).warnings)
      byTarget[warning.index]!.push(warning.line);
  }
  const warnings = byTarget.flat();
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
      throw new ConfigValidationError(
        [`${CONFIG_FILE_CONTEXT_KEY}: cannot read "${file}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`],
        source,
      );
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      const { line, column, reason } = locateJsonError(text, error);
      throw new ConfigValidationError(
        [`${CONFIG_FILE_CONTEXT_KEY}: ${file}:${line}:${column}: is not valid JSON (${reason})`],
        source,
      );
    }
    return parseRotatorConfig(raw, source);
  }
  const raw = tryGetContext(CONFIG_CONTEXT_KEY);
  if (raw === undefined) {
    throw new ConfigValidationError([
      `${CONFIG_CONTEXT_KEY}: is required; add it to the "context" of cdk.json, or pass -c ` +
        `${CONFIG_FILE_CONTEXT_KEY}=<file.json>`,
    ]);
  }
  // `cdk -c rotator='{...}'` passes a string.
  if (typeof raw === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      const { line, column, reason } = locateJsonError(raw, error);
      throw new ConfigValidationError([
        `${CONFIG_CONTEXT_KEY}: is a string but not valid JSON: at ${line}:${column}, ${reason}`,
      ]);
    }
    return parseRotatorConfig(parsed);
  }
  return parseRotatorConfig(raw);
}
