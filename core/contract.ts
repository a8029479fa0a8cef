/**
 * The function's contract, in one place: the names of its environment variables and metrics, the
 * limits and defaults it applies, the patterns its fields follow, the one schema of a target
 * (discriminated by how its credentials are minted), and {@link toFunctionEnv}, the one way to
 * turn a configuration into the function's environment.
 *
 * The function reads it (`config.ts`, `observability.ts`), and so do the CDK construct (which
 * writes the environment and the alarms on these metrics), the operator CLI (`rotate --local`)
 * and the emulators' world (tests, the demo, the bench). The CDK-side configuration (lib/config/config.ts)
 * extends the target schema with what only a deployment has (`createRole`, secrets by reference).
 *
 * How a target's credentials are minted (core/mint-methods.ts) and which URLs may stand for an
 * Adobe endpoint (core/service-urls.ts) are modules of their own, re-exported here.
 *
 * Pure and small on purpose: zod and the session-policy rules only, no Powertools, no SDK, no
 * aws-cdk-lib, so `cdk synth` and the CLI load nothing they do not need.
 */
import type { MintMethod, TargetMethod } from './mint-methods.js';
import type { FieldFormat } from './rules.js';

// Parts of the contract with a module of their own, re-exported here so that every importer keeps one path.
export {
  DURATION_LIMITS,
  mintMethodFor,
  TARGET_METHODS,
  targetMethodOf,
  type MintMethod,
  type TargetFacts,
  type TargetMethod,
} from './mint-methods.js';
export { checkServiceUrl, serviceUrlProblem } from './service-urls.js';

// ------------------------------------------------------------------ names

/** The function's own environment variables (the AWS SDK reads its own: `AWS_REGION`, `AWS_ENDPOINT_URL_*`). */
export const ENV = {
  /** Required. Secret id or ARN holding `{"clientId","clientSecret","orgId","scopes"?}`. */
  adobeCredentialsSecretId: 'ADOBE_CREDENTIALS_SECRET_ID',
  /** A JSON array of targets; exactly one of this and {@link ENV.rotationTargetsFile}. */
  rotationTargets: 'ROTATION_TARGETS',
  /** A bundled JSON file of the same shape, for lists beyond Lambda's 4 KB environment. */
  rotationTargetsFile: 'ROTATION_TARGETS_FILE',
  /** @default DEFAULT_FLOW_SERVICE_URL */
  flowServiceUrl: 'FLOW_SERVICE_URL',
  /** @default DEFAULT_IMS_URL */
  imsUrl: 'ADOBE_IMS_URL',
  /** Adobe's I/O Management API (inspect counts the credential's client secrets). @default https://api.adobe.io */
  adobeConsoleApiUrl: 'ADOBE_CONSOLE_API_URL',
  /** @default DEFAULT_CONCURRENCY */
  concurrency: 'ROTATION_CONCURRENCY',
  /** @default true */
  verifyWithAdobe: 'VERIFY_WITH_ADOBE',
  /** The rotation ledger's DynamoDB table. @default none: no ledger is written */
  ledgerTableName: 'LEDGER_TABLE_NAME',
  /** Powertools' own: the `service` dimension and log field. @default DEFAULT_SERVICE_NAME */
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  /** Powertools' own: the metrics namespace. @default DEFAULT_METRICS_NAMESPACE */
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  /**
   * The value of the `rotator` dimension of every metric, unique to one deployed rotator so that two
   * never share a time series. The construct leaves it unset: its alarms query the function's name.
   * @default AWS_LAMBDA_FUNCTION_NAME (Lambda sets it), else the service name
   */
  rotatorName: 'ROTATOR_NAME',
  /**
   * `false`: metrics carry no `connectionId` and go out as one aggregate per run (for very large
   * fleets, where a time series per connection costs too much; see docs/DEPLOY.md).
   * @default true
   */
  connectionMetrics: 'CONNECTION_METRICS',
} as const;

/** Metric names: the function writes exactly these, the construct's alarms and dashboard read them. */
export const METRIC = {
  /** One per rotated connection. */
  rotationSucceeded: 'RotationSucceeded',
  /** One per failed connection; a run of every target with no failure adds one 0. */
  rotationFailed: 'RotationFailed',
  /** One per `1404-412` answer. */
  etagConflict: 'EtagConflict',
  /** For every connection tried: seconds until what it holds expires (0 when unknown). Alarms use its Minimum. */
  secondsUntilCredentialExpiry: 'SecondsUntilCredentialExpiry',
  /** One per ledger write that failed (the rotation itself is unaffected). */
  ledgerWriteFailed: 'LedgerWriteFailed',
  /** Per connection (Adobe's check on): its dataflows whose last run since the previous attempt failed (0 included). */
  dataflowRunFailed: 'DataflowRunFailed',
  /**
   * Per scheduled run of every target: S3 connections with temporary credentials no target rotates, in its sandboxes.
   */
  unmanagedTemporaryConnections: 'UnmanagedTemporaryConnections',
} as const;

/**
 * The dimensions of the function's metrics. Every metric carries `service` and `rotator`; each
 * connection's `RotationSucceeded`, `RotationFailed` and `SecondsUntilCredentialExpiry` also go
 * out with `connectionId` (and `shard` in a fleet too large for one Metrics Insights query), beside
 * the same values without it (the rotator's aggregate, which the dashboard and the guard read).
 */
export const METRIC_DIMENSION = {
  /** Powertools' own: `POWERTOOLS_SERVICE_NAME`. */
  service: 'service',
  /** One deployed rotator ({@link ENV.rotatorName}). */
  rotator: 'rotator',
  /** The Flow Service connection the value is about. */
  connectionId: 'connectionId',
  /**
   * Which of the per-connection alarm queries watches the connection ({@link metricShardOf}); absent while one query
   * covers the fleet.
   */
  shard: 'shard',
  /** `"true"` on a paused connection's series: the per-connection alarms' SCHEMA() leaves it out. */
  paused: 'paused',
} as const;

/**
 * The most time series one Metrics Insights query returns; an alarm on a query that matches more
 * evaluates only part of them (`PARTIAL_DATA`).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-limits.html
 */
export const MAX_SERIES_PER_QUERY = 500;

/** How many per-connection alarm queries a fleet of `targetCount` needs: one per 500 connections. */
export function metricShardCount(targetCount: number): number {
  return Math.max(1, Math.ceil(targetCount / MAX_SERIES_PER_QUERY));
}

/**
 * The `shard` dimension of the target at `index` of the configured list, or undefined while one
 * query covers the fleet. Contiguous blocks of 500, so that targets added at the end move no
 * existing connection to another series.
 */
export function metricShardOf(index: number, targetCount: number): string | undefined {
  return metricShardCount(targetCount) > 1 ? String(Math.floor(index / MAX_SERIES_PER_QUERY)) : undefined;
}

/**
 * A `ROTATOR_NAME`: letters, digits and `_.:/-`, at most 255 (a dimension value; never a quote, so it sits in a query
 * as it is).
 */
export const ROTATOR_NAME = /^[\w.:/-]{1,255}$/;

/** The rotation ledger's partition key: one item per connection. */
export const LEDGER_KEY = 'connectionId';

// ------------------------------------------------------------------ defaults and limits

/**
 * Adobe's documented production endpoints
 * (https://developer.adobe.com/experience-platform-apis/references/flow-service/).
 */
export const DEFAULT_FLOW_SERVICE_URL = 'https://platform.adobe.io/data/foundation/flowservice';
export const DEFAULT_IMS_URL = 'https://ims-na1.adobelogin.com';
export const DEFAULT_CONCURRENCY = 8;
/**
 * The function's HTTP policy toward Adobe (lambda/http-policy.ts), in one place because the
 * function timeout is sized from it (core/rotation-rules.ts, `functionTimeout`).
 */
export const ADOBE_HTTP_LIMITS = {
  /** Per attempt, from request start to the last byte. */
  timeoutMs: 10_000,
  /** Retries after the first attempt (429, 5xx, timeouts, resets). */
  retryLimit: 3,
  /** Cap of got's exponential backoff (1 s, 2 s, 4 s, ...). */
  backoffLimitMs: 8_000,
  /** A `Retry-After` longer than this is not waited for: the attempt fails instead. */
  maxRetryAfterMs: 30_000,
} as const;
export const MIN_CONCURRENCY = 1;
export const MAX_CONCURRENCY = 64;
export const DEFAULT_DURATION_SECONDS = 3600;
export const DEFAULT_SERVICE_NAME = 'aep-s3-credential-rotator';
export const DEFAULT_METRICS_NAMESPACE = 'AepS3CredentialRotator';
/** More targets than this is a misconfiguration, not a workload (one invocation must finish in 15 min). */
export const MAX_TARGETS = 5000;

// ------------------------------------------------------------------ patterns

/** A Flow Service connection id: a uuid. */
export const CONNECTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Adobe sandbox names: lower-case letters, digits and hyphens (sent, lower case, in `x-sandbox-name`). */
export const SANDBOX_NAME = /^[a-z0-9](?:[a-z0-9-]{0,254}[a-z0-9])?$/;
/**
 * The partitions AWS has, as an ARN's second field (the commercial regions, China, GovCloud, the
 * isolated regions, the European Sovereign Cloud); none longer than `aws-us-gov`, which the
 * session policy's size check counts on (core/session-policy.ts).
 */
export const PARTITION_PATTERN = 'aws(?:-cn|-us-gov|-iso(?:-[bef])?|-eusc)?';
/**
 * An AWS region name in any of those partitions: two letters (`eu-west-1`, `cn-north-1`,
 * `us-gov-west-1`, `us-iso-east-1`, `eu-isoe-west-1`) or the European Sovereign Cloud's `eusc`
 * (`eusc-de-east-1`), then words, then a number.
 */
export const REGION = /^(?:[a-z]{2}|eusc)(?:-[a-z]+)+-\d{1,2}$/;
/** An IAM role ARN in any partition. */
export const ROLE_ARN = new RegExp(`^arn:${PARTITION_PATTERN}:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}$`);
/** https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (ExternalId). */
export const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/** A role name IAM accepts: https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName). */
export const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** The allowed form of each target field checked by pattern: every door's message says `must be <allowed>`. */
export const TARGET_FIELD_FORMATS = {
  connectionId: {
    pattern: CONNECTION_ID,
    allowed: 'a Flow Service connection id (a uuid like 4cb0c374-d3bb-4557-b139-5712880adc55)',
  },
  sandboxName: {
    pattern: SANDBOX_NAME,
    allowed: 'a sandbox name: lower-case letters, digits and hyphens (e.g. "prod")',
  },
  roleArn: { pattern: ROLE_ARN, allowed: 'an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>' },
  externalId: { pattern: EXTERNAL_ID, allowed: '2 to 1224 characters of letters, digits and +=,.@:/-' },
  roleName: { pattern: ROLE_NAME, allowed: 'an IAM role name: 1 to 64 letters, digits and +=,.@_-' },
  bucketAccount: { pattern: /^\d{12}$/, allowed: 'the 12-digit id of the AWS account that owns the bucket' },
} as const satisfies Record<string, FieldFormat>;

// ------------------------------------------------------------------ the function's targets

/**
 * One entry of `ROTATION_TARGETS`: what the function receives for a target (what
 * {@link toFunctionEnv} writes). Every field but the connection's id and sandbox is optional, and
 * `method` is inferred when absent ({@link mintMethodFor}); the function refuses an entry that breaks a rule.
 */
export interface FunctionTargetEntry {
  /** The Flow Service base connection id (a uuid). */
  readonly connectionId: string;
  /** The Experience Platform sandbox the connection lives in. */
  readonly sandboxName: string;
  /** The role AssumeRole assumes. */
  readonly roleArn?: string;
  /** The external id AssumeRole passes. */
  readonly externalId?: string;
  /** The secret holding an IAM user's long-term keys, which sign the STS call. */
  readonly userCredentialsSecretId?: string;
  /** How long the minted credentials live. @default DEFAULT_DURATION_SECONDS */
  readonly durationSeconds?: number;
  /** The STS call, when it cannot be inferred (GetFederationToken). */
  readonly method?: TargetMethod;
  /** The bucket Adobe reads: the session is narrowed to it. */
  readonly bucketName?: string;
  /** The folder (key prefix) in `bucketName`. */
  readonly folderPath?: string;
  /**
   * The account that owns `bucketName`: the session policy requires it (`s3:ResourceAccount`).
   * @default none: any owner
   */
  readonly bucketAccount?: string;
  /**
   * `false`: no Adobe check after this connection's PATCH (a created role without its folder); written only when false.
   * @default as `VERIFY_WITH_ADOBE`
   */
  readonly verifyWithAdobe?: boolean;
}

/** What every validated target has, whichever STS call mints its credentials. */
interface RotationTargetBase {
  readonly connectionId: string;
  readonly sandboxName: string;
  readonly durationSeconds: number;
  readonly bucketName?: string;
  /** Normalized: no leading or trailing slash. */
  readonly folderPath?: string;
  readonly bucketAccount?: string;
  readonly verifyWithAdobe?: boolean;
}

/**
 * A `ROTATION_TARGETS` entry as the function uses it once validated: a view discriminated by how its
 * credentials are minted, so the fields a method needs are there by type (a role for AssumeRole,
 * IAM-user keys when they sign, a bucket for GetFederationToken, whose federated user may do only
 * what its session policy allows).
 */
export type RotationTarget =
  | (RotationTargetBase & {
      readonly method: 'assume-role-chained';
      readonly roleArn: string;
      readonly externalId?: string;
      readonly userCredentialsSecretId?: undefined;
    })
  | (RotationTargetBase & {
      readonly method: 'assume-role-user-keys';
      readonly roleArn: string;
      readonly externalId?: string;
      readonly userCredentialsSecretId: string;
    })
  | (RotationTargetBase & {
      readonly method: 'get-session-token';
      readonly roleArn?: undefined;
      readonly externalId?: undefined;
      readonly userCredentialsSecretId: string;
    })
  | (RotationTargetBase & {
      readonly method: 'get-federation-token';
      readonly roleArn?: undefined;
      readonly externalId?: undefined;
      readonly userCredentialsSecretId: string;
      readonly bucketName: string;
    });

// ------------------------------------------------------------------ the function's environment

/**
 * A target as a configuration knows it, before it becomes a `ROTATION_TARGETS` entry: a view of
 * {@link FunctionTargetEntry} with its STS call resolved.
 */
export type TargetForEnv = Omit<FunctionTargetEntry, 'method' | 'durationSeconds'> & {
  readonly method: MintMethod;
  readonly durationSeconds: number;
};

/**
 * The `ROTATION_TARGETS` entry for a target: only the fields it has, and `method` only where it
 * cannot be inferred (GetFederationToken), so every list a configuration wrote before `method`
 * existed reads the same.
 */
export function toTargetEntry(target: TargetForEnv): FunctionTargetEntry {
  return {
    connectionId: target.connectionId,
    sandboxName: target.sandboxName,
    ...(target.roleArn ? { roleArn: target.roleArn } : {}),
    ...(target.externalId ? { externalId: target.externalId } : {}),
    ...(target.userCredentialsSecretId ? { userCredentialsSecretId: target.userCredentialsSecretId } : {}),
    durationSeconds: target.durationSeconds,
    ...(target.method === 'get-federation-token' ? { method: 'get-federation-token' as const } : {}),
    ...(target.bucketName ? { bucketName: target.bucketName } : {}),
    ...(target.folderPath ? { folderPath: target.folderPath } : {}),
    ...(target.bucketAccount ? { bucketAccount: target.bucketAccount } : {}),
    ...(target.verifyWithAdobe === false ? { verifyWithAdobe: false } : {}),
  };
}

/** What the function's environment is made of. Omitted settings are left to the function's defaults. */
export interface FunctionSettings {
  readonly adobeCredentialsSecretId: string;
  /** The entries for `ROTATION_TARGETS`, or the path of a bundled file for `ROTATION_TARGETS_FILE`. */
  readonly targets: readonly FunctionTargetEntry[] | { readonly file: string };
  readonly flowServiceUrl?: string;
  readonly imsUrl?: string;
  /** @default the function's, https://api.adobe.io */
  readonly adobeConsoleApiUrl?: string;
  readonly concurrency?: number;
  readonly verifyWithAdobe?: boolean;
  /** The rotation ledger's table name. @default none */
  readonly ledgerTableName?: string;
  readonly serviceName?: string;
  readonly metricsNamespace?: string;
  /** `false`: aggregate metrics only. @default true (the variable is left unset) */
  readonly connectionMetrics?: boolean;
}

/**
 * The function's environment for `settings`: the one place a configuration (the construct's
 * props, the CLI's `rotate --local`, the emulators' world) becomes the variables the function
 * reads ({@link ENV}; README, "The function").
 *
 * @param stringify how to write the target list (the construct passes `Stack.toJsonString`, which
 * resolves deploy-time values such as created roles' ARNs). @default JSON.stringify
 */
export function toFunctionEnv(
  settings: FunctionSettings,
  { stringify = JSON.stringify }: { stringify?: (value: unknown) => string } = {},
): Record<string, string> {
  const { targets } = settings;
  return {
    [ENV.adobeCredentialsSecretId]: settings.adobeCredentialsSecretId,
    ...('file' in targets
      ? { [ENV.rotationTargetsFile]: targets.file }
      : { [ENV.rotationTargets]: stringify(targets) }),
    ...(settings.flowServiceUrl !== undefined ? { [ENV.flowServiceUrl]: settings.flowServiceUrl } : {}),
    ...(settings.imsUrl !== undefined ? { [ENV.imsUrl]: settings.imsUrl } : {}),
    ...(settings.adobeConsoleApiUrl !== undefined ? { [ENV.adobeConsoleApiUrl]: settings.adobeConsoleApiUrl } : {}),
    ...(settings.concurrency !== undefined ? { [ENV.concurrency]: String(settings.concurrency) } : {}),
    ...(settings.verifyWithAdobe !== undefined ? { [ENV.verifyWithAdobe]: String(settings.verifyWithAdobe) } : {}),
    ...(settings.ledgerTableName !== undefined ? { [ENV.ledgerTableName]: settings.ledgerTableName } : {}),
    ...(settings.serviceName !== undefined ? { [ENV.serviceName]: settings.serviceName } : {}),
    ...(settings.metricsNamespace !== undefined ? { [ENV.metricsNamespace]: settings.metricsNamespace } : {}),
    // Only when off: the environment of every rotator deployed before the switch stays as it was.
    ...(settings.connectionMetrics === false ? { [ENV.connectionMetrics]: 'false' } : {}),
  };
}
