/**
 * Guardrails a locked-down account asks for, checked with the props and applied to what the
 * construct creates: a permissions boundary on every role, tags on every taggable resource. The
 * rules are core/guardrail-rules.ts's (the cdk.json parser applies the same). EventBridge
 * Scheduler's role lives in the stack, outside the construct, so it is named explicitly.
 */
import { Resource, Tags, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { vpcProblems } from '../../core/guardrail-rules.js';
import type { S3CredentialRotatorProps } from './props.js';

/**
 * Problems of the guardrail props that need more than one value: readers for an Adobe secret this
 * construct does not own. Each guardrail's own rule is in the setting rules (core/setting-rules.ts).
 */
export function guardrailProblems(props: S3CredentialRotatorProps): string[] {
  const problems: string[] = [];
  if (props.vpc) {
    const subnetIds = props.vpc.subnets.map((subnet) => subnet.subnetId);
    const securityGroupIds = props.vpc.securityGroups.map((group) => group.securityGroupId);
    const names = {
      subnets: 'vpc.subnets',
      securityGroups: 'vpc.securityGroups',
      isUnresolved: (id: string) => Token.isUnresolved(id),
    };
    for (const [[field, index], message] of vpcProblems(subnetIds, securityGroupIds, names)) {
      problems.push(`${String(field)}${index === undefined ? '' : `[${index}]`}: ${message}`);
    }
  }
  const secret = props.adobeCredentialsSecret;
  if (props.secretReaders && secret && !Resource.isOwnedResource(secret)) {
    problems.push(
      "secretReaders: the Adobe secret is imported, and an imported secret's resource policy cannot be set from " +
        'here; add the statement in docs/DEPLOY.md ("The Adobe secret\'s readers") to that secret\'s resource policy ' +
        'yourself, and remove secretReaders',
    );
  }
  return problems;
}

/**
 * Resource types left untagged: CloudFormation took `Tags` on a dashboard only in 2026, and
 * template validators (cfn-lint 1.51) still refuse them; a dashboard holds no data to govern.
 */
const UNTAGGED_TYPES = ['AWS::CloudWatch::Dashboard'];

/**
 * Set the permissions boundary on every role and the tags on every taggable resource in `scopes`
 * (Aspects: roles and resources added later are covered too).
 */
export function applyBoundaryAndTags(
  scopes: readonly IConstruct[],
  props: Pick<S3CredentialRotatorProps, 'permissionsBoundary' | 'tags'>,
): void {
  for (const scope of scopes) {
    if (props.permissionsBoundary) iam.PermissionsBoundary.of(scope).apply(props.permissionsBoundary);
    for (const [key, value] of Object.entries(props.tags ?? {}))
      Tags.of(scope).add(key, value, { excludeResourceTypes: UNTAGGED_TYPES });
  }
}
