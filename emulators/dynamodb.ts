/**
 * DynamoDB for tests, the demo and the sandbox: `dynalite`, a real implementation of the DynamoDB
 * API (validation, expressions, conditional writes) on loopback, in memory. Not an emulator of our
 * own: the function's and the CLI's SDK clients reach it through `AWS_ENDPOINT_URL_DYNAMODB`.
 */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { LEDGER_KEY } from '../core/contract.js';

export interface DynamoDbEmulator {
  /** e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Create a ledger table (the key schema the stack gives it: `connectionId`, a string). */
  createLedgerTable(tableName: string): Promise<void>;
  close(): Promise<void>;
}

/** Start dynalite on 127.0.0.1 (port 0 unless given), tables created at once (no CREATING delay). */
export async function startDynamoDbEmulator(options: { port?: number; region?: string } = {}): Promise<DynamoDbEmulator> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async createLedgerTable(tableName) {
      // Any credentials: dynalite checks that requests are signed, not by whom.
      const client = new DynamoDBClient({
        endpoint: url,
        region: options.region ?? 'us-east-1',
        credentials: { accessKeyId: 'AKIALOCALDYNALITE000', secretAccessKey: 'local' },
      });
      try {
        await client.send(
          new CreateTableCommand({
            TableName: tableName,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [{ AttributeName: LEDGER_KEY, AttributeType: 'S' }],
            KeySchema: [{ AttributeName: LEDGER_KEY, KeyType: 'HASH' }],
          }),
        );
      } finally {
        client.destroy();
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
