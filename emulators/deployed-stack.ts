/**
 * A deployed rotator stack, in stand-ins, around a seeded {@link World}: what `npx cdk deploy`
 * would leave in an account, for the operator CLI's tests and `npm run sandbox`.
 *
 * - Lambda: the real handler, with the environment the stack gives it (and `AWS_LAMBDA_FUNCTION_NAME`,
 *   which names its metrics), running under the function role's own credentials (swapped in for each
 *   invocation, so a CLI in the same process keeps signing as the operator); a failed asynchronous
 *   run is retried twice, then handed to the failure dead-letter queue, as the construct configures it;
 * - CloudFormation: the stack and every output an older CLI reads (the CLI learns it all from the
 *   function's environment and tags, which the Lambda stand-in shows as the construct sets them);
 * - EventBridge Scheduler: the schedule (in its group) whose target is the function;
 * - CloudWatch: the stack's alarms, evaluated after each scheduled tick (deployed-alarms.ts);
 * - SNS: the alarm topic, with one confirmed e-mail subscription, receiving what the alarms notify;
 * - DynamoDB (dynalite): the rotation ledger the function writes, reached through a front that
 *   faults can take away from the function alone;
 * - the Adobe secret's rotation (`adobeSecretRotation`): its function in Lambda, invoked by Secrets
 *   Manager, its log in CloudWatch Logs (deployed-secret-rotation.ts).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { STACK_OUTPUT } from '../cli/aws.js';
import { FUNCTION_TAG } from '../core/operator-facts.js';
import { createHandler, type RotationSummary } from '../lambda/handler.js';
import type { HttpPolicy } from '../lambda/http-policy.js';
import { startCloudFormationEmulator, type CloudFormationEmulator } from './cloudformation.js';
import { startCloudWatchEmulator, type CloudWatchEmulator } from './cloudwatch.js';
import { startCloudWatchLogsEmulator, type CloudWatchLogsEmulator } from './cloudwatch-logs.js';
import { SandboxAlarms, type AlarmMove } from './deployed-alarms.js';
import { deployAdobeSecretRotation } from './deployed-secret-rotation.js';
import {
  ACCOUNT_ID,
  ALARM_NAMES,
  FUNCTION_NAME,
  ON_CALL_EMAIL,
  QUEUE_NAMES,
  queueUrl,
  ROTATION_EVERY_DAYS,
  ROTATION_FUNCTION_NAME,
  ROTATION_LOG_GROUP_NAME,
  SCHEDULE_EXPRESSION,
  SCHEDULE_GROUP_NAME,
  SCHEDULE_NAME,
  STACK_NAME,
} from './deployed-stack-names.js';
import { startDynamoDbFront } from './dynamodb.js';
import { EMULATOR_REGION } from './index.js';
import { startLambdaInvokeEmulator, type LambdaHandler, type LambdaInvokeEmulator } from './lambda-invoke.js';
import { startSchedulerEmulator, type SchedulerEmulator } from './scheduler.js';
import { startSnsEmulator, type SnsEmulator } from './sns.js';
import { ALARM_IDS } from './stack-alarms.js';
import type { AwsCredentials, Emulator } from './types.js';
import { WORLD_LEDGER_TABLE, type World } from './world.js';

export { ALARM_IDS, type AlarmId } from './stack-alarms.js';
export type { AlarmMove } from './deployed-alarms.js';
// The stack's names, for the CLI's tests and the sandbox (ACCOUNT_ID, QUEUE_NAMES and queueUrl too).
export * from './deployed-stack-names.js';

/** One scheduled run, as the schedule started it. */
export interface ScheduledRun {
  readonly summary?: RotationSummary;
  /** The run failed as a whole (Lambda's `errorMessage`), after its retries. */
  readonly error?: string;
  /** Scheduler could not invoke the function: why (the message its dead-letter queue got). */
  readonly notInvoked?: string;
  /** Alarms (per connection: contributors) whose state the tick changed. */
  readonly alarms: readonly AlarmMove[];
}

/** What the sandbox's faults switch in the stack itself (the rest is the emulators'). */
export interface StackFaults {
  /** Scheduler's role may no longer invoke the function. */
  schedulerDenied: boolean;
  /** The failure dead-letter queue refuses Lambda's records. */
  failureQueueDenied: boolean;
}

export interface DeployedStack {
  readonly lambda: LambdaInvokeEmulator;
  readonly cloudFormation: CloudFormationEmulator;
  readonly scheduler: SchedulerEmulator;
  readonly cloudWatch: CloudWatchEmulator;
  readonly sns: SnsEmulator;
  /** The function's way to DynamoDB (faults there reach the function only). */
  readonly ledgerFront: Emulator;
  /** The operator's way to DynamoDB (`endpointEnv`): what the CLI asks of the ledger is recorded there. */
  readonly operatorLedgerFront: Emulator;
  readonly alarmTopicArn: string;
  readonly faults: StackFaults;
  /** Messages waiting in the dead-letter queues. */
  readonly queues: { readonly schedule: string[]; readonly failure: string[] };
  /** The rotation function's log group (each invocation's log, as Lambda writes it). */
  readonly cloudWatchLogs: CloudWatchLogsEmulator;
  /** `AWS_ENDPOINT_URL_*` of every AWS service the stack and the CLI use, and `AWS_REGION`. */
  readonly endpointEnv: Record<string, string>;
  /**
   * Fire the schedule (nothing happens while it is DISABLED), wait for the run and its retries, evaluate the alarms.
   */
  runSchedule(): Promise<ScheduledRun | undefined>;
  /** Undo {@link StackFaults} and the front's faults, and empty both queues (as `aws sqs purge-queue`). */
  clearFaults(): void;
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

/**
 * The handler as Lambda runs it: with its own role's credentials in the environment, and the
 * stack's way to DynamoDB. The AWS SDK reads them there at each request; the invocations run one
 * at a time.
 */
function underOwnRole(handler: LambdaHandler, credentials: AwsCredentials, dynamoDbUrl: string): LambdaHandler {
  const own: Record<string, string | undefined> = {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDbUrl,
  };
  return async (event) => {
    const saved = Object.keys(own).map((name) => [name, process.env[name]] as const);
    for (const [name, value] of Object.entries(own)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
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
export async function startDeployedStack(
  world: World,
  options: { httpPolicy?: HttpPolicy } = {},
): Promise<DeployedStack> {
  const { sts } = world.emulators;
  const lambda = await startLambdaInvokeEmulator({ sts, region: EMULATOR_REGION });
  const cloudFormation = await startCloudFormationEmulator({ sts, region: EMULATOR_REGION });
  const sns = await startSnsEmulator({ sts, region: EMULATOR_REGION });
  const cloudWatch = await startCloudWatchEmulator({ sts, region: EMULATOR_REGION, sns });
  const cloudWatchLogs = await startCloudWatchLogsEmulator({ sts, region: EMULATOR_REGION });
  const ledgerFront = await startDynamoDbFront(world.emulators.dynamodb.url);
  const operatorLedgerFront = await startDynamoDbFront(world.emulators.dynamodb.url);
  const faults: StackFaults = { schedulerDenied: false, failureQueueDenied: false };
  const queues = { schedule: [] as string[], failure: [] as string[] };

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
      if (faults.schedulerDenied) {
        throw Object.assign(
          new Error(
            `User: ${schedulerRoleArn} is not authorized to perform: lambda:InvokeFunction on resource: ` +
              `${target.Arn} because no identity-based policy allows it`,
          ),
          { name: 'AccessDeniedException' },
        );
      }
      await invoker.send(
        new InvokeCommand({
          FunctionName: target.Arn,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(payload),
        }),
      );
    },
  });

  const alarmTopicArn = sns.putTopic(`${STACK_NAME}-AlarmTopic`);
  const alarms = new SandboxAlarms(world, { cloudWatch, lambda, queues }, alarmTopicArn);
  const functionArn = lambda.registerFunction(
    FUNCTION_NAME,
    underOwnRole(
      createHandler({ env: { ...world.env, AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME }, httpPolicy: options.httpPolicy }),
      world.functionCredentials,
      ledgerFront.url,
    ),
    {
      // As the construct configures it: two retries, then the failure dead-letter queue.
      maximumRetryAttempts: 2,
      onFailure: ({ event, errorMessage }) => {
        if (faults.failureQueueDenied) {
          alarms.deliveryFailed();
          return false;
        }
        queues.failure.push(JSON.stringify({ requestPayload: event, responsePayload: { errorMessage } }));
        return true;
      },
    },
    {
      // What GetFunctionConfiguration shows: the rotator's variables (Lambda's own, and the role's keys, are not in
      // it).
      environment: Object.fromEntries(Object.entries(world.env).filter(([name]) => !name.startsWith('AWS_'))),
      tags: {
        [FUNCTION_TAG.scheduleGroup]: SCHEDULE_GROUP_NAME,
        [FUNCTION_TAG.alarmTopic]: alarmTopicArn,
        [FUNCTION_TAG.scheduleDeadLetterQueue]: queueUrl(QUEUE_NAMES.schedule),
        [FUNCTION_TAG.failureDeadLetterQueue]: queueUrl(QUEUE_NAMES.failure),
        [FUNCTION_TAG.adobeSecretRotationLogGroup]: ROTATION_LOG_GROUP_NAME,
        'aws:cloudformation:stack-name': STACK_NAME,
      },
      role: world.functionRoleArn,
    },
  );
  // The Adobe secret's rotation: Secrets Manager invokes its function through Lambda.
  const secretRotation = deployAdobeSecretRotation(world, { lambda, cloudWatchLogs }, options);

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
        '{"source":"aep-s3-rotator.schedule","scheduleArn":"<aws.scheduler.schedule-arn>",' +
        '"scheduledTime":"<aws.scheduler.scheduled-time>","executionId":"<aws.scheduler.execution-id>",' +
        '"attemptNumber":"<aws.scheduler.attempt-number>"}',
      RetryPolicy: { MaximumEventAgeInSeconds: 900, MaximumRetryAttempts: 2 },
      DeadLetterConfig: { Arn: `arn:aws:sqs:${EMULATOR_REGION}:${ACCOUNT_ID}:${QUEUE_NAMES.schedule}` },
    },
  });

  sns.subscribe(alarmTopicArn, { protocol: 'email', endpoint: ON_CALL_EMAIL, confirmed: true });
  const outputs: Record<string, string> = {
    [STACK_OUTPUT.functionName]: FUNCTION_NAME,
    [STACK_OUTPUT.adobeCredentialsSecret]: world.adobe.secretId,
    [STACK_OUTPUT.logGroupName]: `/aws/lambda/${FUNCTION_NAME}`,
    [STACK_OUTPUT.scheduleDeadLetterQueueUrl]: queueUrl(QUEUE_NAMES.schedule),
    [STACK_OUTPUT.failureDeadLetterQueueUrl]: queueUrl(QUEUE_NAMES.failure),
    [STACK_OUTPUT.scheduleName]: SCHEDULE_NAME,
    [STACK_OUTPUT.scheduleGroupName]: SCHEDULE_GROUP_NAME,
    [STACK_OUTPUT.ledgerTableName]: world.env.LEDGER_TABLE_NAME ?? WORLD_LEDGER_TABLE,
    [STACK_OUTPUT.alarmNames]: ALARM_IDS.map((id) => ALARM_NAMES[id]).join(','),
    [STACK_OUTPUT.functionRoleArn]: `arn:aws:iam::${ACCOUNT_ID}:role/${STACK_NAME}-FunctionRole`,
    [STACK_OUTPUT.alarmTopicArn]: alarmTopicArn,
    [STACK_OUTPUT.dashboardName]: `${STACK_NAME}-Dashboard`,
    [STACK_OUTPUT.schedulerRoleArn]: `arn:aws:iam::${ACCOUNT_ID}:role/${STACK_NAME}-SchedulerRole`,
    [STACK_OUTPUT.adobeSecretRotationFunctionName]: ROTATION_FUNCTION_NAME,
    [STACK_OUTPUT.adobeSecretRotationLogGroupName]: ROTATION_LOG_GROUP_NAME,
    [STACK_OUTPUT.adobeSecretRotationRoleArn]: `arn:aws:iam::${ACCOUNT_ID}:role/aep-s3-rotator-adobe-secret-rotation`,
  };
  cloudFormation.putStack({
    stackName: STACK_NAME,
    outputs: Object.entries(outputs).map(([key, value]) => ({ key, value })),
  });

  return {
    lambda,
    cloudFormation,
    scheduler,
    cloudWatch,
    sns,
    ledgerFront,
    operatorLedgerFront,
    alarmTopicArn,
    faults,
    queues,
    cloudWatchLogs,
    endpointEnv: {
      ...world.emulators.endpointEnv,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: cloudWatchLogs.url,
      AWS_ENDPOINT_URL_LAMBDA: lambda.url,
      AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url,
      AWS_ENDPOINT_URL_SCHEDULER: scheduler.url,
      AWS_ENDPOINT_URL_CLOUDWATCH: cloudWatch.url,
      AWS_ENDPOINT_URL_SNS: sns.url,
      AWS_ENDPOINT_URL_DYNAMODB: operatorLedgerFront.url,
    },
    async runSchedule() {
      const before = lambda.invocations.length;
      let notInvoked: string | undefined;
      let fired: number;
      try {
        fired = await scheduler.fire();
      } catch (error) {
        // Scheduler retries, then drops the event in its dead-letter queue with the reason.
        notInvoked = `${(error as Error).name}: ${(error as Error).message}`;
        queues.schedule.push(
          JSON.stringify({ errorCode: (error as Error).name, errorMessage: (error as Error).message }),
        );
        fired = 1;
      }
      if (fired === 0) return undefined;
      await lambda.settled();
      const attempts = lambda.invocations.slice(before).filter((entry) => entry.invocationType === 'Event');
      const last = attempts.at(-1);
      const moves = alarms.tick();
      if (notInvoked || !last) return { notInvoked: notInvoked ?? 'no invocation', alarms: moves };
      const run = last.functionError
        ? { error: last.errorMessage ?? 'the run failed' }
        : { summary: last.result as RotationSummary };
      return { ...run, alarms: moves };
    },
    clearFaults() {
      faults.schedulerDenied = false;
      faults.failureQueueDenied = false;
      ledgerFront.clearFaults();
      queues.schedule.length = 0;
      queues.failure.length = 0;
    },
    async close() {
      invoker.destroy();
      secretRotation.destroy();
      await world.emulators.secretsManager.rotationsSettled();
      await Promise.all([
        lambda.close(),
        cloudFormation.close(),
        scheduler.close(),
        cloudWatch.close(),
        cloudWatchLogs.close(),
        sns.close(),
        ledgerFront.close(),
        operatorLedgerFront.close(),
      ]);
    },
  };
}
