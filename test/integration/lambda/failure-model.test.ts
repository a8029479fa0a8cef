/**
 * How an invocation fails: a failing connection is a connection problem, not a failed run.
 * Scheduled runs resolve whenever something rotated (or nothing failed); manual requests always
 * resolve with the summary; transient failures get one more attempt at the end of the run; every
 * connection tried reports when what it holds expires.
 */
import { describe, expect, it } from 'vitest';
import { flowProblem } from '../../../emulators/flow-service.js';
import type { RecordedRequest } from '../../../emulators/types.js';
import { ConfigError, RequestValidationError, RotationFailedError } from '../../../lambda/errors.js';
import {
  assumeRoleThrottled,
  captureOutput,
  connectionNotFound,
  settle,
  useHarness,
  SCHEDULED_EVENT,
} from '../../support/index.js';

const start = useHarness();

const patchesOf = (requests: RecordedRequest[], id: string) =>
  requests.filter((request) => request.method === 'PATCH' && request.path === `/connections/${id}`);
const lambdaContext = (awsRequestId: string) => ({
  awsRequestId,
  functionName: 'aep-s3-rotator',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:aep-s3-rotator',
  memoryLimitInMB: '1769',
  getRemainingTimeInMillis: () => 600_000,
});

/** Every value of one metric across the EMF documents a run printed. */
function metricValues(lines: Array<Record<string, unknown>>, name: string): number[] {
  return lines.filter((line) => '_aws' in line && name in line).flatMap((line) => [line[name]].flat().map(Number));
}

describe('a scheduled run', () => {
  it('with one permanently failing connection, mints and patches each healthy one once, and resolves', async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod', patchEnabled: false }, { sandboxName: 'dev' }],
    });
    const [ok1, bad, ok2] = world.connectionIds as [string, string, string];

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary).toMatchObject({ rotated: 2, failed: 1, skipped: 0, dryRun: false });
    expect(summary.results[1]).toMatchObject({
      connectionId: bad,
      status: 'failed',
      errorCode: '1445-400',
      attempts: 1,
    });
    const requests = world.emulators.flowService.requests;
    expect(patchesOf(requests, ok1)).toHaveLength(1);
    expect(patchesOf(requests, ok2)).toHaveLength(1);
    // A permanent failure gets no second attempt: one PATCH, refused.
    expect(patchesOf(requests, bad)).toHaveLength(1);
    expect(world.emulators.sts.requests.filter((request) => request.action === 'AssumeRole')).toHaveLength(3);
  });

  it('in which everything failed rejects, naming each failed connection and why', async () => {
    const { world, newHandler } = await start({
      connections: [
        { sandboxName: 'prod', patchEnabled: false },
        { sandboxName: 'dev', state: 'draft' },
      ],
    });
    const [first, second] = world.connectionIds as [string, string];

    const { error } = await settle(() => newHandler()(SCHEDULED_EVENT));

    expect(error).toBeInstanceOf(RotationFailedError);
    expect((error as RotationFailedError).failedConnectionIds).toEqual([first, second]);
    expect(error!.message).toMatch(/^2 of 2 connections failed to rotate: /);
    expect(error!.message).toContain(
      `${first} (sandbox prod): Flow Service PATCH /connections/${first} failed with HTTP 400 (1445-400): ` +
        'PATCH connection feature not enabled.',
    );
    expect(error!.message).toContain(
      `${second} (sandbox dev): Flow Service PATCH /connections/${second} failed with HTTP 400 (1416-400)`,
    );
  });

  it('in which nothing failed resolves, also when every connection was skipped', async () => {
    const { newHandler } = await start({ connections: [{ sandboxName: 'prod', specName: 'IAMRole Based' }] });

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary).toMatchObject({ rotated: 0, failed: 0, skipped: 1 });
  });
});

describe('a manual request', () => {
  it('resolves with the summary whatever failed: a synchronous caller, not retried, wants the answer', async () => {
    const { world, newHandler } = await start({
      connections: [
        { sandboxName: 'prod', patchEnabled: false },
        { sandboxName: 'prod', state: 'draft' },
      ],
    });

    const summary = await newHandler()({ connectionIds: world.connectionIds });

    expect(summary).toMatchObject({ rotated: 0, failed: 2 });
    expect(summary.results.map((result) => result.errorCode)).toEqual(['1445-400', '1416-400']);
  });

  it('resolves a dry run in which every connection fails', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    world.emulators.flowService.injectFault(connectionNotFound(5));

    const summary = await newHandler()({ dryRun: true });

    expect(summary).toMatchObject({ rotated: 0, failed: 1, dryRun: true });
    expect(summary.results[0]).toMatchObject({
      status: 'failed',
      errorCode: '1101-404',
      error: expect.stringContaining('Connection not found'),
    });
  });

  it(
    'resolves with every row failed when the Adobe secret is invalid: that is not the request or the ' +
      'configuration',
    async () => {
      const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod' }] });
      world.emulators.secretsManager.putSecret('aep-s3-rotator/adobe-credentials', 'not json');

      const summary = await newHandler()({ connectionIds: world.connectionIds });

      expect(summary).toMatchObject({ rotated: 0, failed: 2 });
      expect(summary.results.map((result) => result.errorCode)).toEqual(['SECRET_INVALID', 'SECRET_INVALID']);
    },
  );

  it('still rejects when the request is invalid, or the configuration, touching nothing', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });

    const badRequest = await settle(() => newHandler()({ connectionIds: ['not-a-uuid'] }));
    const badConfig = await settle(() =>
      newHandler({ env: { ROTATION_CONCURRENCY: '0' } })({ connectionIds: world.connectionIds }),
    );

    expect(badRequest.error).toBeInstanceOf(RequestValidationError);
    expect(badRequest.error!.message).toContain('connectionIds[0]: must be a connection id');
    expect(badConfig.error).toBeInstanceOf(ConfigError);
    expect(badConfig.error!.message).toContain('ROTATION_CONCURRENCY: "0" is not a whole number from 1 to 64');
    expect(world.emulators.flowService.requests).toHaveLength(0);
  });
});

describe('one more attempt at the end of the run', () => {
  it("rotates a connection whose PATCH kept failing with 503 through got's retries and then recovered", async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod' }] });
    const [flaky, steady] = world.connectionIds as [string, string];
    // 1 + retryLimit 2 (FAST_HTTP_POLICY): every PATCH of the first attempt gets 503.
    world.emulators.flowService.injectFault({
      match: { method: 'PATCH', path: `/connections/${flaky}` },
      kind: 'respond',
      status: 503,
      body: flowProblem(503, '1103-503', 'try again'),
      times: 3,
    });
    const capture = captureOutput();

    const summary = await newHandler()(SCHEDULED_EVENT);
    capture.restore();

    expect(summary).toMatchObject({ rotated: 2, failed: 0 });
    expect(summary.results[0]).toMatchObject({
      connectionId: flaky,
      status: 'rotated',
      attempts: 2,
      etag: world.connection(flaky).etag,
    });
    expect(summary.results[1]).toMatchObject({ connectionId: steady, status: 'rotated', attempts: 1 });
    expect(patchesOf(world.emulators.flowService.requests, flaky)).toHaveLength(4);
    expect(await world.callerIdentityOf(flaky)).toMatch(/:assumed-role\//);
    // The second attempt starts after every first attempt finished, and the log says why.
    const lines = capture.jsonLines();
    const retryNote = lines.findIndex(
      (line) => line.message === 'connection failed for a reason that may pass; one more attempt at the end of the run',
    );
    const steadyDone = lines.findIndex((line) => line.message === 'connection rotated' && line.connectionId === steady);
    expect(retryNote).toBeGreaterThan(steadyDone);
    expect(lines[retryNote]).toMatchObject({ connectionId: flaky, errorCode: '1103-503' });
    // One outcome line and one count per connection, whatever the attempts.
    expect(lines.filter((line) => line.message === 'connection rotated' && line.connectionId === flaky)).toHaveLength(
      1,
    );
    expect(metricValues(lines, 'RotationSucceeded')).toEqual([1, 1]);
  });

  it('is not given to a permanent failure (404)', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    world.emulators.flowService.injectFault(connectionNotFound(5));

    const summary = await newHandler()({ connectionIds: world.connectionIds });

    expect(summary.results[0]).toMatchObject({ status: 'failed', errorCode: '1101-404', attempts: 1 });
    expect(summary.results[0]).not.toHaveProperty('transient');
    expect(world.emulators.flowService.requests).toHaveLength(1);
  });

  it('is given to STS throttling that outlasted the SDK', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    // The SDK's own retries (3 attempts in all) all meet Throttling; the attempt at the end passes.
    world.emulators.sts.injectFault(assumeRoleThrottled(3));

    const summary = await newHandler()({ connectionIds: world.connectionIds });

    expect(summary.results[0]).toMatchObject({ status: 'rotated', attempts: 2 });
    expect(world.emulators.sts.requests.filter((request) => request.action === 'AssumeRole')).toHaveLength(4);
  });
});

describe('SecondsUntilCredentialExpiry for every connection tried', () => {
  it(
    'without a ledger, reports what a failed connection still holds when Flow Service says the rotator wrote it, ' +
      'and 0 when someone else did',
    async () => {
      const { world, newHandler } = await start({
        ledger: false,
        connections: [
          { sandboxName: 'prod' },
          { sandboxName: 'prod' },
          { sandboxName: 'prod', specName: 'IAMRole Based' },
        ],
      });
      const [rotatedBefore, neverRotated] = world.connectionIds as [string, string];
      const handler = newHandler();
      // Run 1 rotates only the first connection.
      await handler({ connectionIds: [rotatedBefore] });
      const writtenAt = world.connection(rotatedBefore).updatedAt;
      // Run 2: both PATCHes are refused for good.
      for (const id of [rotatedBefore, neverRotated]) {
        world.emulators.flowService.injectFault({
          match: { method: 'PATCH', path: `/connections/${id}` },
          kind: 'respond',
          status: 400,
          body: flowProblem(400, '1455-400', 'invalid patch'),
        });
      }
      const capture = captureOutput();

      const { error } = await settle(() => handler(SCHEDULED_EVENT));
      capture.restore();

      expect(error).toBeInstanceOf(RotationFailedError);
      const held = Date.parse(new Date(writtenAt + 3600_000).toISOString());
      const lines = capture.jsonLines();
      const failures = lines.filter((line) => line.message === 'connection rotation failed');
      expect(failures.find((line) => line.connectionId === rotatedBefore)).toMatchObject({
        heldCredentialsExpireAt: new Date(held).toISOString(),
      });
      expect(failures.find((line) => line.connectionId === neverRotated)).not.toHaveProperty('heldCredentialsExpireAt');
      const expiries = metricValues(lines, 'SecondsUntilCredentialExpiry').sort((a, b) => a - b);
      // Two connections tried (the IAMRole Based one holds nothing that expires): unknown counts as expired.
      expect(expiries).toHaveLength(2);
      expect(expiries[0]).toBe(0);
      expect(expiries[1]).toBeGreaterThan(3590);
      expect(expiries[1]).toBeLessThanOrEqual(3600);
      expect(metricValues(lines, 'RotationFailed')).toEqual([1, 1]);
    },
  );

  it('never reports a negative number for credentials that have already expired', async () => {
    const { world, newHandler } = await start({
      ledger: false,
      connections: [{ sandboxName: 'prod', method: 'get-session-token', durationSeconds: 900 }],
    });
    const handler = newHandler();
    await handler(SCHEDULED_EVENT);
    // Flow Service says the rotator wrote it 2 hours ago: its 900 s credentials are long gone.
    world.emulators.flowService.injectFault({
      match: { method: 'GET' },
      kind: 'respond',
      status: 200,
      body: () => {
        const stored = world.connection(world.connectionIds[0]!);
        return {
          items: [
            {
              id: stored.id,
              etag: stored.etag,
              updatedAt: Date.now() - 7200_000,
              updatedBy: `${world.adobe.clientId}@AdobeID`,
              connectionSpec: { id: stored.connectionSpecId, version: '1.0' },
              state: 'enabled',
              auth: { specName: 'Access Key', params: { s3AccessKey: stored.params.s3AccessKey } },
            },
          ],
        };
      },
    });
    world.emulators.flowService.injectFault({
      match: { method: 'PATCH' },
      kind: 'respond',
      status: 400,
      body: flowProblem(400, '1455-400', 'invalid patch'),
    });
    const capture = captureOutput();

    await settle(() => handler(SCHEDULED_EVENT));
    capture.restore();

    expect(metricValues(capture.jsonLines(), 'SecondsUntilCredentialExpiry')).toEqual([0]);
  });

  it('reports each connection tried once, with its RotationFailed (0 when it rotated), a manual run too', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'dev' }] });
    const handler = newHandler();
    const capture = captureOutput();

    await handler(SCHEDULED_EVENT);
    const documents = () => capture.jsonLines().filter((line) => '_aws' in line);
    const scheduledRun = documents();
    const scheduled = scheduledRun.filter((line) => 'connectionId' in line);
    await handler({ connectionIds: [world.connectionIds[0]] });
    const manual = documents()
      .slice(scheduledRun.length)
      .filter((line) => 'connectionId' in line);
    capture.restore();

    expect(scheduled.map((line) => [line.connectionId, line.RotationFailed, line.DataflowRunFailed])).toEqual(
      world.connectionIds.map((id) => [id, 0, 0]),
    );
    expect(manual.map((line) => [line.connectionId, line.RotationFailed])).toEqual([[world.connectionIds[0], 0]]);
    // The scheduled run's own document: no S3 connection nobody rotates in its sandboxes.
    expect(
      scheduledRun.filter((line) => !('connectionId' in line)).map((line) => line.UnmanagedTemporaryConnections),
    ).toEqual([0]);
  });

  it(
    'with aggregate metrics only, ends a clean run of every target with one RotationFailed of 0, so the failing ' +
      'alarm can return to OK; a manual run does not',
    async () => {
      const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'dev' }] });
      const handler = newHandler({ env: { CONNECTION_METRICS: 'false' } });
      const capture = captureOutput();

      await handler(SCHEDULED_EVENT);
      const scheduled = metricValues(capture.jsonLines(), 'RotationFailed');
      await handler({ connectionIds: [world.connectionIds[0]] });
      const all = metricValues(capture.jsonLines(), 'RotationFailed');
      capture.restore();

      expect(scheduled).toEqual([0]);
      expect(all).toEqual([0]);
      expect(capture.jsonLines().some((line) => 'connectionId' in line && '_aws' in line)).toBe(false);
    },
  );
});

describe('logs', () => {
  it("carry the Lambda request id on every line, and each connection's its connectionId and sandboxName", async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'dev' }] });
    const [concurrentlyEdited] = world.connectionIds as [string];
    world.emulators.flowService.concurrentEditBeforePatch(concurrentlyEdited, 1);
    world.emulators.flowService.injectFault({
      match: { method: 'GET', path: `/connections/${world.connectionIds[1]}` },
      kind: 'respond',
      status: 503,
      body: flowProblem(503, '1103-503', 'try again'),
    });
    const capture = captureOutput();

    await newHandler()(SCHEDULED_EVENT, lambdaContext('req-0001') as never);
    await newHandler()(SCHEDULED_EVENT, lambdaContext('req-0002') as never);
    capture.restore();

    const logLines = capture.jsonLines().filter((line) => 'level' in line);
    expect(logLines.length).toBeGreaterThan(6);
    const ids = logLines.map((line) => line.function_request_id);
    expect(ids.filter((id) => id !== 'req-0001' && id !== 'req-0002')).toEqual([]);
    const perConnection = logLines.filter((line) =>
      [
        'connection rotated',
        'etag conflict (1404-412): re-reading the connection',
        'retrying Flow Service request',
      ].includes(line.message as string),
    );
    expect(perConnection.map((line) => line.message)).toEqual(
      expect.arrayContaining([
        'connection rotated',
        'etag conflict (1404-412): re-reading the connection',
        'retrying Flow Service request',
      ]),
    );
    for (const line of perConnection) {
      expect(line.connectionId).toEqual(expect.any(String));
      expect(line.sandboxName).toBe(line.connectionId === world.connectionIds[1] ? 'dev' : 'prod');
    }
  });
});
