/**
 * The Flow Service emulator's base connections over real sockets: GET as Adobe shapes it (quoted
 * etags, masked secrets, Adobe's path prefix, routes and methods it does not have), seeding and
 * inspection for tests, and the faults tests inject.
 */
import { describe, expect, it } from 'vitest';
import { MASKED_SECRET_VALUE } from '../../../emulators/flow-service.js';
import { S3_CONNECTION_SPEC_ID, type FlowServiceEmulator } from '../../../emulators/types.js';
import { codeOf, detailOf } from '../../support/emulator-clients.js';
import {
  type ConnectionItem,
  ETAG_FORMAT,
  FLOW_CONNECTION_ID as CONNECTION_ID,
  FLOW_NEW_CREDENTIALS as NEW_CREDENTIALS,
  FLOW_ORG as ORG,
  FLOW_OTHER_CLIENT as OTHER_CLIENT,
  FLOW_PARAMS as PARAMS,
  FLOW_SANDBOX as SANDBOX,
  type FlowServiceStart,
  flowServiceTestWorld,
} from '../../support/flow-service-world.js';

let flow: FlowServiceEmulator;
let api: FlowServiceStart['api'];
let headers: FlowServiceStart['headers'];
const { headersFor, seed, getConnection, patchConnection } = flowServiceTestWorld((start) => {
  ({ flow, api, headers } = start);
});

describe('Flow Service emulator GET /connections/{id}', () => {
  it('returns the base connection as one item with Adobe-shaped metadata and a quoted etag', async () => {
    // Prepare
    const seeded = seed();

    // Act
    const response = await getConnection();

    // Assess
    expect(response.statusCode).toBe(200);
    const { items } = response.body as { items: ConnectionItem[] };
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      id: CONNECTION_ID,
      name: 'Amazon S3 base connection',
      sandboxName: SANDBOX,
      imsOrgId: ORG,
      connectionSpec: { id: S3_CONNECTION_SPEC_ID, version: '1.0' },
      state: 'enabled',
      auth: { specName: 'Access Key' },
      etag: seeded.etag,
    });
    expect(items[0]!.etag).toMatch(ETAG_FORMAT);
    expect(items[0]!.createdAt).toEqual(expect.any(Number));
    expect(items[0]!.updatedAt).toEqual(expect.any(Number));
    expect(items[0]!.createdBy).toMatch(/@AdobeID$/);
  });

  it('masks the secret key and session token but shows the access key, bucket and folder', async () => {
    // Prepare
    seed();

    // Act
    const response = await getConnection();

    // Assess
    const { params } = (response.body as { items: ConnectionItem[] }).items[0]!.auth;
    expect(params).toEqual({
      s3AccessKey: PARAMS.s3AccessKey,
      s3SecretKey: MASKED_SECRET_VALUE,
      s3SessionToken: MASKED_SECRET_VALUE,
      bucketName: PARAMS.bucketName,
      folderPath: PARAMS.folderPath,
    });
    expect(MASKED_SECRET_VALUE).toBe('<redacted>');
    expect(JSON.stringify(response.body)).not.toContain(PARAMS.s3SecretKey);
    expect(JSON.stringify(response.body)).not.toContain(PARAMS.s3SessionToken);
  });

  it('omits the secret params when told to', async () => {
    // Prepare
    seed();
    flow.setSecretParamsInGet('omitted');

    // Act
    const response = await getConnection();

    // Assess
    const { params } = (response.body as { items: ConnectionItem[] }).items[0]!.auth;
    expect(Object.keys(params).sort()).toEqual(['bucketName', 'folderPath', 's3AccessKey']);
  });

  it('also answers under the /data/foundation/flowservice prefix of the real base URL', async () => {
    // Prepare
    seed();

    // Act
    const response = await api.get(`data/foundation/flowservice/connections/${CONNECTION_ID}`, { headers });

    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('answers 1101-404 for an unknown connection id', async () => {
    // Act
    const response = await getConnection('00000000-0000-0000-0000-000000000000');

    // Assess
    expect(response.statusCode).toBe(404);
    expect(codeOf(response.body)).toBe('1101-404');
  });

  it('hides a connection from another sandbox of the same org', async () => {
    // Prepare
    seed({ sandboxName: 'dev' });

    // Act
    const fromProd = await getConnection();
    const fromDev = await getConnection(CONNECTION_ID, { ...headers, 'x-sandbox-name': 'dev' });

    // Assess
    expect(fromProd.statusCode).toBe(404);
    expect(codeOf(fromProd.body)).toBe('1101-404');
    expect(fromDev.statusCode).toBe(200);
  });

  it.each([
    ['GET', () => getConnection(CONNECTION_ID, { ...headers, 'x-sandbox-name': 'no-such-sandbox' })],
    [
      'PATCH',
      () => patchConnection(NEW_CREDENTIALS, '"x"', CONNECTION_ID, { ...headers, 'x-sandbox-name': 'no-such-sandbox' }),
    ],
  ])(
    "answers a %s in a sandbox the org does not have with ERR's 2100-404, not connection not found",
    async (_method, call) => {
      // Prepare
      seed();

      // Act
      const response = await call();

      // Assess
      expect(response.statusCode).toBe(404);
      expect(codeOf(response.body)).toBe('2100-404');
      expect(detailOf(response.body)).toContain('Sandbox not found');
    },
  );

  it('hides a connection from another org', async () => {
    // Prepare
    seed();
    const otherOrgHeaders = await headersFor(OTHER_CLIENT);

    // Act
    const response = await getConnection(CONNECTION_ID, otherOrgHeaders);

    // Assess
    expect(response.statusCode).toBe(404);
    expect(codeOf(response.body)).toBe('1101-404');
  });

  it.each(['POST', 'PUT', 'DELETE'] as const)('answers 405 to %s on a connection', async (method) => {
    // Prepare
    seed();

    // Act
    const response = await api(`connections/${CONNECTION_ID}`, { method, headers });

    // Assess
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('GET, PATCH');
    // Adobe documents no code for a wrong method: the status says it.
    expect(response.body).toEqual({ errorMessage: `Method ${method} is not allowed` });
    expect(flow.getConnection(CONNECTION_ID)?.etagHistory).toHaveLength(1);
  });

  it('answers a path it has no route for with 404 and no invented code', async () => {
    // Act
    const response = await api.get('connectionz', { headers });

    // Assess
    expect(response.statusCode).toBe(404);
    expect(response.body).toEqual({ errorMessage: 'No route for GET /connectionz' });
  });
});

describe('Flow Service emulator seeding and inspection', () => {
  it('fills seed defaults and generates an id when none is given', () => {
    // Act
    const stored = flow.seedConnection({
      orgId: ORG,
      sandboxName: SANDBOX,
      params: { s3AccessKey: 'a', s3SecretKey: 'b' },
    });

    // Assess
    expect(stored.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(stored).toMatchObject({
      name: 'Amazon S3 base connection',
      connectionSpecId: S3_CONNECTION_SPEC_ID,
      specName: 'Access Key',
      state: 'enabled',
      patchEnabled: true,
      version: 1,
    });
    expect(stored.etag).toMatch(ETAG_FORMAT);
    expect(stored.etagHistory).toEqual([stored.etag]);
  });

  it('keeps secrets in clear in its own view and lists every connection', () => {
    // Prepare
    seed();
    seed({ id: 'second', sandboxName: 'dev' });

    // Act
    const stored = flow.getConnection(CONNECTION_ID);
    const all = flow.listConnections();

    // Assess
    expect(stored?.params.s3SecretKey).toBe(PARAMS.s3SecretKey);
    expect(all.map((c) => c.id)).toEqual([CONNECTION_ID, 'second']);
    expect(flow.getConnection('unknown')).toBeUndefined();
  });

  it('returns snapshots that later writes do not change', async () => {
    // Prepare
    const seeded = seed();

    // Act
    await patchConnection(NEW_CREDENTIALS, seeded.etag);

    // Assess
    expect(seeded.params.s3AccessKey).toBe(PARAMS.s3AccessKey);
    expect(seeded.etagHistory).toHaveLength(1);
  });

  it('refuses to seed the same id twice', () => {
    // Prepare
    seed();

    // Act / Assess
    expect(() => seed()).toThrow(/already seeded/);
  });
});

describe('Flow Service emulator faults', () => {
  it('answers an injected 429 with Retry-After without applying the PATCH', async () => {
    // Prepare
    const seeded = seed();
    flow.injectFault({
      kind: 'respond',
      status: 429,
      headers: { 'retry-after': '2' },
      body: { errorMessage: 'Too many requests' },
      match: { method: 'PATCH', path: `/connections/${CONNECTION_ID}` },
    });

    // Act
    const faulted = await patchConnection(NEW_CREDENTIALS, seeded.etag);
    const retried = await patchConnection(NEW_CREDENTIALS, seeded.etag);

    // Assess
    expect(faulted.statusCode).toBe(429);
    expect(faulted.headers['retry-after']).toBe('2');
    expect(retried.statusCode).toBe(200);
    expect(flow.getConnection(CONNECTION_ID)!.etagHistory).toHaveLength(2);
    expect(flow.requests.filter((r) => r.method === 'PATCH')).toHaveLength(2);
  });

  it('resets the connection without applying the PATCH', async () => {
    // Prepare
    const seeded = seed();
    flow.injectFault({ kind: 'reset', match: { method: 'PATCH' } });

    // Act
    const error = await patchConnection(NEW_CREDENTIALS, seeded.etag).catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ code: 'ECONNRESET' });
    expect(flow.getConnection(CONNECTION_ID)).toEqual(seeded);
  });

  it('delays an answer by the injected time', async () => {
    // Prepare
    seed();
    flow.injectFault({ kind: 'delay', ms: 150, match: { method: 'GET' } });
    const started = Date.now();

    // Act
    const response = await getConnection();

    // Assess
    expect(response.statusCode).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('answers no sooner than the set latency, and applies a write halfway through it', async () => {
    // Prepare
    const seeded = seed();
    flow.setLatency(600);
    const sleepUntil = (at: number) =>
      new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));
    const started = performance.now();

    // Act: look at the stored connection before and after the PATCH's midpoint (300 ms after it arrived)
    let answered = false;
    const patching = patchConnection(NEW_CREDENTIALS, seeded.etag).finally(() => (answered = true));
    while (!flow.requests.some((request) => request.method === 'PATCH')) await sleepUntil(performance.now() + 5);
    const arrived = performance.now();
    await sleepUntil(arrived + 100);
    const beforeMidpoint = flow.getConnection(CONNECTION_ID)!.etag;
    await sleepUntil(arrived + 450);
    const afterMidpoint = flow.getConnection(CONNECTION_ID)!.etag;
    const answeredByThen = answered;
    const patched = await patching;

    // Assess
    expect(beforeMidpoint).toBe(seeded.etag);
    expect(afterMidpoint).toBe((patched.body as { etag: string }).etag);
    expect(answeredByThen).toBe(false);
    expect(patched.statusCode).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(600);
  });

  it('does not apply a request whose client gave up in the first half of the latency', async () => {
    // Prepare
    const seeded = seed();
    flow.setLatency(400);

    // Act
    const error = await api
      .patch(`connections/${CONNECTION_ID}`, {
        headers: { ...headers, 'if-match': seeded.etag },
        json: NEW_CREDENTIALS,
        timeout: { request: 50 },
        retry: { limit: 0 },
      })
      .catch((caught: unknown) => caught);
    // Past the whole latency: nothing lands late either.
    await new Promise((resolve) => setTimeout(resolve, 500));

    // Assess
    expect(error).toMatchObject({ code: 'ETIMEDOUT' });
    expect(flow.getConnection(CONNECTION_ID)).toEqual(seeded);
  });

  it('times the client out when the delay exceeds its timeout', async () => {
    // Prepare
    seed();
    flow.injectFault({ kind: 'delay', ms: 500, match: { method: 'GET' } });

    // Act
    const error = await api
      .get(`connections/${CONNECTION_ID}`, { headers, timeout: { request: 100 } })
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('lands a PATCH whose answer is delayed past the client timeout', async () => {
    // Prepare
    const seeded = seed();
    flow.injectFault({ kind: 'delay-after-effect', ms: 500, match: { method: 'PATCH' } });

    // Act
    const error = await api
      .patch(`connections/${CONNECTION_ID}`, {
        headers: { ...headers, 'if-match': seeded.etag },
        json: NEW_CREDENTIALS,
        timeout: { request: 100 },
      })
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ code: 'ETIMEDOUT' });
    expect(flow.getConnection(CONNECTION_ID)!.params.s3AccessKey).toBe('ASIANEWACCESSKEY0002');
  });
});
