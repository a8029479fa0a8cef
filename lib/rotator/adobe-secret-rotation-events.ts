/**
 * Secrets Manager's own report of a failed or abandoned rotation of the Adobe client secret, sent to the alarm topic.
 *
 * `AdobeSecretRotationFailedAlarm` watches the rotation function's `Errors`, so it stays quiet when the function never
 * runs: its invoke permission removed, the function deleted, or every invocation throttled. Secrets Manager then
 * records the rotation as failed all the same, and a manual `put-secret-value` during a rotation abandons it. Both
 * are CloudTrail service events (`RotationFailed`, `RotationAbandoned`, with detail-type
 * `AWS Service Event via CloudTrail`) that EventBridge receives in the account's default event bus, with the
 * secret's ARN in `detail.additionalEventData.SecretId`:
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/cloudtrail_log_entries.html ("Log entries for rotation")
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/monitoring-eventbridge.html
 * CloudTrail sends service events to the default bus; the trail AWS requires is for `AWS API Call via CloudTrail`
 * events, which this rule does not match:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { eventBridgeKeyStatement } from './encryption.js';

/** The construct id of the rule (a child of the rotator, as the alarm is). */
export const ADOBE_SECRET_ROTATION_EVENTS_RULE_ID = 'AdobeSecretRotationEventsRule';

/** The CloudTrail service events of Secrets Manager that mean this rotation did not complete. */
export const ROTATION_FAILURE_EVENT_NAMES = ['RotationFailed', 'RotationAbandoned'] as const;

export interface AdobeSecretRotationEventsOptions {
  /** The rotated secret: the Adobe OAuth credentials. */
  readonly secret: secretsmanager.ISecret;
  /** The topic `AdobeSecretRotationFailedAlarm` notifies. */
  readonly alarmTopic: sns.ITopic;
  /** Whether the construct created the topic (its policy and key policy are then this stack's to extend). */
  readonly topicCreated: boolean;
  /** The runbook section the message links: the alarm's, whose steps apply. */
  readonly runbookSectionUrl: string;
}

/**
 * How the event names the secret: its complete ARN, or, for a secret imported without its 6-character suffix, a
 * prefix ending in the suffix's hyphen (the event always carries the complete ARN).
 */
function secretIdPattern(secret: secretsmanager.ISecret): Array<string | { prefix: string }> {
  return secret.secretFullArn ? [secret.secretFullArn] : [{ prefix: `${secret.secretArn}-` }];
}

/**
 * The rule `AdobeSecretRotationEventsRule`: Secrets Manager's `RotationFailed` and `RotationAbandoned` events for
 * exactly this secret, published to the alarm topic as a readable line (the secret, the event, its time, the
 * runbook). A topic the construct created gets a statement letting only this rule publish and, when it is encrypted
 * with a key of this app, a key policy statement letting EventBridge use the key; an imported topic's policies are
 * its owner's (docs/DEPLOY.md says what they need).
 */
export function notifyOnAdobeSecretRotationEvents(
  rotator: Construct,
  options: AdobeSecretRotationEventsOptions,
): events.Rule {
  const { alarmTopic } = options;
  const rule = new events.Rule(rotator, ADOBE_SECRET_ROTATION_EVENTS_RULE_ID, {
    description: "Secrets Manager's RotationFailed and RotationAbandoned events for the Adobe client secret",
    eventPattern: {
      source: ['aws.secretsmanager'],
      detailType: ['AWS Service Event via CloudTrail'],
      detail: {
        eventSource: ['secretsmanager.amazonaws.com'],
        eventName: [...ROTATION_FAILURE_EVENT_NAMES],
        additionalEventData: { SecretId: secretIdPattern(options.secret) },
      },
    },
  });
  const secretId = events.EventField.fromPath('$.detail.additionalEventData.SecretId');
  const eventName = events.EventField.fromPath('$.detail.eventName');
  const message = events.RuleTargetInput.fromText(
    `Secrets Manager reports ${eventName} for the Adobe client secret ${secretId} at ${events.EventField.time}: ` +
      'the scheduled rotation did not complete (a RotationAbandoned follows a value put by hand). ' +
      'Check that the rotation function exists and that Secrets Manager may invoke it, then run ' +
      `\`npx aep-s3-rotator rotate-adobe-secret\`. Runbook: ${options.runbookSectionUrl}`,
  );
  // A target of our own rather than aws-events-targets' SnsTopic: that one grants events.amazonaws.com
  // sns:Publish on the topic for any rule of any account; the statement below names this rule.
  rule.addTarget({ bind: () => ({ arn: alarmTopic.topicArn, input: message, targetResource: alarmTopic }) });
  Validations.of(rule).acknowledge({
    id: 'Serverless::Serverless-EventBusDLQ',
    reason:
      "The rule's one target is the alarm topic. EventBridge retries a failed publish for 24 hours (its default " +
      "retry policy); an event still undelivered then was refused by the topic's or its key's policy, which " +
      'docs/DEPLOY.md states for an imported topic and synth warns about for an imported key. A dead-letter queue ' +
      "would hold that event unread unless another alarm watched it; the rule's FailedInvocations metric " +
      '(AWS/Events) counts it, and AdobeSecretRotationFailedAlarm still reports failed steps on its own route.',
  });
  if (options.topicCreated) {
    const { account } = Stack.of(rotator);
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions
    alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAdobeSecretRotationEvents',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [alarmTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': account }, ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
      }),
    );
    // SNS encrypts the message with the topic's key on EventBridge's behalf. An imported key's policy is its
    // owner's: addToResourcePolicy does nothing there, and synth's alarm-topic-key-policy warning names the statement.
    alarmTopic.masterKey?.addToResourcePolicy(iam.PolicyStatement.fromJson(eventBridgeKeyStatement()));
  }
  return rule;
}
