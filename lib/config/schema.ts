/**
 * The zod schemas of the `rotator` configuration (cdk.json): the root object, a target (the
 * function's target fields from core/contract.ts, plus what only a deployment has), a created
 * role and a secret reference. lib/config/config.ts parses with them; config-messages.ts words their issues.
 */
import { z } from 'zod';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_DURATION_SECONDS,
  DEFAULT_FLOW_SERVICE_URL,
  DEFAULT_IMS_URL,
  MAX_CONCURRENCY,
  MIN_CONCURRENCY,
  PARTITION_PATTERN,
  REGION,
  TARGET_FIELD_FORMATS,
} from '../../core/contract.js';
import { requiredOr, stringOfFormat, stringWithRule, targetFieldSchemas } from '../../core/target-schema.js';
import { KMS_KEY_ARN } from '../../core/guardrail-rules.js';
import { bySettingRules } from './by-rules.js';
import { adobeSecretRotationFieldSchemas } from './adobe-secret-rotation.js';
import { guardrailFieldSchemas } from './guardrails.js';
import { operationsFieldSchemas } from './operations.js';
import { bucketNameProblem, DEFAULT_MEMORY_MB, MAX_MEMORY_MB, MIN_MEMORY_MB } from '../../core/rotation-rules.js';

export const DEFAULT_STACK_NAME = 'AepS3CredentialRotator';
export const DEFAULT_SCHEDULE = 'rate(15 minutes)';
export const DEFAULT_LOG_RETENTION_DAYS = 90;
/** The values CloudWatch Logs accepts for a retention period (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const ACCOUNT = /^\d{12}$/;
export { REGION };
const SECRET_ARN = new RegExp(`^arn:${PARTITION_PATTERN}:secretsmanager:[a-z0-9-]+:\\d{12}:secret:[\\w/+=.@-]+$`);
/** https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html (Name). */
const SECRET_NAME = /^[\w/+=.@-]{1,512}$/;
const CONCURRENCY_RANGE = `must be a whole number from ${MIN_CONCURRENCY} to ${MAX_CONCURRENCY}`;
/** CloudFormation stack names. */
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

const kmsKeyArn = z
  .string({ error: 'must be a KMS key ARN' })
  .regex(KMS_KEY_ARN, 'must be a KMS key ARN: arn:aws:kms:<region>:<account>:key/<key id>');

/** A secret given as a string (name or ARN) or as `{ "secretId", "kmsKeyArn"? }`. */
export const secretSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { secretId: value } : value),
  z
    .object(
      {
        secretId: z
          .string({ error: requiredOr('must be a secret name or ARN') })
          .refine((id) => SECRET_ARN.test(id) || (!id.startsWith('arn:') && SECRET_NAME.test(id)), {
            error:
              'must be a Secrets Manager secret name (letters, digits and /_+=.@-) or ARN ' +
              '(arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
          }),
        kmsKeyArn: kmsKeyArn.optional(),
      },
      { error: 'must be a secret name or ARN, or { "secretId": ..., "kmsKeyArn"?: ... }' },
    )
    .strict(),
);

export const createRoleSchema = z
  .object(
    {
      // Adobe's stricter rule for the bucket of a role the stack creates; the folder as any target's.
      bucketName: stringWithRule(bucketNameProblem, { required: true }),
      folderPath: targetFieldSchemas.folderPath.optional(),
      roleName: stringOfFormat(TARGET_FIELD_FORMATS.roleName).optional(),
      kmsKeyArn: kmsKeyArn.optional(),
      bucketAccount: targetFieldSchemas.bucketAccount.optional(),
    },
    { error: 'must be an object: { "bucketName", "folderPath"?, "roleName"?, "kmsKeyArn"?, "bucketAccount"? }' },
  )
  .strict();

/**
 * A target in cdk.json: the function's target fields, plus what only a deployment has (createRole, secrets by
 * reference).
 */
export const targetSchema = z
  .object(
    {
      connectionId: targetFieldSchemas.connectionId,
      sandboxName: targetFieldSchemas.sandboxName,
      roleArn: targetFieldSchemas.roleArn.optional(),
      createRole: createRoleSchema.optional(),
      externalId: targetFieldSchemas.externalId.optional(),
      userCredentialsSecret: secretSchema.optional(),
      durationSeconds: targetFieldSchemas.durationSeconds.default(DEFAULT_DURATION_SECONDS),
      method: targetFieldSchemas.method.optional(),
      bucketName: targetFieldSchemas.bucketName.optional(),
      folderPath: targetFieldSchemas.folderPath.optional(),
      bucketAccount: targetFieldSchemas.bucketAccount.optional(),
    },
    {
      error:
        'must be an object: { "connectionId", "sandboxName", "roleArn" | "createRole" | "userCredentialsSecret", ... }',
    },
  )
  .strict();

export const rootSchema = z
  .object(
    {
      stackName: z
        .string({ error: 'must be a string' })
        .regex(
          STACK_NAME,
          'must be a CloudFormation stack name: a letter, then letters, digits and hyphens (at most 128)',
        )
        .default(DEFAULT_STACK_NAME),
      account: z.string({ error: 'must be a string' }).regex(ACCOUNT, 'must be a 12-digit AWS account id').optional(),
      region: z
        .string({ error: 'must be a string' })
        .regex(REGION, 'must be an AWS region such as eu-west-1')
        .optional(),
      schedule: z.string({ error: 'must be a string such as "rate(15 minutes)"' }).default(DEFAULT_SCHEDULE),
      adobeCredentialsSecret: secretSchema.optional(),
      flowServiceUrl: z
        .string({ error: 'must be a string' })
        .superRefine(bySettingRules('flowServiceUrl'))
        .default(DEFAULT_FLOW_SERVICE_URL),
      imsUrl: z.string({ error: 'must be a string' }).superRefine(bySettingRules('imsUrl')).default(DEFAULT_IMS_URL),
      concurrency: z
        .number({ error: CONCURRENCY_RANGE })
        .superRefine(bySettingRules('concurrency'))
        .default(DEFAULT_CONCURRENCY),
      memorySize: z
        .number({ error: `must be a whole number of MB from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB}` })
        .superRefine(bySettingRules('memorySize'))
        .default(DEFAULT_MEMORY_MB),
      reserveConcurrency: z.boolean({ error: 'must be true or false' }).default(true),
      verifyWithAdobe: z.boolean({ error: 'must be true or false' }).default(true),
      logRetentionDays: z
        .number({ error: 'must be a number of days' })
        .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
          error: `must be one of the periods CloudWatch Logs offers: ${LOG_RETENTION_DAYS.join(', ')}`,
        })
        .default(DEFAULT_LOG_RETENTION_DAYS),
      alarmEmail: z.email({ error: 'must be an e-mail address' }).optional(),
      alarmTopicArn: z
        .string({ error: 'must be a string' })
        .regex(
          new RegExp(`^arn:${PARTITION_PATTERN}:sns:[a-z0-9-]+:\\d{12}:[\\w-]{1,256}$`),
          'must be an SNS topic ARN: arn:aws:sns:<region>:<account>:<name>',
        )
        .optional(),
      ticketTopicArn: z
        .string({ error: 'must be a string' })
        .regex(
          new RegExp(`^arn:${PARTITION_PATTERN}:sns:[a-z0-9-]+:\\d{12}:[\\w-]{1,256}$`),
          'must be an SNS topic ARN: arn:aws:sns:<region>:<account>:<name>',
        )
        .optional(),
      connectionMetrics: z.boolean({ error: 'must be true or false' }).default(true),
      expiryAlarmThresholdSeconds: z
        .number({ error: 'must be a whole number of seconds' })
        .int('must be a whole number of seconds')
        .positive('must be a whole number of seconds')
        .optional(),
      functionRoleName: z
        .string({ error: 'must be a string' })
        .superRefine(bySettingRules('functionRoleName'))
        .optional(),
      runbookUrl: z.string({ error: 'must be a string' }).superRefine(bySettingRules('runbookUrl')).optional(),
      ...guardrailFieldSchemas,
      ...operationsFieldSchemas,
      ...adobeSecretRotationFieldSchemas,
      // Each target is parsed on its own below, so one bad target does not hide the others' problems.
      targets: z
        .array(z.unknown(), { error: requiredOr('must be an array of targets') })
        .min(1, 'must list at least one target'),
    },
    { error: 'must be an object (see docs/DEPLOY.md, "Configuration")' },
  )
  .strict();
