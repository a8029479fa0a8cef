import * as cdk from 'aws-cdk-lib/core';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { S3CredentialRotator, type ExpiryAlarmPlan, type FunctionVpcProps } from 'aep-s3-credential-rotator';

/** The README's example as a stack, as a team adds the construct to an app `cdk init` made. */
export class ConsumerStack extends cdk.Stack {
  readonly rotator: S3CredentialRotator;
  /** Types a prop or public property names are importable. */
  readonly expiryAlarm: ExpiryAlarmPlan;
  readonly vpc?: FunctionVpcProps;

  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);
    this.rotator = new S3CredentialRotator(this, 'Rotator', {
      schedule: scheduler.ScheduleExpression.rate(cdk.Duration.minutes(15)),
      targets: [
        {
          connectionId: '4cb0c374-d3bb-4557-b139-5712880adc55',
          sandboxName: 'prod',
          createRole: { bucketName: 'acme-aep-landing', folderPath: 'crm/daily', bucketAccount: '123456789012' },
          duration: cdk.Duration.hours(1),
        },
      ],
    });
    this.rotator.alarmTopic.addSubscription(new subscriptions.EmailSubscription('aep-ops@example.com'));
    this.expiryAlarm = this.rotator.expiryAlarm;
  }
}
