/**
 * What S3 would answer when Flow Service explores a connection: the objects the emulated buckets
 * hold, listed one level deep under a prefix, and whether a session policy lets the credentials
 * list that prefix (`s3:ListBucket` with its `s3:prefix` condition).
 *
 * The policy check is the part of IAM's evaluation the rotator's session policies use: an explicit
 * `Deny` wins, else an `Allow` whose action, resource and `StringLike`/`StringEquals` `s3:prefix`
 * condition match is needed (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html),
 * and whose `StringEquals` `s3:ResourceAccount`, if any, is the account that owns the bucket.
 * Anything else in a statement (NotAction, other condition keys) makes it not apply: the emulator
 * errs towards refusing, as a stricter S3 would.
 */

/** One entry of `GET /connections/{id}/explore` (flow-service.yaml, ExploreConnectionResponse). */
export interface ExploreEntry {
  readonly type: 'folder' | 'file';
  readonly name: string;
  /** `/<bucket>/<key>`, folders with a trailing slash. */
  readonly path: string;
  readonly canPreview: boolean;
  readonly canFetchSchema: boolean;
}

/** `*` and `?` of an IAM pattern as a RegExp. */
function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

const asList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);

const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'];

/** Who owns a bucket unless a test says otherwise: the emulated world's account. */
export const DEFAULT_BUCKET_OWNER = '123456789012';

interface Statement {
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
  readonly [key: string]: unknown;
}

/** Whether one statement covers `s3:ListBucket` on `bucket` (owned by `owner`) with `prefix`. */
function statementCovers(statement: Statement, bucket: string, prefix: string, owner: string): boolean {
  if (statement.NotAction !== undefined || statement.NotResource !== undefined) return false;
  const actionMatches = asList(statement.Action).some((action) => globToRegExp(action.toLowerCase()).test('s3:listbucket'));
  const resourceMatches = asList(statement.Resource).some((resource) =>
    PARTITIONS.some((partition) => globToRegExp(resource).test(`arn:${partition}:s3:::${bucket}`)),
  );
  if (!actionMatches || !resourceMatches) return false;
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, values] of Object.entries(keys)) {
      // S3 sets s3:ResourceAccount to the bucket owner's account on every request.
      if (key.toLowerCase() === 's3:resourceaccount') {
        if (operator !== 'StringEquals' || !asList(values).includes(owner)) return false;
        continue;
      }
      if (key.toLowerCase() !== 's3:prefix') return false;
      const patterns = asList(values);
      if (operator === 'StringLike' && !patterns.some((pattern) => globToRegExp(pattern).test(prefix))) return false;
      if (operator === 'StringEquals' && !patterns.includes(prefix)) return false;
      if (operator !== 'StringLike' && operator !== 'StringEquals') return false;
    }
  }
  return true;
}

/**
 * Whether a session policy (JSON text) lets its credentials list `prefix` in `bucket`.
 * Without a session policy the credentials have whatever their role or user allows, which the
 * emulator does not model: then the answer is yes.
 */
export function sessionPolicyAllowsList(policy: string | undefined, bucket: string, prefix: string, owner = DEFAULT_BUCKET_OWNER): boolean {
  if (policy === undefined) return true;
  let document: { Statement?: unknown };
  try {
    document = JSON.parse(policy) as { Statement?: unknown };
  } catch {
    return false;
  }
  const statements = (Array.isArray(document.Statement) ? document.Statement : [document.Statement]).filter(
    (statement): statement is Statement => typeof statement === 'object' && statement !== null,
  );
  const covering = statements.filter((statement) => statementCovers(statement, bucket, prefix, owner));
  if (covering.some((statement) => statement.Effect === 'Deny')) return false;
  return covering.some((statement) => statement.Effect === 'Allow');
}

/** The emulated buckets' objects, by bucket, as full keys. */
export class S3Objects {
  private readonly buckets = new Map<string, Set<string>>();
  private readonly owners = new Map<string, string>();

  /** The account that owns `bucket`. */
  ownerOf(bucket: string): string {
    return this.owners.get(bucket) ?? DEFAULT_BUCKET_OWNER;
  }

  setOwner(bucket: string, account: string): void {
    this.owners.set(bucket, account);
  }

  put(bucket: string, keys: readonly string[]): void {
    const objects = this.buckets.get(bucket) ?? new Set<string>();
    for (const key of keys) objects.add(key.replace(/^\/+/, ''));
    this.buckets.set(bucket, objects);
  }

  bucketNames(): string[] {
    return [...this.buckets.keys()].sort();
  }

  /** The objects and sub-folders directly under `prefix` (`''` or ending in `/`), as ListObjectsV2 with a `/` delimiter gives them. */
  list(bucket: string, prefix: string): ExploreEntry[] {
    const folders = new Set<string>();
    const files: string[] = [];
    for (const key of this.buckets.get(bucket) ?? []) {
      if (!key.startsWith(prefix) || key === prefix) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash >= 0) folders.add(rest.slice(0, slash));
      else files.push(rest);
    }
    return [
      ...[...folders]
        .sort()
        .map((name): ExploreEntry => ({ type: 'folder', name, path: `/${bucket}/${prefix}${name}/`, canPreview: false, canFetchSchema: false })),
      ...files.sort().map((name): ExploreEntry => ({ type: 'file', name, path: `/${bucket}/${prefix}${name}`, canPreview: true, canFetchSchema: true })),
    ];
  }
}
