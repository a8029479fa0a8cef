/**
 * `pause` and `resume`: switch the deployed stack's schedule off and on, with the alarms' actions,
 * and keep the record of who paused, when and why in the rotation ledger.
 *
 * Each converges: it reads the schedule, the alarms and the record first (and changes nothing if
 * any of them is missing), then does only what is not done yet. `pause` writes the record last
 * and `resume` deletes it last, so a record means the pause was complete; a command interrupted
 * half-way says what it did, and running it again finishes it.
 */
import { scheduleInterval } from '../../core/rotation-rules.js';
import { shellWord, type CommandOptions } from '../args.js';
import { stackOutputs } from '../aws.js';
import { optionalConfig, stackNameFor } from '../config-source.js';
import {
  callerArn,
  deploymentOf,
  describeAlarms,
  getSchedule,
  setAlarmActions,
  setScheduleState,
  suggest,
  type AlarmActions,
  type Deployment,
  type Schedule,
  type ScheduleState,
} from '../deployment.js';
import { CliError, EXIT, UsageError, withoutFullStop } from '../errors.js';
import { formatClock, formatDuration, painterFor, printJson, TABLE_WIDTH, wantsJson, wrap, type Io, type Tone } from '../output.js';
import { deletePauseRecord, readPauseRecord, writePauseRecord, type PauseRecord } from '../pause-record.js';

/** Longer reasons belong in the change ticket the reason names. */
const MAX_REASON_CHARS = 500;

/** What the stack looks like before a command changes anything. */
interface Controls {
  /** The configuration says `"enabled": false`: the stack is deployed paused. */
  readonly deployedPaused: boolean;
  readonly deployment: Deployment;
  readonly aws: { readonly region?: string };
  readonly schedule: Schedule;
  readonly alarms: readonly AlarmActions[];
  readonly record?: PauseRecord;
}

async function readControls(options: CommandOptions, io: Io): Promise<Controls> {
  const config = optionalConfig(io.cwd, options.config);
  const stackName = stackNameFor(io.cwd, options.config, options.stack);
  const aws = { region: config?.region };
  const deployment = deploymentOf(stackName, await stackOutputs(stackName, aws));
  // All three first: a schedule or alarm that is missing stops the command before it changes anything.
  const [schedule, alarms, record] = await Promise.all([
    getSchedule(deployment, aws),
    describeAlarms(deployment, aws),
    readPauseRecord(deployment.ledgerTableName, aws),
  ]);
  return { deployedPaused: config?.enabled === false, deployment, aws, schedule, alarms, ...(record ? { record } : {}) };
}

/**
 * Run the steps in order; one that fails ends the command with what the earlier ones did and the
 * command that finishes it (`again`: the same command, its reason included).
 */
async function converge(
  command: 'pause' | 'resume',
  again: string,
  options: CommandOptions,
  steps: ReadonlyArray<readonly [done: string, run: () => Promise<unknown>]>,
): Promise<void> {
  const done: string[] = [];
  for (const [description, step] of steps) {
    try {
      await step();
    } catch (error) {
      if (!(error instanceof CliError) || done.length === 0) throw error;
      throw new CliError(
        `${withoutFullStop(error.message)}; it had already ${done.join(' and ')}, and \`${suggest(again, options)}\` finishes the ${command} once that is fixed.`,
        error.exitCode,
      );
    }
    done.push(description);
  }
}

const quoted = (record: PauseRecord) => (record.reason ? ` ("${record.reason.replace(/\s+/g, ' ')}")` : '');

export async function pauseCommand(options: CommandOptions, io: Io): Promise<number> {
  const reason = options.reason?.trim();
  if (reason !== undefined && reason.length > MAX_REASON_CHARS) {
    throw new UsageError(`--reason is ${reason.length} characters long; keep it to ${MAX_REASON_CHARS} (name the change ticket for the rest).`);
  }
  const controls = await readControls(options, io);
  const { deployment, aws, schedule, alarms, record } = controls;
  const toDisable = alarms.filter((alarm) => alarm.actionsEnabled).map((alarm) => alarm.name);
  if (record && schedule.State === 'DISABLED' && toDisable.length === 0) {
    report(io, options, { command: 'pause', changed: false, controls, state: 'DISABLED', alarmsChanged: [], record });
    return EXIT.OK;
  }

  const caller = await callerArn(aws);
  const newRecord: PauseRecord = { pausedBy: caller, pausedAt: new Date(io.now()).toISOString(), ...(reason ? { reason } : {}) };
  await converge('pause', reason ? `pause --reason ${shellWord(reason)}` : 'pause', options, [
    ...(schedule.State !== 'DISABLED'
      ? [[`disabled schedule ${deployment.scheduleName}`, () => setScheduleState(deployment, schedule, 'DISABLED', aws, io.now())] as const]
      : []),
    ...(toDisable.length > 0 ? [[`disabled the actions of ${toDisable.length} alarms`, () => setAlarmActions(toDisable, false, aws)] as const] : []),
    ['recorded the pause', () => writePauseRecord(deployment.ledgerTableName, newRecord, aws)] as const,
  ]);
  report(io, options, { command: 'pause', changed: true, controls, state: 'DISABLED', alarmsChanged: toDisable, record: newRecord });
  return EXIT.OK;
}

export async function resumeCommand(options: CommandOptions, io: Io): Promise<number> {
  const controls = await readControls(options, io);
  const { deployment, aws, schedule, alarms, record } = controls;
  const toEnable = alarms.filter((alarm) => !alarm.actionsEnabled).map((alarm) => alarm.name);
  if (!record && schedule.State !== 'DISABLED' && toEnable.length === 0) {
    report(io, options, { command: 'resume', changed: false, controls, state: 'ENABLED', alarmsChanged: [] });
    return EXIT.OK;
  }

  await converge('resume', 'resume', options, [
    ...(schedule.State === 'DISABLED'
      ? [[`enabled schedule ${deployment.scheduleName}`, () => setScheduleState(deployment, schedule, 'ENABLED', aws, io.now())] as const]
      : []),
    ...(toEnable.length > 0 ? [[`enabled the actions of ${toEnable.length} alarms`, () => setAlarmActions(toEnable, true, aws)] as const] : []),
    ...(record ? [['removed the pause record', () => deletePauseRecord(deployment.ledgerTableName, aws)] as const] : []),
  ]);
  report(io, options, { command: 'resume', changed: true, controls, state: 'ENABLED', alarmsChanged: toEnable, ...(record ? { record } : {}) });
  return EXIT.OK;
}

interface Outcome {
  readonly command: 'pause' | 'resume';
  readonly changed: boolean;
  readonly controls: Controls;
  /** The schedule's state now. */
  readonly state: ScheduleState;
  /** Alarms whose actions the command switched. */
  readonly alarmsChanged: readonly string[];
  /** pause: the record now in the ledger; resume: the one it removed. */
  readonly record?: PauseRecord;
}

function report(io: Io, options: CommandOptions, outcome: Outcome): void {
  const { command, changed, controls, state, alarmsChanged, record } = outcome;
  const { deployment, schedule, alarms } = controls;
  const actionsEnabled = command === 'resume';
  if (wantsJson(io, options.json)) {
    printJson(io, {
      ok: true,
      command,
      changed,
      paused: command === 'pause',
      stack: deployment.stackName,
      schedule: {
        name: deployment.scheduleName,
        group: deployment.scheduleGroupName,
        expression: schedule.ScheduleExpression,
        state,
        previousState: schedule.State,
      },
      alarms: alarms.map((alarm) => ({ name: alarm.name, actionsEnabled, changed: alarmsChanged.includes(alarm.name) })),
      ledgerTable: deployment.ledgerTableName,
      ...(command === 'pause' ? { record } : { removedRecord: record ?? null }),
      ...(controls.deployedPaused ? { deployedPaused: true } : {}),
    });
    return;
  }
  const paint = painterFor(io, 'stdout');
  const now = io.now();
  const said = (tone: Tone, label: string, text: string) =>
    io.stdout.write(`${wrap(`${label}: ${text}`, TABLE_WIDTH, 2).replace(label, paint(label, tone))}\n`);
  const paste = (intro: string, line: string) => io.stdout.write(`${intro}\n    ${line}\n`);
  const where = `schedule ${deployment.scheduleName} (group ${deployment.scheduleGroupName})`;
  const already = alarms.length - alarmsChanged.length;
  const actions = (state: string) =>
    `the actions of its ${alarms.length} alarms are ${state}${already > 0 ? ` (${already === alarms.length ? 'all' : already} already were)` : ''}`;
  const byWhom = (paused: PauseRecord) => `paused by ${paused.pausedBy} at ${formatClock(paused.pausedAt, now) ?? 'an unknown time'}${quoted(paused)}`;

  if (command === 'pause' && !changed) {
    said(
      'warning',
      'Already paused',
      `${byWhom(record!)}; ${where} is DISABLED and the actions of its ${alarms.length} alarms are disabled. Nothing was changed.`,
    );
    paste('Resume with:', suggest('resume', options));
    return;
  }
  if (command === 'resume' && !changed) {
    said('ok', 'Not paused', `${where} is ENABLED and the actions of its ${alarms.length} alarms are enabled. Nothing was changed.`);
    return;
  }
  if (command === 'pause') {
    const wasDisabled = schedule.State === 'DISABLED' ? ' (it already was)' : '';
    said(
      'warning',
      'Paused',
      `${where} is DISABLED${wasDisabled}, so no scheduled run starts; ${actions('disabled')}, so they change state without notifying anyone. Recorded in the ledger table ${deployment.ledgerTableName}: ${byWhom(record!)}.`,
    );
    io.stdout.write(
      `${wrap('Credentials still expire while paused: each connection keeps what it holds until its expiry (`status` shows when).', TABLE_WIDTH, 2)}\n`,
    );
    paste('A manual rotation still works:', suggest('rotate', options));
    paste('Resume with:', suggest('resume', options));
    return;
  }
  const interval = schedule.ScheduleExpression ? scheduleInterval(schedule.ScheduleExpression).seconds : undefined;
  const notes = [
    record
      ? `It was ${byWhom(record)}; that record is removed.`
      : schedule.State === 'DISABLED'
        ? 'It had been disabled without a pause record (outside this tool).'
        : '',
  ].filter(Boolean);
  said('ok', 'Resumed', `${where} is ENABLED${schedule.State === 'DISABLED' ? '' : ' (it already was)'}; ${actions('enabled')}. ${notes.join(' ')}`.trim());
  if (controls.deployedPaused) {
    said(
      'warning',
      'Note',
      'the configuration says "enabled": false, so the stack was deployed paused: the next deploy that changes the schedule or the alarms switches them off again. Set "enabled": true before that deploy.',
    );
  }
  paste(
    `The next scheduled run starts within ${interval ? formatDuration(interval) : 'one schedule interval'} (${schedule.ScheduleExpression ?? 'its schedule'}); then check:`,
    suggest('status', options),
  );
}
