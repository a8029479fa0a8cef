/**
 * Secrets never leak: a demo-sized run with faults injected, with every byte of output, every
 * thrown error (and its cause chain, serialized as Lambda would) and every return value captured,
 * searched for every secret the emulators issued or hold.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { flowProblem } from '../../../emulators/flow-service.js';
import {
  assumeRoleThrottled,
  captureOutput,
  findSecrets,
  serializeError,
  settle,
  startHarness,
  type Harness,
} from '../../support/index.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('secret hygiene', () => {
  it('the leak detector finds a secret that is printed (so a zero below means something)', async () => {
    harness = await startHarness({ connections: [{ sandboxName: 'prod' }] });
    const capture = captureOutput();
    console.log(`oops ${harness.world.adobe.clientSecret}`);
    process.stdout.write(`more ${harness.world.functionCredentials.sessionToken}\n`);
    capture.restore();

    expect(findSecrets(capture.text(), harness.world.secretValues())).toEqual([
      harness.world.adobe.clientSecret,
      harness.world.functionCredentials.sessionToken,
    ]);
  });

  it('a demo-sized run with faults leaks no secret into logs, metrics, errors or results', async () => {
    harness = await startHarness({
      connections: [
        { sandboxName: 'prod', externalId: 'ext-1234', objects: ['orders.csv'], flows: 1 },
        { sandboxName: 'prod', method: 'assume-role-user-keys', durationSeconds: 7200 },
        {
          sandboxName: 'prod',
          method: 'get-session-token',
          durationSeconds: 43_200,
          explorePaths: 'relative',
          objects: ['a.json'],
        },
        { sandboxName: 'dev', flows: 2 },
        { sandboxName: 'dev', withSessionToken: false },
        // Adobe lists it and cannot read its SSE-KMS file: the read refusal and its advice.
        {
          sandboxName: 'dev',
          objects: ['orders.csv'],
          objectsKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
          rolePermissions: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
          }),
        },
        {
          sandboxName: 'dev',
          method: 'get-federation-token',
          bucketName: 'acme-dev-ingest',
          folderPath: 'exports/dev',
        },
      ],
    });
    const { world, newHandler } = harness;
    const { flowService, sts, ims } = world.emulators;
    const ids = world.connectionIds;
    const handler = newHandler();
    const outputs: string[] = [];
    // A connection made by hand, with temporary credentials nobody rotates; dataflow runs that failed.
    flowService.seedConnection({
      orgId: world.adobe.orgId,
      sandboxName: 'prod',
      params: {
        s3AccessKey: 'ASIAHANDMADE00000001',
        s3SecretKey: 'hand-made-secret-key-0000000000000000000',
        s3SessionToken: 'IQoJhandmadetoken0000',
      },
    });
    for (const flowId of world.flowIds.flat()) flowService.runFlow(flowId);
    const capture = captureOutput();

    // Run 1: transient faults everywhere, one connection whose credentials fail verification,
    // one whose Flow Service echoes the request body back in its error (a worst case).
    flowService.concurrentEditBeforePatch(ids[0]!, 1);
    flowService.injectFault({
      match: { method: 'PATCH', path: `/connections/${ids[1]}` },
      kind: 'respond',
      status: 429,
      headers: { 'retry-after': '0' },
    });
    flowService.injectFault({ match: { method: 'GET', path: `/connections/${ids[2]}` }, kind: 'reset' });
    flowService.injectFault({
      match: { method: 'PATCH', path: `/connections/${ids[3]}` },
      kind: 'respond',
      status: 500,
      body: { error_code: '1102-500' },
    });
    sts.injectFault(assumeRoleThrottled());
    sts.mintUnverifiableCredentials(1);
    outputs.push(JSON.stringify(await settle(() => handler({ version: '0', source: 'aws.scheduler', detail: {} }))));

    // Run 2: the IMS token is revoked (401 → refresh), a manual dry run.
    ims.revokeAllTokens();
    outputs.push(JSON.stringify(await settle(() => handler({ dryRun: true }))));

    // Run 3: a PATCH rejected with an error body that quotes the credentials it was sent.
    flowService.injectFault({
      match: { method: 'PATCH', path: `/connections/${ids[4]}` },
      kind: 'respond',
      status: 400,
      // A problem document whose detailed message quotes the PATCH body it received.
      body: (request: { body: string }) => flowProblem(400, '1455-400', `invalid patch ${request.body}`),
    });
    const echo = await settle(() => handler({ connectionIds: [ids[4], ids[5]] }));
    outputs.push(JSON.stringify(echo.value ?? null));
    if (echo.error) outputs.push(serializeError(echo.error));

    // Run 4: IMS refuses the client (bad secret in the container's cache is simulated by a fault).
    ims.revokeAllTokens();
    ims.injectFault({
      kind: 'respond',
      status: 401,
      body: { error: 'invalid_client', error_description: 'invalid client secret' },
    });
    // A scheduled run in which nothing rotates rejects, naming each connection and why.
    const refused = await settle(() => newHandler()({ version: '0', source: 'aws.scheduler', detail: {} }));
    outputs.push(JSON.stringify(refused.value ?? null));
    if (refused.error) outputs.push(serializeError(refused.error));

    // Runs 5 and 6: one schedule tick delivered twice; the second reports what the first rotated, from the ledger.
    flowService.clearFaults();
    ims.clearFaults();
    const tick = {
      source: 'aep-s3-rotator.schedule',
      executionId: randomUUID(),
      scheduledTime: new Date().toISOString(),
    };
    outputs.push(JSON.stringify(await settle(() => newHandler()(tick))));
    outputs.push(JSON.stringify(await settle(() => newHandler()(tick))));

    // Runs 7 and 8: the read-only inspect (with probe, one explore echoing the request's bearer
    // token), and a manual rotation naming its caller.
    flowService.injectFault({
      match: { method: 'GET', path: `/connections/${ids[6]}/explore` },
      kind: 'respond',
      status: 400,
      body: (request: { headers: Record<string, string> }) =>
        flowProblem(400, '1100-400', `refused ${request.headers.authorization}`),
    });
    outputs.push(JSON.stringify(await settle(() => newHandler()({ inspect: true, probe: true }))));
    outputs.push(
      JSON.stringify(
        await settle(() =>
          newHandler()({ connectionIds: [ids[0]], caller: 'arn:aws:sts::123456789012:assumed-role/Operator/alice' }),
        ),
      ),
    );

    capture.restore();

    // Every error thrown along the way, serialized with its whole cause chain.
    const errors = outputs.join('\n');
    const everything = `${capture.text()}\n${errors}`;
    const secrets = world.secretValues();
    expect(secrets.length).toBeGreaterThan(20);
    expect(findSecrets(everything, secrets)).toEqual([]);
    // Sanity: the run produced real output to search, including failures and their reasons.
    expect(capture.text()).toContain('connection rotated');
    expect(capture.text()).toContain('connection rotation failed');
    expect(errors).toContain('"status":"failed"');
    expect(errors).toContain('invalid patch [{');
    expect(errors).toContain('failed to rotate');
    expect(errors).toContain('"unmanagedTemporaryConnections"');
    expect(errors).toContain('"dataflowRunsFailed":');
    expect(errors).toContain('"adobeCanRead":false');
    expect(errors).toContain('"errorCode":"DUPLICATE_DELIVERY"');
    expect(errors).toContain('"inspected":[');
    expect(errors).toContain('"adobeErrorCode":"1100-400"');
    expect(capture.text()).toContain('"connectionId":');
  });

  it('an error body that echoes the credentials is redacted before it reaches a message', async () => {
    harness = await startHarness({ connections: [{ sandboxName: 'prod' }] });
    const { world, newHandler } = harness;
    // A Flow Service that answers 400 quoting the PATCH body it received (new secret key and token).
    world.emulators.flowService.injectFault({
      match: { method: 'PATCH' },
      kind: 'respond',
      status: 400,
      body: (request: { body: string }) => ({ error_code: '1455-400', message: `invalid patch ${request.body}` }),
    });
    const capture = captureOutput();

    const { error } = await settle(() => newHandler()({}));
    capture.restore();

    expect(error!.message).toContain('invalid patch [{"op":"replace","path":"/auth/params/s3AccessKey"');
    expect(error!.message).toContain('[REDACTED]');
    expect(findSecrets(`${capture.text()}${serializeError(error)}`, world.secretValues())).toEqual([]);
  });
});
