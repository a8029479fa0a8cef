/**
 * What S3 would answer when Flow Service explores a connection: the objects the emulated buckets
 * hold (each with the KMS key it is encrypted with, for SSE-KMS), listed one level deep under a
 * prefix, and whether a session policy lets the credentials list that prefix (`s3:ListBucket`
 * with its `s3:prefix` condition; the evaluation itself is iam-policy.ts).
 */
import { policyAllows } from './iam-policy.js';

/** One entry of `GET /connections/{id}/explore` (flow-service.yaml, ExploreConnectionResponse). */
export interface ExploreEntry {
  readonly type: 'folder' | 'file';
  readonly name: string;
  /** `/<bucket>/<key>`, folders with a trailing slash. */
  readonly path: string;
  readonly canPreview: boolean;
  readonly canFetchSchema: boolean;
}

/**
 * Whether a session policy (JSON text) lets its credentials list `prefix` in `bucket` (the
 * emulators' partition is `aws`). Without a session policy the credentials have whatever their
 * role or user allows: then the answer is yes.
 */
export function sessionPolicyAllowsList(
  policy: string | undefined,
  bucket: string,
  prefix: string,
  owner = DEFAULT_BUCKET_OWNER,
): boolean {
  return policyAllows(policy, {
    action: 's3:ListBucket',
    resource: `arn:aws:s3:::${bucket}`,
    context: { 's3:prefix': prefix, 's3:ResourceAccount': owner },
  });
}

/** Who owns a bucket unless a test says otherwise: the emulated world's account. */
export const DEFAULT_BUCKET_OWNER = '123456789012';

/** One object as S3 holds it, as far as reading it goes. */
export interface S3Object {
  readonly key: string;
  /** SSE-KMS: the key S3 asks KMS to decrypt it with (the reader needs `kms:Decrypt` on it). @default none (SSE-S3) */
  readonly kmsKeyArn?: string;
}

/** The emulated buckets' objects, by bucket, as full keys. */
export class S3Objects {
  private readonly buckets = new Map<string, Map<string, S3Object>>();
  private readonly owners = new Map<string, string>();

  /** The account that owns `bucket` (what `s3:ResourceAccount` is in a request on it). */
  ownerOf(bucket: string): string {
    return this.owners.get(bucket) ?? DEFAULT_BUCKET_OWNER;
  }

  setOwner(bucket: string, account: string): void {
    this.owners.set(bucket, account);
  }

  put(bucket: string, keys: readonly string[], { kmsKeyArn }: { kmsKeyArn?: string } = {}): void {
    const objects = this.buckets.get(bucket) ?? new Map<string, S3Object>();
    for (const raw of keys) {
      const key = raw.replace(/^\/+/, '');
      objects.set(key, { key, ...(kmsKeyArn ? { kmsKeyArn } : {}) });
    }
    this.buckets.set(bucket, objects);
  }

  bucketNames(): string[] {
    return [...this.buckets.keys()].sort();
  }

  /** The object at `key`, if the bucket holds it. */
  get(bucket: string, key: string): S3Object | undefined {
    return this.buckets.get(bucket)?.get(key);
  }

  /** Whether any key starts with `prefix` (S3 has no folders: a folder exists while a key is under it). */
  hasPrefix(bucket: string, prefix: string): boolean {
    for (const key of this.buckets.get(bucket)?.keys() ?? []) if (key.startsWith(prefix)) return true;
    return false;
  }

  /**
   * The objects and sub-folders directly under `prefix` (`''` or ending in `/`), as ListObjectsV2
   * with a `/` delimiter gives them; each entry's path is `pathPrefix` followed by what is under
   * `prefix` (absolute paths: `/<bucket>/<prefix>`).
   */
  list(bucket: string, prefix: string, pathPrefix = `/${bucket}/${prefix}`): ExploreEntry[] {
    const folders = new Set<string>();
    const files: string[] = [];
    for (const key of this.buckets.get(bucket)?.keys() ?? []) {
      if (!key.startsWith(prefix) || key === prefix) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash >= 0) folders.add(rest.slice(0, slash));
      else files.push(rest);
    }
    return [
      ...[...folders].sort().map(
        (name): ExploreEntry => ({
          type: 'folder',
          name,
          path: `${pathPrefix}${name}/`,
          canPreview: false,
          canFetchSchema: false,
        }),
      ),
      ...files.sort().map(
        (name): ExploreEntry => ({
          type: 'file',
          name,
          path: `${pathPrefix}${name}`,
          canPreview: true,
          canFetchSchema: true,
        }),
      ),
    ];
  }
}
