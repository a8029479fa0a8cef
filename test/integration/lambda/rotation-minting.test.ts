/**
 * The rotation engine end to end, steps 2 and 3: reading the connection, then minting its
 * credentials with STS (the real handler against the emulators over loopback sockets).
 */
import { describe, expect, it } from 'vitest';
import { flowProblem } from '../../../emulators/flow-service.js';
import { byAction, byMethod, formOf, SCHEDULED_EVENT, settle, signerKeyOf, useHarness } from '../../support/index.js';

const start = useHarness();

describe('step 2: reading the connection', () => {
  it('GETs the connection with the four Platform headers', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'dev-sandbox' }] });

    await newHandler()(SCHEDULED_EVENT);

    const [get] = byMethod(world.emulators.flowService.requests, 'GET');
    expect(get!.path).toBe(`/connections/${world.connectionIds[0]}`);
    expect(get!.headers).toMatchObject({
      authorization: `Bearer ${world.emulators.ims.issuedTokens[0]!.accessToken}`,
      'x-api-key': world.adobe.clientId,
      'x-gw-ims-org-id': world.adobe.orgId,
      'x-sandbox-name': 'dev-sandbox',
    });
  });

  it('refuses, without patching, a connection of another source', async () => {
    const { world, newHandler } = await start({
      connections: [
        { sandboxName: 'prod', connectionSpecId: 'b7bf2577-4520-42c9-bae9-cad01560f7bc' },
        { sandboxName: 'prod' },
      ],
    });

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary).toMatchObject({ rotated: 1, failed: 1 });
    expect(summary.results[0]).toMatchObject({ status: 'failed', errorCode: 'CONNECTION_NOT_ROTATABLE', attempts: 1 });
    expect(summary.results[0]!.error).toContain(`connection ${world.connectionIds[0]} uses connection spec b7bf2577`);
    expect(summary.results[0]).not.toHaveProperty('transient');
    const patches = byMethod(world.emulators.flowService.requests, 'PATCH');
    expect(patches.map((request) => request.path)).toEqual([`/connections/${world.connectionIds[1]}`]);
  });

  it('skips an IAMRole Based connection, saying plainly there is nothing to rotate', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod', specName: 'IAMRole Based' }] });

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary).toMatchObject({ rotated: 0, failed: 0, skipped: 1 });
    expect(summary.results[0]).toMatchObject({ status: 'skipped', errorCode: 'CONNECTION_NOT_ROTATABLE' });
    expect(summary.results[0]!.error).toContain(
      'IAMRole Based authentication: Adobe assumes the role itself, there are no credentials to rotate',
    );
    expect(byMethod(world.emulators.flowService.requests, 'PATCH')).toHaveLength(0);
  });
});

describe('step 3: minting credentials', () => {
  it("assumes the target role from the function's own role, naming the tool and the connection", async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod', externalId: 'adobe-ext-42', durationSeconds: 1800 }],
    });

    const summary = await newHandler()(SCHEDULED_EVENT);

    const [assume] = byAction(world.emulators.sts.requests, 'AssumeRole');
    expect(signerKeyOf(assume!)).toBe(world.functionCredentials.accessKeyId);
    expect(formOf(assume!)).toMatchObject({
      Action: 'AssumeRole',
      RoleArn: world.targets[0]!.roleArn,
      RoleSessionName: `aep-s3-rotator-${world.connectionIds[0]}`,
      ExternalId: 'adobe-ext-42',
      DurationSeconds: '1800',
    });
    const expiresIn = Date.parse(summary.results[0]!.expiresAt!) - Date.now();
    expect(expiresIn).toBeGreaterThan(1700_000);
    expect(expiresIn).toBeLessThanOrEqual(1800_000);
  });

  it("signs AssumeRole with the IAM user's keys when the target names their secret, allowing up to 12 h", async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod', method: 'assume-role-user-keys', durationSeconds: 43_200 }],
    });

    const summary = await newHandler()(SCHEDULED_EVENT);

    const [assume] = byAction(world.emulators.sts.requests, 'AssumeRole');
    expect(signerKeyOf(assume!)).toMatch(/^AKIA/);
    expect(formOf(assume!).DurationSeconds).toBe('43200');
    expect(summary.rotated).toBe(1);
  });

  it("uses GetSessionToken with the IAM user's long-term keys; the connection ends with their session", async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod', method: 'get-session-token', durationSeconds: 129_600 }],
    });

    const summary = await newHandler()(SCHEDULED_EVENT);

    const [session] = byAction(world.emulators.sts.requests, 'GetSessionToken');
    expect(signerKeyOf(session!)).toMatch(/^AKIA/);
    expect(formOf(session!).DurationSeconds).toBe('129600');
    expect(summary.rotated).toBe(1);
    const identityCalls = byAction(world.emulators.sts.requests, 'GetCallerIdentity');
    const newKey = world.connection(world.connectionIds[0]!).params.s3AccessKey;
    expect(identityCalls.map(signerKeyOf)).toContain(newKey);
  });

  it("uses the IAM user's new keys from the next invocation after the operator rotates them", async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod', method: 'get-session-token' }] });
    const handler = newHandler();
    await handler(SCHEDULED_EVENT);
    const oldKey = signerKeyOf(byAction(world.emulators.sts.requests, 'GetSessionToken')[0]!)!;
    // The operator's routine key rotation: a second key for the same user, the secret updated, the old key deleted.
    const userArn = world.emulators.sts.credentialsFor(oldKey)!.arn;
    const fresh = world.emulators.sts.createUser(userArn.split('/').pop()!, userArn.split(':')[4]);
    world.emulators.secretsManager.putSecret(
      'aep-s3-rotator/iam-user',
      JSON.stringify({ accessKeyId: fresh.accessKeyId, secretAccessKey: fresh.secretAccessKey }),
    );
    world.emulators.sts.deleteAccessKey(oldKey);

    const summary = await handler(SCHEDULED_EVENT);

    expect(summary.rotated).toBe(1);
    const sessions = byAction(world.emulators.sts.requests, 'GetSessionToken');
    expect(sessions.map(signerKeyOf)).toEqual([oldKey, fresh.accessKeyId]);
  });

  it('mints nothing for a connection it cannot read: nothing runs after the invocation', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    world.emulators.sts.setLatency(300);
    world.emulators.flowService.injectFault({
      kind: 'respond',
      status: 404,
      body: flowProblem(404, '1101-404', 'Connection not found'),
    });

    const { error } = await settle(() => newHandler()(SCHEDULED_EVENT));

    expect(error!.message).toContain('1101-404');
    expect(world.emulators.sts.requests).toHaveLength(0);
    expect(world.emulators.sts.requestsInFlight()).toBe(0);
  });

  it('fails a target whose duration is above the role maximum, and leaves the connection as it was', async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod', method: 'assume-role-user-keys', durationSeconds: 43_200 }],
    });
    world.emulators.sts.createRole({ roleArn: world.targets[0]!.roleArn as string, maxSessionDurationSeconds: 3600 });
    const before = world.connection(world.connectionIds[0]!);

    const { error } = await settle(() => newHandler()(SCHEDULED_EVENT));

    expect(error!.message).toContain('STS AssumeRole on');
    expect(error!.message).toContain('ValidationError');
    expect(world.connection(before.id).params).toEqual(before.params);
  });

  it('reads the connection before minting: what it reads decides what the credentials are narrowed to', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    world.emulators.flowService.setLatency(300);

    await newHandler()(SCHEDULED_EVENT);

    const [get] = byMethod(world.emulators.flowService.requests, 'GET');
    const [assume] = byAction(world.emulators.sts.requests, 'AssumeRole');
    // AssumeRole waits for the GET's answer, 300 ms after the GET arrived.
    expect(assume!.receivedAt - get!.receivedAt).toBeGreaterThanOrEqual(250);
  });
});
