/**
 * Logger and metrics, configured once (Powertools for AWS Lambda). Structured JSON logs with one
 * line per connection outcome; metrics in CloudWatch embedded metric format.
 *
 * Powertools reads `POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_METRICS_NAMESPACE` and
 * `POWERTOOLS_LOG_LEVEL`; the defaults below are the ones the CDK stack sets.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME, METRIC, type RotationTarget } from '../core/contract.js';
import { secondsUntil } from './held-credentials.js';
import type { ConnectionResult } from './summary.js';

/** Metric names, service name and namespace are part of the contract (the construct's alarms read them). */
export { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME, METRIC } from '../core/contract.js';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME });

export const metrics = new Metrics({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE,
});

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
  const expiresAt = result.status === 'rotated' ? result.expiresAt : result.heldCredentialsExpireAt;
  return secondsUntil(expiresAt ? Date.parse(expiresAt) : undefined, now);
}

/**
 * Where one invocation's outcomes go: a log line per connection outcome, and the metrics. Each
 * session holds one; the rotation and the run record through it (nothing calls back up to the
 * handler), and the session flushes it when the invocation ends.
 */
export class OutcomeRecorder {
  /** @param now the clock `SecondsUntilCredentialExpiry` counts from. @default Date.now */
  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Log one connection's outcome (never a credential: results hold none) and count it.
   *
   * `SecondsUntilCredentialExpiry` is reported for every connection the run tried, not only the
   * rotated ones, so an alarm on its Minimum sees the one connection that is running out.
   */
  connectionOutcome(result: ConnectionResult, log: ConnectionLog): void {
    const fields = { ...result, plannedOperations: result.plannedOperations?.map((op) => `${op.op} ${op.path}`) };
    switch (result.status) {
      case 'rotated':
        log.info('connection rotated', fields);
        metrics.addMetric(METRIC.rotationSucceeded, MetricUnit.Count, 1);
        break;
      case 'dry-run':
        log.info('connection checked (dry run, not patched)', fields);
        break;
      case 'skipped':
        log.warn('connection skipped', fields);
        break;
      case 'failed':
        log.error('connection rotation failed', fields);
        metrics.addMetric(METRIC.rotationFailed, MetricUnit.Count, 1);
        break;
    }
    const seconds = secondsUntilExpiry(result, this.now());
    if (seconds !== undefined) metrics.addMetric(METRIC.secondsUntilCredentialExpiry, MetricUnit.Seconds, seconds);
  }

  /**
   * After a run of every target in which nothing failed, one `RotationFailed` of 0: the failing
   * alarm treats missing data as "ignore" (so it does not flap between runs), and this is the
   * datapoint that lets it return to OK.
   */
  runOutcome({ failed, everyTarget }: { failed: number; everyTarget: boolean }): void {
    if (everyTarget && failed === 0) metrics.addMetric(METRIC.rotationFailed, MetricUnit.Count, 0);
  }

  /** Count a ledger write that failed; the rotation it records is unaffected, and the connection's log says why. */
  ledgerWriteFailed(): void {
    metrics.addMetric(METRIC.ledgerWriteFailed, MetricUnit.Count, 1);
  }

  /** Count a `1404-412` answer (a concurrent writer, or our own PATCH landing twice); the connection's log says it. */
  etagConflict(): void {
    metrics.addMetric(METRIC.etagConflict, MetricUnit.Count, 1);
  }

  /** Write what was counted as one embedded-metric-format line. An invocation that counted nothing writes none. */
  flush(): void {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
