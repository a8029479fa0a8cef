import {
  DeleteResourcePolicyCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSecretsManagerEmulator } from '../../../emulators/secrets-manager.js';
import { startStsEmulator } from '../../../emulators/sts.js';
import type { AwsCredentials, SecretsManagerEmulator, StsEmulator } from '../../../emulators/types.js';

const ACCOUNT = '123456789012';
const SECRET_NAME = 'aep-s3-rotator/adobe-credentials';
const SECRET_VALUE = JSON.stringify({ clientId: 'rotator', clientSecret: 'p8e-secret', orgId: 'ORG@AdobeOrg' });

let sts: StsEmulator;
let secretsManager: SecretsManagerEmulator;
let functionCredentials: AwsCredentials;
let secretArn: string;
const clients: SecretsManagerClient[] = [];

/** Middleware the tests add to change a request (before or after the SDK signs it). */
type Args = { request: { body: string | Uint8Array; headers: Record<string, string> } };
type Middleware = (next: (args: Args) => Promise<unknown>) => (args: Args) => Promise<unknown>;

/** The real SDK client, pointed at the emulator, without retries so each call is one request. */
function client(credentials: AwsCredentials = functionCredentials): SecretsManagerClient {
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  const created = new SecretsManagerClient({
    region: 'us-east-1',
    endpoint: secretsManager.url,
    credentials: { accessKeyId, secretAccessKey, sessionToken },
    maxAttempts: 1,
  });
  clients.push(created);
  return created;
}

const getSecret = (secretId: string, credentials?: AwsCredentials) =>
  client(credentials).send(new GetSecretValueCommand({ SecretId: secretId }));

beforeEach(async () => {
  sts = await startStsEmulator({ region: 'us-east-1' });
  secretsManager = await startSecretsManagerEmulator({ sts, region: 'us-east-1', accountId: ACCOUNT });
  functionCredentials = sts.issueRoleSession(`arn:aws:iam::${ACCOUNT}:role/rotator-function`, 'rotator-function');
  secretArn = secretsManager.putSecret(SECRET_NAME, SECRET_VALUE);
});

afterEach(async () => {
  for (const created of clients.splice(0)) created.destroy();
  await Promise.all([secretsManager.close(), sts.close()]);
});

describe('Secrets Manager emulator GetSecretValue', () => {
  it('returns the current version of a secret looked up by name', async () => {
    // Prepare
    const before = Date.now();

    // Act
    const result = await getSecret(SECRET_NAME);

    // Assess
    expect(secretArn).toMatch(
      new RegExp(
        `^arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:aep-s3-rotator/adobe-credentials-[A-Za-z0-9]{6}$`,
      ),
    );
    expect(result).toMatchObject({
      ARN: secretArn,
      Name: SECRET_NAME,
      SecretString: SECRET_VALUE,
      VersionStages: ['AWSCURRENT'],
      VersionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(result.CreatedDate).toBeInstanceOf(Date);
    expect(result.CreatedDate!.getTime()).toBeLessThanOrEqual(before + 1000);
    expect(secretsManager.requests.at(-1)).toMatchObject({ method: 'POST', path: '/', action: 'GetSecretValue' });
  });

  it('finds a secret by its full ARN and by its ARN without the random suffix', async () => {
    await expect(getSecret(secretArn)).resolves.toMatchObject({ Name: SECRET_NAME });
    await expect(getSecret(secretArn.slice(0, -7))).resolves.toMatchObject({ Name: SECRET_NAME });
  });

  it('serves a new version under the same ARN when a secret is put again', async () => {
    // Prepare
    const first = await getSecret(SECRET_NAME);

    // Act
    const arn = secretsManager.putSecret(SECRET_NAME, '{"rotated":true}');

    // Assess
    const second = await getSecret(SECRET_NAME);
    expect(arn).toBe(secretArn);
    expect(second.SecretString).toBe('{"rotated":true}');
    expect(second.VersionId).not.toBe(first.VersionId);
  });

  it('accepts IAM user long-term keys as well as role sessions', async () => {
    await expect(getSecret(SECRET_NAME, sts.createUser('rotator-user'))).resolves.toMatchObject({
      SecretString: SECRET_VALUE,
    });
  });

  it('answers an unknown secret with ResourceNotFoundException', async () => {
    await expect(getSecret('does-not-exist')).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(getSecret(`${secretArn.slice(0, -6)}XXXXXX`)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});

describe('Secrets Manager emulator PutSecretValue', () => {
  it('makes the value put the current version, under the same ARN, for the next GetSecretValue', async () => {
    const before = await getSecret(SECRET_NAME);

    const put = await client().send(
      new PutSecretValueCommand({ SecretId: secretArn, SecretString: '{"clientSecret":"new"}' }),
    );

    expect(put).toMatchObject({ ARN: secretArn, Name: SECRET_NAME, VersionStages: ['AWSCURRENT'] });
    expect(put.VersionId).not.toBe(before.VersionId);
    await expect(getSecret(SECRET_NAME)).resolves.toMatchObject({
      SecretString: '{"clientSecret":"new"}',
      VersionId: put.VersionId,
    });
  });

  it('refuses a put without a value (InvalidRequestException) or to an unknown secret; the value stays', async () => {
    await expect(client().send(new PutSecretValueCommand({ SecretId: SECRET_NAME }))).rejects.toMatchObject({
      name: 'InvalidRequestException',
    });
    await expect(
      client().send(new PutSecretValueCommand({ SecretId: 'does-not-exist', SecretString: '{}' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(getSecret(SECRET_NAME)).resolves.toMatchObject({ SecretString: SECRET_VALUE });
  });

  it('refuses a put signed with keys STS never issued, and keeps the old value', async () => {
    const stranger = { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) };

    await expect(
      client(stranger).send(new PutSecretValueCommand({ SecretId: SECRET_NAME, SecretString: '{}' })),
    ).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
    await expect(getSecret(SECRET_NAME)).resolves.toMatchObject({ SecretString: SECRET_VALUE });
  });
});

describe('Secrets Manager emulator signature checks', () => {
  it('refuses an access key STS never issued with UnrecognizedClientException', async () => {
    await expect(
      getSecret(SECRET_NAME, { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x'.repeat(40) }),
    ).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('refuses a wrong secret key with InvalidSignatureException', async () => {
    await expect(
      getSecret(SECRET_NAME, { ...functionCredentials, secretAccessKey: 'x'.repeat(40) }),
    ).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      message: expect.stringContaining(
        'The request signature we calculated does not match the signature you provided.',
      ),
    });
  });

  it('refuses a SecretId changed after signing with InvalidSignatureException', async () => {
    // Prepare
    const tampering = client();
    const tamper: Middleware = (next) => async (args) => {
      // The JSON protocol hands over the body as bytes; keep its length so only the signature is off.
      const { body } = args.request;
      const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
      args.request.body = text.replace('adobe-credentials', 'other-credential!');
      return next(args);
    };
    tampering.middlewareStack.addRelativeTo(tamper as never, {
      relation: 'after',
      toMiddleware: 'httpSigningMiddleware',
      name: 'tamper',
    });

    // Act / Assess
    await expect(tampering.send(new GetSecretValueCommand({ SecretId: SECRET_NAME }))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
  });

  it("refuses credentials expired by the STS emulator's clock with ExpiredTokenException", async () => {
    // Act
    sts.setClock(() => Date.now() + 3601_000);

    // Assess
    await expect(getSecret(SECRET_NAME)).rejects.toMatchObject({
      name: 'ExpiredTokenException',
      message: 'The security token included in the request is expired',
    });
  });

  it('refuses credentials STS revoked with UnrecognizedClientException', async () => {
    // Act
    sts.revokeIssuedCredentials();

    // Assess
    await expect(getSecret(SECRET_NAME)).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
  });

  it('answers an unsigned request with MissingAuthenticationTokenException', async () => {
    // Act
    const response = await fetch(secretsManager.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
      body: JSON.stringify({ SecretId: SECRET_NAME }),
    });

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
  });
});

describe('Secrets Manager emulator operations and faults', () => {
  /** A client whose X-Amz-Target is replaced (or removed) before signing, so only the operation is wrong. */
  function clientWithTarget(target: string | undefined): SecretsManagerClient {
    const changed = client();
    const setTarget: Middleware = (next) => async (args) => {
      if (target === undefined) delete args.request.headers['x-amz-target'];
      else args.request.headers['x-amz-target'] = target;
      return next(args);
    };
    changed.middlewareStack.add(setTarget as never, { step: 'build', name: 'setTarget' });
    return changed;
  }

  it('answers an operation it does not implement with UnknownOperationException', async () => {
    await expect(
      clientWithTarget('secretsmanager.DeleteSecret').send(new GetSecretValueCommand({ SecretId: SECRET_NAME })),
    ).rejects.toMatchObject({
      name: 'UnknownOperationException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('answers a request without X-Amz-Target with UnknownOperationException', async () => {
    await expect(
      clientWithTarget(undefined).send(new GetSecretValueCommand({ SecretId: SECRET_NAME })),
    ).rejects.toMatchObject({
      name: 'UnknownOperationException',
    });
  });

  it('applies a fault matched by action name, then serves normally', async () => {
    // Prepare
    secretsManager.injectFault({
      match: { action: 'GetSecretValue' },
      kind: 'respond',
      status: 500,
      body: { __type: 'InternalServiceError', message: 'An error occurred on the server side.' },
      headers: { 'content-type': 'application/x-amz-json-1.1' },
    });

    // Act / Assess
    await expect(getSecret(SECRET_NAME)).rejects.toMatchObject({
      name: 'InternalServiceError',
      $metadata: { httpStatusCode: 500 },
    });
    await expect(getSecret(SECRET_NAME)).resolves.toMatchObject({ SecretString: SECRET_VALUE });
  });
});

describe('Secrets Manager emulator resource policies', () => {
  const DENY_READ = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Deny', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*' }],
  });

  it('answers GetResourcePolicy without a ResourcePolicy for a secret that has none, as AWS does', async () => {
    const result = await client().send(new GetResourcePolicyCommand({ SecretId: SECRET_NAME }));

    expect(result).toMatchObject({ ARN: secretArn, Name: SECRET_NAME });
    expect(result.ResourcePolicy).toBeUndefined();
  });

  it('keeps the policy PutResourcePolicy put, by name or ARN, until DeleteResourcePolicy', async () => {
    await client().send(new PutResourcePolicyCommand({ SecretId: secretArn, ResourcePolicy: DENY_READ }));
    const put = await client().send(new GetResourcePolicyCommand({ SecretId: SECRET_NAME }));
    await client().send(new DeleteResourcePolicyCommand({ SecretId: SECRET_NAME }));
    const deleted = await client().send(new GetResourcePolicyCommand({ SecretId: secretArn }));

    expect(put.ResourcePolicy).toBe(DENY_READ);
    expect(deleted.ResourcePolicy).toBeUndefined();
  });

  it.each([
    ['text that is not JSON', '{"Statement":', 'MalformedPolicyDocumentException'],
    ['a document without a Statement', '{"Version":"2012-10-17"}', 'MalformedPolicyDocumentException'],
  ])('refuses %s', async (_name, policy, code) => {
    const refused = await client()
      .send(new PutResourcePolicyCommand({ SecretId: SECRET_NAME, ResourcePolicy: policy }))
      .catch((error: Error) => error);

    expect((refused as Error).name).toBe(code);
  });

  it("refuses a secret it does not know with AWS's ResourceNotFoundException", async () => {
    const refused = await client()
      .send(new GetResourcePolicyCommand({ SecretId: 'aep/missing' }))
      .catch((error: Error) => error);

    expect((refused as Error).name).toBe('ResourceNotFoundException');
  });
});
