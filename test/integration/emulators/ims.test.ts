import got from 'got';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startImsEmulator } from '../../../emulators/ims.js';
import type { ImsEmulator } from '../../../emulators/types.js';

const CLIENT = {
  clientId: 'rotator-client-id',
  clientSecret: 'p8e-rotator-client-secret',
  orgId: '0A1B2C3D4E5F60718293A4B5@AdobeOrg',
};
const SCOPE = 'openid,session,AdobeID,read_organizations,additional_info.projectedProductContext';
const VALID_FORM = {
  grant_type: 'client_credentials',
  client_id: CLIENT.clientId,
  client_secret: CLIENT.clientSecret,
  scope: SCOPE,
};

interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
}
interface OAuthErrorBody {
  error: string;
  error_description?: string;
}

let ims: ImsEmulator;

/** The token request as the product sends it: a form body, no retries, HTTP errors as values. */
function requestToken(form: Record<string, string>, extra: { searchParams?: Record<string, string> } = {}) {
  return got.post(`${ims.url}/ims/token/v3`, {
    form,
    ...extra,
    throwHttpErrors: false,
    retry: { limit: 0 },
    responseType: 'json',
  });
}

beforeEach(async () => {
  ims = await startImsEmulator();
  ims.registerClient(CLIENT);
});

afterEach(async () => {
  vi.restoreAllMocks();
  await ims.close();
});

describe('IMS emulator token endpoint', () => {
  it('issues a JWT-like bearer token whose expires_in is in seconds', async () => {
    // Prepare
    const before = Date.now();

    // Act
    const response = await requestToken(VALID_FORM);

    // Assess
    const body = response.body as TokenBody;
    expect(response.statusCode).toBe(200);
    expect(body.token_type).toBe('bearer');
    expect(body.expires_in).toBe(86_399);
    expect(body.access_token).toMatch(/^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/);
    expect(body.access_token.length).toBeGreaterThan(900);
    expect(body.access_token.length).toBeLessThan(1400);
    expect(ims.issuedTokens).toHaveLength(1);
    const holder = ims.validateToken(body.access_token);
    expect(holder).toMatchObject({ clientId: CLIENT.clientId, orgId: CLIENT.orgId });
    expect(holder!.expiresAt).toBeGreaterThanOrEqual(before + 86_399_000);
  });

  it('issues a different token on every request', async () => {
    // Act
    const first = (await requestToken(VALID_FORM)).body as TokenBody;
    const second = (await requestToken(VALID_FORM)).body as TokenBody;

    // Assess
    expect(first.access_token).not.toBe(second.access_token);
    expect(ims.issuedTokens.map((t) => t.accessToken)).toEqual([first.access_token, second.access_token]);
  });

  it('accepts a charset parameter on the form content type', async () => {
    // Act
    const response = await got.post(`${ims.url}/ims/token/v3`, {
      body: new URLSearchParams(VALID_FORM).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      throwHttpErrors: false,
      retry: { limit: 0 },
    });

    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('rejects a JSON body because IMS v3 takes form fields', async () => {
    // Act
    const response = await got.post(`${ims.url}/ims/token/v3`, {
      json: VALID_FORM,
      throwHttpErrors: false,
      retry: { limit: 0 },
      responseType: 'json',
    });

    // Assess
    expect(response.statusCode).toBe(400);
    expect((response.body as OAuthErrorBody).error).toBe('invalid_request');
    expect(ims.issuedTokens).toHaveLength(0);
  });

  it.each([
    ['the client secret', { client_secret: CLIENT.clientSecret }],
    ['the client id', { client_id: CLIENT.clientId }],
  ])('rejects %s in the query string because URLs get logged', async (_name, searchParams) => {
    // Act
    const response = await requestToken(VALID_FORM, { searchParams });

    // Assess
    expect(response.statusCode).toBe(400);
    expect((response.body as OAuthErrorBody).error).toBe('invalid_request');
    expect(ims.issuedTokens).toHaveLength(0);
  });

  it.each([
    ['a grant type other than client_credentials', { grant_type: 'password' }, 400, 'unsupported_grant_type'],
    ['a missing grant type', { grant_type: undefined }, 400, 'unsupported_grant_type'],
    ['an unknown client id', { client_id: 'someone-else' }, 401, 'invalid_client'],
    ['a wrong client secret', { client_secret: 'not-the-secret' }, 401, 'invalid_client'],
    ['a missing client secret', { client_secret: undefined }, 401, 'invalid_client'],
    ['a missing scope', { scope: undefined }, 400, 'invalid_scope'],
    ['an empty scope', { scope: '' }, 400, 'invalid_scope'],
  ])('rejects %s', async (_name, change, status, error) => {
    // Prepare
    const form: Record<string, string> = { ...VALID_FORM };
    for (const [field, value] of Object.entries(change)) {
      if (value === undefined) delete form[field];
      else form[field] = value;
    }

    // Act
    const response = await requestToken(form);

    // Assess
    expect(response.statusCode).toBe(status);
    expect((response.body as OAuthErrorBody).error).toBe(error);
    expect(ims.issuedTokens).toHaveLength(0);
  });

  it('answers unsupported_grant_type with exactly the OAuth error body', async () => {
    // Act
    const response = await requestToken({ ...VALID_FORM, grant_type: 'authorization_code' });

    // Assess
    expect(response.body).toEqual({ error: 'unsupported_grant_type' });
  });

  it('describes an invalid client without echoing the secret it was sent', async () => {
    // Act
    const response = await requestToken({ ...VALID_FORM, client_secret: 'wrong-secret-value' });

    // Assess
    const body = response.body as OAuthErrorBody;
    expect(body.error_description).toEqual(expect.any(String));
    expect(JSON.stringify(body)).not.toContain('wrong-secret-value');
  });

  it('answers 404 on other paths and 405 on other methods', async () => {
    // Act
    const otherPath = await got.post(`${ims.url}/ims/token/v2`, {
      form: VALID_FORM,
      throwHttpErrors: false,
      retry: { limit: 0 },
    });
    const otherMethod = await got.get(`${ims.url}/ims/token/v3`, { throwHttpErrors: false, retry: { limit: 0 } });

    // Assess
    expect(otherPath.statusCode).toBe(404);
    expect(otherMethod.statusCode).toBe(405);
    expect(otherMethod.headers.allow).toBe('POST');
  });

  it('records each token request with its form body', async () => {
    // Act
    await requestToken(VALID_FORM);

    // Assess
    expect(ims.requests).toHaveLength(1);
    expect(ims.requests[0]).toMatchObject({ method: 'POST', path: '/ims/token/v3', query: {} });
    expect(new URLSearchParams(ims.requests[0]!.body).get('client_id')).toBe(CLIENT.clientId);
  });
});

describe('IMS emulator token lifecycle', () => {
  it('issues tokens with the configured lifetime in seconds', async () => {
    // Prepare
    ims.setExpiresInSeconds(3600);

    // Act
    const body = (await requestToken(VALID_FORM)).body as TokenBody;

    // Assess
    expect(body.expires_in).toBe(3600);
  });

  it('stops validating a token once it has expired', async () => {
    // Prepare
    ims.setExpiresInSeconds(60);
    const { access_token: token } = (await requestToken(VALID_FORM)).body as TokenBody;
    const issuedAt = Date.now();

    // Act
    const fresh = ims.validateToken(token);
    vi.spyOn(Date, 'now').mockReturnValue(issuedAt + 61_000);
    const expired = ims.validateToken(token);

    // Assess
    expect(fresh).toBeDefined();
    expect(expired).toBeUndefined();
  });

  it('does not validate a token it never issued', () => {
    // Act
    const holder = ims.validateToken('eyJub3QiOiJpc3N1ZWQifQ.eyJieSI6InRoaXMgSU1TIn0.c2ln');

    // Assess
    expect(holder).toBeUndefined();
  });

  it('revokes every token issued so far but not those issued afterwards', async () => {
    // Prepare
    const { access_token: old } = (await requestToken(VALID_FORM)).body as TokenBody;

    // Act
    ims.revokeAllTokens();
    const { access_token: renewed } = (await requestToken(VALID_FORM)).body as TokenBody;

    // Assess
    expect(ims.validateToken(old)).toBeUndefined();
    expect(ims.validateToken(renewed)).toBeDefined();
    expect(ims.issuedTokens).toHaveLength(2);
  });

  it('accepts the new secret and refuses the old one after a client is registered again', async () => {
    // Prepare
    ims.registerClient({ ...CLIENT, clientSecret: 'rotated-client-secret' });

    // Act
    const old = await requestToken(VALID_FORM);
    const renewed = await requestToken({ ...VALID_FORM, client_secret: 'rotated-client-secret' });

    // Assess
    expect(old.statusCode).toBe(401);
    expect(renewed.statusCode).toBe(200);
  });

  it('answers an injected 503 without issuing a token', async () => {
    // Prepare
    ims.injectFault({
      kind: 'respond',
      status: 503,
      body: { error: 'server_error' },
      match: { path: '/ims/token/v3' },
    });

    // Act
    const faulted = await requestToken(VALID_FORM);
    const next = await requestToken(VALID_FORM);

    // Assess
    expect(faulted.statusCode).toBe(503);
    expect(next.statusCode).toBe(200);
    expect(ims.issuedTokens).toHaveLength(1);
  });
});
