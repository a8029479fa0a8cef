/**
 * What a connection holds when this run did not (or could not) give it new credentials: judged
 * from Flow Service's `updatedAt` and who made that update. Pure; shared by the function (for the
 * `SecondsUntilCredentialExpiry` metric of a failed connection) and the CLI's `status`.
 *
 * Adobe never shows the secret params back, so the only evidence is the connection's last update:
 * when the rotator made it, the credentials were minted then with the target's lifetime. When
 * anyone else did, or the time is missing, nothing is known, and unknown counts as expired.
 */
import type { BaseConnection } from './flow-service-client.js';

/** The last update was made with the rotator's own Adobe client (so it wrote the credentials). */
export function writtenByRotator(
  connection: Pick<BaseConnection, 'updatedBy' | 'updatedClient'>,
  rotatorClientId: string | undefined,
): boolean {
  if (!rotatorClientId) return false;
  return (
    connection.updatedClient === rotatorClientId || Boolean(connection.updatedBy?.startsWith(`${rotatorClientId}@`))
  );
}

/**
 * Epoch ms at which the credentials the connection holds expire, if the rotator wrote them last:
 * `updatedAt` + the target's lifetime. Undefined when unknown (another writer, no `updatedAt`).
 */
export function heldCredentialsExpireAt(
  connection: Pick<BaseConnection, 'updatedAt' | 'updatedBy' | 'updatedClient'>,
  durationSeconds: number,
  rotatorClientId: string | undefined,
): number | undefined {
  if (typeof connection.updatedAt !== 'number' || !writtenByRotator(connection, rotatorClientId)) return undefined;
  return connection.updatedAt + durationSeconds * 1000;
}

/** Whole seconds from `now` until `expiresAt`, never negative; unknown (undefined) counts as expired. */
export function secondsUntil(expiresAt: number | undefined, now: number): number {
  if (expiresAt === undefined || Number.isNaN(expiresAt)) return 0;
  return Math.max(0, Math.round((expiresAt - now) / 1000));
}
