/**
 * Flow Service's error bodies (its problem documents, and the API gateway's refusals) and the
 * JSON Patch its `PATCH /connections/{id}` takes, read and applied as the service does, for the
 * Flow Service emulator (flow-service.ts).
 *
 * Faithful to /work/shared/reference/FLOW-SERVICE.md; error codes come from its table, which
 * cites Experience League's "Flow Service error messages" (ERR) and troubleshooting guide (TS).
 */
import { randomUUID } from 'node:crypto';
import type { EmulatorResponse } from './http-server.js';

/** A JSON Patch operation the emulator accepts (RFC 6902, narrowed to Flow Service's ops). */
export interface PatchOperation {
  readonly op: 'add' | 'replace' | 'remove';
  readonly pointer: string;
  readonly target: { field: 'name' | 'description' } | { param: string };
  readonly value?: string;
}

/** Thrown while reading a patch; becomes an Adobe error body. */
export class PatchRejected extends Error {
  constructor(readonly response: EmulatorResponse) {
    super('patch rejected');
  }
}

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
export function flowProblem(status: number, code: string, detail: string, { title, type = 'connections' }: { title?: string; type?: string } = {}) {
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
 * `403010` authorization missing, `400003` org header missing, `403025` not entitled, `429050`
 * throttled). Tests inject faults with it too.
 */
export function gatewayError(code: string, message: string) {
  return { error_code: code, message };
}

/** Flow Service's own errors, as problem documents (ERR, CAT). */
export function flowError(status: number, errorCode: string, message: string): EmulatorResponse {
  return { status, body: flowProblem(status, errorCode, message) };
}

/** ERR `1455-400`: "An error occurred while validating patch instructions: ..." */
const invalidPatch = (detail: string): PatchRejected =>
  new PatchRejected(flowError(400, '1455-400', `An error occurred while validating patch instructions: ${detail}.`));

/** Decode one JSON Pointer reference token (RFC 6901 §4); undefined if it has a bad `~` escape. */
function decodePointerToken(token: string): string | undefined {
  if (/~[^01]|~$/.test(token)) return undefined;
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Read a PATCH body into operations, or throw {@link PatchRejected}. Checks follow
 * FLOW-SERVICE.md: a JSON Patch array (S3-API, UPDATE) of `add`/`replace`/`remove`; the
 * connection spec is immutable (`1414-400`); only the name, the description and `auth.params`
 * members may be written; every other problem is `1455-400`.
 */
export function parsePatch(body: string): PatchOperation[] {
  // ERR 1405-400: "The request body cannot be null or empty."
  if (!body.trim()) throw new PatchRejected(flowError(400, '1405-400', 'The request body cannot be null or empty.'));
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    throw invalidPatch('the body is not valid JSON');
  }
  if (!Array.isArray(document)) throw invalidPatch('the body must be a JSON Patch array');
  // RFC 6902 allows an empty patch; a write that changes nothing is more likely a client bug.
  if (document.length === 0) throw invalidPatch('the patch has no operations');

  return document.map((entry: unknown, index): PatchOperation => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw invalidPatch(`operation ${index} is not an object`);
    const { op, path, value } = entry as Record<string, unknown>;
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw invalidPatch(`unsupported op ${JSON.stringify(op)}`);
    if (typeof path !== 'string' || !path.startsWith('/')) throw invalidPatch(`missing or malformed path in operation ${index}`);
    const tokens = path.slice(1).split('/').map(decodePointerToken);
    if (tokens.some((token) => token === undefined)) throw invalidPatch(`malformed JSON Pointer ${JSON.stringify(path)}`);

    if (tokens[0] === 'connectionSpec') {
      throw new PatchRejected(flowError(400, '1414-400', 'The connection spec of a connection cannot be updated.'));
    }
    let target: PatchOperation['target'];
    if (tokens.length === 1 && (tokens[0] === 'name' || tokens[0] === 'description')) target = { field: tokens[0] };
    else if (tokens.length === 3 && tokens[0] === 'auth' && tokens[1] === 'params' && tokens[2]) target = { param: tokens[2] };
    else throw invalidPatch(`path ${JSON.stringify(path)} cannot be patched`);

    if (op === 'remove') return { op, pointer: path, target };
    // RFC 6902 §4.1/§4.3: add and replace carry a value; every patchable member is a string.
    if (typeof value !== 'string') throw invalidPatch(`missing field "value" (a string) in operation ${index}`);
    return { op, pointer: path, target, value };
  });
}

/**
 * Apply operations to copies of the name, description and params: all succeed or none lands.
 * RFC 6902 §4.2/§4.3: `remove` and `replace` need the target to exist.
 */
export function applyPatch(record: { readonly name: string; readonly description?: string; readonly params: Readonly<Record<string, string>> }, operations: readonly PatchOperation[]) {
  const draft: Record<string, string | undefined> = { name: record.name, description: record.description };
  const params: Record<string, string> = { ...record.params };
  for (const operation of operations) {
    const { target } = operation;
    const exists = 'field' in target ? draft[target.field] !== undefined : Object.hasOwn(params, target.param);
    if (operation.op !== 'add' && !exists) throw invalidPatch(`missing field ${JSON.stringify(operation.pointer)}`);
    if ('field' in target) draft[target.field] = operation.value;
    else if (operation.op === 'remove') delete params[target.param];
    else params[target.param] = operation.value!;
  }
  return { name: draft.name ?? '', description: draft.description, params };
}
