/**
 * The deployed stack's alarms as the CloudWatch stand-in evaluates them: the per-connection ones
 * from the same rules and queries the construct deploys (core/alarm-rules.ts), sized by the same
 * plan, and the rotator-level and run-level ones as lib/rotator/monitoring.ts defines them
 * (test/system/lib/stack-alarms.test.ts compares them with the synthesized template).
 */
import {
  CONNECTION_ALARMS,
  connectionAlarmQuery,
  EXPIRY_ALARM_PERIOD_SECONDS,
  expiryAlarmPlan,
  fittingTimeoutSeconds,
  STACK_ALARM_IDS,
  type ConnectionAlarmSizes,
} from '../core/alarm-rules.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_DURATION_SECONDS,
  DEFAULT_METRICS_NAMESPACE,
  DEFAULT_SERVICE_NAME,
  METRIC,
  METRIC_DIMENSION,
} from '../core/contract.js';
import { scheduleInterval } from '../core/rotation-rules.js';
import type { AlarmDefinition } from './cloudwatch-alarms.js';

/** The stack's alarms, in the construct's order (`S3CredentialRotator.alarms`, the `AlarmNames` output). */
export const ALARM_IDS = STACK_ALARM_IDS;
export type AlarmId = (typeof ALARM_IDS)[number];

/** What the stand-in's alarms are sized and scoped from: a deployed stack's configuration. */
export interface StackAlarmInput {
  readonly functionName: string;
  readonly schedule: string;
  /** Each target's credential lifetime, in order. */
  readonly durationsSeconds: readonly number[];
  /** The dead-letter queues' names (the `QueueName` dimension). */
  readonly scheduleQueueName: string;
  readonly failureQueueName: string;
}

/** The expiry plan and the per-connection alarms' sizes, as the construct computes them for `input`. */
export function stackAlarmSizes(input: StackAlarmInput): ConnectionAlarmSizes & { readonly evaluationPeriods: number } {
  const intervalSeconds = scheduleInterval(input.schedule).seconds ?? 900;
  const shortestLifetimeSeconds =
    input.durationsSeconds.length > 0 ? Math.min(...input.durationsSeconds) : DEFAULT_DURATION_SECONDS;
  const timeoutSeconds = fittingTimeoutSeconds({
    targetCount: input.durationsSeconds.length,
    concurrency: DEFAULT_CONCURRENCY,
    intervalSeconds,
    shortestLifetimeSeconds,
  })!;
  const plan = expiryAlarmPlan({ intervalSeconds, timeoutSeconds, shortestLifetimeSeconds, durationField: 'targets' });
  return {
    windowSeconds: plan.evaluationPeriods * EXPIRY_ALARM_PERIOD_SECONDS,
    expiryThresholdSeconds: plan.thresholdSeconds,
    evaluationPeriods: plan.evaluationPeriods,
  };
}

/** Every alarm of the stack, by construct id, as the stand-in evaluates it (one evaluation: one window). */
export function stackAlarmDefinitions(input: StackAlarmInput): Record<AlarmId, AlarmDefinition> {
  const sizes = stackAlarmSizes(input);
  const scope = {
    namespace: DEFAULT_METRICS_NAMESPACE,
    rotatorName: input.functionName,
    targetCount: input.durationsSeconds.length,
  };
  const rotator = { [METRIC_DIMENSION.service]: DEFAULT_SERVICE_NAME, [METRIC_DIMENSION.rotator]: input.functionName };
  const perConnection = Object.fromEntries(
    CONNECTION_ALARMS.map((rule) => [
      rule.id,
      {
        kind: 'query',
        query: connectionAlarmQuery(rule, scope, 0),
        comparison: rule.comparison,
        threshold: rule.threshold(sizes),
        treatMissingData: 'notBreaching',
      },
    ]),
  ) as Record<'ConnectionFailingAlarm' | 'CredentialsExpiringAlarm' | 'DataflowRunFailedAlarm', AlarmDefinition>;
  const lambda = (metricName: string, treatMissingData: 'ignore' | 'notBreaching'): AlarmDefinition => ({
    kind: 'metric',
    namespace: 'AWS/Lambda',
    metricName,
    dimensions: { FunctionName: input.functionName },
    statistic: 'Sum',
    comparison: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
    treatMissingData,
  });
  const queue = (queueName: string): AlarmDefinition => ({
    kind: 'metric',
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: queueName },
    statistic: 'Maximum',
    comparison: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
    treatMissingData: 'ignore',
  });
  return {
    ...perConnection,
    ErrorsAlarm: lambda('Errors', 'ignore'),
    DestinationDeliveryFailuresAlarm: lambda('DestinationDeliveryFailures', 'notBreaching'),
    ScheduleDeadLetterQueueAlarm: queue(input.scheduleQueueName),
    FailureDeadLetterQueueAlarm: queue(input.failureQueueName),
    // Two schedule intervals in a row: two evaluations.
    LedgerWriteFailedAlarm: {
      kind: 'metric',
      namespace: DEFAULT_METRICS_NAMESPACE,
      metricName: METRIC.ledgerWriteFailed,
      dimensions: rotator,
      statistic: 'Sum',
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      evaluations: 2,
      treatMissingData: 'notBreaching',
    },
    // Each scheduled run reports its count, 0 included; a manual run reports none.
    UnmanagedTemporaryConnectionsAlarm: {
      kind: 'metric',
      namespace: DEFAULT_METRICS_NAMESPACE,
      metricName: METRIC.unmanagedTemporaryConnections,
      dimensions: rotator,
      statistic: 'Maximum',
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      treatMissingData: 'ignore',
    },
    // One evaluation is the whole window of M minutes: one without any expiry reported breaches.
    RotatorNotReportingAlarm: {
      kind: 'metric',
      namespace: DEFAULT_METRICS_NAMESPACE,
      metricName: METRIC.secondsUntilCredentialExpiry,
      dimensions: rotator,
      statistic: 'SampleCount',
      comparison: 'LessThanThreshold',
      threshold: 1,
      treatMissingData: 'breaching',
    },
  };
}
