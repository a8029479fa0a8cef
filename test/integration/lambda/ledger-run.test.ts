/**
 * The rotation ledger as the function keeps it: one item per connection per run in a real local
 * DynamoDB (dynalite), the failed connection's expiry taken from it, and a ledger that cannot be
 * written never failing a rotation.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { flowProblem } from '../../../emulators/flow-service.js';
import { captureOutput, SCHEDULED_EVENT, useLedgerHarness } from '../../support/index.js';

const start = useLedgerHarness();

const metricValues = (lines: Array<Record<string, unknown>>, name: string) =>
  lines.filter((line) => '_aws' in line && name in line).flatMap((line) => [line[name]].flat().map(Number));

describe('the rotation ledger', () => {
  it(
    'holds, per connection, the last rotation (time, expiry, etag, method), the last attempt and the failures in a ' +
      'row',
    async () => {
      const { world, newHandler, ledger } = await start({
        connections: [
          { sandboxName: 'prod' },
          { sandboxName: 'dev', method: 'get-session-token', durationSeconds: 7200 },
        ],
      });
      const [steady, flaky] = world.connectionIds as [string, string];
      const handler = newHandler();

      const first = await handler(SCHEDULED_EVENT);
      world.emulators.flowService.injectFault({
        match: { method: 'PATCH', path: `/connections/${flaky}` },
        kind: 'respond',
        status: 400,
        body: flowProblem(400, '1445-400', 'PATCH connection feature not enabled.'),
        times: 2,
      });
      await handler(SCHEDULED_EVENT);
      await handler(SCHEDULED_EVENT);

      expect(await ledger.get(steady)).toMatchObject({
        sandboxName: 'prod',
        lastRotation: {
          expiresAt: expect.any(String),
          etag: world.connection(steady).etag,
          method: 'assume-role-chained',
          adobeVerified: true,
        },
        lastAttempt: { outcome: 'rotated', attempts: 1 },
        consecutiveFailures: 0,
      });
      const flakyRecord = await ledger.get(flaky);
      expect(flakyRecord).toMatchObject({
        sandboxName: 'dev',
        // Still the first run's rotation: the two failed runs changed nothing in the connection.
        lastRotation: {
          expiresAt: first.results[1]!.expiresAt,
          etag: first.results[1]!.etag,
          method: 'get-session-token',
        },
        lastAttempt: { outcome: 'failed', errorCode: '1445-400', attempts: 1 },
        consecutiveFailures: 2,
      });
      expect(flakyRecord!.lastAttempt!.error).toContain('PATCH connection feature not enabled.');
    },
  );

  it(
    "gives a failed connection's expiry from what the ledger says it holds, which an edit by someone else does not " +
      'move',
    async () => {
      const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
      const id = world.connectionIds[0]!;
      const handler = newHandler();
      const first = await handler(SCHEDULED_EVENT);
      // Someone edits the connection, then every PATCH is refused.
      world.emulators.flowService.concurrentEditBeforePatch(id, 1);
      world.emulators.flowService.injectFault({
        match: { method: 'PATCH' },
        kind: 'respond',
        status: 400,
        body: flowProblem(400, '1455-400', 'invalid patch'),
        times: 5,
      });
      const capture = captureOutput();

      const second = await handler({ connectionIds: [id] });
      capture.restore();

      expect(second.results[0]).toMatchObject({
        status: 'failed',
        heldCredentialsExpireAt: first.results[0]!.expiresAt,
      });
      const [seconds] = metricValues(capture.jsonLines(), 'SecondsUntilCredentialExpiry');
      expect(seconds).toBeGreaterThan(3500);
    },
  );

  it('records nothing for a dry run', async () => {
    const { world, newHandler, ledger } = await start({ connections: [{ sandboxName: 'prod' }] });

    await newHandler()({ dryRun: true });

    expect(await ledger.get(world.connectionIds[0]!)).toBeUndefined();
  });

  it('never fails a rotation when it cannot be written: the failure is logged and counted', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const capture = captureOutput();

    const summary = await newHandler({ env: { LEDGER_TABLE_NAME: 'no-such-table' } })(SCHEDULED_EVENT);
    capture.restore();

    expect(summary).toMatchObject({ rotated: 1, failed: 0 });
    expect(await world.callerIdentityOf(world.connectionIds[0]!)).toMatch(/assumed-role/);
    const lines = capture.jsonLines();
    expect(
      lines.find((line) => line.message === 'rotation ledger write failed; the rotation itself is unaffected'),
    ).toMatchObject({
      connectionId: world.connectionIds[0],
      table: 'no-such-table',
      errorName: 'ResourceNotFoundException',
    });
    expect(metricValues(lines, 'LedgerWriteFailed')).toEqual([1]);
  });

  it(
    'abandons a ledger write that would outlast the invocation, so the summary and the metrics are out before ' +
      "Lambda's timeout",
    async () => {
      const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
      // A DynamoDB endpoint that accepts connections and never answers (a VPC without a route to
      // DynamoDB, an endpoint policy that black-holes): each attempt waits out the SDK's timeout.
      const sockets: Socket[] = [];
      const blackHole: Server = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
      const restoreEnv = world.applyEnv({
        AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${(blackHole.address() as AddressInfo).port}`,
      });
      // Lambda's clock: 2.5 s left. The SDK alone would retry the write for longer (3 attempts of 1.5 s).
      const endsAt = Date.now() + 2_500;
      const context = { getRemainingTimeInMillis: () => endsAt - Date.now() };
      const capture = captureOutput();
      try {
        const summary = await newHandler({ deadlineMargins: { startMs: 100, stopMs: 500 } })(
          SCHEDULED_EVENT,
          context as never,
        );
        const returnedAt = Date.now();
        capture.restore();

        expect(returnedAt).toBeLessThan(endsAt);
        expect(summary).toMatchObject({ rotated: 1, failed: 0 });
        const lines = capture.jsonLines();
        expect(
          lines.find((line) => line.message === 'rotation ledger write failed; the rotation itself is unaffected'),
        ).toMatchObject({
          connectionId: world.connectionIds[0],
        });
        expect(lines.find((line) => line.message === 'connection rotated')).toMatchObject({
          connectionId: world.connectionIds[0],
        });
        expect(metricValues(lines, 'LedgerWriteFailed')).toEqual([1]);
        expect(metricValues(lines, 'RotationSucceeded')).toEqual([1]);
      } finally {
        capture.restore();
        restoreEnv();
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => blackHole.close(() => resolve()));
      }
    },
  );

  it('refuses a LEDGER_TABLE_NAME DynamoDB would, naming the value, before touching anything', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });

    await expect(newHandler({ env: { LEDGER_TABLE_NAME: 'x' } })(SCHEDULED_EVENT)).rejects.toThrow(
      'LEDGER_TABLE_NAME: must be a DynamoDB table name, 3 to 255 letters, digits and _.-; got "x"',
    );
    expect(world.emulators.flowService.requests).toHaveLength(0);
  });
});
