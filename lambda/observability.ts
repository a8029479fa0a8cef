/**
 * Logger and metrics, configured once (Powertools for AWS Lambda). Structured JSON logs with one
 * line per connection outcome; metrics in CloudWatch embedded metric format.
 *
 * Powertools reads `POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_METRICS_NAMESPACE` and
 * `POWERTOOLS_LOG_LEVEL`; the defaults below are the ones the CDK stack sets.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ConnectionResult } from './rotate.js';

export const DEFAULT_SERVICE_NAME = 'aep-s3-credential-rotator';
export const DEFAULT_METRICS_NAMESPACE = 'AepS3CredentialRotator';

/** Metric names: the CDK alarms and dashboard read exactly these. */
export const METRIC = {
  rotationSucceeded: 'RotationSucceeded',
  rotationFailed: 'RotationFailed',
  etagConflict: 'EtagConflict',
  secondsUntilCredentialExpiry: 'SecondsUntilCredentialExpiry',
} as const;

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME });

export const metrics = new Metrics({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE,
});

/** Log one connection's outcome (never a credential: results hold none) and count it. */
export function recordResult(result: ConnectionResult, now: number = Date.now()): void {
  const fields = { ...result, plannedOperations: result.plannedOperations?.map((op) => `${op.op} ${op.path}`) };
  switch (result.status) {
    case 'rotated': {
      logger.info('connection rotated', fields);
      metrics.addMetric(METRIC.rotationSucceeded, MetricUnit.Count, 1);
      if (result.expiresAt) {
        const seconds = Math.max(0, Math.round((Date.parse(result.expiresAt) - now) / 1000));
        metrics.addMetric(METRIC.secondsUntilCredentialExpiry, MetricUnit.Seconds, seconds);
      }
      break;
    }
    case 'dry-run':
      logger.info('connection checked (dry run, not patched)', fields);
      break;
    case 'skipped':
      logger.warn('connection skipped', fields);
      break;
    case 'failed':
      logger.error('connection rotation failed', fields);
      metrics.addMetric(METRIC.rotationFailed, MetricUnit.Count, 1);
      break;
  }
}

/** Count a `1404-412` answer (a concurrent writer, or our own PATCH landing twice). */
export function recordEtagConflict(connectionId: string): void {
  logger.warn('etag conflict (1404-412): re-reading the connection', { connectionId });
  metrics.addMetric(METRIC.etagConflict, MetricUnit.Count, 1);
}
