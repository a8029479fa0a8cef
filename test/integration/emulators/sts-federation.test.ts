/**
 * The STS emulator's session policies (AssumeRole and GetFederationToken `Policy`), checked as AWS
 * checks them, GetFederationToken, and what federated credentials may call.
 */
import { GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import type { StsEmulator } from '../../../emulators/types.js';
import {
  asCredentials,
  policyOfLength,
  STS_TEST_ACCOUNT as ACCOUNT,
  STS_TEST_POLICY as POLICY,
  STS_TEST_TARGET_ROLE as TARGET_ROLE,
  type StsTestStart,
  stsTestWorld,
} from '../../support/sts-clients.js';

const FUNCTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/rotator-function`;

let sts: StsEmulator;
let user: StsTestStart['user'];
const { client, whoAmI, assumeRole, federationToken } = stsTestWorld((start) => {
  ({ sts, user } = start);
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
          new RegExp(
            /^1 validation error detected: Value '\{.*\}' at 'policy' failed to satisfy constraint: /.source +
              /Member must have length less than or equal to 2048$/.source,
          ),
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
      new RegExp(
        /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type>/.source +
          /<Code>MalformedPolicyDocument<\/Code><Message>Syntax errors in policy\.<\/Message><\/Error>/.source +
          /<RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/.source,
      ),
    );
  });
});

describe('STS emulator GetFederationToken', () => {
  it("mints a federated user's credentials from user keys, with the ARN and id GetCallerIdentity names", async () => {
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
