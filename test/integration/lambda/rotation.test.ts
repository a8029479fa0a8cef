/**
 * The rotation engine end to end: the real handler, the real got and AWS SDK clients, and the
 * emulators over loopback sockets. One describe per numbered step of the rotation.
 */
import { describe, expect, it } from 'vitest';
import { RequestValidationError, RotationFailedError } from '../../../lambda/errors.js';
import { flowProblem, gatewayError } from '../../../emulators/flow-service.js';
import type { RecordedRequest } from '../../../emulators/types.js';
import { stsErrorXml } from '../../../emulators/sts.js';
import { captureOutput, connectionRequests, settle, useHarness, SCHEDULED_EVENT } from '../../support/index.js';

const start = useHarness();

const form = (request: RecordedRequest) => Object.fromEntries(new URLSearchParams(request.body));
const signerKeyOf = (request: RecordedRequest) =>
  /Credential=([A-Z0-9]+)\//.exec(request.headers.authorization ?? '')?.[1];
/** What a Flow Service request was: GET or PATCH of the connection, or EXPLORE (Adobe's check after a PATCH). */
const callOf = (request: RecordedRequest) => (request.path.endsWith('/explore') ? 'EXPLORE' : request.method);
/** A rotation's requests of the connection itself (the run's listings beside it are left out), by call. */
const byMethod = (requests: RecordedRequest[], method: string) =>
  connectionRequests(requests).filter((request) => callOf(request) === method);
const byAction = (requests: RecordedRequest[], action: string) =>
  requests.filter((request) => request.action === action);

describe('step 1: Adobe credentials and the IMS token', () => {
  it('reads the Adobe secret once per invocation, not per connection, and reuses the IMS token across invocations', async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod' }, { sandboxName: 'dev' }],
    });
    const handler = newHandler();

    await handler(SCHEDULED_EVENT);
    await handler(SCHEDULED_EVENT);

    const adobeReads = byAction(world.emulators.secretsManager.requests, 'GetSecretValue').filter(
      (request) => JSON.parse(request.body).SecretId === world.adobe.secretId,
    );
    expect(adobeReads).toHaveLength(2);
    expect(world.emulators.ims.requests).toHaveLength(1);
    expect(byMethod(world.emulators.flowService.requests, 'PATCH')).toHaveLength(6);
  });

  it('asks IMS once per invocation when it is down, however many connections wait, and again on the next invocation', async () => {
    // 10 connections at concurrency 8: two waves, all waiting for the same token.
    const { world, newHandler } = await start({
      connections: Array.from({ length: 10 }, () => ({ sandboxName: 'prod' })),
    });
    const before = world.connectionIds.map((id) => world.connection(id).params);
    world.emulators.ims.injectFault({ kind: 'respond', status: 503, body: 'Service Unavailable', times: 100 });
    const handler = newHandler();

    const { error } = await settle(() => handler(SCHEDULED_EVENT));

    // One request and got's retries (FAST_HTTP_POLICY: 2), not a retry cycle per connection.
    expect(world.emulators.ims.requests).toHaveLength(3);
    expect(error).toBeInstanceOf(RotationFailedError);
    expect((error as RotationFailedError).failedConnectionIds).toHaveLength(10);
    expect(error!.message).toContain('Adobe IMS token request failed: HTTP 503');
    expect(world.emulators.flowService.requests).toHaveLength(0);
    expect(world.connectionIds.map((id) => world.connection(id).params)).toEqual(before);

    world.emulators.ims.clearFaults();
    const summary = await handler(SCHEDULED_EVENT);
    expect(summary.rotated).toBe(10);
    expect(world.emulators.ims.requests).toHaveLength(4);
  });

  it('reports a token refresh that IMS refuses as an IMS problem, not as Flow Service being unreachable', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const handler = newHandler();
    await handler(SCHEDULED_EVENT);
    // The cached token is revoked and the secret now holds a client secret IMS refuses.
    world.emulators.ims.revokeAllTokens();
    world.emulators.secretsManager.putSecret(
      'aep-s3-rotator/adobe-credentials',
      JSON.stringify({ ...world.adobe, clientSecret: 'p8e-revoked-secret' }),
    );
    const before = world.connection(world.connectionIds[0]!);

    const { error } = await settle(() => handler(SCHEDULED_EVENT));

    expect(error).toBeInstanceOf(RotationFailedError);
    expect(error!.message).toContain(
      'Adobe IMS refused the client credentials (invalid_client); check clientId, clientSecret and scopes',
    );
    expect(error!.message).not.toContain('FLOW_SERVICE_UNREACHABLE');
    expect(world.connection(before.id).params).toEqual(before.params);
  });

  it('sends the client credentials in the form body of the token request, never in the URL', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });

    await newHandler()(SCHEDULED_EVENT);

    const [request] = world.emulators.ims.requests;
    expect(request!.path).toBe('/ims/token/v3');
    expect(request!.query).toEqual({});
    expect(request!.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(form(request!)).toEqual({
      grant_type: 'client_credentials',
      client_id: world.adobe.clientId,
      client_secret: world.adobe.clientSecret,
      scope: 'openid,session,AdobeID,read_organizations,additional_info.projectedProductContext',
    });
  });

  it('keeps the token until 5 minutes before it expires, then asks for a new one', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    world.emulators.ims.setExpiresInSeconds(3600);
    let now = Date.now();
    const handler = newHandler({ now: () => now });

    await handler(SCHEDULED_EVENT);
    now += (3600 - 301) * 1000; // 301 s left: still cached
    await handler(SCHEDULED_EVENT);
    expect(world.emulators.ims.requests).toHaveLength(1);
    now += 2 * 1000; // 299 s left: refresh
    await handler(SCHEDULED_EVENT);
    expect(world.emulators.ims.requests).toHaveLength(2);
  });

  it('reads the Adobe secret again after IMS refused it, so a corrected secret works without a redeploy', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const name = 'aep-s3-rotator/adobe-credentials';
    world.emulators.secretsManager.putSecret(
      name,
      JSON.stringify({ ...world.adobe, clientSecret: 'p8e-outdated-secret' }),
    );
    const handler = newHandler();

    const refused = await settle(() => handler(SCHEDULED_EVENT));
    world.emulators.secretsManager.putSecret(
      name,
      JSON.stringify({
        clientId: world.adobe.clientId,
        clientSecret: world.adobe.clientSecret,
        orgId: world.adobe.orgId,
      }),
    );
    const summary = await handler(SCHEDULED_EVENT);

    expect(refused.error!.message).toContain('Adobe IMS refused the client credentials (invalid_client)');
    expect(summary.rotated).toBe(1);
  });

  it('refreshes the token once when Flow Service answers 401, then rotates', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const handler = newHandler();
    await handler(SCHEDULED_EVENT);
    world.emulators.ims.revokeAllTokens();

    const summary = await handler(SCHEDULED_EVENT);

    expect(summary.rotated).toBe(1);
    expect(world.emulators.ims.requests).toHaveLength(2);
    const statuses = connectionRequests(world.emulators.flowService.requests).map(callOf);
    expect(statuses).toEqual(['GET', 'PATCH', 'EXPLORE', 'GET', 'GET', 'PATCH', 'EXPLORE']);
  });

  it('fails the connection after one refresh when Flow Service keeps answering 401', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const before = world.connection(world.connectionIds[0]!);
    world.emulators.flowService.injectFault({
      kind: 'respond',
      status: 401,
      body: gatewayError('401013', 'Oauth token is not valid'),
      times: 10,
    });

    const { error } = await settle(() => newHandler()(SCHEDULED_EVENT));

    expect(error).toBeInstanceOf(RotationFailedError);
    expect(error!.message).toContain('HTTP 401 (401013)');
    expect(world.emulators.ims.requests).toHaveLength(2);
    expect(world.emulators.flowService.requests).toHaveLength(2);
    expect(world.connection(before.id).params).toEqual(before.params);
  });
});

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
    expect(form(assume!)).toMatchObject({
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
    expect(form(assume!).DurationSeconds).toBe('43200');
    expect(summary.rotated).toBe(1);
  });

  it("uses GetSessionToken with the IAM user's long-term keys, and the connection ends with the user's session", async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod', method: 'get-session-token', durationSeconds: 129_600 }],
    });

    const summary = await newHandler()(SCHEDULED_EVENT);

    const [session] = byAction(world.emulators.sts.requests, 'GetSessionToken');
    expect(signerKeyOf(session!)).toMatch(/^AKIA/);
    expect(form(session!).DurationSeconds).toBe('129600');
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

describe('step 3: credentials narrowed to what Adobe reads', () => {
  const ACCOUNT = '123456789012';
  /** The session policy a target with this bucket and folder must carry, written out in full. */
  const narrowedTo = (bucket: string, folder?: string) => ({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: `arn:aws:s3:::${bucket}/${folder ? `${folder}/` : ''}*`,
      },
      {
        Sid: 'ListFolder',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: `arn:aws:s3:::${bucket}`,
        ...(folder ? { Condition: { StringLike: { 's3:prefix': [folder, `${folder}/`, `${folder}/*`] } } } : {}),
      },
      { Sid: 'LocateBucket', Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: `arn:aws:s3:::${bucket}` },
      {
        Sid: 'DecryptViaS3',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: 'arn:aws:kms:*:*:key/*',
        // Objects of this bucket and folder only: S3's encryption context is the object's ARN (the bucket's with a
        // Bucket Key).
        Condition: {
          StringLike: {
            'kms:ViaService': 's3.*',
            'kms:EncryptionContext:aws:s3:arn': [
              `arn:aws:s3:::${bucket}`,
              `arn:aws:s3:::${bucket}/${folder ? `${folder}/` : ''}*`,
            ],
          },
        },
      },
    ],
  });

  it("passes exactly the narrowed session policy to AssumeRole: the target's bucket and folder, or the connection's own when the target names none, or none", async () => {
    const { world, newHandler } = await start({
      connections: [
        { sandboxName: 'prod', bucketName: 'acme-aep-landing', folderPath: 'crm/daily' },
        { sandboxName: 'prod' },
        { sandboxName: 'prod', connectionBucketName: null },
      ],
    });

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary.rotated).toBe(3);
    const [targetKey, ownKey, plainKey] = world.connectionIds.map((id) => world.connection(id).params.s3AccessKey!);
    const policy = world.emulators.sts.policyOf(targetKey!);
    expect(JSON.parse(policy!)).toEqual(narrowedTo('acme-aep-landing', 'crm/daily'));
    expect(JSON.parse(world.emulators.sts.policyOf(ownKey!)!)).toEqual(narrowedTo('acme-ingest-1', 'exports/prod'));
    expect(world.emulators.sts.policyOf(plainKey!)).toBeUndefined();
    const assumes = byAction(world.emulators.sts.requests, 'AssumeRole').map(form);
    expect(assumes.find((params) => params.RoleArn === world.targets[0]!.roleArn)!.Policy).toBe(policy);
    expect(assumes.find((params) => params.RoleArn === world.targets[2]!.roleArn)).not.toHaveProperty('Policy');
    expect(summary.results.map((result) => [result.narrowedTo, result.narrowedFrom])).toEqual([
      ['s3://acme-aep-landing/crm/daily/', 'target'],
      ['s3://acme-ingest-1/exports/prod/', 'connection'],
      [undefined, undefined],
    ]);
  });

  it("narrows AssumeRole signed with the IAM user's keys to the whole bucket when the target names no folder", async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod', method: 'assume-role-user-keys', bucketName: 'acme-aep-landing' }],
    });

    await newHandler()(SCHEDULED_EVENT);

    const key = world.connection(world.connectionIds[0]!).params.s3AccessKey!;
    expect(JSON.parse(world.emulators.sts.policyOf(key)!)).toEqual(narrowedTo('acme-aep-landing'));
  });

  it('rotates a get-federation-token target end to end: narrowed federated credentials, verified, then patched', async () => {
    const { world, newHandler } = await start({
      connections: [
        {
          sandboxName: 'prod',
          method: 'get-federation-token',
          bucketName: 'acme-aep-landing',
          folderPath: 'crm/daily',
          durationSeconds: 43_200,
        },
      ],
    });
    const id = world.connectionIds[0]!;
    const name = `aep-${id.replace(/-/g, '').slice(0, 28)}`;
    const federatedArn = `arn:aws:sts::${ACCOUNT}:federated-user/${name}`;

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary).toMatchObject({ rotated: 1, failed: 0, results: [{ connectionId: id, status: 'rotated' }] });
    const [federation] = byAction(world.emulators.sts.requests, 'GetFederationToken');
    expect(signerKeyOf(federation!)).toMatch(/^AKIA/);
    expect(form(federation!)).toMatchObject({ Action: 'GetFederationToken', Name: name, DurationSeconds: '43200' });
    expect(name).toHaveLength(32);
    const params = world.connection(id).params;
    expect(JSON.parse(world.emulators.sts.policyOf(params.s3AccessKey!)!)).toEqual(
      narrowedTo('acme-aep-landing', 'crm/daily'),
    );
    expect(form(federation!).Policy).toBe(world.emulators.sts.policyOf(params.s3AccessKey!));
    // Verified before the PATCH, signed with the new credentials, as the federated user.
    const verification = byAction(world.emulators.sts.requests, 'GetCallerIdentity').find(
      (request) => signerKeyOf(request) === params.s3AccessKey,
    );
    expect(verification!.receivedAt).toBeLessThanOrEqual(
      byMethod(world.emulators.flowService.requests, 'PATCH')[0]!.receivedAt,
    );
    await expect(world.callerIdentityOf(id)).resolves.toBe(federatedArn);
    const expiresIn = Date.parse(summary.results[0]!.expiresAt!) - Date.now();
    expect(expiresIn).toBeGreaterThan(43_100_000);
  });

  it("asks the IAM user's identity once per key pair for GetFederationToken, however many runs and connections", async () => {
    const { world, newHandler } = await start({
      connections: [
        { sandboxName: 'prod', method: 'get-federation-token' },
        { sandboxName: 'dev', method: 'get-federation-token', folderPath: 'exports/dev' },
      ],
    });
    const handler = newHandler();

    await handler(SCHEDULED_EVENT);
    await handler(SCHEDULED_EVENT);

    const byUserKeys = byAction(world.emulators.sts.requests, 'GetCallerIdentity').filter((request) =>
      signerKeyOf(request)!.startsWith('AKIA'),
    );
    expect(byUserKeys).toHaveLength(1);
    expect(byAction(world.emulators.sts.requests, 'GetFederationToken')).toHaveLength(4);
  });

  it('fails a get-federation-token target whose policy STS refuses (PackedPolicyTooLarge), naming it, and leaves the connection as it was', async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod', method: 'get-federation-token' }],
    });
    world.emulators.sts.injectFault({
      match: { action: 'GetFederationToken' },
      kind: 'respond',
      status: 400,
      headers: { 'content-type': 'text/xml' },
      body: stsErrorXml(
        'PackedPolicyTooLarge',
        'Packed policy consumes 104% of allotted space, please use smaller policy.',
      ),
    });
    const before = world.connection(world.connectionIds[0]!);

    const { error } = await settle(() => newHandler()(SCHEDULED_EVENT));

    expect(error).toBeInstanceOf(RotationFailedError);
    expect(error!.message).toContain('STS GetFederationToken for the IAM user in secret');
    expect(error!.message).toContain('PackedPolicyTooLarge');
    expect(world.connection(before.id).params).toEqual(before.params);
    expect(byMethod(world.emulators.flowService.requests, 'PATCH')).toHaveLength(0);
  });
});

describe('step 4: test before promote', () => {
  it('calls GetCallerIdentity signed with the new credentials before patching', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });

    await newHandler()(SCHEDULED_EVENT);

    const newKey = world.connection(world.connectionIds[0]!).params.s3AccessKey;
    const verification = byAction(world.emulators.sts.requests, 'GetCallerIdentity').find(
      (request) => signerKeyOf(request) === newKey,
    );
    const [patch] = byMethod(world.emulators.flowService.requests, 'PATCH');
    expect(verification).toBeDefined();
    expect(verification!.receivedAt).toBeLessThanOrEqual(patch!.receivedAt);
  });

  it('never pushes credentials that fail verification', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod' }] });
    world.emulators.sts.mintUnverifiableCredentials(1);
    const before = world.connectionIds.map((id) => world.connection(id));

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary).toMatchObject({ rotated: 1, failed: 1 });
    const failed = summary.results.find((result) => result.status === 'failed')!;
    expect(failed).toMatchObject({ errorCode: 'CREDENTIALS_UNVERIFIED', attempts: 1 });
    expect(failed.error).toContain('the new credentials failed GetCallerIdentity');
    const patched = byMethod(world.emulators.flowService.requests, 'PATCH');
    expect(patched).toHaveLength(1);
    const untouched = before.filter((connection) => world.connection(connection.id).etag === connection.etag);
    expect(untouched).toHaveLength(1);
    expect(world.connection(untouched[0]!.id).params).toEqual(untouched[0]!.params);
  });
});

describe('step 5: the PATCH', () => {
  it('replaces the three credential params in one JSON Patch, with If-Match exactly as GET returned it', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const id = world.connectionIds[0]!;
    const etagBefore = world.connection(id).etag;

    const summary = await newHandler()(SCHEDULED_EVENT);

    const after = world.connection(id);
    const [patch] = byMethod(world.emulators.flowService.requests, 'PATCH');
    expect(patch!.headers['if-match']).toBe(etagBefore);
    expect(etagBefore).toMatch(/^"[0-9a-f-]+"$/);
    expect(patch!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(patch!.body)).toEqual([
      { op: 'replace', path: '/auth/params/s3AccessKey', value: after.params.s3AccessKey },
      { op: 'replace', path: '/auth/params/s3SecretKey', value: after.params.s3SecretKey },
      { op: 'replace', path: '/auth/params/s3SessionToken', value: after.params.s3SessionToken },
    ]);
    expect(after.params.s3AccessKey).toMatch(/^ASIA/);
    expect(summary.results[0]).toEqual({
      connectionId: id,
      sandboxName: 'prod',
      status: 'rotated',
      previousEtag: etagBefore,
      etag: after.etag,
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      // The set the connection now holds, by the id CloudTrail and S3's logs name it with.
      accessKeyId: after.params.s3AccessKey,
      attempts: 1,
      narrowedTo: 's3://acme-ingest-0/exports/prod/',
      narrowedFrom: 'connection',
      adobeVerified: true,
      adobeCanList: true,
      adobeReadUnproven: 'listed-nothing',
      exploreForm: 'absolute',
      // Nothing reads the connection yet: no dataflow, none failed.
      dataflows: 0,
      dataflowRunsFailed: 0,
    });
    expect(after.etag).not.toBe(etagBefore);
  });

  it('adds the session token param to a connection created without one', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod', withSessionToken: false }] });

    await newHandler()(SCHEDULED_EVENT);

    const [patch] = byMethod(world.emulators.flowService.requests, 'PATCH');
    expect(JSON.parse(patch!.body).map((op: { op: string; path: string }) => `${op.op} ${op.path}`)).toEqual([
      'replace /auth/params/s3AccessKey',
      'replace /auth/params/s3SecretKey',
      'add /auth/params/s3SessionToken',
    ]);
    expect(world.connection(world.connectionIds[0]!).params.s3SessionToken).toBeTruthy();
  });

  it('adds the secret params when GET omits them instead of masking them', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    world.emulators.flowService.setSecretParamsInGet('omitted');

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary.rotated).toBe(1);
    const [patch] = byMethod(world.emulators.flowService.requests, 'PATCH');
    expect(JSON.parse(patch!.body).map((op: { op: string }) => op.op)).toEqual(['replace', 'add', 'add']);
  });
});

describe('step 6: conflicts and transient failures', () => {
  it('re-reads the etag and PATCHes again with the same credentials after one 412', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const id = world.connectionIds[0]!;
    world.emulators.flowService.concurrentEditBeforePatch(id, 1);

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary.results[0]).toMatchObject({ status: 'rotated', etagConflicts: 1 });
    const flow = connectionRequests(world.emulators.flowService.requests).map(callOf);
    expect(flow).toEqual(['GET', 'PATCH', 'GET', 'PATCH', 'EXPLORE']);
    const [first, second] = byMethod(world.emulators.flowService.requests, 'PATCH');
    expect(second!.body).toBe(first!.body);
    expect(second!.headers['if-match']).not.toBe(first!.headers['if-match']);
    expect(world.connection(id).params.s3AccessKey).toBe(JSON.parse(second!.body)[0].value);
  });

  it('gives up after 3 PATCH attempts that all meet a stale etag, twice (one more attempt at the end of the run), leaving the credentials as they were', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const id = world.connectionIds[0]!;
    const before = world.connection(id);
    world.emulators.flowService.concurrentEditBeforePatch(id, 10);
    const capture = captureOutput();

    const { error } = await settle(() => newHandler()(SCHEDULED_EVENT));
    capture.restore();

    expect(error).toBeInstanceOf(RotationFailedError);
    expect(error!.message).toContain('3 PATCH attempts all met a stale etag (1404-412)');
    expect(byMethod(world.emulators.flowService.requests, 'PATCH')).toHaveLength(6);
    expect(world.connection(id).params).toEqual(before.params);
    const conflicts = capture.jsonLines().filter((line) => 'EtagConflict' in line);
    expect(
      conflicts.reduce((sum, line) => sum + [line.EtagConflict].flat().reduce((a: number, b) => a + Number(b), 0), 0),
    ).toBe(6);
  });

  it('honours Retry-After on 429', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    world.emulators.flowService.injectFault({
      match: { method: 'PATCH' },
      kind: 'respond',
      status: 429,
      headers: { 'retry-after': '1' },
      body: gatewayError('429050', 'Too many requests'),
    });

    const summary = await newHandler()(SCHEDULED_EVENT);

    const [first, second] = byMethod(world.emulators.flowService.requests, 'PATCH');
    expect(summary.rotated).toBe(1);
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(950);
  });

  it.each([
    [
      'a 503 on GET',
      { match: { method: 'GET' }, kind: 'respond', status: 503, body: flowProblem(503, '1103-503', 'try again') },
    ],
    [
      'a 500 on PATCH',
      { match: { method: 'PATCH' }, kind: 'respond', status: 500, body: flowProblem(500, '1102-500', 'try again') },
    ],
    [
      'a 504 on PATCH',
      { match: { method: 'PATCH' }, kind: 'respond', status: 504, body: flowProblem(504, '1104-504', 'try again') },
    ],
    ['a connection reset on GET', { match: { method: 'GET' }, kind: 'reset' }],
    ['a timeout on GET', { match: { method: 'GET' }, kind: 'delay', ms: 2500 }],
  ] as const)('retries %s and rotates', async (_name, fault) => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    world.emulators.flowService.injectFault(fault);

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary.rotated).toBe(1);
    expect(byMethod(world.emulators.flowService.requests, fault.match.method)).toHaveLength(2);
  });

  it('ends with the new credentials when a PATCH lands but its answer times out', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const id = world.connectionIds[0]!;
    world.emulators.flowService.injectFault({ match: { method: 'PATCH' }, kind: 'delay-after-effect', ms: 2500 });

    const summary = await newHandler()(SCHEDULED_EVENT);

    // The retried PATCH carries the old etag, meets 412, and the engine re-reads and re-sends.
    expect(connectionRequests(world.emulators.flowService.requests).map(callOf)).toEqual([
      'GET',
      'PATCH',
      'PATCH',
      'GET',
      'PATCH',
      'EXPLORE',
    ]);
    const [, , last] = byMethod(world.emulators.flowService.requests, 'PATCH');
    expect(summary.results[0]).toMatchObject({ status: 'rotated', etag: world.connection(id).etag });
    expect(world.connection(id).params.s3SessionToken).toBe(JSON.parse(last!.body)[2].value);
  });

  it.each([
    [400, '1455-400'],
    [403, '2118-403'],
    [404, '1101-404'],
  ])('never retries a %i', async (status, code) => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    world.emulators.flowService.injectFault({
      match: { method: 'PATCH' },
      kind: 'respond',
      status,
      body: flowProblem(status, code, 'no'),
    });

    const { error } = await settle(() => newHandler()(SCHEDULED_EVENT));

    expect(error!.message).toContain(`HTTP ${status} (${code})`);
    expect(byMethod(world.emulators.flowService.requests, 'PATCH')).toHaveLength(1);
  });

  it('bounds the retries of a Flow Service that stays down', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    world.emulators.flowService.injectFault({
      kind: 'respond',
      status: 503,
      body: flowProblem(503, '1103-503', 'down'),
      times: 100,
    });

    const { error } = await settle(() => newHandler()(SCHEDULED_EVENT));

    expect(error!.message).toContain('HTTP 503 (1103-503)');
    // Two attempts of the connection (the second at the end of the run), each 1 GET + retryLimit 2.
    expect(world.emulators.flowService.requests).toHaveLength(6);
  });
});

describe('every error code of the Flow Service documentation', () => {
  // FLOW-SERVICE.md's table: code, HTTP status, and what the rotator must do with it (once, on PATCH).
  it.each([
    ['1403-400', 400, 'fail'],
    ['1455-400', 400, 'fail'],
    ['1414-400', 400, 'fail'],
    ['1416-400', 400, 'fail'],
    ['1445-400', 400, 'fail'],
    ['1101-404', 404, 'fail'],
    ['2118-403', 403, 'fail'],
    ['2120-403', 403, 'fail'],
    ['1404-412', 412, 're-read the etag'],
    ['1102-500', 500, 'retry'],
    ['1103-503', 503, 'retry'],
    ['1104-504', 504, 'retry'],
    ['2000-401', 401, 'refresh the token'],
    ['2001-401', 401, 'refresh the token'],
    ['2002-401', 401, 'refresh the token'],
  ] as const)('%s (HTTP %i): %s', async (code, status, action) => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const before = world.connection(world.connectionIds[0]!);
    world.emulators.flowService.injectFault({
      match: { method: 'PATCH' },
      kind: 'respond',
      status,
      body: flowProblem(status, code, `documented ${code}`),
    });

    const { value, error } = await settle(() => newHandler()(SCHEDULED_EVENT));

    const patches = byMethod(world.emulators.flowService.requests, 'PATCH');
    if (action === 'fail') {
      expect(error!.message).toContain(`failed with HTTP ${status} (${code}): documented ${code}`);
      expect(patches).toHaveLength(1);
      expect(world.connection(before.id).params).toEqual(before.params);
    } else {
      expect(value!.results[0]!.status).toBe('rotated');
      expect(patches).toHaveLength(2);
      expect(world.emulators.ims.requests).toHaveLength(action === 'refresh the token' ? 2 : 1);
      expect(byMethod(world.emulators.flowService.requests, 'GET')).toHaveLength(action === 're-read the etag' ? 2 : 1);
    }
  });
});

describe('step 7: reporting, isolation and concurrency', () => {
  it('rotates the others when one connection fails, and resolves with the summary naming it and why', async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod' }, { sandboxName: 'dev' }, { sandboxName: 'dev' }],
    });
    const [ok1, bad, ok2] = world.connectionIds as [string, string, string];
    world.emulators.flowService.injectFault({
      match: { path: `/connections/${bad}` },
      kind: 'respond',
      status: 403,
      body: flowProblem(403, '2118-403', 'missing permission'),
    });
    const capture = captureOutput();

    const summary = await newHandler()(SCHEDULED_EVENT);
    capture.restore();

    expect(summary).toMatchObject({ rotated: 2, failed: 1 });
    expect(summary.results[1]).toMatchObject({
      connectionId: bad,
      status: 'failed',
      errorCode: '2118-403',
      error: `Flow Service GET /connections/${bad} failed with HTTP 403 (2118-403): missing permission`,
      attempts: 1,
    });
    for (const id of [ok1, ok2]) expect(world.connection(id).etagHistory.length).toBe(2);
    const outcomes = capture
      .jsonLines()
      .filter((line) => typeof line.message === 'string' && /^connection /.test(line.message as string));
    expect(outcomes.map((line) => [line.message, line.connectionId])).toEqual(
      expect.arrayContaining([
        ['connection rotated', ok1],
        ['connection rotated', ok2],
        ['connection rotation failed', bad],
      ]),
    );
    expect(outcomes).toHaveLength(3);
  });

  it('does not start a connection when the invocation is about to time out, and names it', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod' }] });
    // Lambda's clock runs out while the first connection is being patched (once its PATCH has reached Flow Service).
    const patchReached = () => world.emulators.flowService.requests.some((request) => request.method === 'PATCH');
    const context = { getRemainingTimeInMillis: () => (patchReached() ? 10_000 : 120_000) };
    const handler = newHandler({ env: { ROTATION_CONCURRENCY: '1' } });

    const summary = await handler(SCHEDULED_EVENT, context as never);

    expect(summary).toMatchObject({ rotated: 1, failed: 1 });
    expect(summary.results[1]).toMatchObject({
      connectionId: world.connectionIds[1],
      status: 'failed',
      errorCode: 'OUT_OF_TIME',
      attempts: 0,
    });
    expect(summary.results[1]!.error).toContain('not attempted: the invocation was about to reach its timeout');
    expect(world.connection(world.connectionIds[1]!).etagHistory).toHaveLength(1);
    expect(world.connection(world.connectionIds[0]!).etagHistory).toHaveLength(2);
  });

  it('processes connections concurrently up to ROTATION_CONCURRENCY', async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod' }, { sandboxName: 'prod' }],
    });

    await newHandler({ env: { ROTATION_CONCURRENCY: '1' } })(SCHEDULED_EVENT);
    const sequential = connectionRequests(world.emulators.flowService.requests).map(callOf);
    world.emulators.flowService.requests.length = 0;
    // With 100 ms per Flow Service answer, a PATCH cannot arrive before every GET unless they were serialized.
    world.emulators.flowService.setLatency(100);
    await newHandler()(SCHEDULED_EVENT);
    const parallel = connectionRequests(world.emulators.flowService.requests).map(callOf);

    expect(sequential).toEqual(['GET', 'PATCH', 'EXPLORE', 'GET', 'PATCH', 'EXPLORE', 'GET', 'PATCH', 'EXPLORE']);
    expect(parallel.slice(0, 3)).toEqual(['GET', 'GET', 'GET']);
  });

  it('rotates only the connections a manual request names', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'dev' }] });

    const summary = await newHandler()({ connectionIds: [world.connectionIds[1]] });

    expect(summary.results.map((result) => result.connectionId)).toEqual([world.connectionIds[1]]);
    expect(byMethod(world.emulators.flowService.requests, 'PATCH').map((request) => request.path)).toEqual([
      `/connections/${world.connectionIds[1]}`,
    ]);
  });

  it('rejects a manual request naming an unknown connection, touching nothing', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const stranger = '00000000-0000-4000-8000-000000000000';

    const { error } = await settle(() => newHandler()({ connectionIds: [world.connectionIds[0], stranger] }));

    expect(error).toBeInstanceOf(RequestValidationError);
    expect(error!.message).toContain(
      `connectionIds: ${stranger} is not in the configured targets; nothing was rotated`,
    );
    expect(world.emulators.flowService.requests).toHaveLength(0);
    expect(world.emulators.sts.requests).toHaveLength(0);
  });

  it('plans without patching on a dry run, reporting paths and never values', async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod', withSessionToken: false }],
    });
    const before = world.connectionIds.map((id) => world.connection(id).etag);

    const summary = await newHandler()({ dryRun: true });

    expect(summary).toMatchObject({ rotated: 0, failed: 0, dryRun: true });
    expect(summary.results.map((result) => result.status)).toEqual(['dry-run', 'dry-run']);
    expect(summary.results[1]!.plannedOperations).toEqual([
      { op: 'replace', path: '/auth/params/s3AccessKey' },
      { op: 'replace', path: '/auth/params/s3SecretKey' },
      { op: 'add', path: '/auth/params/s3SessionToken' },
    ]);
    expect(byMethod(world.emulators.flowService.requests, 'PATCH')).toHaveLength(0);
    expect(world.connectionIds.map((id) => world.connection(id).etag)).toEqual(before);
    expect(byAction(world.emulators.sts.requests, 'GetCallerIdentity').length).toBeGreaterThanOrEqual(2);
  });

  it('emits embedded-format metrics for successes, failures and seconds to expiry', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod' }] });
    world.emulators.flowService.injectFault({
      match: { path: `/connections/${world.connectionIds[1]}` },
      kind: 'respond',
      status: 404,
      body: flowProblem(404, '1101-404', 'Connection not found'),
    });
    const capture = captureOutput();

    await settle(() => newHandler()(SCHEDULED_EVENT));
    capture.restore();

    // One document per connection tried, each with its own values.
    const emf = capture.jsonLines().filter((line) => '_aws' in line);
    const [rotated, failed] = world.connectionIds.map((id) => emf.filter((line) => line.connectionId === id));
    expect(rotated).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(rotated![0]).toMatchObject({
      RotationSucceeded: 1,
      RotationFailed: 0,
      service: 'aep-s3-credential-rotator',
      rotator: 'aep-s3-credential-rotator',
    });
    expect(rotated![0]!.SecondsUntilCredentialExpiry).toBeGreaterThan(3500);
    // Unknown credentials count as expired.
    expect(failed![0]).toMatchObject({ RotationSucceeded: 0, RotationFailed: 1, SecondsUntilCredentialExpiry: 0 });
    // Per connection, and in the same document for the rotator as a whole.
    expect(
      (rotated![0]!._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> }).CloudWatchMetrics[0]!.Dimensions,
    ).toEqual([
      ['service', 'rotator', 'connectionId'],
      ['service', 'rotator'],
    ]);
    const namespaces = emf.flatMap((line) =>
      (line._aws as { CloudWatchMetrics: Array<{ Namespace: string }> }).CloudWatchMetrics.map((m) => m.Namespace),
    );
    expect(new Set(namespaces)).toEqual(new Set(['AepS3CredentialRotator']));
  });
});
