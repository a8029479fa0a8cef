/**
 * Stacks from configurations that import what they do not create (secrets, keys, a topic) and that
 * turn on every guardrail, beside the sample's.
 */
import type { Stack } from 'aws-cdk-lib';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRotatorConfig } from '../../../lib/config/config.js';
import {
  arnOf,
  logicalIdOf as id,
  rawSampleConfig,
  synthRotatorStack,
  type Synthesized,
  sampleStackPerFile,
} from '../../support/index.js';

const sample = sampleStackPerFile({ bundle: false });

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
    raw.targets[1]!.userCredentialsSecret = {
      secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:aep/web-user',
      kmsKeyArn: USER_KEY,
    };
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
    expect(
      statements.filter(({ Sid }) => ['ReadSecrets', 'DecryptSecrets', 'AssumeTargetRoles'].includes(Sid)),
    ).toEqual([
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
        Condition: {
          StringEquals: {
            'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
          },
        },
      },
      // The target with IAM-user keys signs its own AssumeRole: only the created role is chained.
      {
        Sid: 'AssumeTargetRoles',
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^RotatorSourceRole/), 'Arn'] },
      },
    ]);
  });

  it('lets a created role decrypt SSE-KMS objects of its bucket through S3 only', () => {
    const bucketArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::acme-aep-landing']] };
    const objectsArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::acme-aep-landing/*']] };
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
                Condition: {
                  StringEquals: {
                    'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
                  },
                  // S3 passes the object's ARN, or the bucket's with an S3 Bucket Key.
                  StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn, objectsArn] },
                },
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
    imported.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:ops-alarms'],
    });
  });

  it('gives the function the secret ARN and keeps the cron schedule', () => {
    imported.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ADOBE_CREDENTIALS_SECRET_ID: ADOBE_ARN }) },
    });
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
    for (const construct of [
      rotator.function,
      rotator.functionRole,
      rotator.schedulerRole,
      rotator.adobeCredentialsSecret,
      rotator.scheduleGroup,
    ]) {
      // The function also carries the tags the operator CLI reads (core/operator-facts.ts).
      expect(
        resources[id(construct)].Properties.Tags.filter(
          (tag: { Key: string }) => !tag.Key.startsWith('aep-s3-rotator:'),
        ),
      ).toEqual([{ Key: 'cost-center', Value: '4711' }]);
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
            Condition: {
              ArnNotLike: {
                'aws:PrincipalArn': [arnOf(rotator.functionRole), READER, arnOf(rotator.adobeSecretRotation!.role)],
              },
            },
          }),
        ],
      },
    });
  });

  it("warns only of the imported key's policy and the runbook link: subnets by id need no route tables", () => {
    const warnings = (of: Stack) =>
      Annotations.fromStack(of)
        .findWarning('*', Match.anyValue())
        .map((warning) => String(warning.entry.data));
    // Run from source (this project), the default runbook link is a path only this checkout has.
    const runbook = expect.stringMatching(
      /^runbookUrl: alarm descriptions link "docs\/RUNBOOK.md", a path in this project's checkout/,
    );
    const guardedWarnings = warnings(guarded.stack);
    expect(guardedWarnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'encryptionKey: the alarm topic is encrypted with an imported key, whose policy this stack cannot ' +
            'change: CloudWatch may publish the alarms to it only if the key policy allows it',
        ),
        runbook,
      ]),
    );
    expect(guardedWarnings).toHaveLength(2);
    // The statement to add, with the confused-deputy conditions, in this stack's account and region.
    expect(guardedWarnings.find((warning) => warning.startsWith('encryptionKey: '))).toContain(
      '"Sid":"AllowCloudWatchAlarmsToPublishToEncryptedTopics","Effect":"Allow",' +
        '"Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":["kms:Decrypt","kms:GenerateDataKey*"],' +
        '"Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},' +
        '"ArnLike":{"aws:SourceArn":"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:*"}}',
    );
    expect(warnings(sample.stack)).toEqual([runbook]);
  });

  it('keeps the logical id of every resource of the sample: the guardrails only add resources and properties', () => {
    const before = Object.keys(sample.template.toJSON().Resources);
    const after = Object.keys(guarded.template.toJSON().Resources);

    expect(after).toEqual(expect.arrayContaining(before));
  });
});
