/**
 * `pause` and `resume`: pauses with a scope, a reason and an end (core/pauses.ts), kept in the
 * rotation ledger. A pause does not touch the schedule or the alarms: the function reads the pauses
 * at the start of each run of every target and leaves the paused connections alone until the pause
 * ends on its own, and the expiry alarm goes on watching every connection that is not paused.
 *
 * `pause` refuses a pause that would outlast what a paused connection holds (ingestion from it
 * would stop), unless `--force`. `resume` ends pauses early; it also ends a pause an older version
 * wrote (schedule disabled, alarms' actions off, no end), as that version's `resume` did.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  covers,
  isActive,
  MAX_PAUSE_REASON_CHARS,
  MAX_PAUSE_SECONDS,
  parsePauseDuration,
  parsePauseEnd,
  type Pause,
} from '../../core/pauses.js';
import { RotationLedger } from '../../lambda/ledger.js';
import type { CommandOptions } from '../args.js';
import { resolveConnectionIds } from '../connection-ids.js';
import { openDeployment, type Opened } from '../context.js';
import {
  callerArn,
  deployCommand,
  controlsOf,
  describeAlarms,
  getSchedule,
  setAlarmActions,
  setScheduleState,
  suggest,
} from '../deployment.js';
import { CliError, describeAwsError, EnvironmentError, EXIT, UsageError } from '../errors.js';
import {
  formatClock,
  formatDuration,
  painterFor,
  printJson,
  shortIds,
  TABLE_WIDTH,
  wantsJson,
  wrap,
  type Io,
} from '../output.js';
import { deleteLegacyPause, readPauseState, writePauses } from '../pause-store.js';
import { deployedTargets, targetsForIds } from '../targets.js';

/** The pause's reason and end, checked before anything is asked of AWS. */
function pauseTerms(options: CommandOptions, now: number): { reason: string; until: number } {
  const reason = options.reason?.trim();
  if (!reason)
    throw new UsageError(
      'pause needs --reason <text>: why, so the next person on call knows (the change ticket, the incident).',
    );
  if (reason.length > MAX_PAUSE_REASON_CHARS) {
    throw new UsageError(
      `--reason is ${reason.length} characters long; keep it to ${MAX_PAUSE_REASON_CHARS} ` +
        '(name the change ticket for the rest).',
    );
  }
  if (options.for !== undefined && options.until !== undefined)
    throw new UsageError('Give --for or --until, not both.');
  if (options.for === undefined && options.until === undefined) {
    throw new UsageError(
      'pause needs an end: --for <duration> (90m, 2h, 1d) or --until <time> (ISO 8601, e.g. 2025-06-01T18:00Z); ' +
        'a pause without one is forgotten.',
    );
  }
  let until: number;
  if (options.for !== undefined) {
    const seconds = parsePauseDuration(options.for);
    if (seconds === undefined)
      throw new UsageError(`--for "${options.for}" is not a duration: use minutes, hours or days, e.g. 90m, 2h, 1d.`);
    until = now + seconds * 1000;
  } else {
    const end = parsePauseEnd(options.until!);
    if (end === undefined)
      throw new UsageError(
        `--until "${options.until}" is not a time with its zone: use ISO 8601, e.g. ` +
          '2025-06-01T18:00Z or 2025-06-01T20:00+02:00.',
      );
    if (end <= now) throw new UsageError(`--until ${options.until} is not in the future.`);
    until = end;
  }
  if (until - now > MAX_PAUSE_SECONDS * 1000) {
    throw new UsageError(
      `A pause may last at most ${MAX_PAUSE_SECONDS / 86_400} days; this one would last ` +
        `${formatDuration((until - now) / 1000)}.`,
    );
  }
  return { reason, until };
}

/** The rotation ledger's table, or exit 3 naming why there is none. */
function ledgerOf(opened: Opened): string {
  const table = opened.deployment.ledgerTableName;
  if (!table)
    throw new EnvironmentError(
      `Function ${opened.deployment.functionName} keeps no rotation ledger (no LEDGER_TABLE_NAME), ` +
        'where pauses are kept.',
    );
  return table;
}

/** When what each connection holds expires, as its ledger item says (missing: the rotator never rotated it). */
async function expiries(table: string, ids: readonly string[], opened: Opened): Promise<Map<string, string>> {
  const client = new DynamoDBClient(opened.aws.region ? { region: opened.aws.region } : {});
  try {
    return await new RotationLedger(client, table).heldExpiries(ids);
  } catch (error) {
    throw describeAwsError(error, `read the rotation ledger table ${table} (dynamodb:BatchGetItem)`) ?? error;
  } finally {
    client.destroy();
  }
}

export async function pauseCommand(options: CommandOptions, io: Io): Promise<number> {
  const now = io.now();
  const { reason, until } = pauseTerms(options, now);
  const opened = await openDeployment(options, io);
  const table = ledgerOf(opened);
  const { targets, where } = await targetsForIds(options, opened.config, opened.deployment, opened.aws);
  const named = resolveConnectionIds(
    options.connection,
    targets.map((target) => target.connectionId),
    where,
  );
  // Every target: the deployed function's (a pause of every target covers what the function rotates).
  const covered =
    named ??
    (await deployedTargets(opened.deployment, opened.aws, deployCommand(options))).map((target) => target.connectionId);

  const held = await expiries(table, covered, opened);
  const short = shortIds(covered);
  const outlasted = covered.flatMap((id) => {
    const expiresAt = held.get(id);
    return expiresAt === undefined || Date.parse(expiresAt) < until ? [{ id, expiresAt }] : [];
  });
  if (outlasted.length > 0 && !options.force) {
    const said = outlasted.map(({ id, expiresAt }) =>
      expiresAt
        ? `${short.get(id)} holds credentials that expire at ${formatClock(expiresAt, now)}, so ingestion from it ` +
          'would stop then'
        : `${short.get(id)} has no rotation in the ledger, so when what it holds expires is unknown`,
    );
    const earliest = outlasted
      .flatMap(({ expiresAt }) => (expiresAt ? [Date.parse(expiresAt)] : []))
      .sort((a, b) => a - b)[0];
    const rotate = suggest(`rotate${outlasted.map(({ id }) => ` --connection ${short.get(id)}`).join('')}`, options);
    const endBefore =
      earliest !== undefined && earliest > now ? `, or end the pause before ${formatClock(earliest, now)}` : '';
    throw new CliError(
      `Not paused: the pause would end at ${formatClock(until, now)}, but ${said.join('; ')}. ` +
        `Rotate first (\`${rotate}\`) and pause for less than a lifetime` +
        `${endBefore}, or pass --force to pause anyway.`,
      EXIT.FAILED,
    );
  }

  const pausedBy = await callerArn(opened.aws);
  const state = await readPauseState(table, opened.aws);
  const pause: Pause = {
    id: randomBytes(4).toString('hex'),
    ...(named ? { connectionIds: named } : {}),
    reason,
    pausedBy,
    pausedAt: new Date(now).toISOString(),
    until: new Date(until).toISOString(),
    ...(outlasted.length > 0 ? { forced: true } : {}),
  };
  await writePauses(table, [...state.pauses, pause], state.version, now, opened.aws);

  const stopsAt = outlasted.flatMap(({ id, expiresAt }) => (expiresAt ? [{ id, expiresAt }] : []));
  if (wantsJson(io, options.json)) {
    printJson(io, {
      ok: true,
      command: 'pause',
      function: opened.deployment.functionName,
      pause,
      connectionIds: covered,
      ...(stopsAt.length > 0
        ? { ingestionStops: Object.fromEntries(stopsAt.map(({ id, expiresAt }) => [id, expiresAt])) }
        : {}),
    });
    return EXIT.OK;
  }
  const paint = painterFor(io, 'stdout');
  const what = named
    ? `${named.length} connection${named.length === 1 ? '' : 's'} (${named.map((id) => short.get(id)).join(', ')})`
    : `every target (${covered.length})`;
  io.stdout.write(
    `${wrap(
      `Paused ${what} until ${formatClock(until, now)} (in ${formatDuration((until - now) / 1000)}), ` +
        `by ${pausedBy}: "${reason}" (pause ${pause.id}). ` +
        'Scheduled runs leave them alone until then, and rotate them again after; the schedule and the alarms ' +
        'stay on, and the expiry alarm keeps watching every connection that is not paused.',
      TABLE_WIDTH,
      2,
    ).replace('Paused', paint('Paused', 'warning'))}\n`,
  );
  for (const { id, expiresAt } of stopsAt) {
    const forced = wrap(
      `FORCED: ingestion from ${short.get(id)} stops at ${formatClock(expiresAt, now)}, ` +
        'when what it holds expires (before the pause ends).',
      TABLE_WIDTH,
      2,
    );
    io.stdout.write(`${forced.replace('FORCED', paint('FORCED', 'failure'))}\n`);
  }
  io.stdout.write(
    'A manual rotation still works:\n    ' +
      `${suggest(`rotate${named ? named.map((id) => ` --connection ${short.get(id)}`).join('') : ''}`, options)}\n`,
  );
  io.stdout.write(
    'End it early with:\n    ' +
      `${suggest(`resume${named ? named.map((id) => ` --connection ${short.get(id)}`).join('') : ''}`, options)}\n`,
  );
  return EXIT.OK;
}

export async function resumeCommand(options: CommandOptions, io: Io): Promise<number> {
  const now = io.now();
  const opened = await openDeployment(options, io);
  const table = ledgerOf(opened);
  const state = await readPauseState(table, opened.aws);
  const active = state.pauses.filter((pause) => isActive(pause, now));
  let kept: Pause[];
  let ended: Pause[];
  let named: string[] | undefined;
  if (options.connection) {
    const { targets, where } = await targetsForIds(options, opened.config, opened.deployment, opened.aws);
    named = resolveConnectionIds(
      options.connection,
      targets.map((target) => target.connectionId),
      where,
    )!;
    const whole = active.find((pause) => !pause.connectionIds && named!.some((id) => covers(pause, id)));
    if (whole) {
      throw new CliError(
        `${named.join(', ')} ${named.length === 1 ? 'is' : 'are'} paused by pause ${whole.id} ` +
          `of every target ("${whole.reason}", until ${formatClock(whole.until, now)}): ` +
          `end it with \`${suggest('resume', options)}\` (then pause the others again), or wait for its end.`,
        EXIT.FAILED,
      );
    }
    ended = [];
    kept = active.flatMap((pause) => {
      const rest = pause.connectionIds!.filter(
        (id) => !named!.some((other) => other.toLowerCase() === id.toLowerCase()),
      );
      if (rest.length === pause.connectionIds!.length) return [pause];
      if (rest.length === 0) {
        ended.push(pause);
        return [];
      }
      return [{ ...pause, connectionIds: rest }];
    });
  } else {
    kept = [];
    ended = active;
  }
  const changedPauses =
    kept.length !== active.length || ended.length > 0 || kept.some((pause, index) => pause !== active[index]);
  if (changedPauses) await writePauses(table, kept, state.version, now, opened.aws);
  const legacy = named ? undefined : await endLegacyPause(opened, table, state.legacy !== undefined, options);

  if (wantsJson(io, options.json)) {
    printJson(io, {
      ok: true,
      command: 'resume',
      changed: changedPauses || Boolean(legacy?.changed.length),
      function: opened.deployment.functionName,
      ended,
      ...(named ? { connectionIds: named } : {}),
      remaining: kept,
      ...(legacy ? { olderPause: legacy } : {}),
    });
    return EXIT.OK;
  }
  const paint = painterFor(io, 'stdout');
  if (!changedPauses && !legacy?.changed.length) {
    io.stdout.write(
      `${paint('Not paused', 'ok')}: ` +
        `${named ? `${named.join(', ')} ${named.length === 1 ? 'is' : 'are'} in no pause` : 'no pause is in force'}. ` +
        'Nothing was changed.\n',
    );
    return EXIT.OK;
  }
  const short = shortIds(named ?? []);
  const said = named
    ? `${named.map((id) => short.get(id)).join(', ')} ${named.length === 1 ? 'is' : 'are'} no longer paused`
    : `every pause ended (${ended.length})`;
  const older = legacy?.changed.length ? `; the older pause's ${legacy.changed.join(' and ')}` : '';
  const next = named ? (named.length === 1 ? 'it' : 'them') : 'every target';
  const resumed = wrap(`Resumed: ${said}${older}. The next scheduled run rotates ${next}.`, TABLE_WIDTH, 2);
  io.stdout.write(`${resumed.replace('Resumed', paint('Resumed', 'ok'))}\n`);
  for (const pause of kept) {
    const count = pause.connectionIds?.length;
    const connections = `${count ?? 'every'} connection${count === 1 ? '' : 's'}`;
    const until = formatClock(pause.until, now);
    const still = `Still paused: pause ${pause.id} (${connections}) until ${until}: "${pause.reason}".`;
    io.stdout.write(`${wrap(still, TABLE_WIDTH, 2)}\n`);
  }
  io.stdout.write(`Then check:\n    ${suggest('status', options)}\n`);
  return EXIT.OK;
}

/**
 * End a pause an older version wrote: the schedule enabled, the alarms' actions on, its record
 * deleted (in that order, so a record still there means the resume did not finish). Also switches
 * on a schedule or alarm actions left off outside this tool, as that version's `resume` did.
 */
async function endLegacyPause(
  opened: Opened,
  table: string,
  hadRecord: boolean,
  options: CommandOptions,
): Promise<{ changed: string[] } | undefined> {
  let controls: ReturnType<typeof controlsOf>;
  try {
    controls = controlsOf(opened.deployment);
  } catch (error) {
    if (hadRecord) throw error;
    return undefined;
  }
  const { aws } = opened;
  const [schedule, alarms] = await Promise.all([getSchedule(controls, aws), describeAlarms(controls, aws)]);
  const silenced = alarms.filter((alarm) => !alarm.actionsEnabled).map((alarm) => alarm.name);
  const changed: string[] = [];
  const step = async (description: string, run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (error) {
      if (!(error instanceof CliError) || changed.length === 0) throw error;
      throw new CliError(
        `${error.message.replace(/\.$/, '')}; it had already ${changed.join(' and ')}, ` +
          `and \`${suggest('resume', options)}\` finishes once that is fixed.`,
        error.exitCode,
      );
    }
    changed.push(description);
  };
  if (schedule.State === 'DISABLED')
    await step(`schedule ${controls.scheduleName} is enabled`, () =>
      setScheduleState(controls, schedule, 'ENABLED', aws),
    );
  if (silenced.length > 0)
    await step(`${silenced.length} alarms' actions are enabled`, () => setAlarmActions(silenced, true, aws));
  if (hadRecord) await step('record is removed', () => deleteLegacyPause(table, aws));
  return { changed };
}
