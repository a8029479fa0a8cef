/**
 * DynamoDB for tests, the demo and the sandbox: `dynalite`, a real implementation of the DynamoDB
 * API (validation, expressions, conditional writes) on loopback, in memory. Not an emulator of our
 * own: the function's and the CLI's SDK clients reach it through `AWS_ENDPOINT_URL_DYNAMODB`.
 */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { LEDGER_KEY } from '../core/contract.js';
import { startEmulatorServer } from './http-server.js';
import type { Emulator } from './types.js';

export interface DynamoDbEmulator {
  /** e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Create a ledger table (the key schema the stack gives it: `connectionId`, a string). */
  createLedgerTable(tableName: string): Promise<void>;
  close(): Promise<void>;
}

/** Start dynalite on 127.0.0.1 (port 0 unless given), tables created at once (no CREATING delay). */
export async function startDynamoDbEmulator(
  options: { port?: number; region?: string } = {},
): Promise<DynamoDbEmulator> {
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

/**
 * A loopback front for dynalite that passes every request through unless an injected fault
 * answers it instead (the emulators' usual faults, matched by action: `UpdateItem`, ...). The
 * deployed stack's function reaches the ledger through it, so the sandbox can take the ledger away
 * from the function (`ledger-denied`) while the operator CLI still reads it.
 */
export async function startDynamoDbFront(target: string, options: { port?: number } = {}): Promise<Emulator> {
  return startEmulatorServer(
    async (request) => {
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name)),
      );
      const response = await fetch(`${target}${request.path}`, {
        method: request.method,
        headers,
        body: request.method === 'GET' ? undefined : request.body,
      });
      const passed = Object.fromEntries(
        [...response.headers].filter(([name]) => ['content-type', 'x-amz-crc32', 'x-amzn-requestid'].includes(name)),
      );
      return { status: response.status, headers: passed, body: await response.text() };
    },
    { port: options.port, actionOf: (request) => request.headers['x-amz-target']?.split('.')[1] },
  );
}

/** DynamoDB's answer to a caller whose role may not do `action` on the table (for faults). */
export function dynamoDbAccessDenied(
  action: string,
  tableArn: string,
): { status: number; headers: Record<string, string>; body: unknown } {
  return {
    status: 400,
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: {
      __type: 'com.amazon.coral.service#AccessDeniedException',
      Message:
        'User: arn:aws:sts::123456789012:assumed-role/aep-s3-rotator-function/aep-s3-rotator-function is not ' +
        `authorized to perform: dynamodb:${action} on resource: ${tableArn} because no identity-based policy ` +
        `allows the dynamodb:${action} action`,
    },
  };
}
