/**
 * What the CLI operates on besides the function: the deployed stack's schedule, alarms and
 * rotation ledger, named by the stack's outputs, and the AWS calls that read and switch them:
 *
 * - the schedule (EventBridge Scheduler `GetSchedule`, then `UpdateSchedule` with the whole
 *   definition: an update replaces every field, so one left out would be reset to its default);
 * - the alarms' actions (CloudWatch `DescribeAlarms`, `DisableAlarmActions`, `EnableAlarmActions`);
 * - who is calling (`sts:GetCallerIdentity`, which needs no permission).
 *
 * Every AWS failure a person can fix is one sentence and exit 3 ({@link EnvironmentError}).
 */
import { CloudWatchClient, DisableAlarmActionsCommand, EnableAlarmActionsCommand, paginateDescribeAlarms } from '@aws-sdk/client-cloudwatch';
import { GetScheduleCommand, SchedulerClient, UpdateScheduleCommand, type GetScheduleCommandOutput } from '@aws-sdk/client-scheduler';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { RUN, shellWord } from './args.js';
import { STACK_OUTPUT, type AwsOptions } from './aws.js';
import { describeAwsError, EnvironmentError } from './errors.js';

/** The deployed stack's schedule, alarms and ledger table. */
export interface Deployment {
  readonly stackName: string;
  readonly scheduleName: string;
  readonly scheduleGroupName: string;
  readonly ledgerTableName: string;
  readonly alarmNames: readonly string[];
}

/**
 * The {@link Deployment} a stack's outputs name.
 * @throws EnvironmentError naming the outputs the stack lacks (it was deployed before they existed).
 */
export function deploymentOf(stackName: string, outputs: Record<string, string>): Deployment {
  const keys = [STACK_OUTPUT.scheduleName, STACK_OUTPUT.scheduleGroupName, STACK_OUTPUT.ledgerTableName, STACK_OUTPUT.alarmNames];
  const missing = keys.filter((key) => !outputs[key]);
  if (missing.length > 0) {
    throw new EnvironmentError(
      `Stack ${stackName} has no output${missing.length === 1 ? '' : 's'} ${missing.join(', ')} (it was deployed by an older version of the rotator): deploy it again with \`npx cdk deploy\`.`,
    );
  }
  return {
    stackName,
    scheduleName: outputs[STACK_OUTPUT.scheduleName]!,
    scheduleGroupName: outputs[STACK_OUTPUT.scheduleGroupName]!,
    ledgerTableName: outputs[STACK_OUTPUT.ledgerTableName]!,
    alarmNames: outputs[STACK_OUTPUT.alarmNames]!.split(',')
      .map((name) => name.trim())
      .filter(Boolean),
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
export type Schedule = Omit<GetScheduleCommandOutput, '$metadata'> & { readonly Name: string; readonly GroupName: string };

type ScheduleOf = Pick<Deployment, 'stackName' | 'scheduleName' | 'scheduleGroupName'>;

function scheduleNotFound(deployment: ScheduleOf): EnvironmentError {
  return new EnvironmentError(
    `Schedule ${deployment.scheduleName} (group ${deployment.scheduleGroupName}) of stack ${deployment.stackName} was not found: it was deleted or renamed outside the stack; \`npx cdk deploy\` puts it back.`,
  );
}

/** GetSchedule of the stack's schedule. */
export async function getSchedule(deployment: ScheduleOf, options: AwsOptions = {}): Promise<Schedule> {
  const client = new SchedulerClient(regional(options));
  try {
    const { $metadata: _metadata, ...schedule } = await client.send(
      new GetScheduleCommand({ Name: deployment.scheduleName, GroupName: deployment.scheduleGroupName }),
    );
    return { ...schedule, Name: schedule.Name ?? deployment.scheduleName, GroupName: schedule.GroupName ?? deployment.scheduleGroupName };
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
  const { Arn: _arn, CreationDate: _created, LastModificationDate: _modified, StartDate: startDate, State: _state, ...definition } = schedule;
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
    throw describeAwsError(error, `update schedule ${deployment.scheduleName} (scheduler:UpdateSchedule, and iam:PassRole on its role)`) ?? error;
  } finally {
    client.destroy();
  }
}

/** One of the stack's alarms as CloudWatch describes it. */
export interface AlarmActions {
  readonly name: string;
  readonly actionsEnabled: boolean;
  readonly state?: string;
}

/**
 * DescribeAlarms of the stack's alarms (every page).
 * @throws EnvironmentError naming the alarms CloudWatch does not have.
 */
export async function describeAlarms(deployment: Deployment, options: AwsOptions = {}): Promise<AlarmActions[]> {
  const client = new CloudWatchClient(regional(options));
  const found = new Map<string, AlarmActions>();
  try {
    // DescribeAlarms takes at most 100 names a request.
    for (let start = 0; start < deployment.alarmNames.length; start += 100) {
      const names = deployment.alarmNames.slice(start, start + 100);
      for await (const page of paginateDescribeAlarms({ client }, { AlarmNames: names, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] })) {
        for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
          if (alarm.AlarmName) found.set(alarm.AlarmName, { name: alarm.AlarmName, actionsEnabled: alarm.ActionsEnabled !== false, state: alarm.StateValue });
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
      `Alarm${missing.length === 1 ? '' : 's'} ${missing.join(', ')} of stack ${deployment.stackName} ${missing.length === 1 ? 'was' : 'were'} not found in CloudWatch: deleted outside the stack; \`npx cdk deploy\` puts ${missing.length === 1 ? 'it' : 'them'} back. Nothing was changed.`,
    );
  }
  return deployment.alarmNames.map((name) => found.get(name)!);
}

/** Disable or enable the actions of `names` (at most 100 a request). */
export async function setAlarmActions(names: readonly string[], enabled: boolean, options: AwsOptions = {}): Promise<void> {
  const client = new CloudWatchClient(regional(options));
  try {
    for (let start = 0; start < names.length; start += 100) {
      const AlarmNames = names.slice(start, start + 100);
      await client.send(enabled ? new EnableAlarmActionsCommand({ AlarmNames }) : new DisableAlarmActionsCommand({ AlarmNames }));
    }
  } catch (error) {
    const action = enabled ? 'cloudwatch:EnableAlarmActions' : 'cloudwatch:DisableAlarmActions';
    throw describeAwsError(error, `${enabled ? 'enable' : 'disable'} the alarms' actions (${action})`) ?? error;
  } finally {
    client.destroy();
  }
}

/** `--config`/`--stack` as the user gave them, to repeat in every command the CLI suggests. */
export function sameTarget(options: { config?: string; stack?: string }): string {
  return `${options.config ? ` --config ${shellWord(options.config)}` : ''}${options.stack ? ` --stack ${shellWord(options.stack)}` : ''}`;
}

/** The command to paste: `npx aep-s3-rotator <command>` reading the same configuration and stack. */
export function suggest(command: string, options: { config?: string; stack?: string }): string {
  return `${RUN} ${command}${sameTarget(options)}`;
}
