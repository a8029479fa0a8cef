/**
 * The guardrail keys of the `rotator` configuration (cdk.json): a permissions boundary, tags, a
 * customer-managed KMS key, VPC placement, the Adobe secret's readers, credentials that must be
 * narrowed, and fixed names for the data that outlives the stack (the Adobe secret, the ledger). Their rules are
 * core/guardrail-rules.ts, shared with the construct; lib/config/config.ts spreads these schemas into the
 * root object. Every refusal shows the value it got.
 */
import { z } from 'zod';
import { kmsKeyRegionProblem, vpcProblems } from '../../core/guardrail-rules.js';
import { SETTING_DOORS, settingPairProblems } from '../../core/setting-rules.js';
import { bySettingRules } from './by-rules.js';

/** The function's subnets and security groups (Lambda's VpcConfig). */
export interface VpcConfig {
  /** 1 to 16 subnet ids (`subnet-...`): private subnets with a route to a NAT gateway. */
  readonly subnetIds: readonly string[];
  /** 1 to 5 security group ids (`sg-...`) allowing outbound HTTPS. */
  readonly securityGroupIds: readonly string[];
}

/** The guardrail keys, validated. Each is optional; docs/DEPLOY.md, "Locked-down accounts", says what each does. */
export interface GuardrailsConfig {
  /** A managed policy ARN set as the permissions boundary of every role the stack creates. Omitted: none. */
  readonly permissionsBoundaryArn?: string;
  /** Tags on every taggable resource of the stack. Omitted: none. */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * A customer-managed KMS key (its key ARN) for the created Adobe secret, the log group, the
   * alarm topic and both queues. Omitted: AWS-managed encryption (an unencrypted topic).
   */
  readonly encryptionKeyArn?: string;
  /** Run the function in these subnets with these security groups. Omitted: outside any VPC. */
  readonly vpc?: VpcConfig;
  /**
   * IAM role or user ARNs that may read the created Adobe secret besides the function's role.
   * Omitted: the function's role only.
   */
  readonly secretReaders?: readonly string[];
  /**
   * Refuse (at synth and in check-config) a target whose credentials cannot be narrowed to its
   * bucket: GetSessionToken, or a role without `bucketName`. Omitted: false, such targets are warned about.
   */
  readonly requireNarrowedCredentials: boolean;
  /**
   * A fixed name for the Adobe secret the stack creates (not with `adobeCredentialsSecret`). Omitted:
   * generated from the construct's path. Setting or changing it on a deployed stack replaces the secret.
   */
  readonly adobeSecretName?: string;
  /**
   * A fixed name for the ledger table. Omitted: generated. Setting or changing it on a deployed stack replaces the
   * table.
   */
  readonly ledgerTableName?: string;
}

/** `<value> <what>`, or "is required" when the field is missing: every type error shows what it got. */
function shown(what: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined ? 'is required' : `${JSON.stringify(issue.input)} ${what}`;
}

const idList = (what: string) =>
  z.array(z.string({ error: shown('is not a string') }), { error: shown(`is not a list of ${what} ids`) });

/** `vpc` as written; the shape lists its fields in "unknown field" messages. */
export const vpcSchema = z
  .object(
    { subnetIds: idList('subnet'), securityGroupIds: idList('security group') },
    { error: shown('is not an object: { "subnetIds": ["subnet-..."], "securityGroupIds": ["sg-..."] }') },
  )
  .strict()
  .superRefine((vpc, ctx) => {
    for (const [path, message] of vpcProblems(vpc.subnetIds, vpc.securityGroupIds))
      ctx.addIssue({ code: 'custom', message, path });
  });

/** The schemas of the guardrail keys, to spread into the root object schema. */
export const guardrailFieldSchemas = {
  permissionsBoundaryArn: z
    .string({ error: shown('is not a managed policy ARN') })
    .superRefine(bySettingRules('permissionsBoundaryArn'))
    .optional(),
  tags: z
    .record(z.string(), z.unknown(), { error: shown('is not an object of tags: { "<key>": "<value>" }') })
    // Each message shows the key or value it refuses; the whole object would only add "got an object".
    .superRefine((tags, ctx) => bySettingRules('tags')(tags as Record<string, string>, ctx))
    .transform((tags) => tags as Readonly<Record<string, string>>)
    .optional(),
  encryptionKeyArn: z
    .string({ error: shown('is not a KMS key ARN') })
    .superRefine(bySettingRules('encryptionKeyArn'))
    .optional(),
  vpc: vpcSchema.optional(),
  secretReaders: z
    .array(
      z
        .string({ error: shown('is not an IAM role or user ARN') })
        .superRefine((reader, ctx) => bySettingRules('secretReaders')([reader], ctx)),
      {
        error: shown('is not a list of IAM role or user ARNs'),
      },
    )
    .optional(),
  requireNarrowedCredentials: z.boolean({ error: shown('is not true or false') }).default(false),
  adobeSecretName: z
    .string({ error: shown('is not a secret name') })
    .superRefine(bySettingRules('adobeSecretName'))
    .optional(),
  ledgerTableName: z
    .string({ error: shown('is not a table name') })
    .superRefine(bySettingRules('ledgerTableName'))
    .optional(),
};

/**
 * Problems between a guardrail key and the rest of the configuration, each starting with its
 * field: a key in another region than the stack's, readers for a secret the stack does not own.
 */
export function guardrailConfigProblems(
  config: GuardrailsConfig & { readonly region?: string; readonly adobeCredentialsSecret?: unknown },
): string[] {
  // The rules between two settings (core/setting-rules.ts), the construct's too.
  const problems: string[] = settingPairProblems(
    {
      adobeSecretName: config.adobeSecretName,
      adobeCredentialsSecretGiven: config.adobeCredentialsSecret !== undefined,
    },
    SETTING_DOORS.config,
  ).map((problem) => problem.line);
  const regionProblem = config.encryptionKeyArn
    ? kmsKeyRegionProblem(config.encryptionKeyArn, config.region)
    : undefined;
  if (regionProblem) problems.push(`encryptionKeyArn: ${regionProblem}`);
  if (config.secretReaders && config.adobeCredentialsSecret !== undefined) {
    problems.push(
      'secretReaders: the stack restricts who reads the Adobe secret only when it creates that secret; ' +
        'with adobeCredentialsSecret given, add the statement in docs/DEPLOY.md ("The Adobe secret\'s readers") ' +
        "to that secret's resource policy yourself, and remove secretReaders",
    );
  }
  return problems;
}
