/**
 * Two Adobe client secrets before a rotation, and which one `createSecret` may delete: only one that
 * Adobe's own `last_used_at` shows is not the one `AWSCURRENT` holds. A `clientSecretUuid` the
 * operator left stale (a rotation by hand the Adobe way, with the old JSON copied) must never make
 * it delete the secret in use; a leftover of a failed store or of a failed finishSecret delete is
 * still cleaned up. Real rotation function, Secrets Manager, IMS and I/O Management API emulators,
 * over loopback sockets.
 */
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { AdobeConsoleClient } from '../../../lambda/adobe-console-client.js';
import { describeAdobeClientSecrets } from '../../../lambda/adobe-client-secrets.js';
import type { InspectResult } from '../../../lambda/handler.js';
import { adobeCredentialsSchema } from '../../../lambda/secrets.js';
import type { ImsClientSecret, RotationRecord } from '../../../emulators/types.js';
import {
  adobeSecretsOf,
  captureOutput,
  consoleCalls,
  currentAdobeSecret,
  FAST_HTTP_POLICY,
  findSecrets,
  imsAccepts,
  operatorSecretsManager,
  rotateAdobeSecret,
  SCHEDULED_EVENT,
  useHarness,
  type Harness,
} from '../../support/index.js';

const start = useHarness();

/** `aws secretsmanager put-secret-value` as an operator: the whole JSON, a new AWSCURRENT version. */
async function putByHand(harness: Harness, value: Record<string, unknown>): Promise<void> {
  await operatorSecretsManager(harness.world).send(
    new PutSecretValueCommand({ SecretId: harness.world.adobe.secretId, SecretString: JSON.stringify(value) }),
  );
}

/**
 * The operator's rotation the Adobe way, after a rotation taught the secret its uuid: add a secret in Developer
 * Console, put its value with the old JSON copied (so `clientSecretUuid` still names the old one), leave the old one.
 */
async function staleRecord(harness: Harness): Promise<{ recorded: string; inUse: ImsClientSecret }> {
  const { world } = harness;
  expect((await rotateAdobeSecret(world)).outcome).toBe('succeeded');
  const before = currentAdobeSecret(world);
  const inUse = world.emulators.ims.addClientSecret(world.adobe.clientId)!;
  await putByHand(harness, { ...before, clientSecret: inUse.value });
  // The rotator runs on the new value (its IMS token is issued with it).
  await expect(harness.newHandler()(SCHEDULED_EVENT)).resolves.toMatchObject({ rotated: 1 });
  return { recorded: before.clientSecretUuid as string, inUse };
}

/** RotateSecret; when Secrets Manager refuses it because a rotation is unfinished, the one it attempts again. */
async function rotateOrResume(harness: Harness): Promise<RotationRecord> {
  const { world } = harness;
  try {
    return await rotateAdobeSecret(world);
  } catch (error) {
    expect(error).toMatchObject({ name: 'InvalidRequestException' });
    await world.emulators.secretsManager.rotationsSettled();
    return world.emulators.secretsManager.rotations.at(-1)!;
  }
}

const stepError = (rotation: RotationRecord) => rotation.steps.at(-1)!.error ?? '';

describe('a stale clientSecretUuid', () => {
  it('refuses to delete the secret in use, changes nothing; the fix it names lets the rotation through', async () => {
    // Prepare
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    const { world } = harness;
    const { recorded, inUse } = await staleRecord(harness);
    const current = currentAdobeSecret(world);
    const requests = world.emulators.adobeConsole.requests.length;

    // Act
    const rotation = await rotateAdobeSecret(world);

    // Assess: refused at createSecret, both uuids and their last use named, nothing deleted or added.
    expect(rotation.outcome).toBe('failed');
    expect(rotation.steps.map((step) => step.step)).toEqual(['createSecret']);
    const error = stepError(rotation);
    expect(error).toContain(recorded);
    expect(error).toContain(inUse.uuid);
    expect(error).toMatch(/last used \d{4}-\d\d-\d\dT/);
    expect(error).toContain(`set clientSecretUuid to ${inUse.uuid}`);
    expect(error).toContain('nothing was changed');
    const since = world.emulators.adobeConsole.requests.slice(requests).map((request) => request.method);
    expect(since).not.toContain('DELETE');
    expect(since).not.toContain('POST');
    expect(adobeSecretsOf(harness).map((secret) => secret.uuid)).toEqual([recorded, inUse.uuid]);
    expect(currentAdobeSecret(world)).toEqual(current);
    expect(await imsAccepts(harness, inUse.value)).toBe(true);
    await expect(harness.newHandler()(SCHEDULED_EVENT)).resolves.toMatchObject({ rotated: 1 });

    // Act: the fix the error names (the uuid of the secret AWSCURRENT holds), then the unfinished rotation again.
    await putByHand(harness, { ...current, clientSecretUuid: inUse.uuid });
    const fixed = await rotateOrResume(harness);

    // Assess: the unused one is deleted first, the rotation completes on a new secret.
    expect(fixed.outcome).toBe('succeeded');
    expect(fixed.steps[0]).toMatchObject({ step: 'createSecret', ok: true });
    const after = adobeSecretsOf(harness).map((secret) => secret.uuid);
    expect(after).toEqual([currentAdobeSecret(world).clientSecretUuid]);
    expect(after).not.toContain(recorded);
  });

  it('cannot lock the rotation out when the add after the delete would fail', async () => {
    // Prepare: the add fails: before the fix, the secret in use was already deleted by then.
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    const { world } = harness;
    const { inUse } = await staleRecord(harness);
    world.emulators.adobeConsole.injectFault({ match: { method: 'POST' }, kind: 'respond', status: 500, times: 5 });

    // Act
    const rotation = await rotateAdobeSecret(world);
    world.emulators.adobeConsole.clearFaults();
    const again = await rotateOrResume(harness);

    // Assess: AWSCURRENT's secret still works, and the next attempt still authenticates (and still refuses).
    expect(rotation.outcome).toBe('failed');
    expect(await imsAccepts(harness, currentAdobeSecret(world).clientSecret as string)).toBe(true);
    expect(adobeSecretsOf(harness).map((secret) => secret.uuid)).toContain(inUse.uuid);
    expect(again.outcome).toBe('failed');
    expect(stepError(again)).toContain(`set clientSecretUuid to ${inUse.uuid}`);
    expect(stepError(again)).toContain('nothing was changed');
  });

  it("is not called current by describeAdobeClientSecrets, nor by the function's inspect", async () => {
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    const { world } = harness;
    const { recorded, inUse } = await staleRecord(harness);

    const report = await describeAdobeClientSecrets(adobeCredentialsSchema.parse(currentAdobeSecret(world)), {
      console: new AdobeConsoleClient({ baseUrl: world.emulators.adobeConsole.url, policy: FAST_HTTP_POLICY }),
      imsUrl: world.emulators.ims.url,
      policy: FAST_HTTP_POLICY,
    });
    const inspected = (await harness.newHandler()({ inspect: true })) as InspectResult;

    for (const view of [report, inspected.adobeClientSecrets]) {
      expect(view).toMatchObject({ count: 2, recordedUuid: recorded, record: 'stale' });
      expect(view).not.toHaveProperty('currentUuid');
      expect((view as typeof report).secrets.map((secret) => secret.holder)).toEqual(['unknown', 'unknown']);
      expect(
        (view as typeof report).secrets.find((secret) => secret.uuid === inUse.uuid)!.lastUsedAt,
      ).toBeGreaterThanOrEqual((view as typeof report).tokenRequestedAt);
    }
  });
});

describe('a leftover provably not in use', () => {
  it('deletes one a failed store left (never used), and the rotation proceeds', async () => {
    // Prepare: the store of the new secret fails, and so does giving its place back at Adobe.
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    const { world } = harness;
    expect((await rotateAdobeSecret(world)).outcome).toBe('succeeded');
    const recorded = currentAdobeSecret(world).clientSecretUuid as string;
    const store = { match: { action: 'PutSecretValue' }, kind: 'respond', status: 500, times: 10 } as const;
    world.emulators.secretsManager.injectFault({ ...store, body: { __type: 'InternalServiceError', message: 'x' } });
    world.emulators.adobeConsole.injectFault({ match: { method: 'DELETE' }, kind: 'respond', status: 500, times: 10 });
    const failed = await rotateAdobeSecret(world);
    expect(failed.steps.at(-1)).toMatchObject({ step: 'createSecret', ok: false });
    const leftover = adobeSecretsOf(harness).find((secret) => secret.uuid !== recorded)!;
    expect(leftover.lastUsedAt).toBeUndefined();
    world.emulators.secretsManager.clearFaults();
    world.emulators.adobeConsole.clearFaults();

    // Act
    const rotation = await rotateOrResume(harness);

    // Assess
    expect(rotation).toMatchObject({ token: failed.token, outcome: 'succeeded' });
    expect(consoleCalls(harness, 'DELETE').at(-2)!.path).toMatch(new RegExp(`/secrets/${leftover.uuid}$`));
    expect(adobeSecretsOf(harness).map((secret) => secret.uuid)).toEqual([currentAdobeSecret(world).clientSecretUuid]);
  });

  it('deletes the old one a failed finishSecret delete left (used before the current one), and proceeds', async () => {
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    const { world } = harness;
    const [original] = adobeSecretsOf(harness);
    world.emulators.adobeConsole.injectFault({ match: { method: 'DELETE' }, kind: 'respond', status: 500, times: 10 });
    expect((await rotateAdobeSecret(world)).steps.at(-1)).toMatchObject({ step: 'finishSecret', ok: false });
    world.emulators.adobeConsole.clearFaults();
    const [old, current] = adobeSecretsOf(harness);
    expect(old!.uuid).toBe(original!.uuid);
    expect(current!.uuid).toBe(currentAdobeSecret(world).clientSecretUuid);
    expect(old!.lastUsedAt).toBeLessThan(current!.lastUsedAt!);

    const rotation = await rotateAdobeSecret(world);

    expect(rotation.outcome).toBe('succeeded');
    expect(adobeSecretsOf(harness).map((secret) => secret.uuid)).toEqual([currentAdobeSecret(world).clientSecretUuid]);
    expect(consoleCalls(harness, 'DELETE').map((request) => request.path.split('/').at(-1))).toContain(old!.uuid);
  });
});

/** Adobe's list as a lagging Adobe would answer it: `lastUsedAt` of each uuid overridden (undefined: never used). */
function laggingList(harness: Harness, lastUsedAt: Record<string, number | undefined>) {
  return () => ({
    client_id: harness.world.adobe.clientId,
    client_secrets: adobeSecretsOf(harness).map((secret) => {
      const at = secret.uuid in lastUsedAt ? lastUsedAt[secret.uuid] : secret.lastUsedAt;
      return {
        uuid: secret.uuid,
        created_at: String(secret.createdAt),
        expires_at: 'PERMANENT',
        secret_usages: at === undefined ? null : [{ last_used_at: at, grant_type: 'client_credentials' }],
      };
    }),
  });
}

describe("when Adobe's last-used times lag", () => {
  it('refuses rather than take the secret in use for a never-used leftover', async () => {
    // Prepare: the stale record, and an Adobe that has not yet recorded any use of the new secret (nor this step's).
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    const { world } = harness;
    const { recorded, inUse } = await staleRecord(harness);
    const hourAgo = Date.now() - 3_600_000;
    world.emulators.adobeConsole.injectFault({
      match: { method: 'GET' },
      kind: 'respond',
      status: 200,
      body: laggingList(harness, { [recorded]: hourAgo, [inUse.uuid]: undefined }),
    });
    const deletes = consoleCalls(harness, 'DELETE').length;

    const rotation = await rotateAdobeSecret(world);

    expect(rotation.outcome).toBe('failed');
    expect(stepError(rotation)).toContain(`${inUse.uuid} (never used)`);
    expect(stepError(rotation)).toContain(`last used ${new Date(hourAgo).toISOString()}`);
    expect(stepError(rotation)).toContain('may lag');
    expect(consoleCalls(harness, 'DELETE')).toHaveLength(deletes);
    expect(adobeSecretsOf(harness).map((secret) => secret.uuid)).toEqual([recorded, inUse.uuid]);
    expect(await imsAccepts(harness, currentAdobeSecret(world).clientSecret as string)).toBe(true);
  });

  it("refuses when this step's own use does not show yet, even for a leftover that looks old", async () => {
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    const { world } = harness;
    world.emulators.adobeConsole.injectFault({ match: { method: 'DELETE' }, kind: 'respond', status: 500, times: 10 });
    await rotateAdobeSecret(world);
    world.emulators.adobeConsole.clearFaults();
    const [old, current] = adobeSecretsOf(harness);
    // Adobe shows the current one last used a minute ago, the old one two: neither is this step's use.
    world.emulators.adobeConsole.injectFault({
      match: { method: 'GET' },
      kind: 'respond',
      status: 200,
      body: laggingList(harness, { [old!.uuid]: Date.now() - 120_000, [current!.uuid]: Date.now() - 60_000 }),
    });

    const rotation = await rotateOrResume(harness);

    expect(rotation.steps.at(-1)).toMatchObject({ step: 'createSecret', ok: false });
    expect(stepError(rotation)).toContain(`do not prove ${old!.uuid} unused`);
    expect(adobeSecretsOf(harness)).toHaveLength(2);
  });
});

describe('secret hygiene', () => {
  it('the refusals and the cleanups leak no secret into logs, errors or results', async () => {
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    const { world } = harness;
    const capture = captureOutput();
    const outputs: string[] = [];
    try {
      const { inUse } = await staleRecord(harness);
      outputs.push(JSON.stringify(await rotateAdobeSecret(world)));
      outputs.push(JSON.stringify(await harness.newHandler()({ inspect: true })));
      await putByHand(harness, { ...currentAdobeSecret(world), clientSecretUuid: inUse.uuid });
      outputs.push(JSON.stringify(await rotateOrResume(harness)));
    } finally {
      capture.restore();
    }

    const rotations = JSON.stringify(world.emulators.secretsManager.rotations);
    const everything = `${capture.text()}\n${outputs.join('\n')}\n${rotations}`;
    expect(everything).toContain('adobe secret rotation step failed');
    expect(everything).toContain('adobe secret rotation step succeeded');
    expect(world.emulators.ims.issuedClientSecrets.length).toBeGreaterThanOrEqual(4);
    expect(findSecrets(everything, world.secretValues())).toEqual([]);
  });
});
