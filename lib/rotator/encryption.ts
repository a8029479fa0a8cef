/**
 * A customer-managed key for what the construct stores: which resource uses it is decided where
 * each is created; here is what AWS services need in the key's policy. CloudWatch Logs (to encrypt
 * the log group) and CloudWatch alarms (to publish to the encrypted topic) act as service
 * principals, which only a key policy can allow. For a key of this app the construct adds those
 * statements; an imported key's policy cannot be changed from a stack (`addToResourcePolicy` is a
 * no-op), so docs/DEPLOY.md ("Key policy") gives its owner the same statements.
 */
import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';

/**
 * The key policy statement CloudWatch alarms need to publish to a topic encrypted with the key, for `account` and
 * `region`.
 */
export function alarmKeyStatement(partition: string, region: string, account: string): Record<string, unknown> {
  return {
    Sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopics',
    Effect: 'Allow',
    Principal: { Service: 'cloudwatch.amazonaws.com' },
    Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    Resource: '*',
    Condition: {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
    },
  };
}

/**
 * The key policy statement EventBridge needs to publish to a topic encrypted with the key (the Adobe secret's
 * rotation events: lib/rotator/adobe-secret-rotation-events.ts), as AWS documents it, without conditions: AWS names
 * none that reach KMS through SNS for EventBridge, and one it does not pass would drop every notification silently.
 * https://repost.aws/knowledge-center/sns-not-getting-eventbridge-notification
 */
export function eventBridgeKeyStatement(): Record<string, unknown> {
  return {
    Sid: 'AllowEventBridgeToPublishToEncryptedTopics',
    Effect: 'Allow',
    Principal: { Service: 'events.amazonaws.com' },
    Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
    Resource: '*',
  };
}

/**
 * Let CloudWatch Logs and CloudWatch alarms use `key`, when its policy belongs to this app.
 * @returns whether the statements were added: false for an imported key, whose policy only its owner can change.
 */
export function allowServicesToUseKey(key: kms.IKey): boolean {
  const { partition, region, account } = Stack.of(key);
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
  // Any log group of this account and region: naming the log group would make the key depend on
  // the log group that depends on the key (its name is generated at deploy time).
  const { statementAdded } = key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsInThisAccount',
      principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` },
      },
    }),
  );
  // https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns: only this account's alarms
  // (the confused-deputy conditions), any of them (their names are generated at deploy time).
  const alarms = alarmKeyStatement(partition, region, account);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: alarms.Sid as string,
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: alarms.Action as string[],
      resources: ['*'],
      conditions: alarms.Condition as Record<string, unknown>,
    }),
  );
  return statementAdded;
}

/**
 * The synth warning for an imported key on the alarm topic the construct creates: CloudWatch can
 * publish to that topic only if the key's policy lets it, and this stack cannot add that. Names the
 * statement (docs/DEPLOY.md, "Key policy" has it too), and EventBridge's when `eventBridge` (the Adobe secret's
 * rotation events publish to the topic too).
 */
export function topicKeyPolicyWarning(key: kms.IKey, eventBridge = false): string {
  const stack = Stack.of(key);
  const known = (value: string, placeholder: string) => (Token.isUnresolved(value) ? placeholder : value);
  const statement = alarmKeyStatement(
    known(stack.partition, 'aws'),
    known(stack.region, '<region>'),
    known(stack.account, '<account>'),
  );
  return (
    'the alarm topic is encrypted with an imported key, whose policy this stack cannot change: ' +
    'CloudWatch may publish the alarms to it only if the key policy allows it, else no alarm reaches anyone. ' +
    'Before deploying, the key\'s owner adds this statement (docs/DEPLOY.md, "Key policy"): ' +
    `${JSON.stringify(statement)}` +
    (eventBridge
      ? "; and, for Secrets Manager's rotation events of the Adobe secret, which EventBridge publishes to the same " +
        `topic, this one: ${JSON.stringify(eventBridgeKeyStatement())}`
      : '') +
    '; then check the route with `npx aep-s3-rotator test-alarm`.'
  );
}
