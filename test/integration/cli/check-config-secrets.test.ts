/**
 * `check-config` and the IAM-user secrets (`userCredentialsSecret`): with the operator's own
 * credentials it asks Secrets Manager (the emulator, over real sockets, signed) whether each secret
 * has a resource policy, and warns where it has none; where it cannot tell (access denied, a secret
 * not found, no credentials) it says so and still succeeds.
 */
import {
  GetResourcePolicyCommand,
  PutResourcePolicyCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findSecrets, NO_AWS_CREDENTIALS, startCliWorld, type CliWorld } from '../../support/index.js';

let t: CliWorld;
let userSecret: string;
let operator: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

const DENY_READ = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*' }],
});

beforeAll(async () => {
  // A target signed with the IAM user's keys: its secret is the world's IAM-user secret.
  t = await startCliWorld({
    connections: [
      { sandboxName: 'prod', method: 'get-federation-token', bucketAccount: '123456789012' },
      { sandboxName: 'prod' },
    ],
  });
  operator = t.world.emulators.sts.issueRoleSession('arn:aws:iam::123456789012:role/Operator', 'alice');
  t.env({
    AWS_ACCESS_KEY_ID: operator.accessKeyId,
    AWS_SECRET_ACCESS_KEY: operator.secretAccessKey,
    AWS_SESSION_TOKEN: operator.sessionToken,
  });
  userSecret = t.world.targets[0]!.userCredentialsSecretId!;
  // Narrow the existing-role target too, so the only warnings left are the secret's.
  t.writeConfig({
    runbookUrl: 'https://wiki.example.com/rotator',
    targets: (t.config.targets as Record<string, unknown>[]).map((target, index) =>
      index === 1 ? { ...target, bucketName: 'acme-ingest-1', bucketAccount: '123456789012' } : target,
    ),
  });
});
afterAll(() => t.close());
afterEach(() => {
  t.world.emulators.secretsManager.clearFaults();
});

const secretsManager = () =>
  new SecretsManagerClient({
    region: 'us-east-1',
    credentials: {
      accessKeyId: operator.accessKeyId,
      secretAccessKey: operator.secretAccessKey,
      sessionToken: operator.sessionToken,
    },
  });

describe('check-config, for IAM-user secrets', () => {
  it('warns, naming target and secret, when the secret has no resource policy, and asks once per secret', async () => {
    const before = t.world.emulators.secretsManager.requests.length;

    const result = await t.cli(['check-config', '--json']);

    expect(result.code).toBe(0);
    expect(result.json().warnings).toEqual([
      {
        field: 'targets[0].userCredentialsSecret',
        message: expect.stringMatching(
          new RegExp(
            `^secret "${userSecret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" has no resource policy, so any principal`,
          ),
        ),
      },
    ]);
    expect(result.json()).not.toHaveProperty('notes');
    // The secret's keys are never read, let alone shown: only its policy is asked for.
    expect(findSecrets(result.stdout + result.stderr, t.world.secretValues())).toEqual([]);
    const asked = t.world.emulators.secretsManager.requests.slice(before);
    expect(asked.map((request) => request.action)).toEqual(['GetResourcePolicy']);
    // Signed with the operator's credentials, as AWS requires.
    expect(asked[0]!.headers.authorization).toContain(operator.accessKeyId);
  });

  it('says nothing once the secret has a resource policy', async () => {
    const client = secretsManager();
    await client.send(new PutResourcePolicyCommand({ SecretId: userSecret, ResourcePolicy: DENY_READ }));

    const result = await t.cli(['check-config'], { tty: true });

    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('WARNING');
    expect((await client.send(new GetResourcePolicyCommand({ SecretId: userSecret }))).ResourcePolicy).toBe(DENY_READ);
    client.destroy();
  });

  it('notes, and still succeeds, when it may not read the policy (AccessDenied)', async () => {
    t.world.emulators.secretsManager.injectFault({
      match: { action: 'GetResourcePolicy' },
      kind: 'respond',
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: {
        __type: 'AccessDeniedException',
        message: 'User: alice is not authorized to perform: secretsmanager:GetResourcePolicy. More text.',
      },
    });

    const result = await t.cli(['check-config', '--json']);

    expect(result.code).toBe(0);
    expect(result.json().notes).toEqual([
      expect.stringMatching(
        new RegExp(
          String.raw`^targets\[0\]\.userCredentialsSecret: AWS denied permission to read the resource policy of ` +
            'secret ".+": User: alice is not authorized',
        ),
      ),
    ]);
    expect(result.json().notes[0]).toContain(
      'Its resource policy was not checked; check it yourself (docs/DEPLOY.md, "IAM-user secrets").',
    );
  });

  it('notes, and still succeeds, when the secret is not found with these credentials', async () => {
    const targets = t.config.targets as Record<string, unknown>[];
    t.writeConfig({ targets: [{ ...targets[0], userCredentialsSecret: 'aep-s3-rotator/missing-user' }, targets[1]] });

    const result = await t.cli(['check-config', '--json']);
    t.writeConfig({ targets });

    expect(result.code).toBe(0);
    expect(result.json().notes).toEqual([
      'targets[0].userCredentialsSecret: secret "aep-s3-rotator/missing-user" was not found with your AWS ' +
        'credentials, so its resource policy was not checked.',
    ]);
  });

  it('notes, and still succeeds, without AWS credentials', async () => {
    const restore = t.env({ ...NO_AWS_CREDENTIALS });

    const result = await t.cli(['check-config']);
    restore();

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'The resource policies of the IAM-user secrets were not checked: No AWS credentials',
    );
  });
});
