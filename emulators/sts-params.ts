/**
 * The parameters STS takes, checked as AWS checks them: a value outside an API constraint is a
 * `ValidationError` worded as AWS words it ("1 validation error detected: ..."), a session policy
 * that is not one is `MalformedPolicyDocument`.
 *
 * API references: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html,
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html
 */

/** RoleSessionName: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** ExternalId: 2-1224 characters of this set (same page). */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
/**
 * GetFederationToken's Name: 2-32 characters of this set
 * (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html).
 */
const FEDERATED_NAME = /^[\w+=,.@-]*$/;
/**
 * The `Policy` parameter of AssumeRole and GetFederationToken: 1 to 2,048 characters of tab,
 * line feed, carriage return and `\u0020`-`\u00FF` (both API references, "Policy"). AWS answers a
 * value outside these constraints with `ValidationError`, as for any parameter constraint;
 * `PackedPolicyTooLarge` is about the policy's compressed form together with session tags, whose
 * size AWS does not document: tests inject that one as a fault.
 */
const POLICY_MAX_CHARS = 2048;
const POLICY_CHARACTERS = /^[\t\n\r\u0020-\u00ff]+$/;

/** A refusal, with AWS's HTTP status and error code. */
export class StsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** `ValidationError` as AWS words a value outside an API constraint. */
export const validationError = (value: string, field: string, constraint: string) =>
  new StsError(
    400,
    'ValidationError',
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );

/** Parse an optional DurationSeconds within [min, max] (the API's own bounds). */
export function durationParam(raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value))
    throw new StsError(400, 'ValidationError', `Value '${raw}' at 'durationSeconds' is not a valid integer`);
  if (value < min)
    throw validationError(raw, 'durationSeconds', `Member must have value greater than or equal to ${min}`);
  if (value > max) throw validationError(raw, 'durationSeconds', `Member must have value less than or equal to ${max}`);
  return value;
}

/**
 * The `Policy` parameter as AWS checks it: the API's constraints first (`ValidationError`), then
 * the document itself (`MalformedPolicyDocument`): JSON, an object with a `Statement` (an object
 * or a non-empty list of them), each with `Effect` `Allow` or `Deny`, an action, a resource and no
 * principal, and a `Version` AWS knows when there is one (IAM takes a missing one as 2008-10-17).
 * The messages of the second kind are this emulator's; the codes and the HTTP status are AWS's.
 */
export function policyParam(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (raw.length < 1) throw validationError(raw, 'policy', 'Member must have length greater than or equal to 1');
  if (raw.length > POLICY_MAX_CHARS)
    throw validationError(raw, 'policy', `Member must have length less than or equal to ${POLICY_MAX_CHARS}`);
  if (!POLICY_CHARACTERS.test(raw)) {
    throw validationError(
      raw,
      'policy',
      'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+',
    );
  }
  const malformed = (message: string) => new StsError(400, 'MalformedPolicyDocument', message);
  let document: unknown;
  try {
    document = JSON.parse(raw);
  } catch {
    throw malformed('Syntax errors in policy.');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw malformed('Syntax errors in policy.');
  const { Version: version, Statement: statement } = document as Record<string, unknown>;
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17')
    throw malformed('The policy must contain a valid version string');
  const statements = Array.isArray(statement) ? statement : statement === undefined ? [] : [statement];
  if (statements.length === 0) throw malformed('Missing required field Statement');
  for (const entry of statements) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw malformed('Syntax errors in policy.');
    const fields = entry as Record<string, unknown>;
    if (fields.Effect !== 'Allow' && fields.Effect !== 'Deny')
      throw malformed('Missing required field Effect, or it is neither Allow nor Deny');
    if (fields.Action === undefined && fields.NotAction === undefined) throw malformed('Missing required field Action');
    if (fields.Resource === undefined && fields.NotResource === undefined)
      throw malformed('Missing required field Resource');
    if (fields.Principal !== undefined || fields.NotPrincipal !== undefined)
      throw malformed('Policy document should not specify a principal.');
  }
  return raw;
}

/** A parameter's length within the API's bounds (`ValidationError` otherwise). */
function checkLength(value: string, field: string, min: number, max: number): void {
  if (value.length < min || value.length > max) {
    const bound = value.length < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`;
    throw validationError(value, field, `Member must have length ${bound}`);
  }
}

/** AssumeRole's `RoleSessionName` and `ExternalId`, as AWS checks them. */
export function assumeRoleNames(params: Record<string, string>): { sessionName: string; externalId?: string } {
  const { RoleSessionName: sessionName, ExternalId: externalId } = params;
  if (sessionName === undefined) throw validationError('null', 'roleSessionName', 'Member must not be null');
  checkLength(sessionName, 'roleSessionName', 2, 64);
  if (!SESSION_NAME.test(sessionName)) {
    throw validationError(
      sessionName,
      'roleSessionName',
      'Member must satisfy regular expression pattern: [\\w+=,.@-]*',
    );
  }
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) {
    throw validationError(externalId, 'externalId', 'Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*');
  }
  return { sessionName, externalId };
}

/** GetFederationToken's `Name`, as AWS checks it. */
export function federatedNameParam(name: string | undefined): string {
  if (name === undefined) throw validationError('null', 'name', 'Member must not be null');
  checkLength(name, 'name', 2, 32);
  if (!FEDERATED_NAME.test(name))
    throw validationError(name, 'name', 'Member must satisfy regular expression pattern: [\\w+=,.@-]*');
  return name;
}
