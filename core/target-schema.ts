/**
 * The zod schemas of a target's fields and of a `ROTATION_TARGETS` entry, for the doors that parse
 * JSON (the function's environment, cdk.json). Kept apart from the contract (core/contract.ts) so
 * the package's public types name no zod type; each schema is checked here to read and make
 * exactly the contract's types.
 */
import { z } from 'zod';
import {
  SANDBOX_NAME,
  TARGET_FIELD_FORMATS,
  TARGET_METHODS,
  type FunctionTargetEntry,
  type RotationTarget,
} from './contract.js';
import type { FieldFormat } from './rules.js';
import { folderPathProblem, normalizeFolderPath, s3BucketNameProblem } from './session-policy.js';

/** A zod error map: "is required" when the field is absent, else `message`. */
export function requiredOr(message: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : message);
}

/**
 * A string checked by one of the rules that say why a value is wrong (`s3BucketNameProblem`, ...): the rule's words are
 * the message.
 */
export function stringWithRule(
  problemOf: (value: string) => string | undefined,
  { required = false }: { required?: boolean } = {},
) {
  return z
    .string({ error: required ? requiredOr('must be a string') : 'must be a string' })
    .superRefine((value, ctx) => {
      const problem = problemOf(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}

/** A string of the form `format` describes (`must be <allowed>`). */
export function stringOfFormat(format: FieldFormat, { required = false }: { required?: boolean } = {}) {
  const message = `must be ${format.allowed}`;
  return z.string({ error: required ? requiredOr(message) : 'must be a string' }).regex(format.pattern, message);
}

/** The fields every target has, whichever configuration writes it (the function's, cdk.json's). */
export const targetFieldSchemas = {
  connectionId: stringOfFormat(TARGET_FIELD_FORMATS.connectionId, { required: true }),
  sandboxName: z
    .string({ error: requiredOr('must be a string') })
    .regex(SANDBOX_NAME, `must be ${TARGET_FIELD_FORMATS.sandboxName.allowed}`),
  roleArn: stringOfFormat(TARGET_FIELD_FORMATS.roleArn),
  externalId: stringOfFormat(TARGET_FIELD_FORMATS.externalId),
  durationSeconds: z.number({ error: 'must be a whole number of seconds' }).int('must be a whole number of seconds'),
  method: z.enum(TARGET_METHODS, {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a method; use one of ` +
      `${TARGET_METHODS.map((method) => `"${method}"`).join(', ')}`,
  }),
  /** An S3 bucket name (S3's own rules; the message shows the value). */
  bucketName: stringWithRule(s3BucketNameProblem),
  /** A key prefix, normalized to have no leading or trailing slash. */
  folderPath: stringWithRule(folderPathProblem).transform(normalizeFolderPath),
  /** The bucket owner's account id. */
  bucketAccount: stringOfFormat(TARGET_FIELD_FORMATS.bucketAccount),
};

/**
 * One entry of `ROTATION_TARGETS` as written: every field but the connection's id and sandbox is
 * optional, and `method` is inferred when absent ({@link mintMethodFor}).
 */
export const functionTargetSchema = z
  .object({
    connectionId: targetFieldSchemas.connectionId,
    sandboxName: targetFieldSchemas.sandboxName,
    roleArn: targetFieldSchemas.roleArn.optional(),
    externalId: targetFieldSchemas.externalId.optional(),
    userCredentialsSecretId: z
      .string({ error: 'must be a string' })
      .min(1, 'must not be empty')
      .max(2048, 'must be at most 2048 characters')
      .optional(),
    durationSeconds: targetFieldSchemas.durationSeconds.optional(),
    method: targetFieldSchemas.method.optional(),
    bucketName: targetFieldSchemas.bucketName.optional(),
    folderPath: targetFieldSchemas.folderPath.optional(),
    bucketAccount: targetFieldSchemas.bucketAccount.optional(),
    verifyWithAdobe: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .strict();

// ------------------------------------------------------------------ the validated target

const validatedBase = {
  connectionId: z.string(),
  sandboxName: z.string(),
  durationSeconds: z.number().int(),
  bucketName: z.string().optional(),
  folderPath: z.string().optional(),
  bucketAccount: z.string().optional(),
  verifyWithAdobe: z.boolean().optional(),
};

/**
 * A target as the function uses it, discriminated by how its credentials are minted, so the fields
 * a method needs are there by type: a role for AssumeRole, IAM-user keys when they sign, a bucket
 * for GetFederationToken (whose federated user may do only what its session policy allows).
 */
export const rotationTargetSchema = z.discriminatedUnion('method', [
  z.object({
    ...validatedBase,
    method: z.literal('assume-role-chained'),
    roleArn: z.string(),
    externalId: z.string().optional(),
    userCredentialsSecretId: z.undefined().optional(),
  }),
  z.object({
    ...validatedBase,
    method: z.literal('assume-role-user-keys'),
    roleArn: z.string(),
    externalId: z.string().optional(),
    userCredentialsSecretId: z.string(),
  }),
  z.object({
    ...validatedBase,
    method: z.literal('get-session-token'),
    roleArn: z.undefined().optional(),
    externalId: z.undefined().optional(),
    userCredentialsSecretId: z.string(),
  }),
  z.object({
    ...validatedBase,
    method: z.literal('get-federation-token'),
    roleArn: z.undefined().optional(),
    externalId: z.undefined().optional(),
    userCredentialsSecretId: z.string(),
    bucketName: z.string(),
  }),
]);

/** `A` and `B` are assignable to each other: the schema and the contract's type describe the same values. */
type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// Compile-time checks: a schema that drifts from the contract's type fails `npm run typecheck`.
const entryMatches: SameShape<z.input<typeof functionTargetSchema>, FunctionTargetEntry> = true;
const targetMatches: SameShape<z.output<typeof rotationTargetSchema>, RotationTarget> = true;
void entryMatches;
void targetMatches;
