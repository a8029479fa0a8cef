/** What loadConfig refuses: each mistake with the field it names and the words it says. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lambda/config.js';
import { ID_A, ROLE, env, oneTarget, problemsOf, problemsOrNone } from './config-env.js';

describe('loadConfig', () => {
  it('refuses a ROTATOR_NAME a query could not hold, naming the value', () => {
    expect(problemsOf(() => loadConfig({ env: env({ ROTATOR_NAME: "it's mine" }) }))).toEqual([
      'ROTATOR_NAME: must be 1 to 255 letters, digits and _.:/- (the rotator dimension of every metric); ' +
        'got "it\'s mine"',
    ]);
  });

  it('refuses a CONNECTION_METRICS that is not a boolean', () => {
    expect(problemsOf(() => loadConfig({ env: env({ CONNECTION_METRICS: 'some' }) }))).toEqual([
      'CONNECTION_METRICS: must be true or false (default true); got "some"',
    ]);
  });

  it('refuses a VERIFY_WITH_ADOBE that is not a boolean, naming the value', () => {
    expect(problemsOf(() => loadConfig({ env: env({ VERIFY_WITH_ADOBE: 'sometimes' }) }))).toEqual([
      'VERIFY_WITH_ADOBE: must be true or false (default true); got "sometimes"',
    ]);
  });

  it('takes folders up to what a 2048-character session policy fits, and names folderPath one past', () => {
    const folder = (length: number) =>
      oneTarget({ roleArn: ROLE, bucketName: 'b'.repeat(63), folderPath: 'f'.repeat(length) });
    let fits = 400;
    while (problemsOrNone(() => loadConfig({ env: folder(fits + 1) })).length === 0) fits += 1;

    const problems = problemsOf(() => loadConfig({ env: folder(fits + 1) }));
    expect(fits).toBeGreaterThan(400);
    expect(problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `^ROTATION_TARGETS\\[0\\]\\.folderPath: "f{${fits + 1}}" makes the session policy 20\\d\\d characters ` +
            'long, above the 2048 STS accepts',
        ),
      ),
    ]);
  });

  it.each([
    [
      'a missing secret id',
      env({ ADOBE_CREDENTIALS_SECRET_ID: undefined }),
      'ADOBE_CREDENTIALS_SECRET_ID: is required',
    ],
    ['no targets variable', env({ ROTATION_TARGETS: undefined }), 'ROTATION_TARGETS: is required'],
    ['both targets variables', env({ ROTATION_TARGETS_FILE: '/x.json' }), 'exactly one may be set'],
    ['targets that are not JSON', env({ ROTATION_TARGETS: '[{' }), 'ROTATION_TARGETS: is not valid JSON'],
    ['targets that are not an array', env({ ROTATION_TARGETS: '{}' }), 'ROTATION_TARGETS: must be a JSON array'],
    ['an empty target list', env({}, []), 'must list at least one target'],
    [
      'a bad connection id',
      env({}, [{ connectionId: 'conn-1', sandboxName: 'prod', roleArn: ROLE }]),
      'ROTATION_TARGETS[0].connectionId: must be a Flow Service connection id',
    ],
    [
      'a missing connection id',
      env({}, [{ sandboxName: 'prod', roleArn: ROLE }]),
      'ROTATION_TARGETS[0].connectionId: is required',
    ],
    [
      'an upper-case sandbox',
      env({}, [{ connectionId: ID_A, sandboxName: 'Prod', roleArn: ROLE }]),
      'ROTATION_TARGETS[0].sandboxName: must be a sandbox name',
    ],
    [
      'a missing sandbox',
      env({}, [{ connectionId: ID_A, roleArn: ROLE }]),
      'ROTATION_TARGETS[0].sandboxName: is required',
    ],
    [
      'a user ARN as role',
      oneTarget({ roleArn: 'arn:aws:iam::123456789012:user/bob' }),
      'ROTATION_TARGETS[0].roleArn: must be an IAM role ARN',
    ],
    ['a short account id', oneTarget({ roleArn: 'arn:aws:iam::1234:role/x' }), 'ROTATION_TARGETS[0].roleArn'],
    ['a one-character external id', oneTarget({ roleArn: ROLE, externalId: 'x' }), 'ROTATION_TARGETS[0].externalId'],
    [
      'an external id without a role',
      oneTarget({ userCredentialsSecretId: 's', externalId: 'abc' }),
      'externalId: only applies to AssumeRole',
    ],
    [
      'an empty user secret id',
      oneTarget({ userCredentialsSecretId: '' }),
      'ROTATION_TARGETS[0].userCredentialsSecretId: must not be empty',
    ],
    [
      'neither role nor user secret',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod' }]),
      'ROTATION_TARGETS[0]: needs roleArn (an existing role) or userCredentialsSecretId (GetSessionToken); it has none',
    ],
    [
      'a fractional duration',
      oneTarget({ roleArn: ROLE, durationSeconds: 1000.5 }),
      'durationSeconds: must be a whole number',
    ],
    [
      'a string duration',
      oneTarget({ roleArn: ROLE, durationSeconds: '3600' }),
      'durationSeconds: must be a whole number',
    ],
    [
      'role chaining above one hour',
      oneTarget({ roleArn: ROLE, durationSeconds: 7200 }),
      'ROTATION_TARGETS[0].durationSeconds: 7200 is above 3600, the cap AWS sets on role chaining (AssumeRole from ' +
        "the function's own role); lower it or give the target userCredentialsSecretId",
    ],
    [
      'a duration under 900',
      oneTarget({ roleArn: ROLE, durationSeconds: 600 }),
      'durationSeconds: 600 is below 900, the shortest session AssumeRole grants',
    ],
    [
      'AssumeRole with user keys above 12 h',
      oneTarget({
        roleArn: ROLE,
        userCredentialsSecretId: 'u',
        durationSeconds: 43201,
      }),
      'durationSeconds: 43201 is above 43200, the most AssumeRole signed with IAM-user keys allows',
    ],
    [
      'GetSessionToken above 36 h',
      oneTarget({ userCredentialsSecretId: 'u', durationSeconds: 129601 }),
      'durationSeconds: 129601 is outside 900 to 129600, the range GetSessionToken accepts',
    ],
    ['an unknown field', oneTarget({ roleArn: ROLE, role: 'x' }), 'ROTATION_TARGETS[0]: unknown field(s) role'],
    [
      'an unknown method',
      oneTarget({ roleArn: ROLE, method: 'assumerole' }),
      'ROTATION_TARGETS[0].method: "assumerole" is not a method; use one of "assume-role", "get-session-token", ' +
        '"get-federation-token"',
    ],
    [
      'a bucket name S3 refuses',
      oneTarget({ roleArn: ROLE, bucketName: 'Acme_Landing' }),
      'ROTATION_TARGETS[0].bucketName: "Acme_Landing" is not a valid bucket name; S3 requires',
    ],
    [
      'a bucket name with two dots',
      oneTarget({ roleArn: ROLE, bucketName: 'acme..landing' }),
      'ROTATION_TARGETS[0].bucketName: "acme..landing" has two adjacent dots',
    ],
    [
      'a bucket name shaped like an IP',
      oneTarget({ roleArn: ROLE, bucketName: '10.1.2.3' }),
      'ROTATION_TARGETS[0].bucketName: "10.1.2.3" is shaped like an IP address',
    ],
    [
      'a reserved bucket prefix',
      oneTarget({ roleArn: ROLE, bucketName: 'xn--acme' }),
      'ROTATION_TARGETS[0].bucketName: "xn--acme" starts with "xn--"',
    ],
    [
      'a folder with a wildcard',
      oneTarget({ roleArn: ROLE, bucketName: 'acme', folderPath: 'crm/*' }),
      'ROTATION_TARGETS[0].folderPath: "crm/*" contains a character',
    ],
    [
      'a folder without a bucket',
      oneTarget({ roleArn: ROLE, folderPath: 'crm' }),
      'ROTATION_TARGETS[0].folderPath: needs bucketName',
    ],
    [
      'a bucket on GetSessionToken',
      oneTarget({ userCredentialsSecretId: 'u', bucketName: 'acme' }),
      'ROTATION_TARGETS[0].bucketName: GetSessionToken takes no session policy, so its credentials cannot be ' +
        'narrowed to a bucket; add "method": "get-federation-token"',
    ],
    [
      'GetFederationToken without a bucket',
      oneTarget({ method: 'get-federation-token', userCredentialsSecretId: 'u' }),
      'ROTATION_TARGETS[0].bucketName: is required with "method": "get-federation-token"',
    ],
    [
      'GetFederationToken without user keys',
      oneTarget({ method: 'get-federation-token', bucketName: 'acme' }),
      'ROTATION_TARGETS[0].userCredentialsSecretId: is required with "method": "get-federation-token"',
    ],
    [
      'GetFederationToken with a role',
      oneTarget({
        method: 'get-federation-token',
        roleArn: ROLE,
        userCredentialsSecretId: 'u',
        bucketName: 'acme',
      }),
      'ROTATION_TARGETS[0].method: "get-federation-token" is signed with the IAM user\'s own keys and assumes no ' +
        'role; remove roleArn',
    ],
    [
      'GetFederationToken with an external id',
      oneTarget({
        method: 'get-federation-token',
        userCredentialsSecretId: 'u',
        bucketName: 'acme',
        externalId: 'abc',
      }),
      'ROTATION_TARGETS[0].externalId: only applies to AssumeRole',
    ],
    [
      'GetFederationToken above 36 h',
      oneTarget({
        method: 'get-federation-token',
        userCredentialsSecretId: 'u',
        bucketName: 'acme',
        durationSeconds: 129601,
      }),
      'ROTATION_TARGETS[0].durationSeconds: 129601 is outside 900 to 129600, the range GetFederationToken accepts',
    ],
    [
      'assume-role without a role',
      oneTarget({ method: 'assume-role', userCredentialsSecretId: 'u' }),
      'ROTATION_TARGETS[0].method: "assume-role" needs roleArn',
    ],
    [
      'get-session-token with a role',
      oneTarget({
        method: 'get-session-token',
        roleArn: ROLE,
        userCredentialsSecretId: 'u',
      }),
      'ROTATION_TARGETS[0].method: "get-session-token" is signed with the IAM user\'s own keys',
    ],
    [
      'a duplicate connection id',
      env({}, [
        { connectionId: ID_A, sandboxName: 'prod', roleArn: ROLE },
        { connectionId: ID_A.toUpperCase(), sandboxName: 'dev', roleArn: ROLE },
      ]),
      'ROTATION_TARGETS[1].connectionId: duplicates ROTATION_TARGETS[0]',
    ],
    ['a target that is not an object', env({}, ['x']), 'ROTATION_TARGETS[0]'],
    [
      'http to a remote host',
      env({ FLOW_SERVICE_URL: 'http://platform.adobe.io/data' }),
      'FLOW_SERVICE_URL: must use https://',
    ],
    ['http to a private address', env({ ADOBE_IMS_URL: 'http://10.0.0.5:8080' }), 'ADOBE_IMS_URL: must use https://'],
    ['a URL that is not one', env({ ADOBE_IMS_URL: 'ims-na1' }), 'ADOBE_IMS_URL: "ims-na1" is not a URL'],
    [
      'zero concurrency',
      env({ ROTATION_CONCURRENCY: '0' }),
      'ROTATION_CONCURRENCY: "0" is not a whole number from 1 to 64',
    ],
    ['non-numeric concurrency', env({ ROTATION_CONCURRENCY: 'eight' }), 'ROTATION_CONCURRENCY'],
    [
      'an oversized target list',
      env({ ROTATION_TARGETS: JSON.stringify(Array.from({ length: 5001 }, () => ({}))) }),
      'has 5001 targets; at most 5000',
    ],
  ])('fails clearly on %s', (_case, environment, expected) => {
    const problems = problemsOf(() => loadConfig({ env: environment }));
    expect(problems.join('\n')).toContain(expected);
  });

  it('names an unreadable targets file by its error code, not its content', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: env({ ROTATION_TARGETS: undefined, ROTATION_TARGETS_FILE: '/nope.json' }),
        readFile: () => {
          throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
        },
      }),
    );
    expect(problems).toEqual(['ROTATION_TARGETS_FILE: cannot read "/nope.json" (ENOENT)']);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: {
          ROTATION_CONCURRENCY: '100',
          ROTATION_TARGETS: JSON.stringify([{ connectionId: 'x', sandboxName: 'prod', roleArn: ROLE }]),
        },
      }),
    );
    expect(problems).toHaveLength(3);
  });
});
