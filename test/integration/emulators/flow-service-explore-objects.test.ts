/**
 * What Flow Service's explore reads in S3, with the credentials a connection holds: paths in the
 * connection's convention (absolute or relative to its folder), the `s3:prefix` it lists a folder
 * with, and a file preview, which needs `s3:GetObject` and, for SSE-KMS, `kms:Decrypt` through S3.
 */
import got from 'got';
import { describe, expect, it } from 'vitest';
import { sessionPolicy } from '../../../core/session-policy.js';
import type { FlowServiceEmulator, StsEmulator } from '../../../emulators/types.js';
import {
  EXPLORE_BUCKET as BUCKET,
  EXPLORE_ORG as ORG,
  EXPLORE_ROLE as ROLE,
  type ExploreStart,
  exploreTestWorld,
} from '../../support/explore-world.js';
import { codeOf, detailOf } from '../../support/emulator-clients.js';

let sts: StsEmulator;
let flow: FlowServiceEmulator;
let headers: ExploreStart['headers'];
const { policies, rolePolicies, seedWith, explore } = exploreTestWorld((start) => {
  ({ sts, flow, headers } = start);
});

const KMS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe("explore paths, by the connection's convention", () => {
  const declared = { bucketName: BUCKET, folderPath: 'crm/daily' };

  it('absolute (the default): the bucket first; "/" names no bucket and is an invalid request', async () => {
    seedWith(sts.issueRoleSession(ROLE, 'aep'), declared);

    const absolute = await explore({ objectType: 'folder', object: `/${BUCKET}/crm/daily/` });
    const relative = await explore({ objectType: 'folder', object: '/' });

    expect(absolute.statusCode).toBe(200);
    expect(relative.statusCode).toBe(400);
    expect(codeOf(relative.body)).toBe('1100-400');
    expect(detailOf(relative.body)).toContain('is not a path this connection can explore');
  });

  it("relative: paths and entries start at the connection's folder; absolute paths do not exist there", async () => {
    seedWith(sts.issueRoleSession(ROLE, 'aep'), declared, { explorePaths: 'relative' });

    const start = await explore({ objectType: 'folder', object: '/' });
    const root = await explore({ objectType: 'root' });
    const nested = await explore({ objectType: 'folder', object: '/2026/' });
    const absolute = await explore({ objectType: 'folder', object: `/${BUCKET}/crm/daily/` });

    expect(start.body).toEqual([
      { type: 'folder', name: '2026', path: '/2026/', canPreview: false, canFetchSchema: false },
      { type: 'file', name: 'orders.csv', path: '/orders.csv', canPreview: true, canFetchSchema: true },
    ]);
    expect(root.body).toEqual(start.body);
    expect(nested.statusCode).toBe(200);
    expect(absolute.statusCode).toBe(400);
    expect(detailOf(absolute.body)).toContain("relative to the connection's own folder");
  });
});

describe('the prefix the connector lists a folder with', () => {
  it.each([
    ['with-slash', 'crm/daily/'],
    ['without-slash', 'crm/daily'],
  ] as const)('%s: lists only when the session policy allows s3:prefix %s', async (listPrefix, prefix) => {
    const onlyThatPrefix = (allowed: string[]) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:ListBucket',
            Resource: `arn:aws:s3:::${BUCKET}`,
            Condition: { StringLike: { 's3:prefix': allowed } },
          },
        ],
      });
    const narrowed = sts.issueRoleSession(ROLE, 'aep');
    seedWith(narrowed, {}, { listPrefix });

    // Every prefix but the one the connector lists with.
    policies.set(
      narrowed.accessKeyId,
      onlyThatPrefix(prefix === 'crm/daily' ? ['crm/daily/', 'crm/daily/*'] : ['crm/daily']),
    );
    const refused = await explore({ objectType: 'folder', object: `/${BUCKET}/crm/daily/` });
    policies.set(
      narrowed.accessKeyId,
      sessionPolicy({ partition: 'aws', bucketName: BUCKET, folderPath: 'crm/daily' }),
    );
    const listed = await explore({ objectType: 'folder', object: `/${BUCKET}/crm/daily/` });

    expect(detailOf(refused.body)).toContain('AccessDenied');
    expect(listed.statusCode).toBe(200);
  });
});

describe('a file preview reads the object', () => {
  const preview = (object: string, fileType = 'delimited') =>
    explore({ objectType: 'file', object, fileType, preview: 'true' });
  const roleCanOnlyList = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}` }],
  });

  it("answers the file's columns when the credentials may GetObject it", async () => {
    const narrowed = sts.issueRoleSession(ROLE, 'aep');
    policies.set(
      narrowed.accessKeyId,
      sessionPolicy({ partition: 'aws', bucketName: BUCKET, folderPath: 'crm/daily' }),
    );
    seedWith(narrowed);

    const response = await preview(`/${BUCKET}/crm/daily/orders.csv`);

    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual([
      { name: 'Id', type: 'String' },
      { name: 'FirstName', type: 'String' },
      { name: 'LastName', type: 'String' },
    ]);
  });

  it('refuses a preview the role may list but not read, though the listing works', async () => {
    const session = sts.issueRoleSession(ROLE, 'aep');
    rolePolicies.set(session.accessKeyId, roleCanOnlyList);
    seedWith(session);

    const listing = await explore({ objectType: 'folder', object: `/${BUCKET}/crm/daily/` });
    const read = await preview(`/${BUCKET}/crm/daily/orders.csv`);

    expect(listing.statusCode).toBe(200);
    expect(read.statusCode).toBe(400);
    expect(detailOf(read.body)).toContain(
      'Amazon S3 answered AccessDenied: Access Denied (s3:GetObject on the object)',
    );
  });

  it('needs kms:Decrypt via S3 for SSE-KMS: refused to a role without it, read under the session policy', async () => {
    flow.putObjects(BUCKET, ['crm/daily/encrypted.csv'], { kmsKeyArn: KMS_KEY });
    const withoutKms = sts.issueRoleSession(ROLE, 'aep');
    rolePolicies.set(
      withoutKms.accessKeyId,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetObject'], Resource: '*' }],
      }),
    );
    seedWith(withoutKms);
    const refused = await preview(`/${BUCKET}/crm/daily/encrypted.csv`);
    const plain = await preview(`/${BUCKET}/crm/daily/orders.csv`);

    const narrowed = sts.issueRoleSession(ROLE, 'aep2');
    policies.set(
      narrowed.accessKeyId,
      sessionPolicy({ partition: 'aws', bucketName: BUCKET, folderPath: 'crm/daily' }),
    );
    flow.seedConnection({
      id: '5db0c374-d3bb-4557-b139-5712880adc55',
      orgId: ORG,
      sandboxName: 'prod',
      params: {
        s3AccessKey: narrowed.accessKeyId,
        s3SecretKey: narrowed.secretAccessKey,
        s3SessionToken: narrowed.sessionToken!,
        bucketName: BUCKET,
      },
    });
    const read = await got.get(`${flow.url}/connections/5db0c374-d3bb-4557-b139-5712880adc55/explore`, {
      headers,
      searchParams: {
        objectType: 'file',
        object: `/${BUCKET}/crm/daily/encrypted.csv`,
        fileType: 'delimited',
        preview: 'true',
      },
      throwHttpErrors: false,
      responseType: 'json',
    });

    expect(detailOf(refused.body)).toContain("AccessDenied: Access Denied (kms:Decrypt on the object's SSE-KMS key)");
    expect(plain.statusCode).toBe(200);
    expect(read.statusCode).toBe(200);
  });

  it.each([
    ['a file that does not exist', () => preview(`/${BUCKET}/crm/daily/missing.csv`), 'NoSuchKey'],
    [
      'a fileType Adobe does not preview',
      () => preview(`/${BUCKET}/crm/daily/orders.csv`, 'xml'),
      'fileType must be delimited, json or parquet',
    ],
    ['a folder given as a file', () => preview(`/${BUCKET}/crm/daily/`), 'is not a path this connection can explore'],
  ])('refuses %s', async (_name, request, detail) => {
    seedWith(sts.issueRoleSession(ROLE, 'aep'));

    const response = await request();

    expect(response.statusCode).toBe(400);
    expect(detailOf(response.body)).toContain(detail);
  });
});
