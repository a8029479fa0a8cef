/**
 * The rotator's deployment configuration: the shape operators write in `cdk.json` (context key
 * `rotator`) or in a JSON file named by the context key `rotatorConfigFile`, and its validation.
 *
 * Pure: no aws-cdk-lib, so the operator CLI can run the same checks (`check-config`). Every
 * problem is reported with its field path, e.g. `targets[1].durationSeconds: 7200 is above 3600 ...`.
 */
import { readFileSync } from 'node:fs';
import { parse as parseTolerantly, type ParseError } from 'jsonc-parser';
import leven from 'leven';
import { z } from 'zod';
import {
  checkServiceUrl,
  DEFAULT_CONCURRENCY,
  DEFAULT_DURATION_SECONDS,
  DEFAULT_FLOW_SERVICE_URL,
  DEFAULT_IMS_URL,
  MAX_CONCURRENCY,
  MIN_CONCURRENCY,
  requiredOr,
  SANDBOX_NAME,
  stringWithRule,
  targetFieldSchemas,
} from '../lambda/contract.js';
import { guardrailConfigProblems, guardrailFieldSchemas, vpcSchema, type GuardrailsConfig } from './config-guardrails.js';
import { operationsFieldSchemas, type OperationsConfig } from './config-operations.js';
import { targetsDeliveryProblems } from './targets-delivery-rules.js';
import { partitionOf } from '../lambda/session-policy.js';
import {
  bucketNameProblem,
  DEFAULT_MEMORY_MB,
  durationProblem,
  functionTimeout,
  MAX_MEMORY_MB,
  memoryProblem,
  MIN_MEMORY_MB,
  mintMethodOf,
  narrowingProblems,
  rotationWindowProblem,
  scheduleInterval,
  sessionPolicySizeProblem,
  unnarrowedWarning,
  type MintMethod,
  type TargetShape,
} from './rotation-rules.js';
import { expiryAlarmPlan } from './alarm-rules.js';

/** The cdk.json context key holding the configuration object. */
export const CONFIG_CONTEXT_KEY = 'rotator';
/** The context key naming a JSON file to read the configuration from instead (`cdk synth -c rotatorConfigFile=prod.json`). */
export const CONFIG_FILE_CONTEXT_KEY = 'rotatorConfigFile';

export const DEFAULT_STACK_NAME = 'AepS3CredentialRotator';
export const DEFAULT_SCHEDULE = 'rate(15 minutes)';
export const DEFAULT_LOG_RETENTION_DAYS = 90;
/** The values CloudWatch Logs accepts for a retention period (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

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

/** The validated configuration, defaults applied; the guardrail and operations keys are lib/config-guardrails.ts's and lib/config-operations.ts's. */
export interface RotatorConfig extends GuardrailsConfig, OperationsConfig {
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

/**
 * The known name a mistyped one most likely meant, for "did you mean ...?": the same name in
 * another case, else the nearest by edit distance, if it is within a third of the name's length
 * (at least 1: `dryrun` → `dry-run`, `durationSecond` → `durationSeconds`).
 *
 * @returns undefined when no known name is that close (or the name is known as it is).
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  if (known.includes(name)) return undefined;
  const lower = name.toLowerCase();
  const sameButCase = known.find((candidate) => candidate.toLowerCase() === lower);
  if (sameButCase) return sameButCase;
  const maxDistance = Math.max(1, Math.floor(name.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = leven(lower, candidate.toLowerCase(), { maxDistance: maxDistance + 1 });
    if (distance <= maxDistance && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/** Where JSON text stops being JSON, 1-based, and why (the words of `JSON.parse`). */
export interface JsonSyntaxError {
  readonly line: number;
  readonly column: number;
  readonly reason: string;
}

/**
 * Locate the error `JSON.parse(text)` threw, for a `file:line:column` message. V8 gives a position
 * for most errors but not for an unexpected token (`{"a": }`), so the offset comes from
 * jsonc-parser's scanner, strict (no comments, no trailing commas), when V8's message has none.
 *
 * @param error what `JSON.parse(text)` threw.
 */
export function locateJsonError(text: string, error: unknown): JsonSyntaxError {
  const message = error instanceof Error ? error.message : String(error);
  let offset = Number(/ at position (\d+)/.exec(message)?.[1] ?? Number.NaN);
  if (Number.isNaN(offset)) {
    const errors: ParseError[] = [];
    parseTolerantly(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    // "Unexpected token '}'": the first error at that token (`{"a": tru}` has one at "tru" first).
    const token = /^Unexpected token '(.)'/.exec(message)?.[1];
    offset = (errors.find((candidate) => token !== undefined && text[candidate.offset] === token) ?? errors[0])?.offset ?? text.length;
  }
  const before = text.slice(0, offset).split('\n');
  // V8's own words without the position (given as line and column) or the snippet of the text it quotes.
  const reason = message
    .replace(/(?: in JSON)? at position \d+(?: \(line \d+ column \d+\))?$/, '')
    .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '');
  return { line: before.length, column: before.at(-1)!.length + 1, reason };
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
const KMS_KEY_ARN = /^arn:aws(?:-cn|-us-gov|-iso|-iso-b)?:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/;
const SECRET_ARN = /^arn:aws(?:-cn|-us-gov|-iso|-iso-b)?:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/;
/** https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html (Name). */
const SECRET_NAME = /^[\w/+=.@-]{1,512}$/;
/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName). */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
/** A link or path alarm descriptions end with; each appends `#<alarm id>`. */
const RUNBOOK_URL = /^[^\s#]{1,400}$/;
const CONCURRENCY_RANGE = `must be a whole number from ${MIN_CONCURRENCY} to ${MAX_CONCURRENCY}`;
/** CloudFormation stack names. */
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

const kmsKeyArn = z.string({ error: 'must be a KMS key ARN' }).regex(KMS_KEY_ARN, 'must be a KMS key ARN: arn:aws:kms:<region>:<account>:key/<key id>');

/** A secret given as a string (name or ARN) or as `{ "secretId", "kmsKeyArn"? }`. */
const secretSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { secretId: value } : value),
  z
    .object(
      {
        secretId: z
          .string({ error: requiredOr('must be a secret name or ARN') })
          .refine((id) => SECRET_ARN.test(id) || (!id.startsWith('arn:') && SECRET_NAME.test(id)), {
            error: 'must be a Secrets Manager secret name (letters, digits and /_+=.@-) or ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
          }),
        kmsKeyArn: kmsKeyArn.optional(),
      },
      { error: 'must be a secret name or ARN, or { "secretId": ..., "kmsKeyArn"?: ... }' },
    )
    .strict(),
);

const createRoleSchema = z
  .object(
    {
      // Adobe's stricter rule for the bucket of a role the stack creates; the folder as any target's.
      bucketName: stringWithRule(bucketNameProblem, { required: true }),
      folderPath: targetFieldSchemas.folderPath.optional(),
      roleName: z.string({ error: 'must be a string' }).regex(ROLE_NAME, 'must be an IAM role name: 1 to 64 letters, digits and +=,.@_-').optional(),
      kmsKeyArn: kmsKeyArn.optional(),
    },
    { error: 'must be an object: { "bucketName", "folderPath"?, "roleName"?, "kmsKeyArn"? }' },
  )
  .strict();

/** A target in cdk.json: the function's target fields, plus what only a deployment has (createRole, secrets by reference). */
const targetSchema = z
  .object(
    {
      connectionId: targetFieldSchemas.connectionId,
      sandboxName: targetFieldSchemas.sandboxName,
      roleArn: targetFieldSchemas.roleArn.optional(),
      createRole: createRoleSchema.optional(),
      externalId: targetFieldSchemas.externalId.optional(),
      userCredentialsSecret: secretSchema.optional(),
      durationSeconds: targetFieldSchemas.durationSeconds.default(DEFAULT_DURATION_SECONDS),
      method: targetFieldSchemas.method.optional(),
      bucketName: targetFieldSchemas.bucketName.optional(),
      folderPath: targetFieldSchemas.folderPath.optional(),
    },
    { error: 'must be an object: { "connectionId", "sandboxName", "roleArn" | "createRole" | "userCredentialsSecret", ... }' },
  )
  .strict();

const rootSchema = z
  .object(
    {
      stackName: z
        .string({ error: 'must be a string' })
        .regex(STACK_NAME, 'must be a CloudFormation stack name: a letter, then letters, digits and hyphens (at most 128)')
        .default(DEFAULT_STACK_NAME),
      account: z.string({ error: 'must be a string' }).regex(ACCOUNT, 'must be a 12-digit AWS account id').optional(),
      region: z.string({ error: 'must be a string' }).regex(REGION, 'must be an AWS region such as eu-west-1').optional(),
      schedule: z.string({ error: 'must be a string such as "rate(15 minutes)"' }).default(DEFAULT_SCHEDULE),
      adobeCredentialsSecret: secretSchema.optional(),
      flowServiceUrl: z.string({ error: 'must be a string' }).default(DEFAULT_FLOW_SERVICE_URL),
      imsUrl: z.string({ error: 'must be a string' }).default(DEFAULT_IMS_URL),
      concurrency: z
        .number({ error: CONCURRENCY_RANGE })
        .int(CONCURRENCY_RANGE)
        .min(MIN_CONCURRENCY, CONCURRENCY_RANGE)
        .max(MAX_CONCURRENCY, CONCURRENCY_RANGE)
        .default(DEFAULT_CONCURRENCY),
      memorySize: z
        .number({ error: `must be a whole number of MB from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB}` })
        .superRefine((memory, ctx) => {
          const problem = memoryProblem(memory);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        })
        .default(DEFAULT_MEMORY_MB),
      reserveConcurrency: z.boolean({ error: 'must be true or false' }).default(true),
      verifyWithAdobe: z.boolean({ error: 'must be true or false' }).default(true),
      logRetentionDays: z
        .number({ error: 'must be a number of days' })
        .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
          error: `must be one of the periods CloudWatch Logs offers: ${LOG_RETENTION_DAYS.join(', ')}`,
        })
        .default(DEFAULT_LOG_RETENTION_DAYS),
      alarmEmail: z.email({ error: 'must be an e-mail address' }).optional(),
      alarmTopicArn: z
        .string({ error: 'must be a string' })
        .regex(/^arn:aws(?:-cn|-us-gov|-iso|-iso-b)?:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/, 'must be an SNS topic ARN: arn:aws:sns:<region>:<account>:<name>')
        .optional(),
      expiryAlarmThresholdSeconds: z
        .number({ error: 'must be a whole number of seconds' })
        .int('must be a whole number of seconds')
        .positive('must be a whole number of seconds')
        .optional(),
      functionRoleName: z.string({ error: 'must be a string' }).regex(ROLE_NAME, 'must be an IAM role name: 1 to 64 letters, digits and +=,.@_-').optional(),
      runbookUrl: z
        .string({ error: 'must be a string' })
        .regex(RUNBOOK_URL, 'must be 1 to 400 characters without spaces or "#" (each alarm appends "#<its id>"), e.g. "https://github.com/acme/aep-rotator/blob/main/docs/RUNBOOK.md"')
        .optional(),
      ...guardrailFieldSchemas,
      ...operationsFieldSchemas,
      // Each target is parsed on its own below, so one bad target does not hide the others' problems.
      targets: z.array(z.unknown(), { error: requiredOr('must be an array of targets') }).min(1, 'must list at least one target'),
    },
    { error: 'must be an object (see docs/DEPLOY.md, "Configuration")' },
  )
  .strict();

type Issue = z.core.$ZodIssue;

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((at, key) => (typeof key === 'number' ? `${at}[${key}]` : at ? `${at}.${String(key)}` : String(key)), '');
}

/** The fields an object at `path` may have, for "unknown field" messages. */
function allowedFields(path: readonly PropertyKey[]): readonly string[] {
  const last = path[path.length - 1];
  if (path.length === 0) return Object.keys(rootSchema.shape);
  if (typeof last === 'number') return Object.keys(targetSchema.shape);
  if (last === 'createRole') return Object.keys(createRoleSchema.shape);
  if (last === 'vpc') return Object.keys(vpcSchema.shape);
  return ['secretId', 'kmsKeyArn'];
}

function describeIssue(issue: Issue, prefix: readonly PropertyKey[] = []): string {
  const fullPath = [...prefix, ...issue.path];
  const path = formatPath(fullPath) || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedFields(fullPath);
    const keys = issue.keys.map((key) => {
      const meant = closestName(key, allowed);
      return meant ? `${key} (did you mean ${meant}?)` : key;
    });
    return `${path}: unknown field(s) ${keys.join(', ')}; allowed: ${allowed.join(', ')}`;
  }
  return `${path}: ${issue.message}${whatWasGiven(issue, fullPath)}`;
}

/** The longest value a message repeats in full. */
const MAX_SHOWN_VALUE_CHARS = 80;
/** A secret-name field's value this long that is not a name is shown only in part: it could be a secret (keys, client secrets are longer). */
const MIN_MASKED_CHARS = 16;

/**
 * `; got "EMEA-Stage" (did you mean "emea-stage"?)`: the value a field was given, unless the
 * message already shows it, and the value probably meant where one is obvious. Nothing for a
 * missing field (its message says it is required).
 */
function whatWasGiven(issue: Issue, path: readonly PropertyKey[]): string {
  const { input } = issue as { input?: unknown };
  if (input === undefined) return '';
  const meant = probablyMeant(issue, input, path);
  if (shows(issue.message, input)) return meant ? `; did you mean ${meant}?` : '';
  return `; got ${showValue(input, path)}${meant ? ` (did you mean ${meant}?)` : ''}`;
}

/** Whether a message already quotes the value (`"Bad_Bucket" is not ...`, `7200 is above ...`). */
function shows(message: string, input: unknown): boolean {
  if (typeof input === 'string') return message.includes(JSON.stringify(input));
  if (typeof input === 'number') return new RegExp(`(^|[^\\d.])${String(input).replace('.', '\\.')}(?![\\d.])`).test(message);
  return false;
}

function showValue(input: unknown, path: readonly PropertyKey[]): string {
  if (Array.isArray(input)) return input.length === 0 ? 'an empty array' : `an array of ${input.length}`;
  if (input === null) return 'null';
  if (typeof input === 'object') return 'an object';
  if (typeof input !== 'string') return String(input);
  // A secret's name was expected; a long string that is not one may be the secret itself, pasted by mistake.
  const secretName = path.at(-1) === 'secretId' || path.at(-1) === 'adobeCredentialsSecret' || path.at(-1) === 'userCredentialsSecret';
  if (secretName && !input.startsWith('arn:') && input.length >= MIN_MASKED_CHARS) {
    return `"${input.slice(0, 4)}…" (${input.length} characters, not shown in full in case it is a secret rather than its name)`;
  }
  return JSON.stringify(input.length <= MAX_SHOWN_VALUE_CHARS ? input : `${input.slice(0, MAX_SHOWN_VALUE_CHARS - 1)}…`);
}

/** The value a person most likely meant, where one is obvious; as it would be written in the JSON. */
function probablyMeant(issue: Issue, input: unknown, path: readonly PropertyKey[]): string | undefined {
  const field = path.at(-1);
  if (issue.code === 'invalid_value' && typeof input === 'string') {
    const meant = closestName(input, issue.values.map(String));
    return meant === undefined ? undefined : JSON.stringify(meant);
  }
  if (issue.code === 'invalid_type' && typeof input === 'string') {
    // A number or boolean written in quotes.
    if (issue.expected === 'number' && input.trim() !== '' && Number.isFinite(Number(input))) return `${Number(input)}, without quotes`;
    if (issue.expected === 'boolean' && /^(true|false)$/i.test(input.trim())) return `${input.trim().toLowerCase()}, without quotes`;
    return undefined;
  }
  if (typeof input !== 'string') return undefined;
  const lowerHyphenated = input.trim().toLowerCase().replace(/[\s_]+/g, '-');
  if (field === 'sandboxName' && SANDBOX_NAME.test(lowerHyphenated)) return JSON.stringify(lowerHyphenated);
  if (field === 'region' && REGION.test(lowerHyphenated)) return JSON.stringify(lowerHyphenated);
  if (field === 'account' && ACCOUNT.test(input.replace(/[\s-]/g, ''))) return JSON.stringify(input.replace(/[\s-]/g, ''));
  if (field === 'connectionId' && z.guid().safeParse(input.trim().replace(/^\{(.*)\}$/, '$1')).success) return JSON.stringify(input.trim().replace(/^\{(.*)\}$/, '$1'));
  return undefined;
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
  const shape: TargetShape = { method: target.method, hasRole: Boolean(target.roleArn || target.createRole), hasUserKeys: Boolean(target.userCredentialsSecret) };
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
      const problem = sessionPolicySizeProblem({ partition: target.roleArn && partitionOf(target.roleArn), bucketName: target.bucketName, folderPath: target.folderPath });
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
      if (seen.has(key)) problems.push(`${at}.connectionId: duplicates targets[${seen.get(key)}] (${parsed.data.connectionId}); each connection needs exactly one target`);
      else seen.set(key, index);
      if (method) targets.push({ ...parsed.data, method });
    });
  }

  if (root.success) {
    const config = root.data;
    for (const [field, value] of [['flowServiceUrl', config.flowServiceUrl], ['imsUrl', config.imsUrl]] as const) {
      const problem = checkServiceUrl(field, value);
      if (problem) problems.push(problem);
    }
    problems.push(...guardrailConfigProblems(config));
    // What synth would refuse about a list too long for the environment, without synthesizing.
    if (Array.isArray(rawTargets) && targets.length === rawTargets.length) problems.push(...targetsDeliveryProblems({ ...config, targets }));
    const interval = scheduleInterval(config.schedule);
    if (interval.problem !== undefined) problems.push(`schedule: ${interval.problem}`);
    // The checks across targets need every target: a partial list would give a wrong answer.
    if (Array.isArray(rawTargets) && targets.length === rawTargets.length) {
      const shortest = targets.reduce((min, target, index) => (target.durationSeconds < targets[min]!.durationSeconds ? index : min), 0);
      const field = `targets[${shortest}].durationSeconds`;
      const windowProblem = interval.seconds === undefined ? undefined : rotationWindowProblem(config.schedule, interval.seconds, targets[shortest]!.durationSeconds, field);
      if (windowProblem) problems.push(`schedule: ${windowProblem}`);
      const timeout = functionTimeout(targets.length, config.concurrency);
      if (timeout.problem !== undefined) problems.push(`targets: ${timeout.problem}`);
      // The credentials-expiring alarm must tell a healthy schedule from a stopped one and warn before expiry.
      if (interval.seconds !== undefined && !windowProblem && timeout.seconds !== undefined) {
        const plan = expiryAlarmPlan({
          intervalSeconds: interval.seconds,
          timeoutSeconds: timeout.seconds,
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
        targets,
      };
    }
  }
  throw new ConfigValidationError(problems, source);
}

/**
 * What a valid configuration leaves Adobe able to read beyond its bucket, one warning per target
 * (`targets[<i>]: connection <id>: ...`): `check-config` prints them; synth shows the same as CDK
 * warnings. Not problems: such configurations work, and worked before narrowing existed.
 */
export function configWarnings(config: Pick<RotatorConfig, 'targets'>): string[] {
  return config.targets.flatMap((target, index) => {
    const warning = unnarrowedWarning({ connectionId: target.connectionId, method: target.method, hasBucket: Boolean(target.bucketName || target.createRole) });
    return warning ? [`targets[${index}]: ${warning}`] : [];
  });
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
      throw new ConfigValidationError([`${CONFIG_FILE_CONTEXT_KEY}: must be the path of a JSON file; got ${JSON.stringify(file) ?? String(file)}`], `context "${CONFIG_FILE_CONTEXT_KEY}"`);
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
