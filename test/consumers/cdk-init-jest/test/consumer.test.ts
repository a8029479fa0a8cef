import * as cdk from 'aws-cdk-lib/core';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ConsumerStack } from '../lib/consumer-stack';

test('the rotator synthesizes in a stock CDK app, deploying the function the package ships', () => {
  const app = new cdk.App();
  const stack = new ConsumerStack(app, 'MyTestStack');

  const template = Template.fromStack(stack);

  template.resourceCountIs('AWS::Lambda::Function', 1);
  template.hasResourceProperties('AWS::Lambda::Function', {
    Handler: 'index.handler',
    Runtime: 'nodejs24.x',
    Architectures: ['arm64'],
  });
  template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'aep-ops@example.com' });
  // Alarms link the runbook of the installed version, which opens outside the package's repository.
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmDescription: Match.stringLikeRegexp(
      'Runbook: https://unpkg\\.com/aep-s3-credential-rotator@\\d+\\.\\d+\\.\\d+/docs/RUNBOOK\\.md#',
    ),
  });
  expect(stack.expiryAlarm.thresholdSeconds).toBeGreaterThan(0);
});

test('loads with require() where Node cannot require ES modules, as under Jest', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require('aep-s3-credential-rotator') as typeof import('aep-s3-credential-rotator');

  expect(typeof loaded.S3CredentialRotator).toBe('function');
  expect(loaded.TargetsDelivery.AUTO).toBe('auto');
});
