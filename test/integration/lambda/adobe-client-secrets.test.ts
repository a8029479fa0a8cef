/**
 * What Adobe holds for the credential (lambda/adobe-client-secrets.ts), as the rotator's `inspect`
 * request will report it: counted through the I/O Management API emulator, never a value.
 */
import { describe, expect, it } from 'vitest';
import { AdobeConsoleClient, AdobeConsoleError } from '../../../lambda/adobe-console-client.js';
import { AdobeSecretRotationError, describeAdobeClientSecrets } from '../../../lambda/adobe-client-secrets.js';
import { adobeCredentialsSchema } from '../../../lambda/secrets.js';
import {
  currentAdobeSecret,
  FAST_HTTP_POLICY,
  findSecrets,
  rotateAdobeSecret,
  useHarness,
  type Harness,
} from '../../support/index.js';

const start = useHarness();

/** The Adobe credentials secret as the rotator's session reads it (its schema carries the rotation's fields). */
const credentialsOf = (harness: Harness) => adobeCredentialsSchema.parse(currentAdobeSecret(harness.world));
const options = (harness: Harness) => ({
  console: new AdobeConsoleClient({ baseUrl: harness.world.emulators.adobeConsole.url, policy: FAST_HTTP_POLICY }),
  imsUrl: harness.world.emulators.ims.url,
  policy: FAST_HTTP_POLICY,
});

describe('describeAdobeClientSecrets', () => {
  it('counts one secret, marked as the one the secret holds, even before a rotation recorded its uuid', async () => {
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    const [only] = harness.world.emulators.ims.clientSecrets(harness.world.adobe.clientId);

    const report = await describeAdobeClientSecrets(credentialsOf(harness), options(harness));

    expect(report).toMatchObject({ consoleOrgId: '53444', credentialId: '1122334', count: 1, currentUuid: only!.uuid });
    expect(report.secrets).toEqual([
      expect.objectContaining({ uuid: only!.uuid, holder: 'current', createdAt: only!.createdAt }),
    ]);
    expect(findSecrets(JSON.stringify(report), harness.world.secretValues())).toEqual([]);
  });

  it('counts two after a failed delete, telling the current one (recorded uuid) from the leftover', async () => {
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    harness.world.emulators.adobeConsole.injectFault({
      match: { method: 'DELETE' },
      kind: 'respond',
      status: 500,
      times: 10,
    });
    await rotateAdobeSecret(harness.world);

    const report = await describeAdobeClientSecrets(credentialsOf(harness), options(harness));

    expect(report.count).toBe(2);
    expect(report.currentUuid).toBe(currentAdobeSecret(harness.world).clientSecretUuid);
    expect(report.secrets.map((secret) => secret.holder).sort()).toEqual(['current', 'other']);
    // The leftover's last use: when the rotation last asked IMS with it.
    expect(report.secrets.find((secret) => secret.holder === 'other')!.lastUsedAt).toBeGreaterThan(0);
  });

  it('says unknown for both when Adobe holds two and the secret records no uuid', async () => {
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    harness.world.emulators.ims.addClientSecret(harness.world.adobe.clientId);

    const report = await describeAdobeClientSecrets(credentialsOf(harness), options(harness));

    expect(report.count).toBe(2);
    expect(report.currentUuid).toBeUndefined();
    expect(report.secrets.map((secret) => secret.holder)).toEqual(['unknown', 'unknown']);
  });

  it('refuses without the console ids, naming them, and reports a 403 as the missing I/O Management API', async () => {
    const harness = await start({ connections: [{ sandboxName: 'prod' }] });
    const { consoleOrgId: _org, credentialId: _credential, ...withoutIds } = credentialsOf(harness);

    await expect(describeAdobeClientSecrets(withoutIds, options(harness))).rejects.toThrow(AdobeSecretRotationError);
    await expect(describeAdobeClientSecrets(withoutIds, options(harness))).rejects.toThrow(
      /has no consoleOrgId and credentialId/,
    );
    await expect(
      describeAdobeClientSecrets({ ...credentialsOf(harness), consoleOrgId: 'acme' }, options(harness)),
    ).rejects.toThrow(/consoleOrgId must be the Developer Console's numeric id/);
    harness.world.emulators.ims.setIoManagementApi(harness.world.adobe.clientId, false);
    await expect(describeAdobeClientSecrets(credentialsOf(harness), options(harness))).rejects.toMatchObject({
      constructor: AdobeConsoleError,
      code: 'ADOBE_CONSOLE_FORBIDDEN',
      statusCode: 403,
    });
  });
});
