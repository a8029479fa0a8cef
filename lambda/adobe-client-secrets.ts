/**
 * The Adobe credentials secret's fields that the client secret's rotation needs, and what Adobe
 * holds for the credential:
 *
 * - `consoleOrgId` and `credentialId`: the Developer Console's numeric ids (from the credential
 *   page's URL, `…/console/projects/{orgId}/{projectId}/credentials/{credentialId}/details/…`);
 * - `clientSecretUuid`: Adobe's uuid of `clientSecret`, written by the rotation for every secret it
 *   creates (a secret put by hand has none until the rotation learns it).
 *
 * {@link describeAdobeClientSecrets} counts the credential's client secrets through the I/O
 * Management API and says which one the secret holds, with no value anywhere in what it returns:
 * the rotation's `createSecret` decides with it, and the rotator's `inspect` request can report it.
 */
import { z } from 'zod';
import { ioManagementScopes } from '../core/adobe-secret-rotation.js';
import type {
  AdobeConsoleClient,
  AdobeClientSecret,
  ConsoleAuth,
  ConsoleCredentialIds,
} from './adobe-console-client.js';
import { RotatorError } from './errors.js';
import type { HttpPolicy } from './http-policy.js';
import { ImsTokenProvider } from './ims-client.js';
import type { AdobeCredentials } from './secrets.js';

/** A rotation step (or an inspection) refused to act, changing nothing; the message says why and what to fix. */
export class AdobeSecretRotationError extends RotatorError {
  override readonly name: string = 'AdobeSecretRotationError';

  constructor(message: string) {
    super('ADOBE_SECRET_ROTATION_REFUSED', message);
  }
}

/** Developer Console's ids are numbers; JSON may carry them as either. */
const CONSOLE_ID = "must be the Developer Console's numeric id (digits, from the credential page's URL)";
const consoleId = z
  .union([z.string().regex(/^\d+$/, CONSOLE_ID), z.number().int(CONSOLE_ID).nonnegative(CONSOLE_ID)], {
    error: CONSOLE_ID,
  })
  .transform(String);

/** The rotation's fields of the Adobe credentials secret, checked (the rotator itself only carries them). */
export const rotationFieldsSchema = z.object({
  consoleOrgId: consoleId.optional(),
  credentialId: consoleId.optional(),
  clientSecretUuid: z.string({ error: 'must be a string' }).min(1, 'must be a non-empty string').optional(),
});
export type RotationFields = z.infer<typeof rotationFieldsSchema>;

/**
 * The credential's console ids, or an error naming what is missing or wrong and where to find it.
 * @param what names the secret, e.g. `Adobe credentials secret "arn:…" AWSCURRENT`.
 */
export function consoleIdsOf(
  credentials: Pick<AdobeCredentials, 'consoleOrgId' | 'credentialId'>,
  what: string,
): ConsoleCredentialIds {
  const parsed = rotationFieldsSchema.pick({ consoleOrgId: true, credentialId: true }).safeParse(credentials);
  if (!parsed.success) {
    throw new AdobeSecretRotationError(
      `${what}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`,
    );
  }
  const missing = (['consoleOrgId', 'credentialId'] as const).filter((field) => parsed.data[field] === undefined);
  if (missing.length > 0) {
    throw new AdobeSecretRotationError(
      `${what} has no ${missing.join(' and ')}: add the Developer Console's numeric ` +
        `${missing.length === 2 ? 'ids' : 'id'} to the secret's JSON (they are in the credential page's URL, ` +
        '.../console/projects/<consoleOrgId>/<projectId>/credentials/<credentialId>/details/oauthservertoserver; ' +
        'docs/DEPLOY.md), then rotate again; nothing was changed',
    );
  }
  return { consoleOrgId: parsed.data.consoleOrgId!, credentialId: parsed.data.credentialId! };
}

/** The uuid the secret says its `clientSecret` has, if it says (and says it well). */
export function clientSecretUuidOf(credentials: Pick<AdobeCredentials, 'clientSecretUuid'>): string | undefined {
  const parsed = rotationFieldsSchema.shape.clientSecretUuid.safeParse(credentials.clientSecretUuid);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Calls to the I/O Management API as `credentials`, with one IMS token (its scopes plus the API's)
 * requested on first use and kept for the rest of the step.
 */
export function consoleAuthFor(
  credentials: AdobeCredentials,
  ims: { readonly imsUrl: string; readonly policy: HttpPolicy },
): ConsoleAuth {
  const tokens = new ImsTokenProvider({
    imsUrl: ims.imsUrl,
    policy: ims.policy,
    credentials: () => Promise.resolve({ ...credentials, scopes: ioManagementScopes(credentials.scopes) }),
  });
  return { clientId: credentials.clientId, token: () => tokens.getToken() };
}

/** One client secret Adobe holds, and whether it is the one the secret holds. */
export interface AdobeClientSecretEntry extends AdobeClientSecret {
  /**
   * `current`: the Adobe credentials secret holds it; `other`: it does not; `unknown`: the secret does not say its uuid
   * and Adobe holds two.
   */
  readonly holder: 'current' | 'other' | 'unknown';
}

/** What Adobe holds for the credential: never a value. */
export interface AdobeClientSecretsReport {
  readonly consoleOrgId: string;
  readonly credentialId: string;
  /** 1 or 2 (Adobe's limit); 2 outside a rotation means the last rotation could not delete the old one. */
  readonly count: number;
  readonly secrets: readonly AdobeClientSecretEntry[];
  /** The uuid of the secret's `clientSecret`: recorded, or the only one Adobe holds; undefined when neither. */
  readonly currentUuid?: string;
}

/**
 * Count the credential's client secrets and mark the one `credentials` holds: the uuid it records,
 * or the only one Adobe lists (IMS issued the call's token with it, so it is that one).
 *
 * @param credentials the Adobe credentials secret's content (the rotator's parsed credentials carry the rotation's
 * fields).
 * @throws AdobeSecretRotationError when the secret lacks its console ids; AdobeConsoleError when Adobe refuses (403:
 * the credential lacks the I/O Management API).
 * @example
 * // In the rotator's `inspect`, with the invocation's credentials:
 * const adobeClientSecrets = await describeAdobeClientSecrets(await session.secrets.adobeCredentials(), { console, imsUrl, policy });
 */
export async function describeAdobeClientSecrets(
  credentials: AdobeCredentials,
  options: {
    readonly console: AdobeConsoleClient;
    readonly imsUrl: string;
    readonly policy: HttpPolicy;
    readonly what?: string;
    readonly auth?: ConsoleAuth;
  },
): Promise<AdobeClientSecretsReport> {
  const ids = consoleIdsOf(credentials, options.what ?? 'The Adobe credentials secret');
  const auth = options.auth ?? consoleAuthFor(credentials, options);
  const listed = await options.console.listSecrets(auth, ids);
  const recorded = clientSecretUuidOf(credentials);
  const currentUuid =
    recorded && listed.some((secret) => secret.uuid === recorded)
      ? recorded
      : listed.length === 1
        ? listed[0]!.uuid
        : undefined;
  return {
    ...ids,
    count: listed.length,
    secrets: listed.map((secret) => ({
      ...secret,
      holder: currentUuid === undefined ? 'unknown' : secret.uuid === currentUuid ? 'current' : 'other',
    })),
    ...(currentUuid ? { currentUuid } : {}),
  };
}
