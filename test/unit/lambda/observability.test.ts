/**
 * What the recorder writes for one connection's outcome: one EMF document per connection tried,
 * with its own values, per connection (and shard beyond one query's 500 series) and for the
 * rotator; or, with per-connection metrics off, one aggregate per run as before they existed.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OutcomeRecorder, RotatorMetrics, type ConnectionLog } from '../../../lambda/observability.js';
import type { ConnectionResult } from '../../../lambda/summary.js';
import { captureOutput } from '../../support/capture.js';

const NOW = Date.parse('2026-12-01T03:45:00Z');
const quiet: ConnectionLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

const rotated = (connectionId: string): ConnectionResult => ({
  connectionId,
  sandboxName: 'prod',
  status: 'rotated',
  etag: '"1"',
  expiresAt: new Date(NOW + 3600_000).toISOString(),
  attempts: 1,
});
const failed = (connectionId: string, heldFor?: number): ConnectionResult => ({
  connectionId,
  sandboxName: 'prod',
  status: 'failed',
  error: 'PATCH connection feature not enabled.',
  errorCode: '1445-400',
  ...(heldFor ? { heldCredentialsExpireAt: new Date(NOW + heldFor * 1000).toISOString() } : {}),
  attempts: 1,
});

function record(
  metrics: RotatorMetrics,
  results: readonly ConnectionResult[],
  run?: { failed: number; everyTarget: boolean },
) {
  const capture = captureOutput();
  try {
    const recorder = new OutcomeRecorder(metrics, () => NOW);
    for (const result of results) recorder.connectionOutcome(result, quiet);
    if (run) recorder.runOutcome(run);
    recorder.flush();
  } finally {
    capture.restore();
  }
  return capture.jsonLines().filter((line) => '_aws' in line);
}

const dimensionsOf = (document: Record<string, unknown>) =>
  (document._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> }).CloudWatchMetrics[0]!.Dimensions;

describe('per-connection metrics', () => {
  it('write one document per connection, with its own values, per connection and for the rotator', () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const metrics = new RotatorMetrics({
      rotatorName: 'Prod-RotatorFunction',
      connectionMetrics: true,
      targets: [{ connectionId: a }, { connectionId: b }],
    });

    const documents = record(metrics, [rotated(a), failed(b, 600)], { failed: 1, everyTarget: true });

    expect(documents).toHaveLength(2);
    expect(documents[0]).toMatchObject({
      connectionId: a,
      rotator: 'Prod-RotatorFunction',
      RotationSucceeded: 1,
      RotationFailed: 0,
      SecondsUntilCredentialExpiry: 3600,
    });
    expect(documents[1]).toMatchObject({
      connectionId: b,
      RotationSucceeded: 0,
      RotationFailed: 1,
      SecondsUntilCredentialExpiry: 600,
    });
    expect(dimensionsOf(documents[0]!)).toEqual([
      ['service', 'rotator', 'connectionId'],
      ['service', 'rotator'],
    ]);
    expect(documents[0]).not.toHaveProperty('shard');
  });

  it("carry a connection's failed dataflow runs when its dataflows were read, and nothing when they were not", () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const metrics = new RotatorMetrics({
      rotatorName: 'r',
      connectionMetrics: true,
      targets: [{ connectionId: a }, { connectionId: b }],
    });

    const documents = record(metrics, [{ ...rotated(a), dataflows: 3, dataflowRunsFailed: 2 }, rotated(b)]);

    expect(documents[0]).toMatchObject({ connectionId: a, DataflowRunFailed: 2 });
    expect(documents[1]).not.toHaveProperty('DataflowRunFailed');
  });

  it("write a scheduled run's count of unmanaged temporary connections in the run's own document, 0 included", () => {
    const metrics = new RotatorMetrics({ rotatorName: 'r', connectionMetrics: true, targets: [] });
    const capture = captureOutput();
    try {
      const recorder = new OutcomeRecorder(metrics, () => NOW);
      recorder.unmanagedTemporaryConnections(0);
      recorder.flush();
      recorder.unmanagedTemporaryConnections(2);
      recorder.flush();
    } finally {
      capture.restore();
    }
    const documents = capture.jsonLines().filter((line) => '_aws' in line);

    expect(documents.map((document) => document.UnmanagedTemporaryConnections)).toEqual([0, 2]);
    expect(dimensionsOf(documents[0]!)).toEqual([['service', 'rotator']]);
  });

  it('give a dry run only what the connection holds, and a skipped connection nothing', () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const metrics = new RotatorMetrics({
      rotatorName: 'r',
      connectionMetrics: true,
      targets: [{ connectionId: a }, { connectionId: b }],
    });

    const documents = record(metrics, [
      { ...failed(a, 900), status: 'dry-run' },
      { connectionId: b, sandboxName: 'prod', status: 'skipped', attempts: 1 },
    ]);

    expect(documents).toHaveLength(1);
    expect(documents[0]).toMatchObject({ connectionId: a, SecondsUntilCredentialExpiry: 900 });
    expect(documents[0]).not.toHaveProperty('RotationFailed');
  });

  it('add a shard dimension beyond 500 targets, in blocks of 500 in the configured order', () => {
    const targets = Array.from({ length: 1001 }, () => ({ connectionId: randomUUID() }));
    const metrics = new RotatorMetrics({ rotatorName: 'r', connectionMetrics: true, targets });

    const documents = record(metrics, [
      rotated(targets[0]!.connectionId),
      rotated(targets[499]!.connectionId),
      rotated(targets[500]!.connectionId),
      rotated(targets[1000]!.connectionId),
    ]);

    expect(documents.map((document) => document.shard)).toEqual(['0', '0', '1', '2']);
    expect(dimensionsOf(documents[0]!)).toEqual([
      ['service', 'rotator', 'connectionId', 'shard'],
      ['service', 'rotator'],
    ]);
  });
});

describe('aggregate metrics only (CONNECTION_METRICS=false)', () => {
  it('write one document a run without connectionId: 1 per rotation and failure, 0 after a clean run of all', () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const metrics = new RotatorMetrics({
      rotatorName: 'r',
      connectionMetrics: false,
      targets: [{ connectionId: a }, { connectionId: b }],
    });

    const [withFailure] = record(metrics, [rotated(a), failed(b)], { failed: 1, everyTarget: true });
    const [clean] = record(metrics, [rotated(a), rotated(b)], { failed: 0, everyTarget: true });

    expect(withFailure).toMatchObject({
      RotationSucceeded: 1,
      RotationFailed: 1,
      SecondsUntilCredentialExpiry: [3600, 0],
      rotator: 'r',
    });
    expect(withFailure).not.toHaveProperty('connectionId');
    expect(dimensionsOf(withFailure!)).toEqual([['service', 'rotator']]);
    expect(clean).toMatchObject({ RotationSucceeded: [1, 1], RotationFailed: 0 });
  });
});
