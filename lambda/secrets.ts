/**
 * Reads JSON secrets from Secrets Manager and validates their shape: {@link SecretStore} reads (it
 * lives as long as the container and keeps nothing), {@link InvocationSecrets} holds what one
 * invocation read (one read per secret, however many connections use it).
 *
 * A secret's content never reaches a message: JSON syntax errors are reported without V8's
 * excerpt of the text, and schema problems name only the field.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ADOBE_SECRET_PLACEHOLDER } from '../core/adobe-secret.js';
import { requiredOr } from '../core/target-schema.js';
import { SecretError } from './errors.js';
import { registerSecret } from './redaction.js';

/** The scope list Adobe's Server-to-Server guide shows; a Developer Console project may need its own. */
export const DEFAULT_IMS_SCOPES = 'openid,session,AdobeID,read_organizations,additional_info.projectedProductContext';

export const adobeCredentialsSchema = z.object({
  clientId: z.string({ error: requiredOr('must be a string') }).min(1, 'must be a non-empty string'),
  clientSecret: z.string({ error: requiredOr('must be a string') }).min(1, 'must be a non-empty string'),
  orgId: z
    .string({ error: requiredOr('must be a string') })
    .regex(/^[A-Za-z0-9]+@AdobeOrg$/, 'must be an IMS org id ending in @AdobeOrg'),
  scopes: z
    .string({ error: requiredOr('must be a string') })
    .min(1, 'must be a non-empty comma-separated list')
    .default(DEFAULT_IMS_SCOPES),
  // The client secret's rotation reads these (lambda/adobe-client-secrets.ts checks them); the
  // rotator only carries them, so a malformed one never stops a rotation of S3 credentials.
  consoleOrgId: z.unknown().optional(),
  credentialId: z.unknown().optional(),
  clientSecretUuid: z.unknown().optional(),
});
export type AdobeCredentials = z.infer<typeof adobeCredentialsSchema>;

export const userKeysSchema = z.object({
  accessKeyId: z
    .string({ error: requiredOr('must be a string') })
    .regex(/^AKIA[A-Z0-9]{12,124}$/, "must be an IAM user's long-term access key id (AKIA...)"),
  secretAccessKey: z
    .string({ error: requiredOr('must be a string') })
    .min(16, 'must be the secret access key of that access key id'),
});
export type UserKeys = z.infer<typeof userKeysSchema>;

/** Which fields of each schema are secret, so they are registered for redaction at once. */
const SECRET_FIELDS = ['clientSecret', 'secretAccessKey'] as const;

/** Reads a secret each time it is asked: what to keep, and for how long, is the caller's. */
export class SecretStore {
  constructor(private readonly client: SecretsManagerClient) {}

  /**
   * The Adobe OAuth Server-to-Server credentials.
   * @param signal aborts the read (an invocation's deadline).
   */
  adobeCredentials(secretId: string, signal?: AbortSignal): Promise<AdobeCredentials> {
    return this.readJson(secretId, adobeCredentialsSchema, 'Adobe credentials secret', signal, placeholderProblem);
  }

  /** An IAM user's long-term keys (for GetSessionToken, or AssumeRole signed as that user). */
  userKeys(secretId: string, signal?: AbortSignal): Promise<UserKeys> {
    return this.readJson(secretId, userKeysSchema, 'IAM user credentials secret', signal);
  }

  private async readJson<T>(
    secretId: string,
    schema: z.ZodType<T>,
    what: string,
    signal?: AbortSignal,
    precheck?: (value: unknown, read: SecretRead) => string | undefined,
  ): Promise<T> {
    let secretString: string | undefined;
    let read: SecretRead = { secretId };
    try {
      const response = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }), {
        abortSignal: signal,
      });
      secretString = response.SecretString;
      read = { secretId, arn: response.ARN, name: response.Name };
    } catch (error) {
      const name = (error as Error).name;
      const reason = name === 'ResourceNotFoundException' ? 'was not found' : `could not be read (${name})`;
      throw new SecretError('SECRET_UNAVAILABLE', `${what} "${secretId}" ${reason}`, error);
    }
    registerSecret(secretString);
    if (secretString === undefined) {
      throw new SecretError(
        'SECRET_INVALID',
        `${what} "${secretId}" has no SecretString (binary secrets are not supported)`,
      );
    }
    return parseSecretJson(
      secretString,
      schema,
      `${what} "${secretId}"`,
      precheck && ((value) => precheck(value, read)),
    ).parsed;
  }
}

/** Which secret a read reached: the id asked for, and the ARN and name Secrets Manager answered with. */
interface SecretRead {
  readonly secretId: string;
  readonly arn?: string;
  readonly name?: string;
}

/**
 * The Adobe secret still holds the stack's placeholder: the message names the secret that was
 * read, so a secret swapped by a renamed or nested construct (CloudFormation created a new one,
 * and the function follows it) shows at the first run. No value of the secret is in it.
 */
function placeholderProblem(value: unknown, { secretId, arn, name }: SecretRead): string | undefined {
  const { clientId, orgId } = (value ?? {}) as { clientId?: unknown; orgId?: unknown };
  if (clientId !== ADOBE_SECRET_PLACEHOLDER.clientId && orgId !== ADOBE_SECRET_PLACEHOLDER.orgId) return undefined;
  const which = arn ?? secretId;
  return (
    `Adobe credentials secret "${which}"${name ? ` (name ${name})` : ''} still holds the placeholder the stack ` +
    'created: put the Adobe credentials into this secret (aws secretsmanager put-secret-value --secret-id ' +
    `${which} --secret-string file://adobe-credentials.json). If you already did, you put them into another ` +
    'secret: renaming or nesting the S3CredentialRotator construct makes CloudFormation create a new one, ' +
    'which the function then reads (docs/DEPLOY.md, "Data that outlives the stack")'
  );
}

/**
 * A secret's JSON text checked against `schema`: the parsed value and the object as written (a
 * rotation writes it back whole). Every secret field is registered for redaction first, and no
 * message quotes the text.
 *
 * @param what names the secret in messages, e.g. `Adobe credentials secret "arn:..." AWSPENDING`.
 * @throws SecretError `SECRET_INVALID` naming only the fields that are wrong.
 */
export function parseSecretJson<T>(
  secretString: string,
  schema: z.ZodType<T>,
  what: string,
  precheck?: (value: unknown) => string | undefined,
): { parsed: T; raw: Record<string, unknown> } {
  let value: unknown;
  try {
    value = JSON.parse(secretString);
  } catch {
    // Deliberately not the SyntaxError: V8 quotes the offending text, which is the secret.
    throw new SecretError('SECRET_INVALID', `${what} is not valid JSON`);
  }
  if (value && typeof value === 'object') {
    for (const field of SECRET_FIELDS) {
      const secret = (value as Record<string, unknown>)[field];
      if (typeof secret === 'string') registerSecret(secret);
    }
  }
  // A value recognized as a whole (the stack's placeholder) is named as such, before its fields are judged.
  const recognized = precheck?.(value);
  if (recognized) throw new SecretError('SECRET_INVALID', recognized);
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`);
    throw new SecretError('SECRET_INVALID', `${what}: ${fields.join('; ')}`);
  }
  return { parsed: parsed.data, raw: value as Record<string, unknown> };
}

/**
 * The secrets of one invocation (its session's): each read at most once however many connections
 * use it, concurrent callers sharing the read, so a secret the operator rotated is used from the
 * next invocation on, not when Lambda happens to recycle the container. A failed read is not kept:
 * the next connection that needs the secret tries again.
 */
export class InvocationSecrets {
  private readonly reads = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: SecretStore,
    private readonly adobeCredentialsSecretId: string,
    /** The invocation's deadline: a read still running when it stops is aborted. */
    private readonly signal?: AbortSignal,
  ) {}

  /** The Adobe OAuth Server-to-Server credentials (`ADOBE_CREDENTIALS_SECRET_ID`). */
  adobeCredentials(): Promise<AdobeCredentials> {
    const secretId = this.adobeCredentialsSecretId;
    return this.once(secretId, () => this.store.adobeCredentials(secretId, this.signal));
  }

  /** An IAM user's long-term keys, from the target's `userCredentialsSecretId`. */
  userKeys(secretId: string): Promise<UserKeys> {
    return this.once(secretId, () => this.store.userKeys(secretId, this.signal));
  }

  private once<T>(secretId: string, read: () => Promise<T>): Promise<T> {
    let pending = this.reads.get(secretId) as Promise<T> | undefined;
    if (!pending) {
      pending = read();
      pending.catch(() => this.reads.delete(secretId));
      this.reads.set(secretId, pending);
    }
    return pending;
  }
}
