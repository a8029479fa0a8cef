import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSecretsManagerEmulator } from '../../../emulators/secrets-manager.js';
import { startStsEmulator } from '../../../emulators/sts.js';
import type { SecretsManagerEmulator, StsEmulator } from '../../../emulators/types.js';

const NAME = 'aep-s3-rotator/adobe-credentials';
const LAMBDA_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:rotation';

let sts: StsEmulator;
let secretsManager: SecretsManagerEmulator;
let client: SecretsManagerClient;
let arn: string;

beforeEach(async () => {
  sts = await startStsEmulator({ region: 'us-east-1' });
  secretsManager = await startSecretsManagerEmulator({ sts, region: 'us-east-1' });
  const credentials = sts.issueRoleSession('arn:aws:iam::123456789012:role/rotation', 'rotation');
  client = new SecretsManagerClient({
    region: 'us-east-1',
    endpoint: secretsManager.url,
    maxAttempts: 1,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    },
  });
  arn = secretsManager.putSecret(NAME, 'v1');
});

afterEach(async () => {
  client.destroy();
  await Promise.all([secretsManager.close(), sts.close()]);
});

const current = () =>
  client.send(new DescribeSecretCommand({ SecretId: NAME })).then((described) => described.VersionIdsToStages!);

describe('Secrets Manager emulator versions and staging labels', () => {
  it('reads a version by label or by id, and refuses a label the version does not have', async () => {
    const first = await client.send(new GetSecretValueCommand({ SecretId: NAME }));
    const pending = await client.send(
      new PutSecretValueCommand({ SecretId: NAME, SecretString: 'v2', VersionStages: ['AWSPENDING'] }),
    );

    await expect(
      client.send(new GetSecretValueCommand({ SecretId: NAME, VersionStage: 'AWSPENDING' })),
    ).resolves.toMatchObject({ SecretString: 'v2' });
    await expect(
      client.send(new GetSecretValueCommand({ SecretId: NAME, VersionId: pending.VersionId })),
    ).resolves.toMatchObject({ SecretString: 'v2' });
    await expect(client.send(new GetSecretValueCommand({ SecretId: NAME }))).resolves.toMatchObject({
      SecretString: 'v1',
      VersionId: first.VersionId,
    });
    await expect(
      client.send(
        new GetSecretValueCommand({ SecretId: NAME, VersionId: pending.VersionId, VersionStage: 'AWSCURRENT' }),
      ),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(
      client.send(new GetSecretValueCommand({ SecretId: NAME, VersionStage: 'AWSPREVIOUS' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS",
    });
  });

  it('writes a version once: repeating token and value passes, another value is ResourceExistsException', async () => {
    const token = 'a1b2c3d4-0000-4000-8000-000000000001';
    await client.send(
      new PutSecretValueCommand({
        SecretId: NAME,
        ClientRequestToken: token,
        SecretString: 'v2',
        VersionStages: ['AWSPENDING'],
      }),
    );

    await expect(
      client.send(
        new PutSecretValueCommand({
          SecretId: NAME,
          ClientRequestToken: token,
          SecretString: 'v2',
          VersionStages: ['AWSPENDING'],
        }),
      ),
    ).resolves.toMatchObject({ VersionId: token });
    await expect(
      client.send(new PutSecretValueCommand({ SecretId: NAME, ClientRequestToken: token, SecretString: 'v3' })),
    ).rejects.toMatchObject({
      name: 'ResourceExistsException',
    });
    expect(Object.values(await current())).toEqual([['AWSCURRENT'], ['AWSPENDING']]);
  });

  it('moves AWSCURRENT only from the version named, leaving AWSPREVIOUS there', async () => {
    const old = await client.send(new GetSecretValueCommand({ SecretId: NAME }));
    const next = await client.send(
      new PutSecretValueCommand({ SecretId: NAME, SecretString: 'v2', VersionStages: ['AWSPENDING'] }),
    );

    await expect(
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: NAME,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: next.VersionId,
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining(`currently attached to version ${old.VersionId}`),
    });
    await expect(
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: NAME,
          VersionStage: 'AWSCURRENT',
          RemoveFromVersionId: old.VersionId,
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await expect(
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: NAME,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: 'no-such-version',
          RemoveFromVersionId: old.VersionId,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: NAME,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: next.VersionId,
        RemoveFromVersionId: old.VersionId,
      }),
    );

    expect(await current()).toEqual({
      [old.VersionId!]: ['AWSPREVIOUS'],
      [next.VersionId!]: ['AWSPENDING', 'AWSCURRENT'],
    });
    await expect(client.send(new GetSecretValueCommand({ SecretId: NAME }))).resolves.toMatchObject({
      SecretString: 'v2',
    });
  });

  it('describes a secret without rotation, then its rotation once configured', async () => {
    await expect(client.send(new DescribeSecretCommand({ SecretId: arn }))).resolves.toMatchObject({
      ARN: arn,
      Name: NAME,
      RotationEnabled: false,
    });

    await client.send(
      new RotateSecretCommand({
        SecretId: NAME,
        RotationLambdaARN: LAMBDA_ARN,
        RotationRules: { AutomaticallyAfterDays: 7 },
        RotateImmediately: false,
      }),
    );

    const described = await client.send(new DescribeSecretCommand({ SecretId: NAME }));
    expect(described).toMatchObject({
      RotationEnabled: true,
      RotationLambdaARN: LAMBDA_ARN,
      RotationRules: { AutomaticallyAfterDays: 7 },
    });
    expect(described.NextRotationDate!.getTime() - described.CreatedDate!.getTime()).toBe(7 * 86_400_000);
    expect(secretsManager.rotations).toHaveLength(0);
  });
});

describe('Secrets Manager emulator RotateSecret', () => {
  /** A rotation function that records each event, stores `next` at createSecret and promotes at finishSecret. */
  function rotationFunction(next: string, failAt?: string) {
    const events: Array<Record<string, string>> = [];
    const pendingReads: string[] = [];
    secretsManager.setRotationInvoker(async (_arn, event) => {
      events.push(event);
      if (event.Step === failAt) throw new Error(`${failAt} failed`);
      const token = event.ClientRequestToken!;
      if (event.Step === 'createSecret') {
        const read = await client
          .send(new GetSecretValueCommand({ SecretId: event.SecretId, VersionId: token, VersionStage: 'AWSPENDING' }))
          .catch((error: Error) => error.name);
        pendingReads.push(typeof read === 'string' ? read : 'a value');
        await client.send(
          new PutSecretValueCommand({
            SecretId: event.SecretId,
            ClientRequestToken: token,
            SecretString: next,
            VersionStages: ['AWSPENDING'],
          }),
        );
      }
      if (event.Step === 'finishSecret') {
        const stages = await current();
        const from = Object.entries(stages).find(([, labels]) => labels.includes('AWSCURRENT'))![0];
        await client.send(
          new UpdateSecretVersionStageCommand({
            SecretId: event.SecretId,
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: token,
            RemoveFromVersionId: from,
          }),
        );
      }
    });
    return { events, pendingReads };
  }

  it('refuses a secret without a rotation function, and an ARN that is not a function', async () => {
    await expect(client.send(new RotateSecretCommand({ SecretId: NAME }))).rejects.toMatchObject({
      name: 'InvalidRequestException',
      message: 'No Lambda rotation function ARN is associated with this secret.',
    });
    await expect(
      client.send(new RotateSecretCommand({ SecretId: NAME, RotationLambdaARN: 'arn:aws:s3:::bucket' })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await expect(
      client.send(
        new RotateSecretCommand({
          SecretId: NAME,
          RotationLambdaARN: LAMBDA_ARN,
          RotationRules: { AutomaticallyAfterDays: 1001 },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('answers the token at once, then invokes the four steps in order, its version empty at createSecret', async () => {
    const fn = rotationFunction('v2');

    const started = await client.send(
      new RotateSecretCommand({
        SecretId: NAME,
        RotationLambdaARN: LAMBDA_ARN,
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
      }),
    );
    await secretsManager.rotationsSettled();

    expect(started).toMatchObject({ ARN: arn, Name: NAME, VersionId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(fn.events).toEqual(
      ['createSecret', 'setSecret', 'testSecret', 'finishSecret'].map((Step) => ({
        Step,
        SecretId: arn,
        ClientRequestToken: started.VersionId,
      })),
    );
    expect(fn.pendingReads).toEqual(['ResourceNotFoundException']);
    expect(secretsManager.rotations).toEqual([
      expect.objectContaining({ token: started.VersionId, outcome: 'succeeded' }),
    ]);
    const described = await client.send(new DescribeSecretCommand({ SecretId: NAME }));
    expect(described.VersionIdsToStages![started.VersionId!]).toEqual(['AWSCURRENT']);
    expect(described.RotationRules).toEqual({ ScheduleExpression: 'rate(30 days)' });
    expect(described.LastRotatedDate).toBeInstanceOf(Date);
    await expect(client.send(new GetSecretValueCommand({ SecretId: NAME }))).resolves.toMatchObject({
      SecretString: 'v2',
    });
  });

  it('stops at a failing step, refuses the next RotateSecret, retries that rotation with its own token', async () => {
    rotationFunction('v2', 'testSecret');
    const started = await client.send(
      new RotateSecretCommand({
        SecretId: NAME,
        RotationLambdaARN: LAMBDA_ARN,
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    );
    await secretsManager.rotationsSettled();

    expect(secretsManager.rotations[0]).toMatchObject({
      outcome: 'failed',
      steps: [{ ok: true }, { ok: true }, { step: 'testSecret', ok: false, error: 'testSecret failed' }],
    });
    await expect(client.send(new GetSecretValueCommand({ SecretId: NAME }))).resolves.toMatchObject({
      SecretString: 'v1',
    });

    const fn = rotationFunction('v2');
    await expect(client.send(new RotateSecretCommand({ SecretId: NAME }))).rejects.toMatchObject({
      name: 'InvalidRequestException',
      message: "A previous rotation isn't complete. That rotation will be reattempted.",
    });
    await secretsManager.rotationsSettled();

    expect(fn.events.map((event) => event.ClientRequestToken)).toEqual(Array(4).fill(started.VersionId));
    expect(fn.pendingReads).toEqual(['a value']);
    expect(secretsManager.rotations[1]).toMatchObject({ token: started.VersionId, outcome: 'succeeded' });
  });

  it('counts a rotation whose function returned without moving AWSCURRENT as failed', async () => {
    secretsManager.setRotationInvoker(async () => undefined);

    await client.send(
      new RotateSecretCommand({
        SecretId: NAME,
        RotationLambdaARN: LAMBDA_ARN,
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    );
    await secretsManager.rotationsSettled();

    expect(secretsManager.rotations[0]!.outcome).toBe('failed');
    await expect(client.send(new GetSecretValueCommand({ SecretId: NAME }))).resolves.toMatchObject({
      SecretString: 'v1',
    });
  });
});
