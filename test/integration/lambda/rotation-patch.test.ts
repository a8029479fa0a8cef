/**
 * The rotation engine end to end, steps 4 and 5: the new credentials tested before they are
 * promoted, then the one JSON Patch of the three credential params with `If-Match`.
 */
import { describe, expect, it } from 'vitest';
import { byAction, byMethod, SCHEDULED_EVENT, signerKeyOf, useHarness } from '../../support/index.js';

const start = useHarness();

describe('step 4: test before promote', () => {
  it('calls GetCallerIdentity signed with the new credentials before patching', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });

    await newHandler()(SCHEDULED_EVENT);

    const newKey = world.connection(world.connectionIds[0]!).params.s3AccessKey;
    const verification = byAction(world.emulators.sts.requests, 'GetCallerIdentity').find(
      (request) => signerKeyOf(request) === newKey,
    );
    const [patch] = byMethod(world.emulators.flowService.requests, 'PATCH');
    expect(verification).toBeDefined();
    expect(verification!.receivedAt).toBeLessThanOrEqual(patch!.receivedAt);
  });

  it('never pushes credentials that fail verification', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod' }] });
    world.emulators.sts.mintUnverifiableCredentials(1);
    const before = world.connectionIds.map((id) => world.connection(id));

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary).toMatchObject({ rotated: 1, failed: 1 });
    const failed = summary.results.find((result) => result.status === 'failed')!;
    expect(failed).toMatchObject({ errorCode: 'CREDENTIALS_UNVERIFIED', attempts: 1 });
    expect(failed.error).toContain('the new credentials failed GetCallerIdentity');
    const patched = byMethod(world.emulators.flowService.requests, 'PATCH');
    expect(patched).toHaveLength(1);
    const untouched = before.filter((connection) => world.connection(connection.id).etag === connection.etag);
    expect(untouched).toHaveLength(1);
    expect(world.connection(untouched[0]!.id).params).toEqual(untouched[0]!.params);
  });
});

describe('step 5: the PATCH', () => {
  it('replaces the three credential params in one JSON Patch, with If-Match exactly as GET returned it', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const id = world.connectionIds[0]!;
    const etagBefore = world.connection(id).etag;

    const summary = await newHandler()(SCHEDULED_EVENT);

    const after = world.connection(id);
    const [patch] = byMethod(world.emulators.flowService.requests, 'PATCH');
    expect(patch!.headers['if-match']).toBe(etagBefore);
    expect(etagBefore).toMatch(/^"[0-9a-f-]+"$/);
    expect(patch!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(patch!.body)).toEqual([
      { op: 'replace', path: '/auth/params/s3AccessKey', value: after.params.s3AccessKey },
      { op: 'replace', path: '/auth/params/s3SecretKey', value: after.params.s3SecretKey },
      { op: 'replace', path: '/auth/params/s3SessionToken', value: after.params.s3SessionToken },
    ]);
    expect(after.params.s3AccessKey).toMatch(/^ASIA/);
    expect(summary.results[0]).toEqual({
      connectionId: id,
      sandboxName: 'prod',
      status: 'rotated',
      previousEtag: etagBefore,
      etag: after.etag,
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      // The set the connection now holds, by the id CloudTrail and S3's logs name it with.
      accessKeyId: after.params.s3AccessKey,
      attempts: 1,
      narrowedTo: 's3://acme-ingest-0/exports/prod/',
      narrowedFrom: 'connection',
      adobeVerified: true,
      adobeCanList: true,
      adobeReadUnproven: 'listed-nothing',
      exploreForm: 'absolute',
      // Nothing reads the connection yet: no dataflow, none failed.
      dataflows: 0,
      dataflowRunsFailed: 0,
    });
    expect(after.etag).not.toBe(etagBefore);
  });

  it('adds the session token param to a connection created without one', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod', withSessionToken: false }] });

    await newHandler()(SCHEDULED_EVENT);

    const [patch] = byMethod(world.emulators.flowService.requests, 'PATCH');
    expect(JSON.parse(patch!.body).map((op: { op: string; path: string }) => `${op.op} ${op.path}`)).toEqual([
      'replace /auth/params/s3AccessKey',
      'replace /auth/params/s3SecretKey',
      'add /auth/params/s3SessionToken',
    ]);
    expect(world.connection(world.connectionIds[0]!).params.s3SessionToken).toBeTruthy();
  });

  it('adds the secret params when GET omits them instead of masking them', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    world.emulators.flowService.setSecretParamsInGet('omitted');

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary.rotated).toBe(1);
    const [patch] = byMethod(world.emulators.flowService.requests, 'PATCH');
    expect(JSON.parse(patch!.body).map((op: { op: string }) => op.op)).toEqual(['replace', 'add', 'add']);
  });
});
