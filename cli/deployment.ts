/**
 * What the CLI operates on besides the function, as discovery found it (cli/discovery.ts), and the
 * AWS calls that read and switch it:
 *
 * - the schedule (EventBridge Scheduler `GetSchedule`, then `UpdateSchedule` with the whole
 *   definition: an update replaces every field, so one left out would be reset to its default);
 * - the alarms (CloudWatch `DescribeAlarms`: state, since when, actions, threshold;
 *   `DescribeAlarmContributors` for the per-connection ones; `DisableAlarmActions`, `EnableAlarmActions`);
 * - who is calling (`sts:GetCallerIdentity`, which needs no permission).
 *
 * Every AWS failure a person can fix is one sentence and exit 3 ({@link EnvironmentError}).
 */
import {
  CloudWatchClient,
  DescribeAlarmContributorsCommand,
  DisableAlarmActionsCommand,
  EnableAlarmActionsCommand,
  paginateDescribeAlarms,
} from '@aws-sdk/client-cloudwatch';
import {
  GetScheduleCommand,
  SchedulerClient,
  UpdateScheduleCommand,
  type GetScheduleCommandOutput,
} from '@aws-sdk/client-scheduler';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { RUN, shellWord } from './args.js';
import type { AwsOptions } from './aws.js';
import type { Deployment as DiscoveredDeployment } from './discovery.js';
import { describeAwsError, EnvironmentError } from './errors.js';

/** What the schedule and alarm calls need of a deployment: its schedule, by name and group, and its alarms. */
export interface Deployment {
  readonly functionName: string;
  readonly scheduleName: string;
  readonly scheduleGroupName: string;
  readonly alarmNames: readonly string[];
}

/**
 * The schedule and alarms of a discovered deployment, or an {@link EnvironmentError} saying which
 * could not be found (a command that switches them cannot go on without them).
 */
export function controlsOf(deployment: DiscoveredDeployment): Deployment {
  if (!deployment.schedule) {
    throw new EnvironmentError(
      `The schedule of function ${deployment.functionName} could not be found: ` +
        `${deployment.scheduleGap ?? 'no schedule invokes it'}`,
    );
  }
  return {
    functionName: deployment.functionName,
    scheduleName: deployment.schedule.name,
    scheduleGroupName: deployment.schedule.groupName,
    alarmNames: deployment.alarmNames,
  };
}

const regional = (options: AwsOptions) => (options.region ? { region: options.region } : {});

/** The ARN of whoever the CLI's credentials belong to (`arn:aws:sts::<account>:assumed-role/<role>/<session>`). */
export async function callerArn(options: AwsOptions = {}): Promise<string> {
  const client = new STSClient(regional(options));
  try {
    const identity = await client.send(new GetCallerIdentityCommand({}));
    return identity.Arn ?? 'unknown';
  } catch (error) {
    throw describeAwsError(error, 'call sts:GetCallerIdentity') ?? error;
  } finally {
    client.destroy();
  }
}

export type ScheduleState = 'ENABLED' | 'DISABLED';

/** A schedule as GetSchedule returned it: the whole definition, to send back with UpdateSchedule. */
export type Schedule = Omit<GetScheduleCommandOutput, '$metadata'> & {
  readonly Name: string;
  readonly GroupName: string;
};

type ScheduleOf = Pick<Deployment, 'functionName' | 'scheduleName' | 'scheduleGroupName'>;

function scheduleNotFound(deployment: ScheduleOf): EnvironmentError {
  return new EnvironmentError(
    `Schedule ${deployment.scheduleName} (group ${deployment.scheduleGroupName}) of function ` +
      `${deployment.functionName} was not found: it was deleted or renamed outside the stack; a deploy puts it back.`,
  );
}

/** GetSchedule of the stack's schedule. */
export async function getSchedule(deployment: ScheduleOf, options: AwsOptions = {}): Promise<Schedule> {
  const client = new SchedulerClient(regional(options));
  try {
    const { $metadata: _metadata, ...schedule } = await client.send(
      new GetScheduleCommand({ Name: deployment.scheduleName, GroupName: deployment.scheduleGroupName }),
    );
    return {
      ...schedule,
      Name: schedule.Name ?? deployment.scheduleName,
      GroupName: schedule.GroupName ?? deployment.scheduleGroupName,
    };
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') throw scheduleNotFound(deployment);
    throw describeAwsError(error, `read schedule ${deployment.scheduleName} (scheduler:GetSchedule)`) ?? error;
  } finally {
    client.destroy();
  }
}

/**
 * UpdateSchedule with `schedule`'s whole definition and `state`. A StartDate already past is left
 * out: the schedule has started, and Scheduler refuses a start date in the past.
 */
export async function setScheduleState(
  deployment: ScheduleOf,
  schedule: Schedule,
  state: ScheduleState,
  options: AwsOptions = {},
  now = Date.now(),
): Promise<void> {
  const client = new SchedulerClient(regional(options));
  const {
    Arn: _arn,
    CreationDate: _created,
    LastModificationDate: _modified,
    StartDate: startDate,
    State: _state,
    ...definition
  } = schedule;
  try {
    await client.send(
      new UpdateScheduleCommand({
        ...definition,
        Name: schedule.Name,
        GroupName: schedule.GroupName,
        ScheduleExpression: schedule.ScheduleExpression!,
        FlexibleTimeWindow: schedule.FlexibleTimeWindow!,
        Target: schedule.Target!,
        ...(startDate && startDate.getTime() > now ? { StartDate: startDate } : {}),
        State: state,
      }),
    );
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') throw scheduleNotFound(deployment);
    throw (
      describeAwsError(
        error,
        `update schedule ${deployment.scheduleName} (scheduler:UpdateSchedule, and iam:PassRole on its role)`,
      ) ?? error
    );
  } finally {
    client.destroy();
  }
}

/** One of the stack's alarms as CloudWatch describes it. */
export interface AlarmActions {
  readonly name: string;
  readonly actionsEnabled: boolean;
  readonly state?: string;
  /** When it went to its state (ISO 8601). */
  readonly since?: string;
  readonly threshold?: number;
  /** A Metrics Insights alarm (per connection): its contributors each have a state. */
  readonly perContributor?: boolean;
}

/**
 * DescribeAlarms of the stack's alarms (every page).
 * @throws EnvironmentError naming the alarms CloudWatch does not have.
 */
export async function describeAlarms(
  deployment: Pick<Deployment, 'functionName' | 'alarmNames'>,
  options: AwsOptions = {},
): Promise<AlarmActions[]> {
  const client = new CloudWatchClient(regional(options));
  const found = new Map<string, AlarmActions>();
  try {
    // DescribeAlarms takes at most 100 names a request.
    for (let start = 0; start < deployment.alarmNames.length; start += 100) {
      const names = deployment.alarmNames.slice(start, start + 100);
      for await (const page of paginateDescribeAlarms(
        { client },
        { AlarmNames: names, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] },
      )) {
        for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
          if (!alarm.AlarmName) continue;
          const metric = 'Threshold' in alarm ? alarm : undefined;
          found.set(alarm.AlarmName, {
            name: alarm.AlarmName,
            actionsEnabled: alarm.ActionsEnabled !== false,
            ...(alarm.StateValue ? { state: alarm.StateValue } : {}),
            ...(alarm.StateUpdatedTimestamp ? { since: alarm.StateUpdatedTimestamp.toISOString() } : {}),
            ...(typeof metric?.Threshold === 'number' ? { threshold: metric.Threshold } : {}),
            ...(metric && 'Metrics' in metric && metric.Metrics?.some((query) => query.Expression?.startsWith('SELECT'))
              ? { perContributor: true }
              : {}),
          });
        }
      }
    }
  } catch (error) {
    throw describeAwsError(error, "describe the stack's alarms (cloudwatch:DescribeAlarms)") ?? error;
  } finally {
    client.destroy();
  }
  const missing = deployment.alarmNames.filter((name) => !found.has(name));
  if (missing.length > 0) {
    throw new EnvironmentError(
      `Alarm${missing.length === 1 ? '' : 's'} ${missing.join(', ')} of function ${deployment.functionName} ` +
        `${missing.length === 1 ? 'was' : 'were'} not found in CloudWatch: deleted outside the stack; ` +
        `a deploy puts ${missing.length === 1 ? 'it' : 'them'} back. Nothing was changed.`,
    );
  }
  return deployment.alarmNames.map((name) => found.get(name)!);
}

/** A per-connection alarm's contributor in ALARM: its connection, and since when. */
export interface Contributor {
  readonly connectionId: string;
  readonly since?: string;
}

/** The contributors of a Metrics Insights alarm in ALARM (cloudwatch:DescribeAlarmContributors). */
export async function contributorsInAlarm(alarmName: string, options: AwsOptions = {}): Promise<Contributor[]> {
  const client = new CloudWatchClient(regional(options));
  const found: Contributor[] = [];
  try {
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new DescribeAlarmContributorsCommand({ AlarmName: alarmName, NextToken: nextToken }),
      );
      for (const contributor of page.AlarmContributors ?? []) {
        const connectionId = contributor.ContributorAttributes?.connectionId;
        if (connectionId)
          found.push({
            connectionId,
            ...(contributor.StateTransitionedTimestamp
              ? { since: contributor.StateTransitionedTimestamp.toISOString() }
              : {}),
          });
      }
      nextToken = page.NextToken;
    } while (nextToken);
  } catch (error) {
    throw (
      describeAwsError(
        error,
        `describe the contributors of alarm ${alarmName} (cloudwatch:DescribeAlarmContributors)`,
      ) ?? error
    );
  } finally {
    client.destroy();
  }
  return found;
}

/** Disable or enable the actions of `names` (at most 100 a request). */
export async function setAlarmActions(
  names: readonly string[],
  enabled: boolean,
  options: AwsOptions = {},
): Promise<void> {
  const client = new CloudWatchClient(regional(options));
  try {
    for (let start = 0; start < names.length; start += 100) {
      const AlarmNames = names.slice(start, start + 100);
      await client.send(
        enabled ? new EnableAlarmActionsCommand({ AlarmNames }) : new DisableAlarmActionsCommand({ AlarmNames }),
      );
    }
  } catch (error) {
    const action = enabled ? 'cloudwatch:EnableAlarmActions' : 'cloudwatch:DisableAlarmActions';
    throw describeAwsError(error, `${enabled ? 'enable' : 'disable'} the alarms' actions (${action})`) ?? error;
  } finally {
    client.destroy();
  }
}

/** What a suggested command repeats of the one the user ran. */
export interface SameTarget {
  readonly config?: string;
  readonly stack?: string;
  readonly function?: string;
}

/** `--config`, `--stack`/`--function` as the user gave them, to repeat in every command the CLI suggests. */
export function sameTarget(options: SameTarget): string {
  return [
    options.config ? ` --config ${shellWord(options.config)}` : '',
    options.function
      ? ` --function ${shellWord(options.function)}`
      : options.stack
        ? ` --stack ${shellWord(options.stack)}`
        : '',
  ].join('');
}

/** The command to paste: `npx aep-s3-rotator <command>` reading the same configuration and deployment. */
export function suggest(command: string, options: SameTarget): string {
  return `${RUN} ${command}${sameTarget(options)}`;
}

/**
 * The deploy to paste: `npx cdk deploy`, with `-c rotatorConfigFile=<file>` when the user named the
 * configuration with `--config` (cdk reads cdk.json's otherwise), and the stack when it was named.
 */
export function deployCommand(options: Pick<SameTarget, 'config' | 'stack'>): string {
  const stack = options.stack ? ` ${shellWord(options.stack)}` : '';
  const config = options.config ? ` -c ${shellWord(`rotatorConfigFile=${options.config}`)}` : '';
  return `npx cdk deploy${stack}${config}`;
}
