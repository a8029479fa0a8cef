/**
 * How `status` judges one connection, as the alarms do: from the rotation ledger (what the function
 * last wrote, until when, how its last attempt went), Adobe's own view of it (the function's
 * `inspect` answer: state, who updated it, and with `--probe` whether Adobe can list with what it
 * holds), its pause, and the deployed alarms' threshold.
 *
 * - EXPIRED / EXPIRING: what it holds has expired, or has less left than `CredentialsExpiringAlarm`'s
 *   threshold (the alarm's own judgement);
 * - FAILING: its last attempt failed; STALE: no attempt for two schedule intervals (runs stopped);
 * - PAUSED: a pause keeps the schedule from rotating it (EXPIRING when it expires meanwhile);
 * - NOT FOUND, NOT ENABLED, NOT ROTATABLE, ADOBE REFUSED (`--probe`: Adobe cannot list or read
 *   what the connection reads), WRONG SCOPE (the target's bucket and folder do not contain it),
 *   FLOW FAILED (a dataflow reading it failed its last run): from Adobe's view;
 * - UNKNOWN: neither the ledger nor Adobe could say anything.
 *
 * Pure and total: what could not be learned is listed in `unknown`, never guessed. Only the names
 * of `auth.params` are kept, never their values.
 */
import type { Pause } from '../core/pauses.js';
import type { InspectedConnection } from '../lambda/inspect-connection.js';
import type { LedgerAttempt, LedgerRecord, LedgerRotation } from '../lambda/ledger-item.js';
import type { Contributor } from './deployment.js';
import { formatClock, formatDuration } from './output.js';
import type { LegacyPause } from './pause-store.js';
import { dataflowWarning, failedDataflows, readingFacts, type ReadingFacts } from './status-reading.js';
import type { TargetDifference } from './targets.js';

export type Risk =
  | 'ok'
  | 'expiring'
  | 'expired'
  /** The ledger says the last run failed for this connection. */
  | 'failing'
  /** No attempt for two schedule intervals: scheduled runs stopped reaching it. */
  | 'stale'
  | 'paused'
  | 'not-found'
  | 'not-enabled'
  | 'not-rotatable'
  /** An `IAMRole Based` connection: Adobe assumes the role itself, nothing expires here. */
  | 'nothing-to-rotate'
  /** `--probe`: Flow Service could not list or read with the credentials the connection holds. */
  | 'adobe-cannot-read'
  /** The target's bucket and folder do not contain what the connection reads: every rotation fails. */
  | 'scope-mismatch'
  /** A dataflow reading the connection failed its last run (`DataflowRunFailedAlarm`). */
  | 'dataflow-failed'
  /** Neither the ledger nor Adobe could say anything about it. */
  | 'unknown';

const NOT_AT_RISK = new Set<Risk>(['ok', 'nothing-to-rotate', 'paused']);

/** What `status` could not learn about a connection. */
export type Unknown = 'adobe' | 'ledger' | 'pause';

/** One connection as `status` reports it. */
export interface ConnectionStatus extends ReadingFacts {
  readonly connectionId: string;
  readonly sandboxName: string;
  readonly name?: string;
  readonly method?: string;
  readonly lifetimeSeconds?: number;
  readonly risk: Risk;
  readonly atRisk: boolean;
  /** Why it is at risk, or what to know. */
  readonly warning?: string;
  /** What could not be learned (the parts of the row that are unknown). */
  readonly unknown: readonly Unknown[];
  /** Adobe's view, from the function's `inspect` (never a credential value). */
  readonly state?: string;
  readonly specName?: string;
  readonly params?: readonly string[];
  readonly updatedAt?: string;
  readonly updatedBy?: string;
  readonly writtenByRotator?: boolean;
  /** Flow Service shows a write by someone other than the rotator after its last rotation. */
  readonly editedAfterRotation?: boolean;
  /** The ledger: the last rotation, the last attempt, the failures in a row. */
  readonly lastRotation?: LedgerRotation;
  readonly lastAttempt?: LedgerAttempt;
  readonly consecutiveFailures?: number;
  /** When what it holds expires, and how long that is from now. */
  readonly expiresAt?: string;
  readonly remainingSeconds?: number;
  /** When a run last tried it, and when the schedule runs next (the pause's end, when later). */
  readonly lastRunAt?: string;
  readonly nextRunAt?: string;
  readonly pause?: Pause;
  /** Per-connection alarms this connection holds in ALARM (it is one of their contributors). */
  readonly alarms?: readonly string[];
  /** `--probe`: what Flow Service was asked to list, and whether it could. */
  readonly explored?: string;
  readonly adobeVerified?: boolean;
  /**
   * `--probe`: Flow Service read a file it listed (true), was refused (false); absent when it listed no file to read.
   */
  readonly adobeCanRead?: boolean;
  /** `--probe`, refused: Adobe's code (`1100-400`, `2118-403`, ...) or the rotator's (`FLOW_SERVICE_UNREACHABLE`). */
  readonly adobeErrorCode?: string;
  readonly adobeError?: string;
  /** Why Adobe's view is missing: Adobe's code and words (or the rotator's, e.g. `IMS_AUTH_FAILED`). */
  readonly adobeViewErrorCode?: string;
  readonly adobeViewError?: string;
  /** Every run fails for this code, whatever the connection (RotatorStatus's `runsFail`). */
  readonly runsFail?: string;
}

/** Everything one connection's judgement is made of. */
export interface Judging {
  readonly connectionId: string;
  readonly sandboxName: string;
  /** How it is minted and for how long (the function's targets, else the configuration's). */
  readonly method?: string;
  readonly lifetimeSeconds?: number;
  /** Adobe's view; undefined when the function could not be asked. */
  readonly adobe?: InspectedConnection;
  /**
   * The code of why every scheduled run will fail for every connection, when the function itself
   * cannot reach Adobe for good (it could not authenticate: `IMS_AUTH_FAILED`, the secret invalid).
   */
  readonly runsFail?: string;
  /** Its ledger item: null when it has none, undefined when the ledger could not be read. */
  readonly ledger?: LedgerRecord | null;
  /** Its pause: null when none, undefined when the pauses could not be read. */
  readonly pause?: Pause | null;
  readonly now: number;
  /** `CredentialsExpiringAlarm`'s threshold, in seconds. */
  readonly thresholdSeconds: number;
  /** One schedule interval, in seconds (undefined when the schedule is unknown). */
  readonly intervalSeconds?: number;
  /** When the schedule runs next (epoch ms), when known. */
  readonly nextRunAt?: number;
  readonly probe: boolean;
  readonly alarms?: readonly string[];
}

const iso = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? undefined : new Date(ms).toISOString());

/** Adobe's code and words of a failed attempt, as the ledger kept them. */
function failureOf(attempt: LedgerAttempt, runsInARow: number, now: number): string {
  const attempts = attempt.attempts > 1 ? ` after ${attempt.attempts} attempts` : '';
  const row = runsInARow > 1 ? `, ${runsInARow} runs in a row` : '';
  const code = attempt.errorCode ? ` with ${attempt.errorCode}` : '';
  const words = attempt.error ? `: ${attempt.error.replace(/\.$/, '')}` : '';
  return `the last attempt (${formatClock(attempt.at, now)}) failed${code}${attempts}${row}${words}`;
}

/** Judge one connection. Never throws. */
export function judge(input: Judging): ConnectionStatus {
  const { adobe, now } = input;
  const ledger = input.ledger ?? undefined;
  // Adobe's view is unknown when the function could not be asked, or could not read it (not found is known).
  const unknown: Unknown[] = [
    ...(adobe && (!adobe.errorCode || adobe.notFound) ? [] : (['adobe'] as const)),
    ...(input.ledger === undefined ? (['ledger'] as const) : []),
    ...(input.pause === undefined ? (['pause'] as const) : []),
  ];
  const adobeFacts = adobe?.errorCode ? undefined : adobe;
  const updatedAt = adobeFacts?.updatedAt ? Date.parse(adobeFacts.updatedAt) : undefined;
  const rotatedAt = ledger?.lastRotation ? Date.parse(ledger.lastRotation.at) : undefined;
  const writtenLater = updatedAt !== undefined && (rotatedAt === undefined || updatedAt > rotatedAt);
  // The rotator's own client wrote after the ledger's last rotation (a `rotate --local`, or a
  // ledger write that failed): what it holds dates from that write.
  const rotatorLater = writtenLater && adobeFacts?.writtenByRotator === true;
  const editedAfterRotation = writtenLater && adobeFacts?.writtenByRotator === false && ledger !== undefined;
  const heldByAdobe = adobeFacts?.heldCredentialsExpireAt
    ? Date.parse(adobeFacts.heldCredentialsExpireAt)
    : updatedAt !== undefined && input.lifetimeSeconds
      ? updatedAt + input.lifetimeSeconds * 1000
      : undefined;
  const expiresAt =
    rotatorLater && heldByAdobe !== undefined
      ? heldByAdobe
      : ledger?.lastRotation
        ? Date.parse(ledger.lastRotation.expiresAt)
        : adobeFacts?.heldCredentialsExpireAt
          ? Date.parse(adobeFacts.heldCredentialsExpireAt)
          : undefined;
  const remaining =
    expiresAt === undefined || Number.isNaN(expiresAt) ? undefined : Math.round((expiresAt - now) / 1000);
  const pause = input.pause ?? undefined;
  const pauseEnd = pause ? Date.parse(pause.until) : undefined;
  const nextRunAt =
    pauseEnd !== undefined && (input.nextRunAt === undefined || pauseEnd > input.nextRunAt)
      ? pauseEnd
      : input.nextRunAt;
  const attempt = ledger?.lastAttempt;

  const facts: Omit<ConnectionStatus, 'risk' | 'atRisk' | 'warning'> = {
    connectionId: input.connectionId,
    sandboxName: input.sandboxName,
    ...(adobeFacts?.name ? { name: adobeFacts.name } : {}),
    ...(input.method ? { method: input.method } : {}),
    ...(input.lifetimeSeconds ? { lifetimeSeconds: input.lifetimeSeconds } : {}),
    unknown,
    ...(adobeFacts
      ? {
          ...(adobeFacts.state ? { state: adobeFacts.state } : {}),
          ...(adobeFacts.specName ? { specName: adobeFacts.specName } : {}),
          ...(adobeFacts.params ? { params: adobeFacts.params } : {}),
          ...(adobeFacts.updatedAt ? { updatedAt: adobeFacts.updatedAt } : {}),
          ...(adobeFacts.updatedBy ? { updatedBy: adobeFacts.updatedBy } : {}),
          ...(adobeFacts.writtenByRotator !== undefined ? { writtenByRotator: adobeFacts.writtenByRotator } : {}),
        }
      : {}),
    ...(adobe?.errorCode ? { adobeViewErrorCode: adobe.errorCode, adobeViewError: adobe.error } : {}),
    ...(editedAfterRotation ? { editedAfterRotation } : {}),
    ...(ledger?.lastRotation ? { lastRotation: ledger.lastRotation } : {}),
    ...(attempt ? { lastAttempt: attempt, lastRunAt: attempt.at } : {}),
    ...(ledger ? { consecutiveFailures: ledger.consecutiveFailures } : {}),
    ...(remaining !== undefined ? { expiresAt: iso(expiresAt), remainingSeconds: remaining } : {}),
    ...(nextRunAt !== undefined ? { nextRunAt: iso(nextRunAt) } : {}),
    ...(pause ? { pause } : {}),
    ...(input.alarms && input.alarms.length > 0 ? { alarms: input.alarms } : {}),
    ...(adobe?.explored ? { explored: adobe.explored } : {}),
    ...(adobe?.adobeVerified !== undefined ? { adobeVerified: adobe.adobeVerified } : {}),
    ...(adobe?.adobeErrorCode ? { adobeErrorCode: adobe.adobeErrorCode, adobeError: adobe.adobeError } : {}),
    ...readingFacts(adobeFacts, ledger, input.probe, now),
  };
  const judged = (risk: Risk, ...parts: Array<string | undefined>): ConnectionStatus => {
    const warning = parts.filter(Boolean).join('; ');
    return { ...facts, risk, atRisk: !NOT_AT_RISK.has(risk), ...(warning ? { warning } : {}) };
  };

  // Adobe's view first: a connection that is not there, not enabled or not S3 access keys fails whatever the ledger
  // says.
  if (adobe?.notFound) {
    return judged(
      'not-found',
      `not found in sandbox ${input.sandboxName} (${adobe.errorCode}): check connectionId and sandboxName in the ` +
        'configuration',
    );
  }
  if (adobeFacts?.rotatable === false) {
    if (adobeFacts.notRotatableReason === 'iam-role-auth') {
      return judged(
        'nothing-to-rotate',
        'IAMRole Based: Adobe assumes the role itself, there are no credentials to rotate; remove it from the targets',
      );
    }
    return judged(
      'not-rotatable',
      `${adobeFacts.notRotatable ?? 'not an S3 access-key connection'}: every rotation of it fails`,
    );
  }
  if (adobeFacts && adobeFacts.state !== undefined && adobeFacts.state !== 'enabled') {
    return judged('not-enabled', `state is "${adobeFacts.state}", not enabled`);
  }

  const holds =
    remaining === undefined
      ? undefined
      : remaining <= 0
        ? `the credentials it holds expired at ${formatClock(expiresAt, now)}`
        : `the credentials it holds expire at ${formatClock(expiresAt, now)}, in about ${formatDuration(remaining)}`;
  const edit = editedAfterRotation
    ? `edited by ${adobeFacts?.updatedBy ?? 'someone else'} at ${formatClock(updatedAt, now)}, ` +
      (rotatedAt === undefined ? 'and never rotated since' : `after its last rotation (${formatClock(rotatedAt, now)})`)
    : undefined;
  const later = rotatorLater
    ? "the rotator's Adobe client wrote it after the ledger's last rotation (a rotate --local?), " +
      'so its expiry counts from that write'
    : undefined;
  const failed = attempt?.outcome === 'failed' && !(rotatorLater && updatedAt! > Date.parse(attempt.at));
  const adobeRefused =
    input.probe && (adobe?.adobeVerified === false || adobe?.adobeCanRead === false)
      ? `Adobe cannot ${adobe.adobeCanRead === false ? 'read' : 'list'} ${adobe.explored ?? 'the bucket'} ` +
        'with the credentials the connection holds now, so ingestion fails at the next dataflow run: ' +
        `${adobe.adobeError} (${adobe.adobeErrorCode})`
      : undefined;
  const flowsFailed = failedDataflows(facts);
  const pausedText = pause
    ? `paused until ${formatClock(pause.until, now)} by ${pause.pausedBy} ` +
      `("${pause.reason.replace(/\s+/g, ' ')}"): no scheduled run rotates it until then`
    : undefined;

  if (remaining !== undefined && remaining <= 0)
    return judged(
      'expired',
      holds,
      failed ? failureOf(attempt!, ledger!.consecutiveFailures, now) : undefined,
      pausedText,
      edit,
      later,
    );
  if (remaining !== undefined && remaining < input.thresholdSeconds) {
    const alarm = `below CredentialsExpiringAlarm's threshold (${formatDuration(input.thresholdSeconds)})`;
    return judged(
      'expiring',
      `${holds}, ${alarm}`,
      failed ? failureOf(attempt!, ledger!.consecutiveFailures, now) : undefined,
      pause && pauseEnd! > expiresAt!
        ? `${pausedText}, which ends after they expire: ingestion stops at ${formatClock(expiresAt, now)}`
        : pausedText,
      edit,
      later,
    );
  }
  if (pause) return judged('paused', pausedText, holds, edit);
  if (input.runsFail)
    return {
      ...judged('failing', `every scheduled run fails (${input.runsFail}, above)`, holds),
      runsFail: input.runsFail,
    };
  if (facts.scopeMismatch)
    return judged(
      'scope-mismatch',
      `${facts.scopeMismatch}: every rotation of it fails (CONNECTION_SCOPE_MISMATCH)`,
      holds,
    );
  if (adobeRefused) return judged('adobe-cannot-read', adobeRefused, holds);
  if (failed) return judged('failing', failureOf(attempt!, ledger!.consecutiveFailures, now), holds, edit, later);
  if (flowsFailed.length > 0) return judged('dataflow-failed', dataflowWarning(flowsFailed, now), holds, edit);
  const lastTried = attempt ? Date.parse(attempt.at) : undefined;
  if (input.intervalSeconds && lastTried !== undefined && now - lastTried > 2 * input.intervalSeconds * 1000) {
    return judged(
      'stale',
      `no run has tried it since ${formatClock(lastTried, now)}, more than two schedule intervals ` +
        `(${formatDuration(2 * input.intervalSeconds)}) ago: scheduled runs have stopped reaching it`,
      holds,
    );
  }
  if (remaining === undefined && !attempt) {
    if (!adobe && input.ledger === undefined)
      return judged('unknown', 'neither the ledger nor Adobe could be read: nothing is known about it');
    if (adobeFacts && adobeFacts.writtenByRotator === false && input.ledger !== undefined) {
      return judged(
        'unknown',
        `the rotator has never rotated it (last written by ${adobeFacts.updatedBy ?? 'someone else'}): ` +
          'when what it holds expires is unknown',
      );
    }
    if (input.ledger === null)
      return judged(
        'unknown',
        'the rotator has never tried it (no ledger entry): when what it holds expires is unknown',
      );
  }
  const unproven =
    input.probe && facts.adobeCanList && facts.readUnproven
      ? `Adobe listed ${adobe?.explored ?? 'what it reads'} but ` +
        `${facts.readUnproven === 'listed-nothing' ? 'found nothing there' : 'no file it can preview'}: read not ` +
        'proven'
      : undefined;
  return judged(
    'ok',
    edit ? `${edit}: if that edit changed the credentials, the ledger's expiry no longer holds` : later,
    unproven,
  );
}

/** Something `status` could not learn, and why (an operator-side AWS problem when `environment`). */
export interface Gap {
  readonly what: string;
  readonly why: string;
  /** Your side: no credentials, access denied, unreachable (exit 3). */
  readonly environment?: boolean;
}

/** One alarm as `status` shows it. */
export interface AlarmStatus {
  readonly id: string;
  readonly name: string;
  readonly state?: string;
  readonly since?: string;
  readonly actionsEnabled: boolean;
  /** A per-connection alarm's contributors in ALARM. */
  readonly contributors?: readonly Contributor[];
}

/** The rotator as a whole: what the table's header and the JSON document's top level say. */
export interface RotatorStatus {
  readonly functionName: string;
  readonly stackName?: string;
  readonly region?: string;
  readonly schedule?: {
    readonly name: string;
    readonly expression?: string;
    readonly state?: string;
    readonly intervalSeconds?: number;
    readonly lastRunAt?: string;
    readonly nextRunAt?: string;
    /** The next run was due and no scheduled run has reported since: runs have stopped (or one is running now). */
    readonly overdue?: boolean;
  };
  readonly thresholdSeconds: number;
  /** Where the threshold comes from: the deployed alarm, the configuration's plan, or one interval. */
  readonly thresholdFrom: 'alarm' | 'configuration' | 'interval';
  readonly pauses?: readonly Pause[];
  readonly olderPause?: LegacyPause;
  readonly alarms?: readonly AlarmStatus[];
  readonly adobeSecret?: { readonly text: string; readonly attention: boolean };
  readonly targetsDiffer?: TargetDifference;
  /** The function cannot reach Adobe for good (it could not authenticate): every run fails. */
  readonly runsFail?: { readonly errorCode: string; readonly error: string };
  readonly gaps: readonly Gap[];
}
