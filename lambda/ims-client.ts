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

/**
 * Where a token request gets the Adobe credentials: in the function, its invocation's, read once
 * per invocation (the session's accessor), so the container's token cache never reaches back for them.
 */
export type AdobeCredentialsSource = () => Promise<AdobeCredentials>;

export interface ImsTokenProviderOptions {
  readonly imsUrl: string;
  readonly policy: HttpPolicy;
  /** @default Date.now */
  readonly now?: () => number;
  /**
   * The one identity of a caller that has no invocations (the CLI's `status`), for {@link ImsTokenProvider.getToken}.
   * The function leaves it out and gives each invocation its own credentials ({@link ImsTokenProvider.authFor}).
   * @default none: `getToken` rejects
   */
  readonly credentials?: AdobeCredentialsSource;
}

/**
 * The container's IMS token cache: one token, shared by every invocation until five minutes before
 * it expires, and one request at a time for a new one. It keeps no credentials and no memory of a
 * failure: each request is made with the credentials its caller gives ({@link AdobeAuth}).
 */
export class ImsTokenProvider {
  private readonly http: Got;
  private readonly now: () => number;
  private current?: Promise<CachedToken>;
  private readonly fixed?: AdobeAuth;

  constructor(options: ImsTokenProviderOptions) {
    this.now = options.now ?? Date.now;
    this.http = got.extend({
      prefixUrl: options.imsUrl,
      timeout: { request: options.policy.timeoutMs },
      retry: gotRetryOptions(options.policy, ['POST']),
      responseType: 'json',
    });
    if (options.credentials) this.fixed = this.authFor(options.credentials);
  }

  /** Tokens for one invocation's calls, requested (when the cached one will not do) with `credentials`. */
  authFor(credentials: AdobeCredentialsSource): AdobeAuth {
    return new AdobeAuth(this, credentials);
  }

  /** A valid access token for the `credentials` option's identity (a caller without invocations). */
  getToken(signal?: AbortSignal): Promise<string> {
    if (!this.fixed)
      return Promise.reject(
        new TypeError('ImsTokenProvider.getToken needs the credentials option; the function uses authFor(credentials)'),
      );
    return this.fixed.getToken(signal);
  }

  /** The cached token, or a new one requested with `credentials` (concurrent callers share one request). */
  async token(credentials: AdobeCredentialsSource, signal?: AbortSignal): Promise<string> {
    const cached = this.current;
    if (cached) {
      const token = await cached;
      if (this.now() < token.refreshAt) return token.accessToken;
      if (this.current !== cached) return this.token(credentials, signal);
    }
    // Callers in one invocation share its deadline, so the first one's signal serves them all.
    const pending = this.requestToken(credentials, signal);
    this.current = pending;
    pending.catch(() => {
      if (this.current === pending) this.current = undefined;
    });
    return (await pending).accessToken;
  }

  /**
   * Flow Service answered 401 to `rejectedToken`: drop it (once, however many connections saw the
   * same 401) and return a fresh token.
   */
  async refreshAfterUnauthorized(
    rejectedToken: string,
    credentials: AdobeCredentialsSource,
    signal?: AbortSignal,
  ): Promise<string> {
    const cached = this.current;
    if (cached) {
      const token = await cached.catch(() => undefined);
      if (token?.accessToken === rejectedToken && this.current === cached) this.current = undefined;
    }
    return this.token(credentials, signal);
  }

  private async requestToken(source: AdobeCredentialsSource, signal?: AbortSignal): Promise<CachedToken> {
    const credentials = await source();
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
        throw new ImsError(
          'IMS_AUTH_FAILED',
          `Adobe IMS refused the client credentials (${detail}); check clientId, clientSecret and scopes in the ` +
            'Adobe credentials secret',
          error,
        );
      }
      throw new ImsError('IMS_UNAVAILABLE', `Adobe IMS token request failed: ${describeHttpFailure(error)}`, error);
    }
    const { access_token: accessToken, expires_in: expiresIn } = (body ?? {}) as {
      access_token?: unknown;
      expires_in?: unknown;
    };
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

/**
 * How one invocation's calls to Adobe authenticate: its Adobe credentials (for the API key and org
 * headers, and for a token request) and IMS tokens from the container's cache. One per invocation
 * ({@link ImsTokenProvider.authFor}), so its memory of a failed token request ends with it.
 */
export class AdobeAuth {
  /** Why a token request failed in this invocation. */
  private failure?: unknown;

  constructor(
    private readonly provider: ImsTokenProvider,
    /** The invocation's Adobe credentials. */
    readonly credentials: AdobeCredentialsSource,
  ) {}

  /**
   * A valid access token: the cached one, or a new one.
   *
   * A failed request has already been through got's retries, so its failure is the answer for
   * every caller in this invocation: asking again at once would repeat a whole retry cycle for each
   * connection waiting, one after another, and send a refused client secret to IMS once per
   * connection. The next invocation asks again (IMS may be back, the secret may be fixed).
   */
  getToken(signal?: AbortSignal): Promise<string> {
    return this.remembering(() => this.provider.token(this.credentials, signal));
  }

  /**
   * Flow Service answered 401 to `rejectedToken`: a fresh token (see
   * {@link ImsTokenProvider.refreshAfterUnauthorized}).
   */
  refreshAfterUnauthorized(rejectedToken: string, signal?: AbortSignal): Promise<string> {
    return this.remembering(() => this.provider.refreshAfterUnauthorized(rejectedToken, this.credentials, signal));
  }

  private remembering(ask: () => Promise<string>): Promise<string> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const pending = ask();
    pending.catch((error: unknown) => {
      this.failure ??= error;
    });
    return pending;
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
