/**
 * A deployed rotator stack, in stand-ins, around a seeded {@link World}: what `npx cdk deploy`
 * would leave in an account, for the operator CLI's tests and `npm run sandbox`.
 *
 * - Lambda: the real handler, with the environment the stack gives it, running under the
 *   function role's own credentials (swapped in for each invocation, so a CLI in the same process
 *   keeps signing as the operator);
 * - CloudFormation: the stack and every output the CLI reads;
 * - EventBridge Scheduler: the schedule (in its group) whose target is the function;
 * - CloudWatch: the stack's seven alarms, notifying the alarm topic;
 * - DynamoDB (dynalite): the rotation ledger the function writes;
 * - the Adobe secret's rotation (`adobeSecretRotation`): the rotation function in Lambda under its
 *   own role, Secrets Manager's rotation of the secret invoking it through Lambda, and CloudWatch
 *   Logs holding each invocation's log in the function's log group, as Lambda writes it.
 */
import { randomUUID } from 'node:crypto';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { STACK_OUTPUT } from '../cli/aws.js';
import { createAdobeSecretRotationHandler } from '../lambda/adobe-secret-rotation.js';
import { createHandler, type RotationSummary } from '../lambda/handler.js';
import type { HttpPolicy } from '../lambda/http-policy.js';
import { startCloudFormationEmulator, type CloudFormationEmulator } from './cloudformation.js';
import { startCloudWatchEmulator, type AlarmState, type CloudWatchEmulator } from './cloudwatch.js';
import { startCloudWatchLogsEmulator, type CloudWatchLogsEmulator } from './cloudwatch-logs.js';
import { EMULATOR_REGION } from './index.js';
import { startLambdaInvokeEmulator, type LambdaHandler, type LambdaInvokeEmulator } from './lambda-invoke.js';
import { startSchedulerEmulator, type SchedulerEmulator } from './scheduler.js';
import { WORLD_LEDGER_TABLE, type World } from './world.js';
import type { AwsCredentials } from './types.js';

export const STACK_NAME = 'AepS3CredentialRotator';
export const FUNCTION_NAME = 'AepS3CredentialRotator-RotatorFunction1A2B3C4D-x9Y8z7W6';
export const SCHEDULE_NAME = 'AepS3CredentialRotatorRotatorSchedule5E6F7A8B-Qw3Er5Ty7Ui9';
export const SCHEDULE_GROUP_NAME = 'AepS3CredentialRotatorRotatorScheduleGroup9C0D1E2F-As4Df6Gh8Jk0';
export const ROTATION_FUNCTION_NAME = 'AepS3CredentialRotator-RotatorAdobeSecretRotationFun-Zx8Cv6Bn4Mq2';
export const ROTATION_LOG_GROUP_NAME = 'AepS3CredentialRotator-RotatorAdobeSecretRotationLogGroup9DE697AD-Lk7Jh5Gf3Ds1';
/** How often the stand-in's Secrets Manager rotates the Adobe secret (the configuration says the same). */
export const ROTATION_EVERY_DAYS = 30;
/** The schedule the configuration of {@link configFor} declares. */
export const SCHEDULE_EXPRESSION = 'rate(15 minutes)';
const ACCOUNT_ID = '123456789012';
const ALARM_TOPIC_ARN = `arn:aws:sns:${EMULATOR_REGION}:${ACCOUNT_ID}:${STACK_NAME}-AlarmTopic`;

/** The stack's alarms (construct ids, as in lib/rotator/monitoring.ts) and the names CloudFormation gives them. */
export const ALARM_IDS = [
  'ConnectionFailingAlarm',
  'CredentialsExpiringAlarm',
  'ErrorsAlarm',
  'DestinationDeliveryFailuresAlarm',
  'ScheduleDeadLetterQueueAlarm',
  'FailureDeadLetterQueueAlarm',
  'LedgerWriteFailedAlarm',
] as const;
export type AlarmId = (typeof ALARM_IDS)[number];
export const ALARM_NAMES: Record<AlarmId, string> = Object.fromEntries(
  ALARM_IDS.map((id, index) => [id, `${STACK_NAME}-Rotator${id}${(0x1a2b3c40 + index).toString(16).toUpperCase()}-${'QWERTYUIOPAS'.slice(index)}${index}`]),
) as Record<AlarmId, string>;

/** One scheduled run, as the schedule started it. */
export interface ScheduledRun {
  readonly summary?: RotationSummary;
  /** The run failed as a whole (Lambda's `errorMessage`). */
  readonly error?: string;
  /** Alarms whose state the run changed, and whether that notified the alarm topic. */
  readonly alarms: ReadonlyArray<{ readonly id: AlarmId; readonly state: AlarmState; readonly notified: boolean }>;
}

export interface DeployedStack {
  readonly lambda: LambdaInvokeEmulator;
  readonly cloudFormation: CloudFormationEmulator;
  readonly scheduler: SchedulerEmulator;
  readonly cloudWatch: CloudWatchEmulator;
  /** The rotation function's log group (each invocation's log, as Lambda writes it). */
  readonly cloudWatchLogs: CloudWatchLogsEmulator;
  /** `AWS_ENDPOINT_URL_*` of every AWS service the stack and the CLI use, and `AWS_REGION`. */
  readonly endpointEnv: Record<string, string>;
  /** Fire the schedule (nothing happens while it is DISABLED), wait for the run, evaluate the alarms it moves. */
  runSchedule(): Promise<ScheduledRun | undefined>;
  close(): Promise<void>;
}

/** The configuration (cdk.json "rotator") matching a world's targets and emulators. */
export function configFor(world: World): Record<string, unknown> {
  return {
    stackName: STACK_NAME,
    schedule: SCHEDULE_EXPRESSION,
    adobeCredentialsSecret: world.adobe.secretId,
    flowServiceUrl: world.emulators.flowService.url,
    imsUrl: world.emulators.ims.url,
    adobeSecretRotation: { everyDays: ROTATION_EVERY_DAYS, consoleApiUrl: world.emulators.adobeConsole.url },
    targets: world.targets.map(({ userCredentialsSecretId, ...target }) => ({
      ...target,
      ...(userCredentialsSecretId ? { userCredentialsSecret: userCredentialsSecretId } : {}),
    })),
  };
}

const CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

/**
 * The handler as Lambda runs it: with its own role's credentials in the environment. The AWS SDK
 * reads them there (and each client keeps what it read); the invocations run one at a time.
 */
function underOwnRole(handler: LambdaHandler, credentials: AwsCredentials): LambdaHandler {
  const own = { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_SESSION_TOKEN: credentials.sessionToken };
  return async (event) => {
    const saved = CREDENTIAL_VARIABLES.map((name) => [name, process.env[name]] as const);
    for (const name of CREDENTIAL_VARIABLES) {
      if (own[name] === undefined) delete process.env[name];
      else process.env[name] = own[name];
    }
    try {
      return await handler(event);
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  };
}

/**
 * Start the stand-ins of a deployed stack around `world` (whose function keeps a ledger). Close
 * them with {@link DeployedStack.close}; the world is the caller's to close.
 *
 * @param options.httpPolicy - the function's HTTP policy. @default the function's own default
 */
export async function startDeployedStack(world: World, options: { httpPolicy?: HttpPolicy } = {}): Promise<DeployedStack> {
  const { sts } = world.emulators;
  const lambda = await startLambdaInvokeEmulator({ sts, region: EMULATOR_REGION });
  const cloudFormation = await startCloudFormationEmulator({ sts, region: EMULATOR_REGION });
  const cloudWatch = await startCloudWatchEmulator({ sts, region: EMULATOR_REGION });
  const cloudWatchLogs = await startCloudWatchLogsEmulator({ sts, region: EMULATOR_REGION });
  // Scheduler invokes its target asynchronously, signed as the schedule's own role.
  const schedulerRoleArn = `arn:aws:iam::${ACCOUNT_ID}:role/${STACK_NAME}-SchedulerRole`;
  const schedulerCredentials = sts.issueRoleSession(schedulerRoleArn, 'scheduler', 12 * 3600);
  const invoker = new LambdaClient({
    region: EMULATOR_REGION,
    endpoint: lambda.url,
    maxAttempts: 1,
    credentials: {
      accessKeyId: schedulerCredentials.accessKeyId,
      secretAccessKey: schedulerCredentials.secretAccessKey,
      sessionToken: schedulerCredentials.sessionToken!,
    },
  });
  const scheduler = await startSchedulerEmulator({
    sts,
    region: EMULATOR_REGION,
    invokeTarget: async (target, payload) => {
      await invoker.send(new InvokeCommand({ FunctionName: target.Arn, InvocationType: 'Event', Payload: new TextEncoder().encode(payload) }));
    },
  });

  const functionArn = lambda.registerFunction(
    FUNCTION_NAME,
    underOwnRole(createHandler({ env: world.env, httpPolicy: options.httpPolicy }), world.functionCredentials),
  );
  // The Adobe secret's rotation: Secrets Manager invokes the function through Lambda, signed as
  // its service; each invocation's log lands in the function's log group.
  const rotationFunctionArn = lambda.registerFunction(
    ROTATION_FUNCTION_NAME,
    createAdobeSecretRotationHandler({
      env: world.rotationEnv,
      httpPolicy: options.httpPolicy,
      secretsManager: {
        endpoint: world.emulators.secretsManager.url,
        region: EMULATOR_REGION,
        credentials: {
          accessKeyId: world.rotationFunctionCredentials.accessKeyId,
          secretAccessKey: world.rotationFunctionCredentials.secretAccessKey,
          sessionToken: world.rotationFunctionCredentials.sessionToken!,
        },
      },
    }) as LambdaHandler,
  );
  cloudWatchLogs.createLogGroup(ROTATION_LOG_GROUP_NAME);
  const secretsManagerCredentials = sts.issueRoleSession(`arn:aws:iam::${ACCOUNT_ID}:role/aws-service-role/secretsmanager`, 'secretsmanager', 12 * 3600);
  const rotationInvoker = new LambdaClient({
    region: EMULATOR_REGION,
    endpoint: lambda.url,
    maxAttempts: 1,
    credentials: {
      accessKeyId: secretsManagerCredentials.accessKeyId,
      secretAccessKey: secretsManagerCredentials.secretAccessKey,
      sessionToken: secretsManagerCredentials.sessionToken!,
    },
  });
  world.emulators.secretsManager.setRotationInvoker(async (functionArn, event) => {
    const before = lambda.invocations.length;
    const response = await rotationInvoker.send(
      new InvokeCommand({ FunctionName: functionArn, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(event)) }),
    );
    const invocation = lambda.invocations.slice(before).find((entry) => entry.functionName === ROTATION_FUNCTION_NAME);
    if (invocation) {
      // Lambda's stream names: the date, the version, one id per execution environment.
      const stream = `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomUUID().replaceAll('-', '')}`;
      cloudWatchLogs.putLogEvents(ROTATION_LOG_GROUP_NAME, stream, invocation.log.split('\n').filter(Boolean));
    }
    if (response.FunctionError) {
      const payload = JSON.parse(new TextDecoder().decode(response.Payload)) as { errorMessage?: string };
      throw new Error(payload.errorMessage ?? 'the rotation function failed');
    }
  });
  world.emulators.secretsManager.configureRotation(world.adobe.secretId, { lambdaArn: rotationFunctionArn, everyDays: ROTATION_EVERY_DAYS });

  scheduler.putSchedule({
    Name: SCHEDULE_NAME,
    GroupName: SCHEDULE_GROUP_NAME,
    ScheduleExpression: SCHEDULE_EXPRESSION,
    Description: 'Rotates the credentials of Flow Service S3 connections',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: {
      Arn: functionArn,
      RoleArn: schedulerRoleArn,
      Input:
        '{"source":"aep-s3-rotator.schedule","scheduleArn":"<aws.scheduler.schedule-arn>","scheduledTime":"<aws.scheduler.scheduled-time>","executionId":"<aws.scheduler.execution-id>","attemptNumber":"<aws.scheduler.attempt-number>"}',
      RetryPolicy: { MaximumEventAgeInSeconds: 900, MaximumRetryAttempts: 2 },
      DeadLetterConfig: { Arn: `arn:aws:sqs:${EMULATOR_REGION}:${ACCOUNT_ID}:${STACK_NAME}-ScheduleDeadLetterQueue` },
    },
  });
  for (const id of ALARM_IDS)
    cloudWatch.putAlarm({
      alarmName: ALARM_NAMES[id],
      alarmActions: [ALARM_TOPIC_ARN],
      state: 'OK',
      description: `Runbook: docs/RUNBOOK.md#${id.toLowerCase()}`,
    });
  const queueUrl = (name: string) => `https://sqs.${EMULATOR_REGION}.amazonaws.com/${ACCOUNT_ID}/${STACK_NAME}-${name}`;
  const outputs: Record<string, string> = {
    [STACK_OUTPUT.functionName]: FUNCTION_NAME,
    [STACK_OUTPUT.adobeCredentialsSecret]: world.adobe.secretId,
    [STACK_OUTPUT.logGroupName]: `/aws/lambda/${FUNCTION_NAME}`,
    [STACK_OUTPUT.scheduleDeadLetterQueueUrl]: queueUrl('ScheduleDeadLetterQueue'),
    [STACK_OUTPUT.failureDeadLetterQueueUrl]: queueUrl('FailureDeadLetterQueue'),
    [STACK_OUTPUT.scheduleName]: SCHEDULE_NAME,
    [STACK_OUTPUT.scheduleGroupName]: SCHEDULE_GROUP_NAME,
    [STACK_OUTPUT.ledgerTableName]: world.env.LEDGER_TABLE_NAME ?? WORLD_LEDGER_TABLE,
    [STACK_OUTPUT.alarmNames]: ALARM_IDS.map((id) => ALARM_NAMES[id]).join(','),
    [STACK_OUTPUT.functionRoleArn]: `arn:aws:iam::${ACCOUNT_ID}:role/${STACK_NAME}-FunctionRole`,
    [STACK_OUTPUT.alarmTopicArn]: ALARM_TOPIC_ARN,
    [STACK_OUTPUT.dashboardName]: `${STACK_NAME}-Dashboard`,
    [STACK_OUTPUT.schedulerRoleArn]: `arn:aws:iam::${ACCOUNT_ID}:role/${STACK_NAME}-SchedulerRole`,
    [STACK_OUTPUT.adobeSecretRotationFunctionName]: ROTATION_FUNCTION_NAME,
    [STACK_OUTPUT.adobeSecretRotationLogGroupName]: ROTATION_LOG_GROUP_NAME,
    [STACK_OUTPUT.adobeSecretRotationRoleArn]: `arn:aws:iam::${ACCOUNT_ID}:role/aep-s3-rotator-adobe-secret-rotation`,
  };
  cloudFormation.putStack({ stackName: STACK_NAME, outputs: Object.entries(outputs).map(([key, value]) => ({ key, value })) });

  /** What a run means for the two alarms that watch runs: a failed connection, a failed run. */
  function evaluateAlarms(run: Omit<ScheduledRun, 'alarms'>): ScheduledRun['alarms'] {
    const states: Array<[AlarmId, AlarmState, string]> = [
      ['ConnectionFailingAlarm', (run.summary?.failed ?? 0) > 0 ? 'ALARM' : 'OK', `RotationFailed: ${run.summary?.failed ?? 0}`],
      ['ErrorsAlarm', run.error ? 'ALARM' : 'OK', run.error ? 'the run failed' : 'the run succeeded'],
    ];
    return states.flatMap(([id, state, reason]) => {
      const before = cloudWatch.getAlarm(ALARM_NAMES[id])?.state;
      const notified = cloudWatch.setAlarmState(ALARM_NAMES[id], state, reason);
      return before === state ? [] : [{ id, state, notified }];
    });
  }

  return {
    lambda,
    cloudFormation,
    scheduler,
    cloudWatch,
    cloudWatchLogs,
    endpointEnv: {
      ...world.emulators.endpointEnv,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: cloudWatchLogs.url,
      AWS_ENDPOINT_URL_LAMBDA: lambda.url,
      AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url,
      AWS_ENDPOINT_URL_SCHEDULER: scheduler.url,
      AWS_ENDPOINT_URL_CLOUDWATCH: cloudWatch.url,
    },
    async runSchedule() {
      const before = lambda.invocations.length;
      if ((await scheduler.fire()) === 0) return undefined;
      await lambda.settled();
      const invocation = lambda.invocations.slice(before).find((entry) => entry.invocationType === 'Event');
      if (!invocation) return undefined;
      const run = invocation.functionError ? { error: invocation.errorMessage ?? 'the run failed' } : { summary: invocation.result as RotationSummary };
      return { ...run, alarms: evaluateAlarms(run) };
    },
    async close() {
      invoker.destroy();
      rotationInvoker.destroy();
      await world.emulators.secretsManager.rotationsSettled();
      await Promise.all([lambda.close(), cloudFormation.close(), scheduler.close(), cloudWatch.close(), cloudWatchLogs.close()]);
    },
  };
}
