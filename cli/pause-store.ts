/**
 * The pauses in the rotation ledger (core/pauses.ts): one item, `connectionId: "#pauses"`, read
 * with a consistent `GetItem` and written whole with a `PutItem` conditional on the version read, so
 * two operators pausing at once never lose each other's pause (the second is told to try again).
 * An older CLI's whole-rotator pause (`#paused`, with the schedule disabled and the alarms' actions
 * off) is read too, so `status` shows it and `resume` ends it.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { LEDGER_KEY } from '../core/contract.js';
import { isActive, LEGACY_PAUSE_KEY, MAX_PAUSES, parsePauses, PAUSES_KEY, type Pause } from '../core/pauses.js';
import type { AwsOptions } from './aws.js';
import { CliError, describeAwsError, EnvironmentError, EXIT } from './errors.js';

/** An older CLI's pause of the whole rotator: who, when, why; no end. */
export interface LegacyPause {
  readonly pausedBy: string;
  readonly pausedAt: string;
  readonly reason?: string;
}

/** What the ledger holds about pauses. */
export interface PauseState {
  /** Every pause the item holds (ended ones too, until the next write drops them). */
  readonly pauses: readonly Pause[];
  /** Entries that are not pauses (written by hand), left out. */
  readonly invalid: number;
  /** The item's version, for the conditional write; 0 when there is no item. */
  readonly version: number;
  readonly legacy?: LegacyPause;
}

const regional = (options: AwsOptions) => (options.region ? { region: options.region } : {});

function ledgerError(error: unknown, tableName: string, action: string): unknown {
  if (error instanceof CliError) return error;
  if ((error as Error).name === 'ResourceNotFoundException') {
    return new EnvironmentError(
      `The rotation ledger table ${tableName} was not found: check AWS_REGION, and the function's LEDGER_TABLE_NAME.`,
    );
  }
  return describeAwsError(error, `${action} the rotation ledger table ${tableName}`) ?? error;
}

async function withLedger<T>(
  tableName: string,
  options: AwsOptions,
  action: string,
  call: (client: DynamoDBClient) => Promise<T>,
): Promise<T> {
  const client = new DynamoDBClient(regional(options));
  try {
    return await call(client);
  } catch (error) {
    throw ledgerError(error, tableName, action);
  } finally {
    client.destroy();
  }
}

/** The pauses, and an older CLI's pause, consistently read. */
export async function readPauseState(tableName: string, options: AwsOptions = {}): Promise<PauseState> {
  return withLedger(tableName, options, 'read (dynamodb:GetItem)', async (client) => {
    const get = (key: string) =>
      client.send(
        new GetItemCommand({ TableName: tableName, Key: marshall({ [LEDGER_KEY]: key }), ConsistentRead: true }),
      );
    const [current, legacy] = await Promise.all([get(PAUSES_KEY), get(LEGACY_PAUSE_KEY)]);
    const item = current.Item ? unmarshall(current.Item) : undefined;
    const { pauses, invalid } = parsePauses(item?.pauses);
    const old = legacy.Item ? unmarshall(legacy.Item) : undefined;
    return {
      pauses,
      invalid,
      version: Number(item?.version ?? 0),
      ...(old
        ? {
            legacy: {
              pausedBy: String(old.pausedBy ?? 'unknown'),
              pausedAt: String(old.pausedAt ?? ''),
              ...(typeof old.reason === 'string' ? { reason: old.reason } : {}),
            },
          }
        : {}),
    };
  });
}

/**
 * Write the pauses in force at `now` (ended ones are dropped), if nobody wrote since `version` was
 * read. Throws a {@link CliError} (exit 1) saying to try again when someone did.
 */
export async function writePauses(
  tableName: string,
  pauses: readonly Pause[],
  version: number,
  now: number,
  options: AwsOptions = {},
): Promise<void> {
  const kept = pauses.filter((pause) => isActive(pause, now));
  if (kept.length > MAX_PAUSES) {
    throw new CliError(
      `The ledger would hold ${kept.length} pauses, more than the ${MAX_PAUSES} it keeps: resume some first.`,
      EXIT.FAILED,
    );
  }
  await withLedger(tableName, options, 'write the pauses to (dynamodb:PutItem)', async (client) => {
    try {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: marshall(
            { [LEDGER_KEY]: PAUSES_KEY, pauses: kept, version: version + 1 },
            { removeUndefinedValues: true },
          ),
          ConditionExpression: 'attribute_not_exists(#id) OR version = :version',
          ExpressionAttributeNames: { '#id': LEDGER_KEY },
          ExpressionAttributeValues: marshall({ ':version': version }),
        }),
      );
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as Error).name === 'ConditionalCheckFailedException'
      ) {
        throw new CliError(
          'Someone else changed the pauses at the same moment; nothing was changed: run the command again.',
          EXIT.FAILED,
        );
      }
      throw error;
    }
  });
}

/** Delete an older CLI's pause record (nothing happens when there is none). */
export async function deleteLegacyPause(tableName: string, options: AwsOptions = {}): Promise<void> {
  await withLedger(tableName, options, 'delete the old pause record from (dynamodb:DeleteItem)', (client) =>
    client.send(new DeleteItemCommand({ TableName: tableName, Key: marshall({ [LEDGER_KEY]: LEGACY_PAUSE_KEY }) })),
  );
}
