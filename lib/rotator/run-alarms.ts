/**
 * The run-level alarms, on Lambda's and SQS's own metrics and the function's ledger metric: a whole
 * run failed, a failed run could not reach its dead-letter queue, a dead-letter queue holds a
 * message, the ledger could not be written. Each judges one schedule interval at a time (or the
 * queue's own five minutes); all of them page. The per-connection alarms and the rotator-level guard
 * are monitoring.ts's.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { METRIC } from '../../core/contract.js';

/** What the run-level alarms watch, and how they are described. */
export interface RunAlarmsOptions {
  readonly function: lambda.Function;
  readonly scheduleDeadLetterQueue: sqs.IQueue;
  readonly failureDeadLetterQueue: sqs.IQueue;
  /** One schedule interval (core/alarm-rules.ts, `runAlarmPeriodSeconds`). */
  readonly runPeriod: Duration;
  /** One of the rotator's aggregate metrics. */
  readonly metric: (metricName: string, statistic: string) => cloudwatch.Metric;
  /** The construct's description, ending with the runbook link. */
  readonly describe: (id: string, meaning: string) => string;
  readonly actions: { readonly actionsEnabled?: boolean };
}

/** The run-level alarms, by construct id (part of the contract: their logical ids are pinned). */
export interface RunAlarms {
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly destinationDeliveryFailuresAlarm: cloudwatch.Alarm;
  readonly scheduleDeadLetterQueueAlarm: cloudwatch.Alarm;
  readonly failureDeadLetterQueueAlarm: cloudwatch.Alarm;
  readonly ledgerWriteFailedAlarm: cloudwatch.Alarm;
}

/** Create the run-level alarms in `scope`, in the order the dashboard shows them. */
export function createRunAlarms(scope: Construct, options: RunAlarmsOptions): RunAlarms {
  const { describe, actions, runPeriod } = options;
  const fn = options.function;
  const errorsAlarm = fn.metricErrors({ period: runPeriod, statistic: 'Sum' }).createAlarm(scope, 'ErrorsAlarm', {
    alarmDescription: describe(
      'ErrorsAlarm',
      'A whole run failed: at least one connection failed and no PATCH landed, or the configuration, ' +
        'request or Adobe secret is invalid, or the function crashed or timed out. A run in which a PATCH landed ' +
        'does not count (see ConnectionFailingAlarm). Lambda retries a failed scheduled run twice.',
    ),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    // Lambda publishes Errors (0 or more) for every period with an invocation, nothing otherwise.
    treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    ...actions,
  });
  const destinationDeliveryFailuresAlarm = fn
    .metric('DestinationDeliveryFailures', { period: runPeriod, statistic: 'Sum' })
    .createAlarm(scope, 'DestinationDeliveryFailuresAlarm', {
      alarmDescription: describe(
        'DestinationDeliveryFailuresAlarm',
        'Lambda could not send a failed asynchronous run to the failure dead-letter queue (queue deleted, ' +
          "permission removed, record too large): the run's event and error are lost; " +
          "only the function's log has them.",
      ),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // Lambda publishes this metric only when a delivery fails: no later datapoint would ever clear an "ignore".
      // https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...actions,
    });
  const scheduleDeadLetterQueueAlarm = queueAlarm(
    scope,
    'ScheduleDeadLetterQueueAlarm',
    options.scheduleDeadLetterQueue,
    describe(
      'ScheduleDeadLetterQueueAlarm',
      'EventBridge Scheduler could not invoke the function after its retries (deleted function, ' +
        'missing permission, throttling): a scheduled run did not happen. The message in the queue says why; ' +
        'the alarm stays until the queue is empty.',
    ),
    actions,
  );
  const failureDeadLetterQueueAlarm = queueAlarm(
    scope,
    'FailureDeadLetterQueueAlarm',
    options.failureDeadLetterQueue,
    describe(
      'FailureDeadLetterQueueAlarm',
      'An asynchronous run failed as a whole on its first attempt and both Lambda retries, or waited too long ' +
        'behind a running one: that run is abandoned. The message holds the request and the error; ' +
        'the alarm stays until the queue is empty.',
    ),
    actions,
  );
  // One failed write heals at the next run, which writes the item again: only two schedule
  // intervals in a row with failures mean something is broken (the table, the role's permission,
  // the key). The function counts failures only (nothing between them), so missing data is OK.
  const ledgerWriteFailedAlarm = options
    .metric(METRIC.ledgerWriteFailed, 'Sum')
    .with({ period: runPeriod })
    .createAlarm(scope, 'LedgerWriteFailedAlarm', {
      alarmDescription: describe(
        'LedgerWriteFailedAlarm',
        'The function could not write the rotation ledger in two schedule intervals in a row (table deleted, ' +
          'its UpdateItem permission or KMS key taken away, throttling). Rotations go on, but the ledger the ' +
          'operator CLI reads goes stale, and a duplicate delivery of a scheduled run rotates again. ' +
          "The function's log has DynamoDB's error.",
      ),
      threshold: 1,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...actions,
    });
  return {
    errorsAlarm,
    destinationDeliveryFailuresAlarm,
    scheduleDeadLetterQueueAlarm,
    failureDeadLetterQueueAlarm,
    ledgerWriteFailedAlarm,
  };
}

function queueAlarm(
  scope: Construct,
  id: string,
  queue: sqs.IQueue,
  description: string,
  actions: { readonly actionsEnabled?: boolean },
): cloudwatch.Alarm {
  return queue
    .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' })
    .createAlarm(scope, id, {
      alarmDescription: description,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // SQS stops publishing for a queue idle for six hours, even with a message waiting: keep the
      // state until it publishes again (0 once the messages are deleted).
      // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/monitoring-using-cloudwatch.html
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      ...actions,
    });
}
