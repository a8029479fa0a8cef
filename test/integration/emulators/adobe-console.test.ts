import got from 'got';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAdobeConsoleEmulator, type AdobeConsoleEmulator } from '../../../emulators/adobe-console.js';
import { startImsEmulator } from '../../../emulators/ims.js';
import type { ImsEmulator } from '../../../emulators/types.js';

const CLIENT = {
  clientId: 'rotator-client',
  clientSecret: 'p8e-original-secret-value',
  orgId: 'ORG@AdobeOrg',
  ioManagementApi: true,
};
const SCOPES = 'openid,AdobeID,adobeio_api,read_client_secret,manage_client_secrets';
const PATH = '/console/organizations/53444/credentials/1122334/secrets';

let ims: ImsEmulator;
let adobeConsole: AdobeConsoleEmulator;

beforeEach(async () => {
  ims = await startImsEmulator();
  adobeConsole = await startAdobeConsoleEmulator({ ims });
  ims.registerClient(CLIENT);
  adobeConsole.registerCredential({ consoleOrgId: '53444', credentialId: '1122334', clientId: CLIENT.clientId });
});
afterEach(async () => {
  await Promise.all([ims.close(), adobeConsole.close()]);
});

async function tokenFor(
  clientSecret = CLIENT.clientSecret,
  scope = SCOPES,
  clientId = CLIENT.clientId,
): Promise<string> {
  const response = await got.post(`${ims.url}/ims/token/v3`, {
    form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope },
    responseType: 'json',
  });
  return (response.body as { access_token: string }).access_token;
}

function call(method: 'GET' | 'POST' | 'DELETE', token: string, path = PATH, apiKey = CLIENT.clientId) {
  return got(`${adobeConsole.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'x-api-key': apiKey },
    responseType: 'json',
    throwHttpErrors: false,
    retry: { limit: 0 },
  });
}

describe('I/O Management API emulator', () => {
  it('lists the secrets IMS knows, without values, last_used_at from the last token issued with each', async () => {
    const token = await tokenFor();

    const response = await call('GET', token);

    const [secret] = ims.clientSecrets(CLIENT.clientId);
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({
      client_id: CLIENT.clientId,
      client_secrets: [
        {
          uuid: secret!.uuid,
          created_at: String(secret!.createdAt),
          created_at_str: new Date(secret!.createdAt).toISOString(),
          expires_at: 'PERMANENT',
          expires_at_str: 'PERMANENT',
          secret_usages: [{ last_used_at: secret!.lastUsedAt, grant_type: 'client_credentials' }],
        },
      ],
    });
    expect(JSON.stringify(response.body)).not.toContain(CLIENT.clientSecret);
  });

  it('adds a secret that IMS accepts at once, returning its value only then, and refuses a third', async () => {
    const token = await tokenFor();

    const added = await call('POST', token);
    const third = await call('POST', token);

    const body = added.body as { uuid: string; client_secret: string; secret_usages: unknown };
    expect(added.statusCode).toBe(201);
    expect(body.secret_usages).toBeNull();
    await expect(tokenFor(body.client_secret)).resolves.toMatch(/^eyJ/);
    expect(ims.clientSecrets(CLIENT.clientId).map((secret) => secret.uuid)).toContain(body.uuid);
    expect(third.statusCode).toBe(400);
    expect(ims.clientSecrets(CLIENT.clientId)).toHaveLength(2);
  });

  it('deletes a secret (IMS then refuses it and its tokens); an unknown uuid is 404; the last one stays', async () => {
    const oldToken = await tokenFor();
    const added = (await call('POST', oldToken)).body as { uuid: string; client_secret: string };
    const [original] = ims.clientSecrets(CLIENT.clientId);
    const newToken = await tokenFor(added.client_secret);

    const deleted = await call('DELETE', newToken, `${PATH}/${original!.uuid}`);

    expect(deleted.statusCode).toBe(204);
    expect(ims.validateToken(oldToken)).toBeUndefined();
    await expect(tokenFor()).rejects.toMatchObject({ response: { statusCode: 401 } });
    expect((await call('DELETE', newToken, `${PATH}/${original!.uuid}`)).statusCode).toBe(404);
    expect((await call('DELETE', newToken, `${PATH}/${added.uuid}`)).statusCode).toBe(400);
  });

  it('answers 403 to a token without the I/O Management API scopes, as when the project lacks the API', async () => {
    ims.setIoManagementApi(CLIENT.clientId, false);
    const token = await tokenFor();

    const response = await call('GET', token);

    expect(response.statusCode).toBe(403);
    expect((response.body as { message: string }).message).toContain('I/O Management API');
    expect(ims.issuedTokens.at(-1)!.scopes).toEqual(['openid', 'AdobeID']);
  });

  it('refuses a token IMS did not issue (401), a foreign API key or credential (403), unknown ones (404)', async () => {
    ims.registerClient({
      clientId: 'other-client',
      clientSecret: 'p8e-other-secret-value',
      orgId: 'ORG@AdobeOrg',
      ioManagementApi: true,
    });
    const token = await tokenFor();
    const otherToken = await tokenFor('p8e-other-secret-value', SCOPES, 'other-client');

    expect((await call('GET', 'eyJnot.issued.here')).statusCode).toBe(401);
    expect((await call('GET', token, PATH, 'someone-else')).statusCode).toBe(403);
    expect((await call('GET', otherToken, PATH, 'other-client')).statusCode).toBe(403);
    expect((await call('GET', token, '/console/organizations/53444/credentials/999/secrets')).statusCode).toBe(404);
    expect((await call('POST', token, `${PATH}/x`)).statusCode).toBe(405);
  });
});
