/**
 * The function's configuration: read from the environment once per container, validated with a
 * schema, and turned into typed targets. Every problem names the variable (and the entry of
 * `ROTATION_TARGETS`) and what is allowed; nothing is rotated while any remains.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { folderPathProblem, normalizeFolderPath, partitionOf, s3BucketNameProblem, sessionPolicySizeProblem } from './session-policy.js';

/** Adobe's documented production endpoints (FLOW-SERVICE.md). */
export const DEFAULT_FLOW_SERVICE_URL = 'https://platform.adobe.io/data/foundation/flowservice';
export const DEFAULT_IMS_URL = 'https://ims-na1.adobelogin.com';
export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_DURATION_SECONDS = 3600;
/** More targets than this is a misconfiguration, not a workload (one invocation must finish in 15 min). */
export const MAX_TARGETS = 5000;
const MAX_TARGETS_JSON_BYTES = 5 * 1024 * 1024;

/**
 * STS duration limits per call.
 * - AssumeRole signed by the function's own role is role chaining: capped at one hour
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining).
 * - AssumeRole signed with IAM-user keys: up to the role's MaxSessionDuration, at most 12 h.
 * - GetSessionToken: 900 s to 36 h (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html).
 * - GetFederationToken with IAM-user keys: 900 s to 36 h (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html).
 */
export const DURATION_LIMITS = {
  'assume-role-chained': { min: 900, max: 3600 },
  'assume-role-user-keys': { min: 900, max: 43_200 },
  'get-session-token': { min: 900, max: 129_600 },
  'get-federation-token': { min: 900, max: 129_600 },
} as const;

/** The STS call a target's credentials come from, and who signs it. */
export type MintMethod = keyof typeof DURATION_LIMITS;

/**
 * The values of a target's optional `method` field. Without it the call is inferred from the
 * fields, as before the field existed: a role means AssumeRole, IAM-user keys alone GetSessionToken.
 * GetFederationToken is never inferred: it must be asked for.
 */
export const TARGET_METHODS = ['assume-role', 'get-session-token', 'get-federation-token'] as const;
export type TargetMethod = (typeof TARGET_METHODS)[number];

/** One connection to keep fresh, and how to mint its credentials. */
export interface RotationTarget {
  readonly connectionId: string;
  readonly sandboxName: string;
  readonly method: MintMethod;
  /** Present for the AssumeRole methods. */
  readonly roleArn?: string;
  readonly externalId?: string;
  /** Present for `assume-role-user-keys`, `get-session-token` and `get-federation-token`. */
  readonly userCredentialsSecretId?: string;
  readonly durationSeconds: number;
  /**
   * The bucket Adobe reads: when present, every AssumeRole or GetFederationToken for this target
   * passes a session policy allowing only reads of it (see `session-policy.ts`).
   */
  readonly bucketName?: string;
  /** The folder (key prefix, no leading or trailing slash) in `bucketName` Adobe reads; undefined: the whole bucket. */
  readonly folderPath?: string;
}

/** What {@link mintMethodFor} and {@link narrowingProblems} look at in a target, however it is written. */
export interface TargetFacts {
  /** The target's `method` field, if it has one. */
  readonly method?: TargetMethod;
  /** The target names a role (roleArn) or has the stack create one (createRole). */
  readonly hasRole: boolean;
  /** The target names a secret holding an IAM user's long-term keys. */
  readonly hasUserKeys: boolean;
  readonly hasBucket: boolean;
  readonly hasFolder: boolean;
}

/**
 * The STS call for a target: the one its `method` names (AssumeRole signed by the function's role
 * or by the IAM user, depending on the keys), else inferred exactly as before `method` existed.
 * @returns undefined when the target has no `method`, no role and no IAM-user keys.
 */
export function mintMethodFor({ method, hasRole, hasUserKeys }: Pick<TargetFacts, 'method' | 'hasRole' | 'hasUserKeys'>): MintMethod | undefined {
  if (method === 'get-session-token' || method === 'get-federation-token') return method;
  if (method === 'assume-role' || hasRole) return hasUserKeys ? 'assume-role-user-keys' : 'assume-role-chained';
  return hasUserKeys ? 'get-session-token' : undefined;
}

/**
 * Problems of a target's `method`, IAM-user keys, role, bucket and folder taken together, as
 * `[field, message]` (the field relative to the target). The three configuration parsers share it,
 * each naming its own fields.
 *
 * @param names.role the role field(s) the target has or could have, e.g. `roleArn` or `roleArn or createRole`.
 * @param names.userKeys the IAM-user keys field, e.g. `userCredentialsSecretId`.
 */
export function narrowingProblems(facts: TargetFacts, names: { readonly role: string; readonly userKeys: string }): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  const { method } = facts;
  if (facts.hasFolder && !facts.hasBucket) {
    problems.push(['folderPath', 'needs bucketName: the folder is a key prefix inside that bucket; add bucketName, or remove folderPath']);
  }
  if (method === 'assume-role' && !facts.hasRole) {
    problems.push(['method', `"assume-role" needs ${names.role}; add it, or use "get-federation-token" to mint with the IAM user's own keys`]);
  }
  if ((method === 'get-session-token' || method === 'get-federation-token') && facts.hasRole) {
    problems.push(['method', `"${method}" is signed with the IAM user's own keys and assumes no role; remove ${names.role}, or use "method": "assume-role"`]);
  }
  if ((method === 'get-session-token' || method === 'get-federation-token') && !facts.hasUserKeys) {
    problems.push([names.userKeys, `is required with "method": "${method}": the IAM user's long-term keys sign that call`]);
  }
  const resolved = mintMethodFor(facts);
  if (resolved === 'get-session-token' && facts.hasBucket) {
    problems.push([
      'bucketName',
      'GetSessionToken takes no session policy, so its credentials cannot be narrowed to a bucket; add "method": "get-federation-token" (the same IAM-user keys, narrowed to bucketName and folderPath)',
    ]);
  }
  if (resolved === 'get-federation-token' && !facts.hasBucket) {
    problems.push([
      'bucketName',
      'is required with "method": "get-federation-token": a federated user may do only what its session policy allows, and without a bucket there is none to allow reading',
    ]);
  }
  return problems;
}

export interface RotatorConfig {
  readonly adobeCredentialsSecretId: string;
  readonly targets: readonly RotationTarget[];
  readonly flowServiceUrl: string;
  readonly imsUrl: string;
  readonly concurrency: number;
  /** After each PATCH, ask Flow Service to explore the connection with the new credentials (`VERIFY_WITH_ADOBE`). */
  readonly verifyWithAdobe: boolean;
}

const ROLE_ARN = /^arn:aws(?:-cn|-us-gov|-iso|-iso-b)?:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;
/** Adobe sandbox names: lower case letters, digits and hyphens (the header must be lower case). */
const SANDBOX_NAME = /^[a-z0-9](?:[a-z0-9-]{0,254}[a-z0-9])?$/;
/** https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (ExternalId). */
const EXTERNAL_ID = /^[\w+=,.@:\/-]{2,1224}$/;

/** A zod error map: "is required" when the field is absent, else `message`. */
export function requiredOr(message: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : message);
}

const targetSchema = z
  .object({
    connectionId: z.guid({ error: requiredOr('must be a Flow Service connection id (a uuid like 4cb0c374-d3bb-4557-b139-5712880adc55)') }),
    sandboxName: z
      .string({ error: requiredOr('must be a string') })
      .regex(SANDBOX_NAME, 'must be a sandbox name: lower-case letters, digits and hyphens (e.g. "prod")'),
    roleArn: z.string().regex(ROLE_ARN, 'must be an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>').optional(),
    externalId: z.string().regex(EXTERNAL_ID, 'must be 2 to 1224 characters of letters, digits and +=,.@:/-').optional(),
    userCredentialsSecretId: z.string().min(1, 'must not be empty').max(2048, 'must be at most 2048 characters').optional(),
    durationSeconds: z.number({ error: 'must be a whole number of seconds' }).int('must be a whole number of seconds').optional(),
    method: targetMethodSchema().optional(),
    bucketName: s3BucketNameSchema().optional(),
    folderPath: folderPathSchema().optional(),
  })
  .strict();

/** `method`: one of {@link TARGET_METHODS}; the message shows the value. */
export function targetMethodSchema() {
  return z.enum(TARGET_METHODS, {
    error: (issue) => `${JSON.stringify(issue.input)} is not a method; use one of ${TARGET_METHODS.map((method) => `"${method}"`).join(', ')}`,
  });
}

/** `bucketName`: an S3 bucket name (S3's own rules; the message shows the value). */
export function s3BucketNameSchema() {
  return z.string({ error: 'must be a string' }).superRefine((name, ctx) => {
    const problem = s3BucketNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** `folderPath`: a key prefix, normalized to have no leading or trailing slash. */
export function folderPathSchema() {
  return z
    .string({ error: 'must be a string' })
    .superRefine((path, ctx) => {
      const problem = folderPathProblem(path);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .transform(normalizeFolderPath);
}

const METHOD_HELP: Record<MintMethod, string> = {
  'assume-role-chained':
    "AssumeRole from the function's own role is role chaining, which AWS caps at 3600; lower it, or add userCredentialsSecretId so AssumeRole is signed with IAM-user keys (up to 43200)",
  'assume-role-user-keys': 'AssumeRole signed with IAM-user keys allows at most 43200 (12 h, and no more than the role\'s MaxSessionDuration)',
  'get-session-token': 'GetSessionToken allows 900 to 129600',
  'get-federation-token': 'GetFederationToken with IAM-user keys allows 900 to 129600',
};

/** Validate a parsed `ROTATION_TARGETS` value; returns typed targets or the list of problems. */
export function parseTargets(value: unknown, source: string): { targets: RotationTarget[]; problems: string[] } {
  const problems: string[] = [];
  if (!Array.isArray(value)) return { targets: [], problems: [`${source}: must be a JSON array of targets`] };
  if (value.length === 0) problems.push(`${source}: must list at least one target`);
  if (value.length > MAX_TARGETS) return { targets: [], problems: [`${source}: has ${value.length} targets; at most ${MAX_TARGETS} are allowed`] };

  const targets: RotationTarget[] = [];
  const seen = new Map<string, number>();
  value.forEach((entry, index) => {
    const at = `${source}[${index}]`;
    const parsed = targetSchema.safeParse(entry);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${formatPath(at, issue.path)}: ${issueMessage(issue)}`);
      return;
    }
    const raw = parsed.data;
    const facts: TargetFacts = {
      method: raw.method,
      hasRole: Boolean(raw.roleArn),
      hasUserKeys: Boolean(raw.userCredentialsSecretId),
      hasBucket: Boolean(raw.bucketName),
      hasFolder: Boolean(raw.folderPath),
    };
    const method = mintMethodFor(facts);
    if (!method) {
      problems.push(`${at}: needs roleArn (AssumeRole) or userCredentialsSecretId (GetSessionToken); it has neither`);
      return;
    }
    for (const [field, message] of narrowingProblems(facts, { role: 'roleArn', userKeys: 'userCredentialsSecretId' })) problems.push(`${at}.${field}: ${message}`);
    if (raw.externalId && !raw.roleArn) problems.push(`${at}.externalId: only applies to AssumeRole; add roleArn or remove it`);
    if (raw.bucketName && method !== 'get-session-token') {
      const problem = sessionPolicySizeProblem({ partition: raw.roleArn && partitionOf(raw.roleArn), bucketName: raw.bucketName, folderPath: raw.folderPath });
      if (problem) problems.push(`${at}.folderPath: "${raw.folderPath}" ${problem}`);
    }
    const durationSeconds = raw.durationSeconds ?? DEFAULT_DURATION_SECONDS;
    const limits = DURATION_LIMITS[method];
    if (durationSeconds < limits.min || durationSeconds > limits.max) {
      problems.push(`${at}.durationSeconds: ${durationSeconds} is outside ${limits.min} to ${limits.max}: ${METHOD_HELP[method]}`);
    }
    const key = raw.connectionId.toLowerCase();
    if (seen.has(key)) problems.push(`${at}.connectionId: duplicates ${source}[${seen.get(key)}] (${raw.connectionId})`);
    else seen.set(key, index);
    targets.push({
      connectionId: raw.connectionId,
      sandboxName: raw.sandboxName,
      method,
      roleArn: raw.roleArn,
      externalId: raw.externalId,
      userCredentialsSecretId: raw.userCredentialsSecretId,
      durationSeconds,
      ...(raw.bucketName ? { bucketName: raw.bucketName } : {}),
      ...(raw.folderPath ? { folderPath: raw.folderPath } : {}),
    });
  });
  return { targets, problems };
}

function formatPath(base: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((at, key) => (typeof key === 'number' ? `${at}[${key}]` : `${at}.${String(key)}`), base);
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field(s) ${issue.keys.join(', ')}; allowed: ${Object.keys(targetSchema.shape).join(', ')}`;
  }
  return issue.message;
}

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1']);

/** `https://` anywhere; plain `http://` only to loopback (the local emulators). */
export function checkServiceUrl(name: string, value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${name}: "${value}" is not a URL`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && (LOOPBACK_HOSTS.has(url.hostname) || /^127(?:\.\d{1,3}){3}$/.test(url.hostname))) return undefined;
  return `${name}: must use https:// (plain http:// is allowed only for loopback hosts such as 127.0.0.1); got ${url.protocol}//${url.host}`;
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

  const adobeCredentialsSecretId = env.ADOBE_CREDENTIALS_SECRET_ID?.trim() ?? '';
  if (!adobeCredentialsSecretId) {
    problems.push('ADOBE_CREDENTIALS_SECRET_ID: is required (the Secrets Manager secret id or ARN holding the Adobe OAuth credentials)');
  }

  let targets: RotationTarget[] = [];
  const inline = env.ROTATION_TARGETS?.trim();
  const file = env.ROTATION_TARGETS_FILE?.trim();
  if (inline && file) {
    problems.push('ROTATION_TARGETS, ROTATION_TARGETS_FILE: exactly one may be set; both are');
  } else if (!inline && !file) {
    problems.push('ROTATION_TARGETS: is required (a JSON array of targets), or set ROTATION_TARGETS_FILE to a bundled JSON file');
  } else {
    const source = inline ? 'ROTATION_TARGETS' : 'ROTATION_TARGETS_FILE';
    let text: string | undefined = inline;
    if (file) {
      try {
        text = readFile(file);
      } catch (error) {
        problems.push(`ROTATION_TARGETS_FILE: cannot read "${file}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
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

  const flowServiceUrl = (env.FLOW_SERVICE_URL?.trim() || DEFAULT_FLOW_SERVICE_URL).replace(/\/+$/, '');
  const imsUrl = (env.ADOBE_IMS_URL?.trim() || DEFAULT_IMS_URL).replace(/\/+$/, '');
  for (const [name, value] of [['FLOW_SERVICE_URL', flowServiceUrl], ['ADOBE_IMS_URL', imsUrl]] as const) {
    const problem = checkServiceUrl(name, value);
    if (problem) problems.push(problem);
  }

  let concurrency = DEFAULT_CONCURRENCY;
  const rawConcurrency = env.ROTATION_CONCURRENCY?.trim();
  if (rawConcurrency) {
    concurrency = Number(rawConcurrency);
    if (!/^\d+$/.test(rawConcurrency) || concurrency < 1 || concurrency > 64) {
      problems.push(`ROTATION_CONCURRENCY: must be a whole number from 1 to 64; got "${rawConcurrency}"`);
    }
  }

  let verifyWithAdobe = true;
  const rawVerify = env.VERIFY_WITH_ADOBE?.trim();
  if (rawVerify) {
    if (/^(true|1|on|yes)$/i.test(rawVerify)) verifyWithAdobe = true;
    else if (/^(false|0|off|no)$/i.test(rawVerify)) verifyWithAdobe = false;
    else problems.push(`VERIFY_WITH_ADOBE: must be true or false (default true); got "${rawVerify}"`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return { adobeCredentialsSecretId, targets, flowServiceUrl, imsUrl, concurrency, verifyWithAdobe };
}
