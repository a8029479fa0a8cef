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

/**
 * How far behind this function's clock Adobe's may run (or Adobe may round `last_used_at` down) when a secret's last
 * use is compared with the moment this function asked IMS for its token. Kept small: the wider it is, the older a
 * use passes for this step's own (which errs toward deleting).
 */
export const LAST_USED_CLOCK_SKEW_MS = 1000;

/**
 * What Adobe's `last_used_at` says of the secret's recorded `clientSecretUuid`, judged just after IMS issued a token
 * with the secret's `clientSecret`:
 *
 * - `confirmed`: it is the secret in use: the only one Adobe lists, or the one whose last use is as recent as that
 *   token while the other has not been used since (never, or before both that token and the recorded one's last use);
 * - `stale`: it is not: Adobe does not list it, or another secret's last use is as recent as that token and later than
 *   the recorded one's (the secret's value was most likely put by hand without its uuid);
 * - `unproven`: neither (Adobe's times lag, or both secrets are in use): nothing may be deleted on its word.
 */
export type ClientSecretRecord = 'confirmed' | 'stale' | 'unproven';

/**
 * Judge the recorded uuid against Adobe's list (pure).
 * @param tokenRequestedAt epoch ms, taken just before IMS was asked for a token with the secret's `clientSecret`.
 * @returns undefined when the secret records no uuid.
 */
export function judgeClientSecretRecord(
  listed: readonly AdobeClientSecret[],
  recordedUuid: string | undefined,
  tokenRequestedAt: number,
): ClientSecretRecord | undefined {
  if (recordedUuid === undefined) return undefined;
  const recorded = listed.find((secret) => secret.uuid === recordedUuid);
  if (!recorded) return 'stale';
  const others = listed.filter((secret) => secret !== recorded);
  if (others.length === 0) return 'confirmed';
  const asRecentAsToken = (at: number | undefined): at is number =>
    at !== undefined && at >= tokenRequestedAt - LAST_USED_CLOCK_SKEW_MS;
  const recordedLast = recorded.lastUsedAt;
  if (
    others.some(
      (other) => asRecentAsToken(other.lastUsedAt) && (recordedLast === undefined || other.lastUsedAt! > recordedLast),
    )
  )
    return 'stale';
  // Unused since the token was asked for (no allowance: a use that close to it counts as this step's).
  const unusedSince = (other: AdobeClientSecret) =>
    other.lastUsedAt === undefined || (other.lastUsedAt < recordedLast! && other.lastUsedAt < tokenRequestedAt);
  return asRecentAsToken(recordedLast) && others.every(unusedSince) ? 'confirmed' : 'unproven';
}

/** One client secret Adobe holds, and whether it is the one the secret holds. */
export interface AdobeClientSecretEntry extends AdobeClientSecret {
  /**
   * `current`: the Adobe credentials secret holds it; `other`: it does not; `unknown`: the secret does not say its uuid
   * (or its uuid is `stale`) and Adobe holds two.
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
  /**
   * The uuid of the secret's `clientSecret`: recorded (unless Adobe's times contradict it), or the only one Adobe
   * holds; undefined when neither.
   */
  readonly currentUuid?: string;
  /** The secret's `clientSecretUuid`, as recorded (whatever Adobe says of it). */
  readonly recordedUuid?: string;
  /** What Adobe's last-used times say of `recordedUuid` ({@link ClientSecretRecord}); absent when none is recorded. */
  readonly record?: ClientSecretRecord;
  /** Epoch ms: when IMS was asked for this report's token, with the secret's `clientSecret` (vs `lastUsedAt`). */
  readonly tokenRequestedAt: number;
}

/**
 * Count the credential's client secrets and mark the one `credentials` holds: the uuid it records,
 * or the only one Adobe lists (IMS issued the call's token with it, so it is that one). A record
 * Adobe's last-used times contradict (`record: 'stale'`) marks none `current`.
 *
 * @param credentials the Adobe credentials secret's content (the rotator's parsed credentials carry the rotation's
 * fields).
 * @param options.auth calls made as `credentials`, whose token is not requested yet (its request is the moment
 * Adobe's last-used times are judged against; a token already held makes the record `unproven` at best).
 * @throws AdobeSecretRotationError when the secret lacks its console ids; AdobeConsoleError when Adobe refuses (403:
 * the credential lacks the I/O Management API).
 * @example
 * // In the rotator's `inspect`, with the invocation's credentials:
 * const credentials = await session.secrets.adobeCredentials();
 * const adobeClientSecrets = await describeAdobeClientSecrets(credentials, { console, imsUrl, policy });
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
  // The token first, timed: IMS records it as a use of the secret's clientSecret, the evidence the list is judged by.
  const tokenRequestedAt = Date.now();
  await auth.token();
  const listed = await options.console.listSecrets(auth, ids);
  const recordedUuid = clientSecretUuidOf(credentials);
  const record = judgeClientSecretRecord(listed, recordedUuid, tokenRequestedAt);
  const currentUuid =
    recordedUuid && record !== 'stale' ? recordedUuid : listed.length === 1 ? listed[0]!.uuid : undefined;
  return {
    ...ids,
    count: listed.length,
    secrets: listed.map((secret) => ({
      ...secret,
      holder: currentUuid === undefined ? 'unknown' : secret.uuid === currentUuid ? 'current' : 'other',
    })),
    ...(currentUuid ? { currentUuid } : {}),
    ...(recordedUuid ? { recordedUuid } : {}),
    ...(record ? { record } : {}),
    tokenRequestedAt,
  };
}
