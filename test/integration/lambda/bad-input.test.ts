/**
 * Bad input gets a clear error naming the field, and changes nothing: for each bad configuration
 * or event, the real handler runs against a seeded world and no connection is touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { World } from '../../../emulators/world.js';
import { settle, startHarness, type Harness } from '../../support/index.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({
    connections: [{ sandboxName: 'prod' }, { sandboxName: 'dev', method: 'get-session-token' }],
  });
});
afterAll(() => harness.close());

const ROLE = 'arn:aws:iam::123456789012:role/aep-s3-ingest-0';
const target = (world: World, overrides: Record<string, unknown>) =>
  JSON.stringify([{ ...world.targets[0], ...overrides }]);

const BAD_CONFIGS: Array<[string, (world: World) => Record<string, string | undefined>, string]> = [
  ['no Adobe secret id', () => ({ ADOBE_CREDENTIALS_SECRET_ID: '' }), 'ADOBE_CREDENTIALS_SECRET_ID: is required'],
  ['no targets', () => ({ ROTATION_TARGETS: undefined }), 'ROTATION_TARGETS: is required'],
  [
    'targets both inline and in a file',
    () => ({ ROTATION_TARGETS_FILE: '/var/task/targets.json' }),
    'ROTATION_TARGETS, ROTATION_TARGETS_FILE: exactly one may be set',
  ],
  [
    'a targets file that does not exist',
    () => ({ ROTATION_TARGETS: undefined, ROTATION_TARGETS_FILE: '/nonexistent/targets.json' }),
    'ROTATION_TARGETS_FILE: cannot read "/nonexistent/targets.json" (ENOENT)',
  ],
  [
    'targets that are not JSON',
    () => ({ ROTATION_TARGETS: "[{connectionId: 'x'}]" }),
    'ROTATION_TARGETS: is not valid JSON',
  ],
  [
    'a connectionId that is not a uuid',
    (w) => ({ ROTATION_TARGETS: target(w, { connectionId: 'my-connection' }) }),
    'ROTATION_TARGETS[0].connectionId: must be a Flow Service connection id',
  ],
  [
    'a sandboxName with upper case',
    (w) => ({ ROTATION_TARGETS: target(w, { sandboxName: 'PROD' }) }),
    'ROTATION_TARGETS[0].sandboxName: must be a sandbox name',
  ],
  [
    'a roleArn that is a user',
    (w) => ({ ROTATION_TARGETS: target(w, { roleArn: 'arn:aws:iam::123456789012:user/ops' }) }),
    'ROTATION_TARGETS[0].roleArn: must be an IAM role ARN',
  ],
  [
    'an externalId with spaces',
    (w) => ({ ROTATION_TARGETS: target(w, { externalId: 'has spaces' }) }),
    'ROTATION_TARGETS[0].externalId: must be 2 to 1224 characters',
  ],
  [
    'an empty userCredentialsSecretId',
    (w) => ({ ROTATION_TARGETS: target(w, { userCredentialsSecretId: '' }) }),
    'ROTATION_TARGETS[0].userCredentialsSecretId: must not be empty',
  ],
  [
    'durationSeconds as a string',
    (w) => ({ ROTATION_TARGETS: target(w, { durationSeconds: '3600' }) }),
    'ROTATION_TARGETS[0].durationSeconds: must be a whole number of seconds',
  ],
  [
    'durationSeconds beyond role chaining',
    (w) => ({ ROTATION_TARGETS: target(w, { durationSeconds: 7200 }) }),
    'ROTATION_TARGETS[0].durationSeconds: 7200 is above 3600, the cap AWS sets on role chaining',
  ],
  [
    'a misspelt field',
    (w) => ({ ROTATION_TARGETS: target(w, { durationSecs: 900 }) }),
    'ROTATION_TARGETS[0]: unknown field(s) durationSecs',
  ],
  [
    'neither roleArn nor userCredentialsSecretId',
    (w) => ({ ROTATION_TARGETS: target(w, { roleArn: undefined, externalId: undefined }) }),
    'ROTATION_TARGETS[0]: needs roleArn (an existing role) or userCredentialsSecretId (GetSessionToken); it has none',
  ],
  [
    'a bucket name S3 refuses',
    (w) => ({ ROTATION_TARGETS: target(w, { bucketName: 'Acme_Landing' }) }),
    'ROTATION_TARGETS[0].bucketName: "Acme_Landing" is not a valid bucket name; S3 requires',
  ],
  [
    'GetFederationToken without a bucket',
    (w) => ({
      ROTATION_TARGETS: target(w, {
        roleArn: undefined,
        externalId: undefined,
        userCredentialsSecretId: 'aep/user',
        method: 'get-federation-token',
      }),
    }),
    'ROTATION_TARGETS[0].bucketName: is required with "method": "get-federation-token"',
  ],
  [
    'a duplicated connection',
    (w) => ({ ROTATION_TARGETS: JSON.stringify([w.targets[0], { ...w.targets[0], sandboxName: 'dev' }]) }),
    'ROTATION_TARGETS[1].connectionId: duplicates ROTATION_TARGETS[0]',
  ],
  [
    'http:// to a remote Flow Service',
    () => ({ FLOW_SERVICE_URL: 'http://platform.adobe.io/data/foundation/flowservice' }),
    'FLOW_SERVICE_URL: must use https://',
  ],
  [
    'http:// to a remote IMS',
    () => ({ ADOBE_IMS_URL: 'http://ims-na1.adobelogin.com' }),
    'ADOBE_IMS_URL: must use https://',
  ],
  [
    'a concurrency of 1000',
    () => ({ ROTATION_CONCURRENCY: '1000' }),
    'ROTATION_CONCURRENCY: "1000" is not a whole number from 1 to 64',
  ],
  [
    'an oversized target list',
    () => ({
      ROTATION_TARGETS: JSON.stringify(
        Array.from({ length: 6000 }, (_, i) => ({
          connectionId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          sandboxName: 'prod',
          roleArn: ROLE,
        })),
      ),
    }),
    'ROTATION_TARGETS: has 6000 targets; at most 5000 are allowed',
  ],
];

const BAD_EVENTS: Array<[string, (world: World) => unknown, string]> = [
  [
    'connectionIds as a string',
    (w) => ({ connectionIds: w.connectionIds[0] }),
    'connectionIds: must be an array of connection ids',
  ],
  [
    'a connection id that is not a uuid',
    () => ({ connectionIds: ['prod-orders'] }),
    'connectionIds[0]: must be a connection id (uuid)',
  ],
  ['an empty connectionIds', () => ({ connectionIds: [] }), 'connectionIds: must list at least one connection id'],
  [
    'an unknown connection',
    (w) => ({ connectionIds: [w.connectionIds[0], '11111111-2222-4333-8444-555555555555'] }),
    'connectionIds: 11111111-2222-4333-8444-555555555555 is not in the configured targets; nothing was rotated',
  ],
  ['dryRun as a string', () => ({ dryRun: 'true' }), 'dryRun: must be true or false'],
  ['a misspelt field', (w) => ({ connectionIds: [w.connectionIds[0]], dryrun: true }), 'unknown field(s) dryrun'],
  [
    'an oversized request',
    () => ({ connectionIds: Array.from({ length: 5001 }, () => '11111111-2222-4333-8444-555555555555') }),
    'connectionIds: must list at most 5000',
  ],
];

function expectNothingTouched(world: World, before: Array<{ etag: string }>) {
  expect(world.emulators.flowService.requests.filter((request) => request.method === 'PATCH')).toHaveLength(0);
  expect(world.connectionIds.map((id) => world.connection(id).etag)).toEqual(
    before.map((connection) => connection.etag),
  );
}

describe('bad configuration', () => {
  it.each(BAD_CONFIGS)(
    '%s: a clear error naming the field, and nothing is contacted',
    async (_name, overrides, expected) => {
      const { world } = harness;
      const before = world.connectionIds.map((id) => world.connection(id));
      const trafficBefore =
        world.emulators.flowService.requests.length +
        world.emulators.sts.requests.length +
        world.emulators.ims.requests.length;

      const { error } = await settle(() =>
        harness.newHandler({ env: overrides(world) })({ version: '0', source: 'aws.scheduler' }),
      );

      expect(error?.name).toBe('ConfigError');
      expect(error!.message).toContain(expected);
      expect(
        world.emulators.flowService.requests.length +
          world.emulators.sts.requests.length +
          world.emulators.ims.requests.length,
      ).toBe(trafficBefore);
      expectNothingTouched(world, before);
    },
  );
});

describe('bad events', () => {
  it.each(BAD_EVENTS)(
    '%s: a clear error naming the field, and nothing is contacted',
    async (_name, event, expected) => {
      const { world } = harness;
      const before = world.connectionIds.map((id) => world.connection(id));
      const trafficBefore = world.emulators.flowService.requests.length + world.emulators.sts.requests.length;

      const { error } = await settle(() => harness.newHandler()(event(world)));

      expect(error?.name).toBe('RequestValidationError');
      expect(error!.message).toContain(expected);
      expect(world.emulators.flowService.requests.length + world.emulators.sts.requests.length).toBe(trafficBefore);
      expectNothingTouched(world, before);
    },
  );
});

describe('bad secrets', () => {
  it.each([
    ['an Adobe secret that is a JSON array', '[1,2]', 'Adobe credentials secret'],
    [
      'an org id without @AdobeOrg',
      JSON.stringify({ clientId: 'c', clientSecret: 's', orgId: 'ABC123' }),
      'orgId must be an IMS org id ending in @AdobeOrg',
    ],
    [
      'an empty client id',
      JSON.stringify({ clientId: '', clientSecret: 's', orgId: 'ABC@AdobeOrg' }),
      'clientId must be a non-empty string',
    ],
    [
      'scopes that are not a string',
      JSON.stringify({ clientId: 'c', clientSecret: 's', orgId: 'ABC@AdobeOrg', scopes: ['openid'] }),
      'scopes must be a string',
    ],
  ])('%s: every connection fails naming the field, none is patched', async (_name, secretString, expected) => {
    const { world } = harness;
    const before = world.connectionIds.map((id) => world.connection(id));
    const name = `bad-adobe-${Math.random().toString(36).slice(2)}`;
    const secretId = world.emulators.secretsManager.putSecret(name, secretString);

    const { error } = await settle(() =>
      harness.newHandler({ env: { ADOBE_CREDENTIALS_SECRET_ID: secretId } })({ version: '0', source: 'aws.scheduler' }),
    );

    expect(error?.name).toBe('RotationFailedError');
    expect(error!.message).toMatch(/^2 of 2 connections failed to rotate: /);
    expect(error!.message).toContain(expected);
    expectNothingTouched(world, before);
  });

  it(
    "the stack's placeholder: every connection fails naming the secret it read (ARN and name) and what to do, " +
      'without its random client secret',
    async () => {
      const { world } = harness;
      const before = world.connectionIds.map((id) => world.connection(id));
      // As CloudFormation generates it: the construct's template, a random clientSecret.
      const generated = 'q7Xc2vLkP9sR4tY8wZ1aB3dE5fG6hJ0m';
      const name = `RotatorAdobeCredentials5E3A7B1C-${Math.random().toString(36).slice(2, 12)}`;
      const arn = world.emulators.secretsManager.putSecret(
        name,
        JSON.stringify({
          clientId: 'REPLACE_WITH_CLIENT_ID',
          orgId: 'REPLACE_WITH_IMS_ORG_ID',
          clientSecret: generated,
        }),
      );

      const { error } = await settle(() =>
        harness.newHandler({ env: { ADOBE_CREDENTIALS_SECRET_ID: name } })({ version: '0', source: 'aws.scheduler' }),
      );

      expect(error?.name).toBe('RotationFailedError');
      expect(error!.message).toContain(
        `Adobe credentials secret "${arn}" (name ${name}) still holds the placeholder the stack created`,
      );
      expect(error!.message).toContain(`put-secret-value --secret-id ${arn}`);
      expect(error!.message).toContain(
        'renaming or nesting the S3CredentialRotator construct makes CloudFormation create a new one',
      );
      expect(error!.message).not.toContain(generated);
      expectNothingTouched(world, before);
    },
  );
});
