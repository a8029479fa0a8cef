/**
 * `GET /connections/{id}/explore` of the Flow Service emulator: Flow Service lists S3, or previews
 * a file, with exactly the credentials the connection holds (FLOW-SERVICE.md, "Explore").
 *
 * - `objectType=root` lists the top; `objectType=folder&object=<path>` a folder;
 *   `objectType=file&object=<path>&fileType=<delimited|json|parquet>&preview=true` reads the first
 *   rows of a file. Only the preview reads an object: it needs `s3:GetObject` on it, and for an
 *   SSE-KMS object `kms:Decrypt` on its key through S3; listings need only `s3:ListBucket`.
 * - How `object` names a path is not documented, so the emulator implements both conventions, per
 *   connection: `absolute` (`/<bucket>/<folder>/`, the bucket first, as the docs' examples show)
 *   and `relative` (relative to the folder the connection itself declares in `bucketName` and
 *   `folderPath`, where exploration starts). A path the connection's convention cannot read is
 *   refused as an invalid request (`1100-400`), as Flow Service's own validation would.
 * - Which prefix Adobe's connector lists a folder with is not documented either: `with-slash`
 *   (`crm/daily/`) or `without-slash` (`crm/daily`, Adobe strips a trailing slash), per connection;
 *   the session policy's `s3:prefix` condition must allow the one it uses.
 *
 * S3's refusals come back as Flow Service's generic `1100-400` problem whose detail carries S3's
 * own error code and message.
 */
import { credentialsAllow, type CredentialPolicies } from './iam-policy.js';
import { flowError } from './flow-service-errors.js';
import type { EmulatorResponse } from './http-server.js';
import type { S3Objects } from './s3-listing.js';
import type { StsEmulator } from './types.js';

/** How a connection's explore reads `object`: see the module comment. */
export type ExplorePaths = 'absolute' | 'relative';
/** Which `s3:prefix` the connector lists a folder with. */
export type ListPrefix = 'with-slash' | 'without-slash';

/**
 * The STS emulator as the explore route needs it: who issued the credentials a connection holds, and with what
 * policies.
 */
export type CredentialAuthority = Pick<StsEmulator, 'credentialsFor' | 'now'> & {
  policyOf?(accessKeyId: string): string | undefined;
  identityPolicyOf?(accessKeyId: string): string | undefined;
  /** Whether IAM denies everything to this session now (a role policy revoking older sessions). */
  sessionDenied?(accessKeyId: string): boolean;
};

/** What S3 says when it refuses the credentials a connection holds (S3 error responses). */
export const S3_REFUSALS = {
  InvalidAccessKeyId: 'The AWS Access Key Id you provided does not exist in our records.',
  SignatureDoesNotMatch:
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  InvalidToken: 'The provided token is malformed or otherwise invalid.',
  ExpiredToken: 'The provided token has expired.',
  AccessDenied: 'Access Denied',
  NoSuchKey: 'The specified key does not exist.',
} as const;

/** The file types a preview takes (EXPLORE: delimited, json, parquet). */
const FILE_TYPES = new Set(['delimited', 'json', 'parquet']);

/** The connection as explore reads it. */
export interface ExplorableConnection {
  readonly params: Readonly<Record<string, string>>;
  readonly explorePaths: ExplorePaths;
  readonly listPrefix: ListPrefix;
}

/** What explore needs besides the connection: the buckets, and who issued credentials. */
export interface ExploreWorld {
  readonly objects: S3Objects;
  readonly sts?: CredentialAuthority;
  /** The region S3 calls KMS from (`kms:ViaService` `s3.<region>.amazonaws.com`). */
  readonly region: string;
}

/** S3's refusal as Flow Service relays it. */
export function s3Refusal(code: keyof typeof S3_REFUSALS, note = ''): EmulatorResponse {
  return flowError(
    400,
    '1100-400',
    `The request could not be processed. Flow provider error: Amazon S3 answered ${code}: ${S3_REFUSALS[code]}${note}`,
  );
}

const invalidPath = (object: string | undefined, convention: string): EmulatorResponse =>
  flowError(
    400,
    '1100-400',
    `Invalid request: object ${JSON.stringify(object ?? null)} is not a path this connection can explore ` +
      `(${convention}).`,
  );

/** `crm/daily` → `crm/daily/`; `''` stays `''`. */
const asFolderPrefix = (path: string) => {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed ? `${trimmed}/` : '';
};

/** Where an explore request points in S3, once its `object` is read with the connection's convention. */
type Location =
  | { readonly kind: 'buckets' }
  | { readonly kind: 'folder'; readonly bucket: string; readonly prefix: string; readonly pathPrefix: string }
  | { readonly kind: 'file'; readonly bucket: string; readonly key: string };

/**
 * Read `objectType` and `object` with the connection's convention; a response when Flow Service would refuse the
 * request itself.
 */
function locate(
  query: Readonly<Record<string, string>>,
  connection: ExplorableConnection,
  objects: S3Objects,
): Location | EmulatorResponse {
  const objectType = query.objectType?.toLowerCase();
  const object = query.object;
  if (objectType !== 'root' && objectType !== 'folder' && objectType !== 'file') {
    return flowError(
      400,
      '1100-400',
      `Invalid request: objectType must be root, folder or file; got ${JSON.stringify(query.objectType ?? null)}.`,
    );
  }
  const declaredBucket = connection.params.bucketName;
  // Relative paths need a starting point: a connection that declares no bucket has none.
  const relative = connection.explorePaths === 'relative' && declaredBucket !== undefined;
  const start = relative ? asFolderPrefix(connection.params.folderPath ?? '') : '';

  if (objectType === 'root') {
    if (relative) return { kind: 'folder', bucket: declaredBucket, prefix: start, pathPrefix: '/' };
    return declaredBucket === undefined
      ? { kind: 'buckets' }
      : { kind: 'folder', bucket: declaredBucket, prefix: '', pathPrefix: `/${declaredBucket}/` };
  }
  if (objectType === 'file' && !FILE_TYPES.has(String(query.fileType).toLowerCase())) {
    return flowError(
      400,
      '1100-400',
      `Invalid request: fileType must be delimited, json or parquet; got ${JSON.stringify(query.fileType ?? null)}.`,
    );
  }
  if (object === undefined || !object.startsWith('/')) {
    return invalidPath(
      object,
      relative ? 'a path such as /<folder>/ under its own folder' : 'a path such as /<bucket>/<folder>/',
    );
  }
  if (relative) {
    const rest = object.replace(/^\/+/, '');
    if (objectType === 'file') return { kind: 'file', bucket: declaredBucket, key: `${start}${rest}` };
    const prefix = `${start}${asFolderPrefix(rest)}`;
    // S3 has no folders: under the connection's own folder, a path no key is under does not exist.
    if (prefix !== start && !objects.hasPrefix(declaredBucket, prefix))
      return invalidPath(object, "relative to the connection's own folder");
    return { kind: 'folder', bucket: declaredBucket, prefix, pathPrefix: `/${asFolderPrefix(rest)}` };
  }
  const match = /^\/([^/]+)(?:\/(.*))?$/.exec(object);
  if (!match) return invalidPath(object, 'a path such as /<bucket>/<folder>/, the bucket first');
  const bucket = match[1]!;
  if (objectType === 'file') {
    const key = match[2] ?? '';
    if (!key || key.endsWith('/')) return invalidPath(object, 'a file path such as /<bucket>/<folder>/<file>');
    return { kind: 'file', bucket, key };
  }
  const prefix = asFolderPrefix(match[2] ?? '');
  return { kind: 'folder', bucket, prefix, pathPrefix: `/${bucket}/${prefix}` };
}

/** The columns a preview shows: EXPLORE's example answers an array of `{name, type}`. */
const PREVIEW_COLUMNS = [
  { name: 'Id', type: 'String' },
  { name: 'FirstName', type: 'String' },
  { name: 'LastName', type: 'String' },
] as const;

/**
 * Answer one explore request of `connection`: list a folder or the buckets, or preview a file,
 * with the credentials it holds, as far as their policies allow.
 */
export function exploreConnection(
  query: Readonly<Record<string, string>>,
  connection: ExplorableConnection,
  world: ExploreWorld,
): EmulatorResponse {
  const location = locate(query, connection, world.objects);
  if ('status' in location) return location;

  const { s3AccessKey, s3SecretKey, s3SessionToken } = connection.params;
  const issued = s3AccessKey ? world.sts?.credentialsFor(s3AccessKey) : undefined;
  if (!issued) return s3Refusal('InvalidAccessKeyId');
  if (issued.secretAccessKey !== s3SecretKey) return s3Refusal('SignatureDoesNotMatch');
  if ((issued.sessionToken ?? undefined) !== (s3SessionToken ?? undefined)) return s3Refusal('InvalidToken');
  if (issued.expiration && issued.expiration.getTime() <= world.sts!.now()) return s3Refusal('ExpiredToken');
  if (world.sts?.sessionDenied?.(s3AccessKey!)) return s3Refusal('AccessDenied');
  const policies: CredentialPolicies = {
    ...(world.sts?.policyOf?.(s3AccessKey!) !== undefined ? { session: world.sts.policyOf(s3AccessKey!) } : {}),
    ...(world.sts?.identityPolicyOf?.(s3AccessKey!) !== undefined
      ? { identity: world.sts.identityPolicyOf(s3AccessKey!) }
      : {}),
  };

  if (location.kind === 'buckets') {
    // No bucket to list: ListAllMyBuckets, which no session policy of the rotator allows.
    if (policies.session !== undefined || policies.identity !== undefined) return s3Refusal('AccessDenied');
    return {
      status: 200,
      body: world.objects
        .bucketNames()
        .map((name) => ({ type: 'folder', name, path: `/${name}/`, canPreview: false, canFetchSchema: false })),
    };
  }
  if (location.kind === 'folder') {
    const listedPrefix =
      connection.listPrefix === 'without-slash' ? location.prefix.replace(/\/$/, '') : location.prefix;
    const owner = world.objects.ownerOf(location.bucket);
    const list = {
      action: 's3:ListBucket',
      resource: `arn:aws:s3:::${location.bucket}`,
      context: { 's3:prefix': listedPrefix, 's3:ResourceAccount': owner },
    };
    if (!credentialsAllow(policies, list)) return s3Refusal('AccessDenied');
    return { status: 200, body: world.objects.list(location.bucket, location.prefix, location.pathPrefix) };
  }
  // A preview reads the object: GetObject, and for SSE-KMS S3 asks KMS to decrypt on the caller's behalf.
  const objectArn = `arn:aws:s3:::${location.bucket}/${location.key}`;
  if (
    !credentialsAllow(policies, {
      action: 's3:GetObject',
      resource: objectArn,
      context: { 's3:ResourceAccount': world.objects.ownerOf(location.bucket) },
    })
  ) {
    return s3Refusal('AccessDenied', ' (s3:GetObject on the object)');
  }
  const stored = world.objects.get(location.bucket, location.key);
  if (!stored) return s3Refusal('NoSuchKey');
  if (stored.kmsKeyArn) {
    const decrypt = {
      action: 'kms:Decrypt',
      resource: stored.kmsKeyArn,
      context: { 'kms:ViaService': `s3.${world.region}.amazonaws.com`, 'kms:EncryptionContext:aws:s3:arn': objectArn },
    };
    if (!credentialsAllow(policies, decrypt))
      return s3Refusal('AccessDenied', " (kms:Decrypt on the object's SSE-KMS key)");
  }
  return { status: 200, body: PREVIEW_COLUMNS };
}

/**
 * Why a dataflow run of `connection` would fail now, or undefined when it would ingest: a run reads
 * the folder the connection declares (a listing, then its first file) with the credentials it holds.
 */
export function ingestionFailure(connection: ExplorableConnection, world: ExploreWorld): string | undefined {
  const { bucketName, folderPath } = connection.params;
  const query: Record<string, string> =
    connection.explorePaths === 'relative' && bucketName !== undefined
      ? { objectType: 'folder', object: '/' }
      : bucketName === undefined
        ? { objectType: 'root' }
        : { objectType: 'folder', object: `/${bucketName}/${asFolderPrefix(folderPath ?? '')}` };
  let answer = exploreConnection(query, connection, world);
  const entries =
    answer.status === 200 && Array.isArray(answer.body) ? (answer.body as Array<{ type: string; path: string }>) : [];
  const file = entries.find((entry) => entry.type === 'file');
  if (file)
    answer = exploreConnection(
      { objectType: 'file', object: file.path, fileType: 'delimited', preview: 'true' },
      connection,
      world,
    );
  if (answer.status === 200) return undefined;
  return (
    (answer.body as { report?: { 'detailed-message'?: string } }).report?.['detailed-message'] ??
    'the files could not be read'
  );
}
