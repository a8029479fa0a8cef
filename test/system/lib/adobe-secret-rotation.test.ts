/**
 * The Adobe client secret's rotation in the stack (`adobeSecretRotation`): the function and its
 * contract, its role (exactly), the schedule on the secret, Secrets Manager's permission to invoke,
 * the alarm, the outputs; and the checks of the prop and the configuration key.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigValidationError, parseRotatorConfig } from '../../../lib/config/config.js';
import { S3CredentialRotator, S3CredentialRotatorValidationError } from '../../../lib/s3-credential-rotator.js';
import {
  logicalIdOf,
  rawSampleConfig,
  removeTestOutdirs,
  type Synthesized,
  synthRotatorStack,
  testOutdir,
} from '../../support/index.js';

afterAll(removeTestOutdirs);

const id = logicalIdOf;
const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [id(construct), 'Arn'] });
const refOf = (construct: IConstruct) => ({ Ref: id(construct) });
const TARGET = {
  connectionId: '4cb0c374-d3bb-4557-b139-5712880adc55',
  sandboxName: 'prod',
  createRole: { bucketName: 'acme-aep-landing' },
};

/** A construct in an app of its own, synthesized without bundling. */
function construct(props: Partial<ConstructorParameters<typeof S3CredentialRotator>[2]> = {}) {
  const app = new App({ outdir: testOutdir(), context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test');
  const rotator = new S3CredentialRotator(stack, 'Rotator', { targets: [TARGET], ...props });
  return { rotator, template: Template.fromStack(stack) };
}

describe('the sample configuration (adobeSecretRotation.everyDays 30)', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthRotatorStack();
  });

  it('schedules a rotation of the Adobe secret every 30 days with its own function', () => {
    const { template, stack } = synthesized;
    const rotation = stack.rotator.adobeSecretRotation!;
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: refOf(stack.rotator.adobeCredentialsSecret),
      RotationLambdaARN: arnOf(rotation.function),
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
    // No RotateImmediatelyOnUpdate: false (a deferred first rotation would test a placeholder at deploy).
    expect(template.toJSON().Resources[id(rotation.schedule)].Properties).not.toHaveProperty(
      'RotateImmediatelyOnUpdate',
    );
  });

  it('gives the function exactly the rotation contract: its environment, the newest runtime, no retries', () => {
    const { template, stack } = synthesized;
    const fn = template.toJSON().Resources[id(stack.rotator.adobeSecretRotation!.function)].Properties;
    expect(fn).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 180,
    });
    expect(fn.Environment.Variables).toEqual({
      ADOBE_IMS_URL: 'https://ims-na1.adobelogin.com',
      ADOBE_CONSOLE_API_URL: 'https://api.adobe.io',
      POWERTOOLS_SERVICE_NAME: 'aep-s3-credential-rotator',
      NODE_OPTIONS: '--enable-source-maps',
    });
    expect(fn.LoggingConfig).toEqual({ LogGroup: refOf(stack.rotator.adobeSecretRotation!.logGroup) });
  });

  it('lets its role read and write only this secret, and write its own log', () => {
    const { template, stack } = synthesized;
    const rotation = stack.rotator.adobeSecretRotation!;
    const policy = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [refOf(rotation.role)] } });
    expect(Object.values(policy).map((resource) => resource.Properties.PolicyDocument.Statement)).toEqual([
      [
        {
          Sid: 'WriteLogs',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: arnOf(rotation.logGroup),
        },
        {
          Sid: 'RotateTheAdobeSecret',
          Effect: 'Allow',
          Action: [
            'secretsmanager:DescribeSecret',
            'secretsmanager:GetSecretValue',
            'secretsmanager:PutSecretValue',
            'secretsmanager:UpdateSecretVersionStage',
          ],
          Resource: refOf(stack.rotator.adobeCredentialsSecret),
        },
      ],
    ]);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
      },
      Description: 'Rotates the Adobe OAuth Server-to-Server client secret of the AEP S3 credential rotator',
    });
    // The secret's resource policy lets the rotation role read it, besides the rotator's.
    template.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      ResourcePolicy: {
        Statement: [
          Match.objectLike({
            Condition: {
              ArnNotLike: { 'aws:PrincipalArn': [arnOf(stack.rotator.functionRole), arnOf(rotation.role)] },
            },
          }),
        ],
      },
    });
  });

  it('lets only Secrets Manager of this account invoke the function, before the schedule exists', () => {
    const { template, stack } = synthesized;
    const rotation = stack.rotator.adobeSecretRotation!;
    const permissions = template.findResources('AWS::Lambda::Permission', {
      Properties: { FunctionName: arnOf(rotation.function) },
    });
    expect(Object.values(permissions).map((permission) => permission.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: arnOf(rotation.function),
        Principal: 'secretsmanager.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
      },
    ]);
    expect(template.toJSON().Resources[id(rotation.schedule)].DependsOn).toEqual(
      expect.arrayContaining(Object.keys(permissions)),
    );
  });

  it('alarms when a step fails, holding the state until the next rotation; pause does not silence it', () => {
    const { template, stack } = synthesized;
    const alarm = stack.rotator.adobeSecretRotationFailedAlarm!;
    expect(template.toJSON().Resources[id(alarm)].Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: refOf(stack.rotator.adobeSecretRotation!.function) }],
      Statistic: 'Sum',
      Threshold: 1,
      TreatMissingData: 'ignore',
      AlarmActions: [refOf(stack.rotator.alarmTopic)],
      OKActions: [refOf(stack.rotator.alarmTopic)],
      AlarmDescription: expect.stringMatching(/Runbook: docs\/RUNBOOK\.md#adobesecretrotationfailedalarm$/),
    });
    expect(stack.rotator.alarms).not.toContain(alarm);
  });

  it('names the rotation function, its log group and its role in the outputs', () => {
    const { template, stack } = synthesized;
    const rotation = stack.rotator.adobeSecretRotation!;
    template.hasOutput('AdobeSecretRotationFunctionName', { Value: refOf(rotation.function) });
    template.hasOutput('AdobeSecretRotationLogGroupName', { Value: refOf(rotation.logGroup) });
    template.hasOutput('AdobeSecretRotationRoleArn', { Value: arnOf(rotation.role) });
  });
});

describe('adobeSecretRotation off', () => {
  it('creates no rotation, no rotation outputs, and keeps the secret as before', () => {
    const raw = rawSampleConfig();
    delete raw.adobeSecretRotation;

    const { template, stack } = synthRotatorStack({ config: parseRotatorConfig(raw) });

    expect(stack.rotator.adobeSecretRotation).toBeUndefined();
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    expect(Object.keys(template.toJSON().Outputs).filter((key) => key.startsWith('AdobeSecretRotation'))).toEqual([]);
  });
});

describe('the construct prop', () => {
  it('takes a Duration and a console URL, decrypts via Secrets Manager with the secret key, runs in the VPC', () => {
    const app = new App({ outdir: testOutdir(), context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    const key = kms.Key.fromKeyArn(
      stack,
      'Key',
      'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
    );
    const secret = secretsmanager.Secret.fromSecretAttributes(stack, 'Adobe', {
      secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:aep/adobe-Ab12Cd',
      encryptionKey: key,
    });
    const rotator = new S3CredentialRotator(stack, 'Rotator', {
      targets: [TARGET],
      adobeCredentialsSecret: secret,
      adobeSecretRotation: { every: Duration.days(7), consoleApiUrl: 'https://api.adobe.io/' },
      vpc: {
        subnets: [ec2.Subnet.fromSubnetId(stack, 'Subnet', 'subnet-0123456789abcdef0')],
        securityGroups: [
          ec2.SecurityGroup.fromSecurityGroupId(stack, 'Group', 'sg-0123456789abcdef0', { mutable: false }),
        ],
      },
    });
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:aep/adobe-Ab12Cd',
      RotationRules: { ScheduleExpression: 'rate(7 days)' },
    });
    expect(template.toJSON().Resources[id(rotator.adobeSecretRotation!.function)].Properties.VpcConfig).toEqual({
      SubnetIds: ['subnet-0123456789abcdef0'],
      SecurityGroupIds: ['sg-0123456789abcdef0'],
    });
    const policy = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [refOf(rotator.adobeSecretRotation!.role)] },
    });
    expect(Object.values(policy)[0]!.Properties.PolicyDocument.Statement).toContainEqual({
      Sid: 'UseTheSecretsKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
      Condition: {
        StringEquals: {
          'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
        },
      },
    });
  });

  it.each([
    [
      'every is not whole days',
      Duration.hours(36),
      /adobeSecretRotation\.every: 1\.5 is not a whole number of days from 1 to 1000/,
    ],
    [
      'every is above 1000 days',
      Duration.days(1001),
      /adobeSecretRotation\.every: 1001 is not a whole number of days from 1 to 1000/,
    ],
    [
      'consoleApiUrl is plain http to another host',
      Duration.days(30),
      /adobeSecretRotation\.consoleApiUrl: must use https:\/\//,
    ],
  ])('fails when %s', (_case, every, message) => {
    const consoleApiUrl = String(message).includes('consoleApiUrl') ? 'http://api.adobe.io' : undefined;
    expect(() => construct({ adobeSecretRotation: { every, consoleApiUrl } })).toThrow(
      S3CredentialRotatorValidationError,
    );
    expect(() => construct({ adobeSecretRotation: { every, consoleApiUrl } })).toThrow(message);
  });
});

describe('the configuration key', () => {
  const parse = (adobeSecretRotation: unknown) => parseRotatorConfig({ ...rawSampleConfig(), adobeSecretRotation });

  it('defaults everyDays to 30 and the console URL to Adobe', () => {
    expect(parse({}).adobeSecretRotation).toEqual({ everyDays: 30, consoleApiUrl: 'https://api.adobe.io' });
  });

  it.each([
    [{ everyDays: 0 }, 'adobeSecretRotation.everyDays: 0 is not a whole number of days from 1 to 1000'],
    [{ everyDays: 7.5 }, 'adobeSecretRotation.everyDays: 7.5 is not a whole number of days from 1 to 1000'],
    [
      { everyDays: '30' },
      'adobeSecretRotation.everyDays: must be a whole number of days from 1 to 1000; got "30" (did you mean 30, ' +
        'without quotes?)',
    ],
    [
      { everydays: 30 },
      'adobeSecretRotation: unknown field(s) everydays (did you mean everyDays?); allowed: everyDays, consoleApiUrl',
    ],
    [{ consoleApiUrl: 'http://api.adobe.io' }, 'adobeSecretRotation.consoleApiUrl: must use https://'],
    [30, 'adobeSecretRotation: must be an object'],
  ])('refuses %j', (value, message) => {
    expect(() => parse(value)).toThrow(ConfigValidationError);
    expect(() => parse(value)).toThrow(message);
  });
});
