/**
 * The inline session policy that narrows minted credentials to what Adobe reads: one bucket, and
 * one folder in it when the target names one. Passed as `Policy` to AssumeRole and
 * GetFederationToken, it can only take permissions away: the session gets the intersection of it
 * and the role's (or the IAM user's) own policies.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
 *
 * Also the naming rules of what goes into it (S3 bucket names, folder paths), so the configuration
 * parsers of the function, the CDK app and the construct check them the same way. Pure: no I/O.
 */

/** STS refuses a `Policy` parameter longer than this (plaintext, whitespace included). */
export const SESSION_POLICY_MAX_CHARS = 2048;

/**
 * The longest partition name an ARN may carry (`aws-us-gov`): the size check uses it when the
 * partition is not known yet (a role the stack creates, an IAM user's keys).
 */
export const LONGEST_PARTITION = 'aws-us-gov';

/** What a session policy allows Adobe to read. */
export interface SessionPolicyScope {
  /** `aws`, `aws-cn`, `aws-us-gov`, ... (from the role's or the IAM user's ARN). */
  readonly partition: string;
  readonly bucketName: string;
  /** A key prefix without leading or trailing slash (see {@link normalizeFolderPath}); undefined: the whole bucket. */
  readonly folderPath?: string;
  /**
   * The 12-digit account that owns the bucket: every S3 statement then requires `s3:ResourceAccount`
   * to equal it, so a bucket deleted and re-created under the same name in another account is never
   * readable. Undefined: no such condition, as before the field existed.
   */
  readonly bucketAccount?: string;
}

/**
 * The session policy for `scope`, as compact JSON. It allows exactly what Adobe's S3 source needs
 * (Experience League, "Amazon S3 source" prerequisites):
 * - `s3:GetObject` and `s3:GetObjectVersion` on the objects under the folder (or the whole bucket);
 * - `s3:ListBucket` on the bucket, with a folder only for the prefixes {@link listPrefixes} gives;
 * - `s3:GetBucketLocation` on the bucket;
 * - `kms:Decrypt` only when S3 asks on the session's behalf (`kms:ViaService` `s3.*`), so objects
 *   encrypted with SSE-KMS stay readable: a session policy that left it out would deny it even
 *   where the role allows it. S3 decrypts only objects the statements above let the session read,
 *   and the encryption context S3 passes (`kms:EncryptionContext:aws:s3:arn`: the object's ARN, or
 *   the bucket's with an S3 Bucket Key) must be of this bucket and folder. That condition is left
 *   out only where it would push the policy past STS's 2,048 characters (a folder path of a few
 *   hundred characters), so every target that fitted before it existed still fits.
 * - with `bucketAccount`, `s3:ResourceAccount` equal to it on every S3 statement.
 *
 * Characters outside printable ASCII are written as `\uXXXX` escapes: STS accepts only
 * `\u0009`, `\u000A`, `\u000D` and `\u0020`-`\u00FF` in the parameter, and JSON escapes are the
 * same string to IAM.
 */
export function sessionPolicy(scope: SessionPolicyScope): string {
  // Narrowest first. What a long folder path gives up to fit STS's limit, in order: the encryption
  // context (it repeats the folder), then the bare prefix. The last candidate is the policy such a
  // target had before either existed, so every configuration that synthesized then still does.
  const candidates: PolicyOptions[] = [
    { encryptionContext: true, barePrefix: true },
    { encryptionContext: false, barePrefix: true },
    { encryptionContext: false, barePrefix: false },
  ];
  for (const options of candidates) {
    const text = sessionPolicyText(scope, options);
    if (text.length <= SESSION_POLICY_MAX_CHARS) return text;
  }
  return sessionPolicyText(scope, candidates[candidates.length - 1]!);
}

interface PolicyOptions {
  /** `kms:EncryptionContext:aws:s3:arn` on the bucket and its folder. */
  readonly encryptionContext: boolean;
  /** The bare `<folder>` among the listing prefixes ({@link listPrefixes}). */
  readonly barePrefix: boolean;
}

function sessionPolicyText(
  { partition, bucketName, folderPath, bucketAccount }: SessionPolicyScope,
  { encryptionContext, barePrefix }: PolicyOptions,
): string {
  const bucketArn = `arn:${partition}:s3:::${bucketName}`;
  const objectsArn = `${bucketArn}/${folderPath ? `${folderPath}/` : ''}*`;
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html
  const owner = bucketAccount ? { StringEquals: { 's3:ResourceAccount': bucketAccount } } : undefined;
  const statements: Record<string, unknown>[] = [
    {
      Sid: 'ReadObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: objectsArn,
      ...(owner ? { Condition: owner } : {}),
    },
    {
      Sid: 'ListFolder',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: bucketArn,
      ...(folderPath || owner
        ? {
            Condition: {
              ...(folderPath
                ? {
                    StringLike: {
                      's3:prefix': barePrefix ? listPrefixes(folderPath) : listPrefixes(folderPath).slice(1),
                    },
                  }
                : {}),
              ...owner,
            },
          }
        : {}),
    },
    {
      Sid: 'LocateBucket',
      Effect: 'Allow',
      Action: 's3:GetBucketLocation',
      Resource: bucketArn,
      ...(owner ? { Condition: owner } : {}),
    },
    {
      Sid: 'DecryptViaS3',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: `arn:${partition}:kms:*:*:key/*`,
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context
      Condition: {
        StringLike: {
          'kms:ViaService': 's3.*',
          ...(encryptionContext ? { 'kms:EncryptionContext:aws:s3:arn': [bucketArn, objectsArn] } : {}),
        },
      },
    },
  ];
  return JSON.stringify({ Version: '2012-10-17', Statement: statements }).replace(
    /[^\u0020-\u007e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * The `s3:prefix` values a folder's listing may use: `<folder>/` and `<folder>/*` (the folder and
 * what is under it), and `<folder>` itself, because Adobe strips a trailing slash from a folder name
 * and does not document which prefix its S3 connector lists with (FLOW-SERVICE.md, "Explore").
 * Listing with the bare `<folder>` shows the *names* of keys beside the folder that share its
 * prefix (`crm/daily-archive/`), never their contents: `s3:GetObject` stays under `<folder>/`.
 * The role the stack creates for a `createRole` target uses the same values. A session policy whose
 * folder is too long for STS's 2,048 characters with the bare prefix goes without it.
 */
export function listPrefixes(folderPath: string): string[] {
  return [folderPath, `${folderPath}/`, `${folderPath}/*`];
}

/** The partition of an ARN (`arn:aws-cn:iam::...` → `aws-cn`), or undefined when it is not an ARN. */
export function partitionOf(arn: string): string | undefined {
  return /^arn:(aws(?:-[a-z]+)*):/.exec(arn)?.[1];
}

/**
 * Why a target's session policy would be longer than STS accepts, or undefined. The folder path
 * appears three times in it (four with the bare prefix, which a folder that long goes without), so
 * a long one is what breaks the limit.
 * @param partition the role's partition when known; otherwise the longest one is assumed.
 */
export function sessionPolicySizeProblem(
  scope: Omit<SessionPolicyScope, 'partition'> & { readonly partition?: string },
): string | undefined {
  const length = sessionPolicy({ ...scope, partition: scope.partition ?? LONGEST_PARTITION }).length;
  if (length <= SESSION_POLICY_MAX_CHARS) return undefined;
  return (
    `makes the session policy ${length} characters long, above the ${SESSION_POLICY_MAX_CHARS} STS accepts ` +
    '(the folder path appears in it three times); use a shorter folder path, or a parent folder'
  );
}

/**
 * Why `name` is not an S3 general purpose bucket name, or undefined: 3 to 63 characters of
 * lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit, no
 * `..`, not shaped like an IP address, and none of the prefixes and suffixes S3 reserves.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 * (Adobe's own rule, stricter, is `bucketNameProblem` in core/rotation-rules.ts.)
 */
export function s3BucketNameProblem(name: string): string | undefined {
  const rules =
    'S3 requires 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit';
  if (name.length < 3 || name.length > 63) return `"${name}" has ${name.length} characters; ${rules}`;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return `"${name}" is not a valid bucket name; ${rules}`;
  if (name.includes('..')) return `"${name}" has two adjacent dots, which S3 does not allow in a bucket name`;
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(name))
    return `"${name}" is shaped like an IP address, which S3 does not allow as a bucket name`;
  const prefix = ['xn--', 'sthree-', 'amzn-s3-demo-'].find((reserved) => name.startsWith(reserved));
  if (prefix) return `"${name}" starts with "${prefix}", a prefix S3 reserves`;
  const suffix = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'].find((reserved) => name.endsWith(reserved));
  if (suffix) return `"${name}" ends with "${suffix}", a suffix S3 reserves for access points and other bucket types`;
  return undefined;
}

/**
 * Why `path` is not a usable folder path (a key prefix inside the bucket), or undefined.
 * Leading and trailing slashes are tolerated here and removed by {@link normalizeFolderPath}.
 */
export function folderPathProblem(path: string): string | undefined {
  const trimmed = normalizeFolderPath(path);
  if (!trimmed) return `"${path}" names no folder; omit folderPath to give access to the whole bucket`;
  if (trimmed.length > 1000) return `has ${trimmed.length} characters; an S3 key prefix must be shorter than 1024`;
  // `*` and `?` would act as wildcards in the IAM policy; Adobe forbids them in names anyway.
  if (/[*?"\\:|<>]/.test(trimmed) || trimmed.includes('//')) {
    return `"${path}" contains a character Adobe does not allow in folder names (* ? " \\ : | < >) or an empty segment`;
  }
  return undefined;
}

/** `/exports/daily/` → `exports/daily`: the prefix form IAM resources and `s3:prefix` use. */
export function normalizeFolderPath(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}
