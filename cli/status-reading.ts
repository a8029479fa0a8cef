/**
 * What Adobe reads of a connection, for `status`: the folder the connection declares and whether
 * the target's bucket and folder contain it, the explore form Adobe accepted, whether reading was
 * proven (by `--probe` now, else at the last rotation), and the dataflows reading it with their last
 * run. From the function's `inspect` answer and the ledger; pure.
 */
import type { ReadUnproven } from '../lambda/adobe-verification.js';
import type { DataflowReading } from '../lambda/dataflow-runs.js';
import type { ExploreForm } from '../lambda/explore-paths.js';
import type { InspectedConnection } from '../lambda/inspect-connection.js';
import type { LedgerRecord } from '../lambda/ledger-item.js';
import { formatClock } from './output.js';

/** The reading facts a connection's status carries. */
export interface ReadingFacts {
  /** What the connection reads (`s3://bucket/folder/`); absent: the bucket's root, or unknown. */
  readonly reads?: string;
  /** Why the target's bucket and folder do not fit the connection (every rotation fails). */
  readonly scopeMismatch?: string;
  /** The explore form Adobe accepted (`--probe`: now; else the ledger's). */
  readonly exploreForm?: ExploreForm;
  /** Adobe read a file it listed (true), was refused (false); absent: not proven. */
  readonly readProven?: boolean;
  /** Why reading is not proven although Adobe listed, and when that was seen (`now` with `--probe`). */
  readonly readUnproven?: ReadUnproven;
  readonly readCheckedAt?: string;
  /** `--probe`: Flow Service listed (`adobeVerified`) and read (`adobeCanRead`) with what the connection holds. */
  readonly adobeCanList?: boolean;
  readonly adobeCanRead?: boolean;
  /** `--probe`: Adobe did not answer the check, which says nothing about the bucket. */
  readonly adobeUnanswered?: boolean;
  /** The dataflows reading the connection, with their last run; or why they could not be read. */
  readonly dataflows?: readonly DataflowReading[];
  readonly dataflowsError?: string;
}

/** The reading facts of one connection; `probe` says the inspect answer carries a check made now. */
export function readingFacts(
  adobe: InspectedConnection | undefined,
  ledger: LedgerRecord | undefined,
  probe: boolean,
  now: number,
): ReadingFacts {
  const rotation = ledger?.lastRotation;
  const checkedNow = probe && adobe?.adobeCanList === true;
  const readProven = checkedNow ? adobe.adobeCanRead : adobe?.adobeCanRead === false ? false : rotation?.adobeCanRead;
  const readUnproven = checkedNow
    ? adobe.adobeReadUnproven
    : rotation?.adobeCanRead === undefined
      ? rotation?.adobeReadUnproven
      : undefined;
  const exploreForm = adobe?.exploreForm ?? ledger?.exploreForm;
  return {
    ...(adobe?.reads ? { reads: adobe.reads } : {}),
    ...(adobe?.scopeMismatch ? { scopeMismatch: adobe.scopeMismatch } : {}),
    ...(exploreForm ? { exploreForm } : {}),
    ...(readProven !== undefined ? { readProven } : {}),
    ...(readUnproven ? { readUnproven } : {}),
    ...(checkedNow
      ? { readCheckedAt: new Date(now).toISOString() }
      : rotation && (readProven !== undefined || readUnproven)
        ? { readCheckedAt: rotation.at }
        : {}),
    ...(adobe?.adobeCanList !== undefined ? { adobeCanList: adobe.adobeCanList } : {}),
    ...(adobe?.adobeCanRead !== undefined ? { adobeCanRead: adobe.adobeCanRead } : {}),
    ...(adobe?.adobeTransient ? { adobeUnanswered: true } : {}),
    ...(adobe?.dataflows ? { dataflows: adobe.dataflows } : {}),
    ...(adobe?.dataflowsError ? { dataflowsError: adobe.dataflowsError } : {}),
  };
}

/** The enabled dataflows whose last run failed: ingestion from the connection broke. */
export function failedDataflows(facts: ReadingFacts): DataflowReading[] {
  return (facts.dataflows ?? []).filter((flow) => flow.state !== 'disabled' && flow.lastRun?.status === 'failed');
}

/** `"Orders daily" (enabled): last run 09:00Z success`. */
export function describeDataflow(flow: DataflowReading, now: number): string {
  const name = flow.name ? `"${flow.name}"` : flow.flowId;
  const run = flow.lastRun;
  const last = run
    ? 'last ' +
      'run ' +
      `${formatClock(run.startedAt, now) ?? '(time unknown)'} ` +
      `${run.status ?? '(status unknown)'}${run.errorCodes.length ? ` (${run.errorCodes.join(', ')})` : ''}`
    : 'has not run yet';
  return `${name}${flow.state ? ` (${flow.state})` : ''}: ${last}`;
}

/** Why a dataflow failure puts the connection at risk. */
export function dataflowWarning(failed: readonly DataflowReading[], now: number): string {
  const runs = failed.map((flow) => {
    const codes = flow.lastRun?.errorCodes.length ? ` with ${flow.lastRun.errorCodes.join(', ')}` : '';
    return (
      `${flow.name ? `"${flow.name}"` : flow.flowId} ` +
      `at ${formatClock(flow.lastRun?.startedAt, now) ?? '(time unknown)'}${codes}`
    );
  });
  return (
    'ingestion from it broke: ' +
    `${failed.length === 1 ? 'a dataflow reading it' : `${failed.length} dataflows reading it`} failed the last ` +
    `run (${runs.join('; ')})`
  );
}

/** Whether reading was proven, in words: `read proven at 09:12Z`, `read not proven (Adobe listed nothing)`. */
export function describeRead(facts: ReadingFacts, now: number): string | undefined {
  const when = facts.readCheckedAt ? ` at ${formatClock(facts.readCheckedAt, now)}` : '';
  if (facts.readProven === true) return `read proven${when}`;
  if (facts.readProven === false) return `read REFUSED${when}`;
  if (facts.readUnproven === 'listed-nothing') return `read not proven${when} (Adobe listed nothing)`;
  if (facts.readUnproven === 'no-previewable-file') return `read not proven${when} (no file Adobe can preview)`;
  return undefined;
}
