/** The function's environment as loadConfig reads it: defaults, switches, targets and their STS calls. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lambda/config.js';
import { ConfigError } from '../../../lambda/errors.js';
import { ID_A, ID_B, ROLE, env, oneTarget } from './config-env.js';

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

  it.each([
    ['false', false],
    ['true', true],
  ])('reads CONNECTION_METRICS=%s as %s', (value, expected) => {
    expect(loadConfig({ env: env({ CONNECTION_METRICS: value }) }).connectionMetrics).toBe(expected);
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

  it('reads bucketName and folderPath (normalized), and without method infers the STS call as before', () => {
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
    const config = loadConfig({ env: oneTarget({ ...fields }) });
    expect(config.targets[0]!.method).toBe(method);
  });

  it('accepts GetFederationToken durations from 900 to 129600', () => {
    for (const durationSeconds of [900, 129_600]) {
      const environment = oneTarget({
        method: 'get-federation-token',
        userCredentialsSecretId: 'u',
        bucketName: 'acme',
        durationSeconds,
      });
      expect(loadConfig({ env: environment }).targets[0]!.durationSeconds).toBe(durationSeconds);
    }
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

  it('accepts http:// only for loopback hosts', () => {
    for (const url of ['http://127.0.0.1:4000', 'http://localhost:4000/x', 'http://[::1]:4000']) {
      expect(loadConfig({ env: env({ FLOW_SERVICE_URL: url, ADOBE_IMS_URL: url }) }).flowServiceUrl).toBe(
        url.replace(/\/$/, ''),
      );
    }
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
