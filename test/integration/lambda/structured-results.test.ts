/**
 * What the function's result says as data, so a caller (the operator CLI) never reads it out of a
 * message: Adobe's own words about a failure, and, when a manual request asks, the ids that are not
 * targets.
 */
import { describe, expect, it } from 'vitest';
import { flowProblem } from '../../../emulators/flow-service.js';
import { useHarness } from '../../support/index.js';

const start = useHarness();

describe("the function's result as data", () => {
  it("carries Adobe's code and its own words about a failure in fields of their own", async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod' }] });
    const [healthy, refused] = world.connectionIds as [string, string];
    world.emulators.flowService.injectFault({
      match: { method: 'PATCH', path: `/connections/${refused}` },
      kind: 'respond',
      status: 400,
      body: flowProblem(400, '1445-400', 'PATCH connection feature not enabled.'),
    });

    const summary = await newHandler()({ dryRun: false });

    expect(summary.results.find((result) => result.connectionId === healthy)).not.toHaveProperty('adobeDetail');
    expect(summary.results.find((result) => result.connectionId === refused)).toMatchObject({
      status: 'failed',
      errorCode: '1445-400',
      adobeDetail: 'PATCH connection feature not enabled.',
      error:
        `Flow Service PATCH /connections/${refused} failed with HTTP 400 (1445-400): PATCH connection feature not ` +
        'enabled.',
    });
  });

  it('answers the unknown ids as data when the request asks to have them reported, touching nothing', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const stranger = '00000000-0000-4000-8000-000000000000';

    const summary = await newHandler()({
      connectionIds: [world.connectionIds[0], stranger],
      unknownConnections: 'report',
    });

    expect(summary).toEqual({
      rotated: 0,
      failed: 0,
      skipped: 0,
      dryRun: false,
      results: [],
      unknownConnectionIds: [stranger],
    });
    expect(world.emulators.flowService.requests).toHaveLength(0);
    expect(world.emulators.sts.requests).toHaveLength(0);
  });
});
