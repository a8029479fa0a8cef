/**
 * Who paused the rotator, when and why: one item in the rotation ledger's table, under the key
 * `connectionId: "#paused"` (no Flow Service connection id starts with `#`, and the function
 * never reads an item it did not write). `pause` writes it last, once the schedule and the alarms'
 * actions are off; `resume` deletes it last; `status` shows it.
 */
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { LEDGER_KEY } from '../core/contract.js';
import type { AwsOptions } from './aws.js';
import { describeAwsError, EnvironmentError } from './errors.js';

/** The ledger item's key value that holds the pause record. */
export const PAUSE_RECORD_KEY = '#paused';

export interface PauseRecord {
  /** The caller's ARN (sts:GetCallerIdentity), e.g. `arn:aws:sts::123456789012:assumed-role/Operator/alice`. */
  readonly pausedBy: string;
  /** ISO 8601. */
  readonly pausedAt: string;
  readonly reason?: string;
}

const regional = (options: AwsOptions) => (options.region ? { region: options.region } : {});
const key = () => marshall({ [LEDGER_KEY]: PAUSE_RECORD_KEY });

/** What DynamoDB said, as one sentence with exit 3. */
function ledgerError(error: unknown, tableName: string, action: string): unknown {
  if ((error as Error).name === 'ResourceNotFoundException') {
    return new EnvironmentError(`The rotation ledger table ${tableName} was not found: check AWS_REGION, or deploy the stack again with \`npx cdk deploy\`.`);
  }
  return describeAwsError(error, `${action} the rotation ledger table ${tableName}`) ?? error;
}

async function withLedger<T>(tableName: string, options: AwsOptions, action: string, call: (client: DynamoDBClient) => Promise<T>): Promise<T> {
  const client = new DynamoDBClient(regional(options));
  try {
    return await call(client);
  } catch (error) {
    throw ledgerError(error, tableName, action);
  } finally {
    client.destroy();
  }
}

/** The pause record, or undefined when the rotator is not paused. */
export async function readPauseRecord(tableName: string, options: AwsOptions = {}): Promise<PauseRecord | undefined> {
  return withLedger(tableName, options, 'read (dynamodb:GetItem)', async (client) => {
    const response = await client.send(new GetItemCommand({ TableName: tableName, Key: key(), ConsistentRead: true }));
    if (!response.Item) return undefined;
    const item = unmarshall(response.Item);
    return {
      pausedBy: String(item.pausedBy ?? 'unknown'),
      pausedAt: String(item.pausedAt ?? ''),
      ...(typeof item.reason === 'string' ? { reason: item.reason } : {}),
    };
  });
}

/** Write the pause record (replacing any). */
export async function writePauseRecord(tableName: string, record: PauseRecord, options: AwsOptions = {}): Promise<void> {
  await withLedger(tableName, options, 'write the pause record to (dynamodb:PutItem)', (client) =>
    client.send(new PutItemCommand({ TableName: tableName, Item: marshall({ [LEDGER_KEY]: PAUSE_RECORD_KEY, ...record }, { removeUndefinedValues: true }) })),
  );
}

/** Delete the pause record (nothing happens when there is none). */
export async function deletePauseRecord(tableName: string, options: AwsOptions = {}): Promise<void> {
  await withLedger(tableName, options, 'delete the pause record from (dynamodb:DeleteItem)', (client) =>
    client.send(new DeleteItemCommand({ TableName: tableName, Key: key() })),
  );
}
