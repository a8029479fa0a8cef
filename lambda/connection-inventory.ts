/**
 * Every S3 base connection in a sandbox, and what each is to the rotator (FLOW-SERVICE.md, "Listing
 * connections, flows and runs"): `GET /connections?property=connectionSpec.id==<S3 spec>`, paged
 * with `continuationToken`.
 *
 * - `managed`: a configured target;
 * - `unmanaged-temporary`: holds temporary credentials (an `s3SessionToken`, or an `ASIA…` access
 *   key, which only STS issues) that nobody rotates: it stops ingesting when they expire;
 * - `unmanaged-permanent`: long-term keys (`AKIA…`), which do not expire;
 * - `role-based`: `IAMRole Based`, Adobe assumes the role itself.
 *
 * `discover` prints them; a scheduled run counts the unmanaged temporary ones in the sandboxes it
 * touches. Only the names of `auth.params`, the access key id's prefix and the non-secret
 * `bucketName`/`folderPath` are read, never a secret's value.
 */
import type { CallOptions } from './flow-service-client.js';
import { listAll, type ListingClient } from './dataflow-runs.js';
import { ACCESS_KEY_SPEC_NAME, S3_CONNECTION_SPEC_ID } from './rotate-connection.js';

/** What a connection is to the rotator. */
export type ConnectionKind = 'managed' | 'unmanaged-temporary' | 'unmanaged-permanent' | 'role-based';

/** One S3 base connection as an inventory shows it. */
export interface FoundConnection {
  readonly connectionId: string;
  readonly sandboxName: string;
  readonly name?: string;
  readonly state?: string;
  readonly kind: ConnectionKind;
  /** The non-secret bucket and folder the connection declares, when it does. */
  readonly bucketName?: string;
  readonly folderPath?: string;
  /** ISO 8601: its last update (when its credentials were last written, if nobody else edited it). */
  readonly updatedAt?: string;
}

const record = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

/**
 * What one listed connection is, or undefined when it is not an S3 connection (the listing's
 * filter is the spec id; this checks again, in case a filter is ignored).
 * @param managed the configured targets' connection ids, lower case.
 */
export function classifyConnection(
  item: unknown,
  sandboxName: string,
  managed: ReadonlySet<string>,
): FoundConnection | undefined {
  const connection = record(item);
  const connectionId = text(connection.id);
  if (!connectionId || text(record(connection.connectionSpec).id) !== S3_CONNECTION_SPEC_ID) return undefined;
  const auth = record(connection.auth);
  const params = record(auth.params);
  const specName = text(auth.specName);
  let kind: ConnectionKind;
  if (managed.has(connectionId.toLowerCase())) kind = 'managed';
  else if (specName === 'IAMRole Based') kind = 'role-based';
  else if (
    specName === ACCESS_KEY_SPEC_NAME &&
    (Object.hasOwn(params, 's3SessionToken') || text(params.s3AccessKey)?.startsWith('ASIA'))
  ) {
    // GET may mask or omit secret params (FLOW-SERVICE.md): the token's name, or an STS-issued key id, tells.
    kind = 'unmanaged-temporary';
  } else kind = 'unmanaged-permanent';
  const updatedAt = typeof connection.updatedAt === 'number' ? new Date(connection.updatedAt).toISOString() : undefined;
  return {
    connectionId,
    sandboxName: text(connection.sandboxName) ?? sandboxName,
    ...(text(connection.name) ? { name: text(connection.name) } : {}),
    ...(text(connection.state) ? { state: text(connection.state) } : {}),
    kind,
    ...(text(params.bucketName) ? { bucketName: text(params.bucketName) } : {}),
    ...(text(params.bucketName) && text(params.folderPath) ? { folderPath: text(params.folderPath) } : {}),
    ...(updatedAt ? { updatedAt } : {}),
  };
}

/**
 * Connections asked for per page (SPEC `limit`): fewer requests than Flow Service's default page
 * for a large sandbox; a service that pages smaller answers with a `continuationToken`, followed all the same.
 */
export const LIST_PAGE_LIMIT = 100;

/** Every S3 base connection of a sandbox, classified, following every page. */
export async function s3ConnectionsIn(
  client: ListingClient,
  sandboxName: string,
  managed: ReadonlySet<string>,
  call: CallOptions = {},
): Promise<FoundConnection[]> {
  const items = await listAll(
    client,
    'connections',
    sandboxName,
    { property: `connectionSpec.id==${S3_CONNECTION_SPEC_ID}`, limit: LIST_PAGE_LIMIT },
    call,
  );
  return items
    .map((item) => classifyConnection(item, sandboxName, managed))
    .filter((found): found is FoundConnection => found !== undefined);
}
