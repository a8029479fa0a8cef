/**
 * A customer-managed key for what the construct stores: which resource uses it is decided where
 * each is created; here is what AWS services need in the key's policy. CloudWatch Logs (to encrypt
 * the log group) and CloudWatch alarms (to publish to the encrypted topic) act as service
 * principals, which only a key policy can allow. For a key of this app the construct adds those
 * statements; an imported key's policy cannot be changed from a stack (`addToResourcePolicy` is a
 * no-op), so docs/DEPLOY.md ("Key policy") gives its owner the same statements.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';

/** Let CloudWatch Logs and CloudWatch alarms use `key`, when its policy belongs to this app. */
export function allowServicesToUseKey(key: kms.IKey): void {
  const { partition, region, account } = Stack.of(key);
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
  // Any log group of this account and region: naming the log group would make the key depend on
  // the log group that depends on the key (its name is generated at deploy time).
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsInThisAccount',
      principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` } },
    }),
  );
  // https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopics',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }),
  );
}
