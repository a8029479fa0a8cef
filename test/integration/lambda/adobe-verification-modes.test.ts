/**
 * When Adobe is asked: a dry run asks with what the connection holds before anything changes, and
 * the off switch (VERIFY_WITH_ADOBE, or a target's verifyWithAdobe) asks nothing.
 */
import { describe, expect, it } from 'vitest';
import { connectionCalls, explores, SCHEDULED_EVENT, settle, useHarness } from '../../support/index.js';

const start = useHarness();

describe('a dry run', () => {
  it('asks Adobe with what the connection holds now, before anything changes', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const before = world.connection(world.connectionIds[0]!);

    const summary = await newHandler()({ dryRun: true });

    expect(summary.results[0]).toMatchObject({
      status: 'dry-run',
      adobeVerified: true,
      adobeCanList: true,
      adobeReadUnproven: 'listed-nothing',
    });
    expect(connectionCalls(world.emulators.flowService.requests)).toEqual(['GET', 'EXPLORE']);
    expect(world.connection(before.id)).toEqual(before);
  });

  it("reports that Adobe cannot read with the current credentials, and Adobe's reason", async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    // The credentials the connection holds expired an hour ago (the STS emulator's clock moves on).
    world.emulators.sts.setClock(() => Date.now() + 3600_000);

    const summary = await newHandler()({ dryRun: true });

    expect(summary.results[0]).toMatchObject({ status: 'dry-run', adobeVerified: false, adobeErrorCode: '1100-400' });
    expect(summary.results[0]!.adobeError).toContain(
      'Adobe could not list s3://acme-ingest-0/exports/prod/ with the credentials the connection holds now',
    );
    expect(summary.results[0]!.adobeError).toContain('ExpiredToken');
  });
});

describe('the off switch', () => {
  it('VERIFY_WITH_ADOBE=false sends no explore, and says adobeVerified: false', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });

    const rotated = await newHandler({ env: { VERIFY_WITH_ADOBE: 'false' } })(SCHEDULED_EVENT);
    const planned = await newHandler({ env: { VERIFY_WITH_ADOBE: 'false' } })({ dryRun: true });

    expect(rotated.results[0]).toMatchObject({ status: 'rotated', adobeVerified: false });
    expect(planned.results[0]).toMatchObject({ status: 'dry-run', adobeVerified: false });
    expect(explores(world.emulators.flowService.requests)).toHaveLength(0);
  });

  it(
    "a target entry's verifyWithAdobe: false sends no explore for that connection alone (a created role without " +
      'its folder)',
    async () => {
      const { world, newHandler } = await start({
        connections: [{ sandboxName: 'prod', verifyWithAdobe: false }, { sandboxName: 'prod' }],
      });
      const [unchecked, checked] = world.connectionIds as [string, string];

      const rotated = await newHandler()(SCHEDULED_EVENT);
      const planned = await newHandler()({ dryRun: true });

      expect(rotated.results.find((result) => result.connectionId === unchecked)).toMatchObject({
        status: 'rotated',
        adobeVerified: false,
      });
      expect(rotated.results.find((result) => result.connectionId === checked)).toMatchObject({
        status: 'rotated',
        adobeVerified: true,
      });
      expect(planned.results.find((result) => result.connectionId === unchecked)).toMatchObject({
        status: 'dry-run',
        adobeVerified: false,
      });
      expect(explores(world.emulators.flowService.requests).map((request) => request.path)).toEqual([
        `/connections/${checked}/explore`,
        `/connections/${checked}/explore`,
      ]);
    },
  );

  it('refuses a VERIFY_WITH_ADOBE that is not a boolean before touching anything', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });

    const { error } = await settle(() => newHandler({ env: { VERIFY_WITH_ADOBE: 'maybe' } })(SCHEDULED_EVENT));

    expect(error!.message).toContain('VERIFY_WITH_ADOBE: must be true or false (default true); got "maybe"');
    expect(world.emulators.flowService.requests).toHaveLength(0);
  });
});
