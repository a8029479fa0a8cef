/**
 * Proving each rotation from Adobe's side: after the PATCH, Flow Service lists what the connection
 * reads with the credentials it now holds, and reads a file the listing shows.
 * (The path forms and the bucket's owner: adobe-explore-paths.test.ts; a dry run and the off switch:
 * adobe-verification-modes.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import {
  callOf,
  captureOutput,
  connectionCalls,
  connectionRequests,
  exploreAnswer,
  explores,
  FIRST_CONNECTION_FOLDER,
  REFUSED_BY_S3,
  SCHEDULED_EVENT,
  TRY_AGAIN,
  useHarness,
} from '../../support/index.js';

const start = useHarness();
/** How an entry's error starts when its PATCH landed but Adobe's check did not pass (a regular expression). */
const HELD_BUT = String.raw`^the connection now holds the new credentials \(etag "[^"]+"\), but `;
/** A KMS key the bucket's objects are encrypted with. */
const KMS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
/** A role that may do anything in S3, and nothing in KMS. */
const S3_ONLY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
});

describe('after every successful PATCH', () => {
  it(
    'lists the folder the connection declares, with the same Platform headers: listed, and with nothing listed, ' +
      'read not proven',
    async () => {
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
      expect(explore!.query).toEqual({ objectType: 'folder', object: FIRST_CONNECTION_FOLDER });
      for (const header of ['authorization', 'x-api-key', 'x-gw-ims-org-id', 'x-sandbox-name'])
        expect(explore!.headers[header]).toBe(get!.headers[header]);
    },
  );

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
      { objectType: 'folder', object: FIRST_CONNECTION_FOLDER },
      { objectType: 'file', object: `${FIRST_CONNECTION_FOLDER}orders.json`, fileType: 'json', preview: 'true' },
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

  it(
    "fails the entry when Adobe lists but cannot read a file: the SSE-KMS key is the role's blind spot, and the " +
      'advice says so',
    async () => {
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
        new RegExp(
          HELD_BUT +
            String.raw`Adobe listed s3:\/\/acme-ingest-0\/exports\/prod\/ but could not read ` +
            String.raw`s3:\/\/acme-ingest-0\/exports\/prod\/orders\.csv with them, so ingestion would fail; check ` +
            's3:GetObject on the objects',
        ),
      );
      expect(entry.error).toContain("kms:Decrypt on the bucket's key");
      expect(entry.error).toContain("(kms:Decrypt on the object's SSE-KMS key)");
      expect(summary.results[1]).toMatchObject({ status: 'rotated' });
    },
  );

  it(
    'fails the entry when Adobe cannot list with the new credentials, which are nonetheless in place: its etag is ' +
      "the PATCH's",
    async () => {
      const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod' }] });
      const [refused, fine] = world.connectionIds as [string, string];
      world.emulators.flowService.injectFault(exploreAnswer(REFUSED_BY_S3, { connectionId: refused }));
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
        new RegExp(
          HELD_BUT +
            String.raw`Adobe could not list s3:\/\/acme-ingest-0\/exports\/prod\/ with them, so ` +
            'ingestion would fail; check s3:ListBucket',
        ),
      );
      expect(entry.error).toContain('Amazon S3 answered AccessDenied: Access Denied');
      // A refused listing is about listing: no KMS advice, and S3's refusal is not a path to try again in the other
      // form.
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
    },
  );

  it("retries Adobe's 5xx on the explore through got, like any request", async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    world.emulators.flowService.injectFault(exploreAnswer(TRY_AGAIN));

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary.results[0]).toMatchObject({ status: 'rotated', adobeVerified: true });
    expect(explores(world.emulators.flowService.requests)).toHaveLength(2);
  });

  it(
    'asks Adobe once more at the end of the run when it did not answer the explore, without minting or patching ' +
      'again',
    async () => {
      const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
      const id = world.connectionIds[0]!;
      // 1 + retryLimit 2 (FAST_HTTP_POLICY): every explore of the first attempt gets 503.
      world.emulators.flowService.injectFault(exploreAnswer(TRY_AGAIN, { times: 3 }));

      const summary = await newHandler()(SCHEDULED_EVENT);

      expect(summary).toMatchObject({ rotated: 1, failed: 0 });
      expect(summary.results[0]).toMatchObject({
        status: 'rotated',
        adobeVerified: true,
        attempts: 2,
        etag: world.connection(id).etag,
      });
      expect(connectionCalls(world.emulators.flowService.requests)).toEqual([
        'GET',
        'PATCH',
        'EXPLORE',
        'EXPLORE',
        'EXPLORE',
        'EXPLORE',
      ]);
      expect(world.emulators.sts.requests.filter((request) => request.action === 'AssumeRole')).toHaveLength(1);
    },
  );

  it('tells an unanswered explore from a refusal: transient, and no claim that ingestion would fail', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod' }] });
    const [unanswered] = world.connectionIds as [string, string];
    world.emulators.flowService.injectFault(exploreAnswer(TRY_AGAIN, { connectionId: unanswered, times: 99 }));

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
      new RegExp(
        HELD_BUT +
          'Adobe could not list or read with them because Flow Service did not answer, which says nothing ' +
          'about the bucket: ',
      ),
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
  it("says the deadline stopped Adobe's check, not that Adobe refused, when the explore outlasts the run", async () => {
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
      new RegExp(
        HELD_BUT +
          'the invocation reached its deadline before Adobe answered whether it can list and read with ' +
          'them$',
      ),
    );
    expect(world.emulators.flowService.requests.filter((request) => request.method === 'PATCH')).toHaveLength(1);
  });
});
