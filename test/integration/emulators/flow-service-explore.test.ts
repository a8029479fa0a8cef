/**
 * `GET /connections/{id}/explore`: Flow Service lists S3, or previews a file, with exactly the
 * credentials the connection holds, so it answers 200 only for one live credential set the STS
 * emulator issued, and only inside the policies that set carries (its session policy, its role's
 * permissions): a listing needs `s3:ListBucket`, a preview `s3:GetObject` and, for SSE-KMS,
 * `kms:Decrypt` through S3. Paths follow the connection's convention, absolute or relative.
 */
import got, { type Headers } from 'got';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFlowServiceEmulator, type CredentialAuthority } from '../../../emulators/flow-service.js';
import { startImsEmulator } from '../../../emulators/ims.js';
import { sessionPolicyAllowsList } from '../../../emulators/s3-listing.js';
import { startStsEmulator } from '../../../emulators/sts.js';
import type {
  AwsCredentials,
  FlowServiceEmulator,
  ImsEmulator,
  SeedConnection,
  StsEmulator,
} from '../../../emulators/types.js';
import { sessionPolicy } from '../../../core/session-policy.js';
import { flowServiceHeaders } from '../../support/emulator-clients.js';

const ORG = '0A1B2C3D4E5F60718293A4B5@AdobeOrg';
const CLIENT = { clientId: 'rotator-client-id', clientSecret: 'p8e-rotator-client-secret', orgId: ORG };
const CONNECTION_ID = '4cb0c374-d3bb-4557-b139-5712880adc55';
const BUCKET = 'acme-aep-landing';
const ROLE = 'arn:aws:iam::123456789012:role/aep-ingest';

/** The session policy the rotator passes for bucket acme-aep-landing, folder crm/daily. */
const NARROWED = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: `arn:aws:s3:::${BUCKET}/crm/daily/*`,
    },
    {
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: `arn:aws:s3:::${BUCKET}`,
      Condition: { StringLike: { 's3:prefix': ['crm/daily/', 'crm/daily/*'] } },
    },
    { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: `arn:aws:s3:::${BUCKET}` },
  ],
});

let ims: ImsEmulator;
let sts: StsEmulator;
let flow: FlowServiceEmulator;
let headers: Headers;
/** Session policies by access key: the STS emulator's record, as the explore route reads it. */
const policies = new Map<string, string>();
/** Role permissions by access key. */
const rolePolicies = new Map<string, string>();
const KMS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

beforeEach(async () => {
  ims = await startImsEmulator();
  ims.registerClient(CLIENT);
  sts = await startStsEmulator();
  const authority: CredentialAuthority = {
    credentialsFor: (key) => sts.credentialsFor(key),
    now: () => sts.now(),
    policyOf: (key) => policies.get(key),
    identityPolicyOf: (key) => rolePolicies.get(key),
  };
  flow = await startFlowServiceEmulator({ ims, sts: authority });
  flow.putObjects(BUCKET, [
    'crm/daily/orders.csv',
    'crm/daily/2026/11/returns.csv',
    'crm/daily-archive/old.csv',
    'web/events.json',
    'README.txt',
  ]);
  headers = await flowServiceHeaders(ims, CLIENT);
});

afterEach(async () => {
  policies.clear();
  rolePolicies.clear();
  await Promise.all([flow.close(), sts.close(), ims.close()]);
});

function seedWith(
  credentials: AwsCredentials,
  params: Record<string, string> = {},
  options: Pick<SeedConnection, 'explorePaths' | 'listPrefix'> = {},
) {
  flow.seedConnection({
    id: CONNECTION_ID,
    orgId: ORG,
    sandboxName: 'prod',
    ...options,
    params: {
      s3AccessKey: credentials.accessKeyId,
      s3SecretKey: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { s3SessionToken: credentials.sessionToken } : {}),
      bucketName: BUCKET,
      ...params,
    },
  });
}

function explore(query: Record<string, string>) {
  return got.get(`${flow.url}/connections/${CONNECTION_ID}/explore`, {
    headers,
    searchParams: query,
    throwHttpErrors: false,
    retry: { limit: 0 },
    responseType: 'json',
  });
}

const detailOf = (body: unknown) => (body as { report: { 'detailed-message': string } }).report['detailed-message'];
const codeOf = (body: unknown) => (body as { type: string }).type.split('/FLOW-')[1];

describe('Flow Service emulator GET /connections/{id}/explore', () => {
  it('lists the root of the bucket with a live credential set STS issued', async () => {
    seedWith(sts.issueRoleSession(ROLE, 'aep'));

    const response = await explore({ objectType: 'root' });

    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual([
      { type: 'folder', name: 'crm', path: `/${BUCKET}/crm/`, canPreview: false, canFetchSchema: false },
      { type: 'folder', name: 'web', path: `/${BUCKET}/web/`, canPreview: false, canFetchSchema: false },
      { type: 'file', name: 'README.txt', path: `/${BUCKET}/README.txt`, canPreview: true, canFetchSchema: true },
    ]);
  });

  it('lists a folder given as the docs show it (/bucket/folder/), with or without the trailing slash', async () => {
    seedWith(sts.issueRoleSession(ROLE, 'aep'));

    const withSlash = await explore({ objectType: 'folder', object: `/${BUCKET}/crm/daily/` });
    const withoutSlash = await explore({ objectType: 'FOLDER', object: `/${BUCKET}/crm/daily` });

    expect(withSlash.statusCode).toBe(200);
    expect(withSlash.body).toEqual([
      { type: 'folder', name: '2026', path: `/${BUCKET}/crm/daily/2026/`, canPreview: false, canFetchSchema: false },
      {
        type: 'file',
        name: 'orders.csv',
        path: `/${BUCKET}/crm/daily/orders.csv`,
        canPreview: true,
        canFetchSchema: true,
      },
    ]);
    expect(withoutSlash.body).toEqual(withSlash.body);
  });

  it.each([
    [
      'keys STS never issued',
      () => ({ accessKeyId: 'ASIAUNKNOWNUNKNOWN01', secretAccessKey: 'x'.repeat(40), sessionToken: 'token' }),
      'InvalidAccessKeyId',
    ],
    [
      'the right key with another secret',
      () => ({ ...sts.issueRoleSession(ROLE, 'aep'), secretAccessKey: 'not-the-secret-key-0000000000000000000000' }),
      'SignatureDoesNotMatch',
    ],
    [
      'a key pair with another session token',
      () => ({ ...sts.issueRoleSession(ROLE, 'aep'), sessionToken: sts.issueRoleSession(ROLE, 'other').sessionToken }),
      'InvalidToken',
    ],
    ['an expired set', () => sts.issueRoleSession(ROLE, 'aep', 1), 'ExpiredToken'],
  ])("refuses %s with a FLOW-1100-400 problem carrying S3's error", async (_name, credentials, s3Code) => {
    const set = credentials();
    seedWith(set);
    if (s3Code === 'ExpiredToken') sts.setClock(() => Date.now() + 5_000);

    const response = await explore({ objectType: 'root' });

    expect(response.statusCode).toBe(400);
    expect(codeOf(response.body)).toBe('1100-400');
    expect(detailOf(response.body)).toContain(`Flow provider error: Amazon S3 answered ${s3Code}`);
  });

  it('refuses credentials STS revoked', async () => {
    seedWith(sts.issueRoleSession(ROLE, 'aep'));
    sts.revokeIssuedCredentials();

    const response = await explore({ objectType: 'root' });

    expect(detailOf(response.body)).toContain('InvalidAccessKeyId');
  });

  it('lets narrowed credentials list their folder, and nothing outside it: not the root, not a sibling that shares the prefix', async () => {
    const narrowed = sts.issueRoleSession(ROLE, 'aep');
    policies.set(narrowed.accessKeyId, NARROWED);
    seedWith(narrowed);

    const folder = await explore({ objectType: 'folder', object: `/${BUCKET}/crm/daily/` });
    const nested = await explore({ objectType: 'folder', object: `/${BUCKET}/crm/daily/2026/` });
    const root = await explore({ objectType: 'root' });
    const sibling = await explore({ objectType: 'folder', object: `/${BUCKET}/crm/daily-archive/` });
    const otherBucket = await explore({ objectType: 'folder', object: '/another-bucket/crm/daily/' });

    expect([folder.statusCode, nested.statusCode]).toEqual([200, 200]);
    for (const refused of [root, sibling, otherBucket]) {
      expect(refused.statusCode).toBe(400);
      expect(detailOf(refused.body)).toContain('Amazon S3 answered AccessDenied: Access Denied');
    }
  });

  it.each([
    ['no objectType', {}],
    ['an objectType S3 folders do not have', { objectType: 'TABLE' }],
    ['a folder without object', { objectType: 'folder' }],
    ['a folder path without a leading slash', { objectType: 'folder', object: `${BUCKET}/crm/` }],
  ])('rejects %s as an invalid request', async (_name, query) => {
    seedWith(sts.issueRoleSession(ROLE, 'aep'));

    const response = await explore(query);

    expect(response.statusCode).toBe(400);
    expect(codeOf(response.body)).toBe('1100-400');
    expect(detailOf(response.body)).toMatch(/^Invalid request: /);
  });

  it('needs the same Platform headers as every call, and GET only', async () => {
    seedWith(sts.issueRoleSession(ROLE, 'aep'));

    const noKey = await got.get(`${flow.url}/connections/${CONNECTION_ID}/explore?objectType=root`, {
      headers: { ...headers, 'x-api-key': undefined },
      throwHttpErrors: false,
      responseType: 'json',
    });
    const post = await got.post(`${flow.url}/connections/${CONNECTION_ID}/explore?objectType=root`, {
      headers,
      throwHttpErrors: false,
      responseType: 'json',
      retry: { limit: 0 },
    });
    const otherSandbox = await got.get(`${flow.url}/connections/${CONNECTION_ID}/explore?objectType=root`, {
      headers: { ...headers, 'x-sandbox-name': 'dev' },
      throwHttpErrors: false,
      responseType: 'json',
    });

    expect(noKey.statusCode).toBe(403);
    expect(post.statusCode).toBe(405);
    expect(post.headers.allow).toBe('GET');
    expect(otherSandbox.statusCode).toBe(404);
  });
});

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

  it('relative: paths start at the folder the connection declares, entries are relative, and an absolute path does not exist there', async () => {
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

  it("needs kms:Decrypt through S3 for an SSE-KMS object: refused under a role without it, read under the rotator's session policy", async () => {
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

describe('sessionPolicyAllowsList', () => {
  it.each([
    ['no session policy', undefined, 'anything/', true],
    ['the folder itself', NARROWED, 'crm/daily/', true],
    ['under the folder', NARROWED, 'crm/daily/2026/', true],
    ['the root', NARROWED, '', false],
    ['a sibling sharing the prefix', NARROWED, 'crm/daily-archive/', false],
    [
      'a whole-bucket policy, any prefix',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}` }],
      }),
      'x/',
      true,
    ],
    [
      'an explicit Deny',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 's3:*', Resource: '*' },
          { Effect: 'Deny', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}` },
        ],
      }),
      'crm/',
      false,
    ],
    ['not JSON', '{', 'crm/', false],
  ])('%s', (_name, policy, prefix, allowed) => {
    expect(sessionPolicyAllowsList(policy, BUCKET, prefix)).toBe(allowed);
  });
});
