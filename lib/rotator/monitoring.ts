/**
 * What tells an operator the rotator needs them, cert-manager style: each connection is watched on
 * its own. The per-connection alarms ({@link CONNECTION_ALARMS} in core/alarm-rules.ts, one entry
 * each) are CloudWatch alarms on Metrics Insights queries grouped by `connectionId` and scoped to
 * this rotator's `rotator` dimension: every connection is a contributor with a state of its own, so
 * a second failing connection notifies while a first is already in ALARM, and one added later is
 * covered without a new alarm (beyond 500 connections, one alarm per shard). Beside them: the
 * rotator-level guard (no expiry data at all), the run-level alarms on Lambda's and SQS's own
 * metrics, the topics they notify (one, or a second for tickets), and the dashboard. A paused
 * rotator (`enabled: false`) keeps its alarms, with their actions disabled: it pages no one.
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
import { METRIC, METRIC_DIMENSION } from '../../core/contract.js';
import {
  CONNECTION_ALARMS,
  connectionAlarmId,
  connectionAlarmQuery,
  connectionShards,
  EXPIRY_ALARM_PERIOD_SECONDS,
  runAlarmPeriodSeconds,
  type AlarmRoute,
  type ConnectionAlarmRule,
  type ConnectionAlarmSizes,
} from '../../core/alarm-rules.js';
import { createDashboard, type RotatorMetricsScope } from './dashboard.js';
import { createUnmanagedConnectionsAlarm } from './unmanaged-connections-alarm.js';
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
  /** How many targets the function rotates: one per-connection alarm per rule and shard of 500. */
  readonly targetCount: number;
  /**
   * Alarms per connection (on Metrics Insights queries); false: on the rotator's aggregate, as for
   * `connectionMetrics: false` or a window longer than such alarms evaluate.
   */
  readonly perConnectionAlarms: boolean;
  /** The runbook each description links to (`<runbookUrl>#<alarm id, lower case>`). */
  readonly runbookUrl: string;
  /** @default - a new topic, with a policy letting exactly these alarms publish */
  readonly alarmTopic?: sns.ITopic;
  /** Where the alarms routed to tickets notify. @default - the alarm topic */
  readonly ticketTopic?: sns.ITopic;
  /** The key a new topic is encrypted with. @default - no server-side encryption */
  readonly encryptionKey?: kms.IKey;
  /**
   * Whether the alarms notify: false for a rotator deployed paused, whose schedule is disabled, so
   * that `RotatorNotReportingAlarm` (no run reporting) and the others page no one.
   * @default true
   */
  readonly actionsEnabled?: boolean;
}

/** The alarms, the topics they notify, and the dashboard. */
export interface Monitoring {
  readonly alarmTopic: sns.ITopic;
  /** The topic of the alarms routed to tickets: `ticketTopic`, else the alarm topic. */
  readonly ticketTopic: sns.ITopic;
  /** The first (or only) shard's. */
  readonly connectionFailingAlarm: cloudwatch.Alarm;
  /** The first (or only) shard's. */
  readonly credentialsExpiringAlarm: cloudwatch.Alarm;
  /** Every per-connection alarm: each rule's, for each shard. */
  readonly connectionAlarms: readonly cloudwatch.Alarm[];
  readonly rotatorNotReportingAlarm: cloudwatch.Alarm;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly destinationDeliveryFailuresAlarm: cloudwatch.Alarm;
  readonly scheduleDeadLetterQueueAlarm: cloudwatch.Alarm;
  readonly failureDeadLetterQueueAlarm: cloudwatch.Alarm;
  readonly ledgerWriteFailedAlarm: cloudwatch.Alarm;
  /** The first (or only) shard's. */
  readonly dataflowRunFailedAlarm: cloudwatch.Alarm;
  readonly unmanagedTemporaryConnectionsAlarm: cloudwatch.Alarm;
  /** Every alarm above, in the order the dashboard shows them. */
  readonly alarms: readonly cloudwatch.Alarm[];
  readonly dashboard: cloudwatch.Dashboard;
}

/**
 * Create the alarms (construct ids are part of the contract: their logical ids are pinned), the topics and the
 * dashboard in `scope`.
 */
export function createMonitoring(scope: Construct, options: MonitoringOptions): Monitoring {
  const { serviceName, metricsNamespace, expiryAlarm, intervalSeconds } = options;
  const fn = options.function;
  // The function reads its own name (AWS_LAMBDA_FUNCTION_NAME) for the rotator dimension.
  const metrics: RotatorMetricsScope = {
    namespace: metricsNamespace,
    dimensions: { [METRIC_DIMENSION.service]: serviceName, [METRIC_DIMENSION.rotator]: fn.functionName },
    rotatorName: fn.functionName,
    targetCount: options.targetCount,
  };
  const metric = (metricName: string, statistic: string, period = Duration.minutes(5)) =>
    new cloudwatch.Metric({
      namespace: metricsNamespace,
      metricName,
      dimensionsMap: { ...metrics.dimensions },
      statistic,
      period,
    });
  const alarmTopic =
    options.alarmTopic ??
    new sns.Topic(scope, 'AlarmTopic', {
      displayName: 'AEP S3 credential rotator alarms',
      enforceSSL: true,
      masterKey: options.encryptionKey,
    });
  const ticketTopic = options.ticketTopic ?? alarmTopic;
  const describe = (id: string, meaning: string) => `${meaning} Runbook: ${options.runbookUrl}#${id.toLowerCase()}`;
  // One period per schedule interval: it holds one scheduled run, and with missing data ignored
  // the state holds until the next run instead of flapping back to OK between runs.
  const runPeriod = Duration.seconds(runAlarmPeriodSeconds(intervalSeconds ?? expiryAlarm.fallbackIntervalSeconds));
  const expiryThreshold = options.expiryThresholdSeconds ?? expiryAlarm.thresholdSeconds;
  const windowSeconds = expiryAlarm.evaluationPeriods * EXPIRY_ALARM_PERIOD_SECONDS;
  const sizes: ConnectionAlarmSizes = {
    windowSeconds,
    expiryThresholdSeconds: expiryThreshold,
    expiryThresholdText: thresholdText(expiryThreshold),
  };
  // Set only when off: an enabled alarm's template stays as it was before the option existed.
  const actions = options.actionsEnabled === false ? { actionsEnabled: false } : {};
  const routes = new Map<cloudwatch.Alarm, AlarmRoute>();
  const routed = (alarm: cloudwatch.Alarm, route: AlarmRoute) => {
    routes.set(alarm, route);
    return alarm;
  };

  const connectionAlarms = CONNECTION_ALARMS.flatMap((rule) =>
    (options.perConnectionAlarms ? connectionShards(options.targetCount) : [0]).map((shard) =>
      routed(
        connectionAlarm(scope, rule, shard, {
          metrics,
          sizes,
          perConnection: options.perConnectionAlarms,
          description: describe(
            rule.id,
            rule.meaning(sizes) +
              (options.perConnectionAlarms
                ? ''
                : ' (Watched for the rotator as a whole: the alarm names no connection.)'),
          ),
          actions,
        }),
        rule.route,
      ),
    ),
  );
  const firstOf = (id: string) =>
    connectionAlarms[
      CONNECTION_ALARMS.findIndex((rule) => rule.id === id) * (connectionAlarms.length / CONNECTION_ALARMS.length)
    ]!;

  // The rotator-level guard: sized and explained in core/alarm-rules.ts, expiryAlarmPlan.
  const rotatorNotReportingAlarm = routed(
    new cloudwatch.Alarm(scope, 'RotatorNotReportingAlarm', {
      alarmDescription: describe(
        'RotatorNotReportingAlarm',
        `No run has reported any connection's credential expiry for ${expiryAlarm.evaluationPeriods} ` +
          'minutes (schedule disabled or not invoking, function throttled, crashing or not running): ' +
          'the per-connection alarms see nothing, and Adobe may soon hold expired credentials.',
      ),
      metric: metric(METRIC.secondsUntilCredentialExpiry, 'SampleCount', Duration.seconds(EXPIRY_ALARM_PERIOD_SECONDS)),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: expiryAlarm.evaluationPeriods,
      datapointsToAlarm: expiryAlarm.evaluationPeriods,
      // Whenever a run reports, the count is at least 1: only a window without data breaches.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      ...actions,
    }),
    'page',
  );
  const errorsAlarm = routed(
    fn.metricErrors({ period: runPeriod, statistic: 'Sum' }).createAlarm(scope, 'ErrorsAlarm', {
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
    }),
    'page',
  );
  const destinationDeliveryFailuresAlarm = routed(
    fn
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
      }),
    'page',
  );
  const scheduleDeadLetterQueueAlarm = routed(
    queueAlarm(
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
    ),
    'page',
  );
  const failureDeadLetterQueueAlarm = routed(
    queueAlarm(
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
    ),
    'page',
  );
  // One failed write heals at the next run, which writes the item again: only two schedule
  // intervals in a row with failures mean something is broken (the table, the role's permission,
  // the key). The function counts failures only (nothing between them), so missing data is OK.
  const ledgerWriteFailedAlarm = routed(
    metric(METRIC.ledgerWriteFailed, 'Sum')
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
      }),
    'page',
  );
  const unmanagedTemporaryConnectionsAlarm = routed(
    createUnmanagedConnectionsAlarm(
      scope,
      metric(METRIC.unmanagedTemporaryConnections, 'Maximum').with({ period: runPeriod }),
      describe,
      actions,
    ),
    'ticket',
  );
  // The order of the dashboard and of the stack's AlarmNames output. New alarms go last.
  const alarms = [
    ...connectionAlarms,
    errorsAlarm,
    destinationDeliveryFailuresAlarm,
    scheduleDeadLetterQueueAlarm,
    failureDeadLetterQueueAlarm,
    ledgerWriteFailedAlarm,
    rotatorNotReportingAlarm,
    unmanagedTemporaryConnectionsAlarm,
  ];
  const topicOf = (alarm: cloudwatch.Alarm) => (routes.get(alarm) === 'ticket' ? ticketTopic : alarmTopic);
  if (!options.alarmTopic)
    allowAlarmsToPublish(
      alarmTopic as sns.Topic,
      'AllowRotatorAlarms',
      alarms.filter((alarm) => topicOf(alarm) === alarmTopic),
    );
  // A ticket topic of this app (not an imported one, whose policy is its owner's) gets the same statement.
  if (options.ticketTopic instanceof sns.Topic && options.ticketTopic !== alarmTopic) {
    allowAlarmsToPublish(
      options.ticketTopic,
      'AllowRotatorTicketAlarms',
      alarms.filter((alarm) => topicOf(alarm) === options.ticketTopic),
    );
  }
  for (const alarm of alarms) {
    const action = new cloudwatchActions.SnsAction(topicOf(alarm));
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }

  const dashboard = createDashboard(scope, {
    function: fn,
    scheduleDeadLetterQueue: options.scheduleDeadLetterQueue,
    failureDeadLetterQueue: options.failureDeadLetterQueue,
    metric,
    metrics,
    alarms,
    perConnection: options.perConnectionAlarms,
    windowSeconds,
    expiryThreshold,
    intervalSeconds,
  });
  return {
    alarmTopic,
    ticketTopic,
    connectionFailingAlarm: firstOf('ConnectionFailingAlarm'),
    credentialsExpiringAlarm: firstOf('CredentialsExpiringAlarm'),
    connectionAlarms,
    rotatorNotReportingAlarm,
    errorsAlarm,
    destinationDeliveryFailuresAlarm,
    scheduleDeadLetterQueueAlarm,
    failureDeadLetterQueueAlarm,
    ledgerWriteFailedAlarm,
    dataflowRunFailedAlarm: firstOf('DataflowRunFailedAlarm'),
    unmanagedTemporaryConnectionsAlarm,
    alarms,
    dashboard,
  };
}

/**
 * One per-connection alarm: with `perConnection`, on the rule's Metrics Insights query for `shard`
 * (one contributor per connection); else on the rotator's aggregate of the same metric. Either way
 * one period of the expiry plan's window, reduced as the rule says, and a window without data is
 * not breaching (that is `RotatorNotReportingAlarm`'s).
 */
function connectionAlarm(
  scope: Construct,
  rule: ConnectionAlarmRule,
  shard: number,
  {
    metrics,
    sizes,
    perConnection,
    description,
    actions,
  }: {
    metrics: RotatorMetricsScope;
    sizes: ConnectionAlarmSizes;
    perConnection: boolean;
    description: string;
    actions: { readonly actionsEnabled?: boolean };
  },
): cloudwatch.Alarm {
  const period = Duration.seconds(sizes.windowSeconds);
  const watched = perConnection
    ? new cloudwatch.MathExpression({
        expression: connectionAlarmQuery(rule, metrics, shard),
        usingMetrics: {},
        period,
        label: rule.metric,
      })
    : new cloudwatch.Metric({
        namespace: metrics.namespace,
        metricName: rule.metric,
        dimensionsMap: { ...metrics.dimensions },
        statistic: rule.function === 'MAX' ? 'Maximum' : 'Minimum',
        period,
      });
  const threshold = rule.threshold(sizes);
  return new cloudwatch.Alarm(scope, connectionAlarmId(rule, shard), {
    alarmDescription: description,
    metric: watched,
    threshold,
    comparisonOperator: rule.comparison as cloudwatch.ComparisonOperator,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    ...actions,
  });
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

/**
 * A topic policy replaces SNS's default one (`enforceSSL` creates a policy), and CloudWatch
 * publishes only where a resource policy allows it: allow exactly these alarms.
 * https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger
 */
function allowAlarmsToPublish(topic: sns.Topic, sid: string, alarms: readonly cloudwatch.Alarm[]): void {
  if (alarms.length === 0) return;
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid,
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

/** A threshold as words for a description, while it may still be a token. */
export function thresholdText(seconds: number): string {
  return Token.isUnresolved(seconds) ? 'the alarm threshold' : `${seconds} s (${Math.floor(seconds / 60)} min)`;
}
