/**
 * Flow Service `GET` / `PATCH /connections/{id}`, explore, and the listings (`/connections`,
 * `/sourceConnections`, `/flows`, `/runs`, paged with `continuationToken`) with the four Platform
 * headers. The client lives as long as the container; each call brings who it is made as (its
 * invocation's Adobe credentials and IMS tokens, {@link CallOptions.auth}).
 *
 * got retries 429, 5xx, timeouts and resets (honouring `Retry-After`); an `afterResponse` hook
 * swaps a rejected IMS token for a fresh one (from the call's `auth`) once per request. Everything
 * else becomes a {@link FlowServiceError} carrying Adobe's code and detail (from either of Adobe's
 * error-body shapes, lambda/flow-service-errors.ts) and none of the request's headers.
 */
import got, { type Got } from 'got';
import { FlowServiceError, ImsError } from './errors.js';
import { toFlowServiceError } from './flow-service-errors.js';
import type { Redactor } from './redaction.js';
import { gotRetryOptions, type HttpPolicy } from './http-policy.js';
import {
  describeHttpFailure,
  type AdobeAuth,
  type AdobeCredentialsSource,
  type ImsTokenProvider,
} from './ims-client.js';

/** `items[0]` of `GET /connections/{id}`, as far as the rotator reads it (FLOW-SERVICE.md). */
export interface BaseConnection {
  readonly id: string;
  readonly name?: string;
  readonly etag: string;
  readonly state?: string;
  readonly updatedAt?: number;
  readonly updatedBy?: string;
  /** The Adobe client (API key) that made the last update. */
  readonly updatedClient?: string;
  readonly connectionSpec?: { readonly id?: string; readonly version?: string };
  readonly auth?: { readonly specName?: string; readonly params?: Record<string, unknown> };
}

/** One entry Flow Service's explore lists (flow-service.yaml, ExploreConnectionResponse). */
export interface ExploreEntry {
  readonly type?: string;
  readonly name?: string;
  readonly path?: string;
  readonly canPreview?: boolean;
  readonly canFetchSchema?: boolean;
}

/** A listing explore: the top, or a folder (lambda/explore-paths.ts builds them). */
export type ExploreQuery = { readonly objectType: 'root' } | { readonly objectType: 'folder'; readonly object: string };

/**
 * A file preview: Flow Service reads the first rows (EXPLORE:
 * `objectType=file&object=<path>&fileType=<type>&preview=true`).
 */
export interface FileQuery {
  readonly objectType: 'file';
  readonly object: string;
  readonly fileType: 'delimited' | 'json' | 'parquet';
  readonly preview: 'true';
  /** For a gzip-compressed file (EXPLORE's query parameters). */
  readonly compressionType?: 'gzip';
}

/** One page of a Flow Service listing, and the token of the next page, if any. */
export interface ListPage {
  readonly items: readonly unknown[];
  readonly continuationToken?: string;
}

/** The collections Flow Service lists (SPEC `listConnections`, `/sourceConnections`, `/flows`, `/runs`). */
export type FlowServiceCollection = 'connections' | 'sourceConnections' | 'flows' | 'runs';

/** The query of one listing request: `property` filters (`name==value`), `limit`, `orderby`, the next page's token. */
export interface ListQuery {
  readonly property?: string;
  readonly limit?: number;
  readonly orderby?: string;
  readonly continuationToken?: string;
}

/**
 * The next page's token of a listing: SPEC's `_links.next.href`
 * (`/connections?continuationToken=…`), or a top-level `continuationToken`.
 */
export function nextPageToken(body: unknown): string | undefined {
  const record = (body && typeof body === 'object' ? body : {}) as {
    continuationToken?: unknown;
    _links?: { next?: { href?: unknown } };
  };
  if (typeof record.continuationToken === 'string' && record.continuationToken) return record.continuationToken;
  const href = record._links?.next?.href;
  if (typeof href !== 'string') return undefined;
  try {
    return new URL(href, 'https://platform.adobe.io').searchParams.get('continuationToken') ?? undefined;
  } catch {
    return undefined;
  }
}

/** One RFC 6902 operation. */
export interface JsonPatchOperation {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path: string;
  readonly value?: string;
}

/** One retry got is about to make. */
export interface RetryDetails {
  readonly method: string;
  readonly connectionId: string;
  readonly attempt: number;
  readonly reason: string;
}

export interface FlowServiceClientOptions {
  readonly baseUrl: string;
  readonly policy: HttpPolicy;
  /**
   * With `credentials`, the one identity of a caller that has no invocations (the CLI's `status`),
   * for calls that bring no `auth`. The function leaves both out: each call brings its invocation's.
   * @default none: every call must bring `auth`
   */
  readonly tokens?: ImsTokenProvider;
  /** See `tokens`. */
  readonly credentials?: AdobeCredentialsSource;
}

/**
 * Per-call options: who the call is made as, the invocation's deadline, and who hears about retries
 * (the connection's logger).
 */
export interface CallOptions {
  /** The invocation's Adobe credentials and IMS tokens. @default the client's `tokens` and `credentials` */
  readonly auth?: Pick<AdobeAuth, 'credentials' | 'getToken' | 'refreshAfterUnauthorized'>;
  /** The invocation's deadline: aborts the request, its retries and its token refresh. */
  readonly signal?: AbortSignal;
  /** Told about each retry got makes (the connection's logger). */
  readonly onRetry?: (details: RetryDetails) => void;
  /**
   * Scrubs Adobe's error detail before it is cut to length: the invocation's, so the credentials
   * it just sent are scrubbed when a PATCH's error quotes them. @default the container's secrets only
   */
  readonly redactor?: Pick<Redactor, 'redact'>;
}

interface RequestContext extends Record<string, unknown> {
  connectionId: string;
  auth: NonNullable<CallOptions['auth']>;
  onRetry?: (details: RetryDetails) => void;
  tokenRefreshed?: boolean;
}

export class FlowServiceClient {
  private readonly http: Got;
  /** The `tokens` and `credentials` options' identity, for calls without `auth`. */
  private readonly fixedAuth?: AdobeAuth;

  constructor(options: FlowServiceClientOptions) {
    if (options.tokens && options.credentials) this.fixedAuth = options.tokens.authFor(options.credentials);
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
            const fresh = await context.auth.refreshAfterUnauthorized(
              rejected,
              response.request.options.signal as AbortSignal | undefined,
            );
            return retryWithMergedOptions({
              headers: { authorization: `Bearer ${fresh}` },
              context: { tokenRefreshed: true },
            });
          },
        ],
        beforeRetry: [
          (error, retryCount) => {
            const context = error.options.context as RequestContext;
            context.onRetry?.({
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
  async getConnection(connectionId: string, sandboxName: string, call: CallOptions = {}): Promise<BaseConnection> {
    const body = await this.send<{ items?: unknown }>(
      'GET',
      connectionPath(connectionId),
      connectionId,
      sandboxName,
      {},
      call,
    );
    const item = Array.isArray(body?.items) ? (body.items[0] as BaseConnection | undefined) : undefined;
    if (!item || typeof item !== 'object') {
      throw new FlowServiceError(
        `Flow Service returned no connection for ${connectionId} (empty items)`,
        200,
        undefined,
      );
    }
    if (typeof item.etag !== 'string' || item.etag.length === 0) {
      throw new FlowServiceError(`Flow Service returned connection ${connectionId} without an etag`, 200, undefined);
    }
    return item;
  }

  /** `PATCH /connections/{id}` with `If-Match: <etag>` exactly as GET returned it; returns the new etag. */
  async patchConnection(
    connectionId: string,
    sandboxName: string,
    etag: string,
    operations: readonly JsonPatchOperation[],
    call: CallOptions = {},
  ): Promise<string> {
    const body = await this.send<{ etag?: unknown }>(
      'PATCH',
      connectionPath(connectionId),
      connectionId,
      sandboxName,
      { headers: { 'if-match': etag, 'content-type': 'application/json' }, body: JSON.stringify(operations) },
      call,
    );
    if (typeof body?.etag !== 'string') {
      throw new FlowServiceError(
        `Flow Service accepted the PATCH of ${connectionId} but returned no etag`,
        200,
        undefined,
      );
    }
    return body.etag;
  }

  /**
   * `GET /connections/{id}/explore`: Flow Service lists S3 with the credentials the connection
   * holds. Returns the entries; a refusal (Adobe's problem body) throws a {@link FlowServiceError}.
   */
  async exploreConnection(
    connectionId: string,
    sandboxName: string,
    query: ExploreQuery,
    call: CallOptions = {},
  ): Promise<ExploreEntry[]> {
    const body = await this.explore(connectionId, sandboxName, query, call);
    if (!Array.isArray(body)) {
      throw new FlowServiceError(
        `Flow Service explored connection ${connectionId} but answered something other than a list of entries`,
        200,
        undefined,
      );
    }
    return body as ExploreEntry[];
  }

  /**
   * `GET /connections/{id}/explore?objectType=file&…&preview=true`: Flow Service reads the first
   * rows of a file with the credentials the connection holds (S3 `GetObject`, and `kms:Decrypt`
   * for SSE-KMS). A 200 is the proof; what it shows is not read.
   */
  async previewFile(
    connectionId: string,
    sandboxName: string,
    query: FileQuery,
    call: CallOptions = {},
  ): Promise<void> {
    await this.explore(connectionId, sandboxName, query, call);
  }

  /** `GET /connections/{id}/explore` with `query` as its parameters: a listing or a file preview. */
  private explore(
    connectionId: string,
    sandboxName: string,
    query: ExploreQuery | FileQuery,
    call: CallOptions,
  ): Promise<unknown> {
    const path = `${connectionPath(connectionId)}/explore`;
    return this.send<unknown>('GET', path, connectionId, sandboxName, { searchParams: { ...query } }, call);
  }

  /**
   * One page of a listing in a sandbox: `GET /<collection>?property=…&limit=…&continuationToken=…`.
   * @param subject names what is listed in errors and retries (a connection id the listing is about, or the
   * collection).
   */
  async listPage(
    collection: FlowServiceCollection,
    sandboxName: string,
    query: ListQuery,
    call: CallOptions = {},
    subject: string = collection,
  ): Promise<ListPage> {
    const searchParams = Object.fromEntries(
      Object.entries(query)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => [key, String(value)]),
    );
    const body = await this.send<{ items?: unknown }>('GET', collection, subject, sandboxName, { searchParams }, call);
    if (!Array.isArray(body?.items)) {
      throw new FlowServiceError(
        `Flow Service listed ${collection} but answered without an items list`,
        200,
        undefined,
      );
    }
    const continuationToken = nextPageToken(body);
    return { items: body.items, ...(continuationToken ? { continuationToken } : {}) };
  }

  private async send<T>(
    method: 'GET' | 'PATCH',
    path: string,
    subject: string,
    sandboxName: string,
    extra: { headers?: Record<string, string>; body?: string; searchParams?: Record<string, string> },
    { auth = this.fixedAuth, signal, onRetry, redactor }: CallOptions,
  ): Promise<T> {
    if (!auth)
      throw new TypeError(
        `FlowServiceClient: the ${method} of ${subject} names no Adobe identity (auth, or the client's tokens and ` +
          'credentials)',
      );
    const [token, credentials] = await Promise.all([auth.getToken(signal), auth.credentials()]);
    try {
      const response = await this.http<T>(path, {
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
        searchParams: extra.searchParams,
        signal,
        context: { connectionId: subject, auth, onRetry } satisfies RequestContext,
      });
      return response.body;
    } catch (error) {
      // A token refresh that failed (in the afterResponse hook) reaches here wrapped by got; it is
      // an IMS problem, and its own message says what to check.
      if ((error as Error)?.cause instanceof ImsError) throw (error as Error).cause;
      throw toFlowServiceError(error, method, subject, sandboxName, { resource: `/${path}`, redactor });
    }
  }
}

/** `connections/<id>`, the id escaped. */
function connectionPath(connectionId: string): string {
  return `connections/${encodeURIComponent(connectionId)}`;
}
