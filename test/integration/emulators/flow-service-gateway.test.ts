/**
 * What the Flow Service emulator checks before a request reaches a connection, as Adobe's gateway
 * and Flow Service do: the IMS token, API key, org and sandbox headers, and a client's Sources
 * permission and entitlement.
 */
import type { Headers } from 'got';
import { describe, expect, it } from 'vitest';
import type { FlowServiceEmulator, ImsEmulator } from '../../../emulators/types.js';
import { codeOf, detailOf } from '../../support/emulator-clients.js';
import {
  FLOW_CLIENT as CLIENT,
  FLOW_CONNECTION_ID as CONNECTION_ID,
  FLOW_NEW_CREDENTIALS as NEW_CREDENTIALS,
  FLOW_ORG as ORG,
  FLOW_OTHER_ORG as OTHER_ORG,
  FLOW_SANDBOX as SANDBOX,
  type FlowServiceStart,
  flowServiceTestWorld,
  without,
} from '../../support/flow-service-world.js';

let ims: ImsEmulator;
let flow: FlowServiceEmulator;
let headers: FlowServiceStart['headers'];
const { headersFor, seed, getConnection, patchConnection } = flowServiceTestWorld((start) => {
  ({ ims, flow, headers } = start);
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
