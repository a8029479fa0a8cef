/**
 * Logger and metrics, configured once (Powertools for AWS Lambda). Structured JSON logs with one
 * line per connection outcome; metrics in CloudWatch embedded metric format.
 *
 * Powertools reads `POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_METRICS_NAMESPACE` and
 * `POWERTOOLS_LOG_LEVEL`; the defaults below are the ones the CDK stack sets.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricUnit as MetricUnitValue } from '@aws-lambda-powertools/metrics/types';
import {
  DEFAULT_METRICS_NAMESPACE,
  DEFAULT_SERVICE_NAME,
  METRIC,
  METRIC_DIMENSION,
  metricShardOf,
  type RotationTarget,
} from '../core/contract.js';
import { secondsUntil } from './held-credentials.js';
import type { ConnectionResult } from './summary.js';

/** Metric names, service name and namespace are part of the contract (the construct's alarms read them). */
export { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME, METRIC } from '../core/contract.js';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME });

/** What the function's metrics are labelled with, from its configuration. */
export interface MetricsSettings {
  /** The `rotator` dimension: unique to this deployed rotator. */
  readonly rotatorName: string;
  /** Each connection's outcome goes out with its `connectionId`; false: one aggregate per run. */
  readonly connectionMetrics: boolean;
  /** The configured targets, in order: a fleet beyond one query's 500 series gets a `shard` dimension. */
  readonly targets: readonly Pick<RotationTarget, 'connectionId'>[];
}

/**
 * The container's two Powertools `Metrics` instances (namespace and service from Powertools' own
 * variables, `rotator` a default dimension of both):
 *
 * - `run`: what a run counts (`EtagConflict`, `LedgerWriteFailed`, and with `connectionMetrics` off
 *   every outcome), kept as value arrays and written once, as one EMF document, when the
 *   invocation ends;
 * - `connection`: one EMF document per connection outcome, written at once (nothing awaits between
 *   adding its dimensions and values and publishing them, so connections finishing together never
 *   mix). Its two dimension sets carry the values per connection and, in the same document, for the
 *   rotator as a whole.
 */
export class RotatorMetrics {
  readonly run: Metrics;
  readonly connection: Metrics;
  readonly connectionMetrics: boolean;
  /** The `shard` dimension of each connection (lower-case id), in a fleet too large for one query. */
  private readonly shards = new Map<string, string>();

  constructor(settings: MetricsSettings) {
    const options = {
      serviceName: process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME,
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE,
      defaultDimensions: { [METRIC_DIMENSION.rotator]: settings.rotatorName },
    };
    this.run = new Metrics(options);
    this.connection = new Metrics(options);
    this.connectionMetrics = settings.connectionMetrics;
    settings.targets.forEach(({ connectionId }, index) => {
      const shard = metricShardOf(index, settings.targets.length);
      if (shard !== undefined) this.shards.set(connectionId.toLowerCase(), shard);
    });
  }

  /**
   * One connection's values, as one document: per connection (and shard), and for the rotator.
   * @param paused the connection is paused: its per-connection series also carry `paused`, which
   * the per-connection alarms' queries (exactly `connectionId`, `rotator`, `service`) leave out.
   */
  publishConnection(
    connectionId: string,
    values: ReadonlyArray<readonly [name: string, unit: MetricUnitValue, value: number]>,
    paused = false,
  ): void {
    if (values.length === 0) return;
    const { connection } = this;
    connection.addDimension(METRIC_DIMENSION.connectionId, connectionId);
    const shard = this.shards.get(connectionId.toLowerCase());
    if (shard !== undefined) connection.addDimension(METRIC_DIMENSION.shard, shard);
    if (paused) connection.addDimension(METRIC_DIMENSION.paused, 'true');
    // A second dimension set of the defaults alone: the same values, aggregated for the rotator.
    connection.addDimensions({});
    for (const [name, unit, value] of values) connection.addMetric(name, unit, value);
    connection.publishStoredMetrics();
  }
}

/** What rotation code logs about one connection (a Powertools child logger fits). */
export interface ConnectionLog {
  info(message: string, ...fields: Record<string, unknown>[]): void;
  warn(message: string, ...fields: Record<string, unknown>[]): void;
  error(message: string, ...fields: Record<string, unknown>[]): void;
}

/**
 * A logger for one connection's lines in this invocation: every line carries its `connectionId`
 * and `sandboxName`, and (from the parent, after `addContext`) the Lambda request id.
 */
export function connectionLogger(target: Pick<RotationTarget, 'connectionId' | 'sandboxName'>): ConnectionLog {
  return logger.createChild({ persistentKeys: { connectionId: target.connectionId, sandboxName: target.sandboxName } });
}

/**
 * Seconds until the credentials a connection holds after this run expire: the new ones when it
 * rotated, else what it still holds as far as the run could tell, with unknown counted as expired
 * (0). Undefined for a skipped connection, which holds nothing that expires.
 */
export function secondsUntilExpiry(result: ConnectionResult, now: number): number | undefined {
  if (result.status === 'skipped') return undefined;
  // Paused: what it still holds, as the ledger says.
  const expiresAt = result.status === 'rotated' ? result.expiresAt : result.heldCredentialsExpireAt;
  return secondsUntil(expiresAt ? Date.parse(expiresAt) : undefined, now);
}

/**
 * Where one invocation's outcomes go: a log line per connection outcome, and the metrics. Each
 * session holds one; the rotation and the run record through it (nothing calls back up to the
 * handler), and the session flushes it when the invocation ends.
 */
export class OutcomeRecorder {
  /**
   * @param metrics the container's metrics.
   * @param now the clock `SecondsUntilCredentialExpiry` counts from. @default Date.now
   */
  constructor(
    private readonly metrics: RotatorMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Log one connection's outcome (never a credential: results hold none) and count it.
   *
   * Every connection tried reports once, with its own values: `RotationSucceeded` and
   * `RotationFailed` (1 or 0, so each connection's series says how its last run went),
   * `SecondsUntilCredentialExpiry` (what it holds after the run; a failed one what it still holds)
   * and, when its dataflows were read, `DataflowRunFailed` (how many failed their last run since
   * the previous attempt). A dry run reports only the expiry; a skipped connection nothing. A paused
   * connection reports only what it still holds, honestly, with the `paused` dimension: the
   * per-connection alarms leave it out (the pause is the operator's, and `pause` refuses one that
   * outlasts what it holds), and the rotator's aggregate still counts it, so
   * `RotatorNotReportingAlarm` sees the runs go on.
   */
  connectionOutcome(result: ConnectionResult, log: ConnectionLog): void {
    const fields = { ...result, plannedOperations: result.plannedOperations?.map((op) => `${op.op} ${op.path}`) };
    switch (result.status) {
      case 'rotated':
        log.info('connection rotated', fields);
        break;
      case 'dry-run':
        log.info('connection checked (dry run, not patched)', fields);
        break;
      case 'skipped':
        log.warn('connection skipped', fields);
        return;
      case 'paused':
        log.info('connection paused (not rotated)', fields);
        break;
      case 'failed':
        log.error('connection rotation failed', fields);
        break;
    }
    const seconds = secondsUntilExpiry(result, this.now());
    if (!this.metrics.connectionMetrics) {
      // One aggregate per run, as before per-connection metrics: only what happened is counted.
      const { run } = this.metrics;
      if (result.status === 'rotated') run.addMetric(METRIC.rotationSucceeded, MetricUnit.Count, 1);
      if (result.status === 'failed') run.addMetric(METRIC.rotationFailed, MetricUnit.Count, 1);
      if (seconds !== undefined) run.addMetric(METRIC.secondsUntilCredentialExpiry, MetricUnit.Seconds, seconds);
      if (result.dataflowRunsFailed)
        run.addMetric(METRIC.dataflowRunFailed, MetricUnit.Count, result.dataflowRunsFailed);
      return;
    }
    const values: Array<readonly [string, MetricUnitValue, number]> = [];
    if (result.status !== 'dry-run' && result.status !== 'paused') {
      values.push([METRIC.rotationSucceeded, MetricUnit.Count, result.status === 'rotated' ? 1 : 0]);
      values.push([METRIC.rotationFailed, MetricUnit.Count, result.status === 'failed' ? 1 : 0]);
    }
    if (seconds !== undefined) values.push([METRIC.secondsUntilCredentialExpiry, MetricUnit.Seconds, seconds]);
    if (result.dataflowRunsFailed !== undefined)
      values.push([METRIC.dataflowRunFailed, MetricUnit.Count, result.dataflowRunsFailed]);
    this.metrics.publishConnection(result.connectionId, values, result.status === 'paused');
  }

  /**
   * With aggregate metrics only: after a run of every target in which nothing failed, one
   * `RotationFailed` of 0. The aggregate failing alarm treats missing data as "ignore" (so it does
   * not flap between runs), and this is the datapoint that lets it return to OK. Per connection,
   * every rotated connection already reports its own 0.
   */
  runOutcome({ failed, everyTarget }: { failed: number; everyTarget: boolean }): void {
    if (!this.metrics.connectionMetrics && everyTarget && failed === 0)
      this.metrics.run.addMetric(METRIC.rotationFailed, MetricUnit.Count, 0);
  }

  /**
   * A scheduled run's count of S3 connections with temporary credentials that no target rotates,
   * 0 included: `UnmanagedTemporaryConnectionsAlarm` returns to OK on a run that finds none.
   */
  unmanagedTemporaryConnections(count: number): void {
    this.metrics.run.addMetric(METRIC.unmanagedTemporaryConnections, MetricUnit.Count, count);
  }

  /** Count a ledger write that failed; the rotation it records is unaffected, and the connection's log says why. */
  ledgerWriteFailed(): void {
    this.metrics.run.addMetric(METRIC.ledgerWriteFailed, MetricUnit.Count, 1);
  }

  /** Count a `1404-412` answer (a concurrent writer, or our own PATCH landing twice); the connection's log says it. */
  etagConflict(): void {
    this.metrics.run.addMetric(METRIC.etagConflict, MetricUnit.Count, 1);
  }

  /** Write what the run counted as one embedded-metric-format line. An invocation that counted nothing writes none. */
  flush(): void {
    if (this.metrics.run.hasStoredMetrics()) this.metrics.run.publishStoredMetrics();
  }
}
