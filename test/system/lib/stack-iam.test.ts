/**
 * The stack synthesized from the sample configuration in cdk.json: IAM (every policy, exactly), the
 * Adobe credentials secret, and the logical ids deployed stacks depend on.
 */
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { parseRotatorConfig } from '../../../lib/config/config.js';
import type { RotatorStack } from '../../../lib/rotator-stack.js';
import {
  arnOf,
  logicalIdOf as id,
  partitionArn,
  rawSampleConfig,
  refOf,
  synthRotatorStack,
  SAMPLE_CREATED_ROLE_CONNECTION as CREATED,
  SAMPLE_EXISTING_ROLE_ARN as EXISTING_ROLE,
  sampleStackPerFile,
} from '../../support/index.js';

const sample = sampleStackPerFile({ bundle: false });

describe('IAM', () => {
  it("has exactly four roles: the function's, the created one, the scheduler's and the Adobe secret rotation's", () => {
    sample.template.resourceCountIs('AWS::IAM::Policy', 3);
    sample.template.resourceCountIs('AWS::IAM::Role', 4);
    sample.template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    for (const role of Object.values(sample.template.findResources('AWS::IAM::Role')))
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('lets the function do exactly its job', () => {
    const { rotator } = sample.stack;
    const policy = sample.template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [refOf(rotator.functionRole)] },
    });
    expect(Object.values(policy).map((resource) => resource.Properties.PolicyDocument.Statement)).toEqual([
      [
        {
          Sid: 'SendFailedEvents',
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Resource: arnOf(rotator.failureDeadLetterQueue),
        },
        {
          Sid: 'WriteLogs',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: arnOf(rotator.node.findChild('LogGroup')),
        },
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
        {
          Sid: 'AssumeTargetRoles',
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: [arnOf(rotator.createdRoles.get(CREATED)!), EXISTING_ROLE],
        },
        // The two actions lambda/ledger.ts uses, on the one table; no other read, no delete, no KMS without a key.
        { Sid: 'WriteLedger', Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: arnOf(rotator.ledgerTable) },
        {
          Sid: 'ReadLedgerForDuplicateDeliveries',
          Effect: 'Allow',
          Action: 'dynamodb:BatchGetItem',
          Resource: arnOf(rotator.ledgerTable),
        },
      ],
    ]);
  });

  it('trusts only Lambda with the function role, which has no inline or managed policy of its own', () => {
    expect(sample.template.toJSON().Resources[id(sample.stack.rotator.functionRole)].Properties).toEqual({
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
    expect(
      resources[id(named.stack.rotator.createdRoles.get(CREATED)!)].Properties.AssumeRolePolicyDocument.Statement[0]
        .Principal,
    ).toEqual({
      AWS: { 'Fn::GetAtt': ['RotatorFunctionRole46F50AFB', 'Arn'] },
    });
    expect(sample.template.toJSON().Resources.RotatorFunctionRole46F50AFB.Properties).not.toHaveProperty('RoleName');
  });

  it("creates the source role: the function's, with the external id, reading a folder of an owned bucket", () => {
    const owner = { StringEquals: { 's3:ResourceAccount': '123456789012' } };
    const role = sample.stack.rotator.createdRoles.get(CREATED)!;
    expect(sample.template.toJSON().Resources[id(role)].Properties).toEqual({
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { AWS: arnOf(sample.stack.rotator.functionRole) },
            Condition: { StringEquals: { 'sts:ExternalId': 'aep-acme-prod-crm' } },
          },
        ],
        Version: '2012-10-17',
      },
      Description:
        'Adobe Experience Platform reads s3://acme-aep-landing/crm/daily with temporary credentials of this role ' +
        `(connection ${CREATED})`,
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
                Condition: { StringLike: { 's3:prefix': ['crm/daily', 'crm/daily/', 'crm/daily/*'] }, ...owner },
              },
              {
                Sid: 'LocateBucket',
                Effect: 'Allow',
                Action: 's3:GetBucketLocation',
                Resource: partitionArn(':s3:::acme-aep-landing'),
                Condition: owner,
              },
              {
                Sid: 'ReadObjects',
                Effect: 'Allow',
                Action: ['s3:GetObject', 's3:GetObjectVersion'],
                Resource: partitionArn(':s3:::acme-aep-landing/crm/daily/*'),
                // A bucket deleted and re-created under this name in another account stays out of reach.
                Condition: owner,
              },
            ],
          },
        },
      ],
    });
  });

  it("lets Scheduler invoke exactly the function and write its queue, for its own group's schedules only", () => {
    const schedulerRoles = sample.template.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })],
        },
      },
    });
    const [roleId, role] = Object.entries(schedulerRoles)[0]!;
    expect(Object.keys(schedulerRoles)).toHaveLength(1);
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      StringEquals: {
        'aws:SourceAccount': { Ref: 'AWS::AccountId' },
        // The stack's own group: not every schedule of the account's default group.
        'aws:SourceArn': arnOf(sample.stack.rotator.scheduleGroup),
      },
    });
    const policy = sample.template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
    expect(Object.values(policy)[0]!.Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: arnOf(sample.stack.rotator.function) },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: arnOf(sample.stack.rotator.scheduleDeadLetterQueue) },
    ]);
  });

  it('lets only its own alarms publish to the alarm topic, over TLS', () => {
    const { rotator } = sample.stack;
    // CloudWatch, for these alarms of this account only (the confused-deputy conditions).
    const alarmsMayPublish = (Sid: string, alarms: unknown) => ({
      Sid,
      Effect: 'Allow',
      Action: 'sns:Publish',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Resource: refOf(rotator.alarmTopic),
      Condition: {
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        ArnEquals: { 'aws:SourceArn': alarms },
      },
    });
    sample.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
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
          alarmsMayPublish(
            'AllowRotatorAlarms',
            [
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
          ),
          alarmsMayPublish('AllowAdobeSecretRotationAlarm', arnOf(rotator.adobeSecretRotationFailedAlarm!)),
          // Secrets Manager's rotation events, through this one rule (adobe-secret-rotation-events.test.ts).
          {
            Sid: 'AllowAdobeSecretRotationEvents',
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'events.amazonaws.com' },
            Resource: refOf(rotator.alarmTopic),
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnEquals: { 'aws:SourceArn': arnOf(rotator.node.findChild('AdobeSecretRotationEventsRule')) },
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
    const { Metadata: _metadata, ...secret } = sample.template.toJSON().Resources.RotatorAdobeCredentialsB73419E7;
    expect(secret).toEqual({
      Type: 'AWS::SecretsManager::Secret',
      Properties: {
        Description:
          'Adobe OAuth Server-to-Server credentials of the AEP S3 credential rotator. Placeholder until you run: ' +
          'aws secretsmanager put-secret-value --secret-id <this secret> --secret-string ' +
          'file://adobe-credentials.json (JSON: {"clientId","clientSecret","orgId":"...@AdobeOrg","scopes"?}; ' +
          'see docs/DEPLOY.md)',
        GenerateSecretString: {
          ExcludePunctuation: true,
          GenerateStringKey: 'clientSecret',
          SecretStringTemplate: '{"clientId":"REPLACE_WITH_CLIENT_ID","orgId":"REPLACE_WITH_IMS_ORG_ID"}',
        },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    sample.template.resourceCountIs('AWS::SecretsManager::Secret', 1);
  });

  it('is created with a placeholder keeping the client secret out of the template, saying how to put it', () => {
    sample.template.hasResourceProperties('AWS::SecretsManager::Secret', {
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
  const ALARM = 'AWS::CloudWatch::Alarm';
  const SECRET = 'AWS::SecretsManager::Secret';
  const QUEUE = 'AWS::SQS::Queue';
  const ROLE = 'AWS::IAM::Role';
  it.each<[string, (rotator: RotatorStack['rotator']) => IConstruct, string, string]>([
    ['the function role', (r) => r.functionRole, 'RotatorFunctionRole46F50AFB', ROLE],
    ['the Adobe credentials secret', (r) => r.adobeCredentialsSecret, 'RotatorAdobeCredentialsB73419E7', SECRET],
    ['the function', (r) => r.function, 'RotatorFunction240CD351', 'AWS::Lambda::Function'],
    ['the log group', (r) => r.node.findChild('LogGroup'), 'RotatorLogGroup254C4D64', 'AWS::Logs::LogGroup'],
    ['the schedule', (r) => r.schedule, 'RotatorSchedule154CA1A5', 'AWS::Scheduler::Schedule'],
    ['the schedule group', (r) => r.scheduleGroup, 'RotatorScheduleGroup1FD938B5', 'AWS::Scheduler::ScheduleGroup'],
    [
      'the Adobe secret’s resource policy',
      (r) => r.adobeCredentialsSecret.node.findChild('Policy'),
      'RotatorAdobeCredentialsPolicy316B285E',
      'AWS::SecretsManager::ResourcePolicy',
    ],
    [
      'the schedule dead-letter queue',
      (r) => r.scheduleDeadLetterQueue,
      'RotatorScheduleDeadLetterQueueA7F16D73',
      QUEUE,
    ],
    ['the failure dead-letter queue', (r) => r.failureDeadLetterQueue, 'RotatorFailureDeadLetterQueueC606B3CD', QUEUE],
    ['the alarm topic', (r) => r.alarmTopic, 'RotatorAlarmTopicC84B7150', 'AWS::SNS::Topic'],
    [
      'the created source role',
      (r) => r.createdRoles.get(CREATED)!,
      'RotatorSourceRole4cb0c374d3bb4557b1395712880adc55043CB5CB',
      ROLE,
    ],
    ['ConnectionFailingAlarm', (r) => r.connectionFailingAlarm, 'RotatorConnectionFailingAlarm2809BB70', ALARM],
    ['CredentialsExpiringAlarm', (r) => r.credentialsExpiringAlarm, 'RotatorCredentialsExpiringAlarm8EC7665A', ALARM],
    ['ErrorsAlarm', (r) => r.errorsAlarm, 'RotatorErrorsAlarmA4012422', ALARM],
    [
      'DestinationDeliveryFailuresAlarm',
      (r) => r.destinationDeliveryFailuresAlarm,
      'RotatorDestinationDeliveryFailuresAlarmBBE0B84D',
      ALARM,
    ],
    [
      'ScheduleDeadLetterQueueAlarm',
      (r) => r.scheduleDeadLetterQueueAlarm,
      'RotatorScheduleDeadLetterQueueAlarm610D6D7B',
      ALARM,
    ],
    [
      'FailureDeadLetterQueueAlarm',
      (r) => r.failureDeadLetterQueueAlarm,
      'RotatorFailureDeadLetterQueueAlarm3D850592',
      ALARM,
    ],
    ['the dashboard', (r) => r.dashboard, 'RotatorDashboardE296A703', 'AWS::CloudWatch::Dashboard'],
    ['the rotation ledger', (r) => r.ledgerTable, 'RotatorLedger57A32117', 'AWS::DynamoDB::Table'],
    ['LedgerWriteFailedAlarm', (r) => r.ledgerWriteFailedAlarm, 'RotatorLedgerWriteFailedAlarmB8448E8A', ALARM],
    ['RotatorNotReportingAlarm', (r) => r.rotatorNotReportingAlarm, 'RotatorRotatorNotReportingAlarm1D7887CF', ALARM],
  ])('keeps %s as %s', (_name, construct, logicalId, type) => {
    expect(id(construct(sample.stack.rotator))).toBe(logicalId);
    expect(sample.template.toJSON().Resources[logicalId].Type).toBe(type);
  });

  it("keeps EventBridge Scheduler's role, whose id derives from the function's", () => {
    sample.template.templateMatches({
      Resources: { SchedulerRoleForTarget62fa7fB7C78A21: { Type: 'AWS::IAM::Role' } },
    });
  });
});
