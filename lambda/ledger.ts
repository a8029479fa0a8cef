/**
 * The rotation ledger: one DynamoDB item per connection, written once per run (its shape and the
 * `UpdateItem` that writes it: lambda/ledger-item.ts). One more item, `#pauses`, holds the pauses
 * the CLI writes (core/pauses.ts).
 *
 * The function writes with `UpdateItem` (the old item comes back with the same request,
 * `ReturnValues: ALL_OLD`, so a failed connection's expiry metric can use what the ledger says it
 * still holds), and reads with `BatchGetItem` at the start of a run: the pauses (a run of every
 * target), what it remembers of each connection (the explore form Adobe accepted, when it last
 * tried it), and, on a scheduled run, the connections an earlier delivery of the same schedule tick
 * already rotated. A write or read that fails never fails the rotation: the caller logs it (and
 * counts a failed write, `LedgerWriteFailed`).
 */
import {
  BatchGetItemCommand,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { LEDGER_KEY, type MintMethod } from '../core/contract.js';
import { PAUSES_KEY, parsePauses, type Pause } from '../core/pauses.js';
import type { ExploreForm } from './explore-paths.js';
import {
  historyTrim,
  ledgerUpdate,
  toLedgerRecord,
  type LedgerHistoryEntry,
  type LedgerRecord,
  type LedgerRotation,
  type RunTrigger,
} from './ledger-item.js';
import type { ConnectionResult } from './summary.js';

/** BatchGetItem takes at most 100 keys a request. */
const BATCH_GET_KEYS = 100;
/** Rounds of asking again for the keys DynamoDB left unprocessed (throttling, the 16 MB answer cap). */
const BATCH_GET_ROUNDS = 4;

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
   * it never fails the rotation. A history grown past `HISTORY_TRIM_AT` (lambda/ledger-item.ts) is
   * trimmed by a second write, whose failure is ignored (the next write trims it).
   */
  async record(
    result: ConnectionResult,
    method: MintMethod,
    { now = new Date(), signal, trigger }: { now?: Date; signal?: AbortSignal; trigger?: RunTrigger } = {},
  ): Promise<LedgerRecord | undefined> {
    const update = ledgerUpdate(this.tableName, result, method, now, trigger);
    const response = await this.client.send(new UpdateItemCommand(update), { abortSignal: signal });
    const previous = toLedgerRecord(response.Attributes && unmarshall(response.Attributes));
    const appended = update.ExpressionAttributeValues?.[':historyEntry']?.L;
    if (appended) {
      const trim = historyTrim(this.tableName, result.connectionId, [
        ...(previous?.history ?? []),
        ...appended.map((entry) => unmarshall(entry.M!) as LedgerHistoryEntry),
      ]);
      if (trim) await this.client.send(new UpdateItemCommand(trim), { abortSignal: signal }).catch(() => undefined);
    }
    return previous;
  }

  /**
   * The pauses (core/pauses.ts), as the item `#pauses` holds them, ended ones included; empty when
   * there is none. Entries that are not pauses are left out and counted. A consistent read, with
   * `BatchGetItem` (the one read action the function's role has). Rejects on any DynamoDB failure.
   */
  async pauses({ signal }: { signal?: AbortSignal } = {}): Promise<{ pauses: Pause[]; invalid: number }> {
    const [item] = await this.batchGet([PAUSES_KEY], 'pauses', { signal });
    return parsePauses(item?.pauses);
  }

  /**
   * When what each of `connectionIds` holds expires, by connection id, as its last rotation says
   * (a connection the ledger has not seen, or never rotated, is left out). Rejects on any DynamoDB failure.
   */
  async heldExpiries(
    connectionIds: readonly string[],
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const record of await this.recordsOf(connectionIds, 'lastRotation', { signal })) {
      if (record.lastRotation?.expiresAt) found.set(record.connectionId, record.lastRotation.expiresAt);
    }
    return found;
  }

  /**
   * The items of `connectionIds` the ledger has, whole, by connection id (the CLI's `status` and
   * `history`; one BatchGetItem per 100). Rejects on any DynamoDB failure.
   */
  async records(connectionIds: readonly string[]): Promise<Map<string, LedgerRecord>> {
    const records = await this.recordsOf(connectionIds, undefined, {});
    return new Map(records.map((record) => [record.connectionId, record]));
  }

  /**
   * The items of `keys` that exist, with `#id` and `projection` (every attribute without one):
   * consistent reads unless `consistent` is false, 100 keys a request; keys DynamoDB leaves
   * unprocessed are asked for again a few times, and any still left are simply not in the answer.
   */
  private async batchGet(
    keys: readonly string[],
    projection: string | undefined,
    { signal, consistent = true }: { signal?: AbortSignal; consistent?: boolean },
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for (let start = 0; start < keys.length; start += BATCH_GET_KEYS) {
      let batch: Record<string, AttributeValue>[] = keys
        .slice(start, start + BATCH_GET_KEYS)
        .map((id) => marshall({ [LEDGER_KEY]: id }));
      for (let round = 0; batch.length > 0 && round < BATCH_GET_ROUNDS; round += 1) {
        const response = await this.client.send(
          new BatchGetItemCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: batch,
                ...(consistent ? { ConsistentRead: true } : {}),
                ...(projection
                  ? { ProjectionExpression: `#id, ${projection}`, ExpressionAttributeNames: { '#id': LEDGER_KEY } }
                  : {}),
              },
            },
          }),
          { abortSignal: signal },
        );
        for (const item of response.Responses?.[this.tableName] ?? []) items.push(unmarshall(item));
        batch = response.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return items;
  }

  /** The ledger records among the items {@link batchGet} reads (the `#pauses` item is not one). */
  private async recordsOf(
    keys: readonly string[],
    projection: string | undefined,
    options: { signal?: AbortSignal; consistent?: boolean },
  ): Promise<LedgerRecord[]> {
    const items = await this.batchGet(keys, projection, options);
    return items.map(toLedgerRecord).filter((record): record is LedgerRecord => record !== undefined);
  }

  /**
   * What the ledger remembers of each of `connectionIds` that it has seen, by connection id: the
   * explore form Adobe last accepted, and when the rotator last tried it. Eventually consistent
   * reads (both are hints, and the next run corrects a stale one); keys still unprocessed after
   * {@link batchGet}'s rounds are not in the answer (their connections are treated as new).
   * Rejects on any DynamoDB failure.
   */
  async remembered(
    connectionIds: readonly string[],
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<Map<string, RememberedConnection>> {
    const records = await this.recordsOf(connectionIds, 'exploreForm, lastAttempt', { signal, consistent: false });
    return new Map(
      records.map((record): [string, RememberedConnection] => [
        record.connectionId,
        {
          ...(record.exploreForm ? { exploreForm: record.exploreForm } : {}),
          ...(record.lastAttempt?.at ? { lastAttemptAt: record.lastAttempt.at } : {}),
        },
      ]),
    );
  }

  /**
   * The last rotation of each of `connectionIds` that the schedule tick `executionId` made, by
   * connection id: what an earlier delivery of the same tick already rotated. Consistent reads;
   * keys still unprocessed after {@link batchGet}'s rounds are not in the answer (their connections
   * rotate again: wasteful, not wrong). Rejects on any DynamoDB failure.
   */
  async rotatedInTick(
    connectionIds: readonly string[],
    executionId: string,
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<Map<string, LedgerRotation>> {
    const found = new Map<string, LedgerRotation>();
    for (const record of await this.recordsOf(connectionIds, 'lastRotation', { signal })) {
      if (record.lastRotation?.executionId === executionId) found.set(record.connectionId, record.lastRotation);
    }
    return found;
  }

  /** One connection's item, consistently read (the CLI's `status`). */
  async get(connectionId: string): Promise<LedgerRecord | undefined> {
    const response = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall({ [LEDGER_KEY]: connectionId }),
        ConsistentRead: true,
      }),
    );
    return toLedgerRecord(response.Item && unmarshall(response.Item));
  }
}
