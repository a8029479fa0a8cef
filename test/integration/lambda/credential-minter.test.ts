/**
 * The credential minter against the STS and Secrets Manager emulators: how its verification
 * clients (one per minted set, signed with the new credentials) get their settings.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, parseTargets } from '../../../lambda/config.js';
import { CredentialMinter, federatedUserArn, federatedUserName } from '../../../lambda/credential-minter.js';
import { invocationRedactor, redactSecrets } from '../../../lambda/redaction.js';
import { InvocationSecrets, SecretStore } from '../../../lambda/secrets.js';
import { sessionPolicy } from '../../../core/session-policy.js';
import { startWorld, type World } from '../../../emulators/world.js';

let world: World | undefined;
let restoreEnv: (() => void) | undefined;
afterEach(async () => {
  restoreEnv?.();
  restoreEnv = undefined;
  await world?.close();
  world = undefined;
});

async function seeded(connections: number) {
  world = await startWorld({ connections: Array.from({ length: connections }, () => ({ sandboxName: 'prod' })) });
  restoreEnv = world.applyEnv();
  const { targets } = loadConfig({ env: world.env });
  return { world, targets };
}

/** What one invocation gives a mint: its secrets (read from the Secrets Manager emulator) and its redactor. */
const invocation = (world: World) => ({
  secrets: new InvocationSecrets(new SecretStore(new SecretsManagerClient({})), world.adobe.secretId),
  redactor: invocationRedactor(),
});

const verifications = (world: World) =>
  world.emulators.sts.requests.filter((request) => request.action === 'GetCallerIdentity');
const signerKeyOf = (authorization: string | undefined) => /Credential=([A-Z0-9]+)\//.exec(authorization ?? '')?.[1];

describe('CredentialMinter', () => {
  it('verifies each minted set with a GetCallerIdentity signed by that set', async () => {
    const { world, targets } = await seeded(2);
    const minter = new CredentialMinter();

    const minted = await Promise.all(targets.map((target) => minter.mint(target, invocation(world))));

    expect(verifications(world).map((request) => signerKeyOf(request.headers.authorization))).toEqual(
      expect.arrayContaining(minted.map((set) => set.accessKeyId)),
    );
    for (const [index, set] of minted.entries()) {
      expect(set.identityArn).toMatch(
        new RegExp(`:assumed-role/aep-s3-ingest-${index}/aep-s3-rotator-${targets[index]!.connectionId}$`),
      );
    }
  });

  it('gives verification clients the settings its own client resolved, not the environment read again', async () => {
    const { world, targets } = await seeded(2);
    const minter = new CredentialMinter();
    const call = invocation(world);
    await minter.mint(targets[0]!, call);

    // A client that looked these up now would fail: an endpoint nobody listens on, a region
    // that signs for the wrong place, and a retry setting the SDK refuses.
    process.env.AWS_ENDPOINT_URL_STS = 'http://127.0.0.1:9';
    process.env.AWS_REGION = 'eu-west-3';
    process.env.AWS_MAX_ATTEMPTS = 'not-a-number';

    const second = await minter.mint(targets[1]!, call);

    expect(second.identityArn).toContain(targets[1]!.connectionId);
    const last = verifications(world).at(-1)!;
    expect(signerKeyOf(last.headers.authorization)).toBe(second.accessKeyId);
    expect(last.headers.authorization).toContain('/us-east-1/sts/aws4_request');
  });

  it("registers what it mints with the invocation's redactor only, so the container keeps none of it", async () => {
    const { world, targets } = await seeded(1);
    const call = invocation(world);

    const minted = await new CredentialMinter().mint(targets[0]!, call);

    const text = `key ${minted.secretAccessKey} token ${minted.sessionToken}`;
    expect(call.redactor.redact(text)).toBe('key [REDACTED] token [REDACTED]');
    expect(redactSecrets(text)).toBe(text);
    expect(invocationRedactor().redact(text)).toBe(text);
  });

  it('uses an endpoint given in code (not from the environment) for verification too', async () => {
    const { world, targets } = await seeded(1);
    delete process.env.AWS_ENDPOINT_URL_STS;
    const minter = new CredentialMinter({ clientConfig: { endpoint: world.emulators.sts.url } });

    const minted = await minter.mint(targets[0]!, invocation(world));

    expect(minted.identityArn).toContain(targets[0]!.connectionId);
    expect(signerKeyOf(verifications(world).at(-1)!.headers.authorization)).toBe(minted.accessKeyId);
  });
});

describe('federatedUserName', () => {
  it.each([
    ['4cb0c374-d3bb-4557-b139-5712880adc55', 'aep-4cb0c374d3bb4557b1395712880a'],
    ['4CB0C374-D3BB-4557-B139-5712880ADC55', 'aep-4cb0c374d3bb4557b1395712880a'],
    ['9e0f2c1a-7b3d-4e5f-8a6b-1c2d3e4f5a6b', 'aep-9e0f2c1a7b3d4e5f8a6b1c2d3e4f'],
  ])(
    'names the federated user of connection %s %s: 32 characters AWS accepts, the same every time',
    (connectionId, name) => {
      expect(federatedUserName(connectionId)).toBe(name);
      expect(name).toMatch(/^[\w+=,.@-]{2,32}$/);
    },
  );
});

describe('federatedUserArn', () => {
  it.each([
    ['arn:aws:iam::123456789012:user/aep-ingest', 'arn:aws:sts::123456789012:federated-user/aep-x'],
    ['arn:aws-cn:iam::210987654321:user/path/aep-ingest', 'arn:aws-cn:sts::210987654321:federated-user/aep-x'],
    ['not-an-arn', ''],
  ])('takes partition and account from %s', (userArn, expected) => {
    expect(federatedUserArn(userArn, 'aep-x')).toBe(expected);
  });
});

describe('the session policy of a narrowed AssumeRole', () => {
  it.each([
    ['arn:aws-cn:iam::210987654321:role/aep-reader', 'aws-cn'],
    ['arn:aws-us-gov:iam::210987654321:role/path/aep-reader', 'aws-us-gov'],
  ])("names S3 in the role's own partition: %s", async (roleArn, partition) => {
    const sent: unknown[] = [];
    // The STS emulator knows only the aws partition: capture the request and stop there.
    const send = vi.spyOn(STSClient.prototype, 'send').mockImplementation(async (command: { input: unknown }) => {
      sent.push(command.input);
      throw Object.assign(new Error('stopped by the test'), { name: 'Stopped' });
    });
    try {
      const [target] = parseTargets(
        [
          {
            connectionId: '4cb0c374-d3bb-4557-b139-5712880adc55',
            sandboxName: 'prod',
            roleArn,
            bucketName: 'acme-landing',
            folderPath: 'crm/daily',
          },
        ],
        'ROTATION_TARGETS',
      ).targets;
      await expect(
        new CredentialMinter().mint(target!, { secrets: { userKeys: vi.fn() }, redactor: invocationRedactor() }),
      ).rejects.toThrow('Stopped');
    } finally {
      send.mockRestore();
    }

    const { Policy: policy, RoleArn } = sent[0] as { Policy: string; RoleArn: string };
    expect(RoleArn).toBe(roleArn);
    expect(policy).toBe(sessionPolicy({ partition, bucketName: 'acme-landing', folderPath: 'crm/daily' }));
    expect(policy).not.toContain('arn:aws:');
  });
});
