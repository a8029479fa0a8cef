/**
 * The function's configuration: read from the environment once per container, validated with a
 * schema, and turned into typed targets. Every problem names the variable (and the entry of
 * `ROTATION_TARGETS`) and what is allowed; nothing is rotated while any remains.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_DURATION_SECONDS,
  DEFAULT_FLOW_SERVICE_URL,
  DEFAULT_IMS_URL,
  DEFAULT_SERVICE_NAME,
  ENV,
  MAX_TARGETS,
  ROTATOR_NAME,
  type RotationTarget,
} from '../core/contract.js';
import { DEFAULT_ADOBE_CONSOLE_API_URL } from '../core/adobe-secret-rotation.js';
import { SETTING_DOORS, settingProblems } from '../core/setting-rules.js';
import { functionTargetSchema, rotationTargetSchema } from '../core/target-schema.js';
import {
  describeTargetProblem,
  mintMethodOfView,
  TARGET_DOORS,
  targetListProblems,
  type TargetView,
} from '../core/target-rules.js';
import { ConfigError } from './errors.js';

export type { RotationTarget } from '../core/contract.js';

const MAX_TARGETS_JSON_BYTES = 5 * 1024 * 1024;

export interface RotatorConfig {
  readonly adobeCredentialsSecretId: string;
  readonly targets: readonly RotationTarget[];
  readonly flowServiceUrl: string;
  readonly imsUrl: string;
  /** The I/O Management API (`ADOBE_CONSOLE_API_URL`), which `inspect` asks about the credential's client secrets. */
  readonly adobeConsoleApiUrl: string;
  readonly concurrency: number;
  /** After each PATCH, ask Flow Service to explore the connection with the new credentials (`VERIFY_WITH_ADOBE`). */
  readonly verifyWithAdobe: boolean;
  /** The rotation ledger's DynamoDB table (`LEDGER_TABLE_NAME`); undefined: no ledger is written. */
  readonly ledgerTableName?: string;
  /** The `rotator` dimension of every metric (`ROTATOR_NAME`, else the function's name, else the service name). */
  readonly rotatorName: string;
  /** Each connection's metrics carry its `connectionId` (`CONNECTION_METRICS`, default true). */
  readonly connectionMetrics: boolean;
}

/** A well-formed entry as the target rules see it (core/target-rules.ts). */
function viewOf(entry: z.output<typeof functionTargetSchema>): TargetView {
  return {
    ...entry,
    hasUserKeys: Boolean(entry.userCredentialsSecretId),
    durationSeconds: entry.durationSeconds ?? DEFAULT_DURATION_SECONDS,
  };
}

/** The typed target of an entry every rule passed: the discriminated schema gives it its type. */
function typedTarget(entry: z.output<typeof functionTargetSchema>): RotationTarget | undefined {
  const method = mintMethodOfView(viewOf(entry));
  if (!method) return undefined;
  const typed = rotationTargetSchema.safeParse({
    connectionId: entry.connectionId,
    sandboxName: entry.sandboxName,
    method,
    ...(method.startsWith('assume-role') ? { roleArn: entry.roleArn, externalId: entry.externalId } : {}),
    ...(method !== 'assume-role-chained' ? { userCredentialsSecretId: entry.userCredentialsSecretId } : {}),
    durationSeconds: entry.durationSeconds ?? DEFAULT_DURATION_SECONDS,
    ...(entry.bucketName ? { bucketName: entry.bucketName } : {}),
    ...(entry.folderPath ? { folderPath: entry.folderPath } : {}),
    ...(entry.bucketAccount ? { bucketAccount: entry.bucketAccount } : {}),
    ...(entry.verifyWithAdobe === false ? { verifyWithAdobe: false } : {}),
  });
  return typed.success ? typed.data : undefined;
}

/** Validate a parsed `ROTATION_TARGETS` value; returns typed targets or the list of problems. */
export function parseTargets(value: unknown, source: string): { targets: RotationTarget[]; problems: string[] } {
  const problems: string[] = [];
  if (!Array.isArray(value)) return { targets: [], problems: [`${source}: must be a JSON array of targets`] };
  if (value.length === 0) problems.push(`${source}: must list at least one target`);
  if (value.length > MAX_TARGETS)
    return { targets: [], problems: [`${source}: has ${value.length} targets; at most ${MAX_TARGETS} are allowed`] };

  // Each entry's form first (zod); the rules then judge the well-formed ones.
  const byTarget: string[][] = value.map(() => []);
  const entries: Array<z.output<typeof functionTargetSchema> | undefined> = value.map((entry: unknown, index) => {
    const parsed = functionTargetSchema.safeParse(entry);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues)
      byTarget[index]!.push(`${formatPath(`${source}[${index}]`, issue.path)}: ${issueMessage(issue)}`);
    return undefined;
  });
  const ruled = targetListProblems(
    entries.map((entry) => entry && viewOf(entry)),
    { names: TARGET_DOORS.function, isUnresolved: () => false, list: source },
  );
  for (const problem of ruled) byTarget[problem.index]!.push(describeTargetProblem(problem));
  problems.push(...byTarget.flat());
  const targets = problems.length === 0 ? entries.flatMap((entry) => (entry && typedTarget(entry)) || []) : [];
  return { targets, problems };
}

function formatPath(base: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((at, key) => (typeof key === 'number' ? `${at}[${key}]` : `${at}.${String(key)}`), base);
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field(s) ${issue.keys.join(', ')}; allowed: ${Object.keys(functionTargetSchema.shape).join(', ')}`;
  }
  return issue.message;
}

/** What the environment looks like to {@link loadConfig}; `readFile` is injectable for tests. */
export interface ConfigSources {
  readonly env: Record<string, string | undefined>;
  readonly readFile?: (path: string) => string;
}

/**
 * Read and validate the whole configuration. Throws {@link ConfigError} listing every problem.
 */
export function loadConfig({ env, readFile = (path) => readFileSync(path, 'utf8') }: ConfigSources): RotatorConfig {
  const problems: string[] = [];

  const adobeCredentialsSecretId = env[ENV.adobeCredentialsSecretId]?.trim() ?? '';
  if (!adobeCredentialsSecretId) {
    problems.push(
      'ADOBE_CREDENTIALS_SECRET_ID: is required (the Secrets Manager secret id or ARN holding the Adobe OAuth ' +
        'credentials)',
    );
  }

  let targets: RotationTarget[] = [];
  const inline = env[ENV.rotationTargets]?.trim();
  const file = env[ENV.rotationTargetsFile]?.trim();
  if (inline && file) {
    problems.push('ROTATION_TARGETS, ROTATION_TARGETS_FILE: exactly one may be set; both are');
  } else if (!inline && !file) {
    problems.push(
      'ROTATION_TARGETS: is required (a JSON array of targets), or set ROTATION_TARGETS_FILE to a bundled JSON file',
    );
  } else {
    const source = inline ? 'ROTATION_TARGETS' : 'ROTATION_TARGETS_FILE';
    let text: string | undefined = inline;
    if (file) {
      try {
        text = readFile(file);
      } catch (error) {
        problems.push(
          `ROTATION_TARGETS_FILE: cannot read "${file}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        );
      }
    }
    if (text !== undefined) {
      if (Buffer.byteLength(text) > MAX_TARGETS_JSON_BYTES) {
        problems.push(`${source}: is larger than ${MAX_TARGETS_JSON_BYTES} bytes`);
      } else {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          problems.push(`${source}: is not valid JSON`);
        }
        if (value !== undefined) {
          const parsed = parseTargets(value, source);
          targets = parsed.targets;
          problems.push(...parsed.problems);
        }
      }
    }
  }

  const flowServiceUrl = (env[ENV.flowServiceUrl]?.trim() || DEFAULT_FLOW_SERVICE_URL).replace(/\/+$/, '');
  const imsUrl = (env[ENV.imsUrl]?.trim() || DEFAULT_IMS_URL).replace(/\/+$/, '');
  const adobeConsoleApiUrl = (env[ENV.adobeConsoleApiUrl]?.trim() || DEFAULT_ADOBE_CONSOLE_API_URL).replace(/\/+$/, '');
  const rawConcurrency = env[ENV.concurrency]?.trim() || undefined;
  // The settings' rules (core/setting-rules.ts): the words cdk.json and the construct use, with the variables' names.
  const settings = settingProblems(
    { concurrency: rawConcurrency, flowServiceUrl, imsUrl, adobeSecretRotationConsoleApiUrl: adobeConsoleApiUrl },
    SETTING_DOORS.function,
  );
  problems.push(...settings.map((problem) => problem.line));
  const concurrency =
    rawConcurrency === undefined || settings.some((problem) => problem.field === 'concurrency')
      ? DEFAULT_CONCURRENCY
      : Number(rawConcurrency);

  const verifyWithAdobe = booleanVariable(env, ENV.verifyWithAdobe, problems);
  const connectionMetrics = booleanVariable(env, ENV.connectionMetrics, problems);

  // Lambda sets AWS_LAMBDA_FUNCTION_NAME: unique in the account and region, as the dimension must be.
  const rotatorName =
    env[ENV.rotatorName]?.trim() ||
    env.AWS_LAMBDA_FUNCTION_NAME?.trim() ||
    env[ENV.serviceName]?.trim() ||
    DEFAULT_SERVICE_NAME;
  if (!ROTATOR_NAME.test(rotatorName)) {
    problems.push(
      'ROTATOR_NAME: must be 1 to 255 letters, digits and _.:/- (the rotator dimension of every metric); ' +
        `got "${rotatorName}"`,
    );
  }

  const ledgerTableName = env[ENV.ledgerTableName]?.trim() || undefined;
  // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html (TableName)
  if (ledgerTableName && !/^[\w.-]{3,255}$/.test(ledgerTableName)) {
    problems.push(
      `LEDGER_TABLE_NAME: must be a DynamoDB table name, 3 to 255 letters, digits and _.-; got "${ledgerTableName}"`,
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    adobeCredentialsSecretId,
    targets,
    flowServiceUrl,
    imsUrl,
    adobeConsoleApiUrl,
    concurrency,
    verifyWithAdobe,
    ...(ledgerTableName ? { ledgerTableName } : {}),
    rotatorName,
    connectionMetrics,
  };
}

/** A variable that is true unless it says otherwise (`false`, `0`, `off`, `no`); anything else is a problem. */
function booleanVariable(env: Record<string, string | undefined>, name: string, problems: string[]): boolean {
  const raw = env[name]?.trim();
  if (!raw || /^(true|1|on|yes)$/i.test(raw)) return true;
  if (/^(false|0|off|no)$/i.test(raw)) return false;
  problems.push(`${name}: must be true or false (default true); got "${raw}"`);
  return true;
}
