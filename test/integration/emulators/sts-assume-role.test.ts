/**
 * The STS emulator's AssumeRole and GetSessionToken, as AWS bounds them: role trust, ExternalId,
 * DurationSeconds against the API's bounds, the role's MaxSessionDuration and role chaining.
 */
import { GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import type { StsEmulator } from '../../../emulators/types.js';
import {
  STS_TEST_ACCOUNT as ACCOUNT,
  STS_TEST_TARGET_ROLE as TARGET_ROLE,
  type StsTestStart,
  stsTestWorld,
} from '../../support/sts-clients.js';

const FUNCTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/rotator-function`;

let sts: StsEmulator;
let user: StsTestStart['user'];
const { client, whoAmI, assumeRole } = stsTestWorld((start) => {
  ({ sts, user } = start);
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
