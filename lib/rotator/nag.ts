/** cdk-nag findings that are deliberate, each with the reason it holds. */
import { Validations } from 'aws-cdk-lib';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/** Acknowledge the findings on the dead-letter queues and, when the construct created it, the Adobe secret. */
export function acknowledgeNagFindings({ deadLetterQueues, createdSecret }: { deadLetterQueues: readonly sqs.IQueue[]; createdSecret?: secretsmanager.ISecret }): void {
  for (const queue of deadLetterQueues) {
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter queue (of EventBridge Scheduler or of Lambda asynchronous invocation); a DLQ of a DLQ would only move the same alarm.',
    });
  }
  if (createdSecret) {
    Validations.of(createdSecret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        "The secret holds Adobe OAuth Server-to-Server credentials, whose client secret is issued and rotated in Adobe Developer Console; a Secrets Manager rotation function cannot do that. Operators put each new value with put-secret-value.",
    });
  }
}
