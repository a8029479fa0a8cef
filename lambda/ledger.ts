/**
 * The rotation ledger: one DynamoDB item per connection, written once per run, that answers the
 * operator's first questions without trusting Flow Service's `updatedAt` (which any edit moves):
 * when was it last rotated and what does it hold until when, how did the last attempt go, how
 * many runs in a row has it failed, and its recent rotations (`history`: when, how, the AccessKeyId
 * issued, Adobe's code, and whether the schedule or a person asked). One more item, `#pauses`,
 * holds the pauses the CLI writes (core/pauses.ts).
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
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { LEDGER_KEY, type MintMethod } from '../core/contract.js';
import { PAUSES_KEY, parsePauses, type Pause } from '../core/pauses.js';
import type { ReadUnproven } from './adobe-verification.js';
import { EXPLORE_FORMS, type ExploreForm } from './explore-paths.js';
import type { ConnectionResult, ConnectionStatus } from './summary.js';

/** Adobe's detail kept with a failure: enough to diagnose, short enough for a table of thousands. */
const MAX_ERROR_CHARS = 500;
/** BatchGetItem takes at most 100 keys a request. */
const BATCH_GET_KEYS = 100;
/** Rounds of asking again for the keys DynamoDB left unprocessed (throttling, the 16 MB answer cap). */
const BATCH_GET_ROUNDS = 4;
/** The rotations a connection's `history` keeps at least (the oldest are dropped beyond {@link HISTORY_TRIM_AT}). */
export const HISTORY_KEEP = 25;
/**
 * A history this long is trimmed back to {@link HISTORY_KEEP} (one extra write every ten rotations, rewriting the
 * list).
 */
export const HISTORY_TRIM_AT = 35;

/** What started a run: the schedule (one tick of it), or a manual request and who the caller says it is. */
export type RunTrigger =
  | { readonly kind: 'schedule'; readonly executionId?: string }
  | {
      readonly kind: 'manual';
      /**
       * As the request says (`caller`; the CLI sends its sts:GetCallerIdentity ARN); Lambda's CloudTrail data events
       * record the real invoker.
       */
      readonly caller?: string;
    };

/** One rotation attempt of a connection, as its `history` keeps it (the newest last). */
export interface LedgerHistoryEntry {
  /** ISO 8601: when the outcome was known. */
  readonly at: string;
  readonly outcome: 'rotated' | 'failed';
  readonly method: MintMethod;
  /** The AccessKeyId of the set the attempt minted (not a secret: it names the set in CloudTrail). */
  readonly accessKeyId?: string;
  /** The etag the PATCH returned, when one landed. */
  readonly etag?: string;
  readonly expiresAt?: string;
  /** Adobe's code (or the rotator's) of a failure. */
  readonly errorCode?: string;
  readonly adobeVerified?: boolean;
  readonly trigger: RunTrigger['kind'];
  /** Manual: who the request says asked. */
  readonly caller?: string;
  /** Scheduled: the tick (EventBridge Scheduler's `executionId`). */
  readonly executionId?: string;
}

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
  /** The AccessKeyId of the set the connection holds since. */
  readonly accessKeyId?: string;
}

/** The last attempt, whatever its outcome. */
export interface LedgerAttempt {
  readonly at: string;
  readonly outcome: ConnectionStatus;
  readonly errorCode?: string;
  readonly error?: string;
  readonly attempts: number;
  /** What started the run (absent in items written before it was recorded). */
  readonly trigger?: RunTrigger['kind'];
  readonly caller?: string;
}

/** One connection's item. */
export interface LedgerRecord {
  readonly connectionId: string;
  readonly sandboxName: string;
  readonly lastRotation?: LedgerRotation;
  readonly lastAttempt?: LedgerAttempt;
  /** Runs in a row whose outcome was `failed` (0 after a rotation). */
  readonly consecutiveFailures: number;
  /** The recent rotation attempts, oldest first: at least the last {@link HISTORY_KEEP}. */
  readonly history: readonly LedgerHistoryEntry[];
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
 * The `UpdateItem` that records `result` (pure, for tests): the last attempt, the last rotation when
 * a PATCH landed, the failures in a row, and one more entry of the connection's `history` for an
 * attempt that rotated or failed. A dry run records nothing: it changes nothing; callers do not
 * write it.
 *
 * @param trigger what started the run (a tick's `executionId` marks the rotation it made, for a
 * second delivery of the tick). @default a manual request whose caller is not known
 */
export function ledgerUpdate(
  tableName: string,
  result: ConnectionResult,
  method: MintMethod,
  now: Date,
  trigger: RunTrigger = { kind: 'manual' },
): UpdateItemCommandInput {
  const at = now.toISOString();
  const executionId = trigger?.kind === 'schedule' ? trigger.executionId : undefined;
  const caller = trigger?.kind === 'manual' ? trigger.caller : undefined;
  const attempt: LedgerAttempt = {
    at,
    outcome: result.status,
    attempts: result.attempts,
    ...(result.errorCode ? { errorCode: result.errorCode } : {}),
    ...(result.error ? { error: result.error.slice(0, MAX_ERROR_CHARS) } : {}),
    trigger: trigger.kind,
    ...(caller ? { caller } : {}),
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
      ...(result.accessKeyId ? { accessKeyId: result.accessKeyId } : {}),
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
  if (result.status === 'rotated' || result.status === 'failed') {
    const entry: LedgerHistoryEntry = {
      at,
      outcome: result.status,
      method,
      ...(result.accessKeyId ? { accessKeyId: result.accessKeyId } : {}),
      ...(patchLanded(result) ? { etag: result.etag!, expiresAt: result.expiresAt! } : {}),
      ...(result.errorCode ? { errorCode: result.errorCode } : {}),
      ...(patchLanded(result) ? { adobeVerified: result.adobeVerified === true } : {}),
      trigger: trigger.kind,
      ...(caller ? { caller } : {}),
      ...(executionId ? { executionId } : {}),
    };
    // Appended, newest last; the oldest are trimmed by a later write (RotationLedger.record).
    sets.push('history = list_append(if_not_exists(history, :noHistory), :historyEntry)');
    values[':noHistory'] = [];
    values[':historyEntry'] = [entry];
  }
  return {
    TableName: tableName,
    Key: marshall({ [LEDGER_KEY]: result.connectionId }),
    UpdateExpression: `SET ${sets.join(', ')}`,
    ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
    ReturnValues: 'ALL_OLD',
  };
}

/**
 * The `UpdateItem` that keeps only the last {@link HISTORY_KEEP} entries of `history` (the item's
 * whole history now), or undefined while it is short enough. Conditional on its length, so an
 * entry appended meanwhile is never lost (that write trims next time).
 */
export function historyTrim(
  tableName: string,
  connectionId: string,
  history: readonly LedgerHistoryEntry[],
): UpdateItemCommandInput | undefined {
  if (history.length < HISTORY_TRIM_AT) return undefined;
  return {
    TableName: tableName,
    Key: marshall({ [LEDGER_KEY]: connectionId }),
    UpdateExpression: 'SET history = :kept',
    ConditionExpression: 'size(history) = :length',
    ExpressionAttributeValues: marshall(
      { ':kept': history.slice(-HISTORY_KEEP), ':length': history.length },
      { removeUndefinedValues: true },
    ),
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
    history: Array.isArray(item.history) ? (item.history as LedgerHistoryEntry[]) : [],
    ...(EXPLORE_FORMS.includes(item.exploreForm as ExploreForm)
      ? { exploreForm: item.exploreForm as ExploreForm }
      : {}),
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
   * it never fails the rotation. A history grown past {@link HISTORY_TRIM_AT} is trimmed by a second
   * write, whose failure is ignored (the next write trims it).
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
    for (const item of await this.batchGet(connectionIds, 'lastRotation', { signal })) {
      const record = toLedgerRecord(item);
      if (record?.lastRotation?.expiresAt) found.set(record.connectionId, record.lastRotation.expiresAt);
    }
    return found;
  }

  /**
   * The items of `connectionIds` the ledger has, whole, by connection id (the CLI's `status` and
   * `history`; one BatchGetItem per 100). Rejects on any DynamoDB failure.
   */
  async records(connectionIds: readonly string[]): Promise<Map<string, LedgerRecord>> {
    const found = new Map<string, LedgerRecord>();
    for (const item of await this.batchGet(connectionIds, undefined, {})) {
      const record = toLedgerRecord(item);
      if (record) found.set(record.connectionId, record);
    }
    return found;
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

  /**
   * What the ledger remembers of each of `connectionIds` that it has seen, by connection id: the
   * explore form Adobe last accepted, and when the rotator last tried it. 100 keys a request
   * (eventually consistent: both are hints, and the next run corrects a stale one); keys DynamoDB
   * leaves unprocessed are asked for again a few times, and any still left are simply not in the
   * answer (their connections are treated as new). Rejects on any DynamoDB failure.
   */
  async remembered(
    connectionIds: readonly string[],
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<Map<string, RememberedConnection>> {
    const found = new Map<string, RememberedConnection>();
    for (const item of await this.batchGet(connectionIds, 'exploreForm, lastAttempt', { signal, consistent: false })) {
      const record = toLedgerRecord(item);
      if (!record) continue;
      found.set(record.connectionId, {
        ...(record.exploreForm ? { exploreForm: record.exploreForm } : {}),
        ...(record.lastAttempt?.at ? { lastAttemptAt: record.lastAttempt.at } : {}),
      });
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
  async rotatedInTick(
    connectionIds: readonly string[],
    executionId: string,
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<Map<string, LedgerRotation>> {
    const found = new Map<string, LedgerRotation>();
    for (const item of await this.batchGet(connectionIds, 'lastRotation', { signal })) {
      const record = toLedgerRecord(item);
      if (record?.lastRotation?.executionId === executionId) found.set(record.connectionId, record.lastRotation);
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
