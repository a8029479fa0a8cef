/**
 * What tells an operator the rotator needs them: seven alarms on the function's metrics (named in
 * core/contract.ts), Lambda's and SQS's own, each describing what it means and linking its
 * runbook section; the topic they notify; and a dashboard of the same metrics. A paused rotator
 * (`enabled: false`) keeps its alarms, with their actions disabled: it pages no one.
 */
import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { METRIC } from '../../core/contract.js';
import { EXPIRY_ALARM_PERIOD_SECONDS, runAlarmPeriodSeconds } from '../../core/alarm-rules.js';
import type { ValidatedProps } from './validate-props.js';

/** What the alarms watch, and where they send. */
export interface MonitoringOptions {
  readonly function: lambda.Function;
  readonly scheduleDeadLetterQueue: sqs.IQueue;
  readonly failureDeadLetterQueue: sqs.IQueue;
  /** The `service` dimension and namespace the function writes its metrics with. */
  readonly serviceName: string;
  readonly metricsNamespace: string;
  readonly intervalSeconds: number | undefined;
  readonly expiryAlarm: ValidatedProps['expiryAlarm'];
  /** @default expiryAlarm.thresholdSeconds */
  readonly expiryThresholdSeconds?: number;
  /** The runbook each description links to (`<runbookUrl>#<alarm id, lower case>`). */
  readonly runbookUrl: string;
  /** @default - a new topic, with a policy letting exactly these alarms publish */
  readonly alarmTopic?: sns.ITopic;
  /** The key a new topic is encrypted with. @default - no server-side encryption */
  readonly encryptionKey?: kms.IKey;
  /**
   * Whether the alarms notify: false for a rotator deployed paused, whose schedule is disabled, so
   * that `CredentialsExpiringAlarm` (no run reporting) and the others page no one.
   * @default true
   */
  readonly actionsEnabled?: boolean;
}

/** The alarms, the topic they notify, and the dashboard. */
export interface Monitoring {
  readonly alarmTopic: sns.ITopic;
  readonly connectionFailingAlarm: cloudwatch.Alarm;
  readonly credentialsExpiringAlarm: cloudwatch.Alarm;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly destinationDeliveryFailuresAlarm: cloudwatch.Alarm;
  readonly scheduleDeadLetterQueueAlarm: cloudwatch.Alarm;
  readonly failureDeadLetterQueueAlarm: cloudwatch.Alarm;
  readonly ledgerWriteFailedAlarm: cloudwatch.Alarm;
  /** Every alarm above, in the order the dashboard shows them. */
  readonly alarms: readonly cloudwatch.Alarm[];
  readonly dashboard: cloudwatch.Dashboard;
}

/** Create the alarms (construct ids are part of the contract: their logical ids are pinned), the topic and the dashboard in `scope`. */
export function createMonitoring(scope: Construct, options: MonitoringOptions): Monitoring {
  const { serviceName, metricsNamespace, expiryAlarm, intervalSeconds } = options;
  const fn = options.function;
  const metric = (metricName: string, statistic: string) =>
    new cloudwatch.Metric({ namespace: metricsNamespace, metricName, dimensionsMap: { service: serviceName }, statistic, period: Duration.minutes(5) });
  const alarmTopic =
    options.alarmTopic ??
    new sns.Topic(scope, 'AlarmTopic', { displayName: 'AEP S3 credential rotator alarms', enforceSSL: true, masterKey: options.encryptionKey });
  const describe = (id: string, meaning: string) => `${meaning} Runbook: ${options.runbookUrl}#${id.toLowerCase()}`;
  // One period per schedule interval: it holds one scheduled run, and with missing data ignored
  // the state holds until the next run instead of flapping back to OK between runs.
  const runPeriod = Duration.seconds(runAlarmPeriodSeconds(intervalSeconds ?? expiryAlarm.fallbackIntervalSeconds));
  const expiryThreshold = options.expiryThresholdSeconds ?? expiryAlarm.thresholdSeconds;
  const expiryThresholdText = Token.isUnresolved(expiryThreshold) ? 'the alarm threshold' : `${expiryThreshold} s (${Math.floor(expiryThreshold / 60)} min)`;
  // Set only when off: an enabled alarm's template stays as it was before the option existed.
  const actions = options.actionsEnabled === false ? { actionsEnabled: false } : {};

  const connectionFailingAlarm = metric(METRIC.rotationFailed, 'Sum')
    .with({ period: runPeriod })
    .createAlarm(scope, 'ConnectionFailingAlarm', {
      alarmDescription: describe(
        'ConnectionFailingAlarm',
        'At least one connection failed to rotate in the last schedule interval, even if the others rotated. It stays in ALARM until a run of every target has no failure. ' +
          "The function's log names each failed connection with its errorCode (Adobe's, such as 1404-412, or the rotator's, such as OUT_OF_TIME).",
      ),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // A run of every target without failure writes RotationFailed 0 (back to OK); nothing between runs.
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      ...actions,
    });
  // Sized and explained in core/rotation-rules.ts, expiryAlarmPlan.
  const credentialsExpiringAlarm = new cloudwatch.Alarm(scope, 'CredentialsExpiringAlarm', {
    alarmDescription: describe(
      'CredentialsExpiringAlarm',
      `A connection's credentials have less than ${expiryThresholdText} left, or no run has reported for ${expiryAlarm.evaluationPeriods} minutes ` +
        '(schedule disabled or not invoking, function not running or crashing): Adobe may soon hold expired credentials and stop ingesting.',
    ),
    metric: metric(METRIC.secondsUntilCredentialExpiry, 'Minimum').with({ period: Duration.seconds(EXPIRY_ALARM_PERIOD_SECONDS) }),
    threshold: expiryThreshold,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: expiryAlarm.evaluationPeriods,
    datapointsToAlarm: expiryAlarm.evaluationPeriods,
    // No data for the whole window means no run reported: as bad as a low value.
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    ...actions,
  });
  const errorsAlarm = fn.metricErrors({ period: runPeriod, statistic: 'Sum' }).createAlarm(scope, 'ErrorsAlarm', {
    alarmDescription: describe(
      'ErrorsAlarm',
      'A whole run failed: it rotated nothing while at least one connection failed, or the configuration, request or Adobe secret is invalid, or the function crashed or timed out. ' +
        'A run in which some connections rotated does not count (see ConnectionFailingAlarm). Lambda retries a failed scheduled run twice.',
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
        "Lambda could not send a failed asynchronous run to the failure dead-letter queue (queue deleted, permission removed, record too large): the run's event and error are lost; only the function's log has them.",
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
      'EventBridge Scheduler could not invoke the function after its retries (deleted function, missing permission, throttling): a scheduled run did not happen. The message in the queue says why; the alarm stays until the queue is empty.',
    ),
    actions,
  );
  const failureDeadLetterQueueAlarm = queueAlarm(
    scope,
    'FailureDeadLetterQueueAlarm',
    options.failureDeadLetterQueue,
    describe(
      'FailureDeadLetterQueueAlarm',
      'An asynchronous run failed as a whole on its first attempt and both Lambda retries, or waited too long behind a running one: that run is abandoned. The message holds the request and the error; the alarm stays until the queue is empty.',
    ),
    actions,
  );
  // One failed write heals at the next run, which writes the item again: only two schedule
  // intervals in a row with failures mean something is broken (the table, the role's permission,
  // the key). The function counts failures only (nothing between them), so missing data is OK.
  const ledgerWriteFailedAlarm = metric(METRIC.ledgerWriteFailed, 'Sum')
    .with({ period: runPeriod })
    .createAlarm(scope, 'LedgerWriteFailedAlarm', {
      alarmDescription: describe(
        'LedgerWriteFailedAlarm',
        'The function could not write the rotation ledger in two schedule intervals in a row (table deleted, its UpdateItem permission or KMS key taken away, throttling). ' +
          "Rotations go on, but the ledger the operator CLI reads goes stale. The function's log has DynamoDB's error.",
      ),
      threshold: 1,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...actions,
    });
  // New alarms go last: the order is the topic policy's and the dashboard's.
  const alarms = [
    connectionFailingAlarm,
    credentialsExpiringAlarm,
    errorsAlarm,
    destinationDeliveryFailuresAlarm,
    scheduleDeadLetterQueueAlarm,
    failureDeadLetterQueueAlarm,
    ledgerWriteFailedAlarm,
  ];
  if (!options.alarmTopic) allowAlarmsToPublish(alarmTopic as sns.Topic, alarms);
  const action = new cloudwatchActions.SnsAction(alarmTopic);
  for (const alarm of alarms) {
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }

  const dashboard = createDashboard(scope, { ...options, metric, alarms, expiryThreshold });
  return {
    alarmTopic,
    connectionFailingAlarm,
    credentialsExpiringAlarm,
    errorsAlarm,
    destinationDeliveryFailuresAlarm,
    scheduleDeadLetterQueueAlarm,
    failureDeadLetterQueueAlarm,
    ledgerWriteFailedAlarm,
    alarms,
    dashboard,
  };
}

function queueAlarm(scope: Construct, id: string, queue: sqs.IQueue, description: string, actions: { readonly actionsEnabled?: boolean }): cloudwatch.Alarm {
  return queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }).createAlarm(scope, id, {
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

/**
 * A topic policy replaces SNS's default one (`enforceSSL` creates a policy), and CloudWatch
 * publishes only where a resource policy allows it: allow exactly these alarms.
 * https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger
 */
function allowAlarmsToPublish(topic: sns.Topic, alarms: readonly cloudwatch.Alarm[]): void {
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowRotatorAlarms',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Stack.of(topic).account },
        ArnEquals: { 'aws:SourceArn': alarms.map((alarm) => alarm.alarmArn) },
      },
    }),
  );
}

function createDashboard(
  scope: Construct,
  options: MonitoringOptions & {
    readonly metric: (metricName: string, statistic: string) => cloudwatch.Metric;
    readonly alarms: readonly cloudwatch.Alarm[];
    readonly expiryThreshold: number;
  },
): cloudwatch.Dashboard {
  const fn = options.function;
  const metric = (name: string, statistic: string, label: string) => options.metric(name, statistic).with({ label });
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', { defaultInterval: Duration.days(1) });
  dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, height: 3, alarms: [...options.alarms] }));
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Rotations',
      width: 12,
      left: [metric(METRIC.rotationSucceeded, 'Sum', 'succeeded'), metric(METRIC.rotationFailed, 'Sum', 'failed')],
    }),
    new cloudwatch.GraphWidget({
      title: 'Etag conflicts (412 from Flow Service)',
      width: 12,
      left: [metric(METRIC.etagConflict, 'Sum', '412 received')],
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Seconds until credential expiry (minimum over every connection tried)',
      width: 12,
      left: [metric(METRIC.secondsUntilCredentialExpiry, 'Minimum', 'seconds to expiry')],
      leftAnnotations: [
        { value: options.expiryThreshold, label: 'CredentialsExpiringAlarm threshold', color: cloudwatch.Color.RED },
        ...(options.intervalSeconds ? [{ value: options.intervalSeconds, label: 'one schedule interval', color: cloudwatch.Color.ORANGE }] : []),
      ],
      leftYAxis: { min: 0 },
    }),
    new cloudwatch.GraphWidget({
      title: 'Run duration (ms)',
      width: 12,
      left: [fn.metricDuration({ statistic: 'Maximum', label: 'max' }), fn.metricDuration({ statistic: 'Average', label: 'average' })],
      leftAnnotations: [{ value: fn.timeout!.toMilliseconds(), label: 'timeout', color: cloudwatch.Color.RED }],
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Invocations, errors and throttles',
      width: 12,
      left: [fn.metricInvocations({ label: 'invocations' }), fn.metricErrors({ label: 'errors' }), fn.metricThrottles({ label: 'throttles' })],
    }),
    new cloudwatch.GraphWidget({
      title: 'Dead-letter queues (messages visible)',
      width: 12,
      left: [
        options.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'scheduler could not invoke', statistic: 'Maximum' }),
        options.failureDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'failed after retries', statistic: 'Maximum' }),
      ],
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Ledger writes failed (rotations unaffected)',
      width: 12,
      left: [metric(METRIC.ledgerWriteFailed, 'Sum', 'failed writes')],
      leftYAxis: { min: 0 },
    }),
  );
  return dashboard;
}
