/*
 * How a target's credentials are minted: the STS calls (who signs them, how long their credentials
 * may live), the values of a target's `method` field, and `mintMethodFor`, which picks the call for
 * a target however it is written. Part of the function's contract, which re-exports it; imports
 * nothing, so every layer may use it. (A plain comment: as a doc comment, the package's bundled
 * types would carry it into DURATION_LIMITS' declaration.)
 */

/**
 * STS duration limits per call.
 * - AssumeRole signed by the function's own role is role chaining: capped at one hour
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining).
 * - AssumeRole signed with IAM-user keys: up to the role's MaxSessionDuration, at most 12 h.
 * - GetSessionToken: 900 s to 36 h (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html).
 * - GetFederationToken with IAM-user keys: 900 s to 36 h
 *   (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html).
 */
export const DURATION_LIMITS = {
  'assume-role-chained': { min: 900, max: 3600 },
  'assume-role-user-keys': { min: 900, max: 43_200 },
  'get-session-token': { min: 900, max: 129_600 },
  'get-federation-token': { min: 900, max: 129_600 },
} as const;

/** The STS call a target's credentials come from, and who signs it. */
export type MintMethod = keyof typeof DURATION_LIMITS;

/**
 * The values of a target's optional `method` field. Without it the call is inferred from the
 * fields, as before the field existed: a role means AssumeRole, IAM-user keys alone GetSessionToken.
 * GetFederationToken is never inferred: it must be asked for.
 */
export const TARGET_METHODS = ['assume-role', 'get-session-token', 'get-federation-token'] as const;
export type TargetMethod = (typeof TARGET_METHODS)[number];

/** What {@link mintMethodFor} looks at in a target, however it is written. */
export interface TargetFacts {
  /** The target's `method` field, if it has one. */
  readonly method?: TargetMethod;
  /** The target names a role (roleArn) or has the stack create one (createRole). */
  readonly hasRole: boolean;
  /** The target names a secret holding an IAM user's long-term keys. */
  readonly hasUserKeys: boolean;
}

/**
 * The STS call for a target: the one its `method` names (AssumeRole signed by the function's role
 * or by the IAM user, depending on the keys), else inferred exactly as before `method` existed.
 * @returns undefined when the target has no `method`, no role and no IAM-user keys.
 */
export function mintMethodFor({ method, hasRole, hasUserKeys }: TargetFacts): MintMethod | undefined {
  if (method === 'get-session-token' || method === 'get-federation-token') return method;
  if (method === 'assume-role' || hasRole) return hasUserKeys ? 'assume-role-user-keys' : 'assume-role-chained';
  return hasUserKeys ? 'get-session-token' : undefined;
}

/** The `method` value that selects `method` (the AssumeRole variants differ only by who signs). */
export function targetMethodOf(method: MintMethod): TargetMethod {
  return method === 'assume-role-chained' || method === 'assume-role-user-keys' ? 'assume-role' : method;
}
