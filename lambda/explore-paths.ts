/**
 * The one place explore requests are built (FLOW-SERVICE.md, "Explore"). How `object` names an S3
 * path is not documented, so both conventions are built here:
 *
 * - `absolute`: the bucket first, `/<bucket>/<folder>/`, as the exploration tutorial's examples and
 *   its entries' paths (`/test-connectors/…/account.csv`) show;
 * - `relative`: relative to the folder the connection itself declares (`bucketName`, `folderPath`),
 *   where Adobe's S3 documentation says exploration starts: that folder is `/`.
 *
 * A file to preview is named by the `path` the listing gave it, in whichever convention listed it;
 * its `fileType` comes from its extension.
 */
import type { S3Scope } from './connection-scope.js';
import type { ExploreEntry, ExploreQuery, FileQuery } from './flow-service-client.js';

export type { ExploreQuery, FileQuery } from './flow-service-client.js';
import { FlowServiceError } from './errors.js';

/** How `object` names a path: see the module comment. */
export type ExploreForm = 'absolute' | 'relative';

/** Every {@link ExploreForm}. */
export const EXPLORE_FORMS: readonly ExploreForm[] = ['absolute', 'relative'];

/**
 * The forms to try, in order: the one Adobe accepted last time first, else absolute; relative only
 * for a connection that declares its own bucket (otherwise there is nowhere for it to start).
 */
export function exploreForms(declared: S3Scope | undefined, remembered?: ExploreForm): ExploreForm[] {
  if (!declared) return ['absolute'];
  return remembered === 'relative' ? ['relative', 'absolute'] : ['absolute', 'relative'];
}

/**
 * The listing of what the connection reads, in `form`: its folder `/<bucket>/<folder>/` (credentials
 * narrowed to a folder may not list the bucket's top), or `/` relative to the connection's own
 * folder, or the root when nothing names a bucket.
 */
export function listingQuery(reads: S3Scope | undefined, form: ExploreForm): ExploreQuery {
  if (form === 'relative') return { objectType: 'folder', object: '/' };
  if (!reads) return { objectType: 'root' };
  const folder = reads.folderPath?.replace(/^\/+|\/+$/g, '');
  return { objectType: 'folder', object: `/${reads.bucketName}/${folder ? `${folder}/` : ''}` };
}

/** `fileType` by extension (EXPLORE: delimited, json, parquet); a `.gz` file is read through `compressionType=gzip`. */
const FILE_TYPES: Record<string, FileQuery['fileType']> = {
  csv: 'delimited',
  tsv: 'delimited',
  txt: 'delimited',
  dsv: 'delimited',
  psv: 'delimited',
  json: 'json',
  jsonl: 'json',
  ndjson: 'json',
  parquet: 'parquet',
};

/**
 * The preview of a file entry, or undefined when it is not a file Adobe can preview (a folder, `canPreview: false`, an
 * unknown extension).
 */
export function previewQuery(entry: ExploreEntry): FileQuery | undefined {
  if (entry.type?.toLowerCase() !== 'file' || entry.canPreview === false || !entry.path) return undefined;
  const name = (entry.name ?? entry.path).toLowerCase();
  const gzip = name.endsWith('.gz');
  const extension = (gzip ? name.slice(0, -3) : name).split('.').pop() ?? '';
  const fileType = FILE_TYPES[extension];
  if (!fileType || !name.includes('.')) return undefined;
  return {
    objectType: 'file',
    object: entry.path,
    fileType,
    preview: 'true',
    ...(gzip ? { compressionType: 'gzip' } : {}),
  };
}

/** The first file of a listing Adobe can preview, as its preview query. */
export function firstPreviewable(entries: readonly ExploreEntry[]): FileQuery | undefined {
  for (const entry of entries) {
    const query = previewQuery(entry);
    if (query) return query;
  }
  return undefined;
}

/**
 * S3's own words for a refusal of the credentials or of a permission: when Adobe's detail carries
 * one, the request reached S3 with a path S3 understood.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 */
const S3_CREDENTIAL_REFUSALS = new RegExp(
  '\\b(AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|InvalidToken|ExpiredToken|TokenRefreshRequired|' +
    'AllAccessDisabled|AccountProblem|KMS\\.\\w+)\\b',
);

/**
 * Whether Adobe refused the explore as a path it cannot read in this form, so the other form is
 * worth one try: a 404, or a 400 whose detail names no refusal of S3's. A wrong guess costs one GET;
 * a refusal of the credentials (401/403, S3's AccessDenied and the like) is never one.
 */
export function isPathRefusal(error: unknown): boolean {
  if (!(error instanceof FlowServiceError) || error.transient) return false;
  if (error.statusCode === 404) return true;
  return error.statusCode === 400 && !S3_CREDENTIAL_REFUSALS.test(error.message);
}

/** How a query reads in a message: `s3://bucket/folder/`, a path in the connection's own folder, or the root. */
export function describeExploreQuery(query: ExploreQuery | FileQuery, declared?: S3Scope): string {
  if (query.objectType === 'root') return "the bucket's root";
  const relativeTo = declared
    ? `s3://${declared.bucketName}/${declared.folderPath ? `${declared.folderPath}/` : ''}`
    : undefined;
  // A relative path is shown where it points: under the connection's own folder.
  if (relativeTo && !query.object.startsWith(`/${declared!.bucketName}/`))
    return `${relativeTo}${query.object.replace(/^\/+/, '')}`;
  return `s3:/${query.object}`;
}
