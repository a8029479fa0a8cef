/**
 * What a connection reads, and what its credentials are narrowed to. An S3 base connection may carry
 * non-secret `bucketName` and `folderPath` params beside its keys (FLOW-SERVICE.md, S3-API): then
 * they are what Adobe reads, and the credentials only need that bucket and folder.
 *
 * - A target that names no bucket is narrowed to what the connection declares: least privilege with
 *   no configuration (AssumeRole and GetFederationToken take a session policy; GetSessionToken
 *   cannot be narrowed).
 * - A target that names a bucket (and folder) must contain what the connection declares; otherwise
 *   the connection fails before anything is minted, and nothing is patched.
 *
 * Pure: the rotation, `rotate --dry-run` and `status` judge the same way.
 */
import type { RotationTarget } from '../core/contract.js';
import {
  folderPathProblem,
  normalizeFolderPath,
  s3BucketNameProblem,
  sessionPolicySizeProblem,
} from '../core/session-policy.js';
import type { BaseConnection } from './flow-service-client.js';

/** A bucket and, optionally, a folder in it (a key prefix without leading or trailing slash). */
export interface S3Scope {
  readonly bucketName: string;
  readonly folderPath?: string;
}

/** `s3://bucket/folder/`. */
export function describeScope(scope: S3Scope): string {
  return `s3://${scope.bucketName}/${scope.folderPath ? `${scope.folderPath}/` : ''}`;
}

/**
 * What the connection declares it reads, from its `auth.params`: a bucket (and folder) when the
 * params hold a valid S3 bucket name (and a usable folder path); undefined when it declares none.
 */
export function declaredScope(connection: Pick<BaseConnection, 'auth'>): S3Scope | undefined {
  const params = connection.auth?.params ?? {};
  const bucketName = typeof params.bucketName === 'string' ? params.bucketName.trim() : '';
  if (!bucketName || s3BucketNameProblem(bucketName)) return undefined;
  const rawFolder = typeof params.folderPath === 'string' ? params.folderPath : '';
  const folderPath = rawFolder && !folderPathProblem(rawFolder) ? normalizeFolderPath(rawFolder) : undefined;
  return { bucketName, ...(folderPath ? { folderPath } : {}) };
}

/**
 * Whether `outer` contains `inner`: the same bucket, and the inner folder is the outer one or under it (a whole bucket
 * contains every folder).
 */
export function scopeContains(outer: S3Scope, inner: S3Scope): boolean {
  if (outer.bucketName !== inner.bucketName) return false;
  if (!outer.folderPath) return true;
  if (!inner.folderPath) return false;
  return inner.folderPath === outer.folderPath || inner.folderPath.startsWith(`${outer.folderPath}/`);
}

/** Which methods take a session policy: the others mint credentials with their identity's whole permissions. */
const NARROWABLE = new Set<RotationTarget['method']>([
  'assume-role-chained',
  'assume-role-user-keys',
  'get-federation-token',
]);

/** How one connection's credentials are scoped, and what Adobe is asked to read with them. */
export interface ConnectionScope {
  /** The session policy's bucket and folder; undefined: not narrowed. */
  readonly narrowedTo?: S3Scope;
  /** Where {@link narrowedTo} comes from: the target's `bucketName`/`folderPath`, or the connection's own params. */
  readonly narrowedFrom?: 'target' | 'connection';
  /**
   * What the connection reads, as Adobe is asked to list it: what it declares, else the target's narrowing; undefined:
   * the root.
   */
  readonly reads?: S3Scope;
  /** What the connection declares in its params, if anything (relative explore paths start there). */
  readonly declared?: S3Scope;
}

/**
 * The scope of a target's credentials against what its connection declares, or why they do not
 * fit: a sentence naming both, for the connection's error.
 */
export function resolveScope(
  target: Pick<RotationTarget, 'connectionId' | 'method' | 'bucketName' | 'folderPath'>,
  connection: Pick<BaseConnection, 'auth'>,
): { readonly scope: ConnectionScope } | { readonly mismatch: string } {
  const declared = declaredScope(connection);
  if (target.bucketName) {
    const narrowedTo: S3Scope = {
      bucketName: target.bucketName,
      ...(target.folderPath ? { folderPath: target.folderPath } : {}),
    };
    if (declared && !scopeContains(narrowedTo, declared)) {
      return {
        mismatch:
          `connection ${target.connectionId} reads ${describeScope(declared)} (its ` +
          `bucketName${declared.folderPath ? ' and folderPath' : ''}), but the target narrows its credentials to ` +
          `${describeScope(narrowedTo)}, which does not contain it; nothing was minted or patched: ` +
          "change the target's bucketName/folderPath to contain it, or remove them (the connection's own are " +
          'then used)',
      };
    }
    return {
      scope: { narrowedTo, narrowedFrom: 'target', reads: declared ?? narrowedTo, ...(declared ? { declared } : {}) },
    };
  }
  if (!declared) return { scope: {} };
  if (!NARROWABLE.has(target.method)) return { scope: { reads: declared, declared } };
  // A folder too long for STS's 2,048-character policy narrows to the bucket alone: still far less than everything.
  const narrowedTo =
    declared.folderPath && sessionPolicySizeProblem(declared) ? { bucketName: declared.bucketName } : declared;
  return { scope: { narrowedTo, narrowedFrom: 'connection', reads: declared, declared } };
}

/** Why a target's bucket and folder do not fit its connection, or undefined (for `status` and the dry run). */
export function scopeMismatch(
  target: Pick<RotationTarget, 'connectionId' | 'method' | 'bucketName' | 'folderPath'>,
  connection: Pick<BaseConnection, 'auth'>,
): string | undefined {
  const resolved = resolveScope(target, connection);
  return 'mismatch' in resolved ? resolved.mismatch : undefined;
}
