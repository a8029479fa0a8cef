/**
 * The construct's guardrail props it refuses at synth (an alias or another region's key, a boundary
 * that is not a managed policy, tags AWS rejects, a malformed VPC, secret readers it cannot apply),
 * each a `fails when` test; the guardrails themselves are guardrails.test.ts's.
 */
import type { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, describe, expect, it } from 'vitest';
import type { S3CredentialRotatorProps } from '../../../lib/s3-credential-rotator.js';
import {
  constructProblems,
  newTestStack as newStack,
  removeTestOutdirs,
  rotatorWithBothRoles as build,
  TEST_ENV,
} from '../../support/index.js';

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';

afterAll(removeTestOutdirs);

/** The problems synth lists for `props`, in a stack of TEST_ENV. */
const problemsOf = (props: (stack: Stack) => Partial<S3CredentialRotatorProps>) =>
  constructProblems((stack) => build(props, stack), newStack({ env: TEST_ENV }));

describe('guardrail refusals', () => {
  it.each<[string, (stack: Stack) => Partial<S3CredentialRotatorProps>, string]>([
    [
      'the encryption key is an alias',
      (stack) => ({ encryptionKey: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:123456789012:alias/aep') }),
      'encryptionKey: "arn:aws:kms:eu-west-1:123456789012:alias/aep" is a KMS alias ARN; ' +
        'give the ARN of the key it points to',
    ],
    [
      'the encryption key is in another region',
      (stack) => ({ encryptionKey: kms.Key.fromKeyArn(stack, 'Key', KEY.replace('eu-west-1', 'us-east-1')) }),
      'encryptionKey: "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555" is a key in ' +
        'us-east-1, but the stack deploys to eu-west-1',
    ],
    [
      'the permissions boundary is not a managed policy',
      (stack) => ({
        permissionsBoundary: iam.ManagedPolicy.fromManagedPolicyArn(
          stack,
          'Boundary',
          'arn:aws:iam::123456789012:role/boundary',
        ),
      }),
      'permissionsBoundary: "arn:aws:iam::123456789012:role/boundary" is not a managed policy ARN',
    ],
    [
      'a tag key starts with aws:',
      () => ({ tags: { 'aws:team': 'data' } }),
      'tags: key "aws:team" starts with "aws:", which AWS keeps for its own tags',
    ],
    [
      'a tag value has a character AWS rejects',
      () => ({ tags: { team: 'data;ops' } }),
      'tags: the value of "team", "data;ops", has ";", which AWS does not allow in tags',
    ],
    [
      'a subnet id is malformed',
      (stack) => ({
        vpc: {
          subnets: [ec2.Subnet.fromSubnetId(stack, 'Subnet', 'subnet-xyz')],
          securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Group', 'sg-01234567')],
        },
      }),
      'vpc.subnets[0]: "subnet-xyz" is not a subnet id',
    ],
    [
      'no security group is given',
      (stack) => ({
        vpc: { subnets: [ec2.Subnet.fromSubnetId(stack, 'Subnet', 'subnet-01234567')], securityGroups: [] },
      }),
      'vpc.securityGroups: lists 0; Lambda takes 1 to 5 security groups',
    ],
    [
      'a secret reader is a role session',
      () => ({ secretReaders: ['arn:aws:sts::123456789012:assumed-role/Admin/jane'] }),
      'secretReaders[0]: "arn:aws:sts::123456789012:assumed-role/Admin/jane" is a role session',
    ],
    [
      'secret readers are given for an imported secret',
      (stack) => ({
        adobeCredentialsSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Adobe', 'aep/adobe'),
        secretReaders: ['arn:aws:iam::123456789012:role/ops'],
      }),
      "secretReaders: the Adobe secret is imported, and an imported secret's resource policy cannot be set from here",
    ],
  ])('fails when %s', (_name, props, expected) => {
    expect(problemsOf(props)).toEqual([expect.stringContaining(expected)]);
  });

  it('skips the region check while the stack’s region is unknown', () => {
    expect(() =>
      build(
        (stack) => ({ encryptionKey: kms.Key.fromKeyArn(stack, 'Key', KEY.replace('eu-west-1', 'us-east-1')) }),
        newStack(),
      ),
    ).not.toThrow();
  });
});
