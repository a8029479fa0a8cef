/**
 * `UnmanagedTemporaryConnectionsAlarm`: an S3 connection made by hand with temporary credentials
 * stops ingesting when they expire. Nothing is broken yet, so the construct routes it to tickets.
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

/**
 * The alarm (construct id `UnmanagedTemporaryConnectionsAlarm`) on the rotator's
 * `UnmanagedTemporaryConnections`, over one schedule interval. Every scheduled run of every target
 * reports the count, 0 included, and a manual run none: missing data keeps the state until the next
 * scheduled run.
 * @param metric the metric, with its statistic (Maximum) and the run period.
 * @param describe the construct's description, ending with the runbook link.
 */
export function createUnmanagedConnectionsAlarm(
  scope: Construct,
  metric: cloudwatch.IMetric,
  describe: (id: string, meaning: string) => string,
  actions: { readonly actionsEnabled?: boolean },
): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, 'UnmanagedTemporaryConnectionsAlarm', {
    metric,
    alarmDescription: describe(
      'UnmanagedTemporaryConnectionsAlarm',
      'A scheduled run found S3 connections with temporary credentials that no target rotates, in the sandboxes ' +
        'the targets are in: each stops ingesting when its credentials expire. `npx aep-s3-rotator discover` names ' +
        'them and prints the targets entries to add.',
    ),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    ...actions,
  });
}
