/**
 * Adobe I/O Management API emulator: the client-secret calls of an OAuth Server-to-Server
 * credential (ADOBE-CLIENT-SECRETS.md), on the credential state the IMS emulator keeps, so a secret
 * added here works at IMS at once, a secret deleted here stops working there (its tokens too), and
 * `last_used_at` is the time IMS last issued a token with the secret.
 *
 * - `GET    /console/organizations/{orgId}/credentials/{credentialId}/secrets` → 200, no values;
 * - `POST   …/secrets` → 201 with `client_secret` (the only time a value is returned);
 * - `DELETE …/secrets/{uuid}` → 204.
 *
 * It refuses what the API refuses or leaves undocumented: a token IMS did not issue (401, the
 * gateway's `401013`), an `x-api-key` that is not the token's client (403 `403003`), a token
 * without the I/O Management API's scopes (403: the project lacks that API), another credential's
 * secrets (403), an unknown org or credential (404), a third secret or the deletion of the last one
 * (400: Adobe documents neither, so a rotation must never try them).
 *
 * Adobe's guide, section "Rotating client secrets": https://developer.adobe.com/developer-console/docs/guides/
 * authentication/ServerToServerAuthentication/implementation/#rotating-client-secrets
 */
import { startEmulatorServer, type EmulatorResponse } from './http-server.js';
import type { Emulator, ImsClientSecret, ImsEmulator, IssuedImsToken, RecordedRequest } from './types.js';

/** A Developer Console credential: the numeric ids of its page's URL, and its OAuth client id. */
export interface ConsoleCredential {
  /** The Developer Console's numeric org id (not the `…@AdobeOrg` IMS org id). */
  readonly consoleOrgId: string;
  readonly credentialId: string;
  readonly clientId: string;
}

export interface AdobeConsoleEmulator extends Emulator {
  /** Make a credential's secrets reachable under its console org and credential ids. */
  registerCredential(credential: ConsoleCredential): void;
}

const SECRETS_PATH = /^\/console\/organizations\/([^/]+)\/credentials\/([^/]+)\/secrets(?:\/([^/]+))?$/;
const READ_SCOPES = ['adobeio_api', 'read_client_secret'] as const;
const MANAGE_SCOPES = ['adobeio_api', 'manage_client_secrets'] as const;

/** Adobe's API gateway shape for a refusal. */
function gatewayError(status: number, errorCode: string, message: string): EmulatorResponse {
  return { status, body: { error_code: errorCode, message } };
}

/** A secret as the API lists it: never the value. */
function listed(secret: ImsClientSecret) {
  const created = new Date(secret.createdAt);
  return {
    uuid: secret.uuid,
    created_at: String(secret.createdAt),
    created_at_str: created.toISOString(),
    expires_at: 'PERMANENT',
    expires_at_str: 'PERMANENT',
    secret_usages:
      secret.lastUsedAt === undefined ? null : [{ last_used_at: secret.lastUsedAt, grant_type: 'client_credentials' }],
  };
}

/**
 * Start an I/O Management API emulator on 127.0.0.1 over `ims`'s credentials and tokens.
 *
 * @example
 * const console = await startAdobeConsoleEmulator({ ims });
 * console.registerCredential({ consoleOrgId: '53444', credentialId: '1122334', clientId });
 */
export async function startAdobeConsoleEmulator(options: {
  ims: Pick<ImsEmulator, 'validateToken' | 'clientSecrets' | 'addClientSecret' | 'deleteClientSecret'>;
  port?: number;
}): Promise<AdobeConsoleEmulator> {
  const { ims } = options;
  const credentials = new Map<string, ConsoleCredential>();
  const key = (orgId: string, credentialId: string) => `${orgId}/${credentialId}`;

  function authorize(
    request: RecordedRequest,
    credential: ConsoleCredential,
    needed: readonly string[],
  ): EmulatorResponse | IssuedImsToken {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const token = bearer ? ims.validateToken(bearer) : undefined;
    if (!token) return gatewayError(401, '401013', 'Oauth token is not valid');
    if (request.headers['x-api-key'] !== token.clientId) return gatewayError(403, '403003', 'Api Key is invalid');
    const missing = needed.filter((scope) => !token.scopes.includes(scope));
    if (missing.length > 0) {
      return gatewayError(
        403,
        '403',
        `The access token lacks the scope(s) ${missing.join(', ')}: add the I/O Management API to the Developer ` +
          'Console project',
      );
    }
    if (token.clientId !== credential.clientId)
      return gatewayError(403, '403', 'The credential may manage only its own client secrets');
    return token;
  }

  async function handle(request: RecordedRequest): Promise<EmulatorResponse> {
    const match = SECRETS_PATH.exec(request.path);
    if (!match) return gatewayError(404, '404', `No route for ${request.method} ${request.path}`);
    const [, orgId, credentialId, uuid] = match;
    const credential = credentials.get(key(decodeURIComponent(orgId!), decodeURIComponent(credentialId!)));
    const allowed = uuid ? ['DELETE'] : ['GET', 'POST'];
    if (!allowed.includes(request.method)) {
      return {
        ...gatewayError(405, '405', `${request.method} is not allowed`),
        headers: { allow: allowed.join(', ') },
      };
    }
    const auth = credential
      ? authorize(request, credential, request.method === 'GET' ? READ_SCOPES : MANAGE_SCOPES)
      : undefined;
    if (auth && 'status' in auth) return auth;
    if (!credential) {
      // Authenticate first, as the gateway does, then say what is not there.
      const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (!bearer || !ims.validateToken(bearer)) return gatewayError(401, '401013', 'Oauth token is not valid');
      return gatewayError(404, '404', `No credential ${credentialId} in organization ${orgId}`);
    }
    const secrets = ims.clientSecrets(credential.clientId);
    if (request.method === 'GET')
      return { status: 200, body: { client_id: credential.clientId, client_secrets: secrets.map(listed) } };
    if (request.method === 'POST') {
      const added = ims.addClientSecret(credential.clientId);
      if (!added)
        return gatewayError(
          400,
          '400',
          'The credential already has two client secrets, the most it may hold: delete one first',
        );
      return { status: 201, body: { client_id: credential.clientId, ...listed(added), client_secret: added.value } };
    }
    const id = decodeURIComponent(uuid!);
    if (!secrets.some((secret) => secret.uuid === id))
      return gatewayError(404, '404', `No client secret ${id} on credential ${credentialId}`);
    if (secrets.length === 1)
      return gatewayError(400, '400', 'The last client secret of a credential cannot be deleted');
    ims.deleteClientSecret(credential.clientId, id);
    return { status: 204 };
  }

  const server = await startEmulatorServer(handle, { port: options.port });
  return {
    ...server,
    registerCredential(credential) {
      credentials.set(key(credential.consoleOrgId, credential.credentialId), { ...credential });
    },
  };
}
