/**
 * The read-only `inspect` request against the emulators: Adobe's view of each connection (and, with
 * `probe`, whether Adobe can list with what it holds), nothing minted, patched, written or counted,
 * no credential value in the answer or the log, and an answer whatever Adobe refuses.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { WORLD_LEDGER_TABLE } from '../../../emulators/world.js';
import { RotationLedger } from '../../../lambda/ledger.js';
import { flowProblem } from '../../../emulators/flow-service.js';
import { RequestValidationError } from '../../../lambda/errors.js';
import type { InspectResult } from '../../../lambda/handler.js';
import { captureOutput, findSecrets, SCHEDULED_EVENT, settle, useHarness } from '../../support/index.js';

const start = useHarness();

/** A role that may read S3 and nothing else: no kms:Decrypt for SSE-KMS objects. */
const S3_ONLY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
});

describe('inspect', () => {
  it("answers with Adobe's view of every target, only the names of its params, and changes nothing", async () => {
    const { world, newHandler } = await start({
      connections: [
        { sandboxName: 'prod', name: 'Orders export', bucketName: 'acme-orders', folderPath: 'daily' },
        { sandboxName: 'dev', method: 'get-session-token', durationSeconds: 7200 },
      ],
    });
    const [rotated, untouched] = world.connectionIds as [string, string];
    await newHandler()({ connectionIds: [rotated] });
    const client = new DynamoDBClient({
      endpoint: world.emulators.dynamodb.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' },
    });
    const ledger = new RotationLedger(client, WORLD_LEDGER_TABLE);
    const before = { sts: world.emulators.sts.requests.length, ledger: await ledger.get(rotated) };
    const etags = world.connectionIds.map((id) => world.connection(id).etag);

    const capture = captureOutput();
    let result: InspectResult | undefined;
    try {
      result = await newHandler()({ inspect: true });
    } finally {
      capture.restore();
    }

    expect(result!.probe).toBe(false);
    expect(result!.inspected).toEqual([
      {
        connectionId: rotated,
        sandboxName: 'prod',
        method: 'assume-role-chained',
        durationSeconds: 3600,
        roleArn: world.targets[0]!.roleArn,
        bucketName: 'acme-orders',
        folderPath: 'daily',
        name: 'Orders export',
        state: 'enabled',
        specName: 'Access Key',
        connectionSpecId: 'ecadc60c-7455-4d87-84dc-2a0e293d997b',
        etag: world.connection(rotated).etag,
        updatedAt: new Date(world.connection(rotated).updatedAt).toISOString(),
        updatedBy: `${world.adobe.clientId}@AdobeID`,
        updatedClient: world.adobe.clientId,
        params: ['bucketName', 'folderPath', 's3AccessKey', 's3SecretKey', 's3SessionToken'],
        writtenByRotator: true,
        heldCredentialsExpireAt: new Date(world.connection(rotated).updatedAt + 3600_000).toISOString(),
        rotatable: true,
        // What it reads, the form Adobe accepted at its rotation (the ledger's), and no dataflow reads it.
        reads: 's3://acme-orders/daily/',
        exploreForm: 'absolute',
        dataflows: [],
      },
      expect.objectContaining({
        connectionId: untouched,
        method: 'get-session-token',
        durationSeconds: 7200,
        writtenByRotator: false,
        rotatable: true,
      }),
    ]);
    expect(result!.inspected[1]).not.toHaveProperty('heldCredentialsExpireAt');
    // What Adobe holds for the credential: one client secret, the one the secret holds.
    expect(result!.adobeClientSecrets).toMatchObject({ count: 1, secrets: [{ holder: 'current' }] });
    // Read-only: no mint, no PATCH, no ledger write, no metric.
    expect(world.connectionIds.map((id) => world.connection(id).etag)).toEqual(etags);
    expect(world.emulators.sts.requests.length).toBe(before.sts);
    expect(await ledger.get(rotated)).toEqual(before.ledger);
    expect(await ledger.get(untouched)).toBeUndefined();
    client.destroy();
    expect(capture.jsonLines().some((line) => '_aws' in line)).toBe(false);
    const printed = JSON.stringify(result) + capture.text();
    expect(findSecrets(printed, world.secretValues())).toEqual([]);
    expect(printed).not.toContain(world.connection(untouched).params.s3AccessKey!);
  });

  it('with probe, says whether Adobe can list what each connection reads with what it holds, and why not', async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod', bucketName: 'acme-orders' }, { sandboxName: 'dev' }],
    });
    const [refused, reads] = world.connectionIds as [string, string];
    await newHandler()(SCHEDULED_EVENT);
    world.emulators.flowService.injectFault({
      match: { method: 'GET', path: `/connections/${refused}/explore` },
      kind: 'respond',
      status: 400,
      body: flowProblem(400, '1100-400', 'Amazon S3 answered ExpiredToken: The provided token has expired.'),
    });

    const result = await newHandler()({ inspect: true, probe: true });

    expect(result.probe).toBe(true);
    expect(result.inspected.find((entry) => entry.connectionId === refused)).toMatchObject({
      // The folder the connection declares, as the rotation asks Adobe for it.
      explored: 's3://acme-orders/exports/prod/',
      adobeCanList: false,
      adobeVerified: false,
      adobeErrorCode: '1100-400',
      adobeError: expect.stringContaining('ExpiredToken'),
    });
    expect(result.inspected.find((entry) => entry.connectionId === reads)).toMatchObject({ adobeVerified: true });
  });

  it('with probe, says whether Adobe read a listed file, was refused it, or listed nothing (not proven)', async () => {
    const { world, newHandler } = await start({
      connections: [
        { sandboxName: 'prod', objects: ['orders-1.csv'] },
        {
          sandboxName: 'prod',
          objects: ['orders-1.csv'],
          objectsKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/0000-kms',
          rolePermissions: S3_ONLY,
        },
        { sandboxName: 'dev' },
      ],
    });
    const [readable, kms, empty] = world.connectionIds as [string, string, string];
    await newHandler()(SCHEDULED_EVENT);

    const result = await newHandler()({ inspect: true, probe: true });
    const entry = (id: string) => result.inspected.find((inspected) => inspected.connectionId === id);

    expect(entry(readable)).toMatchObject({ adobeCanList: true, adobeCanRead: true, exploreForm: 'absolute' });
    expect(entry(kms)).toMatchObject({
      adobeCanList: true,
      adobeCanRead: false,
      adobeErrorCode: '1100-400',
      adobeError: expect.stringContaining('kms:Decrypt'),
    });
    expect(entry(empty)).toMatchObject({ adobeCanList: true, adobeReadUnproven: 'listed-nothing' });
    expect(entry(empty)).not.toHaveProperty('adobeCanRead');
  });

  it(
    'names a target whose bucket and folder do not contain what the connection reads, and the dataflows reading ' +
      'each, with their last run',
    async () => {
      const { world, newHandler } = await start({
        connections: [
          { sandboxName: 'prod', bucketName: 'acme-orders', folderPath: 'daily', connectionFolderPath: 'weekly' },
          { sandboxName: 'prod', flows: 2 },
        ],
      });
      const [mismatched, flowing] = world.connectionIds as [string, string];
      const [good, broken] = world.flowIds[1]!;
      world.emulators.flowService.runFlow(good!);
      world.emulators.flowService.failFlowRuns(broken!);
      world.emulators.flowService.runFlow(broken!);

      const result = await newHandler()({ inspect: true, probe: true });

      expect(result.inspected[0]).toMatchObject({
        connectionId: mismatched,
        scopeMismatch: expect.stringContaining('does not contain it'),
      });
      // Nothing to ask Adobe with credentials the rotator could not have minted for it.
      expect(result.inspected[0]).not.toHaveProperty('adobeVerified');
      expect(result.inspected[1]!.dataflows).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ flowId: good, lastRun: expect.objectContaining({ status: 'success' }) }),
          expect.objectContaining({
            flowId: broken,
            lastRun: expect.objectContaining({ status: 'failed', errorCodes: [expect.any(String)] }),
          }),
        ]),
      );
      expect(result.inspected[1]!.connectionId).toBe(flowing);
    },
  );

  it('answers for a connection Flow Service does not show, and one that is not an S3 access-key one', async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod', specName: 'IAMRole Based' }],
    });
    const [gone, roleBased] = world.connectionIds as [string, string];
    world.emulators.flowService.injectFault({
      match: { method: 'GET', path: `/connections/${gone}` },
      kind: 'respond',
      status: 404,
      body: flowProblem(404, '1101-404', 'Connection not found.'),
    });

    const result = await newHandler()({ inspect: true, probe: true });

    expect(result.inspected[0]).toMatchObject({
      connectionId: gone,
      notFound: true,
      errorCode: '1101-404',
      error: expect.stringContaining('not found'),
    });
    expect(result.inspected[0]).not.toHaveProperty('adobeVerified');
    expect(result.inspected[1]).toMatchObject({
      connectionId: roleBased,
      rotatable: false,
      notRotatableReason: 'iam-role-auth',
      specName: 'IAMRole Based',
    });
  });

  it("answers when IMS refuses the Adobe secret: every connection says why, and Adobe's view is missing", async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'dev' }] });
    // The client secret was rotated in Developer Console: IMS no longer takes the one in Secrets Manager.
    world.emulators.ims.registerClient({
      clientId: world.adobe.clientId,
      clientSecret: `p8e-${randomBytes(12).toString('hex')}`,
      orgId: world.adobe.orgId,
    });

    const result = await newHandler()({ inspect: true });

    expect(result.adobe).toMatchObject({
      errorCode: 'IMS_AUTH_FAILED',
      error: expect.stringContaining('invalid_client'),
    });
    expect(result.inspected).toHaveLength(2);
    for (const entry of result.inspected)
      expect(entry).toMatchObject({ errorCode: 'IMS_AUTH_FAILED', method: 'assume-role-chained' });
    expect(result).not.toHaveProperty('adobeClientSecrets');
    expect(findSecrets(JSON.stringify(result), world.secretValues())).toEqual([]);
  });

  it('lists only the configured targets with targetsOnly, asking nothing of Adobe or Secrets Manager', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'dev' }] });

    const result = await newHandler()({ inspect: true, targetsOnly: true, connectionIds: [world.connectionIds[1]!] });

    expect(result).toMatchObject({
      targetsOnly: true,
      inspected: [{ connectionId: world.connectionIds[1], sandboxName: 'dev', method: 'assume-role-chained' }],
    });
    expect(world.emulators.flowService.requests).toHaveLength(0);
    expect(world.emulators.secretsManager.requests).toHaveLength(0);
  });

  it.each([
    [
      { inspect: true, connectionIds: ['4cb0c374-d3bb-4557-b139-5712880adc55'] },
      'connectionIds: 4cb0c374-d3bb-4557-b139-5712880adc55 is not in the configured targets',
    ],
    [{ inspect: false }, 'inspect: must be true (omit it to rotate)'],
    [
      { inspect: true, caller: 'me' },
      'unknown field(s) caller; allowed: inspect, connectionIds, probe, targetsOnly, unknownConnections, discover, ' +
        'sandboxes, dryRun',
    ],
    [{ inspect: true, dryRun: false }, 'dryRun: must be true when given with inspect'],
    [{ probe: true }, 'inspect: is required'],
  ])('refuses %j as it refuses a bad rotation request', async (event, message) => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });

    const { error } = await settle(() => newHandler()(event as never));

    expect(error).toBeInstanceOf(RequestValidationError);
    expect(error!.message).toContain(message);
    expect(world.emulators.flowService.requests).toHaveLength(0);
  });
});
