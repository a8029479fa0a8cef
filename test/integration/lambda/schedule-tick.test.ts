/**
 * One schedule tick, done once: a scheduled run rejects only when something failed and no PATCH
 * landed, so Lambda's asynchronous retries never mint and PATCH again what the run changed; and
 * with the ledger (a real local DynamoDB, dynalite), a second delivery of the same tick (the same
 * EventBridge Scheduler `executionId`) PATCHes none of the connections that tick already rotated.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { flowProblem } from '../../../emulators/flow-service.js';
import type { RecordedRequest } from '../../../emulators/types.js';
import { captureOutput, settle, useLedgerHarness } from '../../support/index.js';

const start = useLedgerHarness();

/** The event the stack's schedule sends (lib/s3-credential-rotator.ts), for one tick. */
const tick = (executionId = randomUUID()) => ({
  source: 'aep-s3-rotator.schedule',
  scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/rotator/Schedule',
  scheduledTime: '2026-12-01T03:45:00Z',
  executionId,
  attemptNumber: '1',
});

const patchesOf = (requests: readonly RecordedRequest[], id: string) =>
  requests.filter((request) => request.method === 'PATCH' && request.path === `/connections/${id}`);
const refusedByS3 = flowProblem(400, '1100-400', 'Amazon S3 answered AccessDenied: Access Denied');

describe('the reject rule', () => {
  it(
    'resolves a scheduled run whose every PATCH landed and whose every explore was refused, with exactly one PATCH ' +
      'per connection',
    async () => {
      const { world, newHandler } = await start({
        connections: [{ sandboxName: 'prod' }, { sandboxName: 'dev' }],
        ledger: false,
      });
      world.emulators.flowService.injectFault({
        match: { path: /\/explore$/ },
        kind: 'respond',
        status: 400,
        body: refusedByS3,
        times: Number.POSITIVE_INFINITY,
      });

      const { value: summary, error } = await settle(() => newHandler()(tick()));

      // Nothing for Lambda to retry: a retry would mint and PATCH again, and Adobe refuse again.
      expect(error).toBeUndefined();
      expect(summary).toMatchObject({ rotated: 0, failed: 2 });
      for (const [index, id] of world.connectionIds.entries()) {
        expect(summary!.results[index]).toMatchObject({
          status: 'failed',
          errorCode: '1100-400',
          etag: world.connection(id).etag,
        });
        expect(patchesOf(world.emulators.flowService.requests, id)).toHaveLength(1);
      }
      expect(world.emulators.sts.requests.filter((request) => request.action === 'AssumeRole')).toHaveLength(2);
    },
  );

  it('still rejects a scheduled run in which something failed and no PATCH landed', async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod', patchEnabled: false }],
      ledger: false,
    });

    const { error } = await settle(() => newHandler()(tick()));

    expect(error?.name).toBe('RotationFailedError');
    expect(patchesOf(world.emulators.flowService.requests, world.connectionIds[0]!)).toHaveLength(1);
  });
});

describe('the same tick delivered twice, with the ledger', () => {
  it('PATCHes once: the second delivery resolves, each connection skipped with what the first put in it', async () => {
    const { world, newHandler, ledger } = await start({
      connections: [{ sandboxName: 'prod' }, { sandboxName: 'dev' }],
    });
    const event = tick();
    const capture = captureOutput();

    const first = await newHandler()(event);
    const metricsAfterFirst = capture.jsonLines().filter((line) => '_aws' in line).length;
    // A duplicate delivery reaches another container (or the same one later): both must hold.
    const second = await newHandler()(event);
    capture.restore();

    expect(first).toMatchObject({ rotated: 2, failed: 0, skipped: 0 });
    expect(second).toMatchObject({ rotated: 0, failed: 0, skipped: 2 });
    for (const [index, id] of world.connectionIds.entries()) {
      expect(patchesOf(world.emulators.flowService.requests, id)).toHaveLength(1);
      expect(second.results[index]).toMatchObject({
        connectionId: id,
        status: 'skipped',
        errorCode: 'DUPLICATE_DELIVERY',
        etag: first.results[index]!.etag,
        expiresAt: first.results[index]!.expiresAt,
        attempts: 0,
      });
      expect(second.results[index]!.error).toContain(`executionId ${event.executionId}`);
      expect((await ledger.get(id))?.lastRotation).toMatchObject({
        executionId: event.executionId,
        etag: first.results[index]!.etag,
      });
    }
    // Reported once: the duplicate adds no metric.
    expect(capture.jsonLines().filter((line) => '_aws' in line)).toHaveLength(metricsAfterFirst);
    expect(world.emulators.sts.requests.filter((request) => request.action === 'AssumeRole')).toHaveLength(2);
  });

  it('rotates, in the second delivery, only what the first did not rotate', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'dev' }] });
    const [steady, refusedOnce] = world.connectionIds as [string, string];
    world.emulators.flowService.injectFault({
      match: { method: 'PATCH', path: `/connections/${refusedOnce}` },
      kind: 'respond',
      status: 400,
      body: flowProblem(400, '1445-400', 'PATCH connection feature not enabled.'),
    });
    const event = tick();

    const first = await newHandler()(event);
    const second = await newHandler()(event);

    expect(first).toMatchObject({ rotated: 1, failed: 1 });
    expect(second).toMatchObject({ rotated: 1, skipped: 1 });
    expect(second.results.map((result) => [result.connectionId, result.status])).toEqual([
      [steady, 'skipped'],
      [refusedOnce, 'rotated'],
    ]);
    expect(patchesOf(world.emulators.flowService.requests, steady)).toHaveLength(1);
    expect(patchesOf(world.emulators.flowService.requests, refusedOnce)).toHaveLength(2);
  });

  it('rotates everything again at the next tick', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const handler = newHandler();

    await handler(tick());
    const next = await handler(tick());

    expect(next).toMatchObject({ rotated: 1, skipped: 0 });
    expect(patchesOf(world.emulators.flowService.requests, world.connectionIds[0]!)).toHaveLength(2);
  });

  it('does not hold back a manual run, which names no tick', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const handler = newHandler();

    await handler(tick());
    const manual = await handler({ connectionIds: [world.connectionIds[0]] });

    expect(manual).toMatchObject({ rotated: 1 });
    expect(patchesOf(world.emulators.flowService.requests, world.connectionIds[0]!)).toHaveLength(2);
  });
});

describe('the same tick delivered twice, without a ledger', () => {
  it('rotates again (the README says so): nothing remembers what the first delivery did', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }], ledger: false });
    const event = tick();

    await newHandler()(event);
    const second = await newHandler()(event);

    expect(second).toMatchObject({ rotated: 1 });
    expect(patchesOf(world.emulators.flowService.requests, world.connectionIds[0]!)).toHaveLength(2);
  });
});
