import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lambda/config.js';
import { ConfigError } from '../../../lambda/errors.js';

const ID_A = '4cb0c374-d3bb-4557-b139-5712880adc55';
const ID_B = '9e0f2c1a-1111-4222-8333-444455556666';
const ROLE = 'arn:aws:iam::123456789012:role/aep-ingest';

function env(
  overrides: Record<string, string | undefined> = {},
  targets: unknown = [{ connectionId: ID_A, sandboxName: 'prod', roleArn: ROLE }],
) {
  return {
    ADOBE_CREDENTIALS_SECRET_ID: 'aep/adobe',
    ROTATION_TARGETS: JSON.stringify(targets),
    ...overrides,
  };
}

/** The problems `fn` throws, or none. */
function problemsOrNone(fn: () => unknown): string[] {
  try {
    fn();
    return [];
  } catch (error) {
    return [...(error as ConfigError).problems];
  }
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('reads a valid environment with documented defaults', () => {
    const config = loadConfig({ env: env() });
    expect(config).toEqual({
      adobeCredentialsSecretId: 'aep/adobe',
      targets: [
        {
          connectionId: ID_A,
          sandboxName: 'prod',
          method: 'assume-role-chained',
          roleArn: ROLE,
          externalId: undefined,
          userCredentialsSecretId: undefined,
          durationSeconds: 3600,
        },
      ],
      flowServiceUrl: 'https://platform.adobe.io/data/foundation/flowservice',
      imsUrl: 'https://ims-na1.adobelogin.com',
      adobeConsoleApiUrl: 'https://api.adobe.io',
      concurrency: 8,
      verifyWithAdobe: true,
      rotatorName: 'aep-s3-credential-rotator',
      connectionMetrics: true,
    });
  });

  it.each([
    [{}, 'aep-s3-credential-rotator'],
    [{ POWERTOOLS_SERVICE_NAME: 'orders-rotator' }, 'orders-rotator'],
    [
      { AWS_LAMBDA_FUNCTION_NAME: 'Prod-RotatorFunction1A2B-x9Y8', POWERTOOLS_SERVICE_NAME: 'orders-rotator' },
      'Prod-RotatorFunction1A2B-x9Y8',
    ],
    [{ ROTATOR_NAME: 'eu-prod', AWS_LAMBDA_FUNCTION_NAME: 'Prod-RotatorFunction1A2B-x9Y8' }, 'eu-prod'],
  ])('names the rotator dimension from %j: %s', (overrides, expected) => {
    expect(loadConfig({ env: env(overrides) }).rotatorName).toBe(expected);
  });

  it('refuses a ROTATOR_NAME a query could not hold, naming the value', () => {
    expect(problemsOf(() => loadConfig({ env: env({ ROTATOR_NAME: "it's mine" }) }))).toEqual([
      'ROTATOR_NAME: must be 1 to 255 letters, digits and _.:/- (the rotator dimension of every metric); ' +
        'got "it\'s mine"',
    ]);
  });

  it.each([
    ['false', false],
    ['true', true],
  ])('reads CONNECTION_METRICS=%s as %s', (value, expected) => {
    expect(loadConfig({ env: env({ CONNECTION_METRICS: value }) }).connectionMetrics).toBe(expected);
  });

  it('refuses a CONNECTION_METRICS that is not a boolean', () => {
    expect(problemsOf(() => loadConfig({ env: env({ CONNECTION_METRICS: 'some' }) }))).toEqual([
      'CONNECTION_METRICS: must be true or false (default true); got "some"',
    ]);
  });

  it.each([
    ['false', false],
    ['OFF', false],
    ['0', false],
    ['true', true],
    ['yes', true],
  ])('reads VERIFY_WITH_ADOBE=%s as %s', (value, expected) => {
    expect(loadConfig({ env: env({ VERIFY_WITH_ADOBE: value }) }).verifyWithAdobe).toBe(expected);
  });

  it('refuses a VERIFY_WITH_ADOBE that is not a boolean, naming the value', () => {
    expect(problemsOf(() => loadConfig({ env: env({ VERIFY_WITH_ADOBE: 'sometimes' }) }))).toEqual([
      'VERIFY_WITH_ADOBE: must be true or false (default true); got "sometimes"',
    ]);
  });

  it('chooses the STS call from the fields each target has', () => {
    const config = loadConfig({
      env: env({}, [
        {
          connectionId: ID_A,
          sandboxName: 'prod',
          roleArn: ROLE,
          userCredentialsSecretId: 'aep/user',
          durationSeconds: 43200,
        },
        { connectionId: ID_B, sandboxName: 'dev', userCredentialsSecretId: 'aep/user', durationSeconds: 129600 },
      ]),
    });
    expect(config.targets.map((t) => [t.method, t.durationSeconds])).toEqual([
      ['assume-role-user-keys', 43200],
      ['get-session-token', 129600],
    ]);
  });

  it('reads bucketName and folderPath (normalized) and keeps inferring the STS call as before when method is absent', () => {
    const config = loadConfig({
      env: env({}, [
        {
          connectionId: ID_A,
          sandboxName: 'prod',
          roleArn: ROLE,
          bucketName: 'acme-aep-landing',
          folderPath: '/crm/daily/',
        },
        { connectionId: ID_B, sandboxName: 'dev', userCredentialsSecretId: 'aep/user' },
      ]),
    });
    expect(config.targets).toEqual([
      expect.objectContaining({
        method: 'assume-role-chained',
        bucketName: 'acme-aep-landing',
        folderPath: 'crm/daily',
      }),
      expect.objectContaining({ method: 'get-session-token' }),
    ]);
    expect(config.targets[1]).not.toHaveProperty('bucketName');
    expect(config.targets[1]).not.toHaveProperty('folderPath');
  });

  it.each([
    [{ method: 'assume-role', roleArn: ROLE }, 'assume-role-chained'],
    [{ method: 'assume-role', roleArn: ROLE, userCredentialsSecretId: 'aep/user' }, 'assume-role-user-keys'],
    [{ method: 'get-session-token', userCredentialsSecretId: 'aep/user' }, 'get-session-token'],
    [
      { method: 'get-federation-token', userCredentialsSecretId: 'aep/user', bucketName: 'acme-aep-landing' },
      'get-federation-token',
    ],
  ])('takes method %j as %s', (fields, method) => {
    const config = loadConfig({ env: env({}, [{ connectionId: ID_A, sandboxName: 'prod', ...fields }]) });
    expect(config.targets[0]!.method).toBe(method);
  });

  it('accepts GetFederationToken durations from 900 to 129600', () => {
    for (const durationSeconds of [900, 129_600]) {
      const targets = [
        {
          connectionId: ID_A,
          sandboxName: 'prod',
          method: 'get-federation-token',
          userCredentialsSecretId: 'u',
          bucketName: 'acme',
          durationSeconds,
        },
      ];
      expect(loadConfig({ env: env({}, targets) }).targets[0]!.durationSeconds).toBe(durationSeconds);
    }
  });

  it('accepts the longest folder whose session policy fits in 2048 characters, and refuses one character more naming folderPath', () => {
    const target = (length: number) => [
      {
        connectionId: ID_A,
        sandboxName: 'prod',
        roleArn: ROLE,
        bucketName: 'b'.repeat(63),
        folderPath: 'f'.repeat(length),
      },
    ];
    let fits = 400;
    while (problemsOrNone(() => loadConfig({ env: env({}, target(fits + 1)) })).length === 0) fits += 1;

    const problems = problemsOf(() => loadConfig({ env: env({}, target(fits + 1)) }));
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

  it('reads the targets from ROTATION_TARGETS_FILE', () => {
    const config = loadConfig({
      env: env({ ROTATION_TARGETS: undefined, ROTATION_TARGETS_FILE: '/var/task/targets.json' }),
      readFile: (path) => {
        expect(path).toBe('/var/task/targets.json');
        return JSON.stringify([{ connectionId: ID_B, sandboxName: 'dev', roleArn: ROLE }]);
      },
    });
    expect(config.targets[0]!.connectionId).toBe(ID_B);
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
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', roleArn: 'arn:aws:iam::123456789012:user/bob' }]),
      'ROTATION_TARGETS[0].roleArn: must be an IAM role ARN',
    ],
    [
      'a short account id',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', roleArn: 'arn:aws:iam::1234:role/x' }]),
      'ROTATION_TARGETS[0].roleArn',
    ],
    [
      'a one-character external id',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', roleArn: ROLE, externalId: 'x' }]),
      'ROTATION_TARGETS[0].externalId',
    ],
    [
      'an external id without a role',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', userCredentialsSecretId: 's', externalId: 'abc' }]),
      'externalId: only applies to AssumeRole',
    ],
    [
      'an empty user secret id',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', userCredentialsSecretId: '' }]),
      'ROTATION_TARGETS[0].userCredentialsSecretId: must not be empty',
    ],
    [
      'neither role nor user secret',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod' }]),
      'ROTATION_TARGETS[0]: needs roleArn (an existing role) or userCredentialsSecretId (GetSessionToken); it has none',
    ],
    [
      'a fractional duration',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', roleArn: ROLE, durationSeconds: 1000.5 }]),
      'durationSeconds: must be a whole number',
    ],
    [
      'a string duration',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', roleArn: ROLE, durationSeconds: '3600' }]),
      'durationSeconds: must be a whole number',
    ],
    [
      'role chaining above one hour',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', roleArn: ROLE, durationSeconds: 7200 }]),
      'ROTATION_TARGETS[0].durationSeconds: 7200 is above 3600, the cap AWS sets on role chaining (AssumeRole from ' +
        "the function's own role); lower it or give the target userCredentialsSecretId",
    ],
    [
      'a duration under 900',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', roleArn: ROLE, durationSeconds: 600 }]),
      'durationSeconds: 600 is below 900, the shortest session AssumeRole grants',
    ],
    [
      'AssumeRole with user keys above 12 h',
      env({}, [
        {
          connectionId: ID_A,
          sandboxName: 'prod',
          roleArn: ROLE,
          userCredentialsSecretId: 'u',
          durationSeconds: 43201,
        },
      ]),
      'durationSeconds: 43201 is above 43200, the most AssumeRole signed with IAM-user keys allows',
    ],
    [
      'GetSessionToken above 36 h',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', userCredentialsSecretId: 'u', durationSeconds: 129601 }]),
      'durationSeconds: 129601 is outside 900 to 129600, the range GetSessionToken accepts',
    ],
    [
      'an unknown field',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', roleArn: ROLE, role: 'x' }]),
      'ROTATION_TARGETS[0]: unknown field(s) role',
    ],
    [
      'an unknown method',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', roleArn: ROLE, method: 'assumerole' }]),
      'ROTATION_TARGETS[0].method: "assumerole" is not a method; use one of "assume-role", "get-session-token", ' +
        '"get-federation-token"',
    ],
    [
      'a bucket name S3 refuses',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', roleArn: ROLE, bucketName: 'Acme_Landing' }]),
      'ROTATION_TARGETS[0].bucketName: "Acme_Landing" is not a valid bucket name; S3 requires',
    ],
    [
      'a bucket name with two dots',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', roleArn: ROLE, bucketName: 'acme..landing' }]),
      'ROTATION_TARGETS[0].bucketName: "acme..landing" has two adjacent dots',
    ],
    [
      'a bucket name shaped like an IP',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', roleArn: ROLE, bucketName: '10.1.2.3' }]),
      'ROTATION_TARGETS[0].bucketName: "10.1.2.3" is shaped like an IP address',
    ],
    [
      'a reserved bucket prefix',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', roleArn: ROLE, bucketName: 'xn--acme' }]),
      'ROTATION_TARGETS[0].bucketName: "xn--acme" starts with "xn--"',
    ],
    [
      'a folder with a wildcard',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', roleArn: ROLE, bucketName: 'acme', folderPath: 'crm/*' }]),
      'ROTATION_TARGETS[0].folderPath: "crm/*" contains a character',
    ],
    [
      'a folder without a bucket',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', roleArn: ROLE, folderPath: 'crm' }]),
      'ROTATION_TARGETS[0].folderPath: needs bucketName',
    ],
    [
      'a bucket on GetSessionToken',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', userCredentialsSecretId: 'u', bucketName: 'acme' }]),
      'ROTATION_TARGETS[0].bucketName: GetSessionToken takes no session policy, so its credentials cannot be ' +
        'narrowed to a bucket; add "method": "get-federation-token"',
    ],
    [
      'GetFederationToken without a bucket',
      env({}, [
        { connectionId: ID_A, sandboxName: 'prod', method: 'get-federation-token', userCredentialsSecretId: 'u' },
      ]),
      'ROTATION_TARGETS[0].bucketName: is required with "method": "get-federation-token"',
    ],
    [
      'GetFederationToken without user keys',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', method: 'get-federation-token', bucketName: 'acme' }]),
      'ROTATION_TARGETS[0].userCredentialsSecretId: is required with "method": "get-federation-token"',
    ],
    [
      'GetFederationToken with a role',
      env({}, [
        {
          connectionId: ID_A,
          sandboxName: 'prod',
          method: 'get-federation-token',
          roleArn: ROLE,
          userCredentialsSecretId: 'u',
          bucketName: 'acme',
        },
      ]),
      'ROTATION_TARGETS[0].method: "get-federation-token" is signed with the IAM user\'s own keys and assumes no ' +
        'role; remove roleArn',
    ],
    [
      'GetFederationToken with an external id',
      env({}, [
        {
          connectionId: ID_A,
          sandboxName: 'prod',
          method: 'get-federation-token',
          userCredentialsSecretId: 'u',
          bucketName: 'acme',
          externalId: 'abc',
        },
      ]),
      'ROTATION_TARGETS[0].externalId: only applies to AssumeRole',
    ],
    [
      'GetFederationToken above 36 h',
      env({}, [
        {
          connectionId: ID_A,
          sandboxName: 'prod',
          method: 'get-federation-token',
          userCredentialsSecretId: 'u',
          bucketName: 'acme',
          durationSeconds: 129601,
        },
      ]),
      'ROTATION_TARGETS[0].durationSeconds: 129601 is outside 900 to 129600, the range GetFederationToken accepts',
    ],
    [
      'assume-role without a role',
      env({}, [{ connectionId: ID_A, sandboxName: 'prod', method: 'assume-role', userCredentialsSecretId: 'u' }]),
      'ROTATION_TARGETS[0].method: "assume-role" needs roleArn',
    ],
    [
      'get-session-token with a role',
      env({}, [
        {
          connectionId: ID_A,
          sandboxName: 'prod',
          method: 'get-session-token',
          roleArn: ROLE,
          userCredentialsSecretId: 'u',
        },
      ]),
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
      'ROTATION_CONCURRENCY: must be a whole number from 1 to 64; got "0"',
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

  it('accepts http:// only for loopback hosts', () => {
    for (const url of ['http://127.0.0.1:4000', 'http://localhost:4000/x', 'http://[::1]:4000']) {
      expect(loadConfig({ env: env({ FLOW_SERVICE_URL: url, ADOBE_IMS_URL: url }) }).flowServiceUrl).toBe(
        url.replace(/\/$/, ''),
      );
    }
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

describe('one list of partitions for every ARN the configuration takes', () => {
  const target = (roleArn: string) =>
    JSON.stringify([{ connectionId: '0b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b', sandboxName: 'prod', roleArn }]);
  const env = (roleArn: string) => ({ ADOBE_CREDENTIALS_SECRET_ID: 'aep/adobe', ROTATION_TARGETS: target(roleArn) });

  it.each(['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc'])(
    'takes a role in %s',
    (partition) => {
      expect(loadConfig({ env: env(`arn:${partition}:iam::123456789012:role/reader`) }).targets[0]!.roleArn).toBe(
        `arn:${partition}:iam::123456789012:role/reader`,
      );
    },
  );

  it.each(['aws-moon', 'aw', 'aws-iso-z'])(
    'refuses a role in the partition "%s", which AWS does not have',
    (partition) => {
      expect(() => loadConfig({ env: env(`arn:${partition}:iam::123456789012:role/reader`) })).toThrow(ConfigError);
    },
  );
});
