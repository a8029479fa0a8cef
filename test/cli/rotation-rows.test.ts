/**
 * Recovering one row per connection from a failed run's log tail and error message.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionResult } from '../../lambda/rotate.js';
import { failureError, summarize } from '../../lambda/rotator.js';
import { outcomeOfLogLine, parseFailureMessage, recoverRows } from '../../cli/rotation-rows.js';

const id = (n: number) => `${String(n).padStart(8, '0')}-1111-4111-8111-111111111111`;
const failed = (n: number, sandboxName: string, error: string): ConnectionResult => ({ connectionId: id(n), sandboxName, status: 'failed', error, errorCode: 'X' });
const rotated = (n: number): ConnectionResult => ({ connectionId: id(n), sandboxName: 'prod', status: 'rotated', etag: `"e${n}"`, expiresAt: '2030-01-01T00:00:00.000Z' });
/** The message the function throws, made by the function's own code. */
const messageFor = (results: ConnectionResult[]) => failureError(summarize(results, false)).message;

describe('parseFailureMessage', () => {
  it('reads every failed connection and its reason, even reasons holding ": " and "; "', () => {
    const tricky = 'Flow Service PATCH /connections/x failed with HTTP 400 (1455-400): bad; really bad';
    const message = messageFor([rotated(1), failed(2, 'prod', tricky), failed(3, 'dev', 'STS refused: AccessDenied'), failed(4, 'prod', tricky)]);

    const parsed = parseFailureMessage(message)!;

    expect(parsed).toMatchObject({ failedCount: 3, total: 4, unnamed: 0 });
    expect([...parsed.failed.values()]).toEqual([
      { connectionId: id(2), sandboxName: 'prod', reason: tricky },
      { connectionId: id(4), sandboxName: 'prod', reason: tricky },
      { connectionId: id(3), sandboxName: 'dev', reason: 'STS refused: AccessDenied' },
    ]);
  });

  it('counts the failures the message does not name ("and N more")', () => {
    const message = messageFor(Array.from({ length: 23 }, (_, n) => failed(n, 'prod', 'boom')));

    const parsed = parseFailureMessage(message)!;

    expect(parsed.failed.size).toBe(20);
    expect(parsed.unnamed).toBe(3);
    expect(parsed.failed.get(id(19))!.reason).toBe('boom');
  });

  it('ignores any other message', () => {
    expect(parseFailureMessage('Invalid rotator configuration: ROTATION_TARGETS: is required')).toBeUndefined();
    expect(parseFailureMessage(undefined)).toBeUndefined();
  });
});

describe('outcomeOfLogLine', () => {
  it('reads Powertools JSON lines, with or without a runtime prefix', () => {
    const line = JSON.stringify({ level: 'INFO', message: 'connection rotated', ...rotated(7) });
    expect(outcomeOfLogLine(line)).toMatchObject({ connectionId: id(7), status: 'rotated', etag: '"e7"', source: 'log' });
    expect(outcomeOfLogLine(`2030-01-01T00:00:00.000Z\tabc\tINFO\t${line}`)).toMatchObject({ connectionId: id(7) });
  });

  it('skips lines cut by the 4 KB tail and lines that are not outcomes', () => {
    expect(outcomeOfLogLine(`ionId":"${id(1)}","status":"rotated"}`)).toBeUndefined();
    expect(outcomeOfLogLine(JSON.stringify({ message: 'rotation finished', rotated: 3 }))).toBeUndefined();
    expect(outcomeOfLogLine('END RequestId: 1')).toBeUndefined();
  });
});

describe('recoverRows', () => {
  const results = [rotated(1), failed(2, 'dev', 'boom'), rotated(3)];
  const message = messageFor(results);
  const log = results.map((result) => JSON.stringify({ message: 'x', ...result })).join('\n');

  it('prefers the log, then the message, then infers success when the message names every failure', () => {
    const { rows, unreported } = recoverRows({ requested: [id(1), id(2), id(3)], dryRun: false, logText: JSON.stringify(rotated(1)), errorMessage: message });

    expect(unreported).toBe(0);
    expect(rows.map((row) => [row.status, row.source])).toEqual([
      ['rotated', 'log'],
      ['failed', 'error-message'],
      ['rotated', 'inferred'],
    ]);
    expect(rows[2]!.note).toBe("not failed; details in the function's log");
  });

  it('says "unknown" when the message does not name every failure', () => {
    const many = messageFor(Array.from({ length: 21 }, (_, n) => failed(n, 'prod', 'boom')));
    const { rows } = recoverRows({ requested: [id(20)], dryRun: false, errorMessage: many });

    expect(rows).toEqual([{ connectionId: id(20), status: 'unknown', source: 'inferred', note: "outcome not returned; see the function's log" }]);
  });

  it('without requested ids, lists what the evidence names and counts the rest as unreported', () => {
    const { rows, unreported } = recoverRows({ dryRun: false, logText: log.split('\n')[0], errorMessage: message });

    expect(rows.map((row) => row.connectionId)).toEqual([id(1), id(2)]);
    expect(unreported).toBe(1);
  });
});
