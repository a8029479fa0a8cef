/**
 * Rows come from the summary the function returns; log lines only drive progress.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectionResult } from '../../../lambda/summary.js';
import { summarize } from '../../../lambda/summary.js';
import { isOutcomeLogLine, isRotationSummary, rowsFromSummary } from '../../../cli/rotation-rows.js';

const id = (n: number) => `${String(n).padStart(8, '0')}-1111-4111-8111-111111111111`;
const failed = (n: number, sandboxName: string, error: string): ConnectionResult => ({
  connectionId: id(n),
  sandboxName,
  status: 'failed',
  error,
  errorCode: '1103-503',
  transient: true,
  attempts: 2,
  heldCredentialsExpireAt: '2030-01-01T00:00:00.000Z',
});
const rotated = (n: number): ConnectionResult => ({
  connectionId: id(n),
  sandboxName: 'prod',
  status: 'rotated',
  etag: `"e${n}"`,
  expiresAt: '2030-01-01T00:00:00.000Z',
  attempts: 1,
});
const dryRun = (n: number): ConnectionResult => ({
  connectionId: id(n),
  sandboxName: 'dev',
  status: 'dry-run',
  etag: `"e${n}"`,
  attempts: 1,
  plannedOperations: [
    { op: 'replace', path: '/auth/params/s3AccessKey' },
    { op: 'add', path: '/auth/params/s3SessionToken' },
  ],
});

describe('rowsFromSummary', () => {
  it('keeps every result in order, with failure code, detail, attempts and what the connection still holds', () => {
    const rows = rowsFromSummary(
      summarize(
        [rotated(1), failed(2, 'dev', 'Flow Service PATCH failed with HTTP 503 (1103-503): try again'), dryRun(3)],
        false,
      ),
    );

    expect(rows).toEqual([
      {
        connectionId: id(1),
        sandboxName: 'prod',
        status: 'rotated',
        etag: '"e1"',
        expiresAt: '2030-01-01T00:00:00.000Z',
        attempts: 1,
      },
      {
        connectionId: id(2),
        sandboxName: 'dev',
        status: 'failed',
        error: 'Flow Service PATCH failed with HTTP 503 (1103-503): try again',
        errorCode: '1103-503',
        transient: true,
        attempts: 2,
        heldCredentialsExpireAt: '2030-01-01T00:00:00.000Z',
      },
      {
        connectionId: id(3),
        sandboxName: 'dev',
        status: 'dry-run',
        etag: '"e3"',
        attempts: 1,
        plannedOperations: ['replace /auth/params/s3AccessKey', 'add /auth/params/s3SessionToken'],
      },
    ]);
  });
});

describe('rowsFromSummary, for fields the CLI does not know yet', () => {
  it('keeps every field of a result, so a field a newer function adds reaches --json', () => {
    const result = {
      ...failed(4, 'prod', 'x'),
      etagConflicts: 2,
      adobeDetail: 'PATCH connection feature not enabled.',
      futureField: 'kept',
    };

    const [row] = rowsFromSummary(summarize([result as ConnectionResult], false));

    expect(row).toMatchObject({
      etagConflicts: 2,
      adobeDetail: 'PATCH connection feature not enabled.',
      futureField: 'kept',
    });
  });
});

describe('isRotationSummary', () => {
  it('accepts what the function returns and refuses anything else', () => {
    expect(isRotationSummary(summarize([rotated(1), failed(2, 'dev', 'x')], false))).toBe(true);
    expect(isRotationSummary(summarize([], false))).toBe(true);
    expect(isRotationSummary({ errorType: 'ConfigError', errorMessage: 'x' })).toBe(false);
    expect(isRotationSummary({ results: [{ connectionId: id(1), status: 'exploded' }] })).toBe(false);
    expect(isRotationSummary('null')).toBe(false);
    expect(isRotationSummary(undefined)).toBe(false);
  });
});

describe('isOutcomeLogLine', () => {
  it('recognizes Powertools JSON outcome lines, with or without a runtime prefix', () => {
    const line = JSON.stringify({ level: 'INFO', message: 'connection rotated', ...rotated(7) });
    expect(isOutcomeLogLine(line)).toBe(true);
    expect(isOutcomeLogLine(`2030-01-01T00:00:00.000Z\tabc\tINFO\t${line}`)).toBe(true);
  });

  it('skips cut lines and lines that are not outcomes', () => {
    expect(isOutcomeLogLine(`ionId":"${id(1)}","status":"rotated"}`)).toBe(false);
    expect(isOutcomeLogLine(JSON.stringify({ message: 'rotation finished', rotated: 3 }))).toBe(false);
    expect(isOutcomeLogLine(JSON.stringify({ message: 'retrying', connectionId: id(1), attempt: 1 }))).toBe(false);
    expect(isOutcomeLogLine('END RequestId: 1')).toBe(false);
  });
});
