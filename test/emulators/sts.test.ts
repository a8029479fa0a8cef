import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  STSClient,
  type STSClientConfig,
} from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStsEmulator, stsErrorXml } from '../../emulators/sts.js';
import type { AwsCredentials, StsEmulator } from '../../emulators/types.js';

const ACCOUNT = '123456789012';
const FUNCTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/rotator-function`;
const TARGET_ROLE = `arn:aws:iam::${ACCOUNT}:role/s3-ingest`;

/** Middleware the tests add to change a request (before or after the SDK signs it); the Query protocol body is a string. */
type Args = { request: { body: string; headers: Record<string, string> } };
type Middleware = (next: (args: Args) => Promise<unknown>) => (args: Args) => Promise<unknown>;

let sts: StsEmulator;
let user: AwsCredentials & { arn: string };
const clients: STSClient[] = [];

/** The real SDK client, pointed at the emulator, without retries so each call is one request. */
function client(credentials: AwsCredentials, config: Partial<STSClientConfig> = {}): STSClient {
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  const created = new STSClient({
    region: 'us-east-1',
    endpoint: sts.url,
    credentials: { accessKeyId, secretAccessKey, sessionToken },
    maxAttempts: 1,
    ...config,
  });
  clients.push(created);
  return created;
}

const whoAmI = (credentials: AwsCredentials) => client(credentials).send(new GetCallerIdentityCommand({}));

const assumeRole = (credentials: AwsCredentials, input: Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]> = {}) =>
  client(credentials).send(new AssumeRoleCommand({ RoleArn: TARGET_ROLE, RoleSessionName: 'rotation', ...input }));

beforeEach(async () => {
  sts = await startStsEmulator({ region: 'us-east-1' });
  user = sts.createUser('rotator-user', ACCOUNT);
});

afterEach(async () => {
  for (const created of clients.splice(0)) created.destroy();
  await sts.close();
});

describe('STS emulator GetCallerIdentity', () => {
  it('names an IAM user signing with long-term AKIA keys', async () => {
    // Act
    const identity = await whoAmI(user);

    // Assess
    expect(user.accessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
    expect(identity.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/rotator-user`);
    expect(identity.Account).toBe(ACCOUNT);
    expect(identity.UserId).toMatch(/^AIDA[A-Z0-9]{17}$/);
    expect(sts.requests.at(-1)).toMatchObject({ method: 'POST', path: '/', action: 'GetCallerIdentity' });
  });

  it('names the assumed role and session for Lambda-style role-session credentials', async () => {
    // Prepare
    const session = sts.issueRoleSession(FUNCTION_ROLE, 'rotator-function');

    // Act
    const identity = await whoAmI(session);

    // Assess
    expect(session.accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(identity.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/rotator-function/rotator-function`);
    expect(identity.UserId).toMatch(/^AROA[A-Z0-9]{17}:rotator-function$/);
  });

  it('is reachable through the AWS_ENDPOINT_URL_STS environment variable instead of an explicit endpoint', async () => {
    // Prepare
    const saved = process.env.AWS_ENDPOINT_URL_STS;
    process.env.AWS_ENDPOINT_URL_STS = sts.url;
    try {
      const fromEnv = new STSClient({ region: 'us-east-1', credentials: user, maxAttempts: 1 });
      clients.push(fromEnv);

      // Act
      const identity = await fromEnv.send(new GetCallerIdentityCommand({}));

      // Assess
      expect(identity.Arn).toBe(user.arn);
      expect(sts.requests).toHaveLength(1);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_STS;
      else process.env.AWS_ENDPOINT_URL_STS = saved;
    }
  });
});

describe('STS emulator signature checks', () => {
  it('refuses a request signed with the wrong secret with SignatureDoesNotMatch', async () => {
    await expect(whoAmI({ ...user, secretAccessKey: `${user.secretAccessKey}x` })).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('refuses a request whose body was changed after signing with SignatureDoesNotMatch', async () => {
    // Prepare: a man in the middle swaps the session name for another of the same length.
    sts.createRole({ roleArn: TARGET_ROLE });
    const tampering = client(user);
    const tamper: Middleware = (next) => async (args) => {
      args.request.body = args.request.body.replace('RoleSessionName=rotation', 'RoleSessionName=attacker');
      return next(args);
    };
    tampering.middlewareStack.addRelativeTo(tamper as never, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'tamper' });

    // Act
    const call = tampering.send(new AssumeRoleCommand({ RoleArn: TARGET_ROLE, RoleSessionName: 'rotation' }));

    // Assess
    await expect(call).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    expect(sts.requests[0]!.body).toContain('RoleSessionName=attacker');
    expect(sts.issuedCredentials).toHaveLength(0);
  });

  it('refuses an access key it never issued with InvalidClientTokenId', async () => {
    await expect(whoAmI({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' })).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
      message: 'The security token included in the request is invalid.',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('refuses session credentials sent with another session token with InvalidClientTokenId', async () => {
    // Prepare
    const session = sts.issueRoleSession(FUNCTION_ROLE);
    const other = sts.issueRoleSession(FUNCTION_ROLE);

    // Act / Assess
    await expect(whoAmI({ ...session, sessionToken: other.sessionToken })).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
    await expect(whoAmI({ ...session, sessionToken: undefined })).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
  });

  it('refuses credentials past their expiration with ExpiredToken', async () => {
    // Prepare
    const session = sts.issueRoleSession(FUNCTION_ROLE, 'rotator-function', 900);
    await expect(whoAmI(session)).resolves.toBeDefined();

    // Act
    sts.setClock(() => Date.now() + 901_000);

    // Assess
    await expect(whoAmI(session)).rejects.toMatchObject({
      name: 'ExpiredToken',
      message: 'The security token included in the request is expired',
    });
  });

  it('refuses revoked credentials with InvalidClientTokenId but keeps accepting IAM user keys', async () => {
    // Prepare
    const session = sts.issueRoleSession(FUNCTION_ROLE);

    // Act
    sts.revokeIssuedCredentials();

    // Assess
    await expect(whoAmI(session)).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
    await expect(whoAmI(user)).resolves.toMatchObject({ Arn: user.arn });
  });

  it('refuses a request signed more than 15 minutes ago with SignatureDoesNotMatch "Signature expired"', async () => {
    // Prepare: the SDK signs with its clock plus this offset.
    const late = client(user, { systemClockOffset: -16 * 60 * 1000 });

    // Act / Assess
    await expect(late.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      message: expect.stringMatching(/^Signature expired: \d{8}T\d{6}Z is now earlier than/),
    });
  });

  it('refuses a signature scoped to another region with SignatureDoesNotMatch', async () => {
    await expect(client(user, { region: 'eu-west-1' }).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      message: expect.stringContaining('Credential should be scoped to a valid region'),
    });
  });

  it('answers an unsigned request with MissingAuthenticationToken', async () => {
    // Act
    const response = await fetch(sts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });

    // Assess
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/<Code>MissingAuthenticationToken<\/Code><Message>Request is missing Authentication Token</);
  });

  it('answers an Authorization header without a signature with IncompleteSignature', async () => {
    // Act
    const response = await fetch(sts.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `AWS4-HMAC-SHA256 Credential=${user.accessKeyId}/20240101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date`,
        'x-amz-date': '20240101T000000Z',
      },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });

    // Assess
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("<Code>IncompleteSignature</Code><Message>Authorization header requires 'Signature' parameter.");
  });
});

describe('STS emulator AssumeRole', () => {
  it('mints realistic role-session credentials for a trusted IAM user', async () => {
    // Prepare
    sts.createRole({ roleArn: TARGET_ROLE, trustedPrincipalArns: [user.arn] });
    const before = Date.now();

    // Act
    const result = await assumeRole(user, { DurationSeconds: 1800 });

    // Assess
    const credentials = result.Credentials!;
    expect(credentials.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(credentials.SecretAccessKey).toHaveLength(40);
    expect(credentials.SessionToken!.length).toBeGreaterThan(500);
    expect(credentials.Expiration!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 1_800_000);
    expect(credentials.Expiration!.getTime()).toBeLessThanOrEqual(Date.now() + 1_800_000);
    expect(result.AssumedRoleUser).toEqual({
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/s3-ingest/rotation`,
      AssumedRoleId: expect.stringMatching(/^AROA[A-Z0-9]{17}:rotation$/),
    });
    expect(sts.issuedCredentials.map((c) => c.accessKeyId)).toEqual([credentials.AccessKeyId]);
    const identity = await whoAmI({
      accessKeyId: credentials.AccessKeyId!,
      secretAccessKey: credentials.SecretAccessKey!,
      sessionToken: credentials.SessionToken!,
    });
    expect(identity.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/s3-ingest/rotation`);
  });

  it('defaults DurationSeconds to one hour', async () => {
    // Prepare
    sts.createRole({ roleArn: TARGET_ROLE });
    const before = Math.floor(Date.now() / 1000) * 1000;

    // Act
    const result = await assumeRole(user);

    // Assess
    expect(result.Credentials!.Expiration!.getTime() - before).toBeGreaterThanOrEqual(3_600_000);
    expect(result.Credentials!.Expiration!.getTime() - before).toBeLessThan(3_602_000);
  });

  it('lets a role session assume a role that trusts its role ARN, up to one hour (role chaining)', async () => {
    // Prepare
    sts.createRole({ roleArn: TARGET_ROLE, maxSessionDurationSeconds: 43_200, trustedPrincipalArns: [FUNCTION_ROLE] });
    const functionSession = sts.issueRoleSession(FUNCTION_ROLE, 'rotator-function', 43_200);

    // Act
    const result = await assumeRole(functionSession, { DurationSeconds: 3600 });

    // Assess
    expect(result.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/s3-ingest/rotation`);
  });

  it('refuses more than one hour when the caller is itself a role session (role chaining)', async () => {
    // Prepare
    sts.createRole({ roleArn: TARGET_ROLE, maxSessionDurationSeconds: 43_200, trustedPrincipalArns: [FUNCTION_ROLE] });
    const functionSession = sts.issueRoleSession(FUNCTION_ROLE, 'rotator-function', 43_200);

    // Act / Assess
    await expect(assumeRole(functionSession, { DurationSeconds: 3601 })).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      $metadata: { httpStatusCode: 400 },
    });
    expect(sts.issuedCredentials).toHaveLength(1); // only the function's own session
  });

  it("refuses a DurationSeconds above the role's MaxSessionDuration", async () => {
    // Prepare
    sts.createRole({ roleArn: TARGET_ROLE, maxSessionDurationSeconds: 3600 });

    // Act / Assess
    await expect(assumeRole(user, { DurationSeconds: 7200 })).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    });
  });

  it('accepts up to 12 hours from IAM user keys when the role allows it', async () => {
    // Prepare
    sts.createRole({ roleArn: TARGET_ROLE, maxSessionDurationSeconds: 43_200 });

    // Act / Assess
    await expect(assumeRole(user, { DurationSeconds: 43_200 })).resolves.toHaveProperty('Credentials');
  });

  it('refuses a DurationSeconds below 900 seconds with ValidationError', async () => {
    // Prepare
    sts.createRole({ roleArn: TARGET_ROLE });

    // Act / Assess
    await expect(assumeRole(user, { DurationSeconds: 899 })).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining("Value '899' at 'durationSeconds' failed to satisfy constraint"),
    });
  });

  it.each([
    ['has a space', 'rotation run'],
    ['is one character', 'r'],
    ['is 65 characters', 'r'.repeat(65)],
    ['has a slash', 'rotation/1'],
  ])('refuses a RoleSessionName that %s with ValidationError', async (_, name) => {
    // Prepare
    sts.createRole({ roleArn: TARGET_ROLE });

    // Act / Assess
    await expect(assumeRole(user, { RoleSessionName: name })).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining("at 'roleSessionName' failed to satisfy constraint"),
    });
  });

  it('refuses a caller the role does not trust with AccessDenied naming caller and role', async () => {
    // Prepare
    sts.createRole({ roleArn: TARGET_ROLE, trustedPrincipalArns: [`arn:aws:iam::${ACCOUNT}:user/someone-else`] });

    // Act / Assess
    await expect(assumeRole(user)).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: ${user.arn} is not authorized to perform: sts:AssumeRole on resource: ${TARGET_ROLE}`,
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('compares a role-session caller by its role ARN, not its assumed-role ARN, against the trust list', async () => {
    // Prepare
    const sessionArn = `arn:aws:sts::${ACCOUNT}:assumed-role/rotator-function/rotator-function`;
    sts.createRole({ roleArn: TARGET_ROLE, trustedPrincipalArns: [sessionArn] });
    const functionSession = sts.issueRoleSession(FUNCTION_ROLE, 'rotator-function');

    // Act / Assess
    await expect(assumeRole(functionSession)).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: ${sessionArn} is not authorized to perform: sts:AssumeRole on resource: ${TARGET_ROLE}`,
    });
  });

  it('refuses a role that does not exist with AccessDenied', async () => {
    await expect(assumeRole(user, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/missing` })).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: ${user.arn} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${ACCOUNT}:role/missing`,
    });
    await expect(assumeRole(user, { RoleArn: 'arn:aws:iam::12345:role/short-account' })).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('requires the ExternalId the role was created with', async () => {
    // Prepare
    sts.createRole({ roleArn: TARGET_ROLE, externalId: 'adobe-org-4F2A' });

    // Act / Assess
    await expect(assumeRole(user)).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(assumeRole(user, { ExternalId: 'adobe-org-0000' })).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(assumeRole(user, { ExternalId: 'adobe-org-4F2A' })).resolves.toHaveProperty('Credentials');
  });
});

describe('STS emulator GetSessionToken', () => {
  it('mints 12-hour session credentials from IAM user keys that still identify as the user', async () => {
    // Prepare
    const before = Math.floor(Date.now() / 1000) * 1000;

    // Act
    const result = await client(user).send(new GetSessionTokenCommand({}));

    // Assess
    const credentials = result.Credentials!;
    expect(credentials.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(credentials.Expiration!.getTime() - before).toBeGreaterThanOrEqual(43_200_000);
    expect(credentials.Expiration!.getTime() - before).toBeLessThan(43_202_000);
    const identity = await whoAmI({
      accessKeyId: credentials.AccessKeyId!,
      secretAccessKey: credentials.SecretAccessKey!,
      sessionToken: credentials.SessionToken!,
    });
    expect(identity.Arn).toBe(user.arn);
  });

  it('refuses session credentials with AccessDenied', async () => {
    // Prepare
    const session = sts.issueRoleSession(FUNCTION_ROLE);

    // Act / Assess
    await expect(client(session).send(new GetSessionTokenCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'Cannot call GetSessionToken with session credentials',
    });
  });

  it.each([899, 129_601])('refuses DurationSeconds %i with ValidationError', async (duration) => {
    await expect(client(user).send(new GetSessionTokenCommand({ DurationSeconds: duration }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining("at 'durationSeconds' failed to satisfy constraint"),
    });
  });

  it('accepts the 36-hour maximum', async () => {
    await expect(client(user).send(new GetSessionTokenCommand({ DurationSeconds: 129_600 }))).resolves.toHaveProperty('Credentials');
  });
});

describe('STS emulator test controls', () => {
  it('mints credentials that fail GetCallerIdentity after mintUnverifiableCredentials, then verifiable ones again', async () => {
    // Prepare
    sts.createRole({ roleArn: TARGET_ROLE });
    sts.mintUnverifiableCredentials(1);

    // Act
    const unverifiable = (await assumeRole(user)).Credentials!;
    const verifiable = (await assumeRole(user)).Credentials!;

    // Assess
    const asCredentials = (c: typeof unverifiable) => ({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });
    await expect(whoAmI(asCredentials(unverifiable))).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
    await expect(whoAmI(asCredentials(verifiable))).resolves.toHaveProperty('Arn');
    expect(sts.issuedCredentials.map((c) => c.accessKeyId)).toEqual([unverifiable.AccessKeyId, verifiable.AccessKeyId]);
    expect(sts.credentialsFor(unverifiable.AccessKeyId!)).toBeUndefined();
    expect(sts.credentialsFor(verifiable.AccessKeyId!)).toMatchObject({ arn: `arn:aws:sts::${ACCOUNT}:assumed-role/s3-ingest/rotation` });
  });

  it('answers an action it does not implement with InvalidAction', async () => {
    // Prepare: rename the action before signing, so the signature is valid.
    const renaming = client(user);
    const rename: Middleware = (next) => async (args) => {
      args.request.body = args.request.body.replace('Action=GetCallerIdentity', 'Action=GetAccessKeyInfo');
      args.request.headers['content-length'] = String(Buffer.byteLength(args.request.body));
      return next(args);
    };
    renaming.middlewareStack.add(rename as never, { step: 'build', name: 'rename' });

    // Act / Assess
    await expect(renaming.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'InvalidAction',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('answers a throttling fault with an error the SDK names Throttling, without effect, once', async () => {
    // Prepare
    sts.createRole({ roleArn: TARGET_ROLE });
    sts.injectFault({
      match: { action: 'AssumeRole' },
      kind: 'respond',
      status: 400,
      headers: { 'content-type': 'text/xml' },
      body: stsErrorXml('Throttling', 'Rate exceeded'),
    });

    // Act / Assess
    await expect(whoAmI(user)).resolves.toHaveProperty('Arn'); // other actions are not matched
    await expect(assumeRole(user)).rejects.toMatchObject({ name: 'Throttling', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    expect(sts.issuedCredentials).toHaveLength(0);
    await expect(assumeRole(user)).resolves.toHaveProperty('Credentials');
    expect(sts.requests.map((r) => r.action)).toEqual(['GetCallerIdentity', 'AssumeRole', 'AssumeRole']);
  });

  it('resets the connection for a reset fault', async () => {
    // Prepare
    sts.injectFault({ match: { action: 'GetCallerIdentity' }, kind: 'reset' });

    // Act / Assess
    await expect(whoAmI(user)).rejects.toMatchObject({ code: 'ECONNRESET' });
    await expect(whoAmI(user)).resolves.toHaveProperty('Arn');
  });
});
