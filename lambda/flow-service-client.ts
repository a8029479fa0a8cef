/**
 * Flow Service `GET` / `PATCH /connections/{id}` with the four Platform headers.
 *
 * got retries 429, 5xx, timeouts and resets (honouring `Retry-After`); an `afterResponse` hook
 * swaps a rejected IMS token for a fresh one once per request. Everything else becomes a
 * {@link FlowServiceError} carrying Adobe's `error_code` and none of the request's headers.
 */
import got, { HTTPError, type Got } from 'got';
import { FlowServiceError, ImsError } from './errors.js';
import { redactSecrets } from './redaction.js';
import { gotRetryOptions, type HttpPolicy } from './http-policy.js';
import { describeHttpFailure, type ImsTokenProvider } from './ims-client.js';
import type { AdobeCredentials } from './secrets.js';

/** `items[0]` of `GET /connections/{id}`, as far as the rotator reads it (FLOW-SERVICE.md). */
export interface BaseConnection {
  readonly id: string;
  readonly name?: string;
  readonly etag: string;
  readonly state?: string;
  readonly updatedAt?: number;
  readonly updatedBy?: string;
  readonly connectionSpec?: { readonly id?: string; readonly version?: string };
  readonly auth?: { readonly specName?: string; readonly params?: Record<string, unknown> };
}

/** One RFC 6902 operation. */
export interface JsonPatchOperation {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path: string;
  readonly value?: string;
}

export interface FlowServiceClientOptions {
  readonly baseUrl: string;
  readonly tokens: ImsTokenProvider;
  readonly credentials: () => Promise<AdobeCredentials>;
  readonly policy: HttpPolicy;
  /** Called for each retry got makes (for logs). */
  readonly onRetry?: (details: { method: string; connectionId: string; attempt: number; reason: string }) => void;
}

interface RequestContext extends Record<string, unknown> {
  connectionId: string;
  tokenRefreshed?: boolean;
}

export class FlowServiceClient {
  private readonly http: Got;

  constructor(private readonly options: FlowServiceClientOptions) {
    this.http = got.extend({
      prefixUrl: options.baseUrl,
      timeout: { request: options.policy.timeoutMs },
      retry: gotRetryOptions(options.policy, ['GET', 'PATCH']),
      responseType: 'json',
      hooks: {
        afterResponse: [
          async (response, retryWithMergedOptions) => {
            const context = response.request.options.context as RequestContext;
            // 2000/2001/2002-401 and the gateway's 401013: the token is no longer accepted. Refresh once.
            if (response.statusCode !== 401 || context.tokenRefreshed) return response;
            const rejected = String(response.request.options.headers.authorization ?? '').replace(/^Bearer /, '');
            const fresh = await options.tokens.refreshAfterUnauthorized(rejected, response.request.options.signal as AbortSignal | undefined);
            return retryWithMergedOptions({ headers: { authorization: `Bearer ${fresh}` }, context: { tokenRefreshed: true } });
          },
        ],
        beforeRetry: [
          (error, retryCount) => {
            const context = error.options.context as RequestContext;
            options.onRetry?.({
              method: String(error.options.method),
              connectionId: context.connectionId,
              attempt: retryCount,
              reason: describeHttpFailure(error),
            });
          },
        ],
      },
    });
  }

  /** `GET /connections/{id}` in the target's sandbox; returns `items[0]`. */
  async getConnection(connectionId: string, sandboxName: string, signal?: AbortSignal): Promise<BaseConnection> {
    const body = await this.send<{ items?: unknown }>('GET', connectionId, sandboxName, { signal });
    const item = Array.isArray(body?.items) ? (body.items[0] as BaseConnection | undefined) : undefined;
    if (!item || typeof item !== 'object') {
      throw new FlowServiceError(`Flow Service returned no connection for ${connectionId} (empty items)`, 200, undefined);
    }
    if (typeof item.etag !== 'string' || item.etag.length === 0) {
      throw new FlowServiceError(`Flow Service returned connection ${connectionId} without an etag`, 200, undefined);
    }
    return item;
  }

  /** `PATCH /connections/{id}` with `If-Match: <etag>` exactly as GET returned it; returns the new etag. */
  async patchConnection(connectionId: string, sandboxName: string, etag: string, operations: readonly JsonPatchOperation[], signal?: AbortSignal): Promise<string> {
    const body = await this.send<{ etag?: unknown }>('PATCH', connectionId, sandboxName, {
      headers: { 'if-match': etag, 'content-type': 'application/json' },
      body: JSON.stringify(operations),
      signal,
    });
    if (typeof body?.etag !== 'string') {
      throw new FlowServiceError(`Flow Service accepted the PATCH of ${connectionId} but returned no etag`, 200, undefined);
    }
    return body.etag;
  }

  private async send<T>(
    method: 'GET' | 'PATCH',
    connectionId: string,
    sandboxName: string,
    extra: { headers?: Record<string, string>; body?: string; signal?: AbortSignal },
  ): Promise<T> {
    const [token, credentials] = await Promise.all([this.options.tokens.getToken(extra.signal), this.options.credentials()]);
    try {
      const response = await this.http<T>(`connections/${encodeURIComponent(connectionId)}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'x-api-key': credentials.clientId,
          'x-gw-ims-org-id': credentials.orgId,
          // Adobe requires the sandbox header in lower case (FLOW-SERVICE.md).
          'x-sandbox-name': sandboxName.toLowerCase(),
          ...extra.headers,
        },
        body: extra.body,
        signal: extra.signal,
        context: { connectionId } satisfies RequestContext,
      });
      return response.body;
    } catch (error) {
      // A token refresh that failed (in the afterResponse hook) reaches here wrapped by got; it is
      // an IMS problem, and its own message says what to check.
      if ((error as Error)?.cause instanceof ImsError) throw (error as Error).cause;
      throw toFlowServiceError(error, method, connectionId);
    }
  }
}

/** Turn a got failure into a {@link FlowServiceError} with Adobe's `error_code` and message. */
export function toFlowServiceError(error: unknown, method: string, connectionId: string): FlowServiceError {
  if (error instanceof HTTPError) {
    const status = error.response.statusCode;
    const body = error.response.body as { error_code?: unknown; message?: unknown } | undefined;
    const errorCode = typeof body?.error_code === 'string' ? body.error_code : undefined;
    // Redact before truncating, or a cut could leave part of a secret the service echoed back.
    const adobeMessage = typeof body?.message === 'string' ? `: ${redactSecrets(body.message).slice(0, 300)}` : '';
    return new FlowServiceError(
      `Flow Service ${method} /connections/${connectionId} failed with HTTP ${status}${errorCode ? ` (${errorCode})` : ''}${adobeMessage}`,
      status,
      errorCode,
      error,
    );
  }
  const unreachable = (error as { name?: string })?.name !== 'ParseError';
  return new FlowServiceError(
    `Flow Service ${method} /connections/${connectionId} failed: ${describeHttpFailure(error)}`,
    undefined,
    undefined,
    error,
    unreachable ? 'FLOW_SERVICE_UNREACHABLE' : 'FLOW_SERVICE_ERROR',
  );
}
