/**
 * `status` for a person, within {@link TABLE_WIDTH} columns: the rotator first (its schedule, last
 * and next run; each pause: which connections, who, why, until when; the alarms and since when;
 * the Adobe secret's rotation; what could not be learned), then one row per connection (`?` where a
 * part is unknown, `-` where there is nothing), then a note or WARNING per connection with the
 * command to paste, then the summary line.
 */
import type { CommandOptions } from './args.js';
import { suggest, deployCommand } from './deployment.js';
import {
  formatClock,
  formatDuration,
  painterFor,
  renderTable,
  shortIds,
  TABLE_WIDTH,
  wrap,
  type Cell,
  type Column,
  type Io,
  type Tone,
} from './output.js';
import { describeDataflow, describeRead } from './status-reading.js';
import type { ConnectionStatus, Risk, RotatorStatus } from './status-judgement.js';

const RISK_TONE: Record<Risk, Tone | undefined> = {
  ok: 'ok',
  expiring: 'warning',
  expired: 'failure',
  failing: 'failure',
  stale: 'failure',
  paused: 'warning',
  'not-found': 'failure',
  'not-enabled': 'failure',
  'not-rotatable': 'failure',
  'nothing-to-rotate': undefined,
  'adobe-cannot-read': 'failure',
  'scope-mismatch': 'failure',
  'dataflow-failed': 'failure',
  unknown: 'warning',
};

const RISK_LABEL: Record<Risk, string> = {
  ok: 'ok',
  expiring: 'EXPIRING',
  expired: 'EXPIRED',
  failing: 'FAILING',
  stale: 'STALE',
  paused: 'PAUSED',
  'not-found': 'NOT FOUND',
  'not-enabled': 'NOT ENABLED',
  'not-rotatable': 'NOT ROTATABLE',
  'nothing-to-rotate': 'n/a (IAM role)',
  'adobe-cannot-read': 'ADOBE REFUSED',
  'scope-mismatch': 'WRONG SCOPE',
  'dataflow-failed': 'FLOW FAILED',
  unknown: 'UNKNOWN',
};

/** The codes with a section of their own in docs/RUNBOOK.md, "Adobe's codes" (a test holds the two together). */
export const RUNBOOK_CODES: readonly string[] = [
  ...[
    '1445-400',
    '1416-400',
    '2118-403',
    '2120-403',
    '1106-403',
    '1101-404',
    '2100-404',
    '2101-404',
    '1365-400',
    '1404-412',
    '1100-400',
  ],
  ...['401013', '403025', '403027', '429050', '1102-500', '1103-503', '1104-504'],
  ...[
    'STS_MINT_FAILED',
    'CREDENTIALS_UNVERIFIED',
    'IMS_AUTH_FAILED',
    'SECRET_INVALID',
    'CONNECTION_NOT_ROTATABLE',
    'CONNECTION_SCOPE_MISMATCH',
  ],
  ...[
    'FLOW_SERVICE_UNREACHABLE',
    'FLOW_SERVICE_ERROR',
    'ETAG_CONFLICT',
    'IMS_UNAVAILABLE',
    'SECRET_UNAVAILABLE',
    'UNEXPECTED',
    'OUT_OF_TIME',
  ],
];

/** Where the runbook says what a code means, who can fix it and how to keep ingestion going. */
export function codeSection(code: string | undefined): string {
  return code && RUNBOOK_CODES.includes(code)
    ? `docs/RUNBOOK.md#${code.toLowerCase()}`
    : 'docs/RUNBOOK.md, "Adobe\'s codes"';
}

/** What to do about each kind of risk, and the command to paste, if one helps. */
function advice(status: ConnectionStatus, options: CommandOptions, short: string): { text: string; command?: string } {
  const rotate = suggest(`rotate --connection ${short}`, options);
  // The rotator's own failure, said once above the table.
  if (status.runsFail) return { text: '' };
  switch (status.risk) {
    case 'expired':
    case 'expiring':
    case 'stale':
    case 'unknown':
      return {
        text: status.pause ? 'rotate it now (a manual rotation works while paused), or end the pause' : 'rotate it now',
        command: rotate,
      };
    case 'failing':
      if (status.lastAttempt?.errorCode === '1404-412') {
        const writer = status.editedAfterRotation ? status.updatedBy : 'the other writer (UPDATED BY)';
        return {
          text: `once ${writer} stops editing it (docs/RUNBOOK.md, "Repeated 412s"), rotate it`,
          command: rotate,
        };
      }
      return {
        text:
          `see ${codeSection(status.lastAttempt?.errorCode)} for who can fix it and how to keep ingestion alive ` +
          'meanwhile, then rotate it',
        command: rotate,
      };
    case 'not-found':
    case 'not-rotatable':
    case 'nothing-to-rotate':
      return {
        text: 'fix the target, then check the configuration',
        command: suggest('check-config', { config: options.config }),
      };
    case 'not-enabled':
      return { text: 'enable the connection in Experience Platform, or remove it from the targets' };
    case 'adobe-cannot-read':
      return {
        // KMS and object permissions matter only once Adobe listed and could not read a file.
        text:
          (status.adobeCanRead === false
            ? "check s3:GetObject on the objects and, for SSE-KMS, kms:Decrypt on the bucket's key " +
              '(the role, the bucket and key policies) '
            : "check s3:ListBucket in the role's permissions, the bucket policy and the session policy's folder ") +
          '(docs/RUNBOOK.md, "Adobe cannot read the bucket"), then try a dry run',
        command: suggest(`rotate --dry-run --connection ${short}`, options),
      };
    case 'scope-mismatch':
      return {
        text:
          "make the target's bucketName/folderPath contain what the connection reads, deploy, " +
          'then check the configuration',
        command: suggest('check-config', { config: options.config }),
      };
    case 'dataflow-failed':
      return {
        text:
          "check that Adobe can read with what it holds; if it can, the dataflow's own runs in Experience Platform " +
          'say what broke (docs/RUNBOOK.md#dataflowrunfailedalarm)',
        command: suggest(`status --probe --connection ${short}`, options),
      };
    case 'paused':
      return { text: 'end the pause early with', command: suggest(`resume --connection ${short}`, options) };
    case 'ok':
      return status.editedAfterRotation && !options.probe
        ? {
            text: 'check that Adobe can still read with what it holds',
            command: suggest(`status --probe --connection ${short}`, options),
          }
        : { text: '' };
  }
}

/**
 * The last run's outcome, for its column: `rotated`, `FAILED 1445-400 ×3` (runs in a row). Adobe's
 * code is what the runbook is looked up by, so it is kept whole; the time is in the note below.
 */
function lastRunOf(status: ConnectionStatus): Cell {
  const attempt = status.lastAttempt;
  if (!attempt) return status.unknown.includes('ledger') ? '?' : undefined;
  if (attempt.outcome !== 'failed')
    return { text: attempt.outcome, tone: attempt.outcome === 'rotated' ? 'ok' : undefined };
  const row = (status.consecutiveFailures ?? 0) > 1 ? ` ×${status.consecutiveFailures}` : '';
  return { text: `FAILED ${attempt.errorCode ?? ''}${row}`.replace('  ', ' ').trim(), tone: 'failure' };
}

export function printStatusTable(
  io: Io,
  statuses: readonly ConnectionStatus[],
  rotator: RotatorStatus,
  options: CommandOptions,
): void {
  const paint = painterFor(io, 'stdout');
  const now = io.now();
  const short = shortIds(statuses.map((status) => status.connectionId));
  const write = (text: string) => io.stdout.write(`${text}\n`);
  const say = (label: string, tone: Tone, text: string) =>
    write(wrap(`${label} ${text}`, TABLE_WIDTH, 2).replace(label, paint(label, tone)));

  // The rotator: its schedule, pauses, alarms and what could not be learned.
  const { schedule } = rotator;
  const next =
    schedule?.state === 'DISABLED'
      ? 'none (disabled)'
      : schedule?.nextRunAt && Date.parse(schedule.nextRunAt) < now
        ? `OVERDUE since ${formatClock(schedule.nextRunAt, now)}`
        : (formatClock(schedule?.nextRunAt, now) ?? 'unknown');
  const runs = schedule
    ? `${schedule.expression ?? '?'} ${schedule.state ?? '(state unknown)'}; last run ` +
      `${formatClock(schedule.lastRunAt, now) ?? 'none in the ledger'}, next ${next}`
    : 'unknown';
  write(
    wrap(
      `Rotator ${rotator.functionName}${rotator.stackName ? ` (stack ${rotator.stackName})` : ''}: schedule ${runs}.`,
      TABLE_WIDTH,
      2,
    ),
  );
  if (schedule?.state === 'DISABLED')
    say(
      'SCHEDULE DISABLED',
      'warning',
      `no scheduled run rotates anything until it is enabled: ${suggest('resume', options)}`,
    );
  for (const pause of rotator.pauses ?? []) {
    const what = pause.connectionIds
      ? pause.connectionIds.map((id) => short.get(id) ?? id.slice(0, 8)).join(', ')
      : 'every connection';
    say(
      'PAUSED',
      'warning',
      `${what} until ${formatClock(pause.until, now)} (pause ${pause.id}) by ${pause.pausedBy}: ` +
        `"${pause.reason.replace(/\s+/g, ' ')}"${pause.forced ? ' (forced past an expiry)' : ''}.`,
    );
  }
  if (rotator.olderPause) {
    const { pausedBy, pausedAt, reason } = rotator.olderPause;
    say(
      'PAUSED (older version)',
      'warning',
      `by ${pausedBy} at ${formatClock(pausedAt, now) ?? '?'}${reason ? ` ("${reason}")` : ''}, with no end: ` +
        `end it with ${suggest('resume', options)}`,
    );
  }
  const alarms = rotator.alarms;
  if (alarms) {
    const troubled = alarms.filter((alarm) => alarm.state !== 'OK' || !alarm.actionsEnabled);
    if (troubled.length === 0) write(`Alarms: all ${alarms.length} OK, notifying.`);
    for (const alarm of troubled) {
      const contributors = (alarm.contributors ?? []).map(
        (contributor) => short.get(contributor.connectionId) ?? contributor.connectionId,
      );
      const who = contributors.length ? ` for ${contributors.join(', ')}` : '';
      const silenced = alarm.actionsEnabled ? '' : ' (SILENCED: its actions are off, it notifies no one)';
      say(
        alarm.state === 'ALARM' ? 'ALARM' : alarm.actionsEnabled ? (alarm.state ?? '?') : 'SILENCED',
        alarm.state === 'ALARM' || !alarm.actionsEnabled ? 'failure' : 'warning',
        `${alarm.id}${who} since ${formatClock(alarm.since, now) ?? '?'}${silenced}.`,
      );
    }
  }
  if (rotator.adobeSecret)
    say(
      'Adobe secret:',
      rotator.adobeSecret.attention ? 'warning' : 'ok',
      rotator.adobeSecret.text.replace(/^Adobe client secret: /, ''),
    );
  if (rotator.targetsDiffer) {
    const { deployedOnly, localOnly, sandboxChanged } = rotator.targetsDiffer;
    const parts = [
      deployedOnly.length ? `deployed but not in the local configuration: ${deployedOnly.join(', ')}` : '',
      localOnly.length ? `in the local configuration but not deployed: ${localOnly.join(', ')}` : '',
      sandboxChanged.length ? `deployed with another sandbox: ${sandboxChanged.join(', ')}` : '',
    ].filter(Boolean);
    say('TARGETS DIFFER', 'warning', `${parts.join('; ')}. Deploy the configuration: ${deployCommand(options)}`);
  }
  if (rotator.runsFail) {
    const { errorCode, error } = rotator.runsFail;
    say(
      'RUNS FAIL',
      'failure',
      `the function cannot reach Adobe: ${errorCode}: ${error}. Every scheduled run fails for every connection ` +
        `until it is fixed (${codeSection(errorCode)} says who can fix it); then: ${suggest('rotate', options)}`,
    );
  }
  for (const gap of rotator.gaps) say('UNKNOWN', 'warning', `${gap.what}: ${gap.why}`);
  write('');

  const columns: Column[] = [
    'ID',
    // Cut first, the name to its start (the id beside it says which): a date in ROTATED or EXPIRES and --probe's
    // ADOBE column leave the rest 100 columns.
    { header: 'NAME', shrinkTo: 5, first: true },
    { header: 'SANDBOX', shrinkTo: 6, first: true },
    'ROTATED',
    'EXPIRES',
    // The last run's outcome and code give way last: Adobe's code is what the runbook is looked up by.
    { header: 'LAST RUN', shrinkTo: 18 },
    { header: 'UPDATED BY', shrinkTo: 8 },
    'RISK',
    ...(options.probe ? ['ADOBE'] : []),
  ];
  const unknownLedger = (status: ConnectionStatus) => status.unknown.includes('ledger');
  const rows = statuses.map((status): Cell[] => [
    short.get(status.connectionId),
    status.name ?? (status.unknown.includes('adobe') ? '?' : undefined),
    status.sandboxName,
    formatClock(status.lastRotation?.at, now) ?? (unknownLedger(status) ? '?' : undefined),
    formatClock(status.expiresAt, now) ?? (unknownLedger(status) ? '?' : undefined),
    lastRunOf(status),
    status.writtenByRotator
      ? 'rotator'
      : {
          text: status.updatedBy ?? (status.unknown.includes('adobe') ? '?' : undefined),
          tone: status.editedAfterRotation ? 'warning' : undefined,
        },
    { text: RISK_LABEL[status.risk], tone: RISK_TONE[status.risk] },
    ...(options.probe
      ? [
          status.adobeVerified === undefined
            ? '?'
            : status.adobeVerified
              ? ({ text: 'reads', tone: 'ok' } as const)
              : ({ text: 'REFUSED', tone: 'failure' } as const),
        ]
      : []),
  ]);
  write(renderTable(columns, rows, { paint }).text);

  const notes = statuses.filter((status) => status.warning);
  if (notes.length > 0) write('');
  for (const status of notes) {
    const id = short.get(status.connectionId)!;
    const next = advice(status, options, id);
    const said = [status.warning!, ...(next.text ? [next.text] : [])].map((part) => part.replace(/\.$/, '')).join('; ');
    const label = status.atRisk ? 'WARNING' : 'note';
    const line = wrap(
      `${label}: ${id} (sandbox ${status.sandboxName}): ${said}${next.command ? ':' : '.'}`,
      TABLE_WIDTH,
      2,
    );
    write(status.atRisk ? line.replace(label, paint(label, 'warning')) : line);
    if (next.command) write(`    ${next.command}`);
  }

  // Asked about some connections: what each reads, whether Adobe read it, and the dataflows reading it.
  if (options.connection)
    for (const status of statuses) printDetails(write, status, short.get(status.connectionId)!, now);

  const atRisk = statuses.filter((status) => status.atRisk).length;
  const paused = statuses.filter((status) => status.risk === 'paused').length;
  const unknown = statuses.filter((status) => status.unknown.length > 0).length;
  const probed = statuses.filter((status) => status.adobeVerified !== undefined);
  const adobe = options.probe
    ? `; Adobe could read ${probed.filter((status) => status.adobeVerified).length} of ${probed.length}`
    : '';
  const extra = [paused ? `${paused} paused` : '', unknown ? `${unknown} partly unknown` : '']
    .filter(Boolean)
    .join(', ');
  const healthy = atRisk === 0 && paused === 0 && unknown === 0 && rotator.gaps.length === 0;
  const head = healthy ? 'OK' : atRisk > 0 ? 'AT RISK' : paused > 0 ? 'PAUSED' : 'UNKNOWN';
  const every = schedule?.intervalSeconds ? `, every ${formatDuration(schedule.intervalSeconds)}` : '';
  const thresholdFrom =
    rotator.thresholdFrom === 'alarm'
      ? "the alarm's threshold"
      : rotator.thresholdFrom === 'configuration'
        ? "the configuration's threshold"
        : 'one interval';
  const threshold = `; EXPIRING below ${formatDuration(rotator.thresholdSeconds)} (${thresholdFrom})`;
  const summary =
    `${head}: ` +
    `${statuses.length - atRisk - paused} of ${statuses.length} connection${statuses.length === 1 ? '' : 's'} ` +
    `healthy${extra ? ` (${extra})` : ''}${adobe} (schedule ${schedule?.expression ?? '?'}${every}${threshold}).`;
  io.stdout.write(`\n${wrap(summary, TABLE_WIDTH, 2).replace(head, paint(head, healthy ? 'ok' : 'failure'))}\n`);
}

/** What one connection reads and who reads it: for `status --connection`. */
function printDetails(write: (text: string) => void, status: ConnectionStatus, id: string, now: number): void {
  const reads = status.reads ?? (status.unknown.includes('adobe') ? 'unknown' : "the bucket's root");
  const form = status.exploreForm ? ` (Adobe's explore form: ${status.exploreForm})` : '';
  const read = describeRead(status, now);
  write('');
  write(
    wrap(
      `${id}${status.name ? ` "${status.name}"` : ''} (sandbox ${status.sandboxName}) ` +
        `reads ${reads}${form}${read ? `; ${read}` : ''}.`,
      TABLE_WIDTH,
      2,
    ),
  );
  if (status.dataflowsError) write(wrap(`  dataflows: unknown (${status.dataflowsError})`, TABLE_WIDTH, 4));
  else if (status.dataflows?.length === 0) write('  dataflows: none reads it');
  for (const flow of status.dataflows ?? []) write(wrap(`  dataflow ${describeDataflow(flow, now)}`, TABLE_WIDTH, 4));
}
