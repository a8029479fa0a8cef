/**
 * The rotation ledger against a real local DynamoDB (dynalite): what one item says after each kind
 * of run, and the old item each write returns.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../../emulators/dynamodb.js';
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { RotationLedger } from '../../../lambda/ledger.js';
import { HISTORY_KEEP, HISTORY_TRIM_AT, historyTrim, ledgerUpdate } from '../../../lambda/ledger-item.js';
import type { ConnectionResult } from '../../../lambda/summary.js';

const ID = '4cb0c374-d3bb-4557-b139-5712880adc55';
const rotated = (etag: string, expiresAt: string): ConnectionResult => ({
  connectionId: ID,
  sandboxName: 'prod',
  status: 'rotated',
  etag,
  previousEtag: '"old"',
  expiresAt,
  accessKeyId: `ASIA${etag.replace(/\W/g, '').toUpperCase().padEnd(16, 'X')}`,
  attempts: 1,
  adobeVerified: true,
});
const failed = (errorCode: string, extra: Partial<ConnectionResult> = {}): ConnectionResult => ({
  connectionId: ID,
  sandboxName: 'prod',
  status: 'failed',
  errorCode,
  error: `failed with ${errorCode}`,
  attempts: 1,
  ...extra,
});

let dynamo: DynamoDbEmulator;
let client: DynamoDBClient;
let ledger: RotationLedger;

beforeAll(async () => {
  dynamo = await startDynamoDbEmulator();
  await dynamo.createLedgerTable('rotation-ledger');
  client = new DynamoDBClient({
    endpoint: dynamo.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' },
  });
  ledger = new RotationLedger(client, 'rotation-ledger');
});

afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

describe('ledgerUpdate', () => {
  it('records a rotation and resets the failure count', () => {
    const input = ledgerUpdate(
      't',
      rotated('"e1"', '2030-01-01T01:00:00.000Z'),
      'assume-role-chained',
      new Date('2030-01-01T00:00:00Z'),
    );
    expect(input.UpdateExpression).toBe(
      'SET sandboxName = :sandboxName, lastAttempt = :attempt, lastRotation = :rotation, consecutiveFailures = ' +
        ':zero, history = list_append(if_not_exists(history, :noHistory), :historyEntry)',
    );
    expect(input.ReturnValues).toBe('ALL_OLD');
  });

  it('records a failure before the PATCH as an attempt only, counting it', () => {
    const input = ledgerUpdate('t', failed('1101-404'), 'assume-role-chained', new Date());
    expect(input.UpdateExpression).toBe(
      'SET sandboxName = :sandboxName, lastAttempt = :attempt, consecutiveFailures = ' +
        'if_not_exists(consecutiveFailures, :zero) + :one, history = list_append(if_not_exists(history, ' +
        ':noHistory), :historyEntry)',
    );
  });

  it('keeps no history of a connection it skipped', () => {
    const input = ledgerUpdate(
      't',
      { connectionId: ID, sandboxName: 'prod', status: 'skipped', attempts: 1 },
      'assume-role-chained',
      new Date(),
    );
    expect(input.UpdateExpression).not.toContain('history');
  });

  it('trims a long history down to the last ones, on condition that nobody trimmed it meanwhile', () => {
    const entries = (count: number) =>
      Array.from(
        { length: count },
        (_, index) =>
          ({ at: String(index), outcome: 'rotated', method: 'assume-role-chained', trigger: 'schedule' }) as const,
      );
    expect(historyTrim('t', ID, entries(HISTORY_TRIM_AT - 1))).toBeUndefined();
    const trim = historyTrim('t', ID, entries(HISTORY_TRIM_AT))!;
    expect(trim.UpdateExpression).toBe('SET history = :kept');
    expect(trim.ConditionExpression).toBe('size(history) = :length');
    expect(trim.ExpressionAttributeValues![':kept']!.L!.map((entry) => entry.M!.at!.S)).toEqual(
      entries(HISTORY_TRIM_AT)
        .slice(-HISTORY_KEEP)
        .map((entry) => entry.at),
    );
    expect(HISTORY_KEEP).toBeGreaterThanOrEqual(20);
  });

  it('records the new credentials of a connection that failed after its PATCH landed (Adobe could not read)', () => {
    const input = ledgerUpdate(
      't',
      failed('1100-400', { etag: '"e2"', expiresAt: '2030-01-01T01:00:00.000Z', adobeVerified: false }),
      'get-federation-token',
      new Date(),
    );
    expect(input.UpdateExpression).toContain('lastRotation = :rotation');
    expect(input.UpdateExpression).toContain('consecutiveFailures = if_not_exists(consecutiveFailures, :zero) + :one');
  });

  it('keeps at most 500 characters of an error', () => {
    const input = ledgerUpdate('t', failed('X', { error: 'x'.repeat(2000) }), 'assume-role-chained', new Date());
    expect((input.ExpressionAttributeValues![':attempt']!.M!.error!.S ?? '').length).toBe(500);
  });
});

describe('RotationLedger', () => {
  it('keeps the last rotation through failures, counts failures in a row, returns the old item per write', async () => {
    const first = await ledger.record(rotated('"e1"', '2030-01-01T01:00:00.000Z'), 'assume-role-chained', {
      now: new Date('2030-01-01T00:00:00Z'),
    });
    const second = await ledger.record(failed('1445-400'), 'assume-role-chained', {
      now: new Date('2030-01-01T00:15:00Z'),
    });
    const third = await ledger.record(failed('1445-400'), 'assume-role-chained', {
      now: new Date('2030-01-01T00:30:00Z'),
    });

    expect(first).toBeUndefined();
    expect(second).toMatchObject({
      consecutiveFailures: 0,
      lastRotation: { etag: '"e1"', expiresAt: '2030-01-01T01:00:00.000Z' },
    });
    expect(third).toMatchObject({ consecutiveFailures: 1 });
    expect(await ledger.get(ID)).toEqual({
      connectionId: ID,
      sandboxName: 'prod',
      lastRotation: {
        at: '2030-01-01T00:00:00.000Z',
        expiresAt: '2030-01-01T01:00:00.000Z',
        etag: '"e1"',
        method: 'assume-role-chained',
        adobeVerified: true,
        accessKeyId: 'ASIAE1XXXXXXXXXXXXXX',
      },
      lastAttempt: {
        at: '2030-01-01T00:30:00.000Z',
        outcome: 'failed',
        errorCode: '1445-400',
        error: 'failed with 1445-400',
        attempts: 1,
        trigger: 'manual',
      },
      consecutiveFailures: 2,
      history: [
        {
          at: '2030-01-01T00:00:00.000Z',
          outcome: 'rotated',
          method: 'assume-role-chained',
          accessKeyId: 'ASIAE1XXXXXXXXXXXXXX',
          etag: '"e1"',
          expiresAt: '2030-01-01T01:00:00.000Z',
          adobeVerified: true,
          trigger: 'manual',
        },
        {
          at: '2030-01-01T00:15:00.000Z',
          outcome: 'failed',
          method: 'assume-role-chained',
          errorCode: '1445-400',
          trigger: 'manual',
        },
        {
          at: '2030-01-01T00:30:00.000Z',
          outcome: 'failed',
          method: 'assume-role-chained',
          errorCode: '1445-400',
          trigger: 'manual',
        },
      ],
    });

    await ledger.record(rotated('"e2"', '2030-01-01T01:45:00.000Z'), 'assume-role-chained', {
      now: new Date('2030-01-01T00:45:00Z'),
    });
    expect(await ledger.get(ID)).toMatchObject({
      consecutiveFailures: 0,
      lastRotation: { etag: '"e2"' },
      lastAttempt: { outcome: 'rotated' },
    });
    expect((await ledger.get(ID))!.lastAttempt).not.toHaveProperty('errorCode');
    const items = (await client.send(new ScanCommand({ TableName: 'rotation-ledger' }))).Items!.map((item) =>
      unmarshall(item),
    );
    expect(items).toHaveLength(1);
  });

  it(
    'keeps each rotation with what started it: a tick of the schedule, or a manual request and who the caller said ' +
      'it was',
    async () => {
      const id = '11111111-2222-4333-8444-555555555555';
      const of = (result: ConnectionResult) => ({ ...result, connectionId: id });
      await ledger.record(of(rotated('"s1"', '2030-01-02T01:00:00.000Z')), 'get-federation-token', {
        now: new Date('2030-01-02T00:00:00Z'),
        trigger: { kind: 'schedule', executionId: 'tick-1' },
      });
      await ledger.record(of(rotated('"m1"', '2030-01-02T01:10:00.000Z')), 'get-federation-token', {
        now: new Date('2030-01-02T00:10:00Z'),
        trigger: { kind: 'manual', caller: 'arn:aws:sts::123456789012:assumed-role/Operator/alice' },
      });

      const { history, lastRotation, lastAttempt } = (await ledger.get(id))!;
      expect(
        history.map(({ trigger, caller, executionId, accessKeyId }) => ({ trigger, caller, executionId, accessKeyId })),
      ).toEqual([
        { trigger: 'schedule', caller: undefined, executionId: 'tick-1', accessKeyId: 'ASIAS1XXXXXXXXXXXXXX' },
        {
          trigger: 'manual',
          caller: 'arn:aws:sts::123456789012:assumed-role/Operator/alice',
          executionId: undefined,
          accessKeyId: 'ASIAM1XXXXXXXXXXXXXX',
        },
      ]);
      expect(lastRotation).toMatchObject({ accessKeyId: 'ASIAM1XXXXXXXXXXXXXX' });
      expect(lastRotation).not.toHaveProperty('executionId');
      expect(lastAttempt).toMatchObject({
        trigger: 'manual',
        caller: 'arn:aws:sts::123456789012:assumed-role/Operator/alice',
      });
    },
  );

  it('keeps at least the last 25 rotations of a connection however many it made, the newest last', async () => {
    const id = '22222222-3333-4444-8555-666666666666';
    for (let index = 0; index < HISTORY_TRIM_AT + 12; index += 1) {
      const at = new Date(Date.UTC(2030, 0, 3, 0, index));
      await ledger.record(
        { ...rotated(`"h${index}"`, new Date(at.getTime() + 3600_000).toISOString()), connectionId: id },
        'assume-role-chained',
        { now: at },
      );
      const { history } = (await ledger.get(id))!;
      expect(history.length).toBeGreaterThanOrEqual(Math.min(index + 1, HISTORY_KEEP));
      expect(history.length).toBeLessThan(HISTORY_TRIM_AT);
      expect(history.at(-1)!.etag).toBe(`"h${index}"`);
    }
    const { history } = (await ledger.get(id))!;
    expect(history.map((entry) => entry.etag)).toEqual(
      Array.from({ length: history.length }, (_, index) => `"h${HISTORY_TRIM_AT + 12 - history.length + index}"`),
    );
  });

  it('reads the pauses, leaving out an entry that is not one, and what paused connections hold', async () => {
    const table = 'rotation-ledger';
    expect(await ledger.pauses()).toEqual({ pauses: [], invalid: 0 });
    const pause = {
      id: 'p1',
      reason: 'bucket migration',
      pausedBy: 'arn:aws:sts::1:assumed-role/Op/bob',
      pausedAt: '2030-01-01T00:00:00Z',
      until: '2030-01-01T02:00:00Z',
    };
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: marshall({ connectionId: '#pauses', pauses: [pause, { id: 'broken' }] }),
      }),
    );
    try {
      expect(await ledger.pauses()).toEqual({ pauses: [pause], invalid: 1 });
      expect(await ledger.heldExpiries([ID, '99999999-9999-4999-8999-999999999999'])).toEqual(
        new Map([[ID, (await ledger.get(ID))!.lastRotation!.expiresAt]]),
      );
    } finally {
      await client.send(new DeleteItemCommand({ TableName: table, Key: marshall({ connectionId: '#pauses' }) }));
    }
  });

  it('rejects when the table does not exist (the caller counts it and carries on)', async () => {
    await expect(
      new RotationLedger(client, 'no-such-table').record(
        rotated('"e"', '2030-01-01T00:00:00.000Z'),
        'assume-role-chained',
      ),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
