/**
 * The rotation ledger against a real local DynamoDB (dynalite): what one item says after each kind
 * of run, and the old item each write returns.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoDbEmulator, type DynamoDbEmulator } from '../../../emulators/dynamodb.js';
import { ledgerUpdate, RotationLedger } from '../../../lambda/ledger.js';
import type { ConnectionResult } from '../../../lambda/summary.js';

const ID = '4cb0c374-d3bb-4557-b139-5712880adc55';
const rotated = (etag: string, expiresAt: string): ConnectionResult => ({
  connectionId: ID,
  sandboxName: 'prod',
  status: 'rotated',
  etag,
  previousEtag: '"old"',
  expiresAt,
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
  client = new DynamoDBClient({ endpoint: dynamo.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
  ledger = new RotationLedger(client, 'rotation-ledger');
});

afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

describe('ledgerUpdate', () => {
  it('records a rotation and resets the failure count', () => {
    const input = ledgerUpdate('t', rotated('"e1"', '2030-01-01T01:00:00.000Z'), 'assume-role-chained', new Date('2030-01-01T00:00:00Z'));
    expect(input.UpdateExpression).toBe('SET sandboxName = :sandboxName, lastAttempt = :attempt, lastRotation = :rotation, consecutiveFailures = :zero');
    expect(input.ReturnValues).toBe('ALL_OLD');
  });

  it('records a failure before the PATCH as an attempt only, counting it', () => {
    const input = ledgerUpdate('t', failed('1101-404'), 'assume-role-chained', new Date());
    expect(input.UpdateExpression).toBe(
      'SET sandboxName = :sandboxName, lastAttempt = :attempt, consecutiveFailures = if_not_exists(consecutiveFailures, :zero) + :one',
    );
  });

  it('records the new credentials of a connection that failed only after its PATCH landed (Adobe could not read with them)', () => {
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
  it('keeps the last rotation through failures, counts failures in a row, and returns the old item with each write', async () => {
    const first = await ledger.record(rotated('"e1"', '2030-01-01T01:00:00.000Z'), 'assume-role-chained', { now: new Date('2030-01-01T00:00:00Z') });
    const second = await ledger.record(failed('1445-400'), 'assume-role-chained', { now: new Date('2030-01-01T00:15:00Z') });
    const third = await ledger.record(failed('1445-400'), 'assume-role-chained', { now: new Date('2030-01-01T00:30:00Z') });

    expect(first).toBeUndefined();
    expect(second).toMatchObject({ consecutiveFailures: 0, lastRotation: { etag: '"e1"', expiresAt: '2030-01-01T01:00:00.000Z' } });
    expect(third).toMatchObject({ consecutiveFailures: 1 });
    expect(await ledger.get(ID)).toEqual({
      connectionId: ID,
      sandboxName: 'prod',
      lastRotation: { at: '2030-01-01T00:00:00.000Z', expiresAt: '2030-01-01T01:00:00.000Z', etag: '"e1"', method: 'assume-role-chained', adobeVerified: true },
      lastAttempt: { at: '2030-01-01T00:30:00.000Z', outcome: 'failed', errorCode: '1445-400', error: 'failed with 1445-400', attempts: 1 },
      consecutiveFailures: 2,
    });

    await ledger.record(rotated('"e2"', '2030-01-01T01:45:00.000Z'), 'assume-role-chained', { now: new Date('2030-01-01T00:45:00Z') });
    expect(await ledger.get(ID)).toMatchObject({ consecutiveFailures: 0, lastRotation: { etag: '"e2"' }, lastAttempt: { outcome: 'rotated' } });
    expect((await ledger.get(ID))!.lastAttempt).not.toHaveProperty('errorCode');
    const items = (await client.send(new ScanCommand({ TableName: 'rotation-ledger' }))).Items!.map((item) => unmarshall(item));
    expect(items).toHaveLength(1);
  });

  it('rejects when the table does not exist (the caller counts it and carries on)', async () => {
    await expect(new RotationLedger(client, 'no-such-table').record(rotated('"e"', '2030-01-01T00:00:00.000Z'), 'assume-role-chained')).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
