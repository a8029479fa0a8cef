/**
 * The rotation engine end to end, step 7: a run's report, one connection's failure kept from the
 * others, the invocation's clock, concurrency, manual requests, dry runs and metrics.
 */
import { describe, expect, it } from 'vitest';
import { RequestValidationError } from '../../../lambda/errors.js';
import { flowProblem } from '../../../emulators/flow-service.js';
import {
  byAction,
  byMethod,
  captureOutput,
  connectionCalls,
  SCHEDULED_EVENT,
  settle,
  useHarness,
} from '../../support/index.js';

const start = useHarness();

describe('step 7: reporting, isolation and concurrency', () => {
  it('rotates the others when one connection fails, and resolves with the summary naming it and why', async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod' }, { sandboxName: 'dev' }, { sandboxName: 'dev' }],
    });
    const [ok1, bad, ok2] = world.connectionIds as [string, string, string];
    world.emulators.flowService.injectFault({
      match: { path: `/connections/${bad}` },
      kind: 'respond',
      status: 403,
      body: flowProblem(403, '2118-403', 'missing permission'),
    });
    const capture = captureOutput();

    const summary = await newHandler()(SCHEDULED_EVENT);
    capture.restore();

    expect(summary).toMatchObject({ rotated: 2, failed: 1 });
    expect(summary.results[1]).toMatchObject({
      connectionId: bad,
      status: 'failed',
      errorCode: '2118-403',
      error: `Flow Service GET /connections/${bad} failed with HTTP 403 (2118-403): missing permission`,
      attempts: 1,
    });
    for (const id of [ok1, ok2]) expect(world.connection(id).etagHistory.length).toBe(2);
    const outcomes = capture
      .jsonLines()
      .filter((line) => typeof line.message === 'string' && /^connection /.test(line.message as string));
    expect(outcomes.map((line) => [line.message, line.connectionId])).toEqual(
      expect.arrayContaining([
        ['connection rotated', ok1],
        ['connection rotated', ok2],
        ['connection rotation failed', bad],
      ]),
    );
    expect(outcomes).toHaveLength(3);
  });

  it('does not start a connection when the invocation is about to time out, and names it', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod' }] });
    // Lambda's clock runs out while the first connection is being patched (once its PATCH has reached Flow Service).
    const patchReached = () => world.emulators.flowService.requests.some((request) => request.method === 'PATCH');
    const context = { getRemainingTimeInMillis: () => (patchReached() ? 10_000 : 120_000) };
    const handler = newHandler({ env: { ROTATION_CONCURRENCY: '1' } });

    const summary = await handler(SCHEDULED_EVENT, context as never);

    expect(summary).toMatchObject({ rotated: 1, failed: 1 });
    expect(summary.results[1]).toMatchObject({
      connectionId: world.connectionIds[1],
      status: 'failed',
      errorCode: 'OUT_OF_TIME',
      attempts: 0,
    });
    expect(summary.results[1]!.error).toContain('not attempted: the invocation was about to reach its timeout');
    expect(world.connection(world.connectionIds[1]!).etagHistory).toHaveLength(1);
    expect(world.connection(world.connectionIds[0]!).etagHistory).toHaveLength(2);
  });

  it('processes connections concurrently up to ROTATION_CONCURRENCY', async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod' }, { sandboxName: 'prod' }],
    });

    await newHandler({ env: { ROTATION_CONCURRENCY: '1' } })(SCHEDULED_EVENT);
    const sequential = connectionCalls(world.emulators.flowService.requests);
    world.emulators.flowService.requests.length = 0;
    // With 100 ms per Flow Service answer, a PATCH cannot arrive before every GET unless they were serialized.
    world.emulators.flowService.setLatency(100);
    await newHandler()(SCHEDULED_EVENT);
    const parallel = connectionCalls(world.emulators.flowService.requests);

    expect(sequential).toEqual(['GET', 'PATCH', 'EXPLORE', 'GET', 'PATCH', 'EXPLORE', 'GET', 'PATCH', 'EXPLORE']);
    expect(parallel.slice(0, 3)).toEqual(['GET', 'GET', 'GET']);
  });

  it('rotates only the connections a manual request names', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'dev' }] });

    const summary = await newHandler()({ connectionIds: [world.connectionIds[1]] });

    expect(summary.results.map((result) => result.connectionId)).toEqual([world.connectionIds[1]]);
    expect(byMethod(world.emulators.flowService.requests, 'PATCH').map((request) => request.path)).toEqual([
      `/connections/${world.connectionIds[1]}`,
    ]);
  });

  it('rejects a manual request naming an unknown connection, touching nothing', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const stranger = '00000000-0000-4000-8000-000000000000';

    const { error } = await settle(() => newHandler()({ connectionIds: [world.connectionIds[0], stranger] }));

    expect(error).toBeInstanceOf(RequestValidationError);
    expect(error!.message).toContain(
      `connectionIds: ${stranger} is not in the configured targets; nothing was rotated`,
    );
    expect(world.emulators.flowService.requests).toHaveLength(0);
    expect(world.emulators.sts.requests).toHaveLength(0);
  });

  it('plans without patching on a dry run, reporting paths and never values', async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod', withSessionToken: false }],
    });
    const before = world.connectionIds.map((id) => world.connection(id).etag);

    const summary = await newHandler()({ dryRun: true });

    expect(summary).toMatchObject({ rotated: 0, failed: 0, dryRun: true });
    expect(summary.results.map((result) => result.status)).toEqual(['dry-run', 'dry-run']);
    expect(summary.results[1]!.plannedOperations).toEqual([
      { op: 'replace', path: '/auth/params/s3AccessKey' },
      { op: 'replace', path: '/auth/params/s3SecretKey' },
      { op: 'add', path: '/auth/params/s3SessionToken' },
    ]);
    expect(byMethod(world.emulators.flowService.requests, 'PATCH')).toHaveLength(0);
    expect(world.connectionIds.map((id) => world.connection(id).etag)).toEqual(before);
    expect(byAction(world.emulators.sts.requests, 'GetCallerIdentity').length).toBeGreaterThanOrEqual(2);
  });

  it('emits embedded-format metrics for successes, failures and seconds to expiry', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod' }] });
    world.emulators.flowService.injectFault({
      match: { path: `/connections/${world.connectionIds[1]}` },
      kind: 'respond',
      status: 404,
      body: flowProblem(404, '1101-404', 'Connection not found'),
    });
    const capture = captureOutput();

    await settle(() => newHandler()(SCHEDULED_EVENT));
    capture.restore();

    // One document per connection tried, each with its own values.
    const emf = capture.jsonLines().filter((line) => '_aws' in line);
    const [rotated, failed] = world.connectionIds.map((id) => emf.filter((line) => line.connectionId === id));
    expect(rotated).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(rotated![0]).toMatchObject({
      RotationSucceeded: 1,
      RotationFailed: 0,
      service: 'aep-s3-credential-rotator',
      rotator: 'aep-s3-credential-rotator',
    });
    expect(rotated![0]!.SecondsUntilCredentialExpiry).toBeGreaterThan(3500);
    // Unknown credentials count as expired.
    expect(failed![0]).toMatchObject({ RotationSucceeded: 0, RotationFailed: 1, SecondsUntilCredentialExpiry: 0 });
    // Per connection, and in the same document for the rotator as a whole.
    expect(
      (rotated![0]!._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> }).CloudWatchMetrics[0]!.Dimensions,
    ).toEqual([
      ['service', 'rotator', 'connectionId'],
      ['service', 'rotator'],
    ]);
    const namespaces = emf.flatMap((line) =>
      (line._aws as { CloudWatchMetrics: Array<{ Namespace: string }> }).CloudWatchMetrics.map((m) => m.Namespace),
    );
    expect(new Set(namespaces)).toEqual(new Set(['AepS3CredentialRotator']));
  });
});
