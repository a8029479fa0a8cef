/**
 * Mistakes in one target, written once in cdk.json's terms, for the door tests: each door (the
 * function's environment, cdk.json, the construct's props) must refuse each mistake it can express
 * with exactly the words the rule table gives (core/target-rules.ts).
 */
import { TARGET_DOORS, targetListProblems, type TargetFieldNames, type TargetView } from '../../core/target-rules.js';
import { targetListWarnings } from '../../core/target-warnings.js';

export const CASE_ID = '4cb0c374-d3bb-4557-b139-5712880adc55';
export const CASE_ROLE = 'arn:aws:iam::123456789012:role/aep-reader';

/** A target as the rules see it: the case connection in `prod`, an hour, no IAM-user keys, and `fields`. */
export const targetView = (fields: Partial<TargetView>): TargetView => ({
  connectionId: CASE_ID,
  sandboxName: 'prod',
  hasUserKeys: false,
  durationSeconds: 3600,
  ...fields,
});

/** A target as cdk.json writes it (`userCredentialsSecret` as a secret name). */
export interface TargetCase {
  readonly connectionId: string;
  readonly sandboxName: string;
  readonly method?: 'assume-role' | 'get-session-token' | 'get-federation-token';
  readonly roleArn?: string;
  readonly createRole?: { readonly bucketName: string; readonly folderPath?: string; readonly bucketAccount?: string };
  readonly externalId?: string;
  readonly userCredentialsSecret?: string;
  readonly durationSeconds?: number;
  readonly bucketName?: string;
  readonly folderPath?: string;
  readonly bucketAccount?: string;
}

const base = { connectionId: CASE_ID, sandboxName: 'prod' } as const;

/** One mistake a rule exists for, with the field the rule names. */
export const TARGET_RULE_CASES: ReadonlyArray<readonly [mistake: string, target: TargetCase]> = [
  ['role chaining beyond one hour', { ...base, roleArn: CASE_ROLE, durationSeconds: 7200 }],
  ['AssumeRole shorter than 15 minutes', { ...base, roleArn: CASE_ROLE, durationSeconds: 600 }],
  ['GetSessionToken beyond 36 hours', { ...base, userCredentialsSecret: 'aep/user', durationSeconds: 129_601 }],
  ['no role and no IAM-user keys', { ...base }],
  ['a folder without a bucket', { ...base, roleArn: CASE_ROLE, folderPath: 'daily' }],
  ['"assume-role" without a role', { ...base, method: 'assume-role', userCredentialsSecret: 'aep/user' }],
  [
    '"get-federation-token" with a role',
    {
      ...base,
      method: 'get-federation-token',
      roleArn: CASE_ROLE,
      userCredentialsSecret: 'aep/user',
      bucketName: 'acme-aep',
    },
  ],
  ['"get-session-token" without IAM-user keys', { ...base, method: 'get-session-token' }],
  ['GetSessionToken narrowed to a bucket', { ...base, userCredentialsSecret: 'aep/user', bucketName: 'acme-aep' }],
  [
    '"get-federation-token" without a bucket',
    { ...base, method: 'get-federation-token', userCredentialsSecret: 'aep/user' },
  ],
  ['an external id without a role', { ...base, userCredentialsSecret: 'aep/user', externalId: 'acme-prod' }],
  [
    'a session policy too long for STS',
    { ...base, roleArn: CASE_ROLE, bucketName: 'acme-aep', folderPath: 'f'.repeat(1000) },
  ],
  ['both roleArn and createRole', { ...base, roleArn: CASE_ROLE, createRole: { bucketName: 'acme-aep' } }],
  [
    'a created role assumed with IAM-user keys',
    { ...base, createRole: { bucketName: 'acme-aep' }, userCredentialsSecret: 'aep/user' },
  ],
  [
    'a created role with its own bucketName',
    { ...base, createRole: { bucketName: 'acme-aep' }, bucketName: 'acme-aep' },
  ],
  [
    'a created role lasting beyond one hour',
    { ...base, createRole: { bucketName: 'acme-aep' }, durationSeconds: 7200 },
  ],
  ['a bucket owner without a bucket', { ...base, roleArn: CASE_ROLE, bucketAccount: '123456789012' }],
  ['a bucket owner for GetSessionToken', { ...base, userCredentialsSecret: 'aep/user', bucketAccount: '123456789012' }],
  [
    'a created role with its own bucketAccount',
    { ...base, createRole: { bucketName: 'acme-aep' }, bucketAccount: '123456789012' },
  ],
];

/** Targets whose credentials cannot be narrowed: refused under `requireNarrowedCredentials`. */
export const UNNARROWED_CASES: ReadonlyArray<readonly [kind: string, target: TargetCase]> = [
  ['GetSessionToken', { ...base, userCredentialsSecret: 'aep/user' }],
  ['a role without a bucket', { ...base, roleArn: CASE_ROLE }],
];

/** The case as the rules see it. */
export function caseView(target: TargetCase): TargetView {
  const { userCredentialsSecret, ...rest } = target;
  return { ...rest, hasUserKeys: userCredentialsSecret !== undefined, durationSeconds: target.durationSeconds ?? 3600 };
}

/** The lines the table gives for the case, with `names` (a door's) and `list`. */
export function tableLines(
  target: TargetCase,
  names: TargetFieldNames,
  list: string,
  { requireNarrowedCredentials = false } = {},
): string[] {
  return targetListProblems([caseView(target)], {
    names,
    isUnresolved: () => false,
    list,
    requireNarrowedCredentials,
  }).map((problem) => `${problem.path}: ${problem.message}`);
}

/** The warning lines the warning table gives for the case (core/target-warnings.ts). */
export function warningLines(target: TargetCase, names: TargetFieldNames, list: string): string[] {
  return targetListWarnings([caseView(target)], { names, isUnresolved: () => false, list }).map(
    (warning) => `${warning.path}: ${warning.message}`,
  );
}

export { TARGET_DOORS };
