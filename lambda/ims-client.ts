/**
 * Adobe IMS OAuth Server-to-Server: exchanges the client credentials for an access token and
 * caches it until five minutes before it expires.
 * https://developer.adobe.com/developer-console/docs/guides/authentication/ServerToServerAuthentication/ims
 */
import got, { HTTPError, type Got } from 'got';
import { ImsError } from './errors.js';
import { gotRetryOptions, type HttpPolicy } from './http-policy.js';
import { registerSecret } from './redaction.js';
import type { AdobeCredentials } from './secrets.js';

/** Refresh this long before IMS says the token expires, so no request carries a dying token. */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60 * 1000;

interface CachedToken {
  readonly accessToken: string;
  readonly refreshAt: number;
}

export interface ImsTokenProviderOptions {
  readonly imsUrl: string;
  readonly credentials: () => Promise<AdobeCredentials>;
  readonly policy: HttpPolicy;
  /** @default Date.now */
  readonly now?: () => number;
}

export class ImsTokenProvider {
  private readonly http: Got;
  private readonly now: () => number;
  private current?: Promise<CachedToken>;
  /** Why the last token request failed; every caller gets it until {@link forgetFailure}. */
  private failure?: unknown;

  constructor(private readonly options: ImsTokenProviderOptions) {
    this.now = options.now ?? Date.now;
    this.http = got.extend({
      prefixUrl: options.imsUrl,
      timeout: { request: options.policy.timeoutMs },
      retry: gotRetryOptions(options.policy, ['POST']),
      responseType: 'json',
    });
  }

  /**
   * A valid access token: the cached one, or a new one (concurrent callers share one request).
   *
   * A failed request has already been through got's retries, so its failure is the answer for
   * every caller until {@link forgetFailure} (the next invocation): asking again at once would
   * repeat a whole retry cycle for each connection waiting, one after another, and send a refused
   * client secret to IMS once per connection.
   */
  async getToken(signal?: AbortSignal): Promise<string> {
    if (this.failure !== undefined) throw this.failure;
    const cached = this.current;
    if (cached) {
      const token = await cached;
      if (this.now() < token.refreshAt) return token.accessToken;
      if (this.current !== cached) return this.getToken(signal);
    }
    // Callers in one invocation share its deadline, so the first one's signal serves them all.
    const pending = this.requestToken(signal);
    this.current = pending;
    pending.catch((error: unknown) => {
      if (this.current !== pending) return;
      this.current = undefined;
      this.failure = error;
    });
    return (await pending).accessToken;
  }

  /** Ask IMS again on the next call (a new invocation: IMS may be back, the secret may be fixed). */
  forgetFailure(): void {
    this.failure = undefined;
  }

  /**
   * Flow Service answered 401 to `rejectedToken`: drop it (once, however many connections saw the
   * same 401) and return a fresh token.
   */
  async refreshAfterUnauthorized(rejectedToken: string, signal?: AbortSignal): Promise<string> {
    const cached = this.current;
    if (cached) {
      const token = await cached.catch(() => undefined);
      if (token?.accessToken === rejectedToken && this.current === cached) this.current = undefined;
    }
    return this.getToken(signal);
  }

  private async requestToken(signal?: AbortSignal): Promise<CachedToken> {
    const credentials = await this.options.credentials();
    const startedAt = this.now();
    let body: unknown;
    try {
      const response = await this.http.post('ims/token/v3', {
        signal,
        // Credentials go in the form body, never the query string (which proxies may log).
        form: {
          grant_type: 'client_credentials',
          client_id: credentials.clientId,
          client_secret: credentials.clientSecret,
          scope: credentials.scopes,
        },
      });
      body = response.body;
    } catch (error) {
      if (error instanceof HTTPError && [400, 401, 403].includes(error.response.statusCode)) {
        const imsError = (error.response.body as { error?: unknown } | undefined)?.error;
        const detail = typeof imsError === 'string' ? imsError : `HTTP ${error.response.statusCode}`;
        throw new ImsError('IMS_AUTH_FAILED', `Adobe IMS refused the client credentials (${detail}); check clientId, clientSecret and scopes in the Adobe credentials secret`, error);
      }
      throw new ImsError('IMS_UNAVAILABLE', `Adobe IMS token request failed: ${describeHttpFailure(error)}`, error);
    }
    const { access_token: accessToken, expires_in: expiresIn } = (body ?? {}) as { access_token?: unknown; expires_in?: unknown };
    if (typeof accessToken !== 'string' || accessToken.length === 0) {
      throw new ImsError('IMS_UNAVAILABLE', 'Adobe IMS answered without an access_token');
    }
    registerSecret(accessToken);
    // v3 gives seconds (about 86399); the retired JWT exchange gave milliseconds.
    const lifetimeMs = typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn * 1000 : 0;
    // A token shorter-lived than twice the margin is kept for half its life, so one rotation
    // still shares one token instead of asking IMS for every request.
    const margin = Math.min(TOKEN_REFRESH_MARGIN_MS, lifetimeMs / 2);
    return { accessToken, refreshAt: startedAt + lifetimeMs - margin };
  }
}

/** A one-line description of a failed got request that never includes headers or bodies. */
export function describeHttpFailure(error: unknown): string {
  if (error instanceof HTTPError) return `HTTP ${error.response.statusCode}`;
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (code === 'ETIMEDOUT') return 'timed out';
  if (name === 'ParseError') return 'the response was not valid JSON';
  return typeof code === 'string' ? code : String(name ?? 'unknown error');
}
