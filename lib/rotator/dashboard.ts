/**
 * The rotator's dashboard: every alarm's state, the rotator's aggregates (rotations, failures, the
 * lowest seconds until expiry, run duration, invocations, the queues, the ledger), and, with
 * per-connection alarms, the connections themselves: the ones that failed and the ones closest to
 * expiry, by `connectionId`, from the same Metrics Insights queries the alarms watch.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { METRIC } from '../../core/contract.js';
import { CONNECTION_ALARMS, connectionAlarmQuery } from '../../core/alarm-rules.js';

/** Where the rotator's metrics are: the function's namespace, this rotator's dimensions. */
export interface RotatorMetricsScope {
  readonly namespace: string;
  /** `service` and `rotator` (the function's name, a deploy-time value). */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly rotatorName: string;
  readonly targetCount: number;
}

/** Connections per Metrics Insights graph: enough to see who is failing, few enough to read. */
const CONNECTIONS_PER_GRAPH = 10;

export interface DashboardOptions {
  readonly function: lambda.Function;
  readonly scheduleDeadLetterQueue: sqs.IQueue;
  readonly failureDeadLetterQueue: sqs.IQueue;
  /** One of the rotator's aggregate metrics. */
  readonly metric: (metricName: string, statistic: string) => cloudwatch.Metric;
  readonly metrics: RotatorMetricsScope;
  readonly alarms: readonly cloudwatch.Alarm[];
  /** The graphs per connection (on the per-connection alarms' queries). */
  readonly perConnection: boolean;
  readonly windowSeconds: number;
  readonly expiryThreshold: number;
  readonly intervalSeconds: number | undefined;
}

/** The dashboard (construct id `Dashboard`). */
export function createDashboard(scope: Construct, options: DashboardOptions): cloudwatch.Dashboard {
  const fn = options.function;
  const metric = (name: string, statistic: string, label: string) => options.metric(name, statistic).with({ label });
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', { defaultInterval: Duration.days(1) });
  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, height: 3, alarms: [...options.alarms] }),
  );
  if (options.perConnection) {
    // The alarms' queries, over every shard, limited to the most urgent connections.
    const graph = (id: string, title: string) => {
      const rule = CONNECTION_ALARMS.find((candidate) => candidate.id === id)!;
      const query = connectionAlarmQuery(rule, options.metrics).replace(/LIMIT \d+$/, `LIMIT ${CONNECTIONS_PER_GRAPH}`);
      return new cloudwatch.GraphWidget({
        title,
        width: 12,
        left: [
          new cloudwatch.MathExpression({
            expression: query,
            usingMetrics: {},
            period: Duration.seconds(options.windowSeconds),
            label: '',
          }),
        ],
        ...(id === 'CredentialsExpiringAlarm'
          ? {
              leftAnnotations: [
                {
                  value: options.expiryThreshold,
                  label: 'CredentialsExpiringAlarm threshold',
                  color: cloudwatch.Color.RED,
                },
              ],
              leftYAxis: { min: 0 },
            }
          : id === 'ConnectionFailingAlarm'
            ? { leftYAxis: { min: 0, max: 1 } }
            : { leftYAxis: { min: 0 } }),
      });
    };
    dashboard.addWidgets(
      graph(
        'ConnectionFailingAlarm',
        `Failing connections (RotationFailed by connectionId, the ${CONNECTIONS_PER_GRAPH} highest)`,
      ),
      graph('CredentialsExpiringAlarm', `Seconds until expiry by connectionId (the ${CONNECTIONS_PER_GRAPH} lowest)`),
    );
    dashboard.addWidgets(
      graph(
        'DataflowRunFailedAlarm',
        `Failed dataflow runs (DataflowRunFailed by connectionId, the ${CONNECTIONS_PER_GRAPH} highest)`,
      ),
    );
  }
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
        ...(options.intervalSeconds
          ? [{ value: options.intervalSeconds, label: 'one schedule interval', color: cloudwatch.Color.ORANGE }]
          : []),
      ],
      leftYAxis: { min: 0 },
    }),
    new cloudwatch.GraphWidget({
      title: 'Run duration (ms)',
      width: 12,
      left: [
        fn.metricDuration({ statistic: 'Maximum', label: 'max' }),
        fn.metricDuration({ statistic: 'Average', label: 'average' }),
      ],
      leftAnnotations: [{ value: fn.timeout!.toMilliseconds(), label: 'timeout', color: cloudwatch.Color.RED }],
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Invocations, errors and throttles',
      width: 12,
      left: [
        fn.metricInvocations({ label: 'invocations' }),
        fn.metricErrors({ label: 'errors' }),
        fn.metricThrottles({ label: 'throttles' }),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: 'Dead-letter queues (messages visible)',
      width: 12,
      left: [
        options.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          label: 'scheduler could not invoke',
          statistic: 'Maximum',
        }),
        options.failureDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          label: 'failed after retries',
          statistic: 'Maximum',
        }),
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
    new cloudwatch.GraphWidget({
      title: 'Ingestion and connections nobody rotates',
      width: 12,
      left: [
        metric(METRIC.dataflowRunFailed, 'Sum', 'failed dataflow runs'),
        metric(METRIC.unmanagedTemporaryConnections, 'Maximum', 'unmanaged temporary connections'),
      ],
      leftYAxis: { min: 0 },
    }),
  );
  return dashboard;
}
