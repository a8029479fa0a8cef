/**
 * AWS IAM emulator, for a role's inline policies as `revoke` writes them: `PutRolePolicy`,
 * `GetRolePolicy`, `DeleteRolePolicy` and `ListRolePolicies`, in the Query protocol (`POST /`,
 * form-encoded `Action=...&Version=2010-05-08`, XML answers), SigV4-checked (signing name `iam`,
 * region `us-east-1`, IAM's global endpoint) against the keys the STS emulator issued. A role it
 * does not know is `NoSuchEntity` (404); a policy document that is not JSON is `MalformedPolicyDocument`.
 *
 * {@link IamEmulator.deniesSession} is what IAM's evaluation of such a policy does to a role
 * session: a `Deny` of every action whose `DateLessThan` on `aws:TokenIssueTime` the session's
 * issue time meets (the policy the IAM console's "Revoke active sessions" attaches,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html). The Flow
 * Service emulator asks it before it lets a connection's credentials list a bucket.
 *
 * API reference: https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html
 */
import { escapeXmlWithQuotes as escapeXml, startQueryEmulator } from './query-protocol.js';
import { keysIssuedBy } from './sigv4.js';
import type { Emulator, StsEmulator } from './types.js';

const XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const ACTIONS = ['PutRolePolicy', 'GetRolePolicy', 'DeleteRolePolicy', 'ListRolePolicies'];
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;

export interface IamEmulator extends Emulator {
  /** A role's inline policies, by name (documents as JSON text). */
  rolePolicies(roleName: string): Readonly<Record<string, string>>;
  /** Attach (or replace) an inline policy, as PutRolePolicy would (a fault, a test). */
  putRolePolicy(roleName: string, policyName: string, document: string): void;
  deleteRolePolicy(roleName: string, policyName: string): void;
  /**
   * Whether the role's inline policies deny what Flow Service's explore asks of S3
   * (`s3:ListBucket`) to a session of `roleArn` issued at `issuedAt` (epoch ms): a `Deny` of `*`,
   * `s3:*` or `s3:ListBucket`, unconditional or with a `DateLessThan` `aws:TokenIssueTime` later than it.
   */
  deniesSession(roleArn: string, issuedAt: number): boolean;
}

interface Statement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const LISTING = new Set(['*', 's3:*', 's3:listbucket']);

/** Whether one statement denies listing a bucket to a session issued at `issuedAt`. */
function deniesOlderSession(statement: Statement, issuedAt: number): boolean {
  if (
    statement.Effect !== 'Deny' ||
    !asList(statement.Action).some((action) => LISTING.has(action.toLowerCase())) ||
    asList(statement.Resource).length === 0
  )
    return false;
  const conditions = Object.entries(statement.Condition ?? {});
  if (conditions.length === 0) return true;
  if (conditions.length !== 1) return false;
  const [operator, keys] = conditions[0]!;
  const cutoff = asList(keys['aws:TokenIssueTime'])[0];
  if (operator !== 'DateLessThan' || cutoff === undefined || Object.keys(keys).length !== 1) return false;
  return issuedAt < Date.parse(cutoff);
}

/** Start an IAM emulator on 127.0.0.1 for the roles `sts` knows (by name). */
export async function startIamEmulator(options: {
  readonly sts: Pick<StsEmulator, 'credentialsFor' | 'now' | 'hasRole'>;
}): Promise<IamEmulator> {
  const policies = new Map<string, Map<string, string>>();

  const server = await startQueryEmulator(
    { xmlns: XMLNS, service: 'iam', region: 'us-east-1', ...keysIssuedBy(options.sts), escapeMessage: escapeXml },
    ({ params, error, invalidAction, ...answer }) => {
      const action = params.Action ?? '';
      if (!ACTIONS.includes(action)) return invalidAction();
      const roleName = params.RoleName ?? '';
      if (!options.sts.hasRole(roleName))
        return error(404, 'NoSuchEntity', `The role with name ${roleName} cannot be found.`);
      const ofRole = policies.get(roleName) ?? new Map<string, string>();
      const ok = (result = '') => answer.ok(action, result);
      if (action === 'ListRolePolicies') {
        const names = [...ofRole.keys()].map((name) => `<member>${escapeXml(name)}</member>`).join('');
        return ok(
          `<ListRolePoliciesResult><PolicyNames>${names}</PolicyNames>` +
            '<IsTruncated>false</IsTruncated></ListRolePoliciesResult>',
        );
      }
      const policyName = params.PolicyName ?? '';
      if (action === 'GetRolePolicy' || action === 'DeleteRolePolicy') {
        const document = ofRole.get(policyName);
        if (document === undefined)
          return error(404, 'NoSuchEntity', `The role policy with name ${policyName} cannot be found.`);
        if (action === 'DeleteRolePolicy') {
          ofRole.delete(policyName);
          return ok();
        }
        return ok(
          `<GetRolePolicyResult><RoleName>${escapeXml(roleName)}</RoleName>` +
            `<PolicyName>${escapeXml(policyName)}</PolicyName>` +
            `<PolicyDocument>${escapeXml(encodeURIComponent(document))}</PolicyDocument></GetRolePolicyResult>`,
        );
      }
      const document = params.PolicyDocument ?? '';
      try {
        JSON.parse(document);
      } catch {
        return error(400, 'MalformedPolicyDocument', 'Syntax errors in policy.');
      }
      ofRole.set(policyName, document);
      policies.set(roleName, ofRole);
      return ok();
    },
  );
  return {
    ...server,
    rolePolicies: (roleName) => Object.fromEntries(policies.get(roleName) ?? []),
    putRolePolicy(roleName, policyName, document) {
      policies.set(roleName, (policies.get(roleName) ?? new Map<string, string>()).set(policyName, document));
    },
    deleteRolePolicy(roleName, policyName) {
      policies.get(roleName)?.delete(policyName);
    },
    deniesSession(roleArn, issuedAt) {
      const roleName = ROLE_ARN.exec(roleArn)?.[2];
      if (!roleName) return false;
      for (const document of policies.get(roleName)?.values() ?? []) {
        const statements = asList((JSON.parse(document) as { Statement?: Statement | Statement[] }).Statement);
        if (statements.some((statement) => deniesOlderSession(statement, issuedAt))) return true;
      }
      return false;
    },
  };
}
