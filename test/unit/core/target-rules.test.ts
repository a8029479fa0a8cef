/**
 * The target rule table (core/target-rules.ts), tested once: each mistake, the field the rule
 * names, and the words; then how a door's names and tokens change them (and nothing else).
 */
import { describe, expect, it } from 'vitest';
import { TARGET_DOORS, TARGET_RULES, targetListProblems, type TargetView } from '../../../core/target-rules.js';
import { applyRules } from '../../../core/rules.js';
import { CASE_ID as ID, CASE_ROLE as ROLE, targetView as target } from '../../support/index.js';

const context = { names: TARGET_DOORS.config, isUnresolved: () => false };

describe('TARGET_RULES', () => {
  it.each<[string, Partial<TargetView>, string | undefined, string]>([
    [
      'a connection id that is not a uuid',
      { connectionId: 'conn-1', roleArn: ROLE },
      'connectionId',
      'must be a Flow Service connection id (a uuid like',
    ],
    [
      'an upper-case sandbox',
      { sandboxName: 'Prod', roleArn: ROLE },
      'sandboxName',
      'must be a sandbox name: lower-case letters, digits and hyphens (e.g. "prod"); got "Prod"',
    ],
    [
      'a user ARN for a role',
      { roleArn: 'arn:aws:iam::123456789012:user/x' },
      'roleArn',
      'must be an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>; got',
    ],
    [
      'an external id with a space',
      { roleArn: ROLE, externalId: 'a b' },
      'externalId',
      'must be 2 to 1224 characters of letters, digits and +=,.@:/-; got "a b"',
    ],
    ['a bucket name S3 refuses', { roleArn: ROLE, bucketName: 'Acme_Bucket' }, 'bucketName', '"Acme_Bucket"'],
    ['a folder with a wildcard', { roleArn: ROLE, bucketName: 'acme', folderPath: 'a*' }, 'folderPath', '"a*"'],
    [
      'a created role with a bucket Adobe refuses',
      { createRole: { bucketName: '1.2.3.4' } },
      'createRole.bucketName',
      'shaped like an IP address',
    ],
    [
      'a created role with a bad name',
      { createRole: { bucketName: 'acme-aep', roleName: 'a b' } },
      'createRole.roleName',
      'must be an IAM role name',
    ],
    [
      'both roleArn and createRole',
      { roleArn: ROLE, createRole: { bucketName: 'acme-aep' } },
      undefined,
      'has both roleArn and createRole',
    ],
    [
      'a created role with IAM-user keys',
      { createRole: { bucketName: 'acme-aep' }, hasUserKeys: true },
      'userKeys',
      "a role the stack creates trusts only the function's role",
    ],
    [
      'no role and no keys',
      {},
      undefined,
      'needs roleArn (an existing role), createRole (a role the stack creates) or userCredentialsSecret ' +
        '(GetSessionToken); it has none',
    ],
    [
      'a folder without a bucket',
      { roleArn: ROLE, folderPath: 'daily' },
      'folderPath',
      'needs bucketName: the folder is a key prefix inside that bucket',
    ],
    [
      '"assume-role" without a role',
      { method: 'assume-role', hasUserKeys: true },
      'method',
      '"assume-role" needs roleArn or createRole; add it',
    ],
    [
      '"get-session-token" with a role',
      { method: 'get-session-token', roleArn: ROLE, hasUserKeys: true },
      'method',
      '"get-session-token" is signed with the IAM user\'s own keys and assumes no role; remove roleArn',
    ],
    [
      '"get-federation-token" without keys',
      { method: 'get-federation-token', bucketName: 'acme' },
      'userKeys',
      'is required with "method": "get-federation-token"',
    ],
    [
      'GetSessionToken with a bucket',
      { hasUserKeys: true, bucketName: 'acme' },
      'bucketName',
      'GetSessionToken takes no session policy',
    ],
    [
      'GetFederationToken without a bucket',
      { method: 'get-federation-token', hasUserKeys: true },
      'bucketName',
      'is required with "method": "get-federation-token": a federated user',
    ],
    [
      'a created role with a target bucketName',
      { createRole: { bucketName: 'acme-aep' }, bucketName: 'acme-aep' },
      'bucketName',
      "a created role's sessions are narrowed to createRole.bucketName",
    ],
    [
      'a created role with a target folderPath',
      { createRole: { bucketName: 'acme-aep' }, folderPath: 'x' },
      'folderPath',
      "a created role's sessions are narrowed to createRole.folderPath",
    ],
    [
      'a session policy over 2,048 characters',
      { roleArn: ROLE, bucketName: 'acme', folderPath: 'f'.repeat(1000) },
      'folderPath',
      `"${'f'.repeat(1000)}" `,
    ],
    [
      'an external id for GetSessionToken',
      { hasUserKeys: true, externalId: 'acme-prod' },
      'externalId',
      'only applies to AssumeRole; add roleArn or createRole, or remove it',
    ],
    [
      'role chaining beyond an hour',
      { roleArn: ROLE, durationSeconds: 7200 },
      'duration',
      '7200 is above 3600, the cap AWS sets on role chaining',
    ],
    [
      'a created role beyond an hour',
      { createRole: { bucketName: 'acme-aep' }, durationSeconds: 7200 },
      'duration',
      "a role this stack creates trusts only the function's role",
    ],
    [
      'GetFederationToken beyond 36 hours',
      { method: 'get-federation-token', hasUserKeys: true, bucketName: 'acme', durationSeconds: 129_601 },
      'duration',
      '129601 is outside 900 to 129600',
    ],
    [
      'a bucket owner that is not an account id',
      { roleArn: ROLE, bucketName: 'acme', bucketAccount: '1234' },
      'bucketAccount',
      'must be the 12-digit id',
    ],
    [
      "a created role's bucket owner that is not an account id",
      { createRole: { bucketName: 'acme-aep', bucketAccount: 'acme' } },
      'createRole.bucketAccount',
      'must be the 12-digit id of the AWS account that owns the bucket; got "acme"',
    ],
    [
      'a bucket owner without a bucket',
      { roleArn: ROLE, bucketAccount: '123456789012' },
      'bucketAccount',
      'needs bucketName: it names the account that owns that bucket',
    ],
    [
      'a bucket owner for GetSessionToken',
      { hasUserKeys: true, bucketAccount: '123456789012' },
      'bucketAccount',
      "GetSessionToken takes no session policy, so its credentials cannot require the bucket's owner",
    ],
    [
      'a created role with a target bucketAccount',
      { createRole: { bucketName: 'acme-aep' }, bucketAccount: '123456789012' },
      'bucketAccount',
      "a created role's sessions are narrowed to createRole.bucketAccount",
    ],
  ])('refuses %s, naming its field', (_mistake, fields, field, words) => {
    const problems = applyRules(TARGET_RULES, target(fields), context);

    expect(problems).toEqual([{ ...(field === undefined ? {} : { field }), message: expect.stringContaining(words) }]);
  });

  it.each<[string, Partial<TargetView>]>([
    ['AssumeRole chained for an hour', { roleArn: ROLE }],
    [
      'AssumeRole with IAM-user keys for 12 hours, narrowed to a folder',
      { roleArn: ROLE, hasUserKeys: true, durationSeconds: 43_200, bucketName: 'acme', folderPath: 'a/b' },
    ],
    ['GetSessionToken for 36 hours', { hasUserKeys: true, durationSeconds: 129_600 }],
    [
      'GetFederationToken narrowed to a bucket',
      { method: 'get-federation-token', hasUserKeys: true, bucketName: 'acme' },
    ],
    [
      'a created role with an external id',
      { createRole: { bucketName: 'acme-aep', folderPath: 'daily', roleName: 'aep-reader' }, externalId: 'acme-prod' },
    ],
  ])('accepts %s', (_name, fields) => {
    expect(applyRules(TARGET_RULES, target(fields), context)).toEqual([]);
  });

  it.each<[string, Partial<TargetView>, string | undefined, string]>([
    [
      'GetSessionToken',
      { hasUserKeys: true },
      'method',
      'GetSessionToken credentials cannot be narrowed, and requireNarrowedCredentials is true; use "method": ' +
        '"get-federation-token" with bucketName',
    ],
    [
      'a role without a bucket',
      { roleArn: ROLE },
      'bucketName',
      'is required while requireNarrowedCredentials is true: without it Adobe receives everything this role allows',
    ],
  ])('refuses %s under requireNarrowedCredentials, and only then', (_name, fields, field, words) => {
    expect(applyRules(TARGET_RULES, target(fields), { ...context, requireNarrowedCredentials: true })).toEqual([
      { field, message: expect.stringContaining(words) },
    ]);
    expect(applyRules(TARGET_RULES, target(fields), context)).toEqual([]);
  });

  it.each<[string, Partial<TargetView>]>([
    ['a role narrowed to a bucket', { roleArn: ROLE, bucketName: 'acme', bucketAccount: '123456789012' }],
    ['a created role', { createRole: { bucketName: 'acme-aep' } }],
    ['GetFederationToken', { method: 'get-federation-token', hasUserKeys: true, bucketName: 'acme' }],
  ])('accepts %s under requireNarrowedCredentials', (_name, fields) => {
    expect(applyRules(TARGET_RULES, target(fields), { ...context, requireNarrowedCredentials: true })).toEqual([]);
  });

  it('counts the bucket owner condition in the session policy size, a deploy-time account as twelve digits', () => {
    // The longest folder that fits without an owner no longer fits with one.
    let length = 300;
    while (
      applyRules(
        TARGET_RULES,
        target({ roleArn: ROLE, bucketName: 'acme', folderPath: 'f'.repeat(length + 1) }),
        context,
      ).length === 0
    )
      length += 1;
    const folderPath = 'f'.repeat(length);

    expect(applyRules(TARGET_RULES, target({ roleArn: ROLE, bucketName: 'acme', folderPath }), context)).toEqual([]);
    for (const [bucketAccount, isUnresolved] of [
      ['123456789012', () => false],
      ['<token>', (value: string) => value === '<token>'],
    ] as const) {
      expect(
        applyRules(TARGET_RULES, target({ roleArn: ROLE, bucketName: 'acme', folderPath, bucketAccount }), {
          ...context,
          isUnresolved,
        }),
      ).toEqual([{ field: 'folderPath', message: expect.stringContaining('makes the session policy') }]);
    }
  });

  it("words messages in the door's names: the environment cannot create a role, the construct takes a Duration", () => {
    const noRole = target({});
    const chained = target({ roleArn: ROLE, durationSeconds: 7200 });
    const lines = (view: TargetView, door: keyof typeof TARGET_DOORS, list: string) =>
      targetListProblems([view], { names: TARGET_DOORS[door], isUnresolved: () => false, list }).map(
        (problem) => `${problem.path}: ${problem.message}`,
      );

    expect(lines(noRole, 'function', 'ROTATION_TARGETS')).toEqual([
      'ROTATION_TARGETS[0]: needs roleArn (an existing role) or userCredentialsSecretId (GetSessionToken); it has none',
    ]);
    expect(lines(chained, 'props', 'targets')).toEqual([
      "targets[0].duration: 7200 is above 3600, the cap AWS sets on role chaining (AssumeRole from the function's " +
        'own role); lower it or give the target userCredentialsSecret so AssumeRole is signed with IAM-user keys',
    ]);
    expect(lines(chained, 'function', 'ROTATION_TARGETS')[0]).toContain(
      'ROTATION_TARGETS[0].durationSeconds: 7200 is above 3600',
    );
    expect(lines(chained, 'function', 'ROTATION_TARGETS')[0]).toContain('give the target userCredentialsSecretId');
  });

  it('judges no value that is still a token, and still applies the rules that need only its presence', () => {
    const token = '<token known at deploy time>';
    const view = target({
      connectionId: token,
      roleArn: token,
      bucketName: token,
      folderPath: 'x',
      hasUserKeys: true,
      method: 'get-session-token',
    });

    const problems = applyRules(TARGET_RULES, view, { ...context, isUnresolved: (value) => value === token });

    expect(problems.map((problem) => problem.field)).toEqual(['method', 'bucketName']);
  });

  it('refuses a second target for a connection, in any case of its id, naming the first', () => {
    const problems = targetListProblems(
      [target({ roleArn: ROLE }), undefined, target({ connectionId: ID.toUpperCase(), roleArn: ROLE })],
      {
        ...context,
        list: 'targets',
      },
    );

    expect(problems).toEqual([
      {
        field: 'connectionId',
        index: 2,
        path: 'targets[2].connectionId',
        message: `duplicates targets[0] (${ID.toUpperCase()}); each connection needs exactly one target`,
      },
    ]);
  });
});
