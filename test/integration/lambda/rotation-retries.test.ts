/**
 * The rotation engine end to end, step 6: etag conflicts, transient failures and their bounded
 * retries, and what the rotator does with every error code the Flow Service documentation lists.
 */
import { describe, expect, it } from 'vitest';
import { RotationFailedError } from '../../../lambda/errors.js';
import { flowProblem, gatewayError } from '../../../emulators/flow-service.js';
import { byMethod, captureOutput, connectionCalls, SCHEDULED_EVENT, settle, useHarness } from '../../support/index.js';

const start = useHarness();

describe('step 6: conflicts and transient failures', () => {
  it('re-reads the etag and PATCHes again with the same credentials after one 412', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const id = world.connectionIds[0]!;
    world.emulators.flowService.concurrentEditBeforePatch(id, 1);

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary.results[0]).toMatchObject({ status: 'rotated', etagConflicts: 1 });
    const flow = connectionCalls(world.emulators.flowService.requests);
    expect(flow).toEqual(['GET', 'PATCH', 'GET', 'PATCH', 'EXPLORE']);
    const [first, second] = byMethod(world.emulators.flowService.requests, 'PATCH');
    expect(second!.body).toBe(first!.body);
    expect(second!.headers['if-match']).not.toBe(first!.headers['if-match']);
    expect(world.connection(id).params.s3AccessKey).toBe(JSON.parse(second!.body)[0].value);
  });

  it(
    'gives up after 3 PATCH attempts that all meet a stale etag, twice (one more attempt at the end of the run), ' +
      'leaving the credentials as they were',
    async () => {
      const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
      const id = world.connectionIds[0]!;
      const before = world.connection(id);
      world.emulators.flowService.concurrentEditBeforePatch(id, 10);
      const capture = captureOutput();

      const { error } = await settle(() => newHandler()(SCHEDULED_EVENT));
      capture.restore();

      expect(error).toBeInstanceOf(RotationFailedError);
      expect(error!.message).toContain('3 PATCH attempts all met a stale etag (1404-412)');
      expect(byMethod(world.emulators.flowService.requests, 'PATCH')).toHaveLength(6);
      expect(world.connection(id).params).toEqual(before.params);
      const conflicts = capture.jsonLines().filter((line) => 'EtagConflict' in line);
      expect(
        conflicts.reduce((sum, line) => sum + [line.EtagConflict].flat().reduce((a: number, b) => a + Number(b), 0), 0),
      ).toBe(6);
    },
  );

  it('honours Retry-After on 429', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    world.emulators.flowService.injectFault({
      match: { method: 'PATCH' },
      kind: 'respond',
      status: 429,
      headers: { 'retry-after': '1' },
      body: gatewayError('429050', 'Too many requests'),
    });

    const summary = await newHandler()(SCHEDULED_EVENT);

    const [first, second] = byMethod(world.emulators.flowService.requests, 'PATCH');
    expect(summary.rotated).toBe(1);
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(950);
  });

  it.each([
    [
      'a 503 on GET',
      { match: { method: 'GET' }, kind: 'respond', status: 503, body: flowProblem(503, '1103-503', 'try again') },
    ],
    [
      'a 500 on PATCH',
      { match: { method: 'PATCH' }, kind: 'respond', status: 500, body: flowProblem(500, '1102-500', 'try again') },
    ],
    [
      'a 504 on PATCH',
      { match: { method: 'PATCH' }, kind: 'respond', status: 504, body: flowProblem(504, '1104-504', 'try again') },
    ],
    ['a connection reset on GET', { match: { method: 'GET' }, kind: 'reset' }],
    ['a timeout on GET', { match: { method: 'GET' }, kind: 'delay', ms: 2500 }],
  ] as const)('retries %s and rotates', async (_name, fault) => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    world.emulators.flowService.injectFault(fault);

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary.rotated).toBe(1);
    expect(byMethod(world.emulators.flowService.requests, fault.match.method)).toHaveLength(2);
  });

  it('ends with the new credentials when a PATCH lands but its answer times out', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const id = world.connectionIds[0]!;
    world.emulators.flowService.injectFault({ match: { method: 'PATCH' }, kind: 'delay-after-effect', ms: 2500 });

    const summary = await newHandler()(SCHEDULED_EVENT);

    // The retried PATCH carries the old etag, meets 412, and the engine re-reads and re-sends.
    expect(connectionCalls(world.emulators.flowService.requests)).toEqual([
      'GET',
      'PATCH',
      'PATCH',
      'GET',
      'PATCH',
      'EXPLORE',
    ]);
    const [, , last] = byMethod(world.emulators.flowService.requests, 'PATCH');
    expect(summary.results[0]).toMatchObject({ status: 'rotated', etag: world.connection(id).etag });
    expect(world.connection(id).params.s3SessionToken).toBe(JSON.parse(last!.body)[2].value);
  });

  it.each([
    [400, '1455-400'],
    [403, '2118-403'],
    [404, '1101-404'],
  ])('never retries a %i', async (status, code) => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    world.emulators.flowService.injectFault({
      match: { method: 'PATCH' },
      kind: 'respond',
      status,
      body: flowProblem(status, code, 'no'),
    });

    const { error } = await settle(() => newHandler()(SCHEDULED_EVENT));

    expect(error!.message).toContain(`HTTP ${status} (${code})`);
    expect(byMethod(world.emulators.flowService.requests, 'PATCH')).toHaveLength(1);
  });

  it('bounds the retries of a Flow Service that stays down', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    world.emulators.flowService.injectFault({
      kind: 'respond',
      status: 503,
      body: flowProblem(503, '1103-503', 'down'),
      times: 100,
    });

    const { error } = await settle(() => newHandler()(SCHEDULED_EVENT));

    expect(error!.message).toContain('HTTP 503 (1103-503)');
    // Two attempts of the connection (the second at the end of the run), each 1 GET + retryLimit 2.
    expect(world.emulators.flowService.requests).toHaveLength(6);
  });
});

describe('every error code of the Flow Service documentation', () => {
  // FLOW-SERVICE.md's table: code, HTTP status, and what the rotator must do with it (once, on PATCH).
  it.each([
    ['1403-400', 400, 'fail'],
    ['1455-400', 400, 'fail'],
    ['1414-400', 400, 'fail'],
    ['1416-400', 400, 'fail'],
    ['1445-400', 400, 'fail'],
    ['1101-404', 404, 'fail'],
    ['2118-403', 403, 'fail'],
    ['2120-403', 403, 'fail'],
    ['1404-412', 412, 're-read the etag'],
    ['1102-500', 500, 'retry'],
    ['1103-503', 503, 'retry'],
    ['1104-504', 504, 'retry'],
    ['2000-401', 401, 'refresh the token'],
    ['2001-401', 401, 'refresh the token'],
    ['2002-401', 401, 'refresh the token'],
  ] as const)('%s (HTTP %i): %s', async (code, status, action) => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const before = world.connection(world.connectionIds[0]!);
    world.emulators.flowService.injectFault({
      match: { method: 'PATCH' },
      kind: 'respond',
      status,
      body: flowProblem(status, code, `documented ${code}`),
    });

    const { value, error } = await settle(() => newHandler()(SCHEDULED_EVENT));

    const patches = byMethod(world.emulators.flowService.requests, 'PATCH');
    if (action === 'fail') {
      expect(error!.message).toContain(`failed with HTTP ${status} (${code}): documented ${code}`);
      expect(patches).toHaveLength(1);
      expect(world.connection(before.id).params).toEqual(before.params);
    } else {
      expect(value!.results[0]!.status).toBe('rotated');
      expect(patches).toHaveLength(2);
      expect(world.emulators.ims.requests).toHaveLength(action === 'refresh the token' ? 2 : 1);
      expect(byMethod(world.emulators.flowService.requests, 'GET')).toHaveLength(action === 're-read the etag' ? 2 : 1);
    }
  });
});
