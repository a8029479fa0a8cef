/**
 * The one place explore requests are built: both path conventions, the preview of a listed file,
 * and which refusals are worth trying the other form for.
 */
import { describe, expect, it } from 'vitest';
import { FlowServiceError } from '../../../lambda/errors.js';
import {
  describeExploreQuery,
  exploreForms,
  firstPreviewable,
  isPathRefusal,
  listingQuery,
  previewQuery,
} from '../../../lambda/explore-paths.js';

const DECLARED = { bucketName: 'acme-aep-landing', folderPath: 'crm/daily' };

describe('listingQuery', () => {
  it.each([
    ['nothing named: the root', undefined, 'absolute', { objectType: 'root' }, "the bucket's root"],
    [
      'a bucket: its top, as a folder',
      { bucketName: 'acme-aep-landing' },
      'absolute',
      { objectType: 'folder', object: '/acme-aep-landing/' },
      's3://acme-aep-landing/',
    ],
    [
      'a bucket and folder',
      DECLARED,
      'absolute',
      { objectType: 'folder', object: '/acme-aep-landing/crm/daily/' },
      's3://acme-aep-landing/crm/daily/',
    ],
    [
      'a folder written with slashes',
      { bucketName: 'b-1', folderPath: '/crm/daily/' },
      'absolute',
      { objectType: 'folder', object: '/b-1/crm/daily/' },
      's3://b-1/crm/daily/',
    ],
    [
      "relative: the connection's own folder is /",
      DECLARED,
      'relative',
      { objectType: 'folder', object: '/' },
      's3://acme-aep-landing/crm/daily/',
    ],
  ] as const)('%s', (_name, reads, form, query, described) => {
    expect(listingQuery(reads, form)).toEqual(query);
    expect(describeExploreQuery(listingQuery(reads, form), form === 'relative' ? DECLARED : undefined)).toBe(described);
  });
});

describe('exploreForms', () => {
  it.each([
    ['a connection that declares no bucket: absolute only', undefined, undefined, ['absolute']],
    ['a declared folder, nothing remembered: absolute, then relative', DECLARED, undefined, ['absolute', 'relative']],
    ['a declared folder, relative remembered: relative first', DECLARED, 'relative', ['relative', 'absolute']],
    ['a declared folder, absolute remembered', DECLARED, 'absolute', ['absolute', 'relative']],
  ] as const)('%s', (_name, declared, remembered, forms) => {
    expect(exploreForms(declared, remembered)).toEqual(forms);
  });
});

describe('previewQuery', () => {
  const file = (name: string, extra: Record<string, unknown> = {}) => ({
    type: 'file',
    name,
    path: `/b/in/${name}`,
    canPreview: true,
    ...extra,
  });

  it.each([
    ['orders.csv', { fileType: 'delimited' }],
    ['events.TSV', { fileType: 'delimited' }],
    ['profiles.json', { fileType: 'json' }],
    ['profiles.jsonl', { fileType: 'json' }],
    ['part-0001.parquet', { fileType: 'parquet' }],
    ['orders.csv.gz', { fileType: 'delimited', compressionType: 'gzip' }],
  ])('previews %s by its extension', (name, expected) => {
    expect(previewQuery(file(name))).toEqual({
      objectType: 'file',
      object: `/b/in/${name}`,
      preview: 'true',
      ...expected,
    });
  });

  it.each([
    ['a folder', { type: 'folder', name: 'in', path: '/b/in/' }],
    ['a file Adobe says it cannot preview', file('orders.csv', { canPreview: false })],
    ['an extension Adobe does not read', file('image.png')],
    ['no extension', file('README')],
  ])('does not preview %s', (_name, entry) => {
    expect(previewQuery(entry)).toBeUndefined();
  });

  it('takes the first file of a listing it can preview, in the path form the listing used', () => {
    const entries = [
      { type: 'folder', name: '2026', path: '/2026/' },
      file('notes.md'),
      { type: 'file', name: 'orders.csv', path: '/orders.csv' },
    ];

    expect(firstPreviewable(entries)).toEqual({
      objectType: 'file',
      object: '/orders.csv',
      fileType: 'delimited',
      preview: 'true',
    });
    expect(firstPreviewable([])).toBeUndefined();
  });
});

describe('isPathRefusal', () => {
  const refusal = (status: number, detail: string, code?: string) =>
    new FlowServiceError(`Flow Service GET /connections/c/explore failed with HTTP ${status}: ${detail}`, status, code);

  it.each([
    ['a 404', refusal(404, 'not found', '1101-404'), true],
    [
      'an invalid path',
      refusal(400, 'Invalid request: object "/" is not a path this connection can explore', '1100-400'),
      true,
    ],
    ['a 400 with no code and no S3 words', refusal(400, 'Invalid folder path'), true],
    [
      "S3's AccessDenied",
      refusal(400, 'Flow provider error: Amazon S3 answered AccessDenied: Access Denied', '1100-400'),
      false,
    ],
    ['an expired token', refusal(400, 'ExpiredToken: The provided token has expired.', '1100-400'), false],
    ['a KMS refusal', refusal(400, 'KMS.DisabledException: key disabled', '1100-400'), false],
    ['a missing permission', refusal(403, 'no permission', '2118-403'), false],
    ['throttling', refusal(429, 'Too many requests'), false],
    ['not a Flow Service error', new Error('boom'), false],
  ])('%s: %s', (_name, error, expected) => {
    expect(isPathRefusal(error)).toBe(expected);
  });
});
