/**
 * `GET /connections/{id}/explore`: Flow Service lists S3 with exactly the credentials the
 * connection holds, so it answers 200 only for one live credential set the STS emulator issued,
 * and only inside the policies that set carries (a listing needs `s3:ListBucket`); and
 * `sessionPolicyAllowsList`, the rule it applies.
 */
import got from 'got';
import { describe, expect, it } from 'vitest';
import { sessionPolicyAllowsList } from '../../../emulators/s3-listing.js';
import type { FlowServiceEmulator, StsEmulator } from '../../../emulators/types.js';
import {
  EXPLORE_BUCKET as BUCKET,
  EXPLORE_CONNECTION_ID as CONNECTION_ID,
  EXPLORE_ROLE as ROLE,
  type ExploreStart,
  exploreTestWorld,
} from '../../support/explore-world.js';
import { codeOf, detailOf } from '../../support/emulator-clients.js';

let sts: StsEmulator;
let flow: FlowServiceEmulator;
let headers: ExploreStart['headers'];
const { policies, seedWith, explore } = exploreTestWorld((start) => {
  ({ sts, flow, headers } = start);
});

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

  it('lets narrowed credentials list their folder only: not the root, not a sibling sharing its prefix', async () => {
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
