/**
 * The operator's view of a stale `clientSecretUuid` (an Adobe client secret put by hand with the old
 * JSON copied): `rotate-adobe-secret` shows createSecret's refusal and what to do, `status` says the
 * secret's uuid is not the one in use; neither shows a value. Real CLI, rotation function and
 * rotator in the stand-ins, over the emulators.
 */
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSecrets, operatorSecretsManager, STACK_TRACE, startCliWorld, type CliWorld } from '../../support/index.js';

let t: CliWorld;
/** Text with its line breaks and runs of spaces as one space: wrapped lines read as one. */
const flat = (text: string) => text.replace(/\s+/g, ' ');
const currentSecret = () =>
  JSON.parse(t.world.emulators.secretsManager.currentValue(t.world.adobe.secretId)!) as Record<string, string>;

beforeAll(async () => {
  t = await startCliWorld({ connections: [{ sandboxName: 'prod' }] });
});
afterAll(() => t.close());

describe('a stale clientSecretUuid, as the operator sees it', () => {
  it('rotate-adobe-secret shows the refusal and its fix; status flags the record; no value anywhere', async () => {
    // Prepare: a rotation records the uuid; then a secret added in Developer Console and put by hand, old JSON copied.
    expect((await t.cli(['rotate-adobe-secret'])).code).toBe(0);
    const before = currentSecret();
    const inUse = t.world.emulators.ims.addClientSecret(t.world.adobe.clientId)!;
    await operatorSecretsManager(t.world).send(
      new PutSecretValueCommand({
        SecretId: t.world.adobe.secretId,
        SecretString: JSON.stringify({ ...before, clientSecret: inUse.value }),
      }),
    );

    // Act
    const rotation = await t.cli(['rotate-adobe-secret'], { tty: true });
    const status = await t.cli(['status'], { tty: true });

    // Assess
    expect(rotation.code).toBe(1);
    expect(rotation.stdout).not.toMatch(STACK_TRACE);
    const text = flat(rotation.stdout);
    expect(text).toContain('createSecret FAILED ADOBE_SECRET_ROTATION_REFUSED');
    expect(text).toContain(`set clientSecretUuid to ${inUse.uuid}`);
    expect(text).toContain('nothing was changed');
    expect(t.world.emulators.ims.clientSecrets(t.world.adobe.clientId).map((secret) => secret.uuid)).toEqual([
      before.clientSecretUuid,
      inUse.uuid,
    ]);
    expect(flat(status.stdout)).toContain(
      "Adobe holds 2 secrets (the secret's clientSecretUuid is not the one in use: docs/RUNBOOK.md)",
    );
    expect(
      findSecrets(rotation.stdout + rotation.stderr + status.stdout + status.stderr, t.world.secretValues()),
    ).toEqual([]);
  });
});
