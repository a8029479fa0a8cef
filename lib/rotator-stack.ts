/**
 * The deployable stack: turns a validated {@link RotatorConfig} (cdk.json) into one
 * {@link S3CredentialRotator}, imports the secrets and topic it names, and publishes the outputs
 * operators and the operator CLI need.
 */
import { Annotations, ArnFormat, CfnOutput, Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { RotatorConfig, SecretConfig } from './config/config.js';
import { targetMethodOf } from '../core/rotation-rules.js';
import { STACK_OUTPUT } from '../core/stack-outputs.js';
import { applyBoundaryAndTags } from './rotator/guardrails.js';
import { acknowledgeAlarmTopicSubscriptions } from './rotator/nag.js';
import {
  S3CredentialRotator,
  secretIdOf,
  type RotationTargetProps,
  type TargetsDelivery,
} from './s3-credential-rotator.js';

export interface RotatorStackProps extends StackProps {
  /** The validated configuration (see `parseRotatorConfig`). */
  readonly config: RotatorConfig;
  /**
   * How the targets reach the function.
   * @default - the configuration's `targetsDelivery` (`auto` unless it says otherwise)
   */
  readonly targetsDelivery?: TargetsDelivery;
}

/** Names of the stack outputs: the one table the stack writes them from and the operator CLI reads them by. */
export const OUTPUT = STACK_OUTPUT;

/** A Secrets Manager secret ARN ends in `-` and six random characters when it is complete. */
const COMPLETE_SECRET_ARN_SUFFIX = /-[A-Za-z0-9]{6}$/;

export class RotatorStack extends Stack {
  readonly rotator: S3CredentialRotator;

  constructor(scope: Construct, id: string, props: RotatorStackProps) {
    super(scope, id, {
      description:
        'AEP S3 credential rotator: keeps the temporary AWS credentials of Adobe Experience Platform Flow Service ' +
        'S3 connections fresh',
      ...props,
    });
    const { config } = props;

    const userSecrets = new Map<string, secretsmanager.ISecret>();
    const userSecret = (secret: SecretConfig) => {
      let imported = userSecrets.get(secret.secretId);
      if (!imported) {
        imported = importSecret(this, `UserCredentialsSecret${userSecrets.size}`, secret);
        userSecrets.set(secret.secretId, imported);
      }
      return imported;
    };

    const targets: RotationTargetProps[] = config.targets.map((target, index) => ({
      connectionId: target.connectionId,
      sandboxName: target.sandboxName,
      roleArn: target.roleArn,
      createRole: target.createRole && {
        bucketName: target.createRole.bucketName,
        folderPath: target.createRole.folderPath,
        roleName: target.createRole.roleName,
        bucketAccount: target.createRole.bucketAccount,
        kmsKey: target.createRole.kmsKeyArn
          ? kms.Key.fromKeyArn(this, `SourceBucketKey${index}`, target.createRole.kmsKeyArn)
          : undefined,
      },
      externalId: target.externalId,
      userCredentialsSecret: target.userCredentialsSecret && userSecret(target.userCredentialsSecret),
      duration: Duration.seconds(target.durationSeconds),
      method: targetMethodOf(target.method),
      bucketName: target.bucketName,
      folderPath: target.folderPath,
      bucketAccount: target.bucketAccount,
    }));

    const permissionsBoundary = config.permissionsBoundaryArn
      ? iam.ManagedPolicy.fromManagedPolicyArn(this, 'PermissionsBoundary', config.permissionsBoundaryArn)
      : undefined;
    this.rotator = new S3CredentialRotator(this, 'Rotator', {
      targets,
      schedule: scheduler.ScheduleExpression.expression(config.schedule),
      adobeCredentialsSecret:
        config.adobeCredentialsSecret && importSecret(this, 'AdobeCredentialsSecret', config.adobeCredentialsSecret),
      flowServiceUrl: config.flowServiceUrl,
      imsUrl: config.imsUrl,
      concurrency: config.concurrency,
      memorySize: config.memorySize,
      reserveConcurrency: config.reserveConcurrency,
      enabled: config.enabled,
      verifyWithAdobe: config.verifyWithAdobe,
      logRetention: config.logRetentionDays as logs.RetentionDays,
      alarmTopic: config.alarmTopicArn ? sns.Topic.fromTopicArn(this, 'AlarmTopic', config.alarmTopicArn) : undefined,
      ticketTopic: config.ticketTopicArn
        ? sns.Topic.fromTopicArn(this, 'TicketTopic', config.ticketTopicArn)
        : undefined,
      connectionMetrics: config.connectionMetrics,
      targetsDelivery: props.targetsDelivery ?? (config.targetsDelivery as TargetsDelivery),
      expiryAlarmThreshold:
        config.expiryAlarmThresholdSeconds === undefined
          ? undefined
          : Duration.seconds(config.expiryAlarmThresholdSeconds),
      functionRoleName: config.functionRoleName,
      runbookUrl: config.runbookUrl,
      permissionsBoundary,
      tags: config.tags,
      encryptionKey: config.encryptionKeyArn
        ? kms.Key.fromKeyArn(this, 'EncryptionKey', config.encryptionKeyArn)
        : undefined,
      vpc: config.vpc && {
        subnets: config.vpc.subnetIds.map((subnetId, index) => importSubnet(this, `Subnet${index}`, subnetId)),
        securityGroups: config.vpc.securityGroupIds.map((groupId, index) =>
          ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${index}`, groupId, { mutable: false }),
        ),
      },
      secretReaders: config.secretReaders,
      requireNarrowedCredentials: config.requireNarrowedCredentials,
      adobeSecretName: config.adobeSecretName,
      ledgerTableName: config.ledgerTableName,
      adobeSecretRotation: config.adobeSecretRotation && {
        every: Duration.days(config.adobeSecretRotation.everyDays),
        consoleApiUrl: config.adobeSecretRotation.consoleApiUrl,
      },
    });
    // The whole stack too, so that a role or resource CDK adds outside the construct is covered.
    applyBoundaryAndTags([this], { permissionsBoundary, tags: config.tags });
    if (config.alarmEmail) {
      const subscription = this.rotator.alarmTopic.addSubscription(
        new subscriptions.EmailSubscription(config.alarmEmail),
      );
      // The construct's own topic acknowledges its subscriptions' redrive-policy finding; an imported one is the
      // stack's to.
      if (config.alarmTopicArn) acknowledgeAlarmTopicSubscriptions(subscription);
    }

    new CfnOutput(this, OUTPUT.functionName, {
      description: 'The rotation function: aws lambda invoke --function-name <this> ... (docs/DEPLOY.md)',
      value: this.rotator.function.functionName,
      exportName: `${this.stackName}-${OUTPUT.functionName}`,
    });
    new CfnOutput(this, OUTPUT.functionRoleArn, {
      description:
        "The function's role: existing roles given by roleArn (without userCredentialsSecret) must trust it " +
        '(functionRoleName fixes its name)',
      value: this.rotator.functionRole.roleArn,
    });
    new CfnOutput(this, OUTPUT.adobeCredentialsSecret, {
      description:
        'Put the Adobe credentials here: aws secretsmanager put-secret-value --secret-id <this> --secret-string ' +
        'file://adobe-credentials.json',
      value: secretIdOf(this.rotator.adobeCredentialsSecret),
    });
    new CfnOutput(this, OUTPUT.schedulerRoleArn, {
      description:
        "EventBridge Scheduler's role: a key policy that does not defer to IAM must let it use the key " +
        '(docs/DEPLOY.md, "Key policy")',
      value: this.rotator.schedulerRole.roleArn,
    });
    new CfnOutput(this, OUTPUT.alarmTopicArn, {
      description: 'Alarms notify this SNS topic',
      value: this.rotator.alarmTopic.topicArn,
    });
    new CfnOutput(this, OUTPUT.dashboardName, {
      description: 'CloudWatch dashboard of the rotator',
      value: this.rotator.dashboard.dashboardName,
    });
    this.addOperatorOutputs();
    this.addAdobeSecretRotationOutputs();
    [...this.rotator.createdRoles.values()].forEach((role, index) => {
      new CfnOutput(this, `SourceRoleArn${index}`, {
        description: `Role created for ${role.node.id.replace(/^SourceRole-?/, 'connection ')}`,
        value: role.roleArn,
      });
    });
  }

  /** The names the runbook's commands (docs/RUNBOOK.md) and the operator CLI read, each with what to do with it. */
  private addOperatorOutputs(): void {
    const { rotator } = this;
    const outputs: Record<string, { description: string; value: string }> = {
      [OUTPUT.logGroupName]: {
        description:
          "The function's log group: aws logs tail <this> --since 1h --filter-pattern '{ $.level = \"ERROR\" }' " +
          '(docs/RUNBOOK.md)',
        value: rotator.logGroup.logGroupName,
      },
      [OUTPUT.scheduleDeadLetterQueueUrl]: {
        description:
          'Scheduled runs EventBridge Scheduler could not invoke: aws sqs receive-message --queue-url <this> ' +
          '--attribute-names All; purge once fixed (ScheduleDeadLetterQueueAlarm)',
        value: rotator.scheduleDeadLetterQueue.queueUrl,
      },
      [OUTPUT.failureDeadLetterQueueUrl]: {
        description:
          'Asynchronous runs that failed after two retries: aws sqs receive-message --queue-url <this> ' +
          '--attribute-names All; purge once rotated (FailureDeadLetterQueueAlarm)',
        value: rotator.failureDeadLetterQueue.queueUrl,
      },
      [OUTPUT.scheduleName]: {
        description:
          'The rotation schedule: aws scheduler get-schedule --group-name <ScheduleGroupName> --name <this> (State ' +
          'ENABLED, or DISABLED while paused)',
        value: rotator.schedule.scheduleName,
      },
      [OUTPUT.scheduleGroupName]: {
        description: "The schedule's group: pass it as --group-name with ScheduleName",
        value: rotator.scheduleGroup.scheduleGroupName,
      },
      [OUTPUT.ledgerTableName]: {
        description:
          'The rotation ledger, one item per connection: aws dynamodb get-item --table-name <this> --key ' +
          '\'{"connectionId": {"S": "<id>"}}\'',
        value: rotator.ledgerTable.tableName,
      },
      [OUTPUT.alarmNames]: {
        description:
          "Every alarm's name, comma-separated: aws cloudwatch describe-alarms / disable-alarm-actions / " +
          'enable-alarm-actions --alarm-names (split at the commas)',
        value: Fn.join(
          ',',
          rotator.alarms.map((alarm) => alarm.alarmName),
        ),
      },
    };
    for (const [key, output] of Object.entries(outputs)) new CfnOutput(this, key, output);
  }

  /**
   * With `adobeSecretRotation`: what `rotate-adobe-secret` reads, and the role an imported secret's policy must let
   * read it.
   */
  private addAdobeSecretRotationOutputs(): void {
    const rotation = this.rotator.adobeSecretRotation;
    if (!rotation) return;
    new CfnOutput(this, OUTPUT.adobeSecretRotationFunctionName, {
      description:
        "The Adobe client secret's rotation function (Secrets Manager invokes it): npx aep-s3-rotator " +
        'rotate-adobe-secret',
      value: rotation.function.functionName,
    });
    new CfnOutput(this, OUTPUT.adobeSecretRotationLogGroupName, {
      description:
        "The rotation function's log group: one line per step (rotate-adobe-secret reads it with logs:FilterLogEvents)",
      value: rotation.logGroup.logGroupName,
    });
    new CfnOutput(this, OUTPUT.adobeSecretRotationRoleArn, {
      description:
        "The rotation function's role: an imported Adobe secret's resource policy must let it read and write the " +
        'secret (docs/DEPLOY.md)',
      value: rotation.role.roleArn,
    });
  }
}

/**
 * A subnet by id. CDK warns that an imported subnet has no route table id; nothing here reads it
 * (the function's `VpcConfig` takes subnet ids only), so the warning is acknowledged and synth
 * prints nothing for a correct `vpc`.
 */
function importSubnet(scope: Stack, id: string, subnetId: string): ec2.ISubnet {
  const subnet = ec2.Subnet.fromSubnetId(scope, id, subnetId);
  Annotations.of(subnet).acknowledgeWarning(
    '@aws-cdk/aws-ec2:noSubnetRouteTableId',
    "The function's VpcConfig takes subnet ids only; nothing reads the subnet's route table",
  );
  return subnet;
}

/**
 * Import a secret by name, partial ARN or complete ARN. A complete ARN is the exact IAM resource;
 * a name or partial ARN is granted with the `-??????` suffix Secrets Manager appends.
 */
function importSecret(scope: Stack, id: string, { secretId, kmsKeyArn }: SecretConfig): secretsmanager.ISecret {
  const encryptionKey = kmsKeyArn ? kms.Key.fromKeyArn(scope, `${id}Key`, kmsKeyArn) : undefined;
  if (secretId.startsWith('arn:')) {
    return COMPLETE_SECRET_ARN_SUFFIX.test(secretId)
      ? secretsmanager.Secret.fromSecretAttributes(scope, id, { secretCompleteArn: secretId, encryptionKey })
      : secretsmanager.Secret.fromSecretAttributes(scope, id, { secretPartialArn: secretId, encryptionKey });
  }
  if (!encryptionKey) return secretsmanager.Secret.fromSecretNameV2(scope, id, secretId);
  const secretPartialArn = scope.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: secretId,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  return secretsmanager.Secret.fromSecretAttributes(scope, id, { secretPartialArn, encryptionKey });
}
