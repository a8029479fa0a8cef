/**
 * The Adobe client secret's rotation end to end: Secrets Manager's RotateSecret (the emulator)
 * invokes the real rotation function once per step; the function talks to the I/O Management API
 * and IMS emulators, which share the credential's secrets, over loopback sockets.
 * (Refusals, the rotator across a rotation and secret hygiene: adobe-secret-rotation-safety.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import {
  adobeSecretsOf,
  consoleCalls,
  currentAdobeSecret,
  describeAdobeSecret,
  imsAccepts,
  operatorSecretsManager,
  rotateAdobeSecret,
  useHarness,
  SCHEDULED_EVENT,
} from '../../support/index.js';
import { RotateSecretCommand } from '@aws-sdk/client-secrets-manager';

const start = useHarness();

describe('a full rotation', () => {
  it('adds a secret at Adobe, proves it with IMS, makes it AWSCURRENT and deletes the old one', async () => {
    // Prepare
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    const { world } = harness;
    const before = currentAdobeSecret(world);
    const [original] = adobeSecretsOf(harness);

    // Act
    const rotation = await rotateAdobeSecret(world);

    // Assess
    expect(rotation.outcome).toBe('succeeded');
    expect(rotation.steps.map((step) => step.step)).toEqual([
      'createSecret',
      'setSecret',
      'testSecret',
      'finishSecret',
    ]);
    const after = currentAdobeSecret(world);
    const held = adobeSecretsOf(harness);
    expect(held).toHaveLength(1);
    expect(held[0]!.uuid).not.toBe(original!.uuid);
    // Everything the operator wrote is kept; only the secret and its uuid change.
    expect(after).toEqual({ ...before, clientSecret: held[0]!.value, clientSecretUuid: held[0]!.uuid });
    expect(await imsAccepts(harness, after.clientSecret as string)).toBe(true);
    expect(await imsAccepts(harness, world.adobe.clientSecret)).toBe(false);
    // The old version is AWSPREVIOUS; no version keeps AWSPENDING.
    const versions = world.emulators.secretsManager.versions(world.adobe.secretId);
    expect(versions.find((version) => version.id === rotation.token)!.stages).toEqual(['AWSCURRENT']);
    expect(JSON.parse(versions.find((version) => version.stages.includes('AWSPREVIOUS'))!.value!)).toEqual(before);
    const description = await describeAdobeSecret(world);
    expect(description.LastRotatedDate).toBeInstanceOf(Date);
    expect(description.NextRotationDate!.getTime() - description.LastRotatedDate!.getTime()).toBe(30 * 86_400_000);
    // The I/O Management API saw one add and one delete, never a third secret.
    expect(consoleCalls(harness, 'POST')).toHaveLength(1);
    expect(consoleCalls(harness, 'DELETE')).toHaveLength(1);
    // The test used the rotator's own scopes; the I/O Management API's token carried that API's.
    const testToken = world.emulators.ims.issuedTokens.find(
      (token) => token.clientSecretUuid === held[0]!.uuid && !token.scopes.includes('manage_client_secrets'),
    );
    expect(testToken?.scopes).toEqual([
      'openid',
      'session',
      'AdobeID',
      'read_organizations',
      'additional_info.projectedProductContext',
    ]);
  });

  it('rotates again from the rotated secret, which now records its uuid', async () => {
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });

    await rotateAdobeSecret(harness.world);
    const second = await rotateAdobeSecret(harness.world);

    expect(second.outcome).toBe('succeeded');
    expect(adobeSecretsOf(harness).map((secret) => secret.uuid)).toEqual([
      currentAdobeSecret(harness.world).clientSecretUuid,
    ]);
  });
});

describe('each step, run again for its token', () => {
  it('createSecret twice for one token makes one Adobe secret', async () => {
    // Prepare: Secrets Manager's invocation of createSecret is repeated (a retry after a lost answer).
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    const { world } = harness;
    world.emulators.secretsManager.setRotationInvoker(async (_arn, event) => {
      await world.rotationHandler(event);
      if (event.Step === 'createSecret') await world.rotationHandler(event);
    });

    // Act
    const rotation = await rotateAdobeSecret(world);

    // Assess
    expect(rotation.outcome).toBe('succeeded');
    expect(consoleCalls(harness, 'POST')).toHaveLength(1);
    expect(world.emulators.ims.issuedClientSecrets).toHaveLength(2);
    expect(adobeSecretsOf(harness)).toHaveLength(1);
  });

  it('every step again after the rotation finished changes nothing', async () => {
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    const { world } = harness;
    const rotation = await rotateAdobeSecret(world);
    const current = currentAdobeSecret(world);
    const requests = world.emulators.adobeConsole.requests.length;

    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
      await world.rotationHandler({ Step: step, SecretId: world.adobe.secretId, ClientRequestToken: rotation.token });
    }

    expect(currentAdobeSecret(world)).toEqual(current);
    expect(adobeSecretsOf(harness).map((secret) => secret.uuid)).toEqual([current.clientSecretUuid]);
    // finishSecret looked (one list), found nothing to delete.
    expect(world.emulators.adobeConsole.requests.slice(requests).map((request) => request.method)).toEqual(['GET']);
  });
});

describe('a failed step', () => {
  it(
    'a failing testSecret leaves the old secret current and undeleted; the next RotateSecret finishes that ' +
      'rotation',
    async () => {
      // Prepare: IMS refuses the new secret's test once.
      const harness = await start({ connections: [{ sandboxName: 'prod' }] });
      const { world } = harness;
      const before = currentAdobeSecret(world);
      world.emulators.secretsManager.setRotationInvoker(async (_arn, event) => {
        if (event.Step === 'testSecret') {
          world.emulators.ims.injectFault({
            kind: 'respond',
            status: 401,
            body: { error: 'invalid_client', error_description: 'invalid client_secret' },
          });
        }
        await world.rotationHandler(event);
      });

      // Act
      const failed = await rotateAdobeSecret(world);

      // Assess
      expect(failed.outcome).toBe('failed');
      expect(failed.steps.at(-1)).toMatchObject({
        step: 'testSecret',
        ok: false,
        error: expect.stringContaining('failed its test'),
      });
      expect(currentAdobeSecret(world)).toEqual(before);
      expect(await imsAccepts(harness, world.adobe.clientSecret)).toBe(true);
      expect(adobeSecretsOf(harness)).toHaveLength(2);
      // The rotator runs on the old secret meanwhile.
      await expect(harness.newHandler()(SCHEDULED_EVENT)).resolves.toMatchObject({ rotated: 1 });

      // Act: the next RotateSecret is refused, and that rotation is attempted again with its token.
      world.emulators.secretsManager.setRotationInvoker((_arn, event) => world.rotationHandler(event));
      await expect(
        operatorSecretsManager(world).send(new RotateSecretCommand({ SecretId: world.adobe.secretId })),
      ).rejects.toMatchObject({
        name: 'InvalidRequestException',
        message: "A previous rotation isn't complete. That rotation will be reattempted.",
      });
      await world.emulators.secretsManager.rotationsSettled();

      // Assess: the stored secret was kept (no third add), and the rotation completed.
      const retried = world.emulators.secretsManager.rotations.at(-1)!;
      expect(retried).toMatchObject({ token: failed.token, outcome: 'succeeded' });
      expect(consoleCalls(harness, 'POST')).toHaveLength(1);
      expect(adobeSecretsOf(harness).map((secret) => secret.uuid)).toEqual([
        currentAdobeSecret(world).clientSecretUuid,
      ]);
    },
  );

  it('a failed delete in finishSecret keeps the new secret current; next createSecret deletes the old', async () => {
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    const { world } = harness;
    world.emulators.adobeConsole.injectFault({
      match: { method: 'DELETE' },
      kind: 'respond',
      status: 500,
      body: { error_code: '500', message: 'Internal error' },
      times: 10,
    });

    const first = await rotateAdobeSecret(world);

    expect(first.outcome).toBe('failed');
    expect(first.steps.at(-1)).toMatchObject({
      step: 'finishSecret',
      ok: false,
      error: expect.stringContaining('the next rotation'),
    });
    const current = currentAdobeSecret(world);
    expect(current.clientSecretUuid).toBeDefined();
    expect(await imsAccepts(harness, current.clientSecret as string)).toBe(true);
    expect(adobeSecretsOf(harness)).toHaveLength(2);

    world.emulators.adobeConsole.clearFaults();
    const second = await rotateAdobeSecret(world);

    expect(second.outcome).toBe('succeeded');
    expect(adobeSecretsOf(harness).map((secret) => secret.uuid)).toEqual([currentAdobeSecret(world).clientSecretUuid]);
  });
});

describe('two secrets at Adobe before a rotation', () => {
  it('deletes the one AWSCURRENT does not hold, when it knows which it holds', async () => {
    // Prepare: a rotation taught the secret its uuid; then someone added a second secret in Developer Console.
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    const { world } = harness;
    await rotateAdobeSecret(world);
    const stray = world.emulators.ims.addClientSecret(world.adobe.clientId)!;

    // Act
    const rotation = await rotateAdobeSecret(world);

    // Assess
    expect(rotation.outcome).toBe('succeeded');
    expect(adobeSecretsOf(harness).map((secret) => secret.uuid)).toEqual([currentAdobeSecret(world).clientSecretUuid]);
    expect(consoleCalls(harness, 'DELETE').map((request) => request.path.split('/').at(-1))).toContain(stray.uuid);
  });

  it('refuses, naming both uuids, and changes nothing, when it does not know which one AWSCURRENT holds', async () => {
    // Prepare: the secret was put by hand (no clientSecretUuid), and Adobe holds a second one.
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    const { world } = harness;
    const stray = world.emulators.ims.addClientSecret(world.adobe.clientId)!;
    const held = adobeSecretsOf(harness).map((secret) => secret.uuid);
    const before = currentAdobeSecret(world);

    // Act
    const rotation = await rotateAdobeSecret(world);

    // Assess
    expect(rotation.outcome).toBe('failed');
    const error = rotation.steps.at(-1)!.error!;
    expect(rotation.steps.at(-1)!.step).toBe('createSecret');
    expect(error).toContain(held[0]);
    expect(error).toContain(stray.uuid);
    expect(error).toContain('nothing was changed');
    expect(adobeSecretsOf(harness).map((secret) => secret.uuid)).toEqual(held);
    expect(consoleCalls(harness, 'POST')).toHaveLength(0);
    expect(consoleCalls(harness, 'DELETE')).toHaveLength(0);
    expect(currentAdobeSecret(world)).toEqual(before);
  });
});
