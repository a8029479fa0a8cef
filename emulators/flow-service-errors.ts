/**
 * The shapes Adobe answers errors in (FLOW-SERVICE.md, "Error bodies" and "Error bodies seen in
 * Adobe's troubleshooting guide"): Flow Service's own problem documents, the API gateway's
 * `{"error_code", "message"}`, a bare `{"errorMessage"}`, and an RFC 7807 problem with a placeholder
 * `type`. The emulators answer each error in the shape Adobe uses for it, with Adobe's documented
 * codes only, and tests inject faults with the same builders.
 */
import { randomUUID } from 'node:crypto';
import type { EmulatorResponse } from './http-server.js';

/** The short `title` Flow Service problem documents carry, by HTTP status. */
const PROBLEM_TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Resource not found',
  405: 'Method not allowed',
  412: 'Precondition failed',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

/**
 * A Flow Service problem document, as Adobe sends its own errors (`dddd-ddd` codes): the code is
 * the suffix of `type`, the text is in `report["detailed-message"]` (also `errorMessage`,
 * `errorDetails`); `title` is short (FLOW-SERVICE.md, "Error bodies"; LABELS shows a whole one).
 * Tests inject faults with it: `{ kind: 'respond', status: 503, body: flowProblem(503, '1103-503', 'try again') }`.
 */
export function flowProblem(
  status: number,
  code: string,
  detail: string,
  { title, type = 'connections' }: { title?: string; type?: string } = {},
) {
  const requestId = randomUUID();
  return {
    type: `https://ns.adobe.com/aep/errors/FLOW-${code}`,
    title: title ?? PROBLEM_TITLES[status] ?? 'Error',
    status,
    report: { 'detailed-message': detail, id: randomUUID(), 'request-id': requestId, type },
    errorMessage: detail,
    errorDetails: detail,
  };
}

/**
 * The API gateway's refusal, before Flow Service sees the request: `{"error_code", "message"}`
 * (TS: `401013` bad or expired token, `403000` API key missing, `403003` API key invalid,
 * `403010` authorization missing, `400003` org header missing, `403025` not entitled, `403027`
 * user region missing). Tests inject faults with it too.
 */
export function gatewayError(code: string, message: string) {
  return { error_code: code, message };
}

/** Flow Service's own errors, as problem documents (ERR, CAT). */
export function flowError(status: number, errorCode: string, message: string): EmulatorResponse {
  return { status, body: flowProblem(status, errorCode, message) };
}

/** The gateway's own errors. */
export function gatewayRefusal(
  status: number,
  errorCode: string,
  message: string,
  headers?: Record<string, string>,
): EmulatorResponse {
  return { status, body: gatewayError(errorCode, message), ...(headers ? { headers } : {}) };
}

/**
 * A body that is only `{"errorMessage": "…"}`, with no code (TS shows a 412 so): its HTTP status
 * is what it means. The emulator uses it where Adobe documents no code (no route, a wrong method,
 * throttling).
 */
export function messageOnly(status: number, message: string): EmulatorResponse {
  return { status, body: { errorMessage: message } };
}

/**
 * An RFC 7807 problem whose `type` is not one of Adobe's error types, so it carries no code (TS: a
 * content-type 400 is `{"type": "/placeholder/type/uri", "title": "BadRequestError", "detail": …}`).
 */
export function placeholderProblem(status: number, title: string, detail: string): EmulatorResponse {
  return { status, body: { type: '/placeholder/type/uri', title, status, detail } };
}
