import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
  STSClient,
  type Credentials,
  type STSClientConfig,
} from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStsEmulator, stsErrorXml } from '../../../emulators/sts.js';
import type { AwsCredentials, StsEmulator } from '../../../emulators/types.js';

const ACCOUNT = '123456789012';
const FUNCTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/rotator-function`;
const TARGET_ROLE = `arn:aws:iam::${ACCOUNT}:role/s3-ingest`;

/**
 * Middleware the tests add to change a request (before or after the SDK signs it); the Query protocol body is a string.
 */
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

const assumeRole = (
  credentials: AwsCredentials,
  input: Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]> = {},
) => client(credentials).send(new AssumeRoleCommand({ RoleArn: TARGET_ROLE, RoleSessionName: 'rotation', ...input }));

const federationToken = (
  credentials: AwsCredentials,
  input: Partial<ConstructorParameters<typeof GetFederationTokenCommand>[0]> = {},
) => client(credentials).send(new GetFederationTokenCommand({ Name: 'aep-4cb0c374', Policy: POLICY, ...input }));

/** The SDK's credentials as the emulator's shape. */
const asCredentials = (c: Credentials | undefined): AwsCredentials => ({
  accessKeyId: c!.AccessKeyId!,
  secretAccessKey: c!.SecretAccessKey!,
  sessionToken: c!.SessionToken!,
});

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::acme-aep-landing/crm/daily/*' }],
});

/** A valid policy of exactly `length` characters (the Sid pads it). */
const policyOfLength = (length: number) => {
  const base = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: '', Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
  });
  return base.replace('"Sid":""', `"Sid":"${'x'.repeat(length - base.length)}"`);
};

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
    tampering.middlewareStack.addRelativeTo(tamper as never, {
      relation: 'after',
      toMiddleware: 'httpSigningMiddleware',
      name: 'tamper',
    });

    // Act
    const call = tampering.send(new AssumeRoleCommand({ RoleArn: TARGET_ROLE, RoleSessionName: 'rotation' }));

    // Assess
    await expect(call).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    expect(sts.requests[0]!.body).toContain('RoleSessionName=attacker');
    expect(sts.issuedCredentials).toHaveLength(0);
  });

  it('refuses an access key it never issued with InvalidClientTokenId', async () => {
    await expect(
      whoAmI({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }),
    ).rejects.toMatchObject({
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
    await expect(whoAmI({ ...session, sessionToken: other.sessionToken })).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
    });
    await expect(whoAmI({ ...session, sessionToken: undefined })).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
    });
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
    expect(await response.text()).toMatch(
      /<Code>MissingAuthenticationToken<\/Code><Message>Request is missing Authentication Token</,
    );
  });

  it('answers an Authorization header without a signature with IncompleteSignature', async () => {
    // Act
    const response = await fetch(sts.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          `AWS4-HMAC-SHA256 Credential=${user.accessKeyId}/20240101/us-east-1/sts/aws4_request, ` +
          'SignedHeaders=host;x-amz-date',
        'x-amz-date': '20240101T000000Z',
      },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });

    // Assess
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(
      "<Code>IncompleteSignature</Code><Message>Authorization header requires 'Signature' parameter.",
    );
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
      message:
        `User: ${user.arn} is not authorized to perform: sts:AssumeRole on resource: ` +
        `arn:aws:iam::${ACCOUNT}:role/missing`,
    });
    await expect(assumeRole(user, { RoleArn: 'arn:aws:iam::12345:role/short-account' })).rejects.toMatchObject({
      name: 'AccessDenied',
    });
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
    await expect(client(user).send(new GetSessionTokenCommand({ DurationSeconds: 129_600 }))).resolves.toHaveProperty(
      'Credentials',
    );
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
    const asCredentials = (c: typeof unverifiable) => ({
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    });
    await expect(whoAmI(asCredentials(unverifiable))).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
    await expect(whoAmI(asCredentials(verifiable))).resolves.toHaveProperty('Arn');
    expect(sts.issuedCredentials.map((c) => c.accessKeyId)).toEqual([unverifiable.AccessKeyId, verifiable.AccessKeyId]);
    expect(sts.credentialsFor(unverifiable.AccessKeyId!)).toBeUndefined();
    expect(sts.credentialsFor(verifiable.AccessKeyId!)).toMatchObject({
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/s3-ingest/rotation`,
    });
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
    await expect(assumeRole(user)).rejects.toMatchObject({
      name: 'Throttling',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
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

describe('STS emulator session policies (AssumeRole and GetFederationToken Policy)', () => {
  it('records the policy with the credentials it issues, and none for credentials issued without one', async () => {
    // Prepare
    sts.createRole({ roleArn: TARGET_ROLE });

    // Act
    const narrowed = (await assumeRole(user, { Policy: POLICY })).Credentials!;
    const plain = (await assumeRole(user)).Credentials!;

    // Assess
    expect(sts.policyOf(narrowed.AccessKeyId!)).toBe(POLICY);
    expect(sts.policyOf(plain.AccessKeyId!)).toBeUndefined();
    expect(sts.issuedCredentials.map((issued) => issued.policy)).toEqual([POLICY, undefined]);
    expect(sts.issuedCredentials[1]).not.toHaveProperty('policy');
  });

  it('accepts a policy of exactly 2048 characters', async () => {
    sts.createRole({ roleArn: TARGET_ROLE });
    const policy = policyOfLength(2048);

    const result = await assumeRole(user, { Policy: policy });

    expect(policy).toHaveLength(2048);
    expect(sts.policyOf(result.Credentials!.AccessKeyId!)).toBe(policy);
  });

  it.each([
    ['AssumeRole', (policy: string) => assumeRole(user, { Policy: policy })],
    ['GetFederationToken', (policy: string) => federationToken(user, { Policy: policy })],
  ])(
    '%s refuses a policy of 2049 characters with ValidationError (the parameter allows 2048), issuing nothing',
    async (_action, call) => {
      sts.createRole({ roleArn: TARGET_ROLE });

      await expect(call(policyOfLength(2049))).rejects.toMatchObject({
        name: 'ValidationError',
        message: expect.stringMatching(
          /^1 validation error detected: Value '\{.*\}' at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048$/,
        ),
        $metadata: { httpStatusCode: 400 },
      });
      expect(sts.issuedCredentials).toHaveLength(0);
    },
  );

  it.each([
    ['is not JSON', '{"Version":"2012-10-17",', 'Syntax errors in policy.'],
    ['is a JSON list, not a policy', '[]', 'Syntax errors in policy.'],
    ['has no Statement', '{"Version":"2012-10-17"}', 'Missing required field Statement'],
    ['has an empty Statement list', '{"Version":"2012-10-17","Statement":[]}', 'Missing required field Statement'],
    [
      'has an unknown Version',
      '{"Version":"2024-01-01","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}',
      'The policy must contain a valid version string',
    ],
    [
      'has a statement without Effect',
      '{"Version":"2012-10-17","Statement":[{"Action":"s3:*","Resource":"*"}]}',
      'Missing required field Effect',
    ],
    [
      'has a statement without Action',
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}',
      'Missing required field Action',
    ],
    [
      'has a statement without Resource',
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}',
      'Missing required field Resource',
    ],
    [
      'names a principal',
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}',
      'should not specify a principal',
    ],
  ])('refuses a policy that %s with MalformedPolicyDocument (status 400)', async (_case, policy, message) => {
    sts.createRole({ roleArn: TARGET_ROLE });

    await expect(assumeRole(user, { Policy: policy })).rejects.toMatchObject({
      name: 'MalformedPolicyDocumentException',
      message: expect.stringContaining(message),
      $metadata: { httpStatusCode: 400 },
    });
    await expect(federationToken(user, { Policy: policy })).rejects.toMatchObject({
      name: 'MalformedPolicyDocumentException',
    });
    expect(sts.issuedCredentials).toHaveLength(0);
  });

  it('accepts a policy without Version (IAM reads it as 2008-10-17) and a single Statement object', async () => {
    sts.createRole({ roleArn: TARGET_ROLE });

    await expect(
      assumeRole(user, { Policy: '{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}' }),
    ).resolves.toHaveProperty('Credentials');
  });

  it('refuses characters the parameter does not allow (above \\u00FF) with ValidationError', async () => {
    sts.createRole({ roleArn: TARGET_ROLE });

    await expect(assumeRole(user, { Policy: POLICY.replace('crm/daily', '日次') })).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining(
        "at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern",
      ),
    });
  });

  it("answers with AWS's XML error body and code (the SDK names it MalformedPolicyDocumentException)", async () => {
    // Prepare: a request the SDK signed, sent again as it was, to read the raw answer.
    await expect(federationToken(user, { Policy: '{' })).rejects.toMatchObject({
      name: 'MalformedPolicyDocumentException',
    });
    const request = sts.requests.at(-1)!;

    // Act
    const response = await fetch(sts.url, { method: 'POST', headers: request.headers, body: request.body });

    // Assess
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('text/xml');
    expect(await response.text()).toMatch(
      /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>MalformedPolicyDocument<\/Code><Message>Syntax errors in policy\.<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
    );
  });
});

describe('STS emulator GetFederationToken', () => {
  it('mints credentials for the federated user from IAM user keys, with its ARN and id, that GetCallerIdentity names', async () => {
    // Prepare
    const before = Math.floor(Date.now() / 1000) * 1000;

    // Act
    const result = await federationToken(user, { DurationSeconds: 3600 });

    // Assess
    const credentials = result.Credentials!;
    expect(credentials.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(credentials.Expiration!.getTime() - before).toBeGreaterThanOrEqual(3_600_000);
    expect(credentials.Expiration!.getTime() - before).toBeLessThan(3_602_000);
    expect(result.FederatedUser).toEqual({
      Arn: `arn:aws:sts::${ACCOUNT}:federated-user/aep-4cb0c374`,
      FederatedUserId: `${ACCOUNT}:aep-4cb0c374`,
    });
    expect(sts.policyOf(credentials.AccessKeyId!)).toBe(POLICY);
    await expect(whoAmI(asCredentials(credentials))).resolves.toMatchObject({
      Arn: `arn:aws:sts::${ACCOUNT}:federated-user/aep-4cb0c374`,
      UserId: `${ACCOUNT}:aep-4cb0c374`,
      Account: ACCOUNT,
    });
  });

  it('defaults DurationSeconds to 12 hours and accepts 900 to 129600', async () => {
    const before = Math.floor(Date.now() / 1000) * 1000;

    const result = await federationToken(user, { Policy: undefined });

    expect(result.Credentials!.Expiration!.getTime() - before).toBeGreaterThanOrEqual(43_200_000);
    expect(result.Credentials!.Expiration!.getTime() - before).toBeLessThan(43_202_000);
    await expect(federationToken(user, { DurationSeconds: 900 })).resolves.toHaveProperty('Credentials');
    await expect(federationToken(user, { DurationSeconds: 129_600 })).resolves.toHaveProperty('Credentials');
  });

  it.each([899, 129_601])('refuses DurationSeconds %i with ValidationError', async (duration) => {
    await expect(federationToken(user, { DurationSeconds: duration })).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining(`Value '${duration}' at 'durationSeconds' failed to satisfy constraint`),
    });
  });

  it.each([
    ['one character', 'a', 'Member must have length greater than or equal to 2'],
    ['33 characters', 'a'.repeat(33), 'Member must have length less than or equal to 32'],
    ['a space', 'aep user', 'Member must satisfy regular expression pattern: [\\w+=,.@-]*'],
    ['a slash', 'aep/user', 'Member must satisfy regular expression pattern: [\\w+=,.@-]*'],
  ])('refuses a Name of %s with ValidationError', async (_case, name, constraint) => {
    await expect(federationToken(user, { Name: name })).rejects.toMatchObject({
      name: 'ValidationError',
      message: `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: ${constraint}`,
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('accepts a Name of 2 and of 32 characters of [\\w+=,.@-]', async () => {
    await expect(federationToken(user, { Name: 'ab' })).resolves.toHaveProperty(
      'FederatedUser.Arn',
      `arn:aws:sts::${ACCOUNT}:federated-user/ab`,
    );
    await expect(federationToken(user, { Name: 'a+=,.@-_'.padEnd(32, '9') })).resolves.toHaveProperty('Credentials');
  });

  it.each([
    ['role-session credentials (Lambda, AssumeRole)', () => sts.issueRoleSession(FUNCTION_ROLE)],
    [
      'GetSessionToken credentials',
      async () => asCredentials((await client(user).send(new GetSessionTokenCommand({}))).Credentials),
    ],
    ['federated credentials', async () => asCredentials((await federationToken(user)).Credentials)],
  ])('refuses %s with AccessDenied: only long-term IAM user keys may call it', async (_case, credentialsOf) => {
    const credentials = await credentialsOf();
    const issued = sts.issuedCredentials.length;

    await expect(federationToken(credentials)).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'Cannot call GetFederationToken with session credentials',
      $metadata: { httpStatusCode: 403 },
    });
    expect(sts.issuedCredentials).toHaveLength(issued);
  });
});

describe('STS emulator federated credentials', () => {
  it('may call GetCallerIdentity but no other STS action (AssumeRole, GetSessionToken: AccessDenied)', async () => {
    // Prepare: a role that trusts anyone, and the federated user itself.
    const federatedArn = `arn:aws:sts::${ACCOUNT}:federated-user/aep-4cb0c374`;
    sts.createRole({ roleArn: TARGET_ROLE });
    sts.createRole({ roleArn: `${TARGET_ROLE}-2`, trustedPrincipalArns: [federatedArn] });
    const federated = asCredentials((await federationToken(user)).Credentials);

    // Act / Assess
    await expect(whoAmI(federated)).resolves.toHaveProperty('Arn', federatedArn);
    await expect(assumeRole(federated)).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: ${federatedArn} is not authorized to perform: sts:AssumeRole on resource: ${TARGET_ROLE}`,
      $metadata: { httpStatusCode: 403 },
    });
    await expect(assumeRole(federated, { RoleArn: `${TARGET_ROLE}-2` })).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    await expect(client(federated).send(new GetSessionTokenCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'Cannot call GetSessionToken with session credentials',
    });
    expect(sts.issuedCredentials).toHaveLength(1);
  });
});
