/**
 * What Adobe is asked to explore: the folder in either of Flow Service's two path conventions
 * (absolute, or relative to the connection's own folder), remembered in the ledger; and the bucket's
 * owner, which the credentials' session policy pins.
 */
import { describe, expect, it } from 'vitest';
import {
  exploreAnswer,
  explores,
  INVALID_EXPLORE_PATH,
  REFUSED_BY_S3,
  SCHEDULED_EVENT,
  useLedgerHarness,
  FIRST_CONNECTION_FOLDER,
} from '../../support/index.js';

const start = useLedgerHarness();

describe('the two path conventions', () => {
  it(
    'tries the relative form once when Adobe refuses the absolute one as a path, without another PATCH, and the ' +
      'ledger remembers it for the next run',
    async () => {
      const { world, newHandler, ledger } = await start({
        connections: [{ sandboxName: 'prod', explorePaths: 'relative', objects: ['orders.csv'] }],
      });
      const id = world.connectionIds[0]!;

      const first = await newHandler()(SCHEDULED_EVENT);
      const firstExplores = explores(world.emulators.flowService.requests).map((request) => request.query);
      const remembered = await ledger.get(id);
      world.emulators.flowService.requests.length = 0;
      const second = await newHandler()(SCHEDULED_EVENT);

      expect(first.results[0]).toMatchObject({
        status: 'rotated',
        adobeCanList: true,
        adobeCanRead: true,
        exploreForm: 'relative',
      });
      expect(firstExplores).toEqual([
        { objectType: 'folder', object: FIRST_CONNECTION_FOLDER },
        { objectType: 'folder', object: '/' },
        { objectType: 'file', object: '/orders.csv', fileType: 'delimited', preview: 'true' },
      ]);
      expect(world.emulators.flowService.requests.filter((request) => request.method === 'PATCH')).toHaveLength(1);
      expect(remembered?.exploreForm).toBe('relative');
      expect(remembered?.lastRotation).toMatchObject({ adobeVerified: true, adobeCanRead: true });
      // The next run asks in the remembered form first.
      expect(second.results[0]).toMatchObject({ status: 'rotated', exploreForm: 'relative' });
      expect(explores(world.emulators.flowService.requests).map((request) => request.query.object)).toEqual([
        '/',
        '/orders.csv',
      ]);
    },
  );

  it('fails, naming both forms, when Adobe refuses the path either way', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    world.emulators.flowService.injectFault(exploreAnswer(INVALID_EXPLORE_PATH, { times: 2 }));

    const summary = await newHandler()({ connectionIds: world.connectionIds });

    expect(summary.results[0]).toMatchObject({
      status: 'failed',
      adobeVerified: false,
      adobeCanList: false,
      errorCode: '1100-400',
    });
    expect(summary.results[0]!.error).toContain(
      "(Adobe refused the path both absolute and relative to the connection's own folder)",
    );
    expect(explores(world.emulators.flowService.requests).map((request) => request.query.object)).toEqual([
      FIRST_CONNECTION_FOLDER,
      '/',
    ]);
  });

  it("reports S3's refusal, not the path's, when the other form reaches S3 and is refused", async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    world.emulators.flowService.injectFault(exploreAnswer(INVALID_EXPLORE_PATH));
    world.emulators.flowService.injectFault(exploreAnswer(REFUSED_BY_S3));

    const summary = await newHandler()({ connectionIds: world.connectionIds });

    expect(summary.results[0]).toMatchObject({ status: 'failed', adobeCanList: false, errorCode: '1100-400' });
    expect(summary.results[0]!.error).toContain('Amazon S3 answered AccessDenied');
    expect(summary.results[0]!.error).not.toContain('both absolute and relative');
  });

  it(
    'asks only the absolute form of a connection that declares no bucket of its own: there is nowhere for a ' +
      'relative path to start',
    async () => {
      const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod', connectionBucketName: null }] });

      const summary = await newHandler()(SCHEDULED_EVENT);

      expect(summary.results[0]).toMatchObject({ status: 'rotated', adobeVerified: true, exploreForm: 'absolute' });
      expect(explores(world.emulators.flowService.requests).map((request) => request.query)).toEqual([
        { objectType: 'root' },
      ]);
    },
  );
});

describe("the bucket's owner (bucketAccount)", () => {
  it('lets Adobe read the bucket its account owns: the session policy requires s3:ResourceAccount', async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod', bucketName: 'acme-aep-landing', bucketAccount: '123456789012' }],
    });

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary.results[0]).toMatchObject({ status: 'rotated', adobeVerified: true });
    const held = world.connection(world.connectionIds[0]!).params.s3AccessKey!;
    const policy = JSON.parse(world.emulators.sts.policyOf(held)!);
    expect(policy.Statement[1].Condition.StringEquals).toEqual({ 's3:ResourceAccount': '123456789012' });
  });

  it('keeps a same-named bucket in another account unreadable: Adobe is refused, and the entry fails', async () => {
    const { newHandler } = await start({
      connections: [
        {
          sandboxName: 'prod',
          bucketName: 'acme-aep-landing',
          bucketAccount: '123456789012',
          bucketOwner: '999988887777',
        },
      ],
    });

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary.results[0]).toMatchObject({ status: 'failed', adobeVerified: false });
    expect(summary.results[0]!.error).toContain('AccessDenied');
  });
});
