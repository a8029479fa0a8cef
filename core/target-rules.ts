/**
 * Every rule about one target, written once as data ({@link TARGET_RULES}): its fields' forms, which
 * STS call it can use, how its session is narrowed, and how long its credentials may live. Three
 * doors apply the table: the function's environment (lambda/config.ts), cdk.json
 * (lib/config/config.ts) and the construct's props (lib/rotator/validate-props.ts). Each describes
 * its target as a {@link TargetView} and names the fields its own way ({@link TARGET_DOORS}; both in
 * core/target-doors.ts); the words are the table's.
 *
 * To add a rule: add an entry to {@link TARGET_RULES} (its `field`, `condition` and `message`; a
 * value that is a CDK token is never judged, see `known`), and a row to the table test
 * (test/unit/core/target-rules.test.ts). Every door applies it from then on.
 */
import { mintMethodFor, TARGET_FIELD_FORMATS, type MintMethod } from './contract.js';
import { bucketNameProblem, durationProblem } from './rotation-rules.js';
import { applyRules, formatMessage, type FieldFormat, type Problem } from './rules.js';
import {
  folderPathProblem,
  normalizeFolderPath,
  partitionOf,
  s3BucketNameProblem,
  sessionPolicySizeProblem,
} from './session-policy.js';
import {
  targetFieldName,
  type TargetField,
  type TargetRule,
  type TargetRuleContext,
  type TargetView,
} from './target-doors.js';

// How a door sees and names a target has a module of its own; re-exported so that the doors keep one path.
export {
  TARGET_DOORS,
  targetFieldName,
  type TargetField,
  type TargetFieldNames,
  type TargetRule,
  type TargetRuleContext,
  type TargetView,
} from './target-doors.js';

/** The STS call the target uses, or undefined when it has no `method`, no role and no IAM-user keys. */
export function mintMethodOfView(target: TargetView): MintMethod | undefined {
  return mintMethodFor({ method: target.method, hasRole: hasRole(target), hasUserKeys: target.hasUserKeys });
}

const hasRole = (target: TargetView) => target.roleArn !== undefined || target.createRole !== undefined;
/**
 * The credentials can be narrowed to a bucket: a created role (its own bucket), or a target naming one and minted by a
 * call that takes a session policy.
 */
export const narrowedToBucket = (target: TargetView, method: MintMethod) =>
  target.createRole !== undefined || (target.bucketName !== undefined && method !== 'get-session-token');
const signedWithUserKeysAlone = (method: MintMethod | undefined) =>
  method === 'get-session-token' || method === 'get-federation-token';
/** A literal value: present and not a token. */
const known = (value: string | undefined, context: TargetRuleContext): value is string =>
  value !== undefined && !context.isUnresolved(value);

/** How a message names the target's role: the field it has, or the ones it could have. */
function roleFields(target: TargetView, { names }: TargetRuleContext): string {
  if (target.roleArn !== undefined) return 'roleArn';
  if (target.createRole !== undefined) return 'createRole';
  return names.canCreateRole ? 'roleArn or createRole' : 'roleArn';
}

/** A rule that the value of a string field has the form `format` describes. */
function formatRule(
  field: TargetField,
  read: (target: TargetView) => string | undefined,
  format: FieldFormat,
): TargetRule {
  return {
    field,
    condition: (target, context) => {
      const value = read(target);
      return known(value, context) && !format.pattern.test(value);
    },
    message: (target) => formatMessage(format, read(target)!),
  };
}

/** A rule whose own function says what is wrong with a string field's value (and shows it). */
function problemRule(
  field: TargetField,
  read: (target: TargetView) => string | undefined,
  problemOf: (value: string) => string | undefined,
): TargetRule {
  return {
    field,
    condition: (target, context) => {
      const value = read(target);
      return known(value, context) && problemOf(value) !== undefined;
    },
    message: (target) => problemOf(read(target)!)!,
  };
}

/** A rule that applies only once the target's STS call is known (else "needs a role or keys" says all). */
function withMethod(
  rule: Omit<TargetRule, 'condition'> & {
    condition: (target: TargetView, context: TargetRuleContext, method: MintMethod) => boolean;
  },
): TargetRule {
  return {
    ...rule,
    condition: (target, context) => {
      const method = mintMethodOfView(target);
      return method !== undefined && rule.condition(target, context, method);
    },
  };
}

/**
 * The session policy's size problem, when the bucket and folder are literal and valid; a created role is narrowed by
 * its own.
 */
function sessionPolicyProblem(target: TargetView, context: TargetRuleContext): string | undefined {
  const { bucketName, folderPath } = target;
  if (target.createRole || !known(bucketName, context) || s3BucketNameProblem(bucketName)) return undefined;
  if (folderPath !== undefined && (!known(folderPath, context) || folderPathProblem(folderPath))) return undefined;
  if (mintMethodOfView(target) === 'get-session-token') return undefined;
  const partition = known(target.roleArn, context) ? partitionOf(target.roleArn) : undefined;
  // An account known only at deploy time is twelve digits, as a literal one.
  const bucketAccount =
    target.bucketAccount === undefined
      ? undefined
      : known(target.bucketAccount, context)
        ? target.bucketAccount
        : '000000000000';
  return sessionPolicySizeProblem({
    partition,
    bucketName,
    folderPath: folderPath === undefined ? undefined : normalizeFolderPath(folderPath),
    bucketAccount,
  });
}

/**
 * The rules, in the order their problems are listed. Each names the field it is about (none: the
 * target as a whole) and words its message with the door's names.
 */
export const TARGET_RULES: readonly TargetRule[] = [
  // The form of each field.
  formatRule('connectionId', (target) => target.connectionId, TARGET_FIELD_FORMATS.connectionId),
  formatRule('sandboxName', (target) => target.sandboxName, TARGET_FIELD_FORMATS.sandboxName),
  formatRule('roleArn', (target) => target.roleArn, TARGET_FIELD_FORMATS.roleArn),
  formatRule('externalId', (target) => target.externalId, TARGET_FIELD_FORMATS.externalId),
  problemRule('bucketName', (target) => target.bucketName, s3BucketNameProblem),
  problemRule('folderPath', (target) => target.folderPath, folderPathProblem),
  // Adobe's stricter rule for the bucket of a role the stack creates.
  problemRule('createRole.bucketName', (target) => target.createRole?.bucketName, bucketNameProblem),
  problemRule('createRole.folderPath', (target) => target.createRole?.folderPath, folderPathProblem),
  formatRule('createRole.roleName', (target) => target.createRole?.roleName, TARGET_FIELD_FORMATS.roleName),
  formatRule('bucketAccount', (target) => target.bucketAccount, TARGET_FIELD_FORMATS.bucketAccount),
  formatRule(
    'createRole.bucketAccount',
    (target) => target.createRole?.bucketAccount,
    TARGET_FIELD_FORMATS.bucketAccount,
  ),
  // Which role.
  {
    condition: (target) => target.roleArn !== undefined && target.createRole !== undefined,
    message: () =>
      'has both roleArn and createRole; keep roleArn to use an existing role, or createRole to have the stack ' +
      'create one',
  },
  {
    field: 'userKeys',
    condition: (target) => target.createRole !== undefined && target.hasUserKeys,
    message: (_target, { names }) =>
      "a role the stack creates trusts only the function's role, so it cannot be assumed with IAM-user keys; " +
      `remove ${names.userKeys}, or use roleArn for a role that trusts the IAM user`,
  },
  {
    condition: (target) => mintMethodOfView(target) === undefined,
    message: (_target, { names }) =>
      `needs roleArn (an existing role)${names.canCreateRole ? ', createRole (a role the stack creates)' : ''} ` +
      `or ${names.userKeys} (GetSessionToken); it has none`,
  },
  // Which STS call, and how its session is narrowed.
  withMethod({
    field: 'folderPath',
    condition: (target) =>
      target.folderPath !== undefined && target.bucketName === undefined && target.createRole === undefined,
    message: () =>
      'needs bucketName: the folder is a key prefix inside that bucket; add bucketName, or remove folderPath',
  }),
  withMethod({
    field: 'method',
    condition: (target) => target.method === 'assume-role' && !hasRole(target),
    message: (target, context) =>
      `"assume-role" needs ${roleFields(target, context)}; add it, or use "get-federation-token" to mint with the ` +
      "IAM user's own keys",
  }),
  withMethod({
    field: 'method',
    condition: (target, _context, method) => signedWithUserKeysAlone(method) && hasRole(target),
    message: (target, context) =>
      `"${target.method}" is signed with the IAM user's own keys and assumes no role; ` +
      `remove ${roleFields(target, context)}, or use "method": "assume-role"`,
  }),
  withMethod({
    field: 'userKeys',
    condition: (target, _context, method) =>
      signedWithUserKeysAlone(method) && !target.hasUserKeys && target.createRole === undefined,
    message: (target) => `is required with "method": "${target.method}": the IAM user's long-term keys sign that call`,
  }),
  withMethod({
    field: 'bucketName',
    condition: (target, _context, method) =>
      method === 'get-session-token' && target.bucketName !== undefined && target.createRole === undefined,
    message: () =>
      'GetSessionToken takes no session policy, so its credentials cannot be narrowed to a bucket; add "method": ' +
      '"get-federation-token" (the same IAM-user keys, narrowed to bucketName and folderPath)',
  }),
  withMethod({
    field: 'bucketName',
    condition: (target, _context, method) =>
      method === 'get-federation-token' && target.bucketName === undefined && target.createRole === undefined,
    message: () =>
      'is required with "method": "get-federation-token": a federated user may do only what its session policy ' +
      'allows, and without a bucket there is none to allow reading',
  }),
  // The bucket's owner goes with the bucket, in a session policy (not GetSessionToken's).
  withMethod({
    field: 'bucketAccount',
    condition: (target, _context, method) =>
      method === 'get-session-token' && target.bucketAccount !== undefined && target.createRole === undefined,
    message: () =>
      "GetSessionToken takes no session policy, so its credentials cannot require the bucket's owner; " +
      'add "method": "get-federation-token" with bucketName (the same IAM-user keys, narrowed), ' +
      'or remove bucketAccount',
  }),
  withMethod({
    field: 'bucketAccount',
    condition: (target, _context, method) =>
      method !== 'get-session-token' &&
      target.bucketAccount !== undefined &&
      target.bucketName === undefined &&
      target.createRole === undefined,
    message: () =>
      'needs bucketName: it names the account that owns that bucket; add bucketName, or remove bucketAccount',
  }),
  // A created role's sessions are narrowed to the role's own bucket and folder.
  ...(['bucketName', 'folderPath', 'bucketAccount'] as const).map(
    (field): TargetRule =>
      withMethod({
        field,
        condition: (target) => target.createRole !== undefined && target[field] !== undefined,
        message: () =>
          `a created role's sessions are narrowed to createRole.${field}; set it there and remove this one`,
      }),
  ),
  withMethod({
    field: 'folderPath',
    condition: (target, context) => sessionPolicyProblem(target, context) !== undefined,
    message: (target, context) =>
      `${target.folderPath === undefined ? '' : `"${target.folderPath}" `}${sessionPolicyProblem(target, context)}`,
  }),
  withMethod({
    field: 'externalId',
    condition: (target, _context, method) =>
      target.externalId !== undefined && !hasRole(target) && signedWithUserKeysAlone(method),
    message: (_target, { names }) =>
      `only applies to AssumeRole; add ${names.canCreateRole ? 'roleArn or createRole,' : 'roleArn'} or remove it`,
  }),
  // Credentials that cannot be narrowed, where the deployment requires it (else a warning: core/target-warnings.ts).
  withMethod({
    field: 'method',
    condition: (_target, context, method) =>
      context.requireNarrowedCredentials === true && method === 'get-session-token',
    message: () =>
      'GetSessionToken credentials cannot be narrowed, and requireNarrowedCredentials is true; use "method": ' +
      '"get-federation-token" with bucketName (and folderPath): the same keys, narrowed to what Adobe reads',
  }),
  withMethod({
    field: 'bucketName',
    condition: (target, context, method) =>
      context.requireNarrowedCredentials === true &&
      method !== 'get-session-token' &&
      !narrowedToBucket(target, method),
    message: () =>
      'is required while requireNarrowedCredentials is true: without it Adobe receives everything this role ' +
      'allows; add the bucket Adobe reads (and folderPath)',
  }),
  // How long the credentials may live.
  withMethod({
    field: 'duration',
    condition: (target, context, method) => lifetimeProblem(target, context, method) !== undefined,
    message: (target, context) => lifetimeProblem(target, context, mintMethodOfView(target)!)!,
  }),
];

function lifetimeProblem(target: TargetView, { names }: TargetRuleContext, method: MintMethod): string | undefined {
  if (target.durationSeconds === undefined) return undefined;
  return durationProblem(method, target.durationSeconds, {
    userKeysField: names.userKeys,
    createdRole: target.createRole !== undefined,
  });
}

/** A problem of one target of a list, with its full path (`targets[2].duration`). */
export interface TargetProblem extends Problem<TargetField> {
  readonly index: number;
  /** The path as the door writes it: `<list>[<index>]` and the field, in the door's names. */
  readonly path: string;
}

/**
 * Apply {@link TARGET_RULES} to every target of a list, and the rule across them: a connection has
 * exactly one target.
 * @param targets undefined for an entry the door already refused for its form (its index is kept).
 * @param list how the door names the list: `targets`, `ROTATION_TARGETS`.
 */
export function targetListProblems(
  targets: readonly (TargetView | undefined)[],
  context: TargetRuleContext & { readonly list: string },
): TargetProblem[] {
  const problems: TargetProblem[] = [];
  const seen = new Map<string, number>();
  targets.forEach((target, index) => {
    if (target === undefined) return;
    const at = `${context.list}[${index}]`;
    for (const problem of applyRules(TARGET_RULES, target, context)) {
      problems.push({
        ...problem,
        index,
        path: problem.field === undefined ? at : `${at}.${targetFieldName(problem.field, context.names)}`,
      });
    }
    const id = target.connectionId;
    if (!known(id, context)) return;
    const first = seen.get(id.toLowerCase());
    if (first === undefined) seen.set(id.toLowerCase(), index);
    else {
      problems.push({
        field: 'connectionId',
        index,
        path: `${at}.connectionId`,
        message: `duplicates ${context.list}[${first}] (${id}); each connection needs exactly one target`,
      });
    }
  });
  return problems;
}

/** `<path>: <message>`, the line every door prints for a problem. */
export function describeTargetProblem(problem: TargetProblem): string {
  return `${problem.path}: ${problem.message}`;
}
