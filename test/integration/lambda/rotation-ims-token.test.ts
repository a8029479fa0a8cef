/**
 * The rotation engine end to end, step 1: the Adobe credentials and the IMS token (the real
 * handler, got and the AWS SDK against the emulators over loopback sockets).
 */
import { describe, expect, it } from 'vitest';
import { RotationFailedError } from '../../../lambda/errors.js';
import { gatewayError } from '../../../emulators/flow-service.js';
import {
  byAction,
  byMethod,
  connectionCalls,
  formOf,
  SCHEDULED_EVENT,
  settle,
  useHarness,
} from '../../support/index.js';

const start = useHarness();

describe('step 1: Adobe credentials and the IMS token', () => {
  it('reads the Adobe secret once per invocation, not per connection; reuses the IMS token across them', async () => {
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

  it(
    'asks IMS once per invocation when it is down, however many connections wait, and again on the next ' +
      'invocation',
    async () => {
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
    },
  );

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
    expect(formOf(request!)).toEqual({
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
    const statuses = connectionCalls(world.emulators.flowService.requests);
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
