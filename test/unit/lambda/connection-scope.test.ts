/**
 * What a connection reads against what its target narrows the credentials to.
 */
import { describe, expect, it } from 'vitest';
import { declaredScope, resolveScope, scopeContains, scopeMismatch } from '../../../lambda/connection-scope.js';

const ID = '4cb0c374-d3bb-4557-b139-5712880adc55';
const connection = (params: Record<string, unknown>) => ({ auth: { specName: 'Access Key', params } });
const target = (extra: Record<string, unknown> = {}) => ({
  connectionId: ID,
  method: 'assume-role-chained' as const,
  ...extra,
});

describe('declaredScope', () => {
  it.each([
    [
      'a bucket and folder',
      { bucketName: 'acme-landing', folderPath: '/crm/daily/' },
      { bucketName: 'acme-landing', folderPath: 'crm/daily' },
    ],
    ['a bucket only', { bucketName: 'acme-landing' }, { bucketName: 'acme-landing' }],
    ['a folder without a bucket: nothing', { folderPath: 'crm' }, undefined],
    ['no params', {}, undefined],
    ['a bucket S3 would not accept: nothing', { bucketName: 'Not_A_Bucket' }, undefined],
    [
      'a folder with a wildcard: the bucket only',
      { bucketName: 'acme-landing', folderPath: 'crm/*' },
      { bucketName: 'acme-landing' },
    ],
  ])('%s', (_name, params, expected) => {
    expect(declaredScope(connection(params))).toEqual(expected);
  });
});

describe('scopeContains', () => {
  it.each([
    [{ bucketName: 'b' }, { bucketName: 'b', folderPath: 'x/y' }, true],
    [{ bucketName: 'b', folderPath: 'x' }, { bucketName: 'b', folderPath: 'x/y' }, true],
    [{ bucketName: 'b', folderPath: 'x' }, { bucketName: 'b', folderPath: 'x' }, true],
    [{ bucketName: 'b', folderPath: 'x' }, { bucketName: 'b', folderPath: 'x-archive' }, false],
    [{ bucketName: 'b', folderPath: 'x' }, { bucketName: 'b' }, false],
    [{ bucketName: 'b' }, { bucketName: 'c' }, false],
  ])('%o contains %o: %s', (outer, inner, expected) => {
    expect(scopeContains(outer, inner)).toBe(expected);
  });
});

describe('resolveScope', () => {
  const declared = connection({ bucketName: 'acme-landing', folderPath: 'crm/daily' });

  it("narrows a target that names no bucket to the connection's own bucket and folder", () => {
    expect(resolveScope(target(), declared)).toEqual({
      scope: {
        narrowedTo: { bucketName: 'acme-landing', folderPath: 'crm/daily' },
        narrowedFrom: 'connection',
        reads: { bucketName: 'acme-landing', folderPath: 'crm/daily' },
        declared: { bucketName: 'acme-landing', folderPath: 'crm/daily' },
      },
    });
  });

  it('cannot narrow GetSessionToken credentials, and still asks Adobe for what the connection reads', () => {
    expect(resolveScope(target({ method: 'get-session-token' }), declared)).toEqual({
      scope: {
        reads: { bucketName: 'acme-landing', folderPath: 'crm/daily' },
        declared: { bucketName: 'acme-landing', folderPath: 'crm/daily' },
      },
    });
  });

  it("keeps a target's own narrowing when it contains what the connection reads, and lists what that is", () => {
    expect(resolveScope(target({ bucketName: 'acme-landing', folderPath: 'crm' }), declared)).toEqual({
      scope: {
        narrowedTo: { bucketName: 'acme-landing', folderPath: 'crm' },
        narrowedFrom: 'target',
        reads: { bucketName: 'acme-landing', folderPath: 'crm/daily' },
        declared: { bucketName: 'acme-landing', folderPath: 'crm/daily' },
      },
    });
  });

  it("narrows a folder too long for STS's policy to the bucket alone", () => {
    const long = connection({ bucketName: 'acme-landing', folderPath: 'f'.repeat(600) });

    expect(resolveScope(target(), long)).toMatchObject({
      scope: { narrowedTo: { bucketName: 'acme-landing' }, reads: { folderPath: 'f'.repeat(600) } },
    });
  });

  it('narrows nothing for a connection that declares nothing and a target that names nothing', () => {
    expect(resolveScope(target(), connection({}))).toEqual({ scope: {} });
  });

  it.each([
    ['another bucket', { bucketName: 'other-bucket' }, 's3://other-bucket/'],
    ['a sibling folder', { bucketName: 'acme-landing', folderPath: 'crm/weekly' }, 's3://acme-landing/crm/weekly/'],
    [
      'a folder under the one the connection reads',
      { bucketName: 'acme-landing', folderPath: 'crm/daily/2026' },
      's3://acme-landing/crm/daily/2026/',
    ],
  ])('refuses a target narrowed to %s, naming both', (_name, narrowing, described) => {
    const problem = scopeMismatch(target(narrowing), declared);

    expect(problem).toBe(
      `connection ${ID} reads s3://acme-landing/crm/daily/ (its bucketName and folderPath), but the target narrows ` +
        `its credentials to ${described}, which does not contain it; nothing was minted or patched: ` +
        "change the target's bucketName/folderPath to contain it, or remove them (the connection's own are then used)",
    );
  });

  it('refuses a folder narrowing for a connection that reads its whole bucket', () => {
    expect(
      scopeMismatch(
        target({ bucketName: 'acme-landing', folderPath: 'crm' }),
        connection({ bucketName: 'acme-landing' }),
      ),
    ).toContain('reads s3://acme-landing/ (its bucketName)');
  });
});
