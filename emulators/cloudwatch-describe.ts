/**
 * What the CloudWatch API says of an alarm: an alarm as the CloudWatch stand-in is seeded with and
 * keeps it, `DescribeAlarms`' `MetricAlarm` shape for it, `AlarmNames` as the API requires it, and
 * the attribute a query alarm's contributors carry.
 *
 * API reference: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricAlarm.html
 */
import type { AlarmDefinition, AlarmState } from './cloudwatch-alarms.js';

/** AlarmNames: at most 100 names of 1 to 255 characters. */
const MAX_ALARM_NAMES = 100;

/** An alarm as a test or the deployed stack's stand-ins put it. */
export interface SeedAlarm {
  readonly alarmName: string;
  readonly description?: string;
  /** @default true */
  readonly actionsEnabled?: boolean;
  /** e.g. the alarm topic's ARN. @default [] */
  readonly alarmActions?: readonly string[];
  /** @default 'INSUFFICIENT_DATA' */
  readonly state?: AlarmState;
  /** @default 'AepS3CredentialRotator' / 'RotationFailed' */
  readonly namespace?: string;
  readonly metricName?: string;
  /**
   * What the alarm watches, for `CloudWatchEmulator.evaluate` (cloudwatch.ts).
   * @default none: it moves only by SetAlarmState
   */
  readonly definition?: AlarmDefinition;
}

/** An alarm as the emulator keeps it. */
export interface StoredAlarm {
  readonly alarmName: string;
  readonly alarmArn: string;
  readonly description?: string;
  readonly actionsEnabled: boolean;
  readonly alarmActions: readonly string[];
  readonly state: AlarmState;
  readonly stateReason: string;
  readonly stateUpdatedAt: Date;
  readonly configurationUpdatedAt: Date;
  readonly namespace: string;
  readonly metricName: string;
  readonly definition?: AlarmDefinition;
}

/** AWS JSON carries timestamps as epoch seconds. */
const seconds = (date: Date) => date.getTime() / 1000;

/** What an alarm watches, as `DescribeAlarms` shows it: a metric, or a Metrics Insights query. */
function watched(alarm: StoredAlarm) {
  const definition = alarm.definition;
  if (definition?.kind === 'query') {
    return { Metrics: [{ Id: 'expr_1', Expression: definition.query, Period: 60, ReturnData: true }] };
  }
  return {
    MetricName: definition?.metricName ?? alarm.metricName,
    Namespace: definition?.namespace ?? alarm.namespace,
    Statistic: definition?.statistic ?? 'Sum',
    Dimensions: Object.entries(definition?.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value })),
    Period: 900,
  };
}

/** An alarm as `DescribeAlarms` lists it in `MetricAlarms`. */
export function metricAlarm(alarm: StoredAlarm) {
  return {
    AlarmName: alarm.alarmName,
    AlarmArn: alarm.alarmArn,
    ...(alarm.description ? { AlarmDescription: alarm.description } : {}),
    AlarmConfigurationUpdatedTimestamp: seconds(alarm.configurationUpdatedAt),
    ActionsEnabled: alarm.actionsEnabled,
    OKActions: [...alarm.alarmActions],
    AlarmActions: [...alarm.alarmActions],
    InsufficientDataActions: [],
    StateValue: alarm.state,
    StateReason: alarm.stateReason,
    StateUpdatedTimestamp: seconds(alarm.stateUpdatedAt),
    StateTransitionedTimestamp: seconds(alarm.stateUpdatedAt),
    ...watched(alarm),
    EvaluationPeriods: alarm.definition?.evaluations ?? 1,
    Threshold: alarm.definition?.threshold ?? 1,
    ComparisonOperator: alarm.definition?.comparison ?? 'GreaterThanOrEqualToThreshold',
    TreatMissingData: alarm.definition?.treatMissingData ?? 'ignore',
  };
}

/** `AlarmNames` as the API requires it, or the error to answer with. */
export function alarmNamesOf(
  input: Record<string, unknown>,
  required: boolean,
): string[] | { type: string; message: string } {
  const names = input.AlarmNames;
  if (names === undefined) {
    return required
      ? { type: 'MissingRequiredParameterException', message: 'The parameter AlarmNames is required.' }
      : [];
  }
  if (!Array.isArray(names) || names.some((name) => typeof name !== 'string' || name.length < 1 || name.length > 255)) {
    return {
      type: 'ValidationException',
      message:
        "1 validation error detected: Value at 'alarmNames' failed to satisfy constraint: " +
        'Member must satisfy constraint: [Member must have length less than or equal to 255, Member must have ' +
        'length greater than or equal to 1]',
    };
  }
  if (names.length > MAX_ALARM_NAMES) {
    return {
      type: 'ValidationException',
      message:
        "1 validation error detected: Value at 'alarmNames' failed to satisfy constraint: " +
        `Member must have length less than or equal to ${MAX_ALARM_NAMES}`,
    };
  }
  return names as string[];
}

/** The group-by key of a query alarm (its contributors' attribute). */
export function groupKeyOf(alarm: StoredAlarm): string {
  return alarm.definition?.kind === 'query' ? (/GROUP BY (\w+)/.exec(alarm.definition.query)?.[1] ?? 'key') : 'key';
}
