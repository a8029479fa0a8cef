/**
 * The stack synthesized from the sample configuration in cdk.json, bundled once for the file:
 * schedule, IAM (every policy, exactly), the function's contract, queues, alarms and outputs.
 * The ledger, the operator outputs and a paused stack are test/system/lib/operations.test.ts's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lambda/config.js';
import { parseRotatorConfig } from '../../../lib/config/config.js';
import type { RotatorStack } from '../../../lib/rotator-stack.js';
import {
  fakeAttribute,
  findSynthesizedFunction,
  PROJECT_ROOT,
  rawSampleConfig,
  removeTestOutdirs,
  resolveIntrinsics,
  synthRotatorStack,
  type Synthesized,
} from '../../support/index.js';

const CREATED = '4cb0c374-d3bb-4557-b139-5712880adc55';
const EXISTING_ROLE = 'arn:aws:iam::123456789012:role/aep-web-events-reader';

let synthesized: Synthesized;
let template: Template;
let stack: RotatorStack;

/** The logical id of a construct's CloudFormation resource. */
function id(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
}
const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [id(construct), 'Arn'] });
const refOf = (construct: IConstruct) => ({ Ref: id(construct) });
const partitionArn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });

beforeAll(() => {
  synthesized = synthRotatorStack({ bundle: true });
  ({ template, stack } = synthesized);
});

afterAll(removeTestOutdirs);

describe('schedule', () => {
  it('runs every 15 minutes without a flexible window, retrying into an encrypted dead-letter queue', () => {
    const { rotator } = stack;
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: arnOf(rotator.function),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 900 },
        DeadLetterConfig: { Arn: arnOf(rotator.scheduleDeadLetterQueue) },
        Input: Match.serializedJson({
          source: 'aep-s3-rotator.schedule',
          scheduleArn: '<aws.scheduler.schedule-arn>',
          scheduledTime: '<aws.scheduler.scheduled-time>',
          executionId: '<aws.scheduler.execution-id>',
          attemptNumber: '<aws.scheduler.attempt-number>',
        }),
      },
    });
  });

  it('keeps both dead-letter queues encrypted, TLS-only and for 14 days', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
    for (const queue of [stack.rotator.scheduleDeadLetterQueue, stack.rotator.failureDeadLetterQueue]) {
      expect(template.toJSON().Resources[id(queue)].Properties).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    }
    template.allResourcesProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Deny', Action: 'sqs:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Resource: Match.anyValue() },
        ],
        Version: '2012-10-17',
      },
    });
  });
});

describe('function', () => {
  it('is a local esbuild ESM bundle on the newest Node.js runtime, arm64', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      LoggingConfig: { LogGroup: refOf(stack.rotator.node.findChild('LogGroup')) },
    });
    const bundle = findSynthesizedFunction(synthesized.outdir, stack.stackName);
    expect(existsSync(bundle.handlerFile)).toBe(true);
    expect(existsSync(`${bundle.handlerFile}.map`)).toBe(true);
  });

  it("has a timeout sized to its 3 targets (30 s + 45 s per batch of 8, and room for one slow connection's one more attempt) and reserved concurrency 1", () => {
    // 75 + 130 + (45 + 130) + 3: core/rotation-rules.ts, functionTimeout.
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 383, ReservedConcurrentExecutions: 1 });
  });

  it('has 1769 MB of memory by default, one full vCPU', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1769 });
  });

  it('takes the memory size configured in cdk.json', () => {
    const raw = rawSampleConfig();
    raw.memorySize = 1024;
    const configured = synthRotatorStack({ config: parseRotatorConfig(raw) }).template;
    configured.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1024, Timeout: 383 });
  });

  it('reserves no concurrency when cdk.json says reserveConcurrency: false', () => {
    const raw = rawSampleConfig();
    raw.reserveConcurrency = false;
    const configured = synthRotatorStack({ config: parseRotatorConfig(raw) }).template;
    const [fn] = Object.values(configured.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }));
    expect((fn as { Properties: Record<string, unknown> }).Properties).not.toHaveProperty('ReservedConcurrentExecutions');
  });

  it('retries a failed asynchronous run twice, then sends it to the failure dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: refOf(stack.rotator.function),
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 900,
      DestinationConfig: { OnFailure: { Destination: arnOf(stack.rotator.failureDeadLetterQueue) } },
    });
  });

  it('keeps its logs for the configured 90 days', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('gets exactly the environment of the rotation-engine contract', () => {
    const { environment } = findSynthesizedFunction(synthesized.outdir, stack.stackName);
    const secret = stack.rotator.adobeCredentialsSecret;
    expect(Object.keys(environment).sort()).toEqual(
      [
        'ADOBE_CREDENTIALS_SECRET_ID',
        'ROTATION_TARGETS',
        'FLOW_SERVICE_URL',
        'ADOBE_IMS_URL',
        'ROTATION_CONCURRENCY',
        'LEDGER_TABLE_NAME',
        'POWERTOOLS_SERVICE_NAME',
        'POWERTOOLS_METRICS_NAMESPACE',
        'NODE_OPTIONS',
      ].sort(),
    );
    expect(environment).toMatchObject({
      ADOBE_CREDENTIALS_SECRET_ID: refOf(secret),
      FLOW_SERVICE_URL: 'https://platform.adobe.io/data/foundation/flowservice',
      ADOBE_IMS_URL: 'https://ims-na1.adobelogin.com',
      ROTATION_CONCURRENCY: '8',
      LEDGER_TABLE_NAME: refOf(stack.rotator.ledgerTable),
      POWERTOOLS_SERVICE_NAME: 'aep-s3-credential-rotator',
      POWERTOOLS_METRICS_NAMESPACE: 'AepS3CredentialRotator',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it("passes the targets in a form the function's own config loader accepts", () => {
    const { environment } = findSynthesizedFunction(synthesized.outdir, stack.stackName);
    const env = resolveIntrinsics(environment, fakeAttribute) as Record<string, string>;
    const createdRoleArn = `arn:aws:iam::111122223333:role/${id(stack.rotator.createdRoles.get(CREATED)!)}`;

    const config = loadConfig({ env });

    expect(config.targets).toEqual([
      // Every target narrowed: the created role's to its own bucket and folder.
      {
        connectionId: CREATED,
        sandboxName: 'prod',
        method: 'assume-role-chained',
        roleArn: createdRoleArn,
        externalId: 'aep-acme-prod-crm',
        userCredentialsSecretId: undefined,
        durationSeconds: 3600,
        bucketName: 'acme-aep-landing',
        folderPath: 'crm/daily',
      },
      {
        connectionId: '9e0f2c1a-7b3d-4e5f-8a6b-1c2d3e4f5a6b',
        sandboxName: 'prod',
        method: 'assume-role-chained',
        roleArn: EXISTING_ROLE,
        externalId: 'aep-acme-prod-web',
        userCredentialsSecretId: undefined,
        durationSeconds: 3600,
        bucketName: 'acme-web-events',
        folderPath: 'aep',
      },
      {
        connectionId: 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6',
        sandboxName: 'dev',
        method: 'get-federation-token',
        roleArn: undefined,
        externalId: undefined,
        userCredentialsSecretId: 'aep-s3-rotator/dev-ingest-user',
        durationSeconds: 3600,
        bucketName: 'acme-dev-ingest',
      },
    ]);
    expect(config.targets[2]).not.toHaveProperty('folderPath');
    expect(config).toMatchObject({
      concurrency: 8,
      flowServiceUrl: 'https://platform.adobe.io/data/foundation/flowservice',
      imsUrl: 'https://ims-na1.adobelogin.com',
    });
  });
});

describe('IAM', () => {
  it("has exactly four roles: the function's, the created one, the scheduler's and the Adobe secret rotation's", () => {
    template.resourceCountIs('AWS::IAM::Policy', 3);
    template.resourceCountIs('AWS::IAM::Role', 4);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('lets the function do exactly its job', () => {
    const { rotator } = stack;
    const policy = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [refOf(rotator.functionRole)] } });
    expect(Object.values(policy).map((resource) => resource.Properties.PolicyDocument.Statement)).toEqual([
      [
        { Sid: 'SendFailedEvents', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: arnOf(rotator.failureDeadLetterQueue) },
        { Sid: 'WriteLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arnOf(rotator.node.findChild('LogGroup')) },
        {
          Sid: 'ReadSecrets',
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          Resource: [
            refOf(rotator.adobeCredentialsSecret),
            {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':secretsmanager:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':secret:aep-s3-rotator/dev-ingest-user-??????',
                ],
              ],
            },
          ],
        },
        // Only chained AssumeRole: the GetFederationToken target is signed with the IAM user's keys.
        { Sid: 'AssumeTargetRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [arnOf(rotator.createdRoles.get(CREATED)!), EXISTING_ROLE] },
        // The two actions lambda/ledger.ts uses, on the one table; no other read, no delete, no KMS without a key.
        { Sid: 'WriteLedger', Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: arnOf(rotator.ledgerTable) },
        { Sid: 'ReadLedgerForDuplicateDeliveries', Effect: 'Allow', Action: 'dynamodb:BatchGetItem', Resource: arnOf(rotator.ledgerTable) },
      ],
    ]);
  });

  it('trusts only Lambda with the function role, which has no inline or managed policy of its own', () => {
    expect(template.toJSON().Resources[id(stack.rotator.functionRole)].Properties).toEqual({
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
        Version: '2012-10-17',
      },
      Description: expect.any(String),
    });
  });

  it('names the function role as cdk.json says, keeping its logical id and the trust of the roles it created', () => {
    const raw = rawSampleConfig();
    raw.functionRoleName = 'aep-s3-rotator-prod';
    const named = synthRotatorStack({ config: parseRotatorConfig(raw) });
    const resources = named.template.toJSON().Resources;

    expect(resources.RotatorFunctionRole46F50AFB.Properties.RoleName).toBe('aep-s3-rotator-prod');
    expect(resources[id(named.stack.rotator.createdRoles.get(CREATED)!)].Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({
      AWS: { 'Fn::GetAtt': ['RotatorFunctionRole46F50AFB', 'Arn'] },
    });
    expect(template.toJSON().Resources.RotatorFunctionRole46F50AFB.Properties).not.toHaveProperty('RoleName');
  });

  it('creates the source role: assumable only by the function role with the external id, read-only on the folder', () => {
    const role = stack.rotator.createdRoles.get(CREATED)!;
    expect(template.toJSON().Resources[id(role)].Properties).toEqual({
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { AWS: arnOf(stack.rotator.functionRole) },
            Condition: { StringEquals: { 'sts:ExternalId': 'aep-acme-prod-crm' } },
          },
        ],
        Version: '2012-10-17',
      },
      Description: `Adobe Experience Platform reads s3://acme-aep-landing/crm/daily with temporary credentials of this role (connection ${CREATED})`,
      Policies: [
        {
          PolicyName: 'ReadSourceBucket',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'ListBucket',
                Effect: 'Allow',
                Action: 's3:ListBucket',
                Resource: partitionArn(':s3:::acme-aep-landing'),
                // With the slash: a bare `crm/daily` would also let Adobe list `crm/daily-archive/`.
                Condition: { StringLike: { 's3:prefix': ['crm/daily', 'crm/daily/', 'crm/daily/*'] } },
              },
              { Sid: 'LocateBucket', Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: partitionArn(':s3:::acme-aep-landing') },
              {
                Sid: 'ReadObjects',
                Effect: 'Allow',
                Action: ['s3:GetObject', 's3:GetObjectVersion'],
                Resource: partitionArn(':s3:::acme-aep-landing/crm/daily/*'),
              },
            ],
          },
        },
      ],
    });
  });

  it('lets EventBridge Scheduler invoke exactly the function (no version wildcard) and write its dead-letter queue, for the schedules of its own group only', () => {
    const schedulerRoles = template.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })] } },
    });
    const [roleId, role] = Object.entries(schedulerRoles)[0]!;
    expect(Object.keys(schedulerRoles)).toHaveLength(1);
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      StringEquals: {
        'aws:SourceAccount': { Ref: 'AWS::AccountId' },
        // The stack's own group: not every schedule of the account's default group.
        'aws:SourceArn': arnOf(stack.rotator.scheduleGroup),
      },
    });
    const policy = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
    expect(Object.values(policy)[0]!.Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: arnOf(stack.rotator.function) },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: arnOf(stack.rotator.scheduleDeadLetterQueue) },
    ]);
  });

  it('lets only its own alarms publish to the alarm topic, over TLS', () => {
    const { rotator } = stack;
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Sid: 'AllowPublishThroughSSLOnly',
            Effect: 'Deny',
            Action: 'sns:Publish',
            Principal: '*',
            Resource: refOf(rotator.alarmTopic),
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
          {
            Sid: 'AllowRotatorAlarms',
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Resource: refOf(rotator.alarmTopic),
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnEquals: {
                'aws:SourceArn': [
                  rotator.connectionFailingAlarm,
                  rotator.credentialsExpiringAlarm,
                  rotator.dataflowRunFailedAlarm,
                  rotator.errorsAlarm,
                  rotator.destinationDeliveryFailuresAlarm,
                  rotator.scheduleDeadLetterQueueAlarm,
                  rotator.failureDeadLetterQueueAlarm,
                  rotator.ledgerWriteFailedAlarm,
                  rotator.rotatorNotReportingAlarm,
                  rotator.unmanagedTemporaryConnectionsAlarm,
                ].map(arnOf),
              },
            },
          },
          {
            Sid: 'AllowAdobeSecretRotationAlarm',
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Resource: refOf(rotator.alarmTopic),
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnEquals: { 'aws:SourceArn': arnOf(rotator.adobeSecretRotationFailedAlarm!) },
            },
          },
        ],
        Version: '2012-10-17',
      },
    });
  });
});

describe('Adobe credentials secret', () => {
  it('is retained on stack deletion and on replacement, and never changes by accident', () => {
    // Any change here can make CloudFormation replace the secret and generate a new placeholder
    // in place of the credentials operators put: change it only on purpose.
    const { Metadata: _metadata, ...secret } = template.toJSON().Resources.RotatorAdobeCredentialsB73419E7;
    expect(secret).toEqual({
      Type: 'AWS::SecretsManager::Secret',
      Properties: {
        Description:
          'Adobe OAuth Server-to-Server credentials of the AEP S3 credential rotator. Placeholder until you run: ' +
          'aws secretsmanager put-secret-value --secret-id <this secret> --secret-string file://adobe-credentials.json ' +
          '(JSON: {"clientId","clientSecret","orgId":"...@AdobeOrg","scopes"?}; see docs/DEPLOY.md)',
        GenerateSecretString: {
          ExcludePunctuation: true,
          GenerateStringKey: 'clientSecret',
          SecretStringTemplate: '{"clientId":"REPLACE_WITH_CLIENT_ID","orgId":"REPLACE_WITH_IMS_ORG_ID"}',
        },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
  });

  it('is created with a placeholder that keeps the client secret out of the template and says how to put the real one', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('aws secretsmanager put-secret-value --secret-id'),
      GenerateSecretString: {
        SecretStringTemplate: JSON.stringify({ clientId: 'REPLACE_WITH_CLIENT_ID', orgId: 'REPLACE_WITH_IMS_ORG_ID' }),
        GenerateStringKey: 'clientSecret',
        ExcludePunctuation: true,
      },
    });
  });
});

describe('logical ids', () => {
  // Renaming a construct changes its logical id, and CloudFormation replaces the resource: a new
  // function role breaks every trust policy naming the old one (IAM keeps the deleted role's unique
  // id, not its ARN), a new secret loses the Adobe credentials. Change these only on purpose.
  it.each<[string, (rotator: RotatorStack['rotator']) => IConstruct, string, string]>([
    ['the function role', (rotator) => rotator.functionRole, 'RotatorFunctionRole46F50AFB', 'AWS::IAM::Role'],
    ['the Adobe credentials secret', (rotator) => rotator.adobeCredentialsSecret, 'RotatorAdobeCredentialsB73419E7', 'AWS::SecretsManager::Secret'],
    ['the function', (rotator) => rotator.function, 'RotatorFunction240CD351', 'AWS::Lambda::Function'],
    ['the log group', (rotator) => rotator.node.findChild('LogGroup'), 'RotatorLogGroup254C4D64', 'AWS::Logs::LogGroup'],
    ['the schedule', (rotator) => rotator.schedule, 'RotatorSchedule154CA1A5', 'AWS::Scheduler::Schedule'],
    ['the schedule group', (rotator) => rotator.scheduleGroup, 'RotatorScheduleGroup1FD938B5', 'AWS::Scheduler::ScheduleGroup'],
    [
      'the Adobe secret’s resource policy',
      (rotator) => rotator.adobeCredentialsSecret.node.findChild('Policy'),
      'RotatorAdobeCredentialsPolicy316B285E',
      'AWS::SecretsManager::ResourcePolicy',
    ],
    ['the schedule dead-letter queue', (rotator) => rotator.scheduleDeadLetterQueue, 'RotatorScheduleDeadLetterQueueA7F16D73', 'AWS::SQS::Queue'],
    ['the failure dead-letter queue', (rotator) => rotator.failureDeadLetterQueue, 'RotatorFailureDeadLetterQueueC606B3CD', 'AWS::SQS::Queue'],
    ['the alarm topic', (rotator) => rotator.alarmTopic, 'RotatorAlarmTopicC84B7150', 'AWS::SNS::Topic'],
    ['the created source role', (rotator) => rotator.createdRoles.get(CREATED)!, 'RotatorSourceRole4cb0c374d3bb4557b1395712880adc55043CB5CB', 'AWS::IAM::Role'],
    ['ConnectionFailingAlarm', (rotator) => rotator.connectionFailingAlarm, 'RotatorConnectionFailingAlarm2809BB70', 'AWS::CloudWatch::Alarm'],
    ['CredentialsExpiringAlarm', (rotator) => rotator.credentialsExpiringAlarm, 'RotatorCredentialsExpiringAlarm8EC7665A', 'AWS::CloudWatch::Alarm'],
    ['ErrorsAlarm', (rotator) => rotator.errorsAlarm, 'RotatorErrorsAlarmA4012422', 'AWS::CloudWatch::Alarm'],
    [
      'DestinationDeliveryFailuresAlarm',
      (rotator) => rotator.destinationDeliveryFailuresAlarm,
      'RotatorDestinationDeliveryFailuresAlarmBBE0B84D',
      'AWS::CloudWatch::Alarm',
    ],
    [
      'ScheduleDeadLetterQueueAlarm',
      (rotator) => rotator.scheduleDeadLetterQueueAlarm,
      'RotatorScheduleDeadLetterQueueAlarm610D6D7B',
      'AWS::CloudWatch::Alarm',
    ],
    ['FailureDeadLetterQueueAlarm', (rotator) => rotator.failureDeadLetterQueueAlarm, 'RotatorFailureDeadLetterQueueAlarm3D850592', 'AWS::CloudWatch::Alarm'],
    ['the dashboard', (rotator) => rotator.dashboard, 'RotatorDashboardE296A703', 'AWS::CloudWatch::Dashboard'],
    ['the rotation ledger', (rotator) => rotator.ledgerTable, 'RotatorLedger57A32117', 'AWS::DynamoDB::Table'],
    ['LedgerWriteFailedAlarm', (rotator) => rotator.ledgerWriteFailedAlarm, 'RotatorLedgerWriteFailedAlarmB8448E8A', 'AWS::CloudWatch::Alarm'],
    ['RotatorNotReportingAlarm', (rotator) => rotator.rotatorNotReportingAlarm, 'RotatorRotatorNotReportingAlarm1D7887CF', 'AWS::CloudWatch::Alarm'],
  ])('keeps %s as %s', (_name, construct, logicalId, type) => {
    expect(id(construct(stack.rotator))).toBe(logicalId);
    expect(template.toJSON().Resources[logicalId].Type).toBe(type);
  });

  it("keeps EventBridge Scheduler's role, whose id derives from the function's", () => {
    template.templateMatches({ Resources: { SchedulerRoleForTarget62fa7fB7C78A21: { Type: 'AWS::IAM::Role' } } });
  });
});

describe('alarms', () => {
  const toTopic = () => ({ AlarmActions: [refOf(stack.rotator.alarmTopic)], OKActions: [refOf(stack.rotator.alarmTopic)] });

  /** The alarm resource of a construct, as synthesized. */
  const alarmOf = (alarm: IConstruct) => template.toJSON().Resources[id(alarm)].Properties as Record<string, unknown>;

  it("has exactly ten alarms and the Adobe secret rotation's, each notifying the topic on ALARM and OK", () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 11);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', toTopic());
    // Enabled: the property is left out, as before `enabled` existed.
    for (const alarm of stack.rotator.alarms) expect(alarmOf(alarm)).not.toHaveProperty('ActionsEnabled');
    expect(stack.rotator.alarms.map((alarm) => alarm.node.id)).toEqual([
      'ConnectionFailingAlarm',
      'CredentialsExpiringAlarm',
      'DataflowRunFailedAlarm',
      'ErrorsAlarm',
      'DestinationDeliveryFailuresAlarm',
      'ScheduleDeadLetterQueueAlarm',
      'FailureDeadLetterQueueAlarm',
      'LedgerWriteFailedAlarm',
      'RotatorNotReportingAlarm',
      'UnmanagedTemporaryConnectionsAlarm',
    ]);
  });

  it('ends every description with the runbook section of that alarm', () => {
    for (const alarm of stack.rotator.alarms) {
      const description = alarmOf(alarm).AlarmDescription as string;
      expect(description).toMatch(new RegExp(`\\. Runbook: docs/RUNBOOK\\.md#${alarm.node.id.toLowerCase()}$`));
      // CloudWatch's limit on AlarmDescription.
      expect(description.length).toBeLessThanOrEqual(1024);
    }
  });

  it('points every description at a section docs/RUNBOOK.md has', () => {
    // GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
    const anchors = new Set(
      readFileSync(join(PROJECT_ROOT, 'docs', 'RUNBOOK.md'), 'utf8')
        .split('\n')
        .filter((line) => /^#{1,6} /.test(line))
        .map((line) =>
          line
            .replace(/^#+ /, '')
            .trim()
            .toLowerCase()
            .replace(/[^\p{L}\p{N} _-]/gu, '')
            .replace(/ /g, '-'),
        ),
    );
    for (const alarm of stack.rotator.alarms) {
      const anchor = /#([a-z]+)$/.exec(alarmOf(alarm).AlarmDescription as string)![1]!;
      expect(anchors, `docs/RUNBOOK.md has no section for ${anchor}`).toContain(anchor);
    }
  });

  /** A Metrics Insights query as the template holds it, with the function's name in place of its Ref. */
  const queryOf = (alarm: IConstruct) => {
    const [query] = alarmOf(alarm).Metrics as Array<{ Expression: unknown }>;
    return resolveIntrinsics(query!.Expression, fakeAttribute) as string;
  };
  const functionName = () => resolveIntrinsics(refOf(stack.rotator.function), fakeAttribute) as string;

  it('alarms on each connection that failed in the window, one contributor per connectionId, scoped to this rotator', () => {
    const alarm = alarmOf(stack.rotator.connectionFailingAlarm);
    expect(alarm).toMatchObject({
      Metrics: [{ Id: 'expr_1', Period: 1500, ReturnData: true }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      // A connection without data is the guard's concern (RotatorNotReportingAlarm), or no longer a target.
      TreatMissingData: 'notBreaching',
    });
    expect(alarm).not.toHaveProperty('MetricName');
    expect(queryOf(stack.rotator.connectionFailingAlarm)).toBe(
      `SELECT MAX(RotationFailed) FROM SCHEMA("AepS3CredentialRotator", connectionId, rotator, service) WHERE rotator = '${functionName()}' GROUP BY connectionId ORDER BY MAX() DESC LIMIT 500`,
    );
  });

  it('alarms when a whole run failed, over one schedule interval, holding the state between runs', () => {
    expect(alarmOf(stack.rotator.errorsAlarm)).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: refOf(stack.rotator.function) }],
      Statistic: 'Sum',
      Period: 900,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'ignore',
    });
  });

  it("alarms 40 minutes before a connection's credentials expire, one contributor per connectionId", () => {
    // 15-minute schedule, 383 s timeout, 1 h credentials: see expiryAlarmPlan (a 25-minute window).
    expect(alarmOf(stack.rotator.credentialsExpiringAlarm)).toMatchObject({
      Metrics: [{ Id: 'expr_1', Period: 1500, ReturnData: true }],
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 2400,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(queryOf(stack.rotator.credentialsExpiringAlarm)).toBe(
      `SELECT MIN(SecondsUntilCredentialExpiry) FROM SCHEMA("AepS3CredentialRotator", connectionId, rotator, service) WHERE rotator = '${functionName()}' GROUP BY connectionId ORDER BY MIN() ASC LIMIT 500`,
    );
    expect(alarmOf(stack.rotator.credentialsExpiringAlarm).AlarmDescription).toContain('less than 2400 s (40 min) left on its credentials in the last 25 min');
  });

  it('alarms after 25 minutes without any run reporting an expiry: the rotator-level guard, missing data breaching', () => {
    expect(alarmOf(stack.rotator.rotatorNotReportingAlarm)).toMatchObject({
      Namespace: 'AepS3CredentialRotator',
      MetricName: 'SecondsUntilCredentialExpiry',
      Dimensions: [
        { Name: 'rotator', Value: refOf(stack.rotator.function) },
        { Name: 'service', Value: 'aep-s3-credential-rotator' },
      ],
      Statistic: 'SampleCount',
      Period: 60,
      EvaluationPeriods: 25,
      DatapointsToAlarm: 25,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('alarms when Lambda could not deliver a failed run to the failure dead-letter queue', () => {
    expect(alarmOf(stack.rotator.destinationDeliveryFailuresAlarm)).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'DestinationDeliveryFailures',
      Dimensions: [{ Name: 'FunctionName', Value: refOf(stack.rotator.function) }],
      Statistic: 'Sum',
      Period: 900,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms when ledger writes failed in two schedule intervals in a row, and clears when they stop', () => {
    expect(alarmOf(stack.rotator.ledgerWriteFailedAlarm)).toMatchObject({
      Namespace: 'AepS3CredentialRotator',
      MetricName: 'LedgerWriteFailed',
      Dimensions: [
        { Name: 'rotator', Value: refOf(stack.rotator.function) },
        { Name: 'service', Value: 'aep-s3-credential-rotator' },
      ],
      Statistic: 'Sum',
      Period: 900,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      // The function counts failed writes only: a period without any is a healthy one.
      TreatMissingData: 'notBreaching',
    });
  });

  it.each([['scheduleDeadLetterQueue'], ['failureDeadLetterQueue']] as const)('alarms on any message in the %s, and stays in ALARM while it waits', (queue) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(stack.rotator[queue]), 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'ignore',
    });
  });

  it('takes the expiry threshold and runbook URL configured in cdk.json', () => {
    const raw = rawSampleConfig();
    Object.assign(raw, { expiryAlarmThresholdSeconds: 3000, runbookUrl: 'https://wiki.example.com/rotator' });
    const configured = synthRotatorStack({ config: parseRotatorConfig(raw) });

    configured.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [
        Match.objectLike({
          Expression: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('^SELECT MIN\\(SecondsUntilCredentialExpiry\\)')])] }),
        }),
      ],
      Threshold: 3000,
      AlarmDescription: Match.stringLikeRegexp('Runbook: https://wiki.example.com/rotator#credentialsexpiringalarm$'),
    });
  });

  it('routes the failing connections to the ticket topic configured in cdk.json, and keeps connectionMetrics on by default', () => {
    const raw = rawSampleConfig();
    const TICKETS = 'arn:aws:sns:eu-west-1:123456789012:aep-ops-tickets';
    Object.assign(raw, { ticketTopicArn: TICKETS });
    const configured = synthRotatorStack({ config: parseRotatorConfig(raw) });
    const resources = configured.template.toJSON().Resources;
    const actionsOf = (alarm: IConstruct) => resources[id(alarm)].Properties.AlarmActions;

    expect(actionsOf(configured.stack.rotator.connectionFailingAlarm)).toEqual([TICKETS]);
    expect(actionsOf(configured.stack.rotator.credentialsExpiringAlarm)).toEqual([refOf(configured.stack.rotator.alarmTopic)]);
    expect(resources[id(stack.rotator.function)].Properties.Environment.Variables).not.toHaveProperty('CONNECTION_METRICS');
  });

  it('subscribes the configured e-mail address to the alarm topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'aep-ops@example.com', TopicArn: refOf(stack.rotator.alarmTopic) });
  });
});

describe('dashboard', () => {
  it('shows rotations, 412 conflicts, seconds to expiry, duration, errors, failed ledger writes, failed dataflow runs and unmanaged connections', () => {
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]!;
    const body = JSON.parse(resolveIntrinsics(dashboard.Properties.DashboardBody, fakeAttribute) as string) as {
      widgets: { properties: { title: string; metrics?: unknown[][]; alarms?: string[] } }[];
    };
    const graphs = Object.fromEntries(
      body.widgets.map(({ properties }) => [
        properties.title,
        (properties.metrics ?? []).map((line) => `${line[1]}/${(line[line.length - 1] as { stat?: string }).stat ?? 'Average'}`),
      ]),
    );

    expect(graphs).toEqual({
      Alarms: [],
      'Failing connections (RotationFailed by connectionId, the 10 highest)': ['undefined/Average'],
      'Seconds until expiry by connectionId (the 10 lowest)': ['undefined/Average'],
      'Failed dataflow runs (DataflowRunFailed by connectionId, the 10 highest)': ['undefined/Average'],
      Rotations: ['RotationSucceeded/Sum', 'RotationFailed/Sum'],
      'Etag conflicts (412 from Flow Service)': ['EtagConflict/Sum'],
      'Seconds until credential expiry (minimum over every connection tried)': ['SecondsUntilCredentialExpiry/Minimum'],
      'Run duration (ms)': ['Duration/Maximum', 'Duration/Average'],
      'Invocations, errors and throttles': ['Invocations/Sum', 'Errors/Sum', 'Throttles/Sum'],
      'Dead-letter queues (messages visible)': ['ApproximateNumberOfMessagesVisible/Maximum', 'ApproximateNumberOfMessagesVisible/Maximum'],
      'Ledger writes failed (rotations unaffected)': ['LedgerWriteFailed/Sum'],
      'Ingestion and connections nobody rotates': ['DataflowRunFailed/Sum', 'UnmanagedTemporaryConnections/Maximum'],
    });
    const shown = body.widgets[0]!.properties.alarms!;
    expect(shown).toHaveLength(10);
    const queries = body.widgets.flatMap(({ properties }) =>
      (properties.metrics ?? []).map((line) => (line[0] as { expression?: string }).expression).filter(Boolean),
    );
    expect(queries).toEqual([
      expect.stringMatching(/^SELECT MAX\(RotationFailed\) .* GROUP BY connectionId ORDER BY MAX\(\) DESC LIMIT 10$/),
      expect.stringMatching(/^SELECT MIN\(SecondsUntilCredentialExpiry\) .* GROUP BY connectionId ORDER BY MIN\(\) ASC LIMIT 10$/),
      expect.stringMatching(/^SELECT MAX\(DataflowRunFailed\) .* GROUP BY connectionId ORDER BY MAX\(\) DESC LIMIT 10$/),
    ]);
    for (const [index, alarm] of stack.rotator.alarms.entries()) expect(shown[index]).toContain(id(alarm));
  });
});

describe('outputs', () => {
  it('exports the function name for the operator CLI and names everything an operator needs', () => {
    template.hasOutput('RotatorFunctionName', { Value: refOf(stack.rotator.function), Export: { Name: 'AepS3CredentialRotator-RotatorFunctionName' } });
    template.hasOutput('RotatorFunctionRoleArn', { Value: arnOf(stack.rotator.functionRole) });
    template.hasOutput('AdobeCredentialsSecretId', { Value: refOf(stack.rotator.adobeCredentialsSecret) });
    template.hasOutput('AlarmTopicArn', { Value: refOf(stack.rotator.alarmTopic) });
    template.hasOutput('DashboardName', { Value: refOf(stack.rotator.dashboard) });
    template.hasOutput('SchedulerRoleArn', { Value: arnOf(stack.rotator.schedulerRole) });
    template.hasOutput('SourceRoleArn0', { Value: arnOf(stack.rotator.createdRoles.get(CREATED)!) });
  });
});

describe('imported secrets and keys', () => {
  const ADOBE_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:aep/adobe-Ab12Cd';
  const ADOBE_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
  const USER_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/66666666-7777-8888-9999-000000000000';
  const BUCKET_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
  let imported: Template;

  beforeAll(() => {
    const raw = rawSampleConfig();
    raw.adobeCredentialsSecret = { secretId: ADOBE_ARN, kmsKeyArn: ADOBE_KEY };
    raw.alarmTopicArn = 'arn:aws:sns:eu-west-1:123456789012:ops-alarms';
    delete raw.alarmEmail;
    raw.targets[0]!.createRole = { bucketName: 'acme-aep-landing', kmsKeyArn: BUCKET_KEY };
    raw.targets[1]!.userCredentialsSecret = { secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:aep/web-user', kmsKeyArn: USER_KEY };
    raw.targets[1]!.durationSeconds = 43_200;
    raw.schedule = 'cron(0/15 * * * ? *)';
    imported = synthRotatorStack({ config: parseRotatorConfig(raw) }).template;
  });

  it('reads exactly the imported secrets and decrypts only through Secrets Manager with their keys', () => {
    const [policy] = Object.values(
      imported.findResources('AWS::IAM::Policy', {
        Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'ReadSecrets' })]) } },
      }),
    );
    const statements = policy!.Properties.PolicyDocument.Statement as { Sid: string }[];
    expect(statements.filter(({ Sid }) => ['ReadSecrets', 'DecryptSecrets', 'AssumeTargetRoles'].includes(Sid))).toEqual([
      {
        Sid: 'ReadSecrets',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: [
          ADOBE_ARN,
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:aep/web-user-??????',
          expect.objectContaining({ 'Fn::Join': expect.anything() }),
        ],
      },
      {
        Sid: 'DecryptSecrets',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: [ADOBE_KEY, USER_KEY],
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
      },
      // The target with IAM-user keys signs its own AssumeRole: only the created role is chained.
      { Sid: 'AssumeTargetRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^RotatorSourceRole/), 'Arn'] } },
    ]);
  });

  it('lets a created role decrypt SSE-KMS objects through S3 only', () => {
    imported.hasResourceProperties('AWS::IAM::Role', {
      Policies: [
        {
          PolicyName: 'ReadSourceBucket',
          PolicyDocument: {
            Statement: Match.arrayWith([
              {
                Sid: 'DecryptObjects',
                Effect: 'Allow',
                Action: 'kms:Decrypt',
                Resource: BUCKET_KEY,
                Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
              },
            ]),
          },
        },
      ],
    });
  });

  it('sets no resource policy on the imported Adobe secret, which the stack cannot change', () => {
    imported.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
  });

  it('uses the imported topic and creates none', () => {
    imported.resourceCountIs('AWS::SNS::Topic', 0);
    imported.resourceCountIs('AWS::SNS::Subscription', 0);
    imported.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:ops-alarms'] });
  });

  it('gives the function the secret ARN and keeps the cron schedule', () => {
    imported.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ ADOBE_CREDENTIALS_SECRET_ID: ADOBE_ARN }) } });
    imported.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0/15 * * * ? *)' });
  });
});

describe('guardrails from cdk.json', () => {
  const BOUNDARY = 'arn:aws:iam::123456789012:policy/boundaries/aep-rotator';
  const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
  const READER = 'arn:aws:iam::123456789012:role/aep-ops';
  let guarded: Synthesized;

  beforeAll(() => {
    const raw = rawSampleConfig();
    Object.assign(raw, {
      account: '123456789012',
      region: 'eu-west-1',
      permissionsBoundaryArn: BOUNDARY,
      tags: { 'cost-center': '4711' },
      encryptionKeyArn: KEY,
      vpc: { subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] },
      secretReaders: [READER],
    });
    guarded = synthRotatorStack({ config: parseRotatorConfig(raw) });
  });

  it('sets the permissions boundary on every role of the stack', () => {
    const roles = Object.values(guarded.template.findResources('AWS::IAM::Role'));
    expect(roles).toHaveLength(4);
    for (const role of roles) expect(role.Properties.PermissionsBoundary).toBe(BOUNDARY);
  });

  it('tags the function, its role, Scheduler’s role, the secret and the schedule group', () => {
    const { rotator } = guarded.stack;
    const resources = guarded.template.toJSON().Resources;
    for (const construct of [rotator.function, rotator.functionRole, rotator.schedulerRole, rotator.adobeCredentialsSecret, rotator.scheduleGroup]) {
      expect(resources[id(construct)].Properties.Tags).toEqual([{ Key: 'cost-center', Value: '4711' }]);
    }
  });

  it('encrypts with the key, runs in the VPC and lets the reader read the secret', () => {
    const { rotator } = guarded.stack;
    const resources = guarded.template.toJSON().Resources;
    expect(resources[id(rotator.adobeCredentialsSecret)].Properties.KmsKeyId).toBe(KEY);
    expect(resources[id(rotator.function)].Properties.VpcConfig).toEqual({
      SubnetIds: ['subnet-0123456789abcdef0'],
      SecurityGroupIds: ['sg-0123456789abcdef0'],
    });
    guarded.template.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      ResourcePolicy: {
        Statement: [
          Match.objectLike({
            Condition: { ArnNotLike: { 'aws:PrincipalArn': [arnOf(rotator.functionRole), READER, arnOf(rotator.adobeSecretRotation!.role)] } },
          }),
        ],
      },
    });
  });

  it('warns only that the imported key must let CloudWatch publish to the topic: the subnets are imported by id, and nothing reads their route tables', () => {
    const warnings = Annotations.fromStack(guarded.stack).findWarning('*', Match.anyValue());
    expect(warnings.map((warning) => String(warning.entry.data))).toEqual([
      expect.stringContaining(
        'encryptionKey: the alarm topic is encrypted with an imported key, whose policy this stack cannot change: CloudWatch may publish the alarms to it only if the key policy allows it',
      ),
    ]);
    // The statement to add, with the confused-deputy conditions, in this stack's account and region.
    expect(String(warnings[0]!.entry.data)).toContain(
      '"Sid":"AllowCloudWatchAlarmsToPublishToEncryptedTopics","Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},"ArnLike":{"aws:SourceArn":"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:*"}}',
    );
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('keeps the logical id of every resource of the sample: the guardrails only add resources and properties', () => {
    const before = Object.keys(template.toJSON().Resources);
    const after = Object.keys(guarded.template.toJSON().Resources);

    expect(after).toEqual(expect.arrayContaining(before));
  });
});
