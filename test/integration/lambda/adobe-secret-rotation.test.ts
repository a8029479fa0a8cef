/**
 * The Adobe client secret's rotation end to end: Secrets Manager's RotateSecret (the emulator)
 * invokes the real rotation function once per step; the function talks to the I/O Management API
 * and IMS emulators, which share the credential's secrets, over loopback sockets.
 */
import { describe, expect, it } from 'vitest';
import { createAdobeSecretRotationHandler } from '../../../lambda/adobe-secret-rotation.js';
import { ConfigError, RequestValidationError } from '../../../lambda/errors.js';
import {
  captureOutput,
  currentAdobeSecret,
  describeAdobeSecret,
  operatorSecretsManager,
  pauseRotationAfter,
  rotateAdobeSecret,
  settle,
  useHarness,
  SCHEDULED_EVENT,
  type Harness,
} from '../../support/index.js';
import { RotateSecretCommand } from '@aws-sdk/client-secrets-manager';

const start = useHarness();

/** Whether IMS issues a token for `clientSecret` of the world's credential. */
async function imsAccepts(harness: Harness, clientSecret: string): Promise<boolean> {
  const { world } = harness;
  const response = await fetch(`${world.emulators.ims.url}/ims/token/v3`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: world.adobe.clientId,
      client_secret: clientSecret,
      scope: 'openid',
    }),
  });
  return response.status === 200;
}

const adobeSecretsOf = (harness: Harness) => harness.world.emulators.ims.clientSecrets(harness.world.adobe.clientId);
const consoleCalls = (harness: Harness, method: string) =>
  harness.world.emulators.adobeConsole.requests.filter((request) => request.method === method);

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
  it('a failing testSecret leaves the old secret current and undeleted; the next RotateSecret finishes that rotation', async () => {
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
    expect(adobeSecretsOf(harness).map((secret) => secret.uuid)).toEqual([currentAdobeSecret(world).clientSecretUuid]);
  });

  it('a failed delete in finishSecret leaves the new secret current; the next createSecret deletes the old one', async () => {
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

describe('refusals before anything changes', () => {
  it('fails at createSecret naming consoleOrgId and credentialId when the secret lacks them, and the rotator keeps working', async () => {
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    const { world } = harness;
    const { clientId, clientSecret, orgId } = world.adobe;
    world.emulators.secretsManager.putSecret(
      'aep-s3-rotator/adobe-credentials',
      JSON.stringify({ clientId, clientSecret, orgId }),
    );

    const rotation = await rotateAdobeSecret(world);

    expect(rotation.outcome).toBe('failed');
    expect(rotation.steps).toHaveLength(1);
    expect(rotation.steps[0]!.error).toMatch(
      /has no consoleOrgId and credentialId: .*credentials\/<credentialId>.*nothing was changed/,
    );
    expect(world.emulators.adobeConsole.requests).toHaveLength(0);
    await expect(harness.newHandler()(SCHEDULED_EVENT)).resolves.toMatchObject({ rotated: 1 });
  });

  it('says how to add the I/O Management API when Adobe answers 403', async () => {
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    const { world } = harness;
    world.emulators.ims.setIoManagementApi(world.adobe.clientId, false);

    const rotation = await rotateAdobeSecret(world);

    expect(rotation.steps[0]).toMatchObject({ step: 'createSecret', ok: false });
    expect(rotation.steps[0]!.error).toContain('HTTP 403');
    expect(rotation.steps[0]!.error).toContain('"Add API", add "I/O Management API"');
    expect(adobeSecretsOf(harness)).toHaveLength(1);
  });

  it('refuses an event that is not a rotation step, and a console URL that is plain http to another host', async () => {
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });

    await expect(
      harness.world.rotationHandler({ Step: 'deleteEverything', SecretId: 'x', ClientRequestToken: 't' }),
    ).rejects.toBeInstanceOf(RequestValidationError);
    const badConfig = createAdobeSecretRotationHandler({ env: { ADOBE_CONSOLE_API_URL: 'http://api.adobe.io' } });
    const { error } = await settle(() =>
      badConfig({ Step: 'createSecret', SecretId: harness.world.adobe.secretId, ClientRequestToken: 't' }),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toContain('ADOBE_CONSOLE_API_URL: must use https://');
  });
});

describe('the rotator across a rotation', () => {
  it('rotates connections before, during and after a rotation of its own client secret', async () => {
    // Prepare: one warm container throughout, as Lambda would keep it.
    const harness = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'dev' }] });
    const { world } = harness;
    const rotator = harness.newHandler();
    await expect(rotator(SCHEDULED_EVENT)).resolves.toMatchObject({ rotated: 2, failed: 0 });
    const pause = pauseRotationAfter(world, 'testSecret');

    // Act: during (Adobe holds both secrets, AWSPENDING is stored and tested)
    const { VersionId } = await operatorSecretsManager(world).send(
      new RotateSecretCommand({ SecretId: world.adobe.secretId }),
    );
    await pause.reached;
    const during = await rotator(SCHEDULED_EVENT);
    pause.release();
    await world.emulators.secretsManager.rotationsSettled();

    // Act: after (the old secret is deleted at Adobe, and the tokens IMS issued with it with it)
    const flowRequestsBefore = world.emulators.flowService.requests.length;
    const after = await rotator(SCHEDULED_EVENT);

    // Assess
    expect(during).toMatchObject({ rotated: 2, failed: 0 });
    expect(world.emulators.secretsManager.rotations.at(-1)).toMatchObject({ token: VersionId, outcome: 'succeeded' });
    expect(after).toMatchObject({ rotated: 2, failed: 0 });
    // After: the container's cached token (the old secret's, now revoked) was refused, and replaced
    // once by a token IMS issued with the new secret, read in this invocation.
    const bearerOf = (request: { headers: Record<string, string> }) =>
      request.headers.authorization?.replace('Bearer ', '');
    const uuidOfToken = (token: string | undefined) =>
      world.emulators.ims.issuedTokens.find((issued) => issued.accessToken === token)?.clientSecretUuid;
    const usedAfter = world.emulators.flowService.requests
      .slice(flowRequestsBefore)
      .map((request) => uuidOfToken(bearerOf(request)));
    const newUuid = currentAdobeSecret(world).clientSecretUuid;
    const refused = usedAfter.filter((uuid) => uuid !== newUuid);
    expect(usedAfter[0]).not.toBe(newUuid);
    // At most one refused request per connection (both may have started on the old token), then only the new one.
    expect(refused.length).toBeLessThanOrEqual(2);
    expect(usedAfter.slice(refused.length).every((uuid) => uuid === newUuid)).toBe(true);
    // One token for the rotator with the new secret (the other is testSecret's): the refresh happened once.
    expect(
      world.emulators.ims.issuedTokens.filter(
        (token) => token.clientSecretUuid === newUuid && !token.scopes.includes('manage_client_secrets'),
      ),
    ).toHaveLength(2);
  });
});

describe('secret hygiene', () => {
  it('a rotation, its failures and their retries leak no secret into logs, errors or results', async () => {
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    const { world } = harness;
    const capture = captureOutput();
    const outputs: string[] = [];

    // A rotation that fails its test, the retried one, one whose delete fails, and a refusal with two secrets.
    world.emulators.secretsManager.setRotationInvoker(async (_arn, event) => {
      if (event.Step === 'testSecret')
        world.emulators.ims.injectFault({ kind: 'respond', status: 401, body: { error: 'invalid_client' } });
      await world.rotationHandler(event);
    });
    outputs.push(JSON.stringify(await rotateAdobeSecret(world)));
    world.emulators.secretsManager.setRotationInvoker((_arn, event) => world.rotationHandler(event));
    outputs.push(String(await settle(() => rotateAdobeSecret(world)).then(({ error }) => error?.message)));
    await world.emulators.secretsManager.rotationsSettled();
    world.emulators.adobeConsole.injectFault({
      match: { method: 'DELETE' },
      kind: 'respond',
      status: 400,
      // Worst case: Adobe's error quotes the request's headers, bearer token included.
      body: (request: { headers: Record<string, string> }) => ({
        error_code: '400',
        message: `bad request ${JSON.stringify(request.headers)}`,
      }),
      times: 10,
    });
    outputs.push(JSON.stringify(await rotateAdobeSecret(world)));
    world.emulators.adobeConsole.clearFaults();
    outputs.push(JSON.stringify(await rotateAdobeSecret(world)));
    world.emulators.ims.addClientSecret(world.adobe.clientId);
    const { clientId, orgId, consoleOrgId, credentialId } = world.adobe;
    world.emulators.secretsManager.putSecret(
      'aep-s3-rotator/adobe-credentials',
      JSON.stringify({
        clientId,
        clientSecret: currentAdobeSecret(world).clientSecret,
        orgId,
        consoleOrgId,
        credentialId,
      }),
    );
    outputs.push(JSON.stringify(await rotateAdobeSecret(world)));
    outputs.push(JSON.stringify(await harness.newHandler()(SCHEDULED_EVENT)));
    capture.restore();

    const everything = `${capture.text()}\n${outputs.join('\n')}\n${JSON.stringify(world.emulators.secretsManager.rotations)}`;
    const secrets = world.secretValues();
    expect(world.emulators.ims.issuedClientSecrets.length).toBeGreaterThanOrEqual(5);
    expect(secrets).toEqual(expect.arrayContaining([...world.emulators.ims.issuedClientSecrets]));
    expect(everything).toContain('adobe secret rotation step failed');
    expect(everything).toContain('adobe secret rotation step succeeded');
    expect(everything).toContain('bad request');
    expect(everything.includes('Bearer ey')).toBe(false);
    const leaked = secrets.filter((secret) => everything.includes(secret));
    expect(leaked).toEqual([]);
  });
});
