/**
 * Which deployment a command acts on, learned from the rotator function alone
 * (core/operator-facts.ts), so the CLI works with any deployment of the construct, a stack of this
 * repository or the construct in another app (which has no stack outputs):
 *
 * 1. the function: `--function`, else the stack's `RotatorFunctionName` output (`--stack`, else
 *    the configuration's `stackName`); a name that is not there exits 3 with the closest one;
 * 2. its configuration (lambda:GetFunctionConfiguration): its ARN, and from its environment the
 *    ledger table, the Adobe secret, the metrics' namespace, and the targets when they travel there;
 * 3. its tags (lambda:ListTags): the schedule's group, the topics, the dead-letter queues and the
 *    Adobe secret rotation's log group; then the schedule is the one in the group whose target is
 *    the function (scheduler:ListSchedules);
 * 4. its alarms (cloudwatch:DescribeAlarms with the prefix `<function name>-`).
 *
 * A deployment from before the tags existed is filled in from its stack's outputs, when it has a
 * stack. What cannot be learned is left out, with the reason in `gaps`: `status` shows it as
 * unknown, and a command that needs it says so.
 */
import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, paginateDescribeAlarms } from '@aws-sdk/client-cloudwatch';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListTagsCommand,
  paginateListFunctions,
} from '@aws-sdk/client-lambda';
import { paginateListSchedules, SchedulerClient } from '@aws-sdk/client-scheduler';
import leven from 'leven';
import { STACK_ALARM_IDS } from '../core/alarm-rules.js';
import { ENV, type FunctionTargetEntry } from '../core/contract.js';
import { alarmIdOf, FUNCTION_TAG } from '../core/operator-facts.js';
import { STACK_OUTPUT, StackNotDeployedError, stackOutputs, type AwsOptions } from './aws.js';
import { describeAwsError, EnvironmentError } from './errors.js';

/** The Adobe client secret rotation's alarm, named as the others (not in `AlarmNames`). */
export const ADOBE_SECRET_ROTATION_ALARM_ID = 'AdobeSecretRotationFailedAlarm';
/** Every construct id a rotator's alarms have. */
export const ALARM_IDS = [...STACK_ALARM_IDS, ADOBE_SECRET_ROTATION_ALARM_ID] as const;

/** A deployed rotator, as far as the CLI could learn it. */
export interface Deployment {
  readonly functionName: string;
  readonly functionArn: string;
  /** The stack it belongs to (`--stack`, the configuration's, or CloudFormation's tag on the function), when known. */
  readonly stackName?: string;
  readonly ledgerTableName?: string;
  readonly adobeCredentialsSecretId?: string;
  /** The schedule (its name and group), when found. */
  readonly schedule?: { readonly name: string; readonly groupName: string };
  /** Every alarm's name, in the construct's order where known. */
  readonly alarmNames: readonly string[];
  readonly alarmTopicArn?: string;
  readonly ticketTopicArn?: string;
  readonly scheduleDeadLetterQueueUrl?: string;
  readonly failureDeadLetterQueueUrl?: string;
  readonly adobeSecretRotationLogGroupName?: string;
  /**
   * The targets, when they travel in the function's environment (`ROTATION_TARGETS`); a targets file is not readable
   * from here.
   */
  readonly targets?: readonly FunctionTargetEntry[];
  /** The function's timeout, in seconds. */
  readonly timeoutSeconds?: number;
  /** What could not be learned, and why, one sentence each. */
  readonly gaps: readonly string[];
  /** Of {@link gaps}, why the schedule is not known (a command that switches it says this). */
  readonly scheduleGap?: string;
  /** Of {@link gaps}, why no alarm is known. */
  readonly alarmsGap?: string;
}

/** Where a command's function comes from. */
export interface DeploymentChoice {
  /** `--function`: a name or ARN. */
  readonly functionName?: string;
  /** `--stack`, else the configuration's `stackName`. */
  readonly stackName: string;
  /** `--stack` was given (the stack is then the only way to the function). */
  readonly stackGiven?: boolean;
}

const regional = (options: AwsOptions) => (options.region ? { region: options.region } : {});

/** The closest of `names` to `wanted` within a few edits, for "did you mean". */
export function closest(wanted: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let distance = Number.POSITIVE_INFINITY;
  for (const name of names) {
    const d = leven(wanted.toLowerCase(), name.toLowerCase());
    if (d < distance) {
      best = name;
      distance = d;
    }
  }
  return best !== undefined && distance <= Math.max(2, Math.floor(wanted.length / 4)) && best !== wanted
    ? best
    : undefined;
}

/** The names of the stacks in the region (live ones), for "did you mean"; empty when they cannot be listed. */
async function stackNames(options: AwsOptions): Promise<string[]> {
  const client = new CloudFormationClient(regional(options));
  try {
    const listed = await client.send(new ListStacksCommand({}));
    return (listed.StackSummaries ?? [])
      .filter((stack) => stack.StackStatus !== 'DELETE_COMPLETE')
      .flatMap((stack) => (stack.StackName ? [stack.StackName] : []));
  } catch {
    return [];
  } finally {
    client.destroy();
  }
}

/** The names of the functions in the region, for "did you mean"; empty when they cannot be listed. */
async function functionNames(options: AwsOptions): Promise<string[]> {
  const client = new LambdaClient(regional(options));
  const names: string[] = [];
  try {
    for await (const page of paginateListFunctions({ client }, {}))
      for (const fn of page.Functions ?? []) if (fn.FunctionName) names.push(fn.FunctionName);
  } catch {
    // Not allowed or not reachable: no suggestion.
  } finally {
    client.destroy();
  }
  return names;
}

/** The function's name from a name, a partial ARN or an ARN. */
export function functionNameOf(nameOrArn: string): string {
  const arn = /:function:([^:]+)(?::[^:]+)?$/.exec(nameOrArn);
  return arn ? arn[1]! : nameOrArn;
}

/**
 * The function a command acts on: `--function`, else the stack's output. A stack or function that
 * is not there is an {@link EnvironmentError} (exit 3) naming the closest one that is.
 */
export async function resolveFunction(
  choice: DeploymentChoice,
  options: AwsOptions,
): Promise<{ functionName: string; outputs?: Record<string, string> }> {
  if (choice.functionName) return { functionName: choice.functionName };
  let outputs: Record<string, string>;
  try {
    outputs = await stackOutputs(choice.stackName, options);
  } catch (error) {
    if (!(error instanceof StackNotDeployedError)) throw error;
    const meant = closest(choice.stackName, await stackNames(options));
    throw new EnvironmentError(
      `Stack ${choice.stackName} is not ` +
        `deployed${error.region ? ` in ${error.region}` : ''}${meant ? ` (did you mean ${meant}?)` : ''}: ` +
        'check the stack name (--stack, or "stackName" in the configuration) and AWS_REGION, or name the rotator ' +
        'function with --function <name>.',
    );
  }
  const functionName = outputs[STACK_OUTPUT.functionName];
  if (!functionName) {
    throw new EnvironmentError(
      `Stack ${choice.stackName} has no output ${STACK_OUTPUT.functionName}: it is not the rotator's stack, ` +
        'or the construct is in an app of your own: name the rotator function with --function <name>.',
    );
  }
  return { functionName, outputs };
}

/** GetFunctionConfiguration, or exit 3 naming the closest function there is. */
async function functionConfiguration(functionName: string, options: AwsOptions) {
  const client = new LambdaClient(regional(options));
  try {
    return await client.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') {
      const region = await client.config.region().catch(() => undefined);
      const meant = closest(functionNameOf(functionName), await functionNames(options));
      throw new EnvironmentError(
        `Function ${functionName} was not ` +
          `found${region ? ` in ${region}` : ''}${meant ? ` (did you mean ${meant}?)` : ''}: check --function and ` +
          'AWS_REGION.',
      );
    }
    throw describeAwsError(error, `read function ${functionName} (lambda:GetFunctionConfiguration)`) ?? error;
  } finally {
    client.destroy();
  }
}

async function functionTags(functionArn: string, options: AwsOptions): Promise<Record<string, string>> {
  const client = new LambdaClient(regional(options));
  try {
    return (await client.send(new ListTagsCommand({ Resource: functionArn }))).Tags ?? {};
  } finally {
    client.destroy();
  }
}

/** The schedule in `groupName` whose target is the function. */
async function scheduleOf(
  groupName: string,
  functionArn: string,
  options: AwsOptions,
): Promise<{ name: string; groupName: string } | undefined> {
  const client = new SchedulerClient(regional(options));
  try {
    for await (const page of paginateListSchedules({ client }, { GroupName: groupName })) {
      const found = (page.Schedules ?? []).find(
        (schedule) => schedule.Target?.Arn === functionArn || schedule.Target?.Arn?.startsWith(`${functionArn}:`),
      );
      if (found?.Name) return { name: found.Name, groupName };
    }
    return undefined;
  } finally {
    client.destroy();
  }
}

/** The function's alarms, as the construct names them, in the construct's order. */
async function alarmsOf(functionName: string, options: AwsOptions): Promise<string[]> {
  const client = new CloudWatchClient(regional(options));
  const found: string[] = [];
  try {
    for await (const page of paginateDescribeAlarms(
      { client },
      { AlarmNamePrefix: `${functionName}-`, AlarmTypes: ['MetricAlarm'] },
    )) {
      for (const alarm of page.MetricAlarms ?? [])
        if (alarm.AlarmName && alarmIdOf(alarm.AlarmName, functionName, ALARM_IDS)) found.push(alarm.AlarmName);
    }
  } finally {
    client.destroy();
  }
  const order = (name: string) =>
    ALARM_IDS.indexOf(alarmIdOf(name, functionName, ALARM_IDS)!.replace(/Shard\d+$/, '') as (typeof ALARM_IDS)[number]);
  return found.sort((a, b) => order(a) - order(b) || a.localeCompare(b, 'en', { numeric: true }));
}

/** `ROTATION_TARGETS` as the function reads it, when it is there and parses. */
function targetsOf(environment: Record<string, string>): FunctionTargetEntry[] | undefined {
  const text = environment[ENV.rotationTargets];
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? (parsed as FunctionTargetEntry[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Run a lookup; its failure becomes a gap (an AWS problem in words), or is thrown when it is a bug. */
async function learn<T>(gaps: string[], what: string, lookup: () => Promise<T>): Promise<T | undefined> {
  try {
    return await lookup();
  } catch (error) {
    const known = error instanceof EnvironmentError ? error : describeAwsError(error, what);
    if (!known) throw error;
    gaps.push(known.message);
    return undefined;
  }
}

/**
 * Learn the deployment from its function (see the module's comment). Throws {@link EnvironmentError}
 * only when the function itself cannot be found or read; anything else is a gap.
 */
export async function discoverDeployment(choice: DeploymentChoice, options: AwsOptions): Promise<Deployment> {
  const { functionName, outputs: knownOutputs } = await resolveFunction(choice, options);
  const configuration = await functionConfiguration(functionName, options);
  const name = configuration.FunctionName ?? functionNameOf(functionName);
  const functionArn = configuration.FunctionArn ?? functionName;
  const environment = configuration.Environment?.Variables ?? {};
  const gaps: string[] = [];
  const tags =
    (await learn(gaps, `read the tags of function ${name} (lambda:ListTags)`, () =>
      functionTags(functionArn, options),
    )) ?? {};
  const stackName = choice.functionName
    ? (tags['aws:cloudformation:stack-name'] ?? (choice.stackGiven ? choice.stackName : undefined))
    : choice.stackName;

  // A deployment from before the tags: its stack's outputs, when it has a stack.
  const needsOutputs = !tags[FUNCTION_TAG.scheduleGroup] || !tags[FUNCTION_TAG.alarmTopic];
  let outputs = knownOutputs;
  if (!outputs && needsOutputs && stackName) {
    outputs = await stackOutputs(stackName, options).catch(() => undefined);
  }
  const output = (key: string) => outputs?.[key] || undefined;

  const groupName = tags[FUNCTION_TAG.scheduleGroup] ?? output(STACK_OUTPUT.scheduleGroupName);
  let schedule: Deployment['schedule'];
  const beforeSchedule = gaps.length;
  if (groupName) {
    schedule = await learn(gaps, `list the schedules of group ${groupName} (scheduler:ListSchedules)`, () =>
      scheduleOf(groupName, functionArn, options),
    );
    if (!schedule && output(STACK_OUTPUT.scheduleName))
      schedule = { name: output(STACK_OUTPUT.scheduleName)!, groupName };
    if (!schedule && !gaps.some((gap) => gap.includes(groupName)))
      gaps.push(
        `No schedule in group ${groupName} invokes function ${name}: it was deleted outside the stack; ` +
          'a deploy puts it back.',
      );
  } else {
    gaps.push(
      `Function ${name} names no schedule group (tag ${FUNCTION_TAG.scheduleGroup}): it was deployed by an older ` +
        'version of the construct; a deploy adds the tag.',
    );
  }

  const scheduleGap = gaps.slice(beforeSchedule).join(' ') || undefined;
  const beforeAlarms = gaps.length;
  let alarmNames =
    (await learn(gaps, `describe the alarms of function ${name} (cloudwatch:DescribeAlarms)`, () =>
      alarmsOf(name, options),
    )) ?? [];
  if (alarmNames.length === 0 && output(STACK_OUTPUT.alarmNames)) {
    alarmNames = output(STACK_OUTPUT.alarmNames)!
      .split(',')
      .map((alarm) => alarm.trim())
      .filter(Boolean);
  }
  const alarmsGap = gaps.slice(beforeAlarms).join(' ') || undefined;
  const ledgerTableName = environment[ENV.ledgerTableName] || output(STACK_OUTPUT.ledgerTableName);
  if (!ledgerTableName)
    gaps.push(`Function ${name} keeps no rotation ledger (no ${ENV.ledgerTableName} in its environment).`);
  const targets = targetsOf(environment);
  const optional = (key: string, value: string | undefined) => (value ? { [key]: value } : {});
  return {
    functionName: name,
    functionArn,
    ...optional('stackName', stackName),
    ...optional('ledgerTableName', ledgerTableName),
    ...optional(
      'adobeCredentialsSecretId',
      environment[ENV.adobeCredentialsSecretId] || output(STACK_OUTPUT.adobeCredentialsSecret),
    ),
    ...(schedule ? { schedule } : {}),
    alarmNames,
    ...optional('alarmTopicArn', tags[FUNCTION_TAG.alarmTopic]),
    ...optional('ticketTopicArn', tags[FUNCTION_TAG.ticketTopic]),
    ...optional(
      'scheduleDeadLetterQueueUrl',
      tags[FUNCTION_TAG.scheduleDeadLetterQueue] ?? output(STACK_OUTPUT.scheduleDeadLetterQueueUrl),
    ),
    ...optional(
      'failureDeadLetterQueueUrl',
      tags[FUNCTION_TAG.failureDeadLetterQueue] ?? output(STACK_OUTPUT.failureDeadLetterQueueUrl),
    ),
    ...optional(
      'adobeSecretRotationLogGroupName',
      tags[FUNCTION_TAG.adobeSecretRotationLogGroup] ?? output(STACK_OUTPUT.adobeSecretRotationLogGroupName),
    ),
    ...(targets ? { targets } : {}),
    ...(configuration.Timeout ? { timeoutSeconds: configuration.Timeout } : {}),
    gaps,
    ...optional('scheduleGap', scheduleGap),
    ...optional('alarmsGap', alarmsGap),
  };
}
