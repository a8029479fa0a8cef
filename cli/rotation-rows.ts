/**
 * One row per connection from whatever a run left behind.
 *
 * A run that succeeds returns the summary with every result. A run in which any connection failed
 * throws, and a synchronous invoke then returns only `{errorType, errorMessage}`; the rows are
 * recovered, most precise first, from:
 * 1. the function's log: each outcome is one JSON line ("connection rotated", "connection rotation
 *    failed", ...) with connectionId, status, etag, expiresAt, error. A deployed invoke gets only the
 *    last 4 KB of it (`LogType: Tail`, about six connections); `--local` has all of it.
 * 2. the error message, which names every failed connection (up to 20) and why:
 *    `"<n> of <m> connections failed to rotate: <id> (sandbox <s>), <id> (sandbox <s>): <reason>; ..."`
 *    (lambda/rotator.ts `failureError`). When it lists all failures, every other connection succeeded.
 * 3. otherwise the row says `unknown`: see the function's log.
 */
import type { RotationSummary } from '../lambda/rotator.js';

export type RowStatus = 'rotated' | 'dry-run' | 'failed' | 'skipped' | 'unknown';

/** What the CLI prints for one connection. Never holds a credential: results and logs hold none. */
export interface RotationRow {
  readonly connectionId: string;
  readonly sandboxName?: string;
  readonly status: RowStatus;
  /** The etag after the PATCH (rotated), or the current one (dry run). */
  readonly etag?: string;
  readonly previousEtag?: string;
  readonly expiresAt?: string;
  readonly error?: string;
  readonly errorCode?: string;
  /** Dry run: the JSON Patch operations it would send, e.g. `replace /auth/params/s3AccessKey`. */
  readonly plannedOperations?: readonly string[];
  /** Where the row comes from: the result, a log line, the error message, or inferred from it. */
  readonly source: 'result' | 'log' | 'error-message' | 'inferred';
  /** Said instead of details the run did not return. */
  readonly note?: string;
}

const STATUSES = new Set<string>(['rotated', 'dry-run', 'failed', 'skipped']);

type ResultLike = RotationSummary['results'][number] | (Omit<RotationSummary['results'][number], 'plannedOperations'> & { plannedOperations?: unknown });

function toRow(result: ResultLike, source: RotationRow['source']): RotationRow {
  const planned = Array.isArray(result.plannedOperations)
    ? result.plannedOperations.map((op: unknown) => (typeof op === 'string' ? op : `${(op as { op: string }).op} ${(op as { path: string }).path}`))
    : undefined;
  return {
    connectionId: result.connectionId,
    sandboxName: result.sandboxName,
    status: result.status as RowStatus,
    ...(result.etag ? { etag: result.etag } : {}),
    ...(result.previousEtag ? { previousEtag: result.previousEtag } : {}),
    ...(result.expiresAt ? { expiresAt: result.expiresAt } : {}),
    ...(result.error ? { error: result.error } : {}),
    ...(result.errorCode ? { errorCode: result.errorCode } : {}),
    ...(planned ? { plannedOperations: planned } : {}),
    source,
  };
}

/** Rows of a summary the function returned, in its order. */
export function rowsFromSummary(summary: RotationSummary): RotationRow[] {
  return summary.results.map((result) => toRow(result, 'result'));
}

/** A connection outcome in one log line, or undefined (other lines, a line cut by the 4 KB tail). */
export function outcomeOfLogLine(line: string): RotationRow | undefined {
  const start = line.indexOf('{');
  if (start < 0) return undefined;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line.slice(start)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof entry?.connectionId !== 'string' || typeof entry.status !== 'string' || !STATUSES.has(entry.status)) return undefined;
  return toRow(entry as unknown as ResultLike, 'log');
}

/** Every connection outcome in a log text, by connection id (lower case). */
export function rowsFromLog(text: string | undefined): Map<string, RotationRow> {
  const rows = new Map<string, RotationRow>();
  for (const line of (text ?? '').split('\n')) {
    const row = outcomeOfLogLine(line);
    if (row) rows.set(row.connectionId.toLowerCase(), row);
  }
  return rows;
}

/** What a `RotationFailedError` message says. */
export interface FailureMessage {
  readonly failedCount: number;
  readonly total: number;
  /** Failed connections named in the message, by id (lower case), in order. */
  readonly failed: Map<string, { connectionId: string; sandboxName: string; reason: string }>;
  /** Failures not named ("and N more"): then the others cannot be told apart. */
  readonly unnamed: number;
}

const HEAD = /^(\d+) of (\d+) connections failed to rotate: /;
const ID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
/** A group of failed connections sharing a reason: `<id> (sandbox <s>), <id> (sandbox <s>): `. */
const GROUP = new RegExp(`(?:${ID} \\(sandbox [a-z0-9-]+\\)(?:, (?=${ID}))?)+: `, 'g');
const MEMBER = new RegExp(`(${ID}) \\(sandbox ([a-z0-9-]+)\\)`, 'g');
const MORE = /; and (\d+) more \(see the function's log\)$/;

/** Parse lambda/rotator.ts `failureError` messages; undefined for any other message. */
export function parseFailureMessage(message: string | undefined): FailureMessage | undefined {
  const head = HEAD.exec(message ?? '');
  if (!message || !head) return undefined;
  let body = message.slice(head[0].length);
  const more = MORE.exec(body);
  if (more) body = body.slice(0, more.index);
  const failed: FailureMessage['failed'] = new Map();
  const groups = [...body.matchAll(GROUP)];
  groups.forEach((group, index) => {
    const reasonStart = group.index + group[0].length;
    const reasonEnd = index + 1 < groups.length ? groups[index + 1]!.index : body.length;
    // Groups are joined with "; ", which a reason may itself contain: only the last one is the separator.
    const reason = body.slice(reasonStart, reasonEnd).replace(/; $/, '');
    for (const member of group[0].matchAll(MEMBER)) {
      failed.set(member[1]!.toLowerCase(), { connectionId: member[1]!, sandboxName: member[2]!, reason });
    }
  });
  return { failedCount: Number(head[1]), total: Number(head[2]), failed, unnamed: more ? Number(more[1]) : 0 };
}

/** Rows for a run that threw, and how many connections of the run have no row. */
export interface RecoveredRows {
  readonly rows: RotationRow[];
  /** Connections the run attempted that no row stands for (only when no ids were requested). */
  readonly unreported: number;
}

/**
 * One row per requested connection (or per connection the evidence names, when all were
 * requested) for a run that threw `errorMessage`, from its log text and the message.
 */
export function recoverRows({
  requested,
  dryRun,
  logText,
  errorMessage,
}: {
  requested?: readonly string[];
  dryRun: boolean;
  logText?: string;
  errorMessage?: string;
}): RecoveredRows {
  const fromLog = rowsFromLog(logText);
  const message = parseFailureMessage(errorMessage);
  const ids = requested ?? [...new Set([...fromLog.values()].map((row) => row.connectionId).concat([...(message?.failed.values() ?? [])].map((entry) => entry.connectionId)))];

  const rows = ids.map((id): RotationRow => {
    const key = id.toLowerCase();
    const logged = fromLog.get(key);
    if (logged) return logged;
    const failed = message?.failed.get(key);
    if (failed) return { connectionId: failed.connectionId, sandboxName: failed.sandboxName, status: 'failed', error: failed.reason, source: 'error-message' };
    if (message && message.unnamed === 0) {
      // The message names every failure, so this one did not fail.
      return { connectionId: id, status: dryRun ? 'dry-run' : 'rotated', source: 'inferred', note: "not failed; details in the function's log" };
    }
    return { connectionId: id, status: 'unknown', source: 'inferred', note: `outcome not returned; see the function's log${errorMessage && !message ? ` (the run failed: ${errorMessage})` : ''}` };
  });
  const unreported = requested || !message ? 0 : Math.max(0, message.total - rows.length);
  return { rows, unreported };
}
