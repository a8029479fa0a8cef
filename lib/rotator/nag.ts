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
 * (https://developer.adobe.com/developer-console/docs/guides/authentication/ServerToServerAuthentication/implementation/#rotating-client-secrets);
 * with it on, the secret has a `RotationSchedule` and the finding does not arise.
 */
export const ADOBE_SECRET_ROTATION_REASON =
  'Adobe rotates OAuth Server-to-Server client secrets in Developer Console or through its I/O Management API, and this deployment leaves that to the operator: adobeSecretRotation is off. ' +
  "To have Secrets Manager rotate the secret, add the I/O Management API to the Developer Console project (its token then carries manage_client_secrets, letting whoever holds the secret manage the credential's secrets), " +
  'add consoleOrgId and credentialId to the secret, and set "adobeSecretRotation": { "everyDays": 30 } in cdk.json (or the construct\'s adobeSecretRotation prop); docs/DEPLOY.md, "Rotating the Adobe client secret". ' +
  'Until then operators rotate in Developer Console and put the new value with put-secret-value.';

/** Acknowledge the findings on the function, the dead-letter queues and, when the construct created it, the Adobe secret. */
export function acknowledgeNagFindings({
  function: fn,
  deadLetterQueues,
  createdSecret,
}: {
  function: lambda.IFunction;
  deadLetterQueues: readonly sqs.IQueue[];
  createdSecret?: secretsmanager.ISecret;
}): void {
  Validations.of(fn).acknowledge(
    {
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        "A failed asynchronous run goes to the on-failure destination (the failure dead-letter queue, with FailureDeadLetterQueueAlarm), which records the request and the error; a DeadLetterConfig would send a second copy of the event alone. Lambda's guide prefers destinations.",
    },
    {
      id: 'Serverless::Serverless-LambdaTracing',
      reason:
        'X-Ray needs xray:PutTraceSegments and xray:PutTelemetryRecords on "*" (they take no resource) and, in a VPC, one more endpoint; the function does not instrument its HTTP and SDK clients, so a trace would show only Lambda\'s own segment, which the Duration metrics on the dashboard already give. Each run logs its request id and one line per connection instead.',
    },
  );
  for (const queue of deadLetterQueues) {
    for (const id of ['AwsSolutions::AwsSolutions-SQS3', 'Serverless::Serverless-SQSRedrivePolicy']) {
      Validations.of(queue).acknowledge({
        id,
        reason:
          'This queue is itself a dead-letter queue (of EventBridge Scheduler or of Lambda asynchronous invocation), watched by its own alarm; a DLQ of a DLQ would only move the same message.',
      });
    }
  }
  if (createdSecret) Validations.of(createdSecret).acknowledge({ id: 'AwsSolutions::AwsSolutions-SMG4', reason: ADOBE_SECRET_ROTATION_REASON });
}

/** Acknowledge the missing redrive policy of an e-mail subscription to the alarm topic. */
export function acknowledgeAlarmEmailSubscription(subscription: IConstruct): void {
  Validations.of(subscription).acknowledge({
    id: 'Serverless::Serverless-SNSRedrivePolicy',
    reason:
      'This subscription is an e-mail address for alarm notifications. A dead-letter queue for notifications SNS could not deliver would need an alarm of its own, and that alarm could only notify through this same topic and address; alarm states stay visible in CloudWatch and on the dashboard whether or not an e-mail arrives.',
  });
}
