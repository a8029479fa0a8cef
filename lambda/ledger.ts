/**
 * The rotation ledger: one DynamoDB item per connection, written once per run, that answers the
 * operator's first questions without trusting Flow Service's `updatedAt` (which any edit moves):
 * when was it last rotated and what does it hold until when, how did the last attempt go, and how
 * many runs in a row has it failed.
 *
 * The function writes with `UpdateItem` (the old item comes back with the same request,
 * `ReturnValues: ALL_OLD`, so a failed connection's expiry metric can use what the ledger says it
 * still holds), and reads with `BatchGetItem` at the start of a run: what it remembers of each
 * connection (the explore form Adobe accepted, when it last tried it), and, on a scheduled run, the
 * connections an earlier delivery of the same schedule tick already rotated. A write or read that
 * fails never fails the rotation: the caller logs it (and counts a failed write, `LedgerWriteFailed`).
 */
import { BatchGetItemCommand, GetItemCommand, UpdateItemCommand, type DynamoDBClient, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { LEDGER_KEY, type MintMethod } from '../core/contract.js';
import type { ReadUnproven } from './adobe-verification.js';
import { EXPLORE_FORMS, type ExploreForm } from './explore-paths.js';
import type { ConnectionResult, ConnectionStatus } from './summary.js';

/** Adobe's detail kept with a failure: enough to diagnose, short enough for a table of thousands. */
const MAX_ERROR_CHARS = 500;
/** BatchGetItem takes at most 100 keys a request. */
const BATCH_GET_KEYS = 100;
/** Rounds of asking again for the keys DynamoDB left unprocessed (throttling, the 16 MB answer cap). */
const BATCH_GET_ROUNDS = 4;

/** The last successful rotation: what the connection holds since. */
export interface LedgerRotation {
  /** ISO 8601: when the PATCH was answered. */
  readonly at: string;
  /** ISO 8601: when the credentials it holds since expire. */
  readonly expiresAt: string;
  /** The etag the PATCH returned. */
  readonly etag: string;
  readonly method: MintMethod;
  /** Flow Service listed what the connection reads with them (Adobe's side of the proof). */
  readonly adobeVerified: boolean;
  /** Flow Service read a file it listed (true) or was refused (false); absent when not tried. */
  readonly adobeCanRead?: boolean;
  /** Why reading was not proven: it listed nothing, or no file it could preview. */
  readonly adobeReadUnproven?: ReadUnproven;
  /** The schedule tick (EventBridge Scheduler's `executionId`) whose run PATCHed them; absent for a manual run. */
  readonly executionId?: string;
}

/** The last attempt, whatever its outcome. */
export interface LedgerAttempt {
  readonly at: string;
  readonly outcome: ConnectionStatus;
  readonly errorCode?: string;
  readonly error?: string;
  readonly attempts: number;
}

/** One connection's item. */
export interface LedgerRecord {
  readonly connectionId: string;
  readonly sandboxName: string;
  readonly lastRotation?: LedgerRotation;
  readonly lastAttempt?: LedgerAttempt;
  /** Runs in a row whose outcome was `failed` (0 after a rotation). */
  readonly consecutiveFailures: number;
  /** The explore path form Adobe last accepted for this connection: tried first next time. */
  readonly exploreForm?: ExploreForm;
}

/**
 * Whether a result means the connection now holds new credentials: rotated, or failed only after
 * its PATCH was answered (Adobe could not read with them): both carry the PATCH's etag and expiry.
 */
function patchLanded(result: ConnectionResult): boolean {
  return (result.status === 'rotated' || result.status === 'failed') && Boolean(result.etag && result.expiresAt);
}

/**
 * The `UpdateItem` that records `result` (pure, for tests). A dry run records nothing: it changes
 * nothing; callers do not write it.
 */
export function ledgerUpdate(tableName: string, result: ConnectionResult, method: MintMethod, now: Date, executionId?: string): UpdateItemCommandInput {
  const at = now.toISOString();
  const attempt: LedgerAttempt = {
    at,
    outcome: result.status,
    attempts: result.attempts,
    ...(result.errorCode ? { errorCode: result.errorCode } : {}),
    ...(result.error ? { error: result.error.slice(0, MAX_ERROR_CHARS) } : {}),
  };
  const sets = ['sandboxName = :sandboxName', 'lastAttempt = :attempt'];
  const values: Record<string, unknown> = { ':sandboxName': result.sandboxName, ':attempt': attempt };
  if (patchLanded(result)) {
    const rotation: LedgerRotation = {
      at,
      expiresAt: result.expiresAt!,
      etag: result.etag!,
      method,
      adobeVerified: result.adobeVerified === true,
      ...(result.adobeCanRead !== undefined ? { adobeCanRead: result.adobeCanRead } : {}),
      ...(result.adobeReadUnproven ? { adobeReadUnproven: result.adobeReadUnproven } : {}),
      ...(executionId ? { executionId } : {}),
    };
    sets.push('lastRotation = :rotation');
    values[':rotation'] = rotation;
  }
  if (result.exploreForm) {
    sets.push('exploreForm = :exploreForm');
    values[':exploreForm'] = result.exploreForm;
  }
  if (result.status === 'failed') {
    sets.push('consecutiveFailures = if_not_exists(consecutiveFailures, :zero) + :one');
    values[':zero'] = 0;
    values[':one'] = 1;
  } else if (result.status === 'rotated') {
    sets.push('consecutiveFailures = :zero');
    values[':zero'] = 0;
  }
  return {
    TableName: tableName,
    Key: marshall({ [LEDGER_KEY]: result.connectionId }),
    UpdateExpression: `SET ${sets.join(', ')}`,
    ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
    ReturnValues: 'ALL_OLD',
  };
}

/** Read an item back into a {@link LedgerRecord}, or undefined. */
export function toLedgerRecord(item: Record<string, unknown> | undefined): LedgerRecord | undefined {
  if (!item || typeof item[LEDGER_KEY] !== 'string') return undefined;
  return {
    connectionId: item[LEDGER_KEY] as string,
    sandboxName: String(item.sandboxName ?? ''),
    ...(item.lastRotation ? { lastRotation: item.lastRotation as LedgerRotation } : {}),
    ...(item.lastAttempt ? { lastAttempt: item.lastAttempt as LedgerAttempt } : {}),
    consecutiveFailures: Number(item.consecutiveFailures ?? 0),
    ...(EXPLORE_FORMS.includes(item.exploreForm as ExploreForm) ? { exploreForm: item.exploreForm as ExploreForm } : {}),
  };
}

/** What a run reads back of a connection before it starts: hints, never decisions. */
export interface RememberedConnection {
  /** The explore path form Adobe last accepted: tried first. */
  readonly exploreForm?: ExploreForm;
  /** ISO 8601: the rotator's last attempt, so that a dataflow run that failed since is counted once. */
  readonly lastAttemptAt?: string;
}

/** The ledger table, written by the function and read by the CLI. */
export class RotationLedger {
  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  /**
   * Record one connection's outcome; resolves to what the item held before (undefined for a
   * connection the ledger has not seen). Rejects on any DynamoDB failure: the caller decides that
   * it never fails the rotation.
   */
  async record(
    result: ConnectionResult,
    method: MintMethod,
    { now = new Date(), signal, executionId }: { now?: Date; signal?: AbortSignal; executionId?: string } = {},
  ): Promise<LedgerRecord | undefined> {
    const response = await this.client.send(new UpdateItemCommand(ledgerUpdate(this.tableName, result, method, now, executionId)), {
      abortSignal: signal,
    });
    return toLedgerRecord(response.Attributes && unmarshall(response.Attributes));
  }

  /**
   * What the ledger remembers of each of `connectionIds` that it has seen, by connection id: the
   * explore form Adobe last accepted, and when the rotator last tried it. 100 keys a request
   * (eventually consistent: both are hints, and the next run corrects a stale one); keys DynamoDB
   * leaves unprocessed are asked for again a few times, and any still left are simply not in the
   * answer (their connections are treated as new). Rejects on any DynamoDB failure.
   */
  async remembered(connectionIds: readonly string[], { signal }: { signal?: AbortSignal } = {}): Promise<Map<string, RememberedConnection>> {
    const found = new Map<string, RememberedConnection>();
    for (let start = 0; start < connectionIds.length; start += BATCH_GET_KEYS) {
      let keys = connectionIds.slice(start, start + BATCH_GET_KEYS).map((id) => marshall({ [LEDGER_KEY]: id }));
      for (let round = 0; keys.length > 0 && round < BATCH_GET_ROUNDS; round += 1) {
        const response = await this.client.send(
          new BatchGetItemCommand({
            RequestItems: {
              [this.tableName]: { Keys: keys, ProjectionExpression: '#id, exploreForm, lastAttempt', ExpressionAttributeNames: { '#id': LEDGER_KEY } },
            },
          }),
          { abortSignal: signal },
        );
        for (const item of response.Responses?.[this.tableName] ?? []) {
          const record = toLedgerRecord(unmarshall(item));
          if (!record) continue;
          found.set(record.connectionId, {
            ...(record.exploreForm ? { exploreForm: record.exploreForm } : {}),
            ...(record.lastAttempt?.at ? { lastAttemptAt: record.lastAttempt.at } : {}),
          });
        }
        keys = response.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return found;
  }

  /**
   * The last rotation of each of `connectionIds` that the schedule tick `executionId` made, by
   * connection id: what an earlier delivery of the same tick already rotated. Consistent reads,
   * 100 keys a request; keys DynamoDB leaves unprocessed are asked for again a few times, and any
   * still left are simply not in the answer (their connections rotate again: wasteful, not wrong).
   * Rejects on any DynamoDB failure.
   */
  async rotatedInTick(connectionIds: readonly string[], executionId: string, { signal }: { signal?: AbortSignal } = {}): Promise<Map<string, LedgerRotation>> {
    const found = new Map<string, LedgerRotation>();
    for (let start = 0; start < connectionIds.length; start += BATCH_GET_KEYS) {
      let keys = connectionIds.slice(start, start + BATCH_GET_KEYS).map((id) => marshall({ [LEDGER_KEY]: id }));
      for (let round = 0; keys.length > 0 && round < BATCH_GET_ROUNDS; round += 1) {
        const response = await this.client.send(
          new BatchGetItemCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: keys,
                ConsistentRead: true,
                ProjectionExpression: '#id, lastRotation',
                ExpressionAttributeNames: { '#id': LEDGER_KEY },
              },
            },
          }),
          { abortSignal: signal },
        );
        for (const item of response.Responses?.[this.tableName] ?? []) {
          const record = toLedgerRecord(unmarshall(item));
          if (record?.lastRotation?.executionId === executionId) found.set(record.connectionId, record.lastRotation);
        }
        keys = response.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return found;
  }

  /** One connection's item, consistently read (the CLI's `status`). */
  async get(connectionId: string): Promise<LedgerRecord | undefined> {
    const response = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall({ [LEDGER_KEY]: connectionId }), ConsistentRead: true }),
    );
    return toLedgerRecord(response.Item && unmarshall(response.Item));
  }
}
