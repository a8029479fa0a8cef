/**
 * `PATCH /connections/{id}` on the Flow Service emulator: JSON Patch of a connection's params with
 * `If-Match` (optimistic concurrency on Adobe's quoted etags), and what Adobe refuses.
 */
import { describe, expect, it } from 'vitest';
import type { FlowServiceEmulator } from '../../../emulators/types.js';
import { codeOf, detailOf } from '../../support/emulator-clients.js';
import {
  type ConnectionItem,
  ETAG_FORMAT,
  FLOW_CLIENT as CLIENT,
  FLOW_CONNECTION_ID as CONNECTION_ID,
  FLOW_NEW_CREDENTIALS as NEW_CREDENTIALS,
  FLOW_ORG as ORG,
  FLOW_PARAMS as PARAMS,
  type FlowServiceStart,
  flowServiceTestWorld,
} from '../../support/flow-service-world.js';

let flow: FlowServiceEmulator;
let api: FlowServiceStart['api'];
let headers: FlowServiceStart['headers'];
const { seed, getConnection, currentEtag, patchConnection } = flowServiceTestWorld((start) => {
  ({ flow, api, headers } = start);
});

describe('Flow Service emulator PATCH /connections/{id}', () => {
  it('replaces the three credentials in one write and answers the id and a new quoted etag', async () => {
    // Prepare
    const seeded = seed();
    const etag = await currentEtag();

    // Act
    const response = await patchConnection(NEW_CREDENTIALS, etag);

    // Assess
    expect(response.statusCode).toBe(200);
    const body = response.body as { id: string; etag: string };
    expect(body.id).toBe(CONNECTION_ID);
    expect(body.etag).toMatch(ETAG_FORMAT);
    expect(body.etag).not.toBe(etag);
    const stored = flow.getConnection(CONNECTION_ID)!;
    expect(stored.params).toEqual({
      ...PARAMS,
      s3AccessKey: 'ASIANEWACCESSKEY0002',
      s3SecretKey: 'new-secret-key-value-1111111111111111111',
      s3SessionToken: 'new-session-token-value-IQoJb3JpZ2luX2VjF',
    });
    expect(stored.etag).toBe(body.etag);
    expect(stored.etagHistory).toEqual([etag, body.etag]);
    expect(stored.version).toBe(seeded.version + 1);
    expect(stored.updatedBy).toBe(`${CLIENT.clientId}@AdobeID`);
    expect(stored.updatedAt).toBeGreaterThanOrEqual(seeded.updatedAt);
    expect(await currentEtag()).toBe(body.etag);
  });

  it('gives every write a new etag', async () => {
    // Prepare
    seed();

    // Act
    for (let write = 0; write < 3; write += 1) {
      const response = await patchConnection(
        [{ op: 'replace', path: '/name', value: `name ${write}` }],
        await currentEtag(),
      );
      expect(response.statusCode).toBe(200);
    }

    // Assess
    const { etagHistory } = flow.getConnection(CONNECTION_ID)!;
    expect(etagHistory).toHaveLength(4);
    expect(new Set(etagHistory).size).toBe(4);
  });

  it('rejects a stale etag with 1404-412 naming both versions and changes nothing', async () => {
    // Prepare
    seed();
    const stale = await currentEtag();
    await patchConnection([{ op: 'replace', path: '/description', value: 'edited elsewhere' }], stale);
    const before = flow.getConnection(CONNECTION_ID)!;

    // Act
    const response = await patchConnection(NEW_CREDENTIALS, stale);

    // Assess
    expect(response.statusCode).toBe(412);
    expect(codeOf(response.body)).toBe('1404-412');
    expect(detailOf(response.body)).toBe(
      `Supplied version=[${stale}] does not match the current version on entity=[${before.etag}]`,
    );
    expect(flow.getConnection(CONNECTION_ID)).toEqual(before);
  });

  it('compares If-Match exactly as sent, so the etag without its quotes is stale', async () => {
    // Prepare
    seed();
    const etag = await currentEtag();

    // Act
    const response = await patchConnection(NEW_CREDENTIALS, etag.slice(1, -1));

    // Assess
    expect(response.statusCode).toBe(412);
    expect(codeOf(response.body)).toBe('1404-412');
  });

  it('lets another writer land before the next PATCHes so the etag a GET returned is stale', async () => {
    // Prepare
    seed();
    flow.concurrentEditBeforePatch(CONNECTION_ID, 2);

    // Act
    const first = await patchConnection(NEW_CREDENTIALS, await currentEtag());
    const second = await patchConnection(NEW_CREDENTIALS, await currentEtag());
    const third = await patchConnection(NEW_CREDENTIALS, await currentEtag());

    // Assess
    expect([first.statusCode, second.statusCode, third.statusCode]).toEqual([412, 412, 200]);
    const stored = flow.getConnection(CONNECTION_ID)!;
    expect(stored.etagHistory).toHaveLength(4); // seed, two concurrent edits, our write
    expect(stored.params.s3AccessKey).toBe('ASIANEWACCESSKEY0002');
  });

  it('adds and removes auth params, decoding JSON Pointer escapes', async () => {
    // Prepare: a spec the emulator does not know, whose params it does not check (1365-400)
    seed({
      specName: 'Custom Auth',
      params: { s3AccessKey: PARAMS.s3AccessKey, s3SecretKey: PARAMS.s3SecretKey, folderPath: 'x' },
    });

    // Act
    const response = await patchConnection(
      [
        { op: 'add', path: '/auth/params/s3SessionToken', value: 'added-session-token' },
        { op: 'add', path: '/auth/params/a~1b~0c', value: 'escaped' },
        { op: 'remove', path: '/auth/params/folderPath' },
      ],
      await currentEtag(),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(flow.getConnection(CONNECTION_ID)!.params).toEqual({
      s3AccessKey: PARAMS.s3AccessKey,
      s3SecretKey: PARAMS.s3SecretKey,
      s3SessionToken: 'added-session-token',
      'a/b~c': 'escaped',
    });
  });

  it('updates the name and description', async () => {
    // Prepare
    seed();

    // Act
    await patchConnection(
      [
        { op: 'replace', path: '/name', value: 'Renamed' },
        { op: 'replace', path: '/description', value: 'Rotated hourly' },
      ],
      await currentEtag(),
    );
    const item = ((await getConnection()).body as { items: ConnectionItem[] }).items[0]!;

    // Assess
    expect(item).toMatchObject({ name: 'Renamed', description: 'Rotated hourly' });
  });

  it('applies all operations or none: one bad operation leaves the connection unchanged', async () => {
    // Prepare
    const seeded = seed({ params: { s3AccessKey: PARAMS.s3AccessKey, s3SecretKey: PARAMS.s3SecretKey } });

    // Act
    const response = await patchConnection(
      [
        { op: 'replace', path: '/auth/params/s3AccessKey', value: 'ASIANEWACCESSKEY0002' },
        { op: 'replace', path: '/auth/params/s3SecretKey', value: 'new-secret' },
        { op: 'replace', path: '/auth/params/s3SessionToken', value: 'no such param yet' },
      ],
      seeded.etag,
    );

    // Assess
    expect(response.statusCode).toBe(400);
    expect(codeOf(response.body)).toBe('1455-400');
    expect(flow.getConnection(CONNECTION_ID)).toEqual(seeded);
  });

  it('requires If-Match (1403-400)', async () => {
    // Prepare
    const seeded = seed();

    // Act
    const response = await patchConnection(NEW_CREDENTIALS, undefined);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(codeOf(response.body)).toBe('1403-400');
    expect(flow.getConnection(CONNECTION_ID)).toEqual(seeded);
  });

  it("requires application/json, refused as Adobe's guide shows: RFC 7807, a placeholder type, no code", async () => {
    // Prepare
    const seeded = seed();

    // Act
    const response = await api.patch(`connections/${CONNECTION_ID}`, {
      headers: { ...headers, 'if-match': seeded.etag, 'content-type': 'text/plain' },
      body: JSON.stringify(NEW_CREDENTIALS),
    });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body).toEqual({
      type: '/placeholder/type/uri',
      title: 'BadRequestError',
      status: 400,
      detail: 'Content-Type text/plain is not supported: use application/json.',
    });
    expect(flow.getConnection(CONNECTION_ID)).toEqual(seeded);
  });

  it('rejects an empty body with 1405-400', async () => {
    // Prepare
    const seeded = seed();

    // Act
    const response = await api.patch(`connections/${CONNECTION_ID}`, {
      headers: { ...headers, 'if-match': seeded.etag, 'content-type': 'application/json' },
      body: '',
    });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(codeOf(response.body)).toBe('1405-400');
  });

  it.each<[string, unknown, string]>([
    ['a body that is not JSON', '[{"op": "replace",', '1455-400'],
    [
      'a single patch object instead of an array (the SPEC shape)',
      { op: 'replace', path: '/name', value: 'x' },
      '1455-400',
    ],
    ['an empty patch array', [], '1455-400'],
    ['an entry that is not an object', ['replace'], '1455-400'],
    ['upper-case ops (the SPEC shape)', [{ op: 'REPLACE', path: '/name', value: 'x' }], '1455-400'],
    ['a move op', [{ op: 'move', from: '/name', path: '/description' }], '1455-400'],
    ['a test op', [{ op: 'test', path: '/name', value: 'x' }], '1455-400'],
    ['a missing path', [{ op: 'replace', value: 'x' }], '1455-400'],
    ['a path that is not a JSON Pointer', [{ op: 'replace', path: 'auth/params/s3SecretKey', value: 'x' }], '1455-400'],
    ['a bad JSON Pointer escape', [{ op: 'add', path: '/auth/params/a~2b', value: 'x' }], '1455-400'],
    ['a path outside the patchable fields', [{ op: 'replace', path: '/state', value: 'disabled' }], '1455-400'],
    ['the auth spec name', [{ op: 'replace', path: '/auth/specName', value: 'IAMRole Based' }], '1455-400'],
    ['the whole params object', [{ op: 'replace', path: '/auth/params', value: '{}' }], '1455-400'],
    ['a replace without a value', [{ op: 'replace', path: '/auth/params/s3SecretKey' }], '1455-400'],
    ['a value that is not a string', [{ op: 'replace', path: '/auth/params/s3SecretKey', value: 42 }], '1455-400'],
    [
      'an add of a param the connection spec does not have',
      [{ op: 'add', path: '/auth/params/serviceUrl', value: 'x' }],
      '1365-400',
    ],
    [
      'a replace of a param the connection spec does not have',
      [{ op: 'replace', path: '/auth/params/serviceUrl', value: 'x' }],
      '1365-400',
    ],
    [
      'a remove of a param the connection spec does not have',
      [{ op: 'remove', path: '/auth/params/serviceUrl' }],
      '1365-400',
    ],
    ['the connection spec', [{ op: 'replace', path: '/connectionSpec/id', value: 'x' }], '1414-400'],
    ['the whole connection spec', [{ op: 'replace', path: '/connectionSpec', value: 'x' }], '1414-400'],
  ])('rejects %s and changes nothing', async (_name, body, errorCode) => {
    // Prepare
    const seeded = seed();

    // Act
    const response = await api.patch(`connections/${CONNECTION_ID}`, {
      headers: { ...headers, 'if-match': seeded.etag, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(codeOf(response.body)).toBe(errorCode);
    expect(flow.getConnection(CONNECTION_ID)).toEqual(seeded);
  });

  it.each([
    ['replace', [{ op: 'replace', path: '/auth/params/s3SessionToken', value: 'x' }]],
    ['remove', [{ op: 'remove', path: '/auth/params/s3SessionToken' }]],
  ])('rejects a %s of a param the spec has but the connection does not hold with 1455-400', async (_op, body) => {
    // Prepare
    const { s3SessionToken: _token, ...withoutToken } = PARAMS;
    const seeded = seed({ params: withoutToken });

    // Act
    const response = await patchConnection(body, seeded.etag);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(codeOf(response.body)).toBe('1455-400');
    expect(flow.getConnection(CONNECTION_ID)).toEqual(seeded);
  });

  it.each(['failed', 'deleted', 'draft'])('refuses updates while the connection is %s (1416-400)', async (state) => {
    // Prepare
    const seeded = seed({ state });

    // Act
    const response = await patchConnection(NEW_CREDENTIALS, seeded.etag);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(codeOf(response.body)).toBe('1416-400');
    expect(flow.getConnection(CONNECTION_ID)).toEqual(seeded);
  });

  it.each(['enabled', 'disabled', 'initializing'])('accepts updates while the connection is %s', async (state) => {
    // Prepare
    const seeded = seed({ state });

    // Act
    const response = await patchConnection(NEW_CREDENTIALS, seeded.etag);

    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('answers 1445-400 when PATCH is not enabled for the connection, even with a stale etag', async () => {
    // Prepare
    const seeded = seed({ patchEnabled: false });

    // Act
    const current = await patchConnection(NEW_CREDENTIALS, seeded.etag);
    const stale = await patchConnection(NEW_CREDENTIALS, '"00000000-0000-0200-0000-000000000000"');

    // Assess
    expect(codeOf(current.body)).toBe('1445-400');
    expect(codeOf(stale.body)).toBe('1445-400');
    expect(flow.getConnection(CONNECTION_ID)).toEqual(seeded);
  });

  it('answers 1101-404 when patching an unknown connection', async () => {
    // Act
    const response = await patchConnection(
      NEW_CREDENTIALS,
      '"00000000-0000-0200-0000-000000000000"',
      'no-such-connection',
    );

    // Assess
    expect(response.statusCode).toBe(404);
    expect(codeOf(response.body)).toBe('1101-404');
  });

  it('does not let a PATCH from another sandbox touch the connection', async () => {
    // Prepare
    const seeded = seed();
    flow.addSandbox(ORG, 'dev');

    // Act
    const response = await patchConnection(NEW_CREDENTIALS, seeded.etag, CONNECTION_ID, {
      ...headers,
      'x-sandbox-name': 'dev',
    });

    // Assess
    expect(codeOf(response.body)).toBe('1101-404');
    expect(flow.getConnection(CONNECTION_ID)).toEqual(seeded);
  });
});
