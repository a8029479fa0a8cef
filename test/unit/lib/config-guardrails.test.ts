/**
 * The guardrail keys of the cdk.json configuration (permissionsBoundaryArn, tags, encryptionKeyArn,
 * vpc, secretReaders): accepted as written, absent by default, and every refusal names the field
 * and shows the value it got. `check-config` runs this same parser.
 */
import { describe, expect, it } from 'vitest';
import { ConfigValidationError, parseRotatorConfig } from '../../../lib/config/config.js';
import { rawSampleConfig } from '../../support/index.js';

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const SUBNET = 'subnet-0123456789abcdef0';

function problemsOf(raw: unknown): string[] {
  try {
    parseRotatorConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return [...(error as ConfigValidationError).problems];
  }
  throw new Error('expected a ConfigValidationError');
}

const sample = (extra: Record<string, unknown>) => ({ ...rawSampleConfig(), ...extra });

describe('guardrail keys', () => {
  it('are absent unless configured, so existing configurations parse as before', () => {
    const config = parseRotatorConfig(rawSampleConfig());

    for (const key of ['permissionsBoundaryArn', 'tags', 'encryptionKeyArn', 'vpc', 'secretReaders'])
      expect(config).not.toHaveProperty(key);
  });

  it('are taken as written', () => {
    const guardrails = {
      region: 'eu-west-1',
      permissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/boundaries/aep-rotator',
      tags: { 'cost-center': '4711', 'Data Owner': 'Zoë Müller', empty: '' },
      encryptionKeyArn: KEY,
      vpc: { subnetIds: [SUBNET, 'subnet-0a1b2c3d'], securityGroupIds: ['sg-0123456789abcdef0'] },
      secretReaders: [
        'arn:aws:iam::123456789012:role/aep-ops',
        'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_*',
      ],
    };

    expect(parseRotatorConfig(sample(guardrails))).toMatchObject(guardrails);
  });

  it('accept an AWS-managed policy as the boundary and a multi-Region key', () => {
    const config = parseRotatorConfig(
      sample({
        permissionsBoundaryArn: 'arn:aws:iam::aws:policy/PowerUserAccess',
        encryptionKeyArn: 'arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab',
      }),
    );

    expect(config.permissionsBoundaryArn).toBe('arn:aws:iam::aws:policy/PowerUserAccess');
    expect(config.encryptionKeyArn).toMatch(/:key\/mrk-/);
  });

  it.each([
    [
      'the encryption key is given by its alias ARN',
      { encryptionKeyArn: 'arn:aws:kms:eu-west-1:123456789012:alias/aep-rotator' },
      'encryptionKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/aep-rotator" is a KMS alias ARN; ' +
        'give the ARN of the key it points to',
    ],
    [
      'the encryption key is an IAM ARN',
      { encryptionKeyArn: 'arn:aws:iam::123456789012:role/aep-rotator' },
      'encryptionKeyArn: "arn:aws:iam::123456789012:role/aep-rotator" is not a KMS key ARN: ' +
        'arn:aws:kms:<region>:<account>:key/<key id>',
    ],
    [
      'the encryption key is a bare key id',
      { encryptionKeyArn: '11111111-2222-3333-4444-555555555555' },
      'encryptionKeyArn: "11111111-2222-3333-4444-555555555555" is not a KMS key ARN',
    ],
    ['the encryption key is not a string', { encryptionKeyArn: 42 }, 'encryptionKeyArn: 42 is not a KMS key ARN'],
    [
      'the encryption key is in another region than the stack',
      { region: 'eu-central-1', encryptionKeyArn: KEY },
      `encryptionKeyArn: "${KEY}" is a key in eu-west-1, but the stack deploys to eu-central-1: CloudWatch Logs, ` +
        'SNS and SQS encrypt only with keys of their own region',
    ],
    [
      'the permissions boundary is a role ARN',
      { permissionsBoundaryArn: 'arn:aws:iam::123456789012:role/boundary' },
      'permissionsBoundaryArn: "arn:aws:iam::123456789012:role/boundary" is not a managed policy ARN: ' +
        'arn:aws:iam::<account>:policy/<name>',
    ],
    [
      'the permissions boundary is a policy name',
      { permissionsBoundaryArn: 'aep-boundary' },
      'permissionsBoundaryArn: "aep-boundary" is not a managed policy ARN',
    ],
    [
      'a tag key starts with aws:',
      { tags: { 'aws:cost-center': '4711' } },
      'tags: key "aws:cost-center" starts with "aws:", which AWS keeps for its own tags; choose another key',
    ],
    [
      'a tag key starts with AWS: in capitals',
      { tags: { 'AWS:owner': 'x' } },
      'tags: key "AWS:owner" starts with "aws:"',
    ],
    [
      'a tag key has a character AWS rejects',
      { tags: { 'team#1': 'data' } },
      'tags: key "team#1" has "#", which AWS does not allow in tags (letters, digits, spaces and _ . : / = + - @)',
    ],
    ['a tag key is empty', { tags: { '': 'x' } }, 'tags: key "" has 0 characters; AWS allows 1 to 128'],
    [
      'a tag key is longer than 128 characters',
      { tags: { ['k'.repeat(129)]: 'x' } },
      `tags: key "${'k'.repeat(129)}" has 129 characters; AWS allows 1 to 128`,
    ],
    [
      'a tag value has a character AWS rejects',
      { tags: { owner: 'ops, data' } },
      'tags: the value of "owner", "ops, data", has ",", which AWS does not allow in tags',
    ],
    [
      'a tag value is longer than 256 characters',
      { tags: { owner: 'v'.repeat(257) } },
      'tags: the value of "owner" has 257 characters; AWS allows at most 256',
    ],
    ['a tag value is not a string', { tags: { owner: 7 } }, 'tags: the value of "owner" is 7; tag values are strings'],
    [
      'two tag keys differ only in case',
      { tags: { Owner: 'a', owner: 'b' } },
      'tags: key "owner" differs from "Owner" only in case, and IAM treats tag keys without case; keep one',
    ],
    [
      'there are more than 50 tags',
      { tags: Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`k${index}`, 'v'])) },
      'tags: has 51 tags; AWS allows at most 50 on a resource',
    ],
    ['tags is a list', { tags: ['team=data'] }, 'tags: ["team=data"] is not an object of tags: { "<key>": "<value>" }'],
    [
      'a subnet id is malformed',
      { vpc: { subnetIds: ['subnet-12'], securityGroupIds: ['sg-01234567'] } },
      'vpc.subnetIds[0]: "subnet-12" is not a subnet id (subnet- and 8 or 17 hex digits)',
    ],
    [
      'a security group id is a name',
      { vpc: { subnetIds: [SUBNET], securityGroupIds: ['aep-rotator'] } },
      'vpc.securityGroupIds[0]: "aep-rotator" is not a security group id (sg- and 8 or 17 hex digits)',
    ],
    [
      'a subnet is listed twice',
      { vpc: { subnetIds: [SUBNET, SUBNET], securityGroupIds: ['sg-01234567'] } },
      `vpc.subnetIds[1]: "${SUBNET}" is listed twice`,
    ],
    [
      'no security group is given',
      { vpc: { subnetIds: [SUBNET], securityGroupIds: [] } },
      'vpc.securityGroupIds: lists 0; Lambda takes 1 to 5 security groups',
    ],
    [
      'more than 16 subnets are given',
      {
        vpc: {
          subnetIds: Array.from({ length: 17 }, (_, index) => `subnet-${String(index).padStart(8, '0')}`),
          securityGroupIds: ['sg-01234567'],
        },
      },
      'vpc.subnetIds: lists 17; Lambda takes 1 to 16 subnets',
    ],
    ['security groups are missing', { vpc: { subnetIds: [SUBNET] } }, 'vpc.securityGroupIds: is required'],
    [
      'vpc has a vpcId',
      { vpc: { vpcId: 'vpc-01234567', subnetIds: [SUBNET], securityGroupIds: ['sg-01234567'] } },
      'vpc: unknown field(s) vpcId; allowed: subnetIds, securityGroupIds',
    ],
    [
      'vpc is a subnet id',
      { vpc: SUBNET },
      `vpc: "${SUBNET}" is not an object: { "subnetIds": ["subnet-..."], "securityGroupIds": ["sg-..."] }`,
    ],
    [
      'a secret reader is an assumed-role session',
      { secretReaders: ['arn:aws:sts::123456789012:assumed-role/Admin/jane'] },
      'secretReaders[0]: "arn:aws:sts::123456789012:assumed-role/Admin/jane" is a role session; give its role\'s ARN',
    ],
    [
      'a secret reader is the account root',
      { secretReaders: ['arn:aws:iam::123456789012:root'] },
      'secretReaders[0]: "arn:aws:iam::123456789012:root" is not an IAM role or user ARN',
    ],
    [
      'a secret reader is every role',
      { secretReaders: ['arn:aws:iam::123456789012:role/*'] },
      'secretReaders[0]: "arn:aws:iam::123456789012:role/*" would let every role in the account read the Adobe ' +
        'credentials',
    ],
    [
      'secret readers is one ARN, not a list',
      { secretReaders: 'arn:aws:iam::123456789012:role/ops' },
      'secretReaders: "arn:aws:iam::123456789012:role/ops" is not a list of IAM role or user ARNs',
    ],
    [
      'secret readers are given for an imported Adobe secret',
      { adobeCredentialsSecret: 'aep/adobe', secretReaders: ['arn:aws:iam::123456789012:role/ops'] },
      'secretReaders: the stack restricts who reads the Adobe secret only when it creates that secret; ' +
        'with adobeCredentialsSecret given, add the statement in docs/DEPLOY.md',
    ],
  ])('fails when %s', (_name, extra, expected) => {
    expect(problemsOf(sample(extra))).toEqual([expect.stringContaining(expected)]);
  });

  it('shows the refused tag key or value, not "got an object" for the whole tag set', () => {
    expect(problemsOf(sample({ tags: { 'aws:owner': 'x', owner: 'ops, data' } }))).toEqual([
      'tags: key "aws:owner" starts with "aws:", which AWS keeps for its own tags; choose another key',
      'tags: the value of "owner", "ops, data", has ",", which AWS does not allow in tags (letters, digits, ' +
        'spaces and _ . : / = + - @)',
    ]);
  });

  it('still refuses a bucket name S3 rejects, naming the target and showing the name', () => {
    const raw = rawSampleConfig();
    raw.targets[1]!.bucketName = 'Acme_Web_Events';

    expect(problemsOf(raw)).toEqual([
      'targets[1].bucketName: "Acme_Web_Events" is not a valid bucket name; S3 requires 3 to 63 lower-case ' +
        'letters, digits, dots and hyphens, starting and ending with a letter or digit',
    ]);
  });
});

describe('partitions', () => {
  it('takes a key and a boundary in the European Sovereign Cloud, as it takes a target role there', () => {
    const config = parseRotatorConfig({
      ...rawSampleConfig(),
      encryptionKeyArn: 'arn:aws-eusc:kms:eusc-de-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      permissionsBoundaryArn: 'arn:aws-eusc:iam::123456789012:policy/boundary',
    });
    expect(config.encryptionKeyArn).toContain('arn:aws-eusc:kms:');
  });

  it('refuses a partition AWS does not have, for a key as for a role', () => {
    expect(() =>
      parseRotatorConfig({
        ...rawSampleConfig(),
        encryptionKeyArn: 'arn:aws-moon:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      }),
    ).toThrow(/encryptionKeyArn: /);
  });
});
