/**
 * What `rotate` prints (cli/commands/rotate.ts): one row per connection within the table's width,
 * the full text of each error the table had to shorten, and a summary line; or the JSON document.
 */
import {
  formatClock,
  formatEtag,
  painterFor,
  printJson,
  renderTable,
  shortIds,
  TABLE_WIDTH,
  wrap,
  type Io,
  type Tone,
} from './output.js';
import { isHealthyRow, type RotationRow } from './rotation-rows.js';

/** What one `rotate` found, printed as a table or JSON. */
export interface RotateReport {
  readonly mode: 'deployed' | 'local';
  readonly function?: string;
  readonly dryRun: boolean;
  readonly rows: RotationRow[];
}

const OUTCOME_LABEL: Record<RotationRow['status'], string> = {
  rotated: 'rotated',
  'dry-run': 'would rotate',
  failed: 'FAILED',
  skipped: 'skipped',
  paused: 'paused',
};

const OUTCOME_TONE: Record<RotationRow['status'], Tone> = {
  rotated: 'ok',
  'dry-run': 'ok',
  failed: 'failure',
  skipped: 'warning',
  paused: 'warning',
};

/** The whole story of a row that failed, or that Adobe could not read: its detail line. */
function detailOf(row: RotationRow): string | undefined {
  if (row.error) return `${row.attempts && row.attempts > 1 ? `after ${row.attempts} attempts: ` : ''}${row.error}`;
  if (row.adobeError) return `${row.adobeError} (${row.adobeErrorCode ?? 'no code'})`;
  return undefined;
}

/**
 * The row's note in the table: Adobe's code first, then its words; that Adobe cannot read (its
 * detail line says why); the plan of a dry run.
 */
function noteOf(row: RotationRow): string | undefined {
  if (row.adobeVerified === false || row.adobeCanRead === false)
    return `Adobe cannot read (${(row.error ? row.errorCode : row.adobeErrorCode) ?? 'no code'})`;
  if (row.error) {
    // Adobe's own words where Flow Service gave them; the full error is on the detail line.
    const words = row.adobeDetail ?? row.error;
    return row.errorCode && !words.startsWith(row.errorCode) ? `${row.errorCode}: ${words}` : words;
  }
  if (row.plannedOperations) {
    // `replace /auth/params/s3AccessKey`, ... → `would replace 2 params, add s3SessionToken` (all of it in --json).
    const byOp = new Map<string, string[]>();
    for (const operation of row.plannedOperations) {
      const [op = '', path = ''] = operation.split(' ');
      byOp.set(op, [...(byOp.get(op) ?? []), path.replace('/auth/params/', '')]);
    }
    const changes = [...byOp].map(
      ([op, params]) => `${op} ${params.length === 1 ? params[0] : `${params.length} params`}`,
    );
    return `would ${changes.join(', ')}`;
  }
  return undefined;
}

/**
 * One row per connection within {@link TABLE_WIDTH} columns (short ids and etags, times as
 * `16:45Z`), then the full text of each error the table had to shorten, wrapped, then the summary.
 */
export function printRotateReport(report: RotateReport, ok: boolean, io: Io, json: boolean): void {
  const count = (status: RotationRow['status']) => report.rows.filter((row) => row.status === status).length;
  if (json) {
    printJson(io, {
      ok,
      mode: report.mode,
      ...(report.function ? { function: report.function } : {}),
      dryRun: report.dryRun,
      rotated: count('rotated'),
      wouldRotate: count('dry-run'),
      failed: count('failed'),
      skipped: count('skipped'),
      results: report.rows,
    });
    return;
  }
  const paint = painterFor(io, 'stdout');
  const now = io.now();
  const short = shortIds(report.rows.map((row) => row.connectionId));
  const rows = report.rows.map((row) => [
    short.get(row.connectionId),
    // The function's summary does not carry the connection's name.
    undefined,
    row.sandboxName,
    // A dry run Adobe cannot read with what the connection holds now is not healthy.
    {
      text: OUTCOME_LABEL[row.status],
      tone: isHealthyRow(row, report.dryRun) || row.status === 'skipped' ? OUTCOME_TONE[row.status] : 'failure',
    },
    row.status === 'rotated' ? formatEtag(row.etag) : undefined,
    formatClock(row.expiresAt, now),
    noteOf(row),
  ]);
  // The note says what went wrong: the name and sandbox give way first.
  const columns = [
    'ID',
    { header: 'NAME', shrinkTo: 8, first: true },
    { header: 'SANDBOX', shrinkTo: 8, first: true },
    'OUTCOME',
    'NEW ETAG',
    'EXPIRES',
    { header: 'ERROR / NOTE', shrinkTo: 24 },
  ];
  const table = renderTable(columns, rows, { paint });
  io.stdout.write(`${table.text}\n`);
  const noteColumn = columns.length - 1;
  const details = report.rows.flatMap((row, index) => {
    const full =
      detailOf(row) ??
      (table.cut.some((cell) => cell.row === index && cell.column === noteColumn) ? noteOf(row) : undefined);
    return full ? [`${short.get(row.connectionId)}: ${full}`] : [];
  });
  if (details.length > 0) io.stdout.write(`\n${details.map((detail) => wrap(detail, TABLE_WIDTH, 2)).join('\n')}\n`);
  const counts = (['rotated', 'dry-run', 'failed', 'skipped'] as const)
    .filter((status) => count(status) > 0)
    .map((status) => `${count(status)} ${OUTCOME_LABEL[status].toLowerCase()}`);
  const where = report.mode === 'local' ? 'run locally' : `function ${report.function}`;
  const attempted = report.rows.filter(
    (row) => row.status === 'rotated' || row.status === 'dry-run' || (row.status === 'failed' && row.etag),
  );
  // Two answers: Adobe listed (adobeVerified), and Adobe read a file it listed (adobeCanRead).
  const listed = attempted.filter((row) => row.adobeVerified).length;
  const read = attempted.filter((row) => row.adobeCanRead).length;
  if (attempted.length > 0)
    counts.push(
      `Adobe listed ${listed} and read ${read} of ` +
        `${attempted.length}${report.dryRun ? ' with the credentials they hold now' : ' with the new credentials'}`,
    );
  const summary = wrap(
    `${ok ? 'OK' : 'NOT OK'}: ${counts.join(', ') || 'no connection'} (${report.dryRun ? 'dry run, ' : ''}${where}).`,
    TABLE_WIDTH,
    2,
  );
  io.stdout.write(
    `\n${ok ? summary.replace('OK', paint('OK', 'ok')) : summary.replace('NOT OK', paint('NOT OK', 'failure'))}\n`,
  );
}
