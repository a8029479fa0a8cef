/**
 * What an invocation returns: one result per connection and the summary of them, and the one rule
 * of the invocation's contract that turns a summary into a rejection ({@link invocationFailure}).
 * Pure: the handler, the run and the CLI read the same shapes.
 */
import { RotationFailedError } from './errors.js';
import type { ReadUnproven } from './adobe-verification.js';
import type { ExploreForm } from './explore-paths.js';
import type { JsonPatchOperation } from './flow-service-client.js';
import type { RotationRequest } from './request.js';

/**
 * What happened to one connection: `paused`: a pause (core/pauses.ts) keeps the schedule from
 * rotating it, and this run of every target left it alone.
 */
export type ConnectionStatus = 'rotated' | 'dry-run' | 'failed' | 'skipped' | 'paused';

/** What happened to one connection. Never holds a credential value. */
export interface ConnectionResult {
  readonly connectionId: string;
  readonly sandboxName: string;
  readonly status: ConnectionStatus;
  /** The etag after the PATCH (rotated), or the current one (dry run). */
  readonly etag?: string;
  /** The etag the connection had when this run first read it. */
  readonly previousEtag?: string;
  /** ISO 8601 expiry of the credentials now in the connection (or that would be). */
  readonly expiresAt?: string;
  /**
   * Failed or dry run: ISO 8601 expiry of the credentials the connection still holds, when the
   * rotator wrote them last (`updatedAt` + the target's lifetime); absent when unknown.
   */
  readonly heldCredentialsExpireAt?: string;
  /** Why it failed or was skipped: Adobe's own detail where it gave one (redacted, truncated). */
  readonly error?: string;
  /** Adobe's code (`1404-412`, `401013`) when Adobe gave one, else this tool's (`OUT_OF_TIME`, ...). */
  readonly errorCode?: string;
  /** Failed for a reason that may pass (throttling, 5xx, no answer, a stale etag): the next run may succeed. */
  readonly transient?: boolean;
  /** How many times this run tried the connection: 2 when a transient failure got its one more attempt. */
  readonly attempts: number;
  /** Dry run: the JSON Patch operations (paths only) that would be sent. */
  readonly plannedOperations?: ReadonlyArray<Pick<JsonPatchOperation, 'op' | 'path'>>;
  /** `1404-412` answers met on the way. */
  readonly etagConflicts?: number;
  /**
   * Flow Service listed what the connection reads (its folder, or the bucket) with the credentials
   * it holds: after the PATCH for `rotated`, before anything changed for `dry-run`. False when the
   * check was off, refused or not answered. It means "listed", as it always has: whether Adobe can
   * also read a file is {@link adobeCanRead}.
   */
  readonly adobeVerified?: boolean;
  /** Adobe's listing of what the connection reads: true listed, false refused; absent when not asked. */
  readonly adobeCanList?: boolean;
  /**
   * Adobe's preview of a file the listing showed (S3 `GetObject`, and `kms:Decrypt` for SSE-KMS):
   * true read, false refused (the entry fails: ingestion would). Absent when not tried: see
   * {@link adobeReadUnproven}.
   */
  readonly adobeCanRead?: boolean;
  /** Why reading was not proven although Adobe listed: `listed-nothing` (`200 []`), or `no-previewable-file`. */
  readonly adobeReadUnproven?: ReadUnproven;
  /**
   * The form of explore path Adobe accepted for this connection (`absolute` or `relative`); the ledger remembers it.
   */
  readonly exploreForm?: ExploreForm;
  /** The bucket and folder the new credentials are narrowed to (`s3://bucket/folder/`); absent: not narrowed. */
  readonly narrowedTo?: string;
  /** Where {@link narrowedTo} comes from: the target's `bucketName`/`folderPath`, or the connection's own params. */
  readonly narrowedFrom?: 'target' | 'connection';
  /**
   * How many dataflows read the connection (base connection → source connections → flows); absent
   * when not asked.
   */
  readonly dataflows?: number;
  /**
   * How many of those flows have a last run, started since the rotator's previous attempt on the
   * connection (every last run without a ledger), that failed: ingestion that broke shows up here.
   */
  readonly dataflowRunsFailed?: number;
  /** The error codes of those failed runs (`CONNECTOR-1001-500`, ...), each once. */
  readonly dataflowRunErrorCodes?: readonly string[];
  /** Dry run: why Adobe could not list or read with the credentials the connection holds now. */
  readonly adobeError?: string;
  /** Dry run: Adobe's code for that refusal. */
  readonly adobeErrorCode?: string;
  /**
   * Failed on an answer from Flow Service: Adobe's own words about it (redacted, at most 300
   * characters), which `error` quotes after the request and status.
   */
  readonly adobeDetail?: string;
  /**
   * The AccessKeyId of the set this run minted (to match CloudTrail's AssumeRole, GetSessionToken or
   * GetFederationToken event and S3's data events): the one the connection now holds when rotated.
   * An access key id is not a secret; the secret key and the session token never leave the run.
   */
  readonly accessKeyId?: string;
  /** Paused: until when (ISO 8601), who paused it and why, as the pause says. */
  readonly pausedUntil?: string;
  readonly pausedBy?: string;
  readonly pauseReason?: string;
}

/** The S3 connections of one sandbox that hold temporary credentials and that no target rotates. */
export interface UnmanagedTemporaryConnections {
  readonly sandboxName: string;
  readonly connectionIds: readonly string[];
}

/** What an invocation returns (and what the CLI prints). */
export interface RotationSummary {
  readonly rotated: number;
  readonly failed: number;
  readonly skipped: number;
  /** Connections a pause kept this run from rotating (present when a run of every target met a pause). */
  readonly paused?: number;
  readonly dryRun: boolean;
  readonly results: readonly ConnectionResult[];
  /**
   * A scheduled run of every target (with Adobe's check on): per sandbox it touched, the S3
   * connections with temporary credentials that nobody rotates; absent when not asked.
   */
  readonly unmanagedTemporaryConnections?: readonly UnmanagedTemporaryConnections[];
  /**
   * The requested ids that are not targets, when the request asked for them to be reported
   * (`"unknownConnections": "report"`): then nothing was rotated and `results` is empty.
   */
  readonly unknownConnectionIds?: readonly string[];
}

/** Failed connections listed by name in the thrown message; the rest are counted (all are in the log). */
const MAX_FAILURES_IN_MESSAGE = 20;

/**
 * Whether the connection holds credentials this schedule tick put there: rotated, failed although
 * its PATCH landed (Adobe's check of the new credentials was refused or unanswered; the entry keeps
 * the PATCH's etag), or rotated by an earlier delivery of the same tick (a skipped duplicate, with
 * the etag the ledger kept). Only these carry an `etag` outside a dry run.
 */
export function holdsNewCredentials(result: ConnectionResult): boolean {
  return result.status !== 'dry-run' && result.etag !== undefined;
}

/**
 * Whether the invocation rejects, and with what. A manual request (a synchronous caller, which
 * Lambda does not retry) always gets the summary. A scheduled run rejects only when something
 * failed **and no PATCH landed**: Lambda's two asynchronous retries and the on-failure queue then
 * repeat nothing that changed a connection. A landed PATCH whose explore Adobe refused is a failed
 * connection (in the result and in `RotationFailed`), never a reason to retry the tick: a retry
 * would mint and PATCH again, and Adobe would refuse the same role the same way. A partial failure
 * resolves, so healthy connections are minted and patched once per tick.
 */
export function invocationFailure(
  summary: RotationSummary,
  request: Pick<RotationRequest, 'manual'>,
): RotationFailedError | undefined {
  if (request.manual || summary.failed === 0 || summary.results.some(holdsNewCredentials)) return undefined;
  return failureError(summary);
}

/** Count a run's results by status; the results keep the targets' order. */
export function summarize(results: readonly ConnectionResult[], dryRun: boolean): RotationSummary {
  const count = (status: ConnectionResult['status']) => results.filter((result) => result.status === status).length;
  const paused = count('paused');
  return {
    rotated: count('rotated'),
    failed: count('failed'),
    skipped: count('skipped'),
    ...(paused > 0 ? { paused } : {}),
    dryRun,
    results,
  };
}

/** One message naming each failed connection and why, grouped by reason so a shared cause reads once. */
export function failureError(summary: RotationSummary): RotationFailedError {
  const failed = summary.results.filter((result) => result.status === 'failed');
  const byReason = new Map<string, string[]>();
  for (const result of failed.slice(0, MAX_FAILURES_IN_MESSAGE)) {
    const reason = result.error ?? 'unknown error';
    byReason.set(reason, [...(byReason.get(reason) ?? []), `${result.connectionId} (sandbox ${result.sandboxName})`]);
  }
  const parts = [...byReason].map(([reason, ids]) => `${ids.join(', ')}: ${reason}`);
  const more =
    failed.length > MAX_FAILURES_IN_MESSAGE
      ? `; and ${failed.length - MAX_FAILURES_IN_MESSAGE} more (see the function's log)`
      : '';
  return new RotationFailedError(
    `${failed.length} of ${summary.results.length} connections failed to rotate: ${parts.join('; ')}${more}`,
    failed.map((result) => result.connectionId),
  );
}
