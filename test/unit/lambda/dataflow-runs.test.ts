/**
 * Reading Adobe's runs and connections: tolerant of what the listings carry, and never of a secret.
 */
import { describe, expect, it } from 'vitest';
import { classifyConnection } from '../../../lambda/connection-inventory.js';
import { ingestionSince, toFlowRun, type DataflowReading } from '../../../lambda/dataflow-runs.js';
import { nextPageToken } from '../../../lambda/flow-service-client.js';

const S3 = { id: 'ecadc60c-7455-4d87-84dc-2a0e293d997b', version: '1.0' };

describe('toFlowRun', () => {
  it("reads the monitoring tutorial's run: its start, status and every error code, once", () => {
    const run = {
      id: 'r1',
      createdAt: 1_596_656_079_576,
      metrics: {
        durationSummary: { startedAtUTC: 1_596_656_058_198, completedAtUTC: 1_596_656_113_306 },
        statusSummary: {
          status: 'failed',
          errors: [{ code: 'CONNECTOR-1001-500', message: 'x' }],
          extensions: { errors: [{ code: 'CONNECTOR-2001-500' }] },
        },
      },
      activities: [{ statusSummary: { status: 'failed', errors: [{ code: 'CONNECTOR-1001-500' }] } }],
    };

    expect(toFlowRun(run)).toEqual({
      id: 'r1',
      startedAt: new Date(1_596_656_058_198).toISOString(),
      status: 'failed',
      errorCodes: ['CONNECTOR-1001-500', 'CONNECTOR-2001-500'],
    });
  });

  it('falls back on createdAt, and reads a run that says little', () => {
    expect(toFlowRun({ id: 'r2', createdAt: 0 })).toEqual({
      id: 'r2',
      startedAt: '1970-01-01T00:00:00.000Z',
      errorCodes: [],
    });
    expect(toFlowRun({ name: 'no id' })).toBeUndefined();
    expect(toFlowRun('not a run')).toBeUndefined();
  });
});

describe('ingestionSince', () => {
  const reading = (
    flowId: string,
    status: string | undefined,
    startedAt: number,
    errorCodes: string[] = [],
  ): DataflowReading => ({
    flowId,
    ...(status
      ? { lastRun: { id: `${flowId}-run`, status, startedAt: new Date(startedAt).toISOString(), errorCodes } }
      : {}),
  });

  it('counts the flows whose last run failed since a moment, with their codes once', () => {
    const readings = [
      reading('a', 'failed', 2_000, ['E1']),
      reading('b', 'failed', 500, ['E2']),
      reading('c', 'success', 3_000),
      reading('d', 'failed', 2_500, ['E1']),
    ];

    expect(ingestionSince(readings, 1_000)).toEqual({ flows: 4, failed: 2, errorCodes: ['E1'] });
    expect(ingestionSince(readings)).toEqual({ flows: 4, failed: 3, errorCodes: ['E1', 'E2'] });
    expect(ingestionSince([reading('e', undefined, 0)], 0)).toEqual({ flows: 1, failed: 0, errorCodes: [] });
  });
});

describe('nextPageToken', () => {
  it.each([
    [
      "SPEC's _links.next.href",
      { _links: { next: { href: '/connections?continuationToken=abc123&limit=2' } } },
      'abc123',
    ],
    ['a top-level continuationToken', { continuationToken: 'xyz' }, 'xyz'],
    ['no next page', { items: [] }, undefined],
    ['a next link without a token', { _links: { next: { href: '/connections?limit=2' } } }, undefined],
  ])('%s', (_name, body, token) => {
    expect(nextPageToken(body)).toBe(token);
  });
});

describe('classifyConnection', () => {
  const managed = new Set(['4cb0c374-d3bb-4557-b139-5712880adc55']);
  const item = (id: string, auth: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    id,
    connectionSpec: S3,
    sandboxName: 'prod',
    auth,
    ...extra,
  });

  it.each([
    [
      'a configured target',
      item('4CB0C374-D3BB-4557-B139-5712880ADC55', {
        specName: 'Access Key',
        params: { s3SessionToken: '<redacted>' },
      }),
      'managed',
    ],
    [
      'a session token, masked',
      item('t1', { specName: 'Access Key', params: { s3AccessKey: 'AKIAX', s3SessionToken: '<redacted>' } }),
      'unmanaged-temporary',
    ],
    [
      'an STS key id with the token omitted',
      item('t2', { specName: 'Access Key', params: { s3AccessKey: 'ASIAX' } }),
      'unmanaged-temporary',
    ],
    ['long-term keys', item('p1', { specName: 'Access Key', params: { s3AccessKey: 'AKIAX' } }), 'unmanaged-permanent'],
    [
      'IAMRole Based',
      item('r1', { specName: 'IAMRole Based', params: { bucketName: 'b', roleArn: 'arn' } }),
      'role-based',
    ],
  ])('%s is %s', (_name, connection, kind) => {
    expect(classifyConnection(connection, 'prod', managed)?.kind).toBe(kind);
  });

  it('keeps the non-secret bucket and folder, the name and the update time, and nothing of a secret', () => {
    const found = classifyConnection(
      item(
        't1',
        {
          specName: 'Access Key',
          params: { s3AccessKey: 'ASIAX', s3SecretKey: 'very-secret', bucketName: 'acme', folderPath: 'in' },
        },
        { name: 'Orders', updatedAt: 0, state: 'enabled' },
      ),
      'prod',
      managed,
    );

    expect(found).toEqual({
      connectionId: 't1',
      sandboxName: 'prod',
      name: 'Orders',
      state: 'enabled',
      kind: 'unmanaged-temporary',
      bucketName: 'acme',
      folderPath: 'in',
      updatedAt: '1970-01-01T00:00:00.000Z',
    });
    expect(JSON.stringify(found)).not.toContain('very-secret');
  });

  it('leaves out a connection of another source', () => {
    expect(
      classifyConnection({ id: 'x', connectionSpec: { id: 'b7bf2577-4520-42c9-bae9-cad01560f7bc' } }, 'prod', managed),
    ).toBeUndefined();
  });
});
