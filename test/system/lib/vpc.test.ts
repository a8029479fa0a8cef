/**
 * The function in a VPC: its VpcConfig, the network interface permissions Lambda uses its role for
 * (Create narrowed to the function's subnets and security groups), and the Deny that takes them back
 * from the function's own code (`lambda:SourceFunctionArn`), for the rotator's function and the
 * Adobe secret's rotation function alike.
 */
import { Duration, type Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import type { S3CredentialRotator, S3CredentialRotatorProps } from '../../../lib/s3-credential-rotator.js';
import {
  logicalIdOf as logicalId,
  propertiesOf,
  removeTestOutdirs,
  rotatorWithBothRoles as build,
} from '../../support/index.js';

afterAll(removeTestOutdirs);

const NETWORK_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

describe('vpc', () => {
  const inVpc = (stack: Stack) => ({
    vpc: {
      subnets: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'].map((id, index) =>
        ec2.Subnet.fromSubnetId(stack, `Subnet${index}`, id),
      ),
      securityGroups: [
        ec2.SecurityGroup.fromSecurityGroupId(stack, 'Group', 'sg-0123456789abcdef0', { mutable: false }),
      ],
    },
  });

  it('puts the function in the subnets and security groups, and lets its role manage the network interfaces', () => {
    const { template, rotator } = build(inVpc);

    expect(propertiesOf(template, rotator.function).VpcConfig).toEqual({
      SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
      SecurityGroupIds: ['sg-0123456789abcdef0'],
    });
    const statements = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(rotator.functionRole) }] } }),
    )[0]!.Properties.PolicyDocument.Statement;
    const ec2Arn = (resource: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ec2:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          `:${resource}`,
        ],
      ],
    });
    expect(
      statements.filter(({ Sid }: { Sid?: string }) =>
        ['DescribeNetwork', 'CreateNetworkInterfaces', 'ManageNetworkInterfaces'].includes(Sid ?? ''),
      ),
    ).toEqual([
      {
        Sid: 'DescribeNetwork',
        Effect: 'Allow',
        Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
        Resource: '*',
      },
      // Created only in the function's subnets, with its security groups.
      {
        Sid: 'CreateNetworkInterfaces',
        Effect: 'Allow',
        Action: 'ec2:CreateNetworkInterface',
        Resource: [
          ec2Arn('subnet/subnet-0123456789abcdef0'),
          ec2Arn('subnet/subnet-0123456789abcdef1'),
          ec2Arn('security-group/sg-0123456789abcdef0'),
          ec2Arn('network-interface/*'),
        ],
      },
      {
        Sid: 'ManageNetworkInterfaces',
        Effect: 'Allow',
        Action: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        Resource: ec2Arn('*/*'),
      },
    ]);
    // No managed policy (AWSLambdaVPCAccessExecutionRole), no security group of its own.
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    expect(propertiesOf(template, rotator.functionRole)).not.toHaveProperty('ManagedPolicyArns');
  });

  it('creates the function only after its role may create network interfaces', () => {
    const { template, rotator } = build(inVpc);

    expect(template.toJSON().Resources[logicalId(rotator.function)].DependsOn).toEqual(
      expect.arrayContaining([expect.stringMatching(/^RotatorFunctionRoleDefaultPolicy/)]),
    );
  });

  it('leaves the function outside any VPC by default, with no EC2 permission', () => {
    const { template, rotator } = build();

    expect(propertiesOf(template, rotator.function)).not.toHaveProperty('VpcConfig');
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('ec2:');
  });
});

describe("the function's own code", () => {
  const inVpc = (stack: Stack): Partial<S3CredentialRotatorProps> => ({
    vpc: {
      subnets: [ec2.Subnet.fromSubnetId(stack, 'Subnet', 'subnet-0123456789abcdef0')],
      securityGroups: [
        ec2.SecurityGroup.fromSecurityGroupId(stack, 'Group', 'sg-0123456789abcdef0', { mutable: false }),
      ],
    },
    adobeSecretRotation: { every: Duration.days(30) },
  });

  /** The policies attached to `role` other than its default policy, as the template holds them. */
  const denyPolicies = (template: Template, role: IConstruct) =>
    Object.entries(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(role) }] } }),
    ).filter(([id]) => !id.includes('DefaultPolicy'));

  it.each([
    ['the rotator function', (rotator: S3CredentialRotator) => ({ fn: rotator.function, role: rotator.functionRole })],
    [
      'the Adobe secret rotation function',
      (rotator: S3CredentialRotator) => ({
        fn: rotator.adobeSecretRotation!.function,
        role: rotator.adobeSecretRotation!.role,
      }),
    ],
  ])(
    "may not manage network interfaces from %s: a Deny on the function ARN only its code's requests carry",
    (_name, of) => {
      const { template, rotator } = build(inVpc);
      const { fn, role } = of(rotator);

      const [[id, policy]] = denyPolicies(template, role) as [[string, { Properties: Record<string, any> }]];
      expect(id).toMatch(/FunctionCodeNetworkDeny/);
      expect(policy.Properties.PolicyDocument.Statement).toEqual([
        {
          Sid: 'DenyNetworkInterfacesToFunctionCode',
          Effect: 'Deny',
          Action: NETWORK_ACTIONS,
          Resource: '*',
          Condition: { ArnEquals: { 'lambda:SourceFunctionArn': { 'Fn::GetAtt': [logicalId(fn), 'Arn'] } } },
        },
      ]);
      // Lambda's own calls carry no lambda:SourceFunctionArn: the role keeps what Lambda needs, Describe included.
      const allowed = Object.values(
        template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(role) }] } }),
      )
        .flatMap(
          (resource) =>
            resource.Properties.PolicyDocument.Statement as {
              Sid?: string;
              Effect: string;
              Action: string | string[];
            }[],
        )
        .filter((statement) => statement.Effect === 'Allow')
        .flatMap((statement) => [statement.Action].flat());
      expect(allowed).toEqual(
        expect.arrayContaining([...NETWORK_ACTIONS, 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets']),
      );
      // The function does not wait for it: it names the function's ARN.
      expect(template.toJSON().Resources[logicalId(fn)].DependsOn ?? []).not.toContain(id);
    },
  );

  it('is not denied anything outside a VPC, where the role has no EC2 permission to take back', () => {
    const { template, rotator } = build();

    expect(denyPolicies(template, rotator.functionRole)).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toContain('lambda:SourceFunctionArn');
  });
});
