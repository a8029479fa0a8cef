/**
 * Driving the Adobe secret's rotation in a world: RotateSecret as an operator would call it, and
 * a rotation function that stops after a chosen step until the test lets it go on (to act "during"
 * a rotation).
 */
import {
  DescribeSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  type DescribeSecretCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import type { RotationRecord, RotationStep } from '../../emulators/types.js';
import type { World } from '../../emulators/world.js';

/** A Secrets Manager client signed as an operator of the world's account (no retries: one call, one request). */
export function operatorSecretsManager(world: World): SecretsManagerClient {
  const operator = world.emulators.sts.issueRoleSession('arn:aws:iam::123456789012:role/operator', 'operator', 3600);
  return new SecretsManagerClient({
    endpoint: world.emulators.secretsManager.url,
    region: world.emulators.endpointEnv.AWS_REGION,
    maxAttempts: 1,
    credentials: {
      accessKeyId: operator.accessKeyId,
      secretAccessKey: operator.secretAccessKey,
      sessionToken: operator.sessionToken!,
    },
  });
}

/** RotateSecret, then wait for the rotation to end; resolves with its record (or rejects with RotateSecret's error). */
export async function rotateAdobeSecret(world: World, client = operatorSecretsManager(world)): Promise<RotationRecord> {
  const { VersionId } = await client.send(new RotateSecretCommand({ SecretId: world.adobe.secretId }));
  await world.emulators.secretsManager.rotationsSettled();
  return world.emulators.secretsManager.rotations.find((rotation) => rotation.token === VersionId)!;
}

export async function describeAdobeSecret(
  world: World,
  client = operatorSecretsManager(world),
): Promise<DescribeSecretCommandOutput> {
  return client.send(new DescribeSecretCommand({ SecretId: world.adobe.secretId }));
}

/** What the Adobe credentials secret holds now, as JSON (for assertions). */
export function currentAdobeSecret(world: World): Record<string, unknown> {
  return JSON.parse(world.emulators.secretsManager.currentValue(world.adobe.secretId)!) as Record<string, unknown>;
}

/**
 * Make the world's rotation function stop after `step` (once) until `release()`: `reached`
 * resolves when it got there. Every other step runs as usual.
 */
export function pauseRotationAfter(
  world: World,
  step: RotationStep,
): { readonly reached: Promise<void>; release(): void } {
  let arrive!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  let paused = false;
  world.emulators.secretsManager.setRotationInvoker(async (_arn, event) => {
    await world.rotationHandler(event);
    if (event.Step === step && !paused) {
      paused = true;
      arrive();
      await released;
    }
  });
  return { reached, release };
}
