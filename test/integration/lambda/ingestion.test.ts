/**
 * Did ingestion run, and does anything go unrotated: after each connection's outcome the run
 * follows Adobe's chain (base connection → source connections → flows → runs) and counts the flows
 * whose last run since its previous attempt failed; a scheduled run lists each sandbox's S3
 * connections and reports those with temporary credentials that no target rotates.
 */
import { describe, expect, it } from 'vitest';
import { RUN_COPY_FAILED } from '../../../emulators/flow-service-dataflows.js';
import { useHarness, SCHEDULED_EVENT } from '../../support/index.js';

const start = useHarness();

describe('the dataflows reading each connection', () => {
  it('counts a flow whose last run failed, with its codes, once; the next run counts only new failures', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod', flows: 2 }] });
    const [failing, fine] = world.flowIds[0] as [string, string];
    world.emulators.flowService.seedRun({ flowId: failing, status: 'success', startedAt: Date.now() - 120_000 });
    world.emulators.flowService.seedRun({
      flowId: failing,
      status: 'failed',
      startedAt: Date.now() - 60_000,
      errors: [{ code: RUN_COPY_FAILED, message: 'copy failed' }],
    });
    world.emulators.flowService.seedRun({ flowId: fine, status: 'success', startedAt: Date.now() - 60_000 });

    const first = await newHandler()(SCHEDULED_EVENT);
    const second = await newHandler()(SCHEDULED_EVENT);

    expect(first.results[0]).toMatchObject({
      status: 'rotated',
      dataflows: 2,
      dataflowRunsFailed: 1,
      dataflowRunErrorCodes: [RUN_COPY_FAILED],
    });
    expect(second.results[0]).toMatchObject({ status: 'rotated', dataflows: 2, dataflowRunsFailed: 0 });
    expect(second.results[0]).not.toHaveProperty('dataflowRunErrorCodes');
  });

  it("sees ingestion break when a connection's credentials stop working, and recover after a rotation", async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod', flows: 1, objects: ['orders.csv'] }],
    });
    const id = world.connectionIds[0]!;

    await newHandler()(SCHEDULED_EVENT);
    const ranWithNew = world.emulators.flowService.runFlowsOf(id);
    // Two hours on, the hour-long credentials have expired: the flow's next run cannot read.
    world.emulators.sts.setClock(() => Date.now() + 2 * 3600_000);
    const ranExpired = world.emulators.flowService.runFlowsOf(id, Date.now() + 2 * 3600_000);
    const next = await newHandler()(SCHEDULED_EVENT);
    const ranAfter = world.emulators.flowService.runFlowsOf(id, Date.now() + 2 * 3600_000 + 1000);

    expect(ranWithNew.map((run) => run.status)).toEqual(['success']);
    expect(ranExpired.map((run) => run.status)).toEqual(['failed']);
    expect(next.results[0]).toMatchObject({
      status: 'rotated',
      dataflows: 1,
      dataflowRunsFailed: 1,
      dataflowRunErrorCodes: [RUN_COPY_FAILED],
    });
    expect(ranAfter.map((run) => run.status)).toEqual(['success']);
  });

  it(
    'follows the chain with the Platform headers: source connections of the base connection, their flows, each ' +
      "flow's newest runs",
    async () => {
      const { world, newHandler } = await start({ connections: [{ sandboxName: 'dev', flows: 1 }] });
      const id = world.connectionIds[0]!;

      await newHandler()({ connectionIds: [id] });

      const listings = world.emulators.flowService.requests.filter(
        (request) => !request.path.startsWith('/connections'),
      );
      expect(
        listings.map((request) => [request.path, request.query.property, request.headers['x-sandbox-name']]),
      ).toEqual([
        ['/sourceConnections', `baseConnectionId==${id}`, 'dev'],
        ['/flows', expect.stringMatching(/^sourceConnectionIds==/), 'dev'],
        ['/runs', `flowId==${world.flowIds[0]![0]}`, 'dev'],
      ]);
      expect(listings[2]!.query).toMatchObject({ orderby: '-createdAt' });
    },
  );

  it('leaves the dataflow fields out, and rotates all the same, when the chain cannot be read', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod', flows: 1 }] });
    world.emulators.flowService.injectFault({
      match: { path: '/sourceConnections' },
      kind: 'respond',
      status: 403,
      body: { error_code: '403003', message: 'Api Key is invalid' },
    });

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary.results[0]).toMatchObject({ status: 'rotated' });
    expect(summary.results[0]).not.toHaveProperty('dataflows');
  });
});

describe('S3 connections that no target rotates', () => {
  it("reports, on a scheduled run, those with temporary credentials in the targets' sandboxes, no others", async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const { flowService } = world.emulators;
    const orgId = world.adobe.orgId;
    flowService.setListPageSize(2);
    const seed = (id: string, extra: Record<string, unknown> = {}) =>
      flowService.seedConnection({
        id,
        orgId,
        sandboxName: 'prod',
        params: { s3AccessKey: 'ASIAHANDMADE00000001', s3SecretKey: 's' },
        ...extra,
      });
    seed('a0000000-0000-0000-0000-000000000001', {
      params: { s3AccessKey: 'ASIAHANDMADE00000001', s3SecretKey: 's', s3SessionToken: 't' },
    });
    seed('a0000000-0000-0000-0000-000000000002', { params: { s3AccessKey: 'AKIALONGTERM00000001', s3SecretKey: 's' } });
    seed('a0000000-0000-0000-0000-000000000003', {
      specName: 'IAMRole Based',
      params: { bucketName: 'b', roleArn: 'arn:aws:iam::123456789012:role/r' },
    });
    seed('a0000000-0000-0000-0000-000000000004', {
      connectionSpecId: 'b7bf2577-4520-42c9-bae9-cad01560f7bc',
      params: {},
    });
    // A session-token connection whose GET omits the token: its ASIA key says it is temporary all the same.
    seed('a0000000-0000-0000-0000-000000000005');
    flowService.seedConnection({
      id: 'a0000000-0000-0000-0000-000000000006',
      orgId,
      sandboxName: 'dev',
      params: { s3AccessKey: 'ASIAOTHERSANDBOX0001', s3SecretKey: 's', s3SessionToken: 't' },
    });

    const scheduled = await newHandler()(SCHEDULED_EVENT);
    const manual = await newHandler()({ connectionIds: world.connectionIds });

    expect(scheduled.unmanagedTemporaryConnections).toEqual([
      {
        sandboxName: 'prod',
        connectionIds: ['a0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000005'],
      },
    ]);
    expect(manual).not.toHaveProperty('unmanagedTemporaryConnections');
    const listings = flowService.requests.filter((request) => request.path === '/connections');
    // Three pages of two in the one sandbox the targets are in, filtered by the S3 spec.
    expect(listings).toHaveLength(3);
    expect(listings[0]!.query).toMatchObject({ property: 'connectionSpec.id==ecadc60c-7455-4d87-84dc-2a0e293d997b' });
    expect(listings[1]!.query.continuationToken).toBeTruthy();
  });

  it("lists nothing with Adobe's check off (VERIFY_WITH_ADOBE=false)", async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod', flows: 1 }] });

    const summary = await newHandler({ env: { VERIFY_WITH_ADOBE: 'false' } })(SCHEDULED_EVENT);

    expect(summary).not.toHaveProperty('unmanagedTemporaryConnections');
    expect(summary.results[0]).not.toHaveProperty('dataflows');
    expect(
      world.emulators.flowService.requests
        .map((request) => request.path)
        .filter((path) => !path.startsWith('/connections/')),
    ).toEqual([]);
  });
});
