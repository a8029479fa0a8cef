/**
 * Adobe IMS emulator: the OAuth Server-to-Server token endpoint (`POST /ims/token/v3`).
 *
 * Follows FLOW-SERVICE.md "IMS": client credentials in a form-encoded BODY (never the query
 * string, which proxies and access logs keep), `expires_in` in SECONDS, no refresh token.
 * Error bodies use the OAuth 2.0 shape `{"error": "...", "error_description": "..."}` (RFC 6749 §5.2).
 *
 * It also keeps each credential's client secrets as Developer Console does (ADOBE-CLIENT-SECRETS.md):
 * at most two at once, each with a uuid and the time IMS last issued a token with it
 * (`last_used_at`), which the I/O Management API emulator (adobe-console.ts) lists, adds and
 * deletes. A token carries the I/O Management API's scopes only when the credential's project has
 * that API added; a deleted secret's tokens stop working at once (the strictest reading: a
 * rotation must not depend on them living on).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { startEmulatorServer, type EmulatorResponse } from './http-server.js';
import type { ImsClientRegistration, ImsClientSecret, ImsEmulator, IssuedImsToken, RecordedRequest } from './types.js';

/** The token endpoint path, as on `https://ims-na1.adobelogin.com`. */
export const IMS_TOKEN_PATH = '/ims/token/v3';

/** IMS v3 tokens live about 24 h (FLOW-SERVICE.md: `"expires_in": 86399`, in seconds). */
const DEFAULT_EXPIRES_IN_SECONDS = 86_399;

/** Fields that must never travel in a URL (the secret, and the id that pairs with it). */
const CREDENTIAL_FIELDS = ['client_id', 'client_secret'];

/** An OAuth Server-to-Server credential may hold at most two client secrets at once (ADOBE-CLIENT-SECRETS.md). */
export const MAX_CLIENT_SECRETS = 2;

/** The scopes only a project with the I/O Management API added can have in a token. */
export const IO_MANAGEMENT_SCOPES = ['adobeio_api', 'read_client_secret', 'manage_client_secrets'] as const;

/**
 * A credential as IMS knows it: its org, its secrets (oldest first) and whether its project has the I/O Management API.
 */
interface ClientRecord {
  readonly clientId: string;
  readonly orgId: string;
  secrets: ImsClientSecret[];
  ioManagementApi: boolean;
}

function oauthError(status: number, error: string, description: string): EmulatorResponse {
  return { status, body: { error, error_description: description } };
}

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/**
 * A random token shaped like a real IMS access token: a ~1,000-character RS256 JWT (`eyJ...`),
 * so clients that log or size-check tokens meet realistic values. It is not verifiable: only
 * this emulator's {@link ImsEmulator.validateToken} knows it.
 */
function mintAccessToken(
  clientId: string,
  orgId: string,
  scopes: readonly string[],
  expiresInSeconds: number,
  now: number,
): string {
  const header = { alg: 'RS256', x5u: 'ims_na1-key-at-1.cer', kid: 'ims_na1-key-at-1', itt: 'at' };
  const payload = {
    id: `${now}_${randomUUID()}_ue1`,
    type: 'access_token',
    client_id: clientId,
    user_id: `${randomBytes(12).toString('hex').toUpperCase()}@techacct.adobe.com`,
    org: orgId,
    as: 'ims-na1',
    ctp: 0,
    // The JWT payload keeps milliseconds (as real IMS tokens do); the JSON response says seconds.
    expires_in: String(expiresInSeconds * 1000),
    created_at: String(now),
    scope: scopes.join(','),
    pad: randomBytes(180).toString('base64url'),
  };
  return [base64url(JSON.stringify(header)), base64url(JSON.stringify(payload)), base64url(randomBytes(256))].join('.');
}

/**
 * Start an IMS emulator on 127.0.0.1.
 *
 * @param options.port - port to listen on. @default 0 (any free port)
 * @example
 * const ims = await startImsEmulator();
 * ims.registerClient({ clientId: 'abc', clientSecret: 's3cr3t', orgId: 'ORG@AdobeOrg' });
 * // POST `${ims.url}/ims/token/v3` with form fields grant_type, client_id, client_secret, scope
 */
export async function startImsEmulator(options: { port?: number } = {}): Promise<ImsEmulator> {
  const clients = new Map<string, ClientRecord>();
  const issuedTokens: IssuedImsToken[] = [];
  const issuedClientSecrets: string[] = [];
  const byAccessToken = new Map<string, IssuedImsToken>();
  const revoked = new Set<string>();
  let expiresInSeconds = DEFAULT_EXPIRES_IN_SECONDS;

  function issueToken(request: RecordedRequest): EmulatorResponse {
    // Secrets must not go in URLs: query strings end up in proxy and access logs (FLOW-SERVICE.md "IMS").
    if (CREDENTIAL_FIELDS.some((field) => field in request.query)) {
      return oauthError(
        400,
        'invalid_request',
        'Client credentials must be sent in the request body, not the query string',
      );
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/x-www-form-urlencoded') {
      return oauthError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
    }
    const form = new URLSearchParams(request.body);
    if (form.get('grant_type') !== 'client_credentials')
      return { status: 400, body: { error: 'unsupported_grant_type' } };

    const client = clients.get(form.get('client_id') ?? '');
    const secret = client?.secrets.find((candidate) => candidate.value === form.get('client_secret'));
    if (!client || !secret) {
      return oauthError(401, 'invalid_client', 'invalid client_id or client_secret');
    }
    if (!form.get('scope')?.trim()) return oauthError(400, 'invalid_scope', 'scope is required');

    const now = Date.now();
    secret.lastUsedAt = now;
    const requested = form
      .get('scope')!
      .split(',')
      .map((scope) => scope.trim())
      .filter(Boolean);
    // A scope of an API the project does not have is left out of the token, not refused.
    const scopes = requested.filter(
      (scope) => client.ioManagementApi || !(IO_MANAGEMENT_SCOPES as readonly string[]).includes(scope),
    );
    const token: IssuedImsToken = {
      accessToken: mintAccessToken(client.clientId, client.orgId, scopes, expiresInSeconds, now),
      clientId: client.clientId,
      orgId: client.orgId,
      expiresAt: now + expiresInSeconds * 1000,
      scopes,
      clientSecretUuid: secret.uuid,
    };
    issuedTokens.push(token);
    byAccessToken.set(token.accessToken, token);
    return {
      status: 200,
      body: { access_token: token.accessToken, token_type: 'bearer', expires_in: expiresInSeconds },
    };
  }

  const server = await startEmulatorServer(
    (request) => {
      if (request.path !== IMS_TOKEN_PATH) return oauthError(404, 'not_found', `No route for ${request.path}`);
      if (request.method !== 'POST') {
        return {
          ...oauthError(405, 'invalid_request', `${request.method} is not allowed`),
          headers: { allow: 'POST' },
        };
      }
      return issueToken(request);
    },
    { port: options.port },
  );

  function newSecret(value: string): ImsClientSecret {
    issuedClientSecrets.push(value);
    return { uuid: randomUUID(), value, createdAt: Date.now() };
  }

  function record(clientId: string): ClientRecord {
    const client = clients.get(clientId);
    if (!client) throw new Error(`IMS knows no client ${clientId}`);
    return client;
  }

  return {
    ...server,
    issuedTokens,
    issuedClientSecrets,
    registerClient(client: ImsClientRegistration) {
      // As a credential whose secrets were replaced in Developer Console: only this one works now.
      clients.set(client.clientId, {
        clientId: client.clientId,
        orgId: client.orgId,
        secrets: [newSecret(client.clientSecret)],
        ioManagementApi: client.ioManagementApi ?? clients.get(client.clientId)?.ioManagementApi ?? false,
      });
    },
    clientSecrets(clientId) {
      return record(clientId).secrets.map((secret) => ({ ...secret }));
    },
    addClientSecret(clientId) {
      const client = record(clientId);
      if (client.secrets.length >= MAX_CLIENT_SECRETS) return undefined;
      const secret = newSecret(`p8e-${randomBytes(24).toString('base64url')}`);
      client.secrets.push(secret);
      return { ...secret };
    },
    deleteClientSecret(clientId, uuid) {
      const client = record(clientId);
      const before = client.secrets.length;
      client.secrets = client.secrets.filter((secret) => secret.uuid !== uuid);
      if (client.secrets.length === before) return false;
      for (const token of issuedTokens) if (token.clientSecretUuid === uuid) revoked.add(token.accessToken);
      return true;
    },
    setIoManagementApi(clientId, added) {
      record(clientId).ioManagementApi = added;
    },
    setExpiresInSeconds(seconds) {
      expiresInSeconds = seconds;
    },
    validateToken(accessToken) {
      const token = byAccessToken.get(accessToken);
      if (!token || revoked.has(accessToken) || Date.now() >= token.expiresAt) return undefined;
      return token;
    },
    revokeAllTokens() {
      for (const token of issuedTokens) revoked.add(token.accessToken);
    },
  };
}
