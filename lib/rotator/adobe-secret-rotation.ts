/**
 * Secrets Manager's rotation of the Adobe client secret (`adobeSecretRotation`): the rotation
 * function (lambda/adobe-secret-rotation.ts) with its own role and log group, the permission for
 * Secrets Manager to invoke it, the `RotationSchedule` on the secret, and the alarm on its failures.
 *
 * The role reads and writes only this secret's versions: DescribeSecret, GetSecretValue,
 * PutSecretValue and UpdateSecretVersionStage on the secret, and, when a customer-managed key
 * encrypts it, kms:Decrypt and kms:GenerateDataKey on that key through Secrets Manager only. CDK's
 * `RotationSchedule` would also grant `secretsmanager:GetRandomPassword` on `*` (the function
 * generates nothing: Adobe does) and deny the account root DeleteSecret on the secret, so the
 * schedule is the CloudFormation resource itself, with exactly these grants.
 *
 * The first rotation starts when the schedule is deployed (CloudFormation's default,
 * `RotateImmediatelyOnUpdate`): deferring it would make Secrets Manager test the function against a
 * copy of the current value at deploy time, and a placeholder secret would then fail the deploy.
 */
import { join } from 'node:path';
import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DEFAULT_ADOBE_CONSOLE_API_URL, toAdobeSecretRotationEnv } from '../../core/adobe-secret-rotation.js';
import { prebuiltBundleDir, PROJECT_ROOT, rotatorBundling } from './function.js';
import type { AdobeSecretRotationProps } from './props.js';
import { notifyOnAdobeSecretRotationEvents } from './adobe-secret-rotation-events.js';
import { acknowledgeDefaultRuntime } from './nag.js';
import { secretPolicyArn } from './secrets.js';

/** The rotation function's entry point (exports `handler`). */
export const ADOBE_SECRET_ROTATION_ENTRY = join(PROJECT_ROOT, 'lambda', 'adobe-secret-rotation.ts');
/** Where the package ships the rotation function's bundle (dist/<this>/index.mjs; scripts/build-package.ts). */
export const ADOBE_SECRET_ROTATION_BUNDLE_DIR = 'adobe-secret-rotation-function';

/** The construct id of the alarm: its runbook section is `#adobesecretrotationfailedalarm`. */
export const ADOBE_SECRET_ROTATION_ALARM_ID = 'AdobeSecretRotationFailedAlarm';

/** The package's prebuilt bundle, when this module runs from the package; undefined in this project. */
export function prebuiltRotationFunctionDir(): string | undefined {
  return prebuiltBundleDir(ADOBE_SECRET_ROTATION_BUNDLE_DIR);
}

/** What the rotation is made of. */
export interface AdobeSecretRotation {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly schedule: secretsmanager.CfnRotationSchedule;
  readonly everyDays: number;
  /** The rotated secret: the Adobe OAuth credentials. */
  readonly secret: secretsmanager.ISecret;
}

export interface AdobeSecretRotationOptions {
  readonly secret: secretsmanager.ISecret;
  readonly rotation: AdobeSecretRotationProps;
  readonly imsUrl: string;
  readonly serviceName: string;
  readonly logRetention: logs.RetentionDays;
  /** The construct's key, for the log group. @default CloudWatch Logs' own encryption */
  readonly encryptionKey?: kms.IKey;
}

/** Create the rotation in a scope of its own (`AdobeSecretRotation`) of `rotator`. */
export function createAdobeSecretRotation(
  rotator: Construct,
  options: AdobeSecretRotationOptions,
): AdobeSecretRotation {
  const scope = new Construct(rotator, 'AdobeSecretRotation');
  const { secret } = options;
  const everyDays = options.rotation.every.toDays();
  const logGroup = new logs.LogGroup(scope, 'LogGroup', {
    retention: options.logRetention,
    encryptionKey: options.encryptionKey,
  });

  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Rotates the Adobe OAuth Server-to-Server client secret of the AEP S3 credential rotator',
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'WriteLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  // Exactly what a rotation function uses, on this one secret (AWS's rotation-function policy, less GetRandomPassword).
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'RotateTheAdobeSecret',
      actions: [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
      ],
      resources: [secretPolicyArn(secret)],
    }),
  );
  if (secret.encryptionKey) {
    // GetSecretValue decrypts, PutSecretValue encrypts a new data key: through Secrets Manager only.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'UseTheSecretsKey',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [secret.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` } },
      }),
    );
  }

  const functionProps = {
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    role,
    // Four HTTP calls at most per step: no CPU to speak of.
    memorySize: 256,
    // A step makes at most four calls, each 10 s per attempt with three retries.
    timeout: Duration.minutes(3),
    logGroup,
    description: 'Rotates the Adobe client secret through the I/O Management API (Secrets Manager rotation function)',
    environment: {
      ...toAdobeSecretRotationEnv({
        imsUrl: options.imsUrl,
        consoleApiUrl: options.rotation.consoleApiUrl ?? DEFAULT_ADOBE_CONSOLE_API_URL,
        serviceName: options.serviceName,
      }),
      NODE_OPTIONS: '--enable-source-maps',
    },
  };
  const prebuilt = prebuiltRotationFunctionDir();
  const fn = prebuilt
    ? new lambda.Function(scope, 'Function', {
        ...functionProps,
        handler: 'index.handler',
        code: lambda.Code.fromAsset(prebuilt),
      })
    : new NodejsFunction(scope, 'Function', {
        ...functionProps,
        entry: ADOBE_SECRET_ROTATION_ENTRY,
        handler: 'handler',
        projectRoot: PROJECT_ROOT,
        depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
        bundling: rotatorBundling(undefined),
      });

  // Secrets Manager invokes the function with its service principal, from this account only.
  const permission = new lambda.CfnPermission(scope, 'InvokedBySecretsManager', {
    action: 'lambda:InvokeFunction',
    functionName: fn.functionArn,
    principal: 'secretsmanager.amazonaws.com',
    sourceAccount: Stack.of(scope).account,
  });
  const schedule = new secretsmanager.CfnRotationSchedule(scope, 'Schedule', {
    secretId: secret.secretArn,
    rotationLambdaArn: fn.functionArn,
    rotationRules: { scheduleExpression: `rate(${everyDays} days)` },
  });
  // Secrets Manager checks the permission when the schedule is created; the role's policy must exist too.
  schedule.node.addDependency(permission, role);

  Validations.of(fn).acknowledge(
    {
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        'Secrets Manager invokes the rotation function synchronously, once per step, and records a failed step ' +
        'itself (the rotation stays pending and is attempted again); a dead-letter queue receives only ' +
        'asynchronous invocations, so it would never hold anything. A failure raises ' +
        'AdobeSecretRotationFailedAlarm.',
    },
    {
      id: 'Serverless::Serverless-LambdaTracing',
      reason:
        'X-Ray needs xray:PutTraceSegments and xray:PutTelemetryRecords on "*"; the function does not instrument ' +
        "its HTTP and SDK clients, so a trace would show only Lambda's own segment. Each step logs one line with " +
        "its outcome, the rotation's token and Adobe's uuids.",
    },
  );
  // Bundled for Node.js 24 as the rotator's function is (an aws-cdk-lib that knows a newer runtime flags it).
  acknowledgeDefaultRuntime(fn);
  return { function: fn, role, logGroup, schedule, everyDays, secret };
}

/**
 * `AdobeSecretRotationFailedAlarm`: a rotation step failed (the function's `Errors`). It holds its
 * state until the next rotation attempt succeeds, and notifies `topic` on ALARM and OK; a topic the
 * construct created gets a statement letting this alarm publish (the other alarms' statement lists
 * only theirs). It is not silenced by `pause`: the client secret's rotation does not pause.
 *
 * The function's `Errors` miss a rotation the function never ran (Secrets Manager could not invoke it) and one that
 * was abandoned: Secrets Manager's own `RotationFailed` and `RotationAbandoned` events reach the same topic through
 * `AdobeSecretRotationEventsRule` (lib/rotator/adobe-secret-rotation-events.ts), linking the same runbook section.
 */
export function alarmOnAdobeSecretRotation(
  rotator: Construct,
  rotation: AdobeSecretRotation,
  options: { readonly alarmTopic: sns.ITopic; readonly topicCreated: boolean; readonly runbookUrl: string },
): cloudwatch.Alarm {
  const runbookSectionUrl = `${options.runbookUrl}#${ADOBE_SECRET_ROTATION_ALARM_ID.toLowerCase()}`;
  const alarm = rotation.function
    .metricErrors({ period: Duration.minutes(5), statistic: 'Sum' })
    .createAlarm(rotator, ADOBE_SECRET_ROTATION_ALARM_ID, {
      alarmDescription:
        "A step of the Adobe client secret's rotation failed. AWSCURRENT still holds a working secret (the rotator " +
        'is unaffected), but the secret was not rotated, or the old one is still at Adobe. ' +
        "The rotation function's log names the step and why; `npx aep-s3-rotator rotate-adobe-secret` tries " +
        `again. Runbook: ${runbookSectionUrl}`,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // Lambda publishes Errors only for periods with invocations: the state holds until the next rotation.
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });
  const action = new cloudwatchActions.SnsAction(options.alarmTopic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  if (options.topicCreated) {
    options.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAdobeSecretRotationAlarm',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [options.alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(rotator).account },
          ArnEquals: { 'aws:SourceArn': alarm.alarmArn },
        },
      }),
    );
  }
  notifyOnAdobeSecretRotationEvents(rotator, {
    secret: rotation.secret,
    alarmTopic: options.alarmTopic,
    topicCreated: options.topicCreated,
    runbookSectionUrl,
  });
  return alarm;
}
