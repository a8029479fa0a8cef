/**
 * The rotation ledger's item (lambda/ledger.ts reads and writes it): one per connection, that
 * answers the operator's first questions without trusting Flow Service's `updatedAt` (which any
 * edit moves): when was it last rotated and what does it hold until when, how did the last attempt
 * go, how many runs in a row has it failed, and its recent rotations (`history`: when, how, the
 * AccessKeyId issued, Adobe's code, and whether the schedule or a person asked). Pure: the
 * `UpdateItem` that records a result, the one that trims `history`, and the reading of an item.
 */
import type { UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { LEDGER_KEY, type MintMethod } from '../core/contract.js';
import type { ReadUnproven } from './adobe-verification.js';
import { EXPLORE_FORMS, type ExploreForm } from './explore-paths.js';
import type { ConnectionResult, ConnectionStatus } from './summary.js';

/** Adobe's detail kept with a failure: enough to diagnose, short enough for a table of thousands. */
const MAX_ERROR_CHARS = 500;
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
