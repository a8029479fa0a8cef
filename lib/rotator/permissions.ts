/**
 * Least privilege: exactly what the function, the schedule and the on-failure destination need,
 * and no more than the stock CDK helpers would grant (see docs/DEPLOY.md, "What the stack grants").
 */
import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { secretPolicyArn } from './secrets.js';
import type { CheckedTarget } from './validate-props.js';

/** What the function reads and assumes. */
export interface FunctionGrants {
  readonly logGroup: logs.ILogGroup;
  readonly adobeCredentialsSecret: secretsmanager.ISecret;
  readonly targets: readonly CheckedTarget[];
  readonly createdRoles: ReadonlyMap<string, iam.IRole>;
}

/** Exactly what the function needs; see docs/DEPLOY.md, "Permissions". */
export function grantFunctionPermissions(
  role: iam.Role,
  { logGroup, adobeCredentialsSecret, targets, createdRoles }: FunctionGrants,
): void {
  // Logs, and metrics: Powertools writes metrics to the log (embedded metric format), so no cloudwatch:PutMetricData.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'WriteLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );

  const secrets = [
    adobeCredentialsSecret,
    ...targets.flatMap(({ props }) => (props.userCredentialsSecret ? [props.userCredentialsSecret] : [])),
  ];
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadSecrets',
      actions: ['secretsmanager:GetSecretValue'],
      resources: unique(secrets.map(secretPolicyArn)),
    }),
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
    targets
      .filter(({ method }) => method === 'assume-role-chained')
      .map(({ props }) => props.roleArn ?? createdRoles.get(props.connectionId)!.roleArn),
  );
  if (chained.length > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'AssumeTargetRoles', actions: ['sts:AssumeRole'], resources: chained }),
    );
  }
}

/**
 * EventBridge Scheduler's Lambda target, granting `lambda:InvokeFunction` on exactly the function
 * ARN: the stock target also grants `<arn>:*` (every version and alias), which nothing here uses.
 */
export class ExactLambdaInvoke extends schedulerTargets.LambdaInvoke {
  /** The role EventBridge Scheduler invokes with (known once the schedule is bound). */
  role?: iam.IRole;

  constructor(
    private readonly target: lambda.IFunction,
    private readonly props: schedulerTargets.ScheduleTargetBaseProps,
  ) {
    super(target, props);
  }

  protected override addTargetActionToRole(role: iam.IRole): void {
    this.role = role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.target.functionArn] }),
    );
    // The stock target grants sqs:SendMessage on the dead-letter queue (after this); an encrypted
    // queue needs its key too.
    const statement = this.props.deadLetterQueue && encryptedQueueStatement(this.props.deadLetterQueue);
    if (statement) role.addToPrincipalPolicy(statement);
  }
}

/**
 * An SQS on-failure destination granting only `sqs:SendMessage`, the one permission Lambda uses
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html); the stock
 * `SqsDestination` also grants GetQueueAttributes and GetQueueUrl.
 */
export class QueueDestination implements lambda.IDestination {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(_scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SendFailedEvents',
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
      }),
    );
    const statement = encryptedQueueStatement(this.queue, 'EncryptFailedEvents');
    if (statement) fn.addToRolePolicy(statement);
    return { destination: this.queue.queueArn };
  }
}

/**
 * What a sender to a queue encrypted with a customer-managed key needs besides `sqs:SendMessage`:
 * `kms:GenerateDataKey` and `kms:Decrypt` on the key, only through SQS
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
 * Exact actions, not CDK's `grantSendMessages` (`kms:GenerateDataKey*`, `kms:ReEncrypt*`, `kms:Encrypt`).
 */
function encryptedQueueStatement(queue: sqs.IQueue, sid?: string): iam.PolicyStatement | undefined {
  if (!queue.encryptionMasterKey) return undefined;
  return new iam.PolicyStatement({
    sid,
    actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
    resources: [queue.encryptionMasterKey.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `sqs.${Aws.REGION}.amazonaws.com` } },
  });
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
