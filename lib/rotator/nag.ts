/**
 * cdk-nag findings that are deliberate (AwsSolutions and Serverless packs), each with the reason it
 * holds. Findings of one module's own making are acknowledged there (source-roles.ts, network.ts).
 */
import { Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';

/**
 * Why the created Adobe secret has no Secrets Manager rotation when `adobeSecretRotation` is off,
 * and how to turn it on (docs/DEPLOY.md, "Rotating the Adobe client secret"). Adobe lets an OAuth
 * Server-to-Server client secret be rotated, in Developer Console or through the I/O Management API
 * (Adobe's guide, below, section "Rotating client secrets"); with it on, the secret has a
 * `RotationSchedule` and the finding does not arise.
 * https://developer.adobe.com/developer-console/docs/guides/authentication/ServerToServerAuthentication/implementation/
 */
export const ADOBE_SECRET_ROTATION_REASON =
  'Adobe rotates OAuth Server-to-Server client secrets in Developer Console or through its I/O Management API, ' +
  'and this deployment leaves that to the operator: adobeSecretRotation is off. To have Secrets Manager rotate ' +
  'the secret, add the I/O Management API to the Developer Console project (its token then carries ' +
  "manage_client_secrets, letting whoever holds the secret manage the credential's secrets), add consoleOrgId " +
  'and credentialId to the secret, and set "adobeSecretRotation": { "everyDays": ' +
  '30 } in cdk.json (or the construct\'s adobeSecretRotation prop); docs/DEPLOY.md, "Rotating the Adobe client ' +
  'secret". Until then operators rotate in Developer Console and put the new value with put-secret-value.';

/**
 * Acknowledge the findings on the function, the dead-letter queues and, when the construct created
 * them, the Adobe secret and the alarm topic's subscriptions (an app's own e-mail subscription
 * included). These are cdk-nag v3 acknowledgements (`Validations`); README, "cdk-nag", says what a
 * cdk-nag v2 user adds.
 */
export function acknowledgeNagFindings({
  function: fn,
  defaultRuntime,
  deadLetterQueues,
  createdSecret,
  createdAlarmTopic,
}: {
  function: lambda.IFunction;
  /** The function runs the default runtime (no `runtime` prop). */
  defaultRuntime: boolean;
  deadLetterQueues: readonly sqs.IQueue[];
  createdSecret?: secretsmanager.ISecret;
  createdAlarmTopic?: IConstruct;
}): void {
  if (defaultRuntime) acknowledgeDefaultRuntime(fn);
  if (createdAlarmTopic) acknowledgeAlarmTopicSubscriptions(createdAlarmTopic);
  Validations.of(fn).acknowledge(
    {
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        'A failed asynchronous run goes to the on-failure destination (the failure dead-letter queue, ' +
        'with FailureDeadLetterQueueAlarm), which records the request and the error; ' +
        "a DeadLetterConfig would send a second copy of the event alone. Lambda's guide prefers destinations.",
    },
    {
      id: 'Serverless::Serverless-LambdaTracing',
      reason:
        'X-Ray needs xray:PutTraceSegments and xray:PutTelemetryRecords on "*" (they take no resource) and, ' +
        'in a VPC, one more endpoint; the function does not instrument its HTTP and SDK clients, ' +
        "so a trace would show only Lambda's own segment, which the Duration metrics on the dashboard already " +
        'give. Each run logs its request id and one line per connection instead.',
    },
  );
  for (const queue of deadLetterQueues) {
    for (const id of ['AwsSolutions::AwsSolutions-SQS3', 'Serverless::Serverless-SQSRedrivePolicy']) {
      Validations.of(queue).acknowledge({
        id,
        reason:
          'This queue is itself a dead-letter queue (of EventBridge Scheduler or of Lambda asynchronous ' +
          'invocation), watched by its own alarm; a DLQ of a DLQ would only move the same message.',
      });
    }
  }
  if (createdSecret)
    Validations.of(createdSecret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: ADOBE_SECRET_ROTATION_REASON,
    });
}

/**
 * Why the function keeps Node.js 24 while aws-cdk-lib knows a newer runtime: the bundle is built
 * for it (esbuild `target: 'node24'`) and every test runs on it; the `runtime` prop moves on.
 */
export const DEFAULT_RUNTIME_REASON =
  'The function is bundled for Node.js 24 (esbuild target node24) and its tests run on Node.js 24, ' +
  'which Lambda supports (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html); ' +
  "a newer runtime is a choice the app makes with the construct's runtime prop, which then lets these findings " +
  'show again.';

/**
 * Acknowledge cdk-nag's "not the latest runtime" on a function bundled for Node.js 24: found only
 * once aws-cdk-lib knows a newer Node.js runtime than the bundle's (2.278 and later).
 */
export function acknowledgeDefaultRuntime(fn: IConstruct): void {
  for (const id of ['AwsSolutions::AwsSolutions-L1', 'Serverless::Serverless-LambdaLatestVersion']) {
    Validations.of(fn).acknowledge({ id, reason: DEFAULT_RUNTIME_REASON });
  }
}

/**
 * Acknowledge the missing redrive policy of the alarm topic's subscriptions (the construct's own
 * topic, to which apps add their e-mail address: `rotator.alarmTopic.addSubscription(...)`).
 */
export function acknowledgeAlarmTopicSubscriptions(topic: IConstruct): void {
  Validations.of(topic).acknowledge({
    id: 'Serverless::Serverless-SNSRedrivePolicy',
    reason:
      'Subscriptions of this topic carry alarm notifications, typically to an e-mail address. ' +
      'A dead-letter queue for notifications SNS could not deliver would need an alarm of its own, ' +
      'and that alarm could only notify through this same topic; alarm states stay visible in CloudWatch and on ' +
      'the dashboard whether or not a notification arrives.',
  });
}
