/** Adobe's etags and sandbox ids, as the Flow Service emulator makes them. */
import { createHash, randomBytes } from 'node:crypto';

/**
 * A new etag in Adobe's format, quotes included: `"\"1400dd53-0000-0200-0000-5f3f23450000\""`
 * (S3-API). The shape is Cosmos DB's: 8 random hex digits, a fixed middle, and the write time in
 * epoch seconds as hex followed by `0000`.
 */
export function newEtag(previous: readonly string[]): string {
  const seconds = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, '0');
  for (;;) {
    const etag = `"${randomBytes(4).toString('hex')}-0000-0200-0000-${seconds}0000"`;
    if (!previous.includes(etag)) return etag;
  }
}

/** A sandbox's id (SPEC `sandboxId`): the same uuid for the same org and name. */
export function sandboxIdOf(orgId: string, sandboxName: string): string {
  const hex = createHash('sha256').update(`${orgId}/${sandboxName}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
