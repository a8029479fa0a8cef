/**
 * The roles the construct creates for `createRole` targets: the identity whose temporary
 * credentials Adobe holds, assumable only by the function's role, read-only on one bucket (and
 * folder), of one owner when `bucketAccount` is given.
 */
import { Aws, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { listPrefixes, normalizeFolderPath } from '../../core/session-policy.js';
import type { CreatedRoleOptions, RotationTargetProps } from './props.js';

/** The role Adobe's credentials belong to: assumable only by the function, read-only on the bucket. */
export function createSourceRole(
  scope: Construct,
  functionRole: iam.IRole,
  target: RotationTargetProps,
  options: CreatedRoleOptions,
  index: number,
): iam.Role {
  const folder = options.folderPath === undefined ? undefined : normalizeFolderPath(options.folderPath);
  const bucketArn = `arn:${Aws.PARTITION}:s3:::${options.bucketName}`;
  const objectsArn = `${bucketArn}/${folder ? `${folder}/` : ''}*`;
  // The bucket's owner, pinned: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html
  const owner = options.bucketAccount ? { StringEquals: { 's3:ResourceAccount': options.bucketAccount } } : undefined;
  const statements = [
    // Adobe's S3 source prerequisites: list and locate the bucket, read objects (and versions).
    new iam.PolicyStatement({
      sid: 'ListBucket',
      actions: ['s3:ListBucket'],
      resources: [bucketArn],
      // The session policy's values (core/session-policy.ts `listPrefixes`): with the bare `<folder>`,
      // whose listing shows the names (never the contents) of keys beside it that share its prefix.
      ...(folder ? { conditions: { StringLike: { 's3:prefix': listPrefixes(folder) } } } : {}),
    }),
    new iam.PolicyStatement({ sid: 'LocateBucket', actions: ['s3:GetBucketLocation'], resources: [bucketArn] }),
    new iam.PolicyStatement({
      sid: 'ReadObjects',
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resources: [objectsArn],
    }),
  ];
  if (owner) for (const statement of statements) statement.addConditions(owner);
  if (options.kmsKey) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'DecryptObjects',
        actions: ['kms:Decrypt'],
        resources: [options.kmsKey.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` },
          // Objects of this bucket (and folder) only: S3 passes the object's ARN, or the bucket's with an S3 Bucket
          // Key.
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn, objectsArn] },
        },
      }),
    );
  }
  const id = Token.isUnresolved(target.connectionId) ? `SourceRole${index}` : `SourceRole-${target.connectionId}`;
  const role = new iam.Role(scope, id, {
    roleName: options.roleName,
    // Only the rotator's function role, and with the external id when one is configured.
    assumedBy: new iam.ArnPrincipal(functionRole.roleArn),
    externalIds: target.externalId ? [target.externalId] : undefined,
    description:
      `Adobe Experience Platform reads s3://${options.bucketName}/${folder ?? ''} with temporary credentials of ` +
      `this role (connection ${target.connectionId})`,
    inlinePolicies: { ReadSourceBucket: new iam.PolicyDocument({ statements }) },
  });
  const objects = `${options.bucketName}/${folder ? `${folder}/` : ''}*`;
  Validations.of(role).acknowledge({
    // The finding names the resource; a deploy-time bucket or folder cannot be named, so the rule is acknowledged for
    // this role.
    id: Token.isUnresolved(objects)
      ? 'AwsSolutions::AwsSolutions-IAM5'
      : `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${objects}]`,
    reason:
      `Adobe ingests every object under s3://${options.bucketName}/${folder ?? ''}; their keys are not known in ` +
      'advance, so object access is granted by prefix (read-only).',
  });
  return role;
}
