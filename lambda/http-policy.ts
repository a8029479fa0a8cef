/**
 * The retry and timeout policy of every HTTP call to Adobe, written down in one place.
 *
 * got does the retrying, the exponential backoff and the honouring of `Retry-After`; this module
 * only chooses what is retryable. Defaults are for production; tests pass smaller numbers.
 */
import type { RetryOptions } from 'got';
import { ADOBE_HTTP_LIMITS } from '../core/contract.js';

export interface HttpPolicy {
  /** Per attempt, from request start to the last byte. @default 10_000 */
  readonly timeoutMs: number;
  /** Retries after the first attempt (429, 5xx, timeouts, resets). @default 3 */
  readonly retryLimit: number;
  /** Cap of the exponential backoff (1 s, 2 s, 4 s, ...). @default 8_000 */
  readonly backoffLimitMs: number;
  /** Random jitter added to each backoff (got allows at most 100). @default 100 */
  readonly noiseMs: number;
  /** A `Retry-After` longer than this is not waited for: the attempt fails instead. @default 30_000 */
  readonly maxRetryAfterMs: number;
}

/** The production policy: the contract's numbers, from which the function timeout is sized. */
export const DEFAULT_HTTP_POLICY: HttpPolicy = { ...ADOBE_HTTP_LIMITS, noiseMs: 100 };

/**
 * Status codes worth retrying. 429 and 5xx are transient per FLOW-SERVICE.md (`1102-500`,
 * `1103-503`, `1104-504`: "please try again"). 400, 401 (handled by a token refresh), 403, 404
 * and 412 (handled by re-reading the etag) are never retried here.
 */
export const RETRYABLE_STATUS_CODES = [429, 500, 502, 503, 504] as const;

/** Network failures worth retrying (got's own list, minus DNS failures that will not heal in seconds). */
export const RETRYABLE_ERROR_CODES = [
  'ETIMEDOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'EAI_AGAIN',
  'ECONNABORTED',
] as const;

/**
 * got's retry options for a policy. PATCH is retried on purpose: every PATCH carries `If-Match`,
 * so a repeated PATCH whose first copy did land gets `412` instead of writing twice, and the
 * rotation then re-reads the etag. POST is retried for the IMS token call, which has no effect
 * beyond issuing a token.
 */
export function gotRetryOptions(policy: HttpPolicy, methods: RetryOptions['methods']): Partial<RetryOptions> {
  return {
    limit: policy.retryLimit,
    methods,
    statusCodes: [...RETRYABLE_STATUS_CODES],
    errorCodes: [...RETRYABLE_ERROR_CODES],
    backoffLimit: policy.backoffLimitMs,
    noise: policy.noiseMs,
    maxRetryAfter: policy.maxRetryAfterMs,
  };
}
