/**
 * The connection's own scope: what its `bucketName`/`folderPath` params say it reads narrows the
 * credentials of a target that names no bucket, and a target whose bucket or folder does not
 * contain it fails before anything is minted, while the others rotate.
 */
import { describe, expect, it } from 'vitest';
import { useHarness, SCHEDULED_EVENT } from '../../support/index.js';

const start = useHarness();

describe("the connection's own bucket and folder", () => {
  it('fails a target narrowed to another folder before minting, patches nothing, and rotates the others', async () => {
    const { world, newHandler } = await start({
      connections: [
        {
          sandboxName: 'prod',
          bucketName: 'acme-landing',
          folderPath: 'crm/weekly',
          connectionFolderPath: 'crm/daily',
        },
        { sandboxName: 'prod' },
      ],
    });
    const [mismatched, fine] = world.connectionIds as [string, string];
    const before = world.connection(mismatched);

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary).toMatchObject({ rotated: 1, failed: 1 });
    expect(summary.results[0]).toMatchObject({
      connectionId: mismatched,
      status: 'failed',
      errorCode: 'CONNECTION_SCOPE_MISMATCH',
      attempts: 1,
    });
    expect(summary.results[0]!.error).toBe(
      `connection ${mismatched} reads s3://acme-landing/crm/daily/ (its bucketName and folderPath), ` +
        'but the target narrows its credentials to s3://acme-landing/crm/weekly/, which does not contain it; ' +
        "nothing was minted or patched: change the target's bucketName/folderPath to contain it, or remove them " +
        "(the connection's own are then used)",
    );
    expect(world.connection(mismatched)).toEqual(before);
    // One AssumeRole: the other connection's.
    const assumed = world.emulators.sts.requests
      .filter((request) => request.action === 'AssumeRole')
      .map((request) => new URLSearchParams(request.body).get('RoleArn'));
    expect(assumed).toEqual([world.targets[1]!.roleArn]);
    expect(summary.results[1]).toMatchObject({ connectionId: fine, status: 'rotated' });
  });

  it('reports the mismatch on a dry run, as a failed entry, with nothing minted', async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod', bucketName: 'other-bucket', connectionBucketName: 'acme-landing' }],
    });

    const summary = await newHandler()({ dryRun: true });

    expect(summary.results[0]).toMatchObject({ status: 'failed', errorCode: 'CONNECTION_SCOPE_MISMATCH' });
    expect(summary.results[0]!.error).toContain('reads s3://acme-landing/exports/prod/');
    expect(summary.results[0]!.error).toContain('narrows its credentials to s3://other-bucket/');
    expect(world.emulators.sts.requests).toHaveLength(0);
  });

  it("accepts a target whose bucket contains the connection's folder, and asks Adobe for that folder", async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod', bucketName: 'acme-landing', connectionFolderPath: 'crm/daily' }],
    });

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary.results[0]).toMatchObject({
      status: 'rotated',
      narrowedTo: 's3://acme-landing/',
      narrowedFrom: 'target',
      adobeVerified: true,
    });
    const explored = world.emulators.flowService.requests
      .filter((request) => request.path.endsWith('/explore'))
      .map((request) => request.query.object);
    expect(explored).toEqual(['/acme-landing/crm/daily/']);
  });

  it('lets Adobe list a narrowed folder by its bare name as well as with the slash, as its connector may', async () => {
    const { newHandler } = await start({
      connections: [
        { sandboxName: 'prod', listPrefix: 'without-slash', objects: ['orders.csv'] },
        { sandboxName: 'prod', listPrefix: 'with-slash', objects: ['orders.csv'] },
      ],
    });

    const summary = await newHandler()(SCHEDULED_EVENT);

    for (const result of summary.results) {
      expect(result).toMatchObject({
        status: 'rotated',
        narrowedFrom: 'connection',
        adobeCanList: true,
        adobeCanRead: true,
      });
    }
  });
});
