/**
 * The construct's public props: one readonly interface per thing an app describes, every optional
 * prop with a `@default` that says what happens. Validation is in `validate-props.ts`.
 */
import type { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { TargetMethod } from '../../core/contract.js';

/** How the targets list reaches the function (`targetsDelivery` in the configuration). */
export enum TargetsDelivery {
  /** `ROTATION_TARGETS` while it fits in `MAX_TARGETS_ENV_BYTES`, a bundled file beyond. */
  AUTO = 'auto',
  /** Always `ROTATION_TARGETS`. Values such as created role ARNs resolve at deploy time. */
  ENVIRONMENT = 'environment',
  /**
   * Always a JSON file bundled with the code (`ROTATION_TARGETS_FILE`). Its content is written at
   * synth, so every value in it must be known then: created roles need `roleName` and the stack
   * a concrete account and region.
   */
  FILE = 'file',
}

/** A role the construct creates for a target: Adobe will hold its temporary credentials. */
export interface CreatedRoleOptions {
  /** The bucket the connection reads (Adobe's naming rules are checked at synth). */
  readonly bucketName: string;
  /**
   * A folder (key prefix) in the bucket: objects are readable and the bucket listable only under it.
   * @default - the whole bucket
   */
  readonly folderPath?: string;
  /**
   * A fixed IAM role name.
   * @default - CloudFormation generates one (then the role ARN is known only at deploy time, so the targets must travel
   * in `ROTATION_TARGETS`)
   */
  readonly roleName?: string;
  /**
   * The customer-managed KMS key of the bucket's SSE-KMS encryption: the role may decrypt with it
   * through S3, for objects of this bucket (and folder) only (`kms:EncryptionContext:aws:s3:arn`).
   * @default - no KMS permission (SSE-S3 or the AWS-managed `aws/s3` key)
   */
  readonly kmsKey?: kms.IKey;
  /**
   * The 12-digit account that owns the bucket: the role's S3 statements and the function's session
   * policy require `s3:ResourceAccount` to equal it, so that a bucket deleted and re-created under
   * the same name in another account is never readable.
   * @default - any owner (synth warns)
   */
  readonly bucketAccount?: string;
}

/** One Flow Service S3 base connection to keep fresh, and how to mint its credentials. */
export interface RotationTargetProps {
  /** The base connection id (a uuid). */
  readonly connectionId: string;
  /** The Experience Platform sandbox the connection lives in (lower case). */
  readonly sandboxName: string;
  /**
   * An existing role to assume. It must trust the function's role (output `RotatorFunctionRoleArn`),
   * or the IAM user when `userCredentialsSecret` is given.
   * @default - no existing role: `createRole`, or GetSessionToken with `userCredentialsSecret`
   */
  readonly roleArn?: string;
  /**
   * Create the role: trusted only by the function's role, read-only on one bucket (and folder).
   * Its sessions are narrowed to that bucket and folder too.
   * @default - no role is created
   */
  readonly createRole?: CreatedRoleOptions;
  /**
   * The bucket Adobe reads (S3's naming rules are checked at synth). Every AssumeRole or
   * GetFederationToken for the target then passes a session policy that allows only reading it,
   * whatever else the role or IAM user may do. Not with `createRole`, which names its own.
   * @default - no session policy: Adobe receives everything the role allows (synth warns)
   */
  readonly bucketName?: string;
  /**
   * The folder (key prefix) in `bucketName` Adobe reads; needs `bucketName`.
   * @default - the whole bucket
   */
  readonly folderPath?: string;
  /**
   * The 12-digit account that owns `bucketName`: the session policy requires `s3:ResourceAccount`
   * to equal it, so that a bucket deleted and re-created under the same name in another account is
   * never readable. Needs `bucketName` (with `createRole`, set `createRole.bucketAccount`).
   * @default - any owner (synth warns)
   */
  readonly bucketAccount?: string;
  /**
   * The STS call: `assume-role` (needs a role), `get-session-token` or `get-federation-token`
   * (both need `userCredentialsSecret` and no role; `get-federation-token` needs `bucketName`).
   * @default - inferred: a role means AssumeRole, `userCredentialsSecret` alone GetSessionToken
   */
  readonly method?: TargetMethod;
  /**
   * The external id AssumeRole passes (and a created role's trust policy requires).
   * @default - none
   */
  readonly externalId?: string;
  /**
   * A secret holding an IAM user's long-term keys `{"accessKeyId","secretAccessKey"}`. With a role,
   * AssumeRole is signed with them (up to 12 h); without, the function calls GetSessionToken, or
   * GetFederationToken when `method` says so.
   * @default - none: AssumeRole is signed by the function's own role (role chaining, at most 1 h)
   */
  readonly userCredentialsSecret?: secretsmanager.ISecret;
  /**
   * How long the minted credentials live. Checked against the STS call the target uses.
   * @default Duration.seconds(3600)
   */
  readonly duration?: Duration;
}

/**
 * Where the function runs in a VPC: Lambda's `VpcConfig`. From a CDK `Vpc`:
 * `{ subnets: vpc.privateSubnets, securityGroups: [securityGroup] }`; from ids:
 * `ec2.Subnet.fromSubnetId` and `ec2.SecurityGroup.fromSecurityGroupId`.
 */
export interface FunctionVpcProps {
  /**
   * 1 to 16 subnets, private ones whose route table sends internet traffic to a NAT gateway:
   * Adobe IMS and Flow Service are on the internet (docs/DEPLOY.md, "VPC egress").
   */
  readonly subnets: readonly ec2.ISubnet[];
  /** 1 to 5 security groups; together they must allow outbound HTTPS (TCP 443) to Adobe, STS and Secrets Manager. */
  readonly securityGroups: readonly ec2.ISecurityGroup[];
}

/**
 * Secrets Manager's rotation of the Adobe client secret through Adobe's I/O Management API, by a
 * rotation function the package ships. The credential's Developer Console project must have the
 * I/O Management API added, and the secret must hold `consoleOrgId` and `credentialId`
 * (docs/DEPLOY.md, "Rotating the Adobe client secret").
 */
export interface AdobeSecretRotationProps {
  /** How often Secrets Manager rotates the secret: whole days, 1 to 1000 (e.g. `Duration.days(30)`). */
  readonly every: Duration;
  /**
   * Adobe's I/O Management API.
   * @default 'https://api.adobe.io'
   */
  readonly consoleApiUrl?: string;
}

/** Properties of {@link S3CredentialRotator}. */
export interface S3CredentialRotatorProps {
  /** The connections to rotate (at least one). */
  readonly targets: readonly RotationTargetProps[];
  /**
   * When to rotate. Must repeat at least twice per shortest credential lifetime, so one failed run
   * and its retries leave time for the next.
   * @default ScheduleExpression.rate(Duration.minutes(15))
   */
  readonly schedule?: scheduler.ScheduleExpression;
  /**
   * The secret holding Adobe OAuth Server-to-Server credentials `{"clientId","clientSecret","orgId","scopes"?}`.
   * @default - a new secret with a placeholder value; put the real one with `aws secretsmanager put-secret-value`
   */
  readonly adobeCredentialsSecret?: secretsmanager.ISecret;
  /**
   * A fixed name for the Adobe secret the construct creates (not with `adobeCredentialsSecret`). The
   * secret outlives the stack; with its name fixed, a change of this construct's id or nesting that
   * would otherwise create a second, placeholder secret fails the deploy with a name conflict instead
   * (docs/DEPLOY.md, "Data that outlives the stack").
   *
   * Setting, changing or removing it on a deployed stack REPLACES the secret: CloudFormation creates
   * a new one, with a placeholder value, and retains the old one, so put the credentials again
   * (`put-secret-value`), or adopt the retained secret with `cdk import` instead.
   * @default - a name CloudFormation generates from the construct's path
   */
  readonly adobeSecretName?: string;
  /**
   * A fixed name for the rotation ledger's table. As for `adobeSecretName`, a change of this
   * construct's id or nesting then fails the deploy instead of starting an empty ledger.
   *
   * Setting, changing or removing it on a deployed stack REPLACES the table: CloudFormation creates
   * an empty one and retains the old one (its history stays there; `cdk import` adopts it instead).
   * @default - a name CloudFormation generates from the construct's path
   */
  readonly ledgerTableName?: string;
  /**
   * Flow Service base URL.
   * @default 'https://platform.adobe.io/data/foundation/flowservice'
   */
  readonly flowServiceUrl?: string;
  /**
   * Adobe IMS base URL.
   * @default 'https://ims-na1.adobelogin.com'
   */
  readonly imsUrl?: string;
  /**
   * How many connections one run rotates at a time (1 to 64).
   * @default 8
   */
  readonly concurrency?: number;
  /**
   * The function's runtime: a Node.js runtime of version 24 or later (the bundle is built for
   * Node.js 24). Set it to move to a newer Node.js runtime when Lambda offers one, as cdk-nag's
   * `AwsSolutions-L1` and `Serverless-LambdaLatestVersion` ask.
   * @default lambda.Runtime.NODEJS_24_X (those two findings are then acknowledged: the bundle is built and tested for
   * it)
   */
  readonly runtime?: lambda.Runtime;
  /**
   * The function timeout.
   * @default - 30 s plus 45 s per batch of `concurrency` targets, plus room for one slow connection's
   * one more attempt (338 s), at most Lambda's 15 minutes, and lowered where the expiry alarms need
   * it (docs/DEPLOY.md, "The window, the threshold and the timeout"); refused only when 30 s plus
   * 45 s per batch exceeds 15 minutes
   */
  readonly timeout?: Duration;
  /**
   * The function's memory in MB (128 to 10240). Lambda gives CPU in proportion to memory, one vCPU
   * at 1769 MB; below that a rotation is CPU-bound and runs longer, at about the same cost, since
   * Lambda bills GB-seconds (BENCHMARKS.md in the package, "Lambda's CPU share").
   * @default 1769 (one vCPU)
   */
  readonly memorySize?: number;
  /**
   * Reserve one concurrent execution for the function, so a manual run and a scheduled one never
   * overlap, and other functions cannot take the account's whole concurrency from it. Lambda keeps
   * 100 executions of the account's quota unreserved, so an account whose quota is 100 or less
   * (some new accounts have 10) cannot reserve any, and the deploy fails; set `false` there, or ask
   * for a higher quota. Without it, overlapping runs are safe (each PATCH carries `If-Match`, and
   * a stale one is re-read and sent again), only wasteful.
   * @default true
   */
  readonly reserveConcurrency?: boolean;
  /**
   * Whether the rotator runs on its schedule. `false` deploys it paused: the schedule stays, with
   * state DISABLED, and every alarm stays, with its actions disabled (`ActionsEnabled: false`), so
   * a paused rotator pages no one (`RotatorNotReportingAlarm` goes to ALARM when no run reports,
   * silently). Manual runs (`aep-s3-rotator rotate`) still work. Connections keep what they hold
   * until it expires. Deploying `true` again resumes both; an alarm already in ALARM then
   * notifies only on its next change of state.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * How long the function's log group keeps events.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Where alarms notify (on ALARM and back to OK).
   * @default - a new topic (subscribe to it, or see `alarmTopic`)
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Where the per-connection failing alarms (`ConnectionFailingAlarm`) notify, to open a ticket,
   * while the expiry alarms and the run-level alarms page through `alarmTopic`. Its policy must let
   * CloudWatch publish (a topic of this app gets the statement; an imported one's owner adds it).
   * @default - every alarm notifies `alarmTopic`
   */
  readonly ticketTopic?: sns.ITopic;
  /**
   * Whether each connection's metrics carry its `connectionId`, so that each connection is an alarm
   * contributor of its own (a second failing connection notifies while a first is in ALARM). CloudWatch
   * bills each custom time series: three per connection (docs/DEPLOY.md, "What the metrics cost").
   * `false` falls back to the rotator's aggregate, and synth warns what is lost.
   * @default true
   */
  readonly connectionMetrics?: boolean;
  /**
   * Powertools service name: the `service` dimension of every metric.
   * @default 'aep-s3-credential-rotator'
   */
  readonly serviceName?: string;
  /**
   * Powertools metrics namespace.
   * @default 'AepS3CredentialRotator'
   */
  readonly metricsNamespace?: string;
  /**
   * How the targets list reaches the function.
   * @default TargetsDelivery.AUTO
   */
  readonly targetsDelivery?: TargetsDelivery;
  /**
   * After each PATCH, ask Flow Service to explore the connection with the credentials it now holds,
   * so Adobe itself proves it can list the bucket (`VERIFY_WITH_ADOBE`). Turn it off only for orgs
   * whose Adobe credential may not explore connections; results then say `adobeVerified: false`.
   * @default true
   */
  readonly verifyWithAdobe?: boolean;
  /**
   * `CredentialsExpiringAlarm` fires, for a connection, when it reports less than this left on its
   * credentials (`RotatorNotReportingAlarm` when no run reports for the alarms' window). It must be
   * at least the window plus 3 minutes, so that the alarms fire before the credentials last seen
   * expire, and at most the shortest credential lifetime minus the function timeout, so that
   * healthy runs stay above it; synth refuses anything else (docs/RUNBOOK.md, `CredentialsExpiringAlarm`,
   * has the reasoning).
   * @default - the window plus one schedule interval, kept within those bounds (40 minutes for 1-hour credentials
   * rotated every 15 minutes)
   */
  readonly expiryAlarmThreshold?: Duration;
  /**
   * A fixed name for the function's role, so that trust policies in other accounts can name
   * `arn:aws:iam::<account>:role/<name>` before this stack is deployed, and the name survives a
   * redeploy. IAM role names are unique in an account (across regions): give each stack its own.
   * Adding, changing or removing it on a deployed stack replaces the role, and IAM then stops
   * honouring trust policies that named the old one until they are saved again.
   * @default - CloudFormation generates a name (see the `RotatorFunctionRoleArn` output)
   */
  readonly functionRoleName?: string;
  /**
   * The runbook alarm descriptions point to, e.g. a URL of docs/RUNBOOK.md in your repository or
   * wiki. Each description ends with `Runbook: <this>#<alarm id in lower case>`.
   * @default - the runbook of the installed package's version,
   * `https://unpkg.com/aep-s3-credential-rotator@<version>/docs/RUNBOOK.md` ({@link DEFAULT_RUNBOOK_URL}); run from
   * source (not installed), `docs/RUNBOOK.md`, with a synth warning
   */
  readonly runbookUrl?: string;
  /**
   * A managed policy set as the permissions boundary of every role the construct creates: the
   * function's, the source roles (`createRole`), EventBridge Scheduler's, and any role created
   * inside this construct later. It must allow what those roles are granted (docs/DEPLOY.md,
   * "Permissions boundary"), or the function fails at run time.
   * @default - no permissions boundary: each role's own policies are all that limits it
   */
  readonly permissionsBoundary?: iam.IManagedPolicy;
  /**
   * Tags on every taggable resource the construct creates, and on EventBridge Scheduler's role.
   * Keys of 1 to 128 and values of 0 to 256 letters, digits, spaces and `_.:/=+-@`, keys not
   * starting with `aws:`, at most 50 (checked at synth).
   * @default - no tags of the construct's own (tags applied to an enclosing scope still apply)
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * A customer-managed KMS key for the created Adobe secret, the log group, the alarm topic (when
   * the construct creates it) and both dead-letter queues. The construct grants its roles what they
   * need (the function: decrypt the secret through Secrets Manager and write the failure queue;
   * Scheduler's role: write its dead-letter queue). CloudWatch Logs and CloudWatch alarms are
   * granted in the key policy when the key belongs to this app; for an imported key, its owner must
   * add the statements in docs/DEPLOY.md ("Key policy") first. Must be in the stack's region.
   * @default - AWS-managed encryption: `aws/secretsmanager` for the secret, CloudWatch Logs' own for the log group,
   * SSE-SQS for the queues, and no server-side encryption for the topic
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Run the function in these subnets with these security groups. Its role then gets the network
   * interface permissions Lambda needs; what it must reach is in docs/DEPLOY.md, "VPC egress".
   * @default - no VPC: the function runs in Lambda's own network, with internet access
   */
  readonly vpc?: FunctionVpcProps;
  /**
   * The schedule group the schedule belongs to: EventBridge Scheduler's role trusts only
   * schedules of this group (`aws:SourceArn`).
   * @default - a group of the construct's own (`ScheduleGroup`), deleted with the stack
   */
  readonly scheduleGroup?: scheduler.IScheduleGroup;
  /**
   * IAM role or user ARNs that may read the Adobe secret besides the function's role: the secret
   * gets a resource policy denying `secretsmanager:GetSecretValue` to every other principal
   * (writing it, `put-secret-value`, stays with IAM). `*` and `?` match within a name, e.g.
   * `arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_*`.
   * A secret imported with `fromSecret*` cannot take a resource policy: then this must be unset,
   * and the secret's owner adds the statement in docs/DEPLOY.md.
   * @default - only the function's role may read the secret (when the construct can set its policy)
   */
  readonly secretReaders?: readonly string[];
  /**
   * Refuse at synth a target whose credentials cannot be narrowed to the bucket Adobe reads:
   * GetSessionToken (its credentials take no session policy), or a role without `bucketName`.
   * Recommended for production (docs/DEPLOY.md, "Narrowed credentials").
   * @default false: such targets deploy, with a synth warning each
   */
  readonly requireNarrowedCredentials?: boolean;
  /**
   * Rotate the Adobe client secret on a schedule: a rotation function with its own role (reading
   * and writing only this secret's versions), a `RotationSchedule` on the secret, and
   * `AdobeSecretRotationFailedAlarm`. Its role is allowed to read the secret besides the
   * function's (as `secretReaders` are). `enabled: false` and `pause` do not stop it.
   * @default - not rotated by Secrets Manager: rotate in Developer Console and put the new value (cdk-nag's
   * AwsSolutions-SMG4 is acknowledged)
   */
  readonly adobeSecretRotation?: AdobeSecretRotationProps;
}

/** Props that describe an impossible deployment; lists every problem with the prop path. */
export class S3CredentialRotatorValidationError extends Error {
  readonly code = 'ROTATOR_PROPS_INVALID';

  constructor(
    readonly problems: readonly string[],
    path: string,
  ) {
    super(`${path}: invalid S3CredentialRotator props:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'S3CredentialRotatorValidationError';
  }
}
