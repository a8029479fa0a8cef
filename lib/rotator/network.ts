/**
 * The function in a VPC: Lambda's `VpcConfig`, and the network interface permissions Lambda uses
 * the function's role for (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html).
 * The stack knows subnets and security groups, not the VPC, so `VpcConfig` is set on the
 * CloudFormation resource: `lambda.Function`'s `vpc` prop needs an `IVpc` only to pick subnets and
 * create a security group, neither of which applies here.
 *
 * Lambda manages the function's network interfaces with the function's role, so the function's
 * own code (and every package in its bundle) would hold the same permissions. A Deny keyed on
 * `lambda:SourceFunctionArn`, which requests signed with the execution environment's credentials
 * carry and Lambda's own requests do not, takes them back from the code: compromised code cannot
 * create, delete or re-address other workloads' interfaces.
 */
import { Aws, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { FunctionVpcProps } from './props.js';

/** The actions Lambda needs on network interfaces, which the function's code must not use. */
export const NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

/**
 * The construct id of the policy denying {@link NETWORK_INTERFACE_ACTIONS} to the function's code, beside the function.
 */
export const FUNCTION_CODE_NETWORK_DENY_ID = 'FunctionCodeNetworkDeny';

/** `arn:<partition>:ec2:<region>:<account>:<resource>`, in this stack's account and region. */
const ec2Arn = (resource: string) => `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;

/**
 * Put `fn` in the subnets and security groups of `vpc`, let `role` manage its network interfaces
 * as Lambda does, and deny the same to the code `fn` runs.
 */
export function placeInVpc(fn: lambda.Function, role: iam.Role, vpc: FunctionVpcProps): void {
  const subnetIds = vpc.subnets.map((subnet) => subnet.subnetId);
  const securityGroupIds = vpc.securityGroups.map((group) => group.securityGroupId);
  (fn.node.defaultChild as lambda.CfnFunction).vpcConfig = { subnetIds, securityGroupIds };
  // The statements of the AWS-managed AWSLambdaVPCAccessExecutionRole, inline and narrowed where EC2
  // allows it: no managed policy (AwsSolutions-IAM4), no CloudWatch Logs permissions beyond WriteLogs.
  // ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets support no resource-level permission.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DescribeNetwork',
      actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
      resources: ['*'],
    }),
  );
  // An interface is created in one of the function's subnets with its security groups: nowhere else.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'CreateNetworkInterfaces',
      actions: ['ec2:CreateNetworkInterface'],
      resources: [
        ...subnetIds.map((id) => ec2Arn(`subnet/${id}`)),
        ...securityGroupIds.map((id) => ec2Arn(`security-group/${id}`)),
        ec2Arn('network-interface/*'),
      ],
    }),
  );
  // Lambda's guide: without every resource id for DeleteNetworkInterface "your function may not be
  // able to access the VPC", and it gives this account-and-region pattern as the way to allow them.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ManageNetworkInterfaces',
      actions: NETWORK_INTERFACE_ACTIONS.filter((action) => action !== 'ec2:CreateNetworkInterface'),
      resources: [ec2Arn('*/*')],
    }),
  );
  // A policy of its own beside the function (not the role's default policy, which the function
  // depends on): it names the function's ARN.
  new iam.Policy(fn.node.scope!, FUNCTION_CODE_NETWORK_DENY_ID, {
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        sid: 'DenyNetworkInterfacesToFunctionCode',
        effect: iam.Effect.DENY,
        actions: [...NETWORK_INTERFACE_ACTIONS],
        resources: ['*'],
        // https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-best-practice
        conditions: { ArnEquals: { 'lambda:SourceFunctionArn': fn.functionArn } },
      }),
    ],
  });
  Validations.of(role).acknowledge(
    {
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets, which Lambda needs to attach the function to its ' +
        'VPC, support no resource-level permissions: IAM accepts only "*" for them. ' +
        'Both only read network metadata.',
    },
    {
      id:
        'AwsSolutions::AwsSolutions-IAM5[Resource::' +
        'arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*]',
      reason:
        "Lambda creates the function's network interfaces with this role, and their ids do not exist before; " +
        "the subnets and security groups the interface may be created with are named. The function's own code is " +
        'denied the action (lambda:SourceFunctionArn, policy FunctionCodeNetworkDeny).',
    },
    {
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:*/*]',
      reason:
        "Lambda deletes and re-addresses the function's network interfaces with this role; " +
        "their ids are not known in advance, and Lambda's guide warns that a DeleteNetworkInterface narrower " +
        'than every resource of the account and region can cut the function off from its VPC. ' +
        "The pattern keeps it to this account and region, and the function's own code is denied these actions " +
        '(lambda:SourceFunctionArn, policy FunctionCodeNetworkDeny): only Lambda uses them.',
    },
  );
}
