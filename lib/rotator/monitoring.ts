/**
 * What tells an operator the rotator needs them, cert-manager style: each connection is watched on
 * its own. The per-connection alarms ({@link CONNECTION_ALARMS} in core/alarm-rules.ts, one entry
 * each) are CloudWatch alarms on Metrics Insights queries grouped by `connectionId` and scoped to
 * this rotator's `rotator` dimension: every connection is a contributor with a state of its own, so
 * a second failing connection notifies while a first is already in ALARM, and one added later is
 * covered without a new alarm (beyond 500 connections, one alarm per shard). Beside them: the
 * rotator-level guard (no expiry data at all), the run-level alarms on Lambda's and SQS's own
 * metrics (run-alarms.ts), the topics they notify (one, or a second for tickets), and the
 * dashboard. A paused rotator (`enabled: false`) keeps its alarms, with their actions disabled: it
 * pages no one.
 */
import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
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
  AGGREGATE_METRICS_WARNING,
  CONNECTION_ALARMS,
  connectionAlarmId,
  connectionAlarmQuery,
  connectionShards,
  EXPIRY_ALARM_PERIOD_SECONDS,
  perConnectionAlarmsFit,
  perConnectionWindowWarning,
  runAlarmPeriodSeconds,
  type AlarmRoute,
  type ConnectionAlarmRule,
  type ConnectionAlarmSizes,
  type ExpiryAlarmPlan,
} from '../../core/alarm-rules.js';
import { createDashboard, type RotatorMetricsScope } from './dashboard.js';
import { createRunAlarms } from './run-alarms.js';
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

/**
 * Whether the alarms watch each connection: unless `connectionMetrics` is off, or the expiry alarms' window is longer
 * than alarms on Metrics Insights queries evaluate. Either way synth says what the fleet gives up.
 */
export function watchEachConnection(
  scope: Construct,
  connectionMetrics: boolean,
  expiryAlarm: ExpiryAlarmPlan,
): boolean {
  const perConnectionAlarms = connectionMetrics && perConnectionAlarmsFit(expiryAlarm);
  if (!connectionMetrics)
    Annotations.of(scope).addWarningV2(
      'aep-s3-rotator:aggregate-metrics',
      `connectionMetrics: false: ${AGGREGATE_METRICS_WARNING}`,
    );
  else if (!perConnectionAlarms)
    Annotations.of(scope).addWarningV2(
      'aep-s3-rotator:aggregate-alarms',
      `schedule: ${perConnectionWindowWarning(expiryAlarm)}`,
    );
  return perConnectionAlarms;
}

/**
 * Create the alarms (construct ids are part of the contract: their logical ids are pinned), the topics and the
 * dashboard in `scope`. What it returns, the construct exposes as its own properties (documented there).
 */
export function createMonitoring(scope: Construct, options: MonitoringOptions) {
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
  const runAlarms = createRunAlarms(scope, {
    function: fn,
    scheduleDeadLetterQueue: options.scheduleDeadLetterQueue,
    failureDeadLetterQueue: options.failureDeadLetterQueue,
    runPeriod,
    metric,
    describe,
    actions,
  });
  for (const alarm of Object.values(runAlarms)) routed(alarm, 'page');
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
    runAlarms.errorsAlarm,
    runAlarms.destinationDeliveryFailuresAlarm,
    runAlarms.scheduleDeadLetterQueueAlarm,
    runAlarms.failureDeadLetterQueueAlarm,
    runAlarms.ledgerWriteFailedAlarm,
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
    ...runAlarms,
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
