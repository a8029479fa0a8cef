/**
 * Proving each rotation from Adobe's side: after the PATCH, Flow Service lists what the connection
 * reads with the credentials it now holds, and reads a file the listing shows; a dry run asks with
 * what it holds before anything changes.
 */
import { describe, expect, it } from 'vitest';
import { flowProblem } from '../../../emulators/flow-service.js';
import type { RecordedRequest } from '../../../emulators/types.js';
import { WORLD_LEDGER_TABLE } from '../../../emulators/world.js';
import { RotationLedger } from '../../../lambda/ledger.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { captureOutput, connectionRequests, settle, useHarness, SCHEDULED_EVENT } from '../../support/index.js';

const start = useHarness();

const callOf = (request: RecordedRequest) => (request.path.endsWith('/explore') ? 'EXPLORE' : request.method);
const explores = (requests: RecordedRequest[]) => requests.filter((request) => request.path.endsWith('/explore'));
/** S3's refusal, as Flow Service relays it (the emulator's own wording). */
const refusedByS3 = flowProblem(
  400,
  '1100-400',
  'The request could not be processed. Flow provider error: Amazon S3 answered AccessDenied: Access Denied',
);
/** The folder every world connection declares by default: `acme-ingest-<index>/exports/<sandbox>`. */
const FOLDER = '/acme-ingest-0/exports/prod/';
const KMS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
/** A role that may do anything in S3, and nothing in KMS. */
const S3_ONLY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
});

describe('after every successful PATCH', () => {
  it('lists the folder the connection declares, with the same Platform headers: listed, and with nothing listed, read not proven', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const id = world.connectionIds[0]!;

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary.results[0]).toMatchObject({
      status: 'rotated',
      adobeVerified: true,
      adobeCanList: true,
      adobeReadUnproven: 'listed-nothing',
      exploreForm: 'absolute',
      etag: world.connection(id).etag,
    });
    expect(summary.results[0]).not.toHaveProperty('adobeCanRead');
    const requests = connectionRequests(world.emulators.flowService.requests);
    expect(requests.map(callOf)).toEqual(['GET', 'PATCH', 'EXPLORE']);
    const [get, , explore] = requests;
    expect(explore!.path).toBe(`/connections/${id}/explore`);
    expect(explore!.query).toEqual({ objectType: 'folder', object: FOLDER });
    for (const header of ['authorization', 'x-api-key', 'x-gw-ims-org-id', 'x-sandbox-name'])
      expect(explore!.headers[header]).toBe(get!.headers[header]);
  });

  it('reads the first file the listing shows, by a preview of its type: adobeCanRead', async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod', objects: ['2026/old.csv', 'notes.md', 'orders.json'] }],
    });

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary.results[0]).toMatchObject({
      status: 'rotated',
      adobeVerified: true,
      adobeCanList: true,
      adobeCanRead: true,
    });
    expect(summary.results[0]).not.toHaveProperty('adobeReadUnproven');
    const explored = explores(world.emulators.flowService.requests).map((request) => request.query);
    expect(explored).toEqual([
      { objectType: 'folder', object: FOLDER },
      { objectType: 'file', object: `${FOLDER}orders.json`, fileType: 'json', preview: 'true' },
    ]);
  });

  it('says read was not proven when the listing shows no file Adobe can preview', async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod', objects: ['2026/orders.csv', 'notes.md'] }],
    });

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary.results[0]).toMatchObject({
      status: 'rotated',
      adobeVerified: true,
      adobeReadUnproven: 'no-previewable-file',
    });
    expect(explores(world.emulators.flowService.requests)).toHaveLength(1);
  });

  it("fails the entry when Adobe lists but cannot read a file: the SSE-KMS key is the role's blind spot, and the advice says so", async () => {
    const { world, newHandler } = await start({
      connections: [
        { sandboxName: 'prod', objects: ['orders.csv'], objectsKmsKeyArn: KMS_KEY, rolePermissions: S3_ONLY },
        { sandboxName: 'prod' },
      ],
    });
    const id = world.connectionIds[0]!;

    const summary = await newHandler()(SCHEDULED_EVENT);

    const entry = summary.results[0]!;
    expect(entry).toMatchObject({
      status: 'failed',
      errorCode: '1100-400',
      adobeVerified: true,
      adobeCanList: true,
      adobeCanRead: false,
      etag: world.connection(id).etag,
    });
    expect(entry.error).toMatch(
      /^the connection now holds the new credentials \(etag "[^"]+"\), but Adobe listed s3:\/\/acme-ingest-0\/exports\/prod\/ but could not read s3:\/\/acme-ingest-0\/exports\/prod\/orders\.csv with them, so ingestion would fail; check s3:GetObject on the objects/,
    );
    expect(entry.error).toContain("kms:Decrypt on the bucket's key");
    expect(entry.error).toContain("(kms:Decrypt on the object's SSE-KMS key)");
    expect(summary.results[1]).toMatchObject({ status: 'rotated' });
  });

  it("fails the entry when Adobe cannot list with the new credentials, which are nonetheless in place: its etag is the PATCH's", async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod' }] });
    const [refused, fine] = world.connectionIds as [string, string];
    world.emulators.flowService.injectFault({
      match: { path: `/connections/${refused}/explore` },
      kind: 'respond',
      status: 400,
      body: refusedByS3,
    });
    const capture = captureOutput();

    const summary = await newHandler()(SCHEDULED_EVENT);
    capture.restore();

    // The other connection rotated, so the scheduled run resolves; the refused one counts as failed.
    expect(summary).toMatchObject({ rotated: 1, failed: 1 });
    const entry = summary.results[0]!;
    const stored = world.connection(refused);
    expect(entry).toMatchObject({
      connectionId: refused,
      status: 'failed',
      errorCode: '1100-400',
      adobeVerified: false,
      etag: stored.etag,
      attempts: 1,
    });
    expect(entry.heldCredentialsExpireAt).toBe(entry.expiresAt);
    expect(entry).toMatchObject({ adobeCanList: false });
    expect(entry.error).toMatch(
      /^the connection now holds the new credentials \(etag "[^"]+"\), but Adobe could not list s3:\/\/acme-ingest-0\/exports\/prod\/ with them, so ingestion would fail; check s3:ListBucket/,
    );
    expect(entry.error).toContain('Amazon S3 answered AccessDenied: Access Denied');
    // A refused listing is about listing: no KMS advice, and S3's refusal is not a path to try again in the other form.
    expect(entry.error).not.toContain('kms');
    expect(
      explores(world.emulators.flowService.requests).filter((request) => request.path.includes(refused)),
    ).toHaveLength(1);
    expect(entry).not.toHaveProperty('transient');
    // The new set is in place and works; it was not rotated again in the run.
    expect(await world.callerIdentityOf(refused)).toMatch(/assumed-role/);
    expect(
      world.emulators.flowService.requests.filter(
        (request) => request.method === 'PATCH' && request.path === `/connections/${refused}`,
      ),
    ).toHaveLength(1);
    expect(summary.results[1]).toMatchObject({ connectionId: fine, status: 'rotated', adobeVerified: true });
    // Each connection reports its own outcome: the refused one failed, though its PATCH landed.
    const metrics = capture.jsonLines().filter((line) => '_aws' in line && 'connectionId' in line);
    const failedBy = Object.fromEntries(metrics.map((line) => [line.connectionId, line.RotationFailed]));
    expect(failedBy).toEqual({ [refused]: 1, [fine]: 0 });
  });

  it("retries Adobe's 5xx on the explore through got, like any request", async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    world.emulators.flowService.injectFault({
      match: { path: /\/explore$/ },
      kind: 'respond',
      status: 503,
      body: flowProblem(503, '1103-503', 'try again'),
    });

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary.results[0]).toMatchObject({ status: 'rotated', adobeVerified: true });
    expect(explores(world.emulators.flowService.requests)).toHaveLength(2);
  });

  it('asks Adobe once more at the end of the run when it did not answer the explore, without minting or patching again', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const id = world.connectionIds[0]!;
    // 1 + retryLimit 2 (FAST_HTTP_POLICY): every explore of the first attempt gets 503.
    world.emulators.flowService.injectFault({
      match: { path: /\/explore$/ },
      kind: 'respond',
      status: 503,
      body: flowProblem(503, '1103-503', 'try again'),
      times: 3,
    });

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary).toMatchObject({ rotated: 1, failed: 0 });
    expect(summary.results[0]).toMatchObject({
      status: 'rotated',
      adobeVerified: true,
      attempts: 2,
      etag: world.connection(id).etag,
    });
    expect(connectionRequests(world.emulators.flowService.requests).map(callOf)).toEqual([
      'GET',
      'PATCH',
      'EXPLORE',
      'EXPLORE',
      'EXPLORE',
      'EXPLORE',
    ]);
    expect(world.emulators.sts.requests.filter((request) => request.action === 'AssumeRole')).toHaveLength(1);
  });

  it('tells an explore Adobe never answered from a refusal: transient, and no claim that ingestion would fail', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod' }] });
    const [unanswered] = world.connectionIds as [string, string];
    world.emulators.flowService.injectFault({
      match: { path: `/connections/${unanswered}/explore` },
      kind: 'respond',
      status: 503,
      body: flowProblem(503, '1103-503', 'try again'),
      times: 99,
    });

    const summary = await newHandler()(SCHEDULED_EVENT);

    const entry = summary.results[0]!;
    expect(entry).toMatchObject({
      status: 'failed',
      errorCode: '1103-503',
      transient: true,
      attempts: 2,
      adobeVerified: false,
      etag: world.connection(unanswered).etag,
    });
    expect(entry.heldCredentialsExpireAt).toBe(entry.expiresAt);
    expect(entry.error).toMatch(
      /^the connection now holds the new credentials \(etag "[^"]+"\), but Adobe could not list or read with them because Flow Service did not answer, which says nothing about the bucket: /,
    );
    expect(entry.error).not.toContain('ingestion would fail');
    // One PATCH: the new set is in place, only Adobe's check was asked again.
    expect(
      world.emulators.flowService.requests.filter(
        (request) => request.method === 'PATCH' && request.path === `/connections/${unanswered}`,
      ),
    ).toHaveLength(1);
    expect(await world.callerIdentityOf(unanswered)).toMatch(/assumed-role/);
  });
  it("says the deadline stopped Adobe's check, not that Adobe refused, when the explore outlasts the invocation", async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const id = world.connectionIds[0]!;
    world.emulators.flowService.injectFault({ match: { path: /\/explore$/ }, kind: 'delay', ms: 120_000, times: 99 });
    // Lambda's clock: 1.5 s left; the deadline stops requests 0.5 s before it.
    const endsAt = Date.now() + 1_500;
    const context = { getRemainingTimeInMillis: () => endsAt - Date.now() };

    const summary = await newHandler({ deadlineMargins: { startMs: 100, stopMs: 500 } })(
      { connectionIds: [id] },
      context as never,
    );

    expect(Date.now()).toBeLessThan(endsAt);
    expect(summary.results[0]).toMatchObject({
      status: 'failed',
      errorCode: 'OUT_OF_TIME',
      adobeVerified: false,
      etag: world.connection(id).etag,
      attempts: 1,
    });
    expect(summary.results[0]!.error).toMatch(
      /^the connection now holds the new credentials \(etag "[^"]+"\), but the invocation reached its deadline before Adobe answered whether it can list and read with them$/,
    );
    expect(world.emulators.flowService.requests.filter((request) => request.method === 'PATCH')).toHaveLength(1);
  });
});

describe('the two path conventions', () => {
  const ledgerOf = (world: { env: Record<string, string> }) =>
    new RotationLedger(
      new DynamoDBClient({ endpoint: world.env.AWS_ENDPOINT_URL_DYNAMODB, region: world.env.AWS_REGION }),
      WORLD_LEDGER_TABLE,
    );

  it('tries the relative form once when Adobe refuses the absolute one as a path, without another PATCH, and the ledger remembers it for the next run', async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod', explorePaths: 'relative', objects: ['orders.csv'] }],
    });
    const id = world.connectionIds[0]!;

    const first = await newHandler()(SCHEDULED_EVENT);
    const firstExplores = explores(world.emulators.flowService.requests).map((request) => request.query);
    const remembered = await ledgerOf(world).get(id);
    world.emulators.flowService.requests.length = 0;
    const second = await newHandler()(SCHEDULED_EVENT);

    expect(first.results[0]).toMatchObject({
      status: 'rotated',
      adobeCanList: true,
      adobeCanRead: true,
      exploreForm: 'relative',
    });
    expect(firstExplores).toEqual([
      { objectType: 'folder', object: FOLDER },
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
  });

  it('fails, naming both forms, when Adobe refuses the path either way', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const invalidPath = flowProblem(
      400,
      '1100-400',
      'Invalid request: object is not a path this connection can explore.',
    );
    world.emulators.flowService.injectFault({
      match: { path: /\/explore$/ },
      kind: 'respond',
      status: 400,
      body: invalidPath,
      times: 2,
    });

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
      FOLDER,
      '/',
    ]);
  });

  it("reports S3's refusal, not the path's, when the other form reaches S3 and is refused", async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const invalidPath = flowProblem(
      400,
      '1100-400',
      'Invalid request: object is not a path this connection can explore.',
    );
    world.emulators.flowService.injectFault({
      match: { path: /\/explore$/ },
      kind: 'respond',
      status: 400,
      body: invalidPath,
    });
    world.emulators.flowService.injectFault({
      match: { path: /\/explore$/ },
      kind: 'respond',
      status: 400,
      body: refusedByS3,
    });

    const summary = await newHandler()({ connectionIds: world.connectionIds });

    expect(summary.results[0]).toMatchObject({ status: 'failed', adobeCanList: false, errorCode: '1100-400' });
    expect(summary.results[0]!.error).toContain('Amazon S3 answered AccessDenied');
    expect(summary.results[0]!.error).not.toContain('both absolute and relative');
  });

  it('asks only the absolute form of a connection that declares no bucket of its own: there is nowhere for a relative path to start', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod', connectionBucketName: null }] });

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary.results[0]).toMatchObject({ status: 'rotated', adobeVerified: true, exploreForm: 'absolute' });
    expect(explores(world.emulators.flowService.requests).map((request) => request.query)).toEqual([
      { objectType: 'root' },
    ]);
  });
});

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
    expect(connectionRequests(world.emulators.flowService.requests).map(callOf)).toEqual(['GET', 'EXPLORE']);
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

  it("a target entry's verifyWithAdobe: false sends no explore for that connection alone (a created role without its folder)", async () => {
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
  });

  it('refuses a VERIFY_WITH_ADOBE that is not a boolean before touching anything', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });

    const { error } = await settle(() => newHandler({ env: { VERIFY_WITH_ADOBE: 'maybe' } })(SCHEDULED_EVENT));

    expect(error!.message).toContain('VERIFY_WITH_ADOBE: must be true or false (default true); got "maybe"');
    expect(world.emulators.flowService.requests).toHaveLength(0);
  });
});

describe("the bucket's owner (bucketAccount)", () => {
  it('lets Adobe read the bucket its account owns: the session policy STS received requires s3:ResourceAccount', async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod', bucketName: 'acme-aep-landing', bucketAccount: '123456789012' }],
    });

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary.results[0]).toMatchObject({ status: 'rotated', adobeVerified: true });
    const held = world.connection(world.connectionIds[0]!).params.s3AccessKey!;
    const policy = JSON.parse(world.emulators.sts.policyOf(held)!);
    expect(policy.Statement[1].Condition.StringEquals).toEqual({ 's3:ResourceAccount': '123456789012' });
  });

  it('keeps a bucket of the same name in another account unreadable: Adobe is refused, and the entry fails', async () => {
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
