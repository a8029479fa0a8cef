/**
 * The rotation harness with the function's ledger beside it: a DynamoDB client of the test's own
 * on the world's local DynamoDB (dynalite), and the ledger read through it as the function reads it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach } from 'vitest';
import { WORLD_LEDGER_TABLE, type World, type WorldOptions } from '../../emulators/world.js';
import { RotationLedger } from '../../lambda/ledger.js';
import { startHarness, type Harness } from './rotation-harness.js';

/** A DynamoDB client of the test's own on the world's local DynamoDB (dynalite checks no signature). */
export function worldDynamoDb(world: World): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: world.emulators.dynamodb.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' },
  });
}

/** A harness, the world's ledger, and the client it is read with (to write items of the test's own). */
export interface LedgerHarness extends Harness {
  readonly ledger: RotationLedger;
  readonly dynamodb: DynamoDBClient;
}

/**
 * For a test file whose tests each start their own harness and read the ledger: returns `start`,
 * and after each test (vitest's `afterEach`, registered here) closes the client and the harness.
 */
export function useLedgerHarness(): (options: WorldOptions) => Promise<LedgerHarness> {
  let harness: Harness | undefined;
  let dynamodb: DynamoDBClient | undefined;
  afterEach(async () => {
    dynamodb?.destroy();
    dynamodb = undefined;
    await harness?.close();
    harness = undefined;
  });
  return async (options) => {
    harness = await startHarness(options);
    dynamodb = worldDynamoDb(harness.world);
    return { ...harness, ledger: new RotationLedger(dynamodb, WORLD_LEDGER_TABLE), dynamodb };
  };
}
