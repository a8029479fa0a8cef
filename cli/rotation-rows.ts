/**
 * One row per connection, from the summary the function returns.
 *
 * A manual request (which is what the CLI sends) always resolves with the summary when the request
 * and the configuration are valid, whatever failed (lambda/summary.ts `invocationFailure`), so the
 * rows come from the result itself, never from an error message. Log lines are read only to show
 * progress while a `--local` run is under way.
 */
import type { ConnectionResult, RotationSummary } from '../lambda/summary.js';

export type RowStatus = ConnectionResult['status'];

/**
 * What the CLI prints for one connection: the function's result, every field of it (lambda/summary.ts
 * documents each), with the planned JSON Patch operations as `op path` strings. Never holds a
 * credential: results and logs hold none.
 */
export type RotationRow = Omit<ConnectionResult, 'sandboxName' | 'attempts' | 'plannedOperations'> & {
  readonly sandboxName?: string;
  readonly attempts?: number;
  /** Dry run: the JSON Patch operations it would send, e.g. `replace /auth/params/s3AccessKey`. */
  readonly plannedOperations?: readonly string[];
};

const STATUSES = new Set<string>(['rotated', 'dry-run', 'failed', 'skipped', 'paused']);

type ResultLike = RotationSummary['results'][number];

/** The result as it is, every field a newer function adds included; only the planned operations are made readable. */
function toRow(result: ResultLike): RotationRow {
  const { plannedOperations, ...fields } = result;
  return {
    ...fields,
    ...(plannedOperations ? { plannedOperations: plannedOperations.map((op) => `${op.op} ${op.path}`) } : {}),
  };
}

/**
 * The row is as it should be: rotated (or would be, on a dry run) and, on a dry run, Adobe can read with what the
 * connection holds.
 */
export function isHealthyRow(row: RotationRow, dryRun: boolean): boolean {
  return dryRun ? row.status === 'dry-run' && !row.adobeError : row.status === 'rotated';
}

/** Whether a value the function answered is a rotation summary at all. */
export function isRotationSummary(value: unknown): value is RotationSummary {
  const results = (value as { results?: unknown } | undefined)?.results;
  return (
    Array.isArray(results) &&
    results.every(
      (result) =>
        typeof result?.connectionId === 'string' && typeof result?.status === 'string' && STATUSES.has(result.status),
    )
  );
}

/** Rows of a summary the function returned, in its order. */
export function rowsFromSummary(summary: RotationSummary): RotationRow[] {
  return summary.results.map(toRow);
}

/**
 * Whether a line the function logged reports one connection's final outcome (for progress while
 * a `--local` run goes on). Log lines come from Powertools, one JSON object each.
 */
export function isOutcomeLogLine(line: string): boolean {
  const start = line.indexOf('{');
  if (start < 0) return false;
  try {
    const entry = JSON.parse(line.slice(start)) as Record<string, unknown>;
    return typeof entry?.connectionId === 'string' && typeof entry.status === 'string' && STATUSES.has(entry.status);
  } catch {
    return false;
  }
}
