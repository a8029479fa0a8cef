/**
 * `status` for a person: whether the rotator is paused, one row per connection within
 * {@link TABLE_WIDTH} columns, then a note or WARNING per connection that has one (wrapped, with
 * the command to paste on a line of its own), then the summary.
 *
 * With the rotation ledger the row says when the connection was last rotated, when what it holds
 * expires, how the last run went and who updated it last; without it, as before the ledger: when
 * Flow Service says it was updated, by whom, and that update's age against the lifetime.
 */
import { shellWord, type CommandOptions } from './args.js';
import { suggest } from './deployment.js';
import { formatClock, formatDuration, painterFor, renderTable, shortIds, TABLE_WIDTH, wrap, type Column, type Cell, type Io, type Tone } from './output.js';
import type { PauseRecord } from './pause-record.js';
import { adobeWarning, type ConnectionStatus, type Risk } from './status-judgement.js';

/** What `status` found about the rotator itself, besides the connections. */
export interface RotatorState {
  /** The ledger table read, or why there is none (`status` then judges from Flow Service alone). */
  readonly ledger: { readonly table: string } | { readonly table: null; readonly reason: string };
  /** Who paused, when and why; undefined when not paused (or unknown without a ledger). */
  readonly pause?: PauseRecord;
  /** The schedule's state, when the stack names its schedule and it could be read. */
  readonly scheduleState?: 'ENABLED' | 'DISABLED';
  /** Why the schedule's state is unknown, when it should have been read. */
  readonly scheduleProblem?: string;
  /** The configuration says `"enabled": false`: the stack is deployed paused. */
  readonly deployedPaused?: boolean;
  /** How many of the stack's alarms there are, and how many have their actions disabled (notify no one). */
  readonly alarms?: { readonly total: number; readonly silenced: number };
  /** Why the alarms' actions are unknown, when they should have been read. */
  readonly alarmsProblem?: string;
}

/** What the alarms do, as far as `status` read them: `the alarms notify no one`, or how many still do. */
function alarmsNotifying(state: RotatorState, whenUnknown: string): string {
  if (!state.alarms) return whenUnknown;
  const { total, silenced } = state.alarms;
  if (silenced === total) return 'the alarms notify no one';
  if (silenced === 0) return `all ${total} alarms notify again (a deploy put their actions back)`;
  return `${total - silenced} of the ${total} alarms notify again`;
}

const RISK_TONE: Record<Risk, Tone | undefined> = {
  ok: 'ok',
  expiring: 'warning',
  expired: 'failure',
  failing: 'failure',
  'not-found': 'failure',
  'not-enabled': 'failure',
  'not-rotatable': 'failure',
  unreadable: 'failure',
  'no-update-time': 'warning',
  'nothing-to-rotate': undefined,
  'adobe-cannot-read': 'failure',
};

const RISK_LABEL: Record<Risk, string> = {
  ok: 'ok',
  expiring: 'EXPIRING',
  expired: 'EXPIRED',
  failing: 'FAILING',
  'not-found': 'NOT FOUND',
  'not-enabled': 'NOT ENABLED',
  'not-rotatable': 'NOT ROTATABLE',
  unreadable: 'UNREADABLE',
  'no-update-time': 'AGE UNKNOWN',
  'nothing-to-rotate': 'n/a (IAM role)',
  'adobe-cannot-read': 'ADOBE REFUSED',
};

/** What to do about each kind of risk, and the command to paste, if one helps. */
function advice(status: ConnectionStatus, options: CommandOptions): { text: string; command?: string } {
  const rotate = suggest(`rotate --connection ${status.connectionId}`, options);
  switch (status.risk) {
    case 'expired':
    case 'expiring':
    case 'no-update-time':
      return { text: 'rotate it now', command: rotate };
    case 'failing':
      if (status.lastAttempt?.errorCode === '1404-412') {
        const writer = status.editedAfterRotation ? status.updatedBy : 'the other writer (UPDATED BY)';
        return { text: `once ${writer} stops editing it (docs/RUNBOOK.md, "Repeated 412s"), rotate it`, command: rotate };
      }
      return {
        text: `fix the cause (docs/RUNBOOK.md, "How Adobe's codes appear"; a dry run stops before the PATCH, so it does not show what only the PATCH meets), then rotate it`,
        command: rotate,
      };
    case 'not-found':
    case 'not-rotatable':
    case 'nothing-to-rotate':
      return { text: 'fix the target, then check the configuration', command: `${suggest('check-config', { config: options.config })}` };
    case 'not-enabled':
      return { text: 'enable the connection in Experience Platform, or remove it from the targets' };
    case 'adobe-cannot-read':
      return {
        // KMS and object permissions matter only once Adobe listed and could not read a file.
        text:
          (status.adobeCanRead === false
            ? "check s3:GetObject on the objects and, for SSE-KMS, kms:Decrypt on the bucket's key (the role, the bucket and key policies) "
            : "check s3:ListBucket in the role's permissions, the bucket policy and the session policy's folder ") +
          '(docs/RUNBOOK.md, "Adobe cannot read the bucket"), then try a dry run',
        command: suggest(`rotate --dry-run --connection ${status.connectionId}`, options),
      };
    case 'ok':
      // Someone else's edit since the last rotation: can Adobe still read with what it holds?
      return status.editedAfterRotation && !options.probe
        ? { text: 'check that Adobe can still read with what it holds', command: suggest(`status --probe --connection ${status.connectionId}`, options) }
        : { text: '' };
    default:
      return { text: 'try again', command: suggest(`status --connection ${status.connectionId}`, options) };
  }
}

/** The last run, for its column: `rotated`, `FAILED 1445-400`, `FAILED 1404-412 ×3` (runs in a row). */
function lastRunOf(status: ConnectionStatus): Cell {
  const attempt = status.lastAttempt;
  if (!attempt) return undefined;
  if (attempt.outcome !== 'failed') return { text: attempt.outcome, tone: attempt.outcome === 'rotated' ? 'ok' : undefined };
  const row = (status.consecutiveFailures ?? 0) > 1 ? ` ×${status.consecutiveFailures}` : '';
  return { text: `FAILED ${attempt.errorCode ?? ''}${row}`.replace('  ', ' '), tone: 'failure' };
}

/** The pause, or a schedule switched off without one, above the table; undefined when neither. */
export function rotatorWarning(state: RotatorState, options: CommandOptions, now: number): { label: string; text: string; command: string } | undefined {
  const resume = suggest('resume', options);
  if (state.pause) {
    const { pausedBy, pausedAt, reason } = state.pause;
    const who = `by ${pausedBy} at ${formatClock(pausedAt, now) ?? 'an unknown time'}${reason ? ` ("${reason.replace(/\s+/g, ' ')}")` : ''}`;
    // A deploy that changes the schedule puts the template's State back: the record outlives the pause.
    if (state.scheduleState === 'ENABLED') {
      return {
        label: 'PAUSED, SCHEDULE ENABLED',
        text: `${who}, but the schedule is ENABLED again (a deploy that changed it, or someone outside aep-s3-rotator): scheduled runs rotate, and ${alarmsNotifying(state, 'a deploy may have switched alarm actions back on')}. Finish the pause with \`${suggest('pause', options)}\`, or end it with:`,
        command: resume,
      };
    }
    return {
      label: 'PAUSED',
      text: `${who}: no scheduled run rotates the credentials and ${alarmsNotifying(state, 'the alarms notify no one')} until it is resumed; a manual rotate still works. Resume with:`,
      command: resume,
    };
  }
  if (state.scheduleState === 'DISABLED' && state.deployedPaused) {
    return {
      label: 'DEPLOYED PAUSED',
      text: '("enabled": false in the configuration): no scheduled run rotates the credentials and the alarms notify no one; a manual rotate still works. Set "enabled": true, then:',
      command: `npx cdk deploy${options.config ? ` -c ${shellWord(`rotatorConfigFile=${options.config}`)}` : ''}`,
    };
  }
  if (state.scheduleState === 'DISABLED') {
    return {
      label: 'SCHEDULE DISABLED',
      text: 'without a pause record (switched off outside aep-s3-rotator): no scheduled run rotates the credentials. Enable it with:',
      command: resume,
    };
  }
  // Without a pause, a silenced alarm is the quiet failure: credentials could expire and page no one.
  if (state.alarms && state.alarms.silenced > 0 && !state.deployedPaused) {
    const { total, silenced } = state.alarms;
    return {
      label: 'ALARMS SILENCED',
      text: `without a pause record: the actions of ${silenced} of the stack's ${total} alarms are disabled (outside aep-s3-rotator, or a resume that did not finish), so they notify no one, expiring credentials included. Enable them with:`,
      command: resume,
    };
  }
  return undefined;
}

export function printStatusTable(
  io: Io,
  statuses: readonly ConnectionStatus[],
  state: RotatorState,
  schedule: string,
  intervalSeconds: number,
  options: CommandOptions,
): void {
  const paint = painterFor(io, 'stdout');
  const probe = Boolean(options.probe);
  const now = io.now();
  const short = shortIds(statuses.map((status) => status.connectionId));
  const write = (text: string) => io.stdout.write(`${text}\n`);

  const paused = rotatorWarning(state, options, now);
  if (paused) {
    write(wrap(`${paused.label} ${paused.text}`, TABLE_WIDTH, 2).replace(paused.label, paint(paused.label, 'warning')));
    write(`    ${paused.command}\n`);
  }

  // Ledger columns once the function has written an entry; until then they would all be empty.
  const ledger = state.ledger.table !== null && statuses.some((status) => status.lastAttempt || status.lastRotation);
  const adobeCell = (status: ConnectionStatus): Cell[] =>
    probe ? [status.adobeVerified === undefined ? undefined : status.adobeVerified ? { text: 'reads', tone: 'ok' } : { text: 'REFUSED', tone: 'failure' }] : [];
  const risk = (status: ConnectionStatus): Cell => ({ text: RISK_LABEL[status.risk], tone: RISK_TONE[status.risk] });
  const by = (status: ConnectionStatus): Cell =>
    status.writtenByRotator ? 'rotator' : { text: status.updatedBy, tone: status.editedAfterRotation ? 'warning' : undefined };
  const columns: Column[] = ledger
    ? // Who updated it is the cross-check: the name and sandbox give way first.
      [
        'ID',
        { header: 'NAME', shrinkTo: 8, first: true },
        { header: 'SANDBOX', shrinkTo: 8, first: true },
        'ROTATED',
        'EXPIRES',
        { header: 'LAST RUN', shrinkTo: 8 },
        { header: 'UPDATED BY', shrinkTo: 10 },
        'RISK',
      ]
    : ['ID', { header: 'NAME', shrinkTo: 8 }, { header: 'SANDBOX', shrinkTo: 8 }, 'UPDATED', { header: 'BY', shrinkTo: 8 }, 'AGE / LIFETIME', 'RISK'];
  const rows = statuses.map((status): Cell[] => [
    short.get(status.connectionId),
    status.name,
    status.sandboxName,
    ...(ledger
      ? [formatClock(status.lastRotation?.at, now), formatClock(status.expiresAt, now), lastRunOf(status), by(status)]
      : [
          formatClock(status.updatedAt, now),
          by(status),
          status.ageSeconds === undefined ? undefined : `${formatDuration(status.ageSeconds)} / ${formatDuration(status.lifetimeSeconds)}`,
        ]),
    risk(status),
    ...adobeCell(status),
  ]);
  write(renderTable([...columns, ...(probe ? ['ADOBE'] : [])], rows, { paint }).text);

  const notes = statuses.filter((status) => status.warning);
  if (notes.length > 0) io.stdout.write('\n');
  for (const status of notes) {
    // A connection at risk for another reason may also be refused by Adobe (expired credentials are).
    const adobe = status.adobeVerified === false && status.risk !== 'adobe-cannot-read' ? adobeWarning(status) : undefined;
    const next = advice(status, options);
    const said = [status.warning!, ...(adobe ? [adobe] : []), ...(next.text ? [next.text] : [])].map((part) => part.replace(/\.$/, '')).join('; ');
    const label = status.atRisk ? 'WARNING' : 'note';
    const line = wrap(`${label}: ${short.get(status.connectionId)} (sandbox ${status.sandboxName}): ${said}${next.command ? ':' : '.'}`, TABLE_WIDTH, 2);
    write(status.atRisk ? line.replace(label, paint(label, 'warning')) : line);
    if (next.command) write(`    ${next.command}`);
  }

  const atRisk = statuses.filter((status) => status.atRisk).length;
  const probed = statuses.filter((status) => status.adobeVerified !== undefined);
  const adobe = probe ? `; Adobe could read ${probed.filter((status) => status.adobeVerified).length} of ${probed.length}` : '';
  const unjudged = state.ledger.table !== null ? statuses.filter((status) => !status.lastAttempt && !status.lastRotation).length : 0;
  const source =
    state.ledger.table === null
      ? ` Judged from Flow Service's updatedAt alone, which any edit moves: there is no rotation ledger to read (${state.ledger.reason.replace(/\.$/, '')}).`
      : unjudged > 0
        ? ` ${unjudged} with no ledger entry yet (the function has not tried ${unjudged === 1 ? 'it' : 'them'} since the ledger exists): judged from Flow Service's updatedAt.`
        : '';
  const healthy = atRisk === 0 && !paused;
  const head = healthy ? 'OK' : paused && atRisk === 0 ? paused.label : 'AT RISK';
  const summary = `${head}: ${statuses.length - atRisk} of ${statuses.length} connection${statuses.length === 1 ? '' : 's'} healthy${adobe} (schedule ${schedule}, every ${formatDuration(intervalSeconds)}).${source}`;
  const wrapped = wrap(summary, TABLE_WIDTH, 2);
  io.stdout.write(`\n${wrapped.replace(head, paint(head, healthy ? 'ok' : 'failure'))}\n`);
  if (state.scheduleProblem) write(wrap(`note: the schedule's state could not be read (${state.scheduleProblem.replace(/\.$/, '')}).`, TABLE_WIDTH, 2));
  if (state.alarmsProblem) write(wrap(`note: the alarms' actions could not be read (${state.alarmsProblem.replace(/\.$/, '')}).`, TABLE_WIDTH, 2));
}
