/**
 * The function in a VPC: Lambda's `VpcConfig`, and the network interface permissions Lambda uses
 * the function's role for (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html).
 * The stack knows subnets and security groups, not the VPC, so `VpcConfig` is set on the
 * CloudFormation resource: `lambda.Function`'s `vpc` prop needs an `IVpc` only to pick subnets and
 * create a security group, neither of which applies here.
 */
import { Aws, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { FunctionVpcProps } from './props.js';

/** Put `fn` in the subnets and security groups of `vpc`, and let `role` manage its network interfaces. */
export function placeInVpc(fn: lambda.Function, role: iam.Role, vpc: FunctionVpcProps): void {
  (fn.node.defaultChild as lambda.CfnFunction).vpcConfig = {
    subnetIds: vpc.subnets.map((subnet) => subnet.subnetId),
    securityGroupIds: vpc.securityGroups.map((group) => group.securityGroupId),
  };
  // The statements of the AWS-managed AWSLambdaVPCAccessExecutionRole, inline and narrowed where EC2
  // allows it: no managed policy (AwsSolutions-IAM4), no CloudWatch Logs permissions beyond WriteLogs.
  // ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets support no resource-level permission.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: 'DescribeNetwork', actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'], resources: ['*'] }),
  );
  // Lambda's guide: without every resource id for DeleteNetworkInterface "your function may not be
  // able to access the VPC", and it gives this account-and-region pattern as the way to allow them.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ManageNetworkInterfaces',
      actions: ['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      resources: [`arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:*/*`],
    }),
  );
  Validations.of(role).acknowledge(
    {
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets, which Lambda needs to attach the function to its VPC, support no resource-level permissions: IAM accepts only "*" for them. Both only read network metadata.',
    },
    {
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:*/*]',
      reason:
        "Lambda creates and deletes the function's network interfaces with this role; their ids are not known in advance, and Lambda's guide warns that a DeleteNetworkInterface narrower than every resource of the account and region can cut the function off from its VPC. The pattern keeps it to this account and region.",
    },
  );
}
