/**
 * What a rotation of the Adobe client secret must not break: it refuses before anything changes
 * when it cannot rotate safely, the rotator keeps rotating connections across it, and nothing it
 * prints, throws or returns holds a secret. (The rotation itself: adobe-secret-rotation.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { createAdobeSecretRotationHandler } from '../../../lambda/adobe-secret-rotation.js';
import { ConfigError, RequestValidationError } from '../../../lambda/errors.js';
import {
  adobeSecretsOf,
  captureOutput,
  currentAdobeSecret,
  operatorSecretsManager,
  pauseRotationAfter,
  rotateAdobeSecret,
  settle,
  useHarness,
  SCHEDULED_EVENT,
} from '../../support/index.js';
import { RotateSecretCommand } from '@aws-sdk/client-secrets-manager';

const start = useHarness();

describe('refusals before anything changes', () => {
  it('fails at createSecret naming consoleOrgId and credentialId when missing; the rotator keeps working', async () => {
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

    const rotations = JSON.stringify(world.emulators.secretsManager.rotations);
    const everything = `${capture.text()}\n${outputs.join('\n')}\n${rotations}`;
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
