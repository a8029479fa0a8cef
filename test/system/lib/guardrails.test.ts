/**
 * The construct's guardrails, each with and without its prop: a permissions boundary on every
 * role, tags on every taggable resource, a customer-managed key for what it stores, a schedule
 * group of its own, and who may read the Adobe secret. The refusals are guardrail-refusals.test.ts's;
 * the function in a VPC is vpc.test.ts's.
 */
import { CfnResource, type Stack, TagManager } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, describe, expect, it } from 'vitest';
import {
  logicalIdOf as logicalId,
  propertiesOf,
  removeTestOutdirs,
  rotatorWithBothRoles as build,
  TEST_CONNECTION_ID as ID,
} from '../../support/index.js';

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const BOUNDARY = 'arn:aws:iam::123456789012:policy/aep-boundary';

afterAll(removeTestOutdirs);

describe('permissionsBoundary', () => {
  it('is set on every role: the function’s, the created source role and EventBridge Scheduler’s', () => {
    const { template, rotator } = build((stack) => ({
      permissionsBoundary: iam.ManagedPolicy.fromManagedPolicyArn(stack, 'Boundary', BOUNDARY),
    }));

    const roles = template.findResources('AWS::IAM::Role');
    expect(Object.keys(roles).sort()).toEqual(
      [
        logicalId(rotator.functionRole),
        logicalId(rotator.createdRoles.get(ID)!),
        logicalId(rotator.schedulerRole),
      ].sort(),
    );
    for (const role of Object.values(roles)) expect(role.Properties.PermissionsBoundary).toBe(BOUNDARY);
  });

  it('is absent by default', () => {
    const { template } = build();

    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(roles).toHaveLength(3);
    for (const role of roles) expect(role.Properties).not.toHaveProperty('PermissionsBoundary');
  });
});

describe('tags', () => {
  const TAGS = { 'cost-center': '4711', 'Data Owner': 'Zoë' };

  it('are on every taggable resource the construct creates, and on Scheduler’s role', () => {
    const { stack, template } = build({ tags: TAGS });

    const taggable = stack.node
      .findAll()
      .filter(
        (construct): construct is CfnResource =>
          CfnResource.isCfnResource(construct) &&
          (TagManager.isTaggable(construct) || TagManager.isTaggableV2(construct)),
      )
      .map((resource) => [logicalId(resource), resource.cfnResourceType] as const);
    // The exact kinds, so the loop below cannot pass by finding nothing.
    expect(taggable.map(([, type]) => type).sort()).toEqual(
      [
        'AWS::CloudWatch::Alarm',
        'AWS::CloudWatch::Alarm',
        'AWS::CloudWatch::Alarm',
        'AWS::CloudWatch::Alarm',
        'AWS::CloudWatch::Alarm',
        'AWS::CloudWatch::Alarm',
        'AWS::CloudWatch::Alarm',
        'AWS::CloudWatch::Alarm',
        'AWS::CloudWatch::Alarm',
        'AWS::CloudWatch::Alarm',
        'AWS::CloudWatch::Dashboard',
        'AWS::DynamoDB::Table',
        'AWS::IAM::Role',
        'AWS::IAM::Role',
        'AWS::IAM::Role',
        'AWS::Lambda::Function',
        'AWS::Logs::LogGroup',
        'AWS::SNS::Topic',
        'AWS::SQS::Queue',
        'AWS::SQS::Queue',
        'AWS::Scheduler::ScheduleGroup',
        'AWS::SecretsManager::Secret',
      ].sort(),
    );
    const resources = template.toJSON().Resources;
    for (const [id, type] of taggable) {
      // cfn-lint's schema does not know CloudFormation's new dashboard tags yet (see guardrails.ts).
      if (type === 'AWS::CloudWatch::Dashboard') expect(resources[id].Properties, id).not.toHaveProperty('Tags');
      else
        expect(resources[id].Properties.Tags, `${type} ${id}`).toEqual(
          expect.arrayContaining([
            { Key: 'cost-center', Value: '4711' },
            { Key: 'Data Owner', Value: 'Zoë' },
          ]),
        );
    }
  });

  it("are absent by default but for the function's own (core/operator-facts.ts: what the CLI learns)", () => {
    const { template } = build();

    for (const [id, resource] of Object.entries(
      template.toJSON().Resources as Record<string, { Properties?: Record<string, unknown> }>,
    )) {
      const tags = (resource.Properties?.Tags ?? []) as Array<{ Key: string }>;
      expect(
        tags.filter((tag) => !tag.Key.startsWith('aep-s3-rotator:')),
        id,
      ).toEqual([]);
    }
  });
});

describe('encryptionKey', () => {
  const imported = (stack: Stack) => ({ encryptionKey: kms.Key.fromKeyArn(stack, 'Key', KEY) });

  it('encrypts the created secret, the log group, the topic, both queues and the ledger', () => {
    const { template, rotator } = build(imported);

    expect(propertiesOf(template, rotator.ledgerTable).SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: KEY,
    });
    expect(propertiesOf(template, rotator.adobeCredentialsSecret).KmsKeyId).toBe(KEY);
    expect(propertiesOf(template, rotator.node.findChild('LogGroup')).KmsKeyId).toBe(KEY);
    expect(propertiesOf(template, rotator.alarmTopic).KmsMasterKeyId).toBe(KEY);
    for (const queue of [rotator.scheduleDeadLetterQueue, rotator.failureDeadLetterQueue]) {
      expect(propertiesOf(template, queue)).toEqual({ KmsMasterKeyId: KEY, MessageRetentionPeriod: 1_209_600 });
    }
  });

  it('lets the function use the key only through Secrets Manager, SQS (failure queue) and DynamoDB (ledger)', () => {
    const { template, rotator } = build(imported);

    const statements = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(rotator.functionRole) }] } }),
    )[0]!.Properties.PolicyDocument.Statement;
    const via = (service: string) => ({
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', [`${service}.`, { Ref: 'AWS::Region' }, '.amazonaws.com']] },
      },
    });
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Sid: 'EncryptFailedEvents',
          Effect: 'Allow',
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Resource: KEY,
          Condition: via('sqs'),
        },
        {
          Sid: 'DecryptSecrets',
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: KEY,
          Condition: via('secretsmanager'),
        },
        {
          Sid: 'EncryptLedger',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: KEY,
          Condition: via('dynamodb'),
        },
      ]),
    );
    expect(
      statements.filter((statement: { Action: unknown }) => JSON.stringify(statement.Action).includes('kms:')),
    ).toHaveLength(3);
  });

  it('lets EventBridge Scheduler write its encrypted dead-letter queue through SQS', () => {
    const { template, rotator } = build(imported);

    const [policy] = Object.values(
      template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: logicalId(rotator.schedulerRole) }] },
      }),
    );
    expect(policy!.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [logicalId(rotator.function), 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: KEY,
        Condition: {
          StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['sqs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
        },
      },
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [logicalId(rotator.scheduleDeadLetterQueue), 'Arn'] },
      },
    ]);
  });

  it('adds CloudWatch Logs and CloudWatch alarms to the policy of a key of this app', () => {
    const { template } = build((stack) => ({ encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }) }));

    const [key] = Object.values(template.findResources('AWS::KMS::Key'));
    expect(key!.Properties.KeyPolicy.Statement).toEqual(
      expect.arrayContaining([
        {
          Sid: 'AllowCloudWatchLogsInThisAccount',
          Effect: 'Allow',
          Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
          Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          Resource: '*',
          Condition: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': {
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:123456789012:log-group:*']],
              },
            },
          },
        },
        {
          Sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopics',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          // Only this account's alarms: the confused-deputy conditions.
          Condition: {
            StringEquals: { 'aws:SourceAccount': '123456789012' },
            ArnLike: {
              'aws:SourceArn': {
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:eu-west-1:123456789012:alarm:*']],
              },
            },
          },
        },
      ]),
    );
  });

  it('leaves AWS-managed encryption by default: SSE-SQS queues, no key on secret, log group, topic, ledger', () => {
    const { template, rotator } = build();

    expect(propertiesOf(template, rotator.ledgerTable)).not.toHaveProperty('SSESpecification');
    expect(propertiesOf(template, rotator.adobeCredentialsSecret)).not.toHaveProperty('KmsKeyId');
    expect(propertiesOf(template, rotator.node.findChild('LogGroup'))).not.toHaveProperty('KmsKeyId');
    expect(propertiesOf(template, rotator.alarmTopic)).not.toHaveProperty('KmsMasterKeyId');
    for (const queue of [rotator.scheduleDeadLetterQueue, rotator.failureDeadLetterQueue])
      expect(propertiesOf(template, queue)).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('kms:');
  });
});

describe('schedule group', () => {
  it('is a group of the construct’s own, deleted with the stack, and the only one Scheduler’s role trusts', () => {
    const { template, rotator } = build();

    const group = template.toJSON().Resources[logicalId(rotator.scheduleGroup)];
    expect(group).toEqual({
      Type: 'AWS::Scheduler::ScheduleGroup',
      Properties: { Name: 'Test-Rotator-ScheduleGroup-4410A76A' },
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
    expect(propertiesOf(template, rotator.schedule).GroupName).toBe('Test-Rotator-ScheduleGroup-4410A76A');
    expect(propertiesOf(template, rotator.schedulerRole).AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: {
            'aws:SourceAccount': '123456789012',
            'aws:SourceArn': { 'Fn::GetAtt': [logicalId(rotator.scheduleGroup), 'Arn'] },
          },
        },
      },
    ]);
  });

  it('can be a group of the app’s', () => {
    const { template, rotator } = build((stack) => ({
      scheduleGroup: scheduler.ScheduleGroup.fromScheduleGroupName(stack, 'Group', 'ops-schedules'),
    }));

    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 0);
    expect(propertiesOf(template, rotator.schedule).GroupName).toBe('ops-schedules');
    expect(
      propertiesOf(template, rotator.schedulerRole).AssumeRolePolicyDocument.Statement[0].Condition.StringEquals[
        'aws:SourceArn'
      ],
    ).toEqual({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:eu-west-1:123456789012:schedule-group/ops-schedules'],
      ],
    });
  });
});

describe('secretReaders', () => {
  const denyExcept = (...readers: unknown[]) => ({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OnlyTheRotatorAndNamedReadersMayRead',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        // Reading only: put-secret-value, describe-secret and the policy itself stay with IAM.
        Action: 'secretsmanager:GetSecretValue',
        Resource: '*',
        Condition: { ArnNotLike: { 'aws:PrincipalArn': readers } },
      },
    ],
  });

  it('keeps the created secret to the function’s role by default', () => {
    const { template, rotator } = build();

    template.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 1);
    template.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      SecretId: { Ref: logicalId(rotator.adobeCredentialsSecret) },
      ResourcePolicy: denyExcept({ 'Fn::GetAtt': [logicalId(rotator.functionRole), 'Arn'] }),
    });
  });

  it('lets the named readers read it too, wildcards and all', () => {
    const readers = [
      'arn:aws:iam::123456789012:role/aep-ops',
      'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_*',
    ];
    const { template, rotator } = build({ secretReaders: readers });

    template.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      ResourcePolicy: denyExcept({ 'Fn::GetAtt': [logicalId(rotator.functionRole), 'Arn'] }, ...readers),
    });
  });

  it('names the function’s role by its fixed name’s ARN just the same', () => {
    const { template, rotator } = build({ functionRoleName: 'aep-s3-rotator-prod' });

    template.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      ResourcePolicy: denyExcept({ 'Fn::GetAtt': [logicalId(rotator.functionRole), 'Arn'] }),
    });
  });

  it('sets no policy on an imported secret, which the stack cannot change', () => {
    const { template } = build((stack) => ({
      adobeCredentialsSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Adobe', 'aep/adobe'),
    }));

    template.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
  });
});
