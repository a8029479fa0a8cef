/**
 * Asking Adobe's emulators directly, as a test checks what they hold or accept: an IMS token for a
 * client (what any client of IMS would ask), whether IMS accepts a client secret, the client secrets
 * a credential holds, and the calls the I/O Management API received.
 */
import got from 'got';
import type { Harness } from './rotation-harness.js';

/** IMS's answer to a client-credentials token request (scope `openid`): its status, and the token when issued. */
export async function requestImsToken(
  imsUrl: string,
  client: { readonly clientId: string; readonly clientSecret: string },
): Promise<{ readonly status: number; readonly accessToken?: string }> {
  const response = await got.post(`${imsUrl}/ims/token/v3`, {
    form: {
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret,
      scope: 'openid',
    },
    throwHttpErrors: false,
    retry: { limit: 0 },
  });
  if (response.statusCode !== 200) return { status: response.statusCode };
  return { status: 200, accessToken: (JSON.parse(response.body) as { access_token: string }).access_token };
}

/** Whether IMS issues a token for `clientSecret` of the world's credential. */
export async function imsAccepts(harness: Harness, clientSecret: string): Promise<boolean> {
  const { world } = harness;
  const { status } = await requestImsToken(world.emulators.ims.url, { clientId: world.adobe.clientId, clientSecret });
  return status === 200;
}

/** The client secrets Adobe holds for the world's credential. */
export const adobeSecretsOf = (harness: Harness) =>
  harness.world.emulators.ims.clientSecrets(harness.world.adobe.clientId);

/** The I/O Management API calls of one method (`POST` adds a secret, `DELETE` deletes one). */
export const consoleCalls = (harness: Harness, method: string) =>
  harness.world.emulators.adobeConsole.requests.filter((request) => request.method === method);
