/**
 * `status`: every connection, judged as the alarms judge it (cli/status-judgement.ts), from what
 * can be read with an operator's permissions: Adobe's view through the function (a read-only
 * `inspect` request: lambda:InvokeFunction, never the Adobe secret), the rotation ledger, the
 * pauses, the schedule, the alarms (and the per-connection alarms' contributors), and the Adobe
 * secret's rotation.
 *
 * It never goes silent: each source is read on its own, and what one cannot say is marked unknown
 * in the row and listed once with why; `--json` always prints the document. An operator-side
 * failure (no credentials, access denied, unreachable) exits 3, after printing what was learned.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import { CONNECTION_ALARMS, expiryAlarmPlan, fittingTimeoutSeconds } from '../../core/alarm-rules.js';
import { pauseOf } from '../../core/pauses.js';
import { scheduleInterval } from '../../core/rotation-rules.js';
import { nextScheduledRun } from '../../core/schedule-times.js';
import type { InspectResult } from '../../lambda/inspect.js';
import { RotationLedger } from '../../lambda/ledger.js';
import type { LedgerRecord } from '../../lambda/ledger-item.js';
import { describeAdobeSecretLine, describeAdobeSecretRotation } from '../adobe-secret-rotation.js';
import type { CommandOptions } from '../args.js';
import { resolveConnectionIds } from '../connection-ids.js';
import { optionalConfig } from '../config-source.js';
import { openDeployment, type Opened } from '../context.js';
import {
  contributorsInAlarm,
  controlsOf,
  deployCommand,
  describeAlarms,
  getSchedule,
  type AlarmActions,
} from '../deployment.js';
import { ALARM_IDS } from '../discovery.js';
import { CliError, describeAwsError, EnvironmentError, EXIT, withoutFullStop } from '../errors.js';
import { printJson, Progress, wantsJson, type Io } from '../output.js';
import { readPauseState } from '../pause-store.js';
import { judge, type AlarmStatus, type ConnectionStatus, type Gap, type RotatorStatus } from '../status-judgement.js';
import { printStatusTable } from '../status-table.js';
import {
  configuredTargets,
  invokeInspect,
  targetDifference,
  type KnownTarget,
  type TargetDifference,
} from '../targets.js';
import { alarmIdOf } from '../../core/operator-facts.js';

/** Why the function could not ask Adobe that also fails every run (IMS_UNAVAILABLE may pass). */
const RUNS_FAIL = /^(?:IMS_AUTH_FAILED|SECRET_INVALID|SECRET_UNAVAILABLE)$/;

export type { AlarmStatus, ConnectionStatus, Gap, Risk, RotatorStatus } from '../status-judgement.js';

/** A failure as a gap: an AWS problem on the operator's side, a sentence the CLI wrote, or a bug (thrown). */
function gapOf(what: string, error: unknown, action: string): Gap {
  if (error instanceof EnvironmentError) return { what, why: error.message, environment: Boolean(error.problem) };
  if (error instanceof CliError) return { what, why: error.message };
  const known = describeAwsError(error, action);
  if (known) return { what, why: known.message, environment: true };
  return { what, why: `${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}` };
}

/** Read one source; its failure becomes a gap. */
async function read<T>(gaps: Gap[], what: string, action: string, lookup: () => Promise<T>): Promise<T | undefined> {
  try {
    return await lookup();
  } catch (error) {
    gaps.push(gapOf(what, error, action));
    return undefined;
  }
}

/** The ledger items of `ids` (whole), by connection id. */
async function ledgerRecords(
  table: string,
  ids: readonly string[],
  opened: Opened,
): Promise<Map<string, LedgerRecord>> {
  const client = new DynamoDBClient(opened.aws.region ? { region: opened.aws.region } : {});
  try {
    return await new RotationLedger(client, table).records(ids);
  } finally {
    client.destroy();
  }
}

/** The deployed alarms with their state, and the per-connection ones' contributors in ALARM. */
async function alarmStatuses(opened: Opened, limit: ReturnType<typeof pLimit>): Promise<AlarmStatus[]> {
  const { deployment, aws } = opened;
  const described = await describeAlarms(deployment, aws);
  const perConnection = new Set(CONNECTION_ALARMS.map((rule) => rule.id));
  return Promise.all(
    described.map((alarm: AlarmActions) =>
      limit(async () => {
        const id = alarmIdOf(alarm.name, deployment.functionName, ALARM_IDS) ?? alarm.name;
        const contributors =
          alarm.state === 'ALARM' && (alarm.perContributor || perConnection.has(id.replace(/Shard\d+$/, '')))
            ? await contributorsInAlarm(alarm.name, aws)
            : undefined;
        return {
          id,
          name: alarm.name,
          ...(alarm.state ? { state: alarm.state } : {}),
          ...(alarm.since ? { since: alarm.since } : {}),
          actionsEnabled: alarm.actionsEnabled,
          ...(contributors ? { contributors } : {}),
          ...(alarm.threshold !== undefined ? { threshold: alarm.threshold } : {}),
        };
      }),
    ),
  );
}

/** CredentialsExpiringAlarm's threshold: the deployed alarm's, else the configuration's plan, else one interval. */
function thresholdOf(
  alarms: readonly (AlarmStatus & { threshold?: number })[] | undefined,
  opened: Opened,
  intervalSeconds: number | undefined,
  targets: readonly KnownTarget[],
): Pick<RotatorStatus, 'thresholdSeconds' | 'thresholdFrom'> {
  const deployed = alarms?.find((alarm) => alarm.id === 'CredentialsExpiringAlarm')?.threshold;
  if (deployed !== undefined) return { thresholdSeconds: deployed, thresholdFrom: 'alarm' };
  const lifetimes = targets.flatMap((target) => (target.durationSeconds ? [target.durationSeconds] : []));
  if (intervalSeconds && lifetimes.length > 0) {
    const shortestLifetimeSeconds = Math.min(...lifetimes);
    const timeoutSeconds =
      opened.deployment.timeoutSeconds ??
      fittingTimeoutSeconds({
        targetCount: targets.length,
        concurrency: opened.config?.concurrency ?? 8,
        intervalSeconds,
        shortestLifetimeSeconds,
      }) ??
      900;
    const plan = expiryAlarmPlan({
      intervalSeconds,
      timeoutSeconds,
      shortestLifetimeSeconds,
      thresholdSeconds: opened.config?.expiryAlarmThresholdSeconds,
      durationField: 'targets',
    });
    if (!plan.windowProblem) return { thresholdSeconds: plan.thresholdSeconds, thresholdFrom: 'configuration' };
  }
  return { thresholdSeconds: intervalSeconds ?? 900, thresholdFrom: 'interval' };
}

/**
 * `status`. Whatever stops it before it can list the connections (no credentials, a stack or
 * function that does not exist) still prints a document with `--json`: the error, and the local
 * configuration's connections, every part unknown. A usage error (exit 2) prints none.
 */
export async function statusCommand(options: CommandOptions, io: Io): Promise<number> {
  try {
    return await status(options, io);
  } catch (error) {
    // A wrong command line is the caller's to fix, not a state of the rotator: no document for it.
    if (!(error instanceof CliError) || error.exitCode === EXIT.USAGE || !wantsJson(io, options.json)) throw error;
    const config = (() => {
      try {
        return optionalConfig(io.cwd, options.config);
      } catch {
        return undefined;
      }
    })();
    printJson(io, {
      ok: false,
      checkedAt: new Date(io.now()).toISOString(),
      error: { message: error.message, exitCode: error.exitCode },
      connections: (config?.targets ?? []).map((target) => ({
        connectionId: target.connectionId,
        sandboxName: target.sandboxName,
        risk: 'unknown',
        atRisk: true,
        unknown: ['adobe', 'ledger', 'pause'],
      })),
    });
    io.stderr.write(`aep-s3-rotator: ${error.message}\n`);
    return error.exitCode;
  }
}

async function status(options: CommandOptions, io: Io): Promise<number> {
  const opened = await openDeployment(options, io);
  const { deployment, aws, config } = opened;
  const now = io.now();
  const gaps: Gap[] = deployment.gaps.map((why) => ({ what: 'the deployment', why }));
  const progress = new Progress(io);
  const limit = pLimit(8);

  progress.update(`asking ${deployment.functionName} for Adobe's view…`);
  const inspect = await read<InspectResult>(
    gaps,
    "Adobe's view of the connections",
    `invoke function ${deployment.functionName} (lambda:InvokeFunction)`,
    () => invokeInspect(deployment, { probe: Boolean(options.probe) }, aws, deployCommand(options)),
  );
  // The function cannot authenticate to Adobe: not only a gap in what status knows, but every run's failure.
  const runsFail = inspect?.adobe && RUNS_FAIL.test(inspect.adobe.errorCode) ? inspect.adobe : undefined;
  if (inspect?.adobe && !runsFail)
    gaps.push({ what: "Adobe's view of the connections", why: `${inspect.adobe.errorCode}: ${inspect.adobe.error}` });

  // The connections: the deployed function's (from its answer or its environment), else the local configuration's.
  const deployed: KnownTarget[] | undefined =
    inspect?.inspected.map(({ connectionId, sandboxName, method, durationSeconds }) => ({
      connectionId,
      sandboxName,
      method,
      durationSeconds,
    })) ??
    deployment.targets?.map((target) => ({
      connectionId: target.connectionId,
      sandboxName: target.sandboxName,
      durationSeconds: target.durationSeconds,
    }));
  const local = config ? configuredTargets(config) : undefined;
  const all = deployed ?? local;
  if (!all) {
    throw new EnvironmentError(
      `The targets of function ${deployment.functionName} could not be learned ` +
        `(${gaps.map((gap) => gap.why).join('; ') || 'no answer'}): pass --config <file> with its configuration, ` +
        'or try again.',
    );
  }
  const requested = resolveConnectionIds(
    options.connection,
    all.map((target) => target.connectionId),
    deployed ? `function ${deployment.functionName}'s targets` : 'the local configuration',
  );
  const targets = requested ? requested.map((id) => all.find((target) => target.connectionId === id)!) : all;
  const ids = targets.map((target) => target.connectionId);

  progress.update('reading the ledger, the pauses, the schedule and the alarms…');
  const table = deployment.ledgerTableName;
  const [records, pauseState, schedule, alarms, adobeSecret] = await Promise.all([
    table
      ? read(gaps, 'the rotation ledger', `read the rotation ledger table ${table} (dynamodb:BatchGetItem)`, () =>
          ledgerRecords(table, ids, opened),
        )
      : undefined,
    table
      ? read(gaps, 'the pauses', `read the rotation ledger table ${table} (dynamodb:GetItem)`, () =>
          readPauseState(table, aws),
        )
      : undefined,
    deployment.schedule
      ? read(gaps, 'the schedule', `read schedule ${deployment.schedule.name} (scheduler:GetSchedule)`, () =>
          getSchedule(controlsOf(deployment), aws),
        )
      : undefined,
    deployment.alarmNames.length > 0
      ? read(gaps, 'the alarms', "describe the rotator's alarms (cloudwatch:DescribeAlarms)", () =>
          alarmStatuses(opened, limit),
        )
      : undefined,
    deployment.adobeSecretRotationLogGroupName && deployment.adobeCredentialsSecretId
      ? read(
          gaps,
          "the Adobe secret's rotation",
          `describe secret ${deployment.adobeCredentialsSecretId} (secretsmanager:DescribeSecret)`,
          async () => {
            const rotation = await describeAdobeSecretRotation(deployment.adobeCredentialsSecretId!, aws);
            const held =
              inspect?.adobeClientSecrets && 'count' in inspect.adobeClientSecrets
                ? inspect.adobeClientSecrets
                : undefined;
            return describeAdobeSecretLine(rotation, now, held);
          },
        )
      : undefined,
  ]);
  progress.done();

  const expression = schedule?.ScheduleExpression ?? config?.schedule;
  const intervalSeconds = expression ? scheduleInterval(expression).seconds : undefined;
  // The schedule's last run: the latest attempt a scheduled run made, of any connection.
  const scheduledRuns = [...(records?.values() ?? [])].flatMap((record) =>
    record.lastAttempt && record.lastAttempt.trigger !== 'manual' ? [Date.parse(record.lastAttempt.at)] : [],
  );
  const lastRunAt = scheduledRuns.length > 0 ? Math.max(...scheduledRuns) : undefined;
  const nextRunAt =
    expression && schedule?.State !== 'DISABLED'
      ? nextScheduledRun(expression, now, lastRunAt, schedule?.ScheduleExpressionTimezone)
      : undefined;
  const threshold = thresholdOf(alarms, opened, intervalSeconds, targets);
  const contributors = new Map<string, string[]>();
  for (const alarm of alarms ?? [])
    for (const contributor of alarm.contributors ?? [])
      contributors.set(contributor.connectionId, [...(contributors.get(contributor.connectionId) ?? []), alarm.id]);
  const views = new Map(inspect?.inspected.map((entry) => [entry.connectionId, entry]));

  const statuses: ConnectionStatus[] = targets.map((target) =>
    judge({
      connectionId: target.connectionId,
      sandboxName: target.sandboxName,
      ...(target.method ? { method: target.method } : {}),
      ...(target.durationSeconds ? { lifetimeSeconds: target.durationSeconds } : {}),
      ...(views.get(target.connectionId) ? { adobe: views.get(target.connectionId)! } : {}),
      ledger: records ? (records.get(target.connectionId) ?? null) : undefined,
      pause: pauseState ? (pauseOf(target.connectionId, pauseState.pauses, now) ?? null) : undefined,
      now,
      thresholdSeconds: threshold.thresholdSeconds,
      ...(intervalSeconds ? { intervalSeconds } : {}),
      ...(nextRunAt !== undefined ? { nextRunAt } : {}),
      probe: Boolean(options.probe),
      ...(runsFail ? { runsFail: runsFail.errorCode } : {}),
      alarms: contributors.get(target.connectionId) ?? [],
    }),
  );

  const rotator: RotatorStatus = {
    functionName: deployment.functionName,
    ...(deployment.stackName ? { stackName: deployment.stackName } : {}),
    ...(opened.region ? { region: opened.region } : {}),
    ...(deployment.schedule
      ? {
          schedule: {
            name: deployment.schedule.name,
            ...(expression ? { expression } : {}),
            ...(schedule?.State ? { state: schedule.State } : {}),
            ...(intervalSeconds ? { intervalSeconds } : {}),
            ...(lastRunAt !== undefined ? { lastRunAt: new Date(lastRunAt).toISOString() } : {}),
            ...(nextRunAt !== undefined
              ? { nextRunAt: new Date(nextRunAt).toISOString(), ...(nextRunAt < now ? { overdue: true } : {}) }
              : {}),
          },
        }
      : {}),
    ...threshold,
    ...(pauseState ? { pauses: pauseState.pauses.filter((pause) => Date.parse(pause.until) > now) } : {}),
    ...(pauseState?.legacy ? { olderPause: pauseState.legacy } : {}),
    ...(alarms
      ? { alarms: alarms.map(({ threshold: _threshold, ...alarm }: AlarmStatus & { threshold?: number }) => alarm) }
      : {}),
    ...(adobeSecret ? { adobeSecret } : {}),
    ...(local && deployed && !requested ? withDifference(targetDifference(local, deployed)) : {}),
    ...(runsFail ? { runsFail: { errorCode: runsFail.errorCode, error: withoutFullStop(runsFail.error) } } : {}),
    gaps,
  };

  const environmentProblem = gaps.some((gap) => gap.environment);
  const atRisk = statuses.filter((status) => status.atRisk).length;
  const attention =
    atRisk > 0 ||
    statuses.some((status) => status.risk === 'paused' || status.unknown.length > 0) ||
    gaps.length > 0 ||
    Boolean(rotator.olderPause) ||
    rotator.schedule?.state === 'DISABLED' ||
    Boolean(rotator.alarms?.some((alarm) => alarm.state === 'ALARM' || !alarm.actionsEnabled)) ||
    Boolean(rotator.adobeSecret?.attention) ||
    Boolean(rotator.targetsDiffer);
  const code = environmentProblem ? EXIT.ENVIRONMENT : attention ? EXIT.FAILED : EXIT.OK;
  if (wantsJson(io, options.json)) {
    printJson(io, {
      ok: code === EXIT.OK,
      checkedAt: new Date(now).toISOString(),
      probe: Boolean(options.probe),
      ...rotator,
      atRisk,
      connections: statuses,
    });
  } else {
    printStatusTable(io, statuses, rotator, options);
  }
  return code;
}

function withDifference(difference: TargetDifference | undefined): Pick<RotatorStatus, 'targetsDiffer'> {
  return difference ? { targetsDiffer: difference } : {};
}
