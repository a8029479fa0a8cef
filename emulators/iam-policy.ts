/**
 * The part of IAM's policy evaluation the emulators need to decide what credentials may do in S3
 * and KMS: an explicit `Deny` wins, else an `Allow` whose action, resource and conditions match is
 * needed (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
 * Credentials with a session policy get the intersection of it and their role's (or user's)
 * policy (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session).
 *
 * Conditions: `StringLike` and `StringEquals` on the keys the request context carries
 * (`s3:prefix`, `kms:ViaService`); a statement with any other operator, key, `NotAction` or
 * `NotResource` does not apply: the emulator errs towards refusing, as a stricter AWS would.
 */

/** `*` and `?` of an IAM pattern as a RegExp (case-sensitive, as for resources and condition values). */
function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

const asList = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];

interface Statement {
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
  readonly [key: string]: unknown;
}

/** One request as IAM sees it: the action, the resource's ARN and the condition keys it carries. */
export interface IamRequest {
  /** e.g. `s3:ListBucket`, `s3:GetObject`, `kms:Decrypt`. */
  readonly action: string;
  /** e.g. `arn:aws:s3:::bucket`, `arn:aws:s3:::bucket/key`, `arn:aws:kms:us-east-1:123456789012:key/<id>`. */
  readonly resource: string;
  /** Condition keys and their values, e.g. `{ 's3:prefix': 'crm/daily/' }`. */
  readonly context?: Readonly<Record<string, string>>;
}

/** Whether one statement covers the request (whatever its effect). */
function statementCovers(statement: Statement, request: IamRequest): boolean {
  if (statement.NotAction !== undefined || statement.NotResource !== undefined) return false;
  const action = request.action.toLowerCase();
  if (!asList(statement.Action).some((pattern) => globToRegExp(pattern.toLowerCase()).test(action))) return false;
  if (!asList(statement.Resource).some((pattern) => globToRegExp(pattern).test(request.resource))) return false;
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    if (operator !== 'StringLike' && operator !== 'StringEquals') return false;
    for (const [key, values] of Object.entries(keys)) {
      const actual = Object.entries(request.context ?? {}).find(
        ([name]) => name.toLowerCase() === key.toLowerCase(),
      )?.[1];
      if (actual === undefined) return false;
      const patterns = asList(values);
      if (
        operator === 'StringLike'
          ? !patterns.some((pattern) => globToRegExp(pattern).test(actual))
          : !patterns.includes(actual)
      )
        return false;
    }
  }
  return true;
}

/**
 * Whether a policy document (JSON text) allows the request. Undefined (no such policy) allows
 * everything: the emulator models only the policies a test or the rotator gives it.
 */
export function policyAllows(policy: string | undefined, request: IamRequest): boolean {
  if (policy === undefined) return true;
  let document: { Statement?: unknown };
  try {
    document = JSON.parse(policy) as { Statement?: unknown };
  } catch {
    return false;
  }
  const statements = (Array.isArray(document.Statement) ? document.Statement : [document.Statement]).filter(
    (statement): statement is Statement => typeof statement === 'object' && statement !== null,
  );
  const covering = statements.filter((statement) => statementCovers(statement, request));
  if (covering.some((statement) => statement.Effect === 'Deny')) return false;
  return covering.some((statement) => statement.Effect === 'Allow');
}

/** What credentials may do: their role's (or user's) policy and their session policy, both must allow. */
export interface CredentialPolicies {
  /** The identity policy of the role the credentials are a session of. @default none modelled: allows */
  readonly identity?: string;
  /** The session policy they were minted with. @default none: allows */
  readonly session?: string;
}

/** The intersection: allowed only when every policy the credentials carry allows it. */
export function credentialsAllow(policies: CredentialPolicies, request: IamRequest): boolean {
  return policyAllows(policies.identity, request) && policyAllows(policies.session, request);
}
