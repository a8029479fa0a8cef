import got, { type Headers } from 'got';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MASKED_SECRET_VALUE, startFlowServiceEmulator } from '../../../emulators/flow-service.js';
import { startImsEmulator } from '../../../emulators/ims.js';
import {
  S3_CONNECTION_SPEC_ID,
  type FlowServiceEmulator,
  type ImsEmulator,
  type SeedConnection,
} from '../../../emulators/types.js';

const ORG = '0A1B2C3D4E5F60718293A4B5@AdobeOrg';
const OTHER_ORG = 'FFEEDDCCBBAA998877665544@AdobeOrg';
const CLIENT = { clientId: 'rotator-client-id', clientSecret: 'p8e-rotator-client-secret', orgId: ORG };
const OTHER_CLIENT = { clientId: 'other-client-id', clientSecret: 'p8e-other-client-secret', orgId: OTHER_ORG };
const SANDBOX = 'prod';
const CONNECTION_ID = '4cb0c374-d3bb-4557-b139-5712880adc55';
const PARAMS = {
  s3AccessKey: 'ASIAOLDACCESSKEY0001',
  s3SecretKey: 'old-secret-key-value-0000000000000000000',
  s3SessionToken: 'old-session-token-value-IQoJb3JpZ2luX2VjE',
  bucketName: 'acme-aep-landing',
  folderPath: 'exports/daily',
};
const NEW_CREDENTIALS = [
  { op: 'replace', path: '/auth/params/s3AccessKey', value: 'ASIANEWACCESSKEY0002' },
  { op: 'replace', path: '/auth/params/s3SecretKey', value: 'new-secret-key-value-1111111111111111111' },
  { op: 'replace', path: '/auth/params/s3SessionToken', value: 'new-session-token-value-IQoJb3JpZ2luX2VjF' },
];
/** Adobe's etag: a uuid-like value wrapped in literal double quotes (FLOW-SERVICE.md). */
const ETAG_FORMAT = /^"[0-9a-f]{8}-0000-0200-0000-[0-9a-f]{12}"$/;

/** Either of Adobe's error shapes: a Flow Service problem document, or the gateway's `{error_code, message}`. */
interface ErrorBody {
  type?: string;
  title?: string;
  status?: number;
  report?: { 'detailed-message'?: string };
  error_code?: string;
  message?: string;
}
/** Adobe's code in either shape: the `FLOW-` suffix of a problem's `type`, or the gateway's `error_code`. */
function codeOf(body: unknown): string | undefined {
  const { type, error_code } = body as ErrorBody;
  return type ? type.replace(/^https:\/\/ns\.adobe\.com\/aep\/errors\/FLOW-/, '') : error_code;
}
/** Adobe's explanation in either shape. */
function detailOf(body: unknown): string | undefined {
  const problem = body as ErrorBody;
  return problem.report?.['detailed-message'] ?? problem.message;
}
interface ConnectionItem {
  id: string;
  name: string;
  description?: string;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
  updatedBy: string;
  sandboxName: string;
  imsOrgId: string;
  connectionSpec: { id: string; version: string };
  state: string;
  auth: { specName: string; params: Record<string, string> };
  version: string;
  etag: string;
}

let ims: ImsEmulator;
let flow: FlowServiceEmulator;
let api: ReturnType<typeof clientFor>;
let headers: Headers;

/** The product's settings for tests: no retries, HTTP errors as values, JSON bodies. */
function clientFor(url: string) {
  return got.extend({ prefixUrl: url, throwHttpErrors: false, retry: { limit: 0 }, responseType: 'json' });
}

async function fetchToken(client: typeof CLIENT): Promise<string> {
  const form = {
    grant_type: 'client_credentials',
    client_id: client.clientId,
    client_secret: client.clientSecret,
    scope: 'openid,AdobeID',
  };
  const { access_token } = await got.post(`${ims.url}/ims/token/v3`, { form }).json<{ access_token: string }>();
  return access_token;
}

/** Headers every Flow Service call carries (FLOW-SERVICE.md), for `client`. */
async function headersFor(client: typeof CLIENT, sandboxName = SANDBOX): Promise<Headers> {
  return {
    authorization: `Bearer ${await fetchToken(client)}`,
    'x-api-key': client.clientId,
    'x-gw-ims-org-id': client.orgId,
    'x-sandbox-name': sandboxName,
  };
}

function without(source: Headers, ...names: string[]): Headers {
  return Object.fromEntries(Object.entries(source).filter(([name]) => !names.includes(name)));
}

function seed(overrides: Partial<SeedConnection> = {}) {
  return flow.seedConnection({ id: CONNECTION_ID, orgId: ORG, sandboxName: SANDBOX, params: PARAMS, ...overrides });
}

function getConnection(id = CONNECTION_ID, requestHeaders = headers) {
  return api.get(`connections/${id}`, { headers: requestHeaders });
}

async function currentEtag(id = CONNECTION_ID): Promise<string> {
  const response = await getConnection(id);
  return (response.body as { items: ConnectionItem[] }).items[0]!.etag;
}

function patchConnection(body: unknown, etag: string | undefined, id = CONNECTION_ID, requestHeaders = headers) {
  return api.patch(`connections/${id}`, {
    headers: { ...requestHeaders, ...(etag === undefined ? {} : { 'if-match': etag }) },
    json: body,
  });
}

beforeEach(async () => {
  ims = await startImsEmulator();
  ims.registerClient(CLIENT);
  ims.registerClient(OTHER_CLIENT);
  flow = await startFlowServiceEmulator({ ims });
  api = clientFor(flow.url);
  headers = await headersFor(CLIENT);
});

afterEach(async () => {
  await flow.close();
  await ims.close();
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

describe('Flow Service emulator header checks', () => {
  const cases: [string, (h: Headers) => Headers, number, string][] = [
    [
      'a token IMS never issued',
      (h) => ({ ...h, authorization: 'Bearer eyJmb3JnZWQiOnRydWV9.e30.c2ln' }),
      401,
      '401013',
    ],
    [
      'a non-bearer authorization',
      (h) => ({ ...h, authorization: `Basic ${String(h.authorization).slice(7)}` }),
      401,
      '401013',
    ],
    ['no authorization header', (h) => without(h, 'authorization'), 403, '403010'],
    ['no x-api-key', (h) => without(h, 'x-api-key'), 403, '403000'],
    ["an x-api-key that is not the token's client id", (h) => ({ ...h, 'x-api-key': 'someone-else' }), 403, '403003'],
    ['no x-gw-ims-org-id', (h) => without(h, 'x-gw-ims-org-id'), 400, '400003'],
    [
      "an x-gw-ims-org-id that is not the token's org",
      (h) => ({ ...h, 'x-gw-ims-org-id': OTHER_ORG }),
      401,
      '2000-401',
    ],
    ['no x-sandbox-name', (h) => without(h, 'x-sandbox-name'), 400, '2105-400'],
  ];

  it.each(cases)('rejects a GET with %s', async (_name, change, status, errorCode) => {
    // Prepare
    seed();

    // Act
    const response = await getConnection(CONNECTION_ID, change(headers));

    // Assess
    expect(response.statusCode).toBe(status);
    expect(codeOf(response.body)).toBe(errorCode);
    expect(detailOf(response.body)).toEqual(expect.any(String));
  });

  it.each(cases)('rejects a PATCH with %s and changes nothing', async (_name, change, status, errorCode) => {
    // Prepare
    const seeded = seed();

    // Act
    const response = await patchConnection(NEW_CREDENTIALS, seeded.etag, CONNECTION_ID, change(headers));

    // Assess
    expect(response.statusCode).toBe(status);
    expect(codeOf(response.body)).toBe(errorCode);
    expect(flow.getConnection(CONNECTION_ID)).toEqual(seeded);
  });

  it("answers the gateway's refusals in the gateway's shape", async () => {
    // Prepare
    seed();

    // Act
    const noAuthorization = await getConnection(CONNECTION_ID, without(headers, 'authorization'));
    const badToken = await getConnection(CONNECTION_ID, { ...headers, authorization: 'Bearer not-a-token-ims-issued' });
    const noKey = await getConnection(CONNECTION_ID, without(headers, 'x-api-key'));
    const wrongKey = await getConnection(CONNECTION_ID, { ...headers, 'x-api-key': 'someone-else' });
    const noOrg = await getConnection(CONNECTION_ID, without(headers, 'x-gw-ims-org-id'));

    // Assess
    expect(noAuthorization.body).toEqual({ error_code: '403010', message: 'Oauth token is missing' });
    expect(badToken.body).toEqual({ error_code: '401013', message: 'Oauth token is not valid' });
    expect(noKey.body).toEqual({ error_code: '403000', message: 'Api Key is required' });
    expect(wrongKey.body).toEqual({ error_code: '403003', message: 'Api Key is invalid' });
    expect(noOrg.body).toEqual({ error_code: '400003', message: 'Missing header x-gw-ims-org-id' });
  });

  it("answers Flow Service's errors as problem documents, the code in the type, the text in the report", async () => {
    // Prepare
    seed();
    flow.addSandbox(ORG, 'dev');

    // Act
    const response = await getConnection(CONNECTION_ID, { ...headers, 'x-sandbox-name': 'dev' });

    // Assess
    expect(response.statusCode).toBe(404);
    expect(response.body).toEqual({
      type: 'https://ns.adobe.com/aep/errors/FLOW-1101-404',
      title: 'Resource not found',
      status: 404,
      report: {
        'detailed-message': `Connection not found: the resource with id ${CONNECTION_ID} does not exist.`,
        id: expect.any(String),
        'request-id': expect.any(String),
        type: 'connections',
      },
      errorMessage: `Connection not found: the resource with id ${CONNECTION_ID} does not exist.`,
      errorDetails: `Connection not found: the resource with id ${CONNECTION_ID} does not exist.`,
    });
    expect(response.body).not.toHaveProperty('error_code');
  });

  it('checks the token first, then the API key, then the org, then the sandbox', async () => {
    // Prepare
    seed();
    const steps = [
      {},
      { authorization: headers.authorization },
      { authorization: headers.authorization, 'x-api-key': headers['x-api-key'] },
      { ...without(headers, 'x-sandbox-name') },
    ];

    // Act
    const codes = [];
    for (const step of steps) codes.push(codeOf((await getConnection(CONNECTION_ID, step)).body));

    // Assess
    expect(codes).toEqual(['403010', '403000', '400003', '2105-400']);
  });

  it('rejects a token once it has expired', async () => {
    // Prepare
    seed();
    ims.setExpiresInSeconds(0);
    const expiredHeaders = await headersFor(CLIENT);

    // Act
    const response = await getConnection(CONNECTION_ID, expiredHeaders);

    // Assess
    expect(response.statusCode).toBe(401);
    expect(codeOf(response.body)).toBe('401013');
  });

  it('rejects a token once IMS has revoked it, and accepts a new one', async () => {
    // Prepare
    seed();
    ims.revokeAllTokens();

    // Act
    const revoked = await getConnection();
    const renewed = await getConnection(CONNECTION_ID, await headersFor(CLIENT));

    // Assess
    expect(revoked.statusCode).toBe(401);
    expect(renewed.statusCode).toBe(200);
  });
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

describe('Flow Service emulator permissions and entitlement', () => {
  it('lets a view-permission client GET a connection, and refuses its PATCH (FLOW-2118-403) unchanged', async () => {
    // Prepare
    const seeded = seed();
    flow.setSourcesPermission(CLIENT.clientId, SANDBOX, 'view');

    // Act
    const read = await getConnection();
    const write = await patchConnection(NEW_CREDENTIALS, seeded.etag);

    // Assess
    expect(read.statusCode).toBe(200);
    expect(write.statusCode).toBe(403);
    expect(codeOf(write.body)).toBe('2118-403');
    expect(detailOf(write.body)).toContain('Manage Sources in sandbox prod');
    expect(flow.getConnection(CONNECTION_ID)).toEqual(seeded);
  });

  it('keeps permissions per sandbox: view in one does not narrow another', async () => {
    // Prepare
    seed({ sandboxName: 'dev' });
    flow.setSourcesPermission(CLIENT.clientId, SANDBOX, 'view');
    const devHeaders = await headersFor(CLIENT, 'dev');

    // Act
    const response = await patchConnection(
      NEW_CREDENTIALS,
      flow.getConnection(CONNECTION_ID)!.etag,
      CONNECTION_ID,
      devHeaders,
    );

    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('refuses even a GET to a client without permission in the sandbox', async () => {
    // Prepare
    seed();
    flow.setSourcesPermission(CLIENT.clientId, SANDBOX, 'none');

    // Act
    const response = await getConnection();

    // Assess
    expect(response.statusCode).toBe(403);
    expect(codeOf(response.body)).toBe('2118-403');
    expect(detailOf(response.body)).toContain('View Sources');
  });

  it("refuses every request of a client that is not entitled with the gateway's 403025", async () => {
    // Prepare
    seed();
    flow.setEntitled(CLIENT.clientId, false);

    // Act
    const response = await getConnection();

    // Assess
    expect(response.statusCode).toBe(403);
    expect(response.body).toEqual({ error_code: '403025', message: 'Profile is not valid' });
  });

  it('throttles with 429, Retry-After and an errorMessage-only body (no documented code), then serves', async () => {
    // Prepare
    seed();
    flow.throttleAtGateway(1, 3);

    // Act
    const throttled = await getConnection();
    const served = await getConnection();

    // Assess
    expect(throttled.statusCode).toBe(429);
    expect(throttled.headers['retry-after']).toBe('3');
    expect(throttled.body).toEqual({ errorMessage: 'Too many requests' });
    expect(served.statusCode).toBe(200);
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
