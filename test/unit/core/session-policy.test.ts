/** The session policy that narrows minted credentials, and the names that go into it. */
import { describe, expect, it } from 'vitest';
import {
  folderPathProblem,
  normalizeFolderPath,
  partitionOf,
  s3BucketNameProblem,
  SESSION_POLICY_MAX_CHARS,
  sessionPolicy,
  sessionPolicySizeProblem,
} from '../../../core/session-policy.js';

/**
 * kms:Decrypt through S3, for objects of the bucket (and folder) only: the bucket's ARN with an S3 Bucket Key, else the
 * object's.
 */
const decrypt = (partition: string, bucketArn: string, objectsArn: string) => ({
  Sid: 'DecryptViaS3',
  Effect: 'Allow',
  Action: 'kms:Decrypt',
  Resource: `arn:${partition}:kms:*:*:key/*`,
  Condition: { StringLike: { 'kms:ViaService': 's3.*', 'kms:EncryptionContext:aws:s3:arn': [bucketArn, objectsArn] } },
});

describe('sessionPolicy', () => {
  it.each([
    [
      'a folder: objects and listing under <folder>/ only',
      { partition: 'aws', bucketName: 'acme-aep-landing', folderPath: 'crm/daily' },
      [
        {
          Sid: 'ReadObjects',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:GetObjectVersion'],
          Resource: 'arn:aws:s3:::acme-aep-landing/crm/daily/*',
        },
        {
          Sid: 'ListFolder',
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: 'arn:aws:s3:::acme-aep-landing',
          Condition: { StringLike: { 's3:prefix': ['crm/daily', 'crm/daily/', 'crm/daily/*'] } },
        },
        {
          Sid: 'LocateBucket',
          Effect: 'Allow',
          Action: 's3:GetBucketLocation',
          Resource: 'arn:aws:s3:::acme-aep-landing',
        },
        decrypt('aws', 'arn:aws:s3:::acme-aep-landing', 'arn:aws:s3:::acme-aep-landing/crm/daily/*'),
      ],
    ],
    [
      'no folder: the whole bucket, listing without a condition',
      { partition: 'aws', bucketName: 'acme-aep-landing' },
      [
        {
          Sid: 'ReadObjects',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:GetObjectVersion'],
          Resource: 'arn:aws:s3:::acme-aep-landing/*',
        },
        { Sid: 'ListFolder', Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::acme-aep-landing' },
        {
          Sid: 'LocateBucket',
          Effect: 'Allow',
          Action: 's3:GetBucketLocation',
          Resource: 'arn:aws:s3:::acme-aep-landing',
        },
        decrypt('aws', 'arn:aws:s3:::acme-aep-landing', 'arn:aws:s3:::acme-aep-landing/*'),
      ],
    ],
    [
      'the China partition: every ARN in it',
      { partition: 'aws-cn', bucketName: 'acme.cn.landing', folderPath: 'in' },
      [
        {
          Sid: 'ReadObjects',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:GetObjectVersion'],
          Resource: 'arn:aws-cn:s3:::acme.cn.landing/in/*',
        },
        {
          Sid: 'ListFolder',
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: 'arn:aws-cn:s3:::acme.cn.landing',
          Condition: { StringLike: { 's3:prefix': ['in', 'in/', 'in/*'] } },
        },
        {
          Sid: 'LocateBucket',
          Effect: 'Allow',
          Action: 's3:GetBucketLocation',
          Resource: 'arn:aws-cn:s3:::acme.cn.landing',
        },
        decrypt('aws-cn', 'arn:aws-cn:s3:::acme.cn.landing', 'arn:aws-cn:s3:::acme.cn.landing/in/*'),
      ],
    ],
  ])('%s', (_case, scope, statements) => {
    const policy = sessionPolicy(scope);

    expect(JSON.parse(policy)).toEqual({ Version: '2012-10-17', Statement: statements });
    // Compact: no whitespace to count against STS's limit.
    expect(policy).toBe(JSON.stringify(JSON.parse(policy)));
  });

  it("requires the bucket's owner on every S3 statement, not on kms:Decrypt (the key may be another's)", () => {
    const policy = JSON.parse(
      sessionPolicy({
        partition: 'aws',
        bucketName: 'acme-aep-landing',
        folderPath: 'crm',
        bucketAccount: '210987654321',
      }),
    );
    const owner = { 's3:ResourceAccount': '210987654321' };

    expect(policy.Statement).toEqual([
      expect.objectContaining({ Sid: 'ReadObjects', Condition: { StringEquals: owner } }),
      expect.objectContaining({
        Sid: 'ListFolder',
        Condition: { StringLike: { 's3:prefix': ['crm', 'crm/', 'crm/*'] }, StringEquals: owner },
      }),
      expect.objectContaining({ Sid: 'LocateBucket', Condition: { StringEquals: owner } }),
      decrypt('aws', 'arn:aws:s3:::acme-aep-landing', 'arn:aws:s3:::acme-aep-landing/crm/*'),
    ]);
    // Without a folder, listing has only the owner's condition.
    expect(
      JSON.parse(sessionPolicy({ partition: 'aws', bucketName: 'acme', bucketAccount: '210987654321' })).Statement[1]
        .Condition,
    ).toEqual({
      StringEquals: owner,
    });
  });

  it('drops the encryption context only where the policy would pass 2048 characters: old folders still fit', () => {
    const scope = { partition: 'aws', bucketName: 'b'.repeat(63) };
    let length = 1;
    while (sessionPolicy({ ...scope, folderPath: 'f'.repeat(length + 1) }).includes('kms:EncryptionContext'))
      length += 1;

    const withContext = sessionPolicy({ ...scope, folderPath: 'f'.repeat(length) });
    const without = sessionPolicy({ ...scope, folderPath: 'f'.repeat(length + 1) });
    expect(withContext.length).toBeLessThanOrEqual(SESSION_POLICY_MAX_CHARS);
    expect(without.length).toBeLessThanOrEqual(SESSION_POLICY_MAX_CHARS);
    expect(JSON.parse(without).Statement[3].Condition).toEqual({ StringLike: { 'kms:ViaService': 's3.*' } });
    // Over two hundred characters of folder path (with a 63-character bucket name): no real target comes near.
    expect(length).toBeGreaterThan(200);
    // What goes next is the bare prefix, and only where the policy would not fit with it.
    expect(JSON.parse(without).Statement[1].Condition.StringLike['s3:prefix']).toEqual([
      'f'.repeat(length + 1),
      `${'f'.repeat(length + 1)}/`,
      `${'f'.repeat(length + 1)}/*`,
    ]);
  });

  it('writes non-printable-ASCII as JSON escapes, which STS accepts and IAM reads as the same text', () => {
    const policy = sessionPolicy({ partition: 'aws', bucketName: 'acme', folderPath: 'données/日次' });

    expect(policy).toMatch(/^[\u0020-\u007e]+$/);
    expect(policy).toContain('donn\\u00e9es/\\u65e5\\u6b21/*');
    expect(JSON.parse(policy).Statement[0].Resource).toBe('arn:aws:s3:::acme/données/日次/*');
  });
});

describe('sessionPolicySizeProblem', () => {
  /** The longest folder whose policy fits, found by trying (the limit is what STS counts). */
  const longestFitting = (partition?: string) => {
    let length = 1;
    while (!sessionPolicySizeProblem({ partition, bucketName: 'b'.repeat(63), folderPath: 'f'.repeat(length + 1) }))
      length += 1;
    return length;
  };

  it('accepts the longest folder that fits 2048 characters, refuses one more, naming both lengths', () => {
    const fits = longestFitting('aws');
    const scope = { partition: 'aws', bucketName: 'b'.repeat(63) };

    expect(sessionPolicy({ ...scope, folderPath: 'f'.repeat(fits) }).length).toBeLessThanOrEqual(
      SESSION_POLICY_MAX_CHARS,
    );
    expect(sessionPolicySizeProblem({ ...scope, folderPath: 'f'.repeat(fits + 1) })).toMatch(
      /^makes the session policy 20(49|50|51) characters long, above the 2048 STS accepts/,
    );
  });

  it('allows the bare folder prefix while it fits, else goes without it: every folder that fitted still does', () => {
    const scope = { partition: 'aws', bucketName: 'b'.repeat(63) };
    const prefixesOf = (folderPath: string) =>
      (
        JSON.parse(sessionPolicy({ ...scope, folderPath })).Statement as Array<{
          Sid: string;
          Condition?: { StringLike: { 's3:prefix': string[] } };
        }>
      ).find((statement) => statement.Sid === 'ListFolder')!.Condition!.StringLike['s3:prefix'];
    const short = 'f'.repeat(100);
    const long = 'f'.repeat(longestFitting('aws'));

    expect(prefixesOf(short)).toEqual([short, `${short}/`, `${short}/*`]);
    expect(prefixesOf(long)).toEqual([`${long}/`, `${long}/*`]);
    expect(longestFitting('aws')).toBeGreaterThan(400);
  });

  it('assumes the longest partition when the role is not known yet', () => {
    expect(longestFitting(undefined)).toBe(longestFitting('aws-us-gov'));
    expect(longestFitting(undefined)).toBeLessThan(longestFitting('aws'));
  });

  it('counts the bucket owner condition, which a target that sets bucketAccount adds', () => {
    const fits = longestFitting('aws');
    const scope = { partition: 'aws', bucketName: 'b'.repeat(63), folderPath: 'f'.repeat(fits) };

    expect(sessionPolicySizeProblem(scope)).toBeUndefined();
    expect(sessionPolicySizeProblem({ ...scope, bucketAccount: '210987654321' })).toMatch(
      /^makes the session policy \d+ characters long/,
    );
  });

  it('never refuses a bucket without a folder', () => {
    expect(sessionPolicySizeProblem({ bucketName: 'b'.repeat(63) })).toBeUndefined();
  });
});

describe('partitionOf', () => {
  it.each([
    ['arn:aws:iam::123456789012:role/r', 'aws'],
    ['arn:aws-cn:iam::123456789012:user/u', 'aws-cn'],
    ['arn:aws-us-gov:iam::123456789012:role/r', 'aws-us-gov'],
    ['arn:aws-iso-b:iam::123456789012:role/r', 'aws-iso-b'],
    ['role/r', undefined],
  ])('%s → %s', (arn, partition) => {
    expect(partitionOf(arn)).toBe(partition);
  });
});

describe('s3BucketNameProblem', () => {
  it.each(['abc', 'acme-aep-landing', 'acme.aep.landing', '1acme', 'a'.repeat(63), 'my-s3alias-bucket'])(
    'accepts %s',
    (name) => {
      expect(s3BucketNameProblem(name)).toBeUndefined();
    },
  );

  it.each([
    ['ab', '"ab" has 2 characters'],
    ['a'.repeat(64), 'has 64 characters'],
    ['Acme-Landing', '"Acme-Landing" is not a valid bucket name; S3 requires'],
    ['acme_landing', 'is not a valid bucket name'],
    ['-acme', 'is not a valid bucket name'],
    ['acme.', 'is not a valid bucket name'],
    ['acme..landing', '"acme..landing" has two adjacent dots'],
    ['192.168.5.4', '"192.168.5.4" is shaped like an IP address'],
    ['xn--acme', 'starts with "xn--", a prefix S3 reserves'],
    ['sthree-acme', 'starts with "sthree-"'],
    ['amzn-s3-demo-bucket', 'starts with "amzn-s3-demo-"'],
    ['acme-s3alias', 'ends with "-s3alias", a suffix S3 reserves'],
    ['acme--ol-s3', 'ends with "--ol-s3"'],
    ['acme.mrap', 'ends with ".mrap"'],
    ['acme--usw2-az1--x-s3', 'ends with "--x-s3"'],
    ['acme--table-s3', 'ends with "--table-s3"'],
  ])('refuses %s', (name, expected) => {
    expect(s3BucketNameProblem(name)).toContain(expected);
  });
});

describe('folderPathProblem and normalizeFolderPath', () => {
  it.each([
    ['/crm/daily/', 'crm/daily'],
    ['crm', 'crm'],
    ['//a/b//', 'a/b'],
  ])('normalizes %s to %s', (path, normalized) => {
    expect(folderPathProblem(path)).toBeUndefined();
    expect(normalizeFolderPath(path)).toBe(normalized);
  });

  it.each([
    ['/', 'names no folder'],
    ['crm/*', 'contains a character Adobe does not allow'],
    ['crm//daily', 'or an empty segment'],
    ['x'.repeat(1001), 'has 1001 characters'],
  ])('refuses %s', (path, expected) => {
    expect(folderPathProblem(path)).toContain(expected);
  });
});
