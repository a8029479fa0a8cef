/**
 * The rules of the guardrails a locked-down account asks for (a permissions boundary, tags, a
 * customer-managed KMS key, VPC placement, who may read the Adobe secret), as pure functions: the
 * cdk.json parser (lib/config/config.ts, and so `check-config`) and the construct (lib/rotator/) apply the
 * same ones. Every message shows the value it refuses; the caller prefixes the field.
 *
 * No aws-cdk-lib here, so the operator CLI can load it.
 */

import { PARTITION_PATTERN } from './contract.js';

/** The partitions AWS has, as everywhere in this project. */
const PARTITION = PARTITION_PATTERN;

/** A KMS key ARN (not an alias): https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-ARN */
export const KMS_KEY_ARN = new RegExp(`^arn:${PARTITION}:kms:([a-z0-9-]+):(\\d{12}):key/[\\w-]+$`);
const KMS_ALIAS_ARN = new RegExp(`^arn:${PARTITION}:kms:[a-z0-9-]+:\\d{12}:alias/`);

/**
 * A managed policy ARN: customer-managed (`arn:aws:iam::<account>:policy/<path/><name>`) or
 * AWS-managed (`arn:aws:iam::aws:policy/...`).
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html
 */
export const MANAGED_POLICY_ARN = new RegExp(
  `^arn:${PARTITION}:iam::(?:\\d{12}|aws):policy/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,128}$`,
);

/**
 * An IAM role or user ARN, as `aws:PrincipalArn` carries it (a role session's value is its role's
 * ARN). `*` and `?` may stand for characters of the path and name: ARN condition operators match
 * them as wildcards, which roles with generated names need (IAM Identity Center's
 * `AWSReservedSSO_<permission set>_<random>`).
 */
const PRINCIPAL_ARN = new RegExp(`^arn:${PARTITION}:iam::\\d{12}:(role|user)/((?:[\\w+=,.@*?-]+/)*[\\w+=,.@*?-]+)$`);
const SESSION_ARN = new RegExp(`^arn:${PARTITION}:sts::\\d{12}:assumed-role/`);

/** https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html: `subnet-` and 8 or 17 hex digits. */
export const SUBNET_ID = /^subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
export const SECURITY_GROUP_ID = /^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
/** Lambda's VpcConfig: https://docs.aws.amazon.com/lambda/latest/api/API_VpcConfig.html */
export const MAX_SUBNETS = 16;
export const MAX_SECURITY_GROUPS = 5;

/**
 * AWS's tag rules (https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html): keys of 1
 * to 128 and values of 0 to 256 Unicode characters, letters, digits, spaces and `_ . : / = + - @`;
 * `aws:` starts AWS's own keys; at most 50 tags a resource.
 */
export const MAX_TAGS = 50;
const MAX_TAG_KEY = 128;
const MAX_TAG_VALUE = 256;
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_CHARACTERS_TEXT = 'letters, digits, spaces and _ . : / = + - @';

/** Why `arn` cannot be the key this stack encrypts with, or undefined. */
export function kmsKeyArnProblem(arn: string): string | undefined {
  if (KMS_KEY_ARN.test(arn)) return undefined;
  if (KMS_ALIAS_ARN.test(arn)) return kmsAliasProblem(arn);
  return `"${arn}" is not a KMS key ARN: arn:aws:kms:<region>:<account>:key/<key id>`;
}

/** Why a KMS alias (`alias/<name>` or its ARN) cannot be the key this stack encrypts with. */
export function kmsAliasProblem(alias: string): string {
  return (
    `"${alias}" is a KMS alias${alias.startsWith('arn:') ? ' ARN' : ''}; give the ARN of the key it points to ` +
    `(aws kms describe-key --key-id ${alias} prints it): CloudWatch Logs takes only a key ARN, ` +
    'and IAM grants name the key, not its alias'
  );
}

/**
 * Why a key in another region cannot serve a stack in `region`, or undefined (unknown regions
 * pass). CloudWatch Logs, SNS and SQS encrypt only with keys of their own region.
 */
export function kmsKeyRegionProblem(arn: string, region: string | undefined): string | undefined {
  const keyRegion = KMS_KEY_ARN.exec(arn)?.[1];
  if (!keyRegion || !region || keyRegion === region) return undefined;
  return (
    `"${arn}" is a key in ${keyRegion}, but the stack deploys to ${region}: CloudWatch Logs, SNS and SQS encrypt ` +
    `only with keys of their own region; give a key (or a multi-Region replica) in ${region}`
  );
}

/** Why `arn` cannot be a permissions boundary, or undefined. */
export function managedPolicyArnProblem(arn: string): string | undefined {
  if (MANAGED_POLICY_ARN.test(arn)) return undefined;
  return (
    `"${arn}" is not a managed policy ARN: arn:aws:iam::<account>:policy/<name> (or arn:aws:iam::aws:policy/<name> ` +
    'for an AWS-managed one)'
  );
}

/** Why `arn` cannot name a principal allowed to read the Adobe secret, or undefined. */
export function secretReaderProblem(arn: string): string | undefined {
  if (SESSION_ARN.test(arn)) {
    return (
      `"${arn}" is a role session; give its role's ARN, arn:aws:iam::<account>:role/<name>, ` +
      'which is what aws:PrincipalArn holds for every session of that role'
    );
  }
  const match = PRINCIPAL_ARN.exec(arn);
  if (!match)
    return (
      `"${arn}" is not an IAM role or user ARN: arn:aws:iam::<account>:role/<name> or ` +
      'arn:aws:iam::<account>:user/<name>'
    );
  if (/^[*?/]+$/.test(match[2]!)) {
    return (
      `"${arn}" would let every ${match[1]} in the account read the Adobe credentials; name the ${match[1]}s ` +
      '(wildcards only within a name)'
    );
  }
  return undefined;
}

/** Problems of a tag set, each showing the key or value it refuses. */
export function tagsProblems(tags: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS)
    problems.push(`has ${entries.length} tags; AWS allows at most ${MAX_TAGS} on a resource`);
  const seen = new Map<string, string>();
  for (const [key, value] of entries) {
    const keyProblem = tagKeyProblem(key);
    if (keyProblem) problems.push(keyProblem);
    const lower = key.toLowerCase();
    // IAM compares tag keys without case: a role cannot carry both.
    if (seen.has(lower))
      problems.push(
        `key "${key}" differs from "${seen.get(lower)}" only in case, and IAM treats tag keys without case; keep one`,
      );
    else seen.set(lower, key);
    if (typeof value !== 'string') {
      problems.push(`the value of "${key}" is ${JSON.stringify(value)}; tag values are strings`);
      continue;
    }
    const valueProblem = tagValueProblem(key, value);
    if (valueProblem) problems.push(valueProblem);
  }
  return problems;
}

function tagKeyProblem(key: string): string | undefined {
  const length = [...key].length;
  if (length < 1 || length > MAX_TAG_KEY)
    return `key "${key}" has ${length} characters; AWS allows 1 to ${MAX_TAG_KEY}`;
  if (key.toLowerCase().startsWith('aws:'))
    return `key "${key}" starts with "aws:", which AWS keeps for its own tags; choose another key`;
  const bad = firstBadTagCharacter(key);
  if (bad) return `key "${key}" has ${JSON.stringify(bad)}, which AWS does not allow in tags (${TAG_CHARACTERS_TEXT})`;
  return undefined;
}

function tagValueProblem(key: string, value: string): string | undefined {
  const length = [...value].length;
  if (length > MAX_TAG_VALUE)
    return `the value of "${key}" has ${length} characters; AWS allows at most ${MAX_TAG_VALUE}`;
  const bad = firstBadTagCharacter(value);
  if (bad)
    return (
      `the value of "${key}", "${value}", has ${JSON.stringify(bad)}, which AWS does not allow in tags ` +
      `(${TAG_CHARACTERS_TEXT})`
    );
  return undefined;
}

function firstBadTagCharacter(text: string): string | undefined {
  if (TAG_CHARACTERS.test(text)) return undefined;
  return [...text].find((character) => !TAG_CHARACTERS.test(character));
}

/** What the VPC rules call the two lists, and how to tell an id known only at deploy time. */
export interface VpcFieldNames {
  readonly subnets: string;
  readonly securityGroups: string;
  /** Ids for which this returns true are not checked (CDK tokens). */
  readonly isUnresolved?: (id: string) => boolean;
}

/** Problems of a VPC placement, each with the path of the list or id it is about. */
export function vpcProblems(
  subnetIds: readonly string[],
  securityGroupIds: readonly string[],
  names: VpcFieldNames = { subnets: 'subnetIds', securityGroups: 'securityGroupIds' },
): Array<[path: Array<string | number>, message: string]> {
  const problems: Array<[Array<string | number>, string]> = [];
  const check = (field: string, ids: readonly string[], pattern: RegExp, prefix: string, what: string, max: number) => {
    if (ids.length < 1 || ids.length > max)
      problems.push([[field], `lists ${ids.length}; Lambda takes 1 to ${max} ${what}s`]);
    const seen = new Set<string>();
    ids.forEach((id, index) => {
      if (names.isUnresolved?.(id)) return;
      if (!pattern.test(id))
        problems.push([[field, index], `"${id}" is not a ${what} id (${prefix} and 8 or 17 hex digits)`]);
      else if (seen.has(id)) problems.push([[field, index], `"${id}" is listed twice`]);
      seen.add(id);
    });
  };
  check(names.subnets, subnetIds, SUBNET_ID, 'subnet-', 'subnet', MAX_SUBNETS);
  check(names.securityGroups, securityGroupIds, SECURITY_GROUP_ID, 'sg-', 'security group', MAX_SECURITY_GROUPS);
  return problems;
}
