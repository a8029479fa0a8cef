/**
 * Adobe's I/O Management API, for the client secrets of the OAuth Server-to-Server credential
 * (ADOBE-CLIENT-SECRETS.md): list them (never their values), add one (the only answer that carries
 * a value, registered for redaction at once), delete one by its uuid.
 *
 * One got instance per container, its retry policy written down: GET and DELETE are retried on
 * 429, 5xx, timeouts and resets (a DELETE whose first copy landed answers 404 to the second, which
 * counts as deleted); POST is never retried, since a copy that landed unseen would make a secret
 * nobody holds and use up the credential's second place. A 403 means the token lacks the API's
 * scopes: the project lacks the I/O Management API, and the error says how to add it.
 * Adobe's guide, section "Rotating client secrets":
 * https://developer.adobe.com/developer-console/docs/guides/authentication/ServerToServerAuthentication/implementation/
 */
import got, { HTTPError, type Got } from 'got';
import { readAdobeErrorBody } from './adobe-errors.js';
import { RotatorError, type RotatorErrorCode } from './errors.js';
import { gotRetryOptions, type HttpPolicy } from './http-policy.js';
import { describeHttpFailure } from './ims-client.js';
import { redactSecrets, registerSecret } from './redaction.js';

/** The Developer Console's numeric ids of the credential (from its page's URL). */
export interface ConsoleCredentialIds {
  readonly consoleOrgId: string;
  readonly credentialId: string;
}

/** Who a call is made as: the credential's client id (`x-api-key`) and a token with the API's scopes. */
export interface ConsoleAuth {
  readonly clientId: string;
  readonly token: () => Promise<string>;
}

/** A client secret as Adobe lists it: never its value. */
export interface AdobeClientSecret {
  readonly uuid: string;
  /** Epoch ms. */
  readonly createdAt?: number;
  /** Epoch ms of the last token IMS issued with it; undefined when never used. */
  readonly lastUsedAt?: number;
}

/** A secret just added: the value is here once, and nowhere else later. */
export interface AddedAdobeClientSecret extends AdobeClientSecret {
  readonly clientSecret: string;
}

/** The I/O Management API refused or failed; Adobe's code and status, never a header or a body with a value. */
export class AdobeConsoleError extends RotatorError {
  override readonly name: string = 'AdobeConsoleError';

  constructor(
    code: Extract<RotatorErrorCode, 'ADOBE_CONSOLE_FORBIDDEN' | 'ADOBE_CONSOLE_ERROR'>,
    message: string,
    readonly statusCode?: number,
    readonly errorCode?: string,
    cause?: unknown,
  ) {
    super(code, message, cause);
  }
}

/** What a 403 means here, and the fix (ADOBE-CLIENT-SECRETS.md: the project must have the API added). */
export const ADD_IO_MANAGEMENT_API =
  'the credential lacks the I/O Management API: in Adobe Developer Console open the project of the OAuth ' +
  'Server-to-Server credential, choose "Add API", add "I/O Management API" to the same credential, ' +
  'and save (docs/DEPLOY.md, "Rotating the Adobe client secret")';

const epochMs = (value: unknown): number | undefined => {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
};

/** One entry of Adobe's `client_secrets` list, read defensively. */
function readSecret(entry: unknown): AdobeClientSecret | undefined {
  const record = (entry ?? {}) as Record<string, unknown>;
  if (typeof record.uuid !== 'string' || record.uuid === '') return undefined;
  const usages = Array.isArray(record.secret_usages) ? (record.secret_usages as Array<Record<string, unknown>>) : [];
  const lastUsed = usages
    .map((usage) => epochMs(usage.last_used_at))
    .filter((value): value is number => value !== undefined);
  return {
    uuid: record.uuid,
    ...(epochMs(record.created_at) !== undefined ? { createdAt: epochMs(record.created_at) } : {}),
    ...(lastUsed.length > 0 ? { lastUsedAt: Math.max(...lastUsed) } : {}),
  };
}

export class AdobeConsoleClient {
  private readonly http: Got;

  constructor(options: { readonly baseUrl: string; readonly policy: HttpPolicy }) {
    this.http = got.extend({
      prefixUrl: options.baseUrl,
      timeout: { request: options.policy.timeoutMs },
      retry: gotRetryOptions(options.policy, ['GET', 'DELETE']),
      responseType: 'json',
    });
  }

  /** The credential's client secrets, oldest first as Adobe lists them. */
  async listSecrets(auth: ConsoleAuth, ids: ConsoleCredentialIds): Promise<AdobeClientSecret[]> {
    const body = (await this.call('GET', auth, ids)) as { client_secrets?: unknown } | undefined;
    if (!Array.isArray(body?.client_secrets))
      throw new AdobeConsoleError(
        'ADOBE_CONSOLE_ERROR',
        `${this.describe('GET', ids)} answered without client_secrets`,
      );
    return body.client_secrets.map(readSecret).filter((secret): secret is AdobeClientSecret => secret !== undefined);
  }

  /** Add a client secret; its value is registered for redaction before anything else sees it. */
  async addSecret(auth: ConsoleAuth, ids: ConsoleCredentialIds): Promise<AddedAdobeClientSecret> {
    const body = (await this.call('POST', auth, ids)) as Record<string, unknown> | undefined;
    const value = body?.client_secret;
    if (typeof value === 'string') registerSecret(value);
    const secret = readSecret(body);
    if (typeof value !== 'string' || value === '' || !secret) {
      throw new AdobeConsoleError(
        'ADOBE_CONSOLE_ERROR',
        `${this.describe('POST', ids)} answered without the new secret's uuid and value`,
      );
    }
    return { ...secret, clientSecret: value };
  }

  /** Delete a client secret; `absent` when Adobe no longer has it (a retried DELETE whose first copy landed). */
  async deleteSecret(auth: ConsoleAuth, ids: ConsoleCredentialIds, uuid: string): Promise<'deleted' | 'absent'> {
    try {
      await this.call('DELETE', auth, ids, uuid);
      return 'deleted';
    } catch (error) {
      if (error instanceof AdobeConsoleError && error.statusCode === 404) return 'absent';
      throw error;
    }
  }

  private describe(method: string, ids: ConsoleCredentialIds, uuid?: string): string {
    return (
      `Adobe I/O Management API ${method} ` +
      `/console/organizations/${ids.consoleOrgId}/credentials/${ids.credentialId}/secrets${uuid ? `/${uuid}` : ''}`
    );
  }

  private async call(
    method: 'GET' | 'POST' | 'DELETE',
    auth: ConsoleAuth,
    ids: ConsoleCredentialIds,
    uuid?: string,
  ): Promise<unknown> {
    const credential = `${encodeURIComponent(ids.consoleOrgId)}/credentials/${encodeURIComponent(ids.credentialId)}`;
    const path = `console/organizations/${credential}/secrets${uuid ? `/${encodeURIComponent(uuid)}` : ''}`;
    const token = await auth.token();
    try {
      const response = await this.http(path, {
        method,
        headers: { authorization: `Bearer ${token}`, 'x-api-key': auth.clientId },
      });
      return response.body;
    } catch (error) {
      const what = this.describe(method, ids, uuid);
      if (!(error instanceof HTTPError))
        throw new AdobeConsoleError(
          'ADOBE_CONSOLE_ERROR',
          `${what} failed: ${describeHttpFailure(error)}`,
          undefined,
          undefined,
          error,
        );
      const status = error.response.statusCode;
      const { code, detail } = readAdobeErrorBody(error.response.body);
      // Adobe's words may echo what it was sent: scrubbed, and cut to a line.
      const words = detail ? `: ${redactSecrets(detail).slice(0, 300)}` : '';
      const label = `HTTP ${status}${code ? ` (${code})` : ''}`;
      if (status === 403) {
        throw new AdobeConsoleError(
          'ADOBE_CONSOLE_FORBIDDEN',
          `${what} was refused with ${label}${words}; ${ADD_IO_MANAGEMENT_API}`,
          status,
          code,
          error,
        );
      }
      throw new AdobeConsoleError('ADOBE_CONSOLE_ERROR', `${what} failed with ${label}${words}`, status, code, error);
    }
  }
}
