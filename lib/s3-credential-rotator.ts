/**
 * `S3CredentialRotator`: a scheduled Lambda function that keeps the temporary AWS credentials of
 * Adobe Experience Platform Flow Service S3 base connections fresh, with least-privilege IAM,
 * dead-letter queues, alarms and a dashboard.
 *
 * The function's contract (environment variables, event shapes, metric names) is the one
 * `lambda/config.ts`, `lambda/request.ts` and `lambda/observability.ts` read and write.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, Aws, Duration, RemovalPolicy, Stack, Stage, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { checkServiceUrl, DEFAULT_CONCURRENCY, DEFAULT_DURATION_SECONDS, DEFAULT_FLOW_SERVICE_URL, DEFAULT_IMS_URL, DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME, METRIC } from '../lambda/contract.js';
import { partitionOf } from '../lambda/session-policy.js';
import {
  bucketNameProblem,
  CONNECTION_ID,
  DEFAULT_MEMORY_MB,
  durationProblem,
  EXPIRY_ALARM_PERIOD_SECONDS,
  expiryAlarmPlan,
  folderPathProblem,
  functionTimeout,
  MAX_FUNCTION_TIMEOUT_SECONDS,
  memoryProblem,
  mintMethodOf,
  narrowingProblems,
  normalizeFolderPath,
  rotationWindowProblem,
  runAlarmPeriodSeconds,
  s3BucketNameProblem,
  SANDBOX_NAME,
  scheduleInterval,
  sessionPolicySizeProblem,
  unnarrowedWarning,
  type ExpiryAlarmPlan,
  type MintMethod,
  type TargetMethod,
} from './rotation-rules.js';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The function's entry point (exports `handler`). */
export const HANDLER_ENTRY = join(PROJECT_ROOT, 'lambda', 'handler.ts');
/** Where a bundled targets file sits in the deployment package: Lambda unpacks it in /var/task. */
export const TARGETS_FILE_NAME = 'rotation-targets.json';
export const TARGETS_FILE_PATH = `/var/task/${TARGETS_FILE_NAME}`;
/**
 * Largest `ROTATION_TARGETS` value kept in the environment. Lambda allows 4 KB for all variables
 * together; the others take about 500 bytes.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html
 */
export const MAX_TARGETS_ENV_BYTES = 3000;

/**
 * Where alarm descriptions send the operator: each appends `#<alarm construct id, lower case>`,
 * the anchor of that alarm's section in docs/RUNBOOK.md.
 */
export const DEFAULT_RUNBOOK_URL = 'docs/RUNBOOK.md';

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName). */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** How the targets list reaches the function. */
export enum TargetsDelivery {
  /** `ROTATION_TARGETS` while it fits in {@link MAX_TARGETS_ENV_BYTES}, a bundled file beyond. */
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
   * @default - CloudFormation generates one (then the role ARN is known only at deploy time, so the targets must travel in `ROTATION_TARGETS`)
   */
  readonly roleName?: string;
  /**
   * The customer-managed KMS key of the bucket's SSE-KMS encryption: the role may decrypt with it through S3.
   * @default - no KMS permission (SSE-S3 or the AWS-managed `aws/s3` key)
   */
  readonly kmsKey?: kms.IKey;
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
   * The function timeout.
   * @default - 30 s plus 45 s per batch of `concurrency` targets (refused beyond Lambda's 15 minutes)
   */
  readonly timeout?: Duration;
  /**
   * The function's memory in MB (128 to 10240). Lambda gives CPU in proportion to memory, one vCPU
   * at 1769 MB; below that a rotation is CPU-bound and runs longer, at about the same cost, since
   * Lambda bills GB-seconds (BENCHMARKS.md, "Lambda's CPU share").
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
   * `CredentialsExpiringAlarm` fires when a connection's credentials have less than this left (or
   * no run reported for its whole window). It must be at least the alarm's window plus 3 minutes,
   * so that it fires before the credentials it last saw expire, and at most the shortest
   * credential lifetime minus the function timeout, so that healthy runs stay above it; synth
   * refuses anything else (`expiryAlarmPlan` in lib/rotation-rules.ts has the reasoning).
   * @default - the alarm's window plus one schedule interval, kept within those bounds (35 minutes for 1-hour credentials rotated every 15 minutes)
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
   * @default 'docs/RUNBOOK.md' (the path in this project)
   */
  readonly runbookUrl?: string;
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

/** A target as validated: its STS call and duration in seconds (undefined while a token). */
interface CheckedTarget {
  /** Its position in `props.targets`, for messages. */
  readonly index: number;
  readonly props: RotationTargetProps;
  readonly method: MintMethod;
  readonly durationSeconds: number | undefined;
}

/** One entry of `ROTATION_TARGETS` (the shape `lambda/config.ts` reads). */
interface TargetEntry {
  connectionId: string;
  sandboxName: string;
  roleArn?: string;
  externalId?: string;
  userCredentialsSecretId?: string;
  durationSeconds: number;
  /** Only `get-federation-token`, the one call the function cannot infer from the other fields. */
  method?: 'get-federation-token';
  bucketName?: string;
  folderPath?: string;
}

/**
 * A scheduled, least-privilege, observable rotator of Flow Service S3 connection credentials.
 *
 * @example
 * new S3CredentialRotator(this, 'Rotator', {
 *   schedule: ScheduleExpression.rate(Duration.minutes(15)),
 *   targets: [{ connectionId: '4cb0c374-d3bb-4557-b139-5712880adc55', sandboxName: 'prod',
 *               createRole: { bucketName: 'acme-aep-landing', folderPath: 'daily' } }],
 * });
 */
export class S3CredentialRotator extends Construct {
  /** The rotation function. */
  readonly function: NodejsFunction;
  /** The function's execution role (roles assumed by chaining must trust it). */
  readonly functionRole: iam.Role;
  /** The secret the function reads the Adobe credentials from. */
  readonly adobeCredentialsSecret: secretsmanager.ISecret;
  /** Roles created for targets, by connection id. */
  readonly createdRoles: ReadonlyMap<string, iam.Role>;
  readonly schedule: scheduler.Schedule;
  /** Catches invocations EventBridge Scheduler could not deliver. */
  readonly scheduleDeadLetterQueue: sqs.Queue;
  /** Catches asynchronous invocations that failed after Lambda's retries. */
  readonly failureDeadLetterQueue: sqs.Queue;
  readonly alarmTopic: sns.ITopic;
  /** At least one connection failed to rotate in the last schedule interval. */
  readonly connectionFailingAlarm: cloudwatch.Alarm;
  /** A connection's credentials are about to expire, or no run has reported for too long. */
  readonly credentialsExpiringAlarm: cloudwatch.Alarm;
  /** A whole run failed (the invocation returned an error). */
  readonly errorsAlarm: cloudwatch.Alarm;
  /** Lambda could not hand a failed asynchronous run to the failure dead-letter queue. */
  readonly destinationDeliveryFailuresAlarm: cloudwatch.Alarm;
  readonly scheduleDeadLetterQueueAlarm: cloudwatch.Alarm;
  readonly failureDeadLetterQueueAlarm: cloudwatch.Alarm;
  /** Every alarm above, in the order the dashboard shows them. */
  readonly alarms: readonly cloudwatch.Alarm[];
  /** How `CredentialsExpiringAlarm` was sized (threshold, window, the warning it guarantees). */
  readonly expiryAlarm: ExpiryAlarmPlan;
  readonly dashboard: cloudwatch.Dashboard;
  /** How the targets reached the function (AUTO resolved). */
  readonly targetsDelivery: TargetsDelivery.ENVIRONMENT | TargetsDelivery.FILE;

  constructor(scope: Construct, id: string, props: S3CredentialRotatorProps) {
    super(scope, id);
    const schedule = props.schedule ?? scheduler.ScheduleExpression.rate(Duration.minutes(15));
    const concurrency = props.concurrency ?? DEFAULT_CONCURRENCY;
    const serviceName = props.serviceName ?? DEFAULT_SERVICE_NAME;
    const metricsNamespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;

    // Every check runs before any resource exists: an impossible configuration fails synth here.
    const { targets, intervalSeconds, timeoutSeconds, expiryAlarm } = this.validate(props, schedule, concurrency);
    this.expiryAlarm = expiryAlarm;
    this.warnAboutUnnarrowedTargets(targets);

    this.adobeCredentialsSecret = props.adobeCredentialsSecret ?? this.createAdobeCredentialsSecret();

    this.functionRole = new iam.Role(this, 'FunctionRole', {
      roleName: props.functionRoleName,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Rotates the temporary AWS credentials held by Adobe Experience Platform Flow Service S3 connections',
    });

    const createdRoles = new Map<string, iam.Role>();
    targets.forEach(({ props: target, index }) => {
      if (target.createRole) createdRoles.set(target.connectionId, this.createSourceRole(target, target.createRole, index));
    });
    this.createdRoles = createdRoles;

    let entries = targets.map((target) => this.targetEntry(target, createdRoles, true));
    this.targetsDelivery = this.chooseDelivery(props.targetsDelivery ?? TargetsDelivery.AUTO, entries);
    if (this.targetsDelivery === TargetsDelivery.FILE && (props.targetsDelivery ?? TargetsDelivery.AUTO) === TargetsDelivery.AUTO) {
      // A list that fitted in the environment before created roles' sessions were narrowed keeps
      // fitting there: those fields only repeat what the created role already allows, and a
      // bundled file would need every created role's ARN at synth (a roleName, an account).
      const unnarrowed = targets.map((target) => this.targetEntry(target, createdRoles, false));
      if (this.chooseDelivery(TargetsDelivery.AUTO, unnarrowed) === TargetsDelivery.ENVIRONMENT) {
        entries = unnarrowed;
        this.targetsDelivery = TargetsDelivery.ENVIRONMENT;
      }
    }
    const targetsFile = this.targetsDelivery === TargetsDelivery.FILE ? this.writeTargetsFile(entries, targets) : undefined;

    const logGroup = new logs.LogGroup(this, 'LogGroup', { retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS });

    this.failureDeadLetterQueue = this.deadLetterQueue('FailureDeadLetterQueue');
    this.scheduleDeadLetterQueue = this.deadLetterQueue('ScheduleDeadLetterQueue');

    // An event older than one interval is superseded by the next scheduled run.
    const maxEventAge = Duration.seconds(Math.min(6 * 3600, Math.max(60, intervalSeconds ?? 3600)));

    this.function = new NodejsFunction(this, 'Function', {
      entry: HANDLER_ENTRY,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      // The newest Node.js runtime Lambda supports; https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      role: this.functionRole,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_MB,
      timeout: props.timeout ?? Duration.seconds(timeoutSeconds),
      // Two runs racing on the same connections' etags would only waste requests (412, re-read).
      reservedConcurrentExecutions: props.reserveConcurrency === false ? undefined : 1,
      logGroup,
      description: `Rotates the credentials of ${targets.length} Flow Service S3 connection(s)`,
      environment: {
        ADOBE_CREDENTIALS_SECRET_ID: secretIdOf(this.adobeCredentialsSecret),
        ...(targetsFile
          ? { ROTATION_TARGETS_FILE: TARGETS_FILE_PATH }
          : { ROTATION_TARGETS: Stack.of(this).toJsonString(entries) }),
        FLOW_SERVICE_URL: props.flowServiceUrl ?? DEFAULT_FLOW_SERVICE_URL,
        ADOBE_IMS_URL: props.imsUrl ?? DEFAULT_IMS_URL,
        ROTATION_CONCURRENCY: String(concurrency),
        POWERTOOLS_SERVICE_NAME: serviceName,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
        NODE_OPTIONS: '--enable-source-maps',
      },
      // Scheduler invokes asynchronously: Lambda retries a failed run, then hands it to the queue.
      retryAttempts: 2,
      maxEventAge,
      onFailure: new QueueDestination(this.failureDeadLetterQueue),
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        target: 'node24',
        // Whitespace and syntax only: identifiers keep their names, so stack traces and error names
        // read as written without esbuild's keepNames, whose __name() call on every function and
        // class definition cost about a tenth of the CPU per rotation at 300-1,000 connections
        // (BENCHMARKS.md).
        minify: false,
        esbuildArgs: { '--minify-whitespace': true, '--minify-syntax': true },
        keepNames: false,
        sourceMap: true,
        sourcesContent: false,
        // Bundle the SDK too: the artifact then runs the versions the tests ran.
        bundleAwsSDK: true,
        tsconfig: join(PROJECT_ROOT, 'tsconfig.json'),
        // CommonJS dependencies call require(); ESM output has none.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => (targetsFile ? [copyCommand(targetsFile, join(outputDir, TARGETS_FILE_NAME))] : []),
        },
      },
    });

    this.grantFunctionPermissions(logGroup, targets, createdRoles);

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      schedule,
      description: 'Rotates the credentials of Flow Service S3 connections',
      timeWindow: scheduler.TimeWindow.off(),
      target: new ExactLambdaInvoke(this.function, {
        input: scheduler.ScheduleTargetInput.fromObject({
          source: 'aep-s3-rotator.schedule',
          scheduleArn: scheduler.ContextAttribute.scheduleArn,
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
          executionId: scheduler.ContextAttribute.executionId,
          attemptNumber: scheduler.ContextAttribute.attemptNumber,
        }),
        // Retries cover failures to deliver (Lambda throttling the Invoke call, service errors).
        retryAttempts: 3,
        maxEventAge,
        deadLetterQueue: this.scheduleDeadLetterQueue,
      }),
    });

    this.alarmTopic = props.alarmTopic ?? new sns.Topic(this, 'AlarmTopic', { displayName: 'AEP S3 credential rotator alarms', enforceSSL: true });
    const runbook = props.runbookUrl ?? DEFAULT_RUNBOOK_URL;
    const describe = (id: string, meaning: string) => `${meaning} Runbook: ${runbook}#${id.toLowerCase()}`;
    // One period per schedule interval: it holds one scheduled run, and with missing data ignored
    // the state holds until the next run instead of flapping back to OK between runs.
    const runPeriod = Duration.seconds(runAlarmPeriodSeconds(intervalSeconds ?? expiryAlarm.fallbackIntervalSeconds));
    const expiryThreshold = props.expiryAlarmThreshold?.toSeconds() ?? expiryAlarm.thresholdSeconds;
    const expiryThresholdText = Token.isUnresolved(expiryThreshold) ? 'the alarm threshold' : `${expiryThreshold} s (${Math.floor(expiryThreshold / 60)} min)`;

    this.connectionFailingAlarm = this.metric(METRIC.rotationFailed, 'Sum', serviceName, metricsNamespace)
      .with({ period: runPeriod })
      .createAlarm(this, 'ConnectionFailingAlarm', {
        alarmDescription: describe(
          'ConnectionFailingAlarm',
          'At least one connection failed to rotate in the last schedule interval, even if the others rotated. It stays in ALARM until a run of every target has no failure. ' +
            "The function's log names each failed connection with its errorCode (Adobe's, such as 1404-412, or the rotator's, such as OUT_OF_TIME).",
        ),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // A run of every target without failure writes RotationFailed 0 (back to OK); nothing between runs.
        treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      });
    // Sized and explained in lib/rotation-rules.ts, expiryAlarmPlan.
    this.credentialsExpiringAlarm = new cloudwatch.Alarm(this, 'CredentialsExpiringAlarm', {
      alarmDescription: describe(
        'CredentialsExpiringAlarm',
        `A connection's credentials have less than ${expiryThresholdText} left, or no run has reported for ${expiryAlarm.evaluationPeriods} minutes ` +
          '(schedule disabled or not invoking, function not running or crashing): Adobe may soon hold expired credentials and stop ingesting.',
      ),
      metric: this.metric(METRIC.secondsUntilCredentialExpiry, 'Minimum', serviceName, metricsNamespace).with({ period: Duration.seconds(EXPIRY_ALARM_PERIOD_SECONDS) }),
      threshold: expiryThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: expiryAlarm.evaluationPeriods,
      datapointsToAlarm: expiryAlarm.evaluationPeriods,
      // No data for the whole window means no run reported: as bad as a low value.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.errorsAlarm = this.function.metricErrors({ period: runPeriod, statistic: 'Sum' }).createAlarm(this, 'ErrorsAlarm', {
      alarmDescription: describe(
        'ErrorsAlarm',
        'A whole run failed: it rotated nothing while at least one connection failed, or the configuration, request or Adobe secret is invalid, or the function crashed or timed out. ' +
          'A run in which some connections rotated does not count (see ConnectionFailingAlarm). Lambda retries a failed scheduled run twice.',
      ),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // Lambda publishes Errors (0 or more) for every period with an invocation, nothing otherwise.
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });
    this.destinationDeliveryFailuresAlarm = this.function
      .metric('DestinationDeliveryFailures', { period: runPeriod, statistic: 'Sum' })
      .createAlarm(this, 'DestinationDeliveryFailuresAlarm', {
        alarmDescription: describe(
          'DestinationDeliveryFailuresAlarm',
          "Lambda could not send a failed asynchronous run to the failure dead-letter queue (queue deleted, permission removed, record too large): the run's event and error are lost; only the function's log has them.",
        ),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // Lambda publishes this metric only when a delivery fails: no later datapoint would ever clear an "ignore".
        // https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.scheduleDeadLetterQueueAlarm = this.queueAlarm(
      'ScheduleDeadLetterQueueAlarm',
      this.scheduleDeadLetterQueue,
      describe(
        'ScheduleDeadLetterQueueAlarm',
        'EventBridge Scheduler could not invoke the function after its retries (deleted function, missing permission, throttling): a scheduled run did not happen. The message in the queue says why; the alarm stays until the queue is empty.',
      ),
    );
    this.failureDeadLetterQueueAlarm = this.queueAlarm(
      'FailureDeadLetterQueueAlarm',
      this.failureDeadLetterQueue,
      describe(
        'FailureDeadLetterQueueAlarm',
        'An asynchronous run failed as a whole on its first attempt and both Lambda retries, or waited too long behind a running one: that run is abandoned. The message holds the request and the error; the alarm stays until the queue is empty.',
      ),
    );
    this.alarms = [
      this.connectionFailingAlarm,
      this.credentialsExpiringAlarm,
      this.errorsAlarm,
      this.destinationDeliveryFailuresAlarm,
      this.scheduleDeadLetterQueueAlarm,
      this.failureDeadLetterQueueAlarm,
    ];
    if (!props.alarmTopic) this.allowAlarmsToPublish(this.alarmTopic as sns.Topic);
    const action = new cloudwatchActions.SnsAction(this.alarmTopic);
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }

    this.dashboard = this.createDashboard(serviceName, metricsNamespace, intervalSeconds, expiryThreshold);
    this.acknowledgeNagFindings(props);
  }

  /** Check everything props can get wrong; throws listing all problems. Skips unresolved tokens. */
  private validate(props: S3CredentialRotatorProps, schedule: scheduler.ScheduleExpression, concurrency: number) {
    const problems: string[] = [];
    if (props.targets.length === 0) problems.push('targets: must list at least one target');
    if (!Token.isUnresolved(concurrency) && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)) {
      problems.push(`concurrency: ${concurrency} is not a whole number from 1 to 64`);
    }
    const memory = props.memorySize === undefined || Token.isUnresolved(props.memorySize) ? undefined : memoryProblem(props.memorySize);
    if (memory) problems.push(`memorySize: ${memory}`);
    if (props.functionRoleName !== undefined && !Token.isUnresolved(props.functionRoleName) && !ROLE_NAME.test(props.functionRoleName)) {
      problems.push(`functionRoleName: "${props.functionRoleName}" is not an IAM role name: 1 to 64 letters, digits and +=,.@_-`);
    }
    const runbookProblem = props.runbookUrl === undefined || Token.isUnresolved(props.runbookUrl) ? undefined : runbookUrlProblem(props.runbookUrl);
    if (runbookProblem) problems.push(`runbookUrl: ${runbookProblem}`);
    for (const [field, value] of [['flowServiceUrl', props.flowServiceUrl], ['imsUrl', props.imsUrl]] as const) {
      // The function's own rule: https, or plain http to a loopback emulator.
      const problem = value === undefined || Token.isUnresolved(value) ? undefined : checkServiceUrl(field, value);
      if (problem) problems.push(problem);
    }

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
      if (target.createRole && target.userCredentialsSecret) {
        problems.push(`${at}.userCredentialsSecret: a created role trusts only the function's role, so it cannot be assumed with IAM-user keys; remove it or use roleArn`);
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
          if (target[field] !== undefined) problems.push(`${at}.${field}: a created role's sessions are narrowed to createRole.${field}; set it there and remove this one`);
        }
      } else {
        const literal = bucketName !== undefined && !Token.isUnresolved(bucketName) && !bucketProblem && !folderProblem && (folderPath === undefined || !Token.isUnresolved(folderPath));
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
      else timeoutSeconds = timeout.seconds;
    }
    // The function's actual timeout (undefined while a token).
    const givenTimeout = props.timeout?.toSeconds();
    const actualTimeout = givenTimeout === undefined ? timeoutSeconds : Token.isUnresolved(givenTimeout) ? undefined : givenTimeout;

    const expiryAlarm = this.planExpiryAlarm(props, schedule, intervalSeconds, shortest, actualTimeout, problems);

    if (problems.length > 0) throw new S3CredentialRotatorValidationError(problems, this.node.path);
    return { targets, intervalSeconds, timeoutSeconds, expiryAlarm };
  }

  /**
   * Size `CredentialsExpiringAlarm` (see `expiryAlarmPlan`) and add its problems. While the
   * schedule, a lifetime, the timeout or the threshold is a token, the alarm is sized from safe
   * stand-ins (one-hour credentials, a run every half lifetime, Lambda's longest timeout) and
   * nothing is refused.
   */
  private planExpiryAlarm(
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
   * The created secret holds what operators put, and nothing in this stack can recreate it: a
   * stack deletion or a replacement (a change to any property CloudFormation cannot update in
   * place) would otherwise destroy the real credentials and generate a new placeholder, failing
   * every run. So it is retained, and `test/cdk/stack.test.ts` pins the whole resource; delete it
   * on purpose with `aws secretsmanager delete-secret` (docs/DEPLOY.md, "Removing").
   */
  private createAdobeCredentialsSecret(): secretsmanager.Secret {
    return new secretsmanager.Secret(this, 'AdobeCredentials', {
      removalPolicy: RemovalPolicy.RETAIN,
      description:
        'Adobe OAuth Server-to-Server credentials of the AEP S3 credential rotator. Placeholder until you run: ' +
        'aws secretsmanager put-secret-value --secret-id <this secret> --secret-string file://adobe-credentials.json ' +
        '(JSON: {"clientId","clientSecret","orgId":"...@AdobeOrg","scopes"?}; see docs/DEPLOY.md)',
      // A random clientSecret keeps even the placeholder out of the template; orgId fails the
      // function's check on purpose, so runs fail loudly until the real value is put.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ clientId: 'REPLACE_WITH_CLIENT_ID', orgId: 'REPLACE_WITH_IMS_ORG_ID' }),
        generateStringKey: 'clientSecret',
        excludePunctuation: true,
      },
    });
  }

  /** The role Adobe's credentials belong to: assumable only by the function, read-only on the bucket. */
  private createSourceRole(target: RotationTargetProps, options: CreatedRoleOptions, index: number): iam.Role {
    const folder = options.folderPath === undefined ? undefined : normalizeFolderPath(options.folderPath);
    const bucketArn = `arn:${Aws.PARTITION}:s3:::${options.bucketName}`;
    const statements = [
      // Adobe's S3 source prerequisites: list and locate the bucket, read objects (and versions).
      new iam.PolicyStatement({
        sid: 'ListBucket',
        actions: ['s3:ListBucket'],
        resources: [bucketArn],
        // `<folder>/`, not `<folder>`: a bare prefix would also list `<folder>-archive/` and the like.
        ...(folder ? { conditions: { StringLike: { 's3:prefix': [`${folder}/`, `${folder}/*`] } } } : {}),
      }),
      new iam.PolicyStatement({ sid: 'LocateBucket', actions: ['s3:GetBucketLocation'], resources: [bucketArn] }),
      new iam.PolicyStatement({ sid: 'ReadObjects', actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [`${bucketArn}/${folder ? `${folder}/` : ''}*`] }),
    ];
    if (options.kmsKey) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'DecryptObjects',
          actions: ['kms:Decrypt'],
          resources: [options.kmsKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } },
        }),
      );
    }
    const id = Token.isUnresolved(target.connectionId) ? `SourceRole${index}` : `SourceRole-${target.connectionId}`;
    const role = new iam.Role(this, id, {
      roleName: options.roleName,
      // Only the rotator's function role, and with the external id when one is configured.
      assumedBy: new iam.ArnPrincipal(this.functionRole.roleArn),
      externalIds: target.externalId ? [target.externalId] : undefined,
      description: `Adobe Experience Platform reads s3://${options.bucketName}/${folder ?? ''} with temporary credentials of this role (connection ${target.connectionId})`,
      inlinePolicies: { ReadSourceBucket: new iam.PolicyDocument({ statements }) },
    });
    const objects = `${options.bucketName}/${folder ? `${folder}/` : ''}*`;
    Validations.of(role).acknowledge({
      // The finding names the resource; a deploy-time bucket or folder cannot be named, so the rule is acknowledged for this role.
      id: Token.isUnresolved(objects) ? 'AwsSolutions::AwsSolutions-IAM5' : `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${objects}]`,
      reason: `Adobe ingests every object under s3://${options.bucketName}/${folder ?? ''}; their keys are not known in advance, so object access is granted by prefix (read-only).`,
    });
    return role;
  }

  /**
   * The function's entry for a target. Its bucket and folder go with it so the function narrows
   * the session: the target's own, or a created role's (`narrowCreatedRoles`; skipped when the
   * policy might not fit STS's limit, since the created role allows no more than that anyway).
   */
  private targetEntry({ props: target, method, durationSeconds }: CheckedTarget, createdRoles: Map<string, iam.Role>, narrowCreatedRoles: boolean): TargetEntry {
    const roleArn = target.roleArn ?? createdRoles.get(target.connectionId)?.roleArn;
    let scope: { bucketName?: string; folderPath?: string } = { bucketName: target.bucketName, folderPath: target.folderPath };
    if (target.createRole) {
      const { bucketName, folderPath } = target.createRole;
      const fits = Token.isUnresolved(bucketName) || Token.isUnresolved(folderPath) || !sessionPolicySizeProblem({ bucketName, folderPath: folderPath && normalizeFolderPath(folderPath) });
      scope = narrowCreatedRoles && fits ? { bucketName, folderPath } : {};
    }
    const folderPath = scope.folderPath === undefined || Token.isUnresolved(scope.folderPath) ? scope.folderPath : normalizeFolderPath(scope.folderPath);
    return {
      connectionId: target.connectionId,
      sandboxName: target.sandboxName,
      ...(roleArn ? { roleArn } : {}),
      ...(target.externalId ? { externalId: target.externalId } : {}),
      ...(target.userCredentialsSecret ? { userCredentialsSecretId: secretIdOf(target.userCredentialsSecret) } : {}),
      durationSeconds: durationSeconds ?? (target.duration ?? Duration.seconds(DEFAULT_DURATION_SECONDS)).toSeconds(),
      ...(method === 'get-federation-token' ? { method } : {}),
      ...(scope.bucketName ? { bucketName: scope.bucketName } : {}),
      ...(scope.bucketName && folderPath ? { folderPath } : {}),
    };
  }

  /**
   * A CDK warning (shown by `cdk synth`, acknowledgeable by its id) for each target whose
   * credentials give Adobe more than its bucket: GetSessionToken, or a role without `bucketName`.
   */
  private warnAboutUnnarrowedTargets(targets: CheckedTarget[]): void {
    for (const { index, props: target, method } of targets) {
      const warning = unnarrowedWarning({
        connectionId: target.connectionId,
        method,
        hasBucket: Boolean(target.bucketName || target.createRole),
      });
      // Acknowledged by connection id, which stays with the target when the list changes order.
      const id = Token.isUnresolved(target.connectionId) ? `target-${index}` : target.connectionId.toLowerCase();
      if (warning) Annotations.of(this).addWarningV2(`aep-s3-rotator:unnarrowed-credentials:${id}`, `targets[${index}]: ${warning}`);
    }
  }

  /** AUTO picks the environment while the list surely fits, counting each token at its longest. */
  private chooseDelivery(requested: TargetsDelivery, entries: TargetEntry[]): TargetsDelivery.ENVIRONMENT | TargetsDelivery.FILE {
    if (requested !== TargetsDelivery.AUTO) return requested;
    const estimate = JSON.stringify(entries, (_key, value: unknown) => (typeof value === 'string' && Token.isUnresolved(value) ? 'x'.repeat(160) : value));
    return Buffer.byteLength(estimate) <= MAX_TARGETS_ENV_BYTES ? TargetsDelivery.ENVIRONMENT : TargetsDelivery.FILE;
  }

  /**
   * Resolve the entries now (the file is written at synth) and write them where the bundling
   * step copies them from. The file name carries the content hash, so a different list is a
   * different bundling command, never a stale copy.
   */
  private writeTargetsFile(entries: TargetEntry[], targets: CheckedTarget[]): string {
    const stack = Stack.of(this);
    const problems: string[] = [];
    const resolved = entries.map((entry, index) => {
      const options = targets[index]!.props.createRole;
      if (options) {
        // A created role's ARN is a deploy-time value; with a fixed name and a known account it can be computed.
        const partition = Token.isUnresolved(stack.region) ? undefined : RegionInfo.get(stack.region).partition;
        if (!options.roleName || Token.isUnresolved(stack.account) || !partition) {
          problems.push(
            `targets[${index}].createRole: the targets go to a bundled file, which is written at synth, but this role's ARN is known only at deploy time; ` +
              "give createRole.roleName and deploy the stack to an explicit account and region, or use TargetsDelivery.ENVIRONMENT (fewer targets)",
          );
          return entry;
        }
        entry = { ...entry, roleArn: `arn:${partition}:iam::${stack.account}:role/${options.roleName}` };
      }
      for (const [field, value] of Object.entries(entry)) {
        if (Token.isUnresolved(value)) {
          problems.push(
            `targets[${index}].${field === 'userCredentialsSecretId' ? 'userCredentialsSecret' : field}: is only known at deploy time, but the targets go to a bundled file written at synth; use a literal value (e.g. import the secret by name or complete ARN)`,
          );
        }
      }
      return entry;
    });
    if (problems.length > 0) throw new S3CredentialRotatorValidationError(problems, this.node.path);
    const content = `${JSON.stringify(resolved, null, 2)}\n`;
    const hash = createHash('sha256').update(content).digest('hex').slice(0, 16);
    // Beside the cloud assembly it feeds (cdk.out), not in a shared temporary directory.
    const file = join(Stage.of(this)?.outdir ?? tmpdir(), 'rotator-targets', `${TARGETS_FILE_NAME.replace(/\.json$/, '')}-${hash}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    return file;
  }

  private deadLetterQueue(id: string): sqs.Queue {
    return new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS allows: time to read what failed after a holiday.
      retentionPeriod: Duration.days(14),
    });
  }

  private queueAlarm(id: string, queue: sqs.Queue, description: string): cloudwatch.Alarm {
    return queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }).createAlarm(this, id, {
      alarmDescription: description,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // SQS stops publishing for a queue idle for six hours, even with a message waiting: keep the
      // state until it publishes again (0 once the messages are deleted).
      // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/monitoring-using-cloudwatch.html
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });
  }

  /** Exactly what the function needs; see docs/DEPLOY.md, "Permissions". */
  private grantFunctionPermissions(logGroup: logs.LogGroup, targets: CheckedTarget[], createdRoles: Map<string, iam.Role>): void {
    const role = this.functionRole;
    // Logs, and metrics: Powertools writes metrics to the log (embedded metric format), so no cloudwatch:PutMetricData.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'WriteLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));

    const secrets = [this.adobeCredentialsSecret, ...targets.flatMap(({ props }) => (props.userCredentialsSecret ? [props.userCredentialsSecret] : []))];
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ReadSecrets', actions: ['secretsmanager:GetSecretValue'], resources: unique(secrets.map(secretPolicyArn)) }),
    );
    const keys = unique(secrets.flatMap((secret) => (secret.encryptionKey ? [secret.encryptionKey.keyArn] : [])));
    if (keys.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptSecrets',
          actions: ['kms:Decrypt'],
          resources: keys,
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` } },
        }),
      );
    }

    // Only chained AssumeRole is signed by this role. AssumeRole, GetSessionToken and
    // GetFederationToken signed with IAM-user keys need the user's permission, not this role's
    // (the user's own keys sign them); GetCallerIdentity needs none
    // (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
    const chained = unique(
      targets.filter(({ method }) => method === 'assume-role-chained').map(({ props }) => props.roleArn ?? createdRoles.get(props.connectionId)!.roleArn),
    );
    if (chained.length > 0) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'AssumeTargetRoles', actions: ['sts:AssumeRole'], resources: chained }));
    }
  }

  /**
   * A topic policy replaces SNS's default one (`enforceSSL` creates a policy), and CloudWatch
   * publishes only where a resource policy allows it: allow exactly these alarms.
   * https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger
   */
  private allowAlarmsToPublish(topic: sns.Topic): void {
    const alarms = this.alarms;
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowRotatorAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnEquals: { 'aws:SourceArn': alarms.map((alarm) => alarm.alarmArn) },
        },
      }),
    );
  }

  private metric(metricName: string, statistic: string, serviceName: string, namespace: string): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace, metricName, dimensionsMap: { service: serviceName }, statistic, period: Duration.minutes(5) });
  }

  private createDashboard(serviceName: string, namespace: string, intervalSeconds: number | undefined, expiryThreshold: number): cloudwatch.Dashboard {
    const metric = (name: string, statistic: string, label: string) => this.metric(name, statistic, serviceName, namespace).with({ label });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(1) });
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        width: 24,
        height: 3,
        alarms: [...this.alarms],
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Rotations',
        width: 12,
        left: [metric(METRIC.rotationSucceeded, 'Sum', 'succeeded'), metric(METRIC.rotationFailed, 'Sum', 'failed')],
      }),
      new cloudwatch.GraphWidget({
        title: 'Etag conflicts (412 from Flow Service)',
        width: 12,
        left: [metric(METRIC.etagConflict, 'Sum', '412 received')],
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Seconds until credential expiry (minimum over every connection tried)',
        width: 12,
        left: [metric(METRIC.secondsUntilCredentialExpiry, 'Minimum', 'seconds to expiry')],
        leftAnnotations: [
          { value: expiryThreshold, label: 'CredentialsExpiringAlarm threshold', color: cloudwatch.Color.RED },
          ...(intervalSeconds ? [{ value: intervalSeconds, label: 'one schedule interval', color: cloudwatch.Color.ORANGE }] : []),
        ],
        leftYAxis: { min: 0 },
      }),
      new cloudwatch.GraphWidget({
        title: 'Run duration (ms)',
        width: 12,
        left: [this.function.metricDuration({ statistic: 'Maximum', label: 'max' }), this.function.metricDuration({ statistic: 'Average', label: 'average' })],
        leftAnnotations: [{ value: this.function.timeout!.toMilliseconds(), label: 'timeout', color: cloudwatch.Color.RED }],
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Invocations, errors and throttles',
        width: 12,
        left: [
          this.function.metricInvocations({ label: 'invocations' }),
          this.function.metricErrors({ label: 'errors' }),
          this.function.metricThrottles({ label: 'throttles' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queues (messages visible)',
        width: 12,
        left: [
          this.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'scheduler could not invoke', statistic: 'Maximum' }),
          this.failureDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'failed after retries', statistic: 'Maximum' }),
        ],
      }),
    );
    return dashboard;
  }

  /** cdk-nag (AwsSolutions) findings that are deliberate, each with its reason. */
  private acknowledgeNagFindings(props: S3CredentialRotatorProps): void {
    for (const queue of [this.scheduleDeadLetterQueue, this.failureDeadLetterQueue]) {
      Validations.of(queue).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SQS3',
        reason: 'This queue is itself a dead-letter queue (of EventBridge Scheduler or of Lambda asynchronous invocation); a DLQ of a DLQ would only move the same alarm.',
      });
    }
    if (!props.adobeCredentialsSecret) {
      Validations.of(this.adobeCredentialsSecret).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SMG4',
        reason:
          "The secret holds Adobe OAuth Server-to-Server credentials, whose client secret is issued and rotated in Adobe Developer Console; a Secrets Manager rotation function cannot do that. Operators put each new value with put-secret-value.",
      });
    }
  }
}

/**
 * EventBridge Scheduler's Lambda target, granting `lambda:InvokeFunction` on exactly the function
 * ARN: the stock target also grants `<arn>:*` (every version and alias), which nothing here uses.
 */
class ExactLambdaInvoke extends schedulerTargets.LambdaInvoke {
  constructor(
    private readonly target: lambda.IFunction,
    props: schedulerTargets.ScheduleTargetBaseProps,
  ) {
    super(target, props);
  }

  protected override addTargetActionToRole(role: iam.IRole): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.target.functionArn] }));
  }
}

/**
 * An SQS on-failure destination granting only `sqs:SendMessage`, the one permission Lambda uses
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html); the stock
 * `SqsDestination` also grants GetQueueAttributes and GetQueueUrl.
 */
class QueueDestination implements lambda.IDestination {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(_scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'SendFailedEvents', actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
    return { destination: this.queue.queueArn };
  }
}

/**
 * The id the function passes to GetSecretValue: the complete ARN when known, else the partial ARN
 * or the name exactly as imported (both resolve within the account and region).
 */
export function secretIdOf(secret: secretsmanager.ISecret): string {
  if (secret.secretFullArn) return secret.secretFullArn;
  if (!Token.isUnresolved(secret.secretArn)) return secret.secretArn;
  return secret.secretName;
}

/** The resource for IAM: a secret imported without its 6-character suffix matches any suffix. */
function secretPolicyArn(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** A shell command copying `from` to `to` (local bundling runs commands with bash, or cmd on Windows). */
function copyCommand(from: string, to: string): string {
  return process.platform === 'win32' ? `copy /Y "${from}" "${to}"` : `cp "${from}" "${to}"`;
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
