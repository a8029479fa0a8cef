/**
 * How Flow Service reads a `PATCH /connections/{id}` body: a JSON Patch array (RFC 6902) of
 * `add`/`replace`/`remove` on the name, the description and `auth.params` members, applied all or
 * nothing. Anything else is refused with Adobe's code for it (ERR `1405-400`, `1414-400`,
 * `1455-400`, CAT `1365-400` for a param the connection spec does not have), as the problem
 * document Flow Service sends.
 */
import { flowError } from './flow-service-errors.js';
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
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw invalidPatch(`operation ${index} is not an object`);
    const { op, path, value } = entry as Record<string, unknown>;
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw invalidPatch(`unsupported op ${JSON.stringify(op)}`);
    if (typeof path !== 'string' || !path.startsWith('/'))
      throw invalidPatch(`missing or malformed path in operation ${index}`);
    const tokens = path.slice(1).split('/').map(decodePointerToken);
    if (tokens.some((token) => token === undefined))
      throw invalidPatch(`malformed JSON Pointer ${JSON.stringify(path)}`);

    if (tokens[0] === 'connectionSpec') {
      throw new PatchRejected(flowError(400, '1414-400', 'The connection spec of a connection cannot be updated.'));
    }
    let target: PatchOperation['target'];
    if (tokens.length === 1 && (tokens[0] === 'name' || tokens[0] === 'description')) target = { field: tokens[0] };
    else if (tokens.length === 3 && tokens[0] === 'auth' && tokens[1] === 'params' && tokens[2])
      target = { param: tokens[2] };
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
export function applyPatch(
  record: { readonly name: string; readonly description?: string; readonly params: Record<string, string> },
  operations: readonly PatchOperation[],
) {
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

/**
 * The auth params each connection spec has (S3-API): a PATCH of any other `/auth/params/<name>`
 * is refused with CAT's `1365-400`. Specs the emulator does not know are not checked.
 */
export const SPEC_PARAMS: Record<string, ReadonlySet<string>> = {
  'Access Key': new Set(['s3AccessKey', 's3SecretKey', 's3SessionToken', 'bucketName', 'folderPath']),
  'IAMRole Based': new Set(['roleArn', 'bucketName', 'folderPath']),
};

/** The first operation on a param the connection's spec does not have (CAT `1365-400`), if any. */
export function unknownParamOperation(
  operations: readonly PatchOperation[],
  specName: string,
): PatchOperation | undefined {
  const params = SPEC_PARAMS[specName];
  return params === undefined
    ? undefined
    : operations.find(({ target }) => 'param' in target && !params.has(target.param));
}

/** States in which a connection may be updated (ERR `1416-400`). */
export const UPDATABLE_STATES: ReadonlySet<string> = new Set(['enabled', 'disabled', 'initializing']);
