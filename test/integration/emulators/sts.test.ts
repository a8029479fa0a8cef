/**
 * The STS emulator over real sockets: who GetCallerIdentity names, the signature checks every call
 * passes (wrong secrets, tampered bodies, unknown, expired and revoked keys, skew, region), and the
 * controls tests use (unverifiable credentials, unknown actions, injected faults).
 */
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { stsErrorXml } from '../../../emulators/sts.js';
import type { StsEmulator } from '../../../emulators/types.js';
import {
  afterSigning,
  bodyText,
  type RequestMiddleware,
  STS_TEST_ACCOUNT as ACCOUNT,
  STS_TEST_TARGET_ROLE as TARGET_ROLE,
  type StsTestStart,
  stsTestWorld,
} from '../../support/sts-clients.js';

const FUNCTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/rotator-function`;

let sts: StsEmulator;
let user: StsTestStart['user'];
const { client, track, whoAmI, assumeRole } = stsTestWorld((start) => {
  ({ sts, user } = start);
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
      track(fromEnv);

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
    const tampering = afterSigning(client(user), (request) => {
      request.body = bodyText(request.body).replace('RoleSessionName=rotation', 'RoleSessionName=attacker');
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

describe('STS emulator test controls', () => {
  it('after mintUnverifiableCredentials, mints credentials GetCallerIdentity refuses, then valid ones', async () => {
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
    const rename: RequestMiddleware = (next) => async (args) => {
      args.request.body = bodyText(args.request.body).replace('Action=GetCallerIdentity', 'Action=GetAccessKeyInfo');
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
