/**
 * The four steps of the Adobe client secret's rotation, as plain functions over their clients
 * (Secrets Manager's rotation contract,
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html, joined with Adobe's
 * two-secret rollover, ADOBE-CLIENT-SECRETS.md).
 *
 * What always holds: Adobe never holds more than two secrets for the credential; the secret
 * `AWSCURRENT` holds is never deleted; a failed step leaves `AWSCURRENT` working; each step run
 * again for its token does nothing more (the value already stored, the label already moved, the
 * old secret already deleted); no secret value leaves the step (what it returns is ids only).
 */
import {
  AWSCURRENT,
  AWSPENDING,
  AWSPREVIOUS,
  versionWithStage,
  type SecretDescription,
  type SecretVersions,
} from './secret-versions.js';
import type { AdobeConsoleClient, ConsoleAuth } from './adobe-console-client.js';
import {
  AdobeSecretRotationError,
  clientSecretUuidOf,
  consoleAuthFor,
  consoleIdsOf,
  describeAdobeClientSecrets,
  type AdobeClientSecretsReport,
} from './adobe-client-secrets.js';
import { ImsError } from './errors.js';
import type { HttpPolicy } from './http-policy.js';
import { ImsTokenProvider } from './ims-client.js';
import { adobeCredentialsSchema, parseSecretJson, type AdobeCredentials } from './secrets.js';

/** What every step works with. */
export interface StepContext {
  readonly versions: SecretVersions;
  readonly console: AdobeConsoleClient;
  readonly imsUrl: string;
  readonly policy: HttpPolicy;
  /** The rotation's `ClientRequestToken`: the id of the version it makes. */
  readonly token: string;
  /** Where a step says what it did that is worth a line of its own (a leftover it could not delete). */
  readonly warn: (message: string, fields?: Record<string, unknown>) => void;
}

/** What a step did, in words and ids (never a value): the step's log line. */
export interface StepOutcome {
  readonly detail: string;
  /** The Adobe secret the step added, deleted, or tested. */
  readonly addedUuid?: string;
  readonly deletedUuid?: string;
}

interface VersionContent {
  readonly credentials: AdobeCredentials;
  /** The JSON as written: the rotation writes it back whole, with only the secret and its uuid changed. */
  readonly raw: Record<string, unknown>;
  readonly what: string;
}

async function readVersion(
  context: StepContext,
  stage: string,
  versionId?: string,
): Promise<VersionContent | undefined> {
  const text = await context.versions.value(stage, versionId);
  if (text === undefined) return undefined;
  const version = versionId ? ` (version ${versionId})` : '';
  const what = `Adobe credentials secret "${context.versions.secretId}" ${stage}${version}`;
  const { parsed, raw } = parseSecretJson(text, adobeCredentialsSchema, what);
  return { credentials: parsed, raw, what };
}

/**
 * AWS's check before every step (its rotation templates make it): rotation is on, the token's
 * version exists and is `AWSPENDING`. `done` when it already holds `AWSCURRENT`: the rotation has
 * been finished, and a step invoked again has nothing to do.
 */
async function checkToken(context: StepContext): Promise<{ description: SecretDescription; done: boolean }> {
  const description = await context.versions.describe();
  if (!description.rotationEnabled)
    throw new AdobeSecretRotationError(
      `Secret "${description.arn}" does not have rotation enabled; nothing was changed`,
    );
  const stages = description.versions.get(context.token);
  if (!stages)
    throw new AdobeSecretRotationError(
      `Secret "${description.arn}" has no version ${context.token} to rotate to; nothing was changed`,
    );
  if (stages.includes(AWSCURRENT)) return { description, done: true };
  if (!stages.includes(AWSPENDING)) {
    throw new AdobeSecretRotationError(
      `Version ${context.token} of secret "${description.arn}" is not ${AWSPENDING}, so it is not this rotation's; ` +
        'nothing was changed',
    );
  }
  return { description, done: false };
}

/**
 * Add a secret at Adobe and store it, with its uuid, as `AWSPENDING` under the token. If the
 * token's version already holds a value, nothing. When Adobe holds two secrets, the one
 * `AWSCURRENT` does not hold is deleted first (a leftover of a rotation whose delete failed, or of
 * an attempt of this one whose store failed), but only when Adobe's last-used times prove it
 * (`record: 'confirmed'`): the secret's `clientSecretUuid` may be stale (a value put by hand with
 * the old JSON copied), and deleting the secret `AWSCURRENT` really holds would lock the rotation
 * out. Otherwise it refuses, naming both and their last use, and changes nothing.
 */
export async function createSecret(context: StepContext): Promise<StepOutcome> {
  const { done } = await checkToken(context);
  if (done) return { detail: `version ${context.token} is already ${AWSCURRENT}: nothing to create` };
  const current = await readVersion(context, AWSCURRENT);
  if (!current)
    throw new AdobeSecretRotationError(
      `Secret "${context.versions.secretId}" has no ${AWSCURRENT} value to rotate from; nothing was changed`,
    );
  if (await context.versions.value(AWSPENDING, context.token)) {
    return { detail: `version ${context.token} already holds the new secret: nothing to create` };
  }
  const ids = consoleIdsOf(current.credentials, current.what);
  const auth = consoleAuthFor(current.credentials, context);
  const held = await describeAdobeClientSecrets(current.credentials, { ...context, auth, what: current.what });
  if (held.count === 0) {
    throw new AdobeSecretRotationError(
      `Adobe lists no client secret for credential ${ids.credentialId} of console org ${ids.consoleOrgId}, ` +
        `though IMS accepts ${AWSCURRENT}'s: check consoleOrgId and credentialId in the secret; nothing was changed`,
    );
  }
  const recordedListed = held.secrets.some((secret) => secret.uuid === held.recordedUuid);
  if (held.count > 2 || (held.count === 2 && !recordedListed)) {
    const uuids = held.secrets.map((secret) => secret.uuid).join(' and ');
    throw new AdobeSecretRotationError(
      `Adobe holds ${held.count} client secrets for credential ${ids.credentialId} (${uuids}) and ${AWSCURRENT} ` +
        (held.recordedUuid
          ? `records clientSecretUuid ${held.recordedUuid}, which is neither`
          : 'does not record which one it holds (clientSecretUuid)') +
        ': delete the one the rotator does not use in Developer Console (its "last used" time stops moving), ' +
        'then rotate again; nothing was changed',
    );
  }
  if (held.count === 2 && held.record !== 'confirmed') throw unprovenLeftover(held, ids.credentialId);
  let deletedUuid: string | undefined;
  const leftover = held.count === 2 ? held.secrets.find((secret) => secret.uuid !== held.recordedUuid) : undefined;
  if (leftover) {
    await context.console.deleteSecret(auth, ids, leftover.uuid);
    deletedUuid = leftover.uuid;
  }
  const added = await context.console.addSecret(auth, ids);
  const pending = { ...current.raw, clientSecret: added.clientSecret, clientSecretUuid: added.uuid };
  try {
    await context.versions.putPending(context.token, JSON.stringify(pending));
  } catch (error) {
    // Nobody else will ever hold the new secret: give its place back, if Adobe lets us now.
    await context.console.deleteSecret(auth, ids, added.uuid).catch(() => undefined);
    throw error;
  }
  return {
    detail:
      `added client secret ${added.uuid} at Adobe and stored it as ` +
      `${AWSPENDING}${deletedUuid ? ` (first deleted ${deletedUuid}, which ${AWSCURRENT} does not hold)` : ''}`,
    addedUuid: added.uuid,
    ...(deletedUuid ? { deletedUuid } : {}),
  };
}

const lastUse = (at: number | undefined) =>
  at === undefined ? 'never used' : `last used ${new Date(at).toISOString()}`;

/**
 * Adobe holds two secrets and its last-used times do not prove the one `AWSCURRENT` does not record unused: the
 * refusal, with both uuids, their last use, and the two ways out.
 */
function unprovenLeftover(held: AdobeClientSecretsReport, credentialId: string): AdobeSecretRotationError {
  const recorded = held.secrets.find((secret) => secret.uuid === held.recordedUuid)!;
  const other = held.secrets.find((secret) => secret !== recorded)!;
  const asked = new Date(held.tokenRequestedAt).toISOString();
  const evidence =
    held.record === 'stale'
      ? `Adobe shows ${other.uuid}, not ${recorded.uuid}, used when this step asked IMS for a token with ` +
        `${AWSCURRENT}'s clientSecret (${asked}): ${AWSCURRENT} most likely holds ${other.uuid}'s value under a ` +
        'stale clientSecretUuid (a value put by hand with the old JSON copied)'
      : `Adobe's last-used times do not prove ${other.uuid} unused: this step asked IMS for a token with ` +
        `${AWSCURRENT}'s clientSecret at ${asked}, and Adobe does not show that use on ${recorded.uuid} alone ` +
        '(its times may lag, or both secrets are in use)';
  return new AdobeSecretRotationError(
    `Adobe holds 2 client secrets for credential ${credentialId}: ${recorded.uuid} (${AWSCURRENT}'s ` +
      `clientSecretUuid, ${lastUse(recorded.lastUsedAt)}) and ${other.uuid} (${lastUse(other.lastUsedAt)}); ` +
      `${evidence}. Deleting ${other.uuid} could delete the secret ${AWSCURRENT} holds, so nothing was changed: ` +
      `if ${AWSCURRENT} holds ${other.uuid}'s value, set clientSecretUuid to ${other.uuid} in the secret's JSON ` +
      '(put-secret-value); otherwise delete the unused one in Developer Console once its "last used" time stops ' +
      'moving; then rotate again (docs/RUNBOOK.md, "Rotating the Adobe client secret")',
  );
}

/**
 * Nothing to do: a database's rotation sets the new password in the database here, but Adobe
 * already holds the new secret (createSecret added it there), and both work until one is deleted.
 */
export async function setSecret(context: StepContext): Promise<StepOutcome> {
  await checkToken(context);
  return {
    detail: 'nothing to set: Adobe already holds the new secret, and the old one works until finishSecret deletes it',
  };
}

/**
 * IMS must issue a token for the pending secret with the rotator's scopes: the very request the
 * rotator makes. Nothing else is called, so the step needs no Flow Service and no sandbox.
 */
export async function testSecret(context: StepContext): Promise<StepOutcome> {
  const { done } = await checkToken(context);
  const stage = done ? AWSCURRENT : AWSPENDING;
  const pending = await readVersion(context, stage, context.token);
  if (!pending)
    throw new AdobeSecretRotationError(
      `Version ${context.token} holds no value to test: createSecret did not store one; nothing was changed`,
    );
  const tokens = new ImsTokenProvider({
    imsUrl: context.imsUrl,
    policy: context.policy,
    credentials: () => Promise.resolve(pending.credentials),
  });
  try {
    await tokens.getToken();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const code = error instanceof ImsError ? error.code : 'IMS_UNAVAILABLE';
    throw new ImsError(
      code,
      `The new client secret (version ${context.token}) failed its test: ${reason}; ${AWSCURRENT} is unchanged`,
    );
  }
  return {
    detail: `IMS issued a token for the new secret with the rotator's scopes (${pending.credentials.scopes})`,
    addedUuid: clientSecretUuidOf(pending.credentials),
  };
}

/**
 * Move `AWSCURRENT` to the token's version (the old one becomes `AWSPREVIOUS`), then delete the old
 * Adobe secret by its uuid, with a token from the new one. A failed delete leaves `AWSCURRENT`
 * working and fails the step, so the alarm says so; the next rotation's createSecret deletes it.
 */
export async function finishSecret(context: StepContext): Promise<StepOutcome> {
  const { description, done } = await checkToken(context);
  let promoted = '';
  if (!done) {
    const pending = await readVersion(context, AWSPENDING, context.token);
    if (!pending)
      throw new AdobeSecretRotationError(
        `Version ${context.token} holds no value: createSecret did not store one; ${AWSCURRENT} is unchanged`,
      );
    const from = versionWithStage(description, AWSCURRENT);
    await context.versions.promote(context.token, from);
    promoted = `moved ${AWSCURRENT} to version ${context.token} (${from ?? 'none'} is now ${AWSPREVIOUS}); `;
  }
  const current = await readVersion(context, AWSCURRENT, context.token);
  if (!current) throw new AdobeSecretRotationError(`Version ${context.token} holds no value after its promotion`);
  const newUuid = clientSecretUuidOf(current.credentials);
  const ids = consoleIdsOf(current.credentials, current.what);
  const auth: ConsoleAuth = consoleAuthFor(current.credentials, context);
  try {
    const held = await context.console.listSecrets(auth, ids);
    // Only ever delete what is provably not AWSCURRENT's: Adobe must list the new secret. Its uuid needs no last-used
    // proof (unlike createSecret's record): createSecret stored it with this version's value, from one Adobe answer,
    // and a version's value never changes, so AWSCURRENT (this version) holds exactly that secret.
    if (!newUuid || !held.some((secret) => secret.uuid === newUuid)) {
      throw new AdobeSecretRotationError(
        `Adobe does not list the new secret's uuid ${newUuid ?? '(none recorded)'}, so no secret was deleted`,
      );
    }
    const old = held.filter((secret) => secret.uuid !== newUuid);
    for (const secret of old) await context.console.deleteSecret(auth, ids, secret.uuid);
    const deleted = old.map((secret) => secret.uuid);
    return {
      detail: `${promoted}${
        deleted.length > 0
          ? `deleted the old client secret ${deleted.join(', ')} at Adobe`
          : 'Adobe holds only the new secret'
      }`,
      addedUuid: newUuid,
      ...(old.length > 0 ? { deletedUuid: old.map((secret) => secret.uuid).join(',') } : {}),
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    context.warn('the old Adobe client secret could not be deleted', { clientRequestToken: context.token });
    throw new AdobeSecretRotationError(
      `${promoted || `${AWSCURRENT} already holds version ${context.token}; `}deleting the old Adobe client secret ` +
        `failed: ${reason}. ${AWSCURRENT} works; the next rotation's createSecret deletes the old secret ` +
        '(or delete it in Developer Console once its "last used" time stops moving)',
    );
  }
}

export const STEPS = { createSecret, setSecret, testSecret, finishSecret } as const;
