/**
 * The Flow Service emulator's listings: `GET /connections` filtered by connection spec and paged
 * with the `continuationToken` of `_links.next.href`, and the chain behind ingestion (source
 * connections, flows, runs), whose runs succeed or fail by what the base connection holds.
 */
import got, { type Headers } from 'got';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFlowServiceEmulator } from '../../../emulators/flow-service.js';
import { RUN_COPY_FAILED } from '../../../emulators/flow-service-dataflows.js';
import { startImsEmulator } from '../../../emulators/ims.js';
import { startStsEmulator } from '../../../emulators/sts.js';
import {
  S3_CONNECTION_SPEC_ID,
  type FlowServiceEmulator,
  type ImsEmulator,
  type StsEmulator,
} from '../../../emulators/types.js';
import { flowServiceHeaders } from '../../support/emulator-clients.js';

const ORG = '0A1B2C3D4E5F60718293A4B5@AdobeOrg';
const CLIENT = { clientId: 'rotator-client-id', clientSecret: 'p8e-rotator-client-secret', orgId: ORG };
const ROLE = 'arn:aws:iam::123456789012:role/aep-ingest';

let ims: ImsEmulator;
let sts: StsEmulator;
let flow: FlowServiceEmulator;
let headers: Headers;

beforeEach(async () => {
  ims = await startImsEmulator();
  ims.registerClient(CLIENT);
  sts = await startStsEmulator();
  flow = await startFlowServiceEmulator({ ims, sts });
  headers = await flowServiceHeaders(ims, CLIENT);
});

afterEach(() => Promise.all([flow.close(), sts.close(), ims.close()]));

function list(path: string, searchParams: Record<string, string> = {}, sandbox = 'prod') {
  return got.get(`${flow.url}${path}`, {
    headers: { ...headers, 'x-sandbox-name': sandbox },
    searchParams,
    throwHttpErrors: false,
    retry: { limit: 0 },
    responseType: 'json',
  }) as Promise<{
    statusCode: number;
    body: { items: Array<Record<string, unknown>>; _links?: { next?: { href: string } } };
  }>;
}

function seedS3(id: string, sandboxName = 'prod', params: Record<string, string> = {}) {
  return flow.seedConnection({
    id,
    orgId: ORG,
    sandboxName,
    params: { s3AccessKey: 'ASIAEXAMPLE000000001', s3SecretKey: 'secret', ...params },
  });
}

describe('GET /connections', () => {
  it("lists the sandbox's connections of one spec page by page, each naming the next in _links.next.href", async () => {
    for (const n of [1, 2, 3, 4, 5]) seedS3(`00000000-0000-0000-0000-00000000000${n}`);
    flow.seedConnection({
      id: 'other-spec',
      orgId: ORG,
      sandboxName: 'prod',
      connectionSpecId: 'b7bf2577-4520-42c9-bae9-cad01560f7bc',
      params: {},
    });
    seedS3('in-dev', 'dev');
    const filter = { property: `connectionSpec.id==${S3_CONNECTION_SPEC_ID}`, limit: '2' };

    const pages: string[][] = [];
    let next: Record<string, string> | undefined = filter;
    while (next) {
      const { statusCode, body } = await list('/connections', next);
      expect(statusCode).toBe(200);
      pages.push(body.items.map((item) => String(item.id)));
      const href = body._links?.next?.href;
      next = href ? Object.fromEntries(new URL(href, flow.url).searchParams) : undefined;
    }

    expect(pages).toEqual([
      ['00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000002'],
      ['00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000004'],
      ['00000000-0000-0000-0000-000000000005'],
    ]);
  });

  it('shows each listed connection as GET shows it: the secret params masked, never in clear', async () => {
    seedS3('c1', 'prod', { s3SessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE', bucketName: 'acme-landing' });

    const { body } = await list('/connections');

    expect(body.items[0]).toMatchObject({
      id: 'c1',
      auth: {
        specName: 'Access Key',
        params: { s3AccessKey: 'ASIAEXAMPLE000000001', s3SessionToken: '<redacted>', bucketName: 'acme-landing' },
      },
    });
    expect(JSON.stringify(body)).not.toContain('IQoJb3JpZ2luX2VjEXAMPLE');
  });

  it.each([
    ['a property that is not a filter', { property: 'connectionSpec.id' }],
    ['a limit that is not a positive whole number', { limit: '0' }],
    ['a continuationToken it never issued', { continuationToken: 'not-a-token' }],
  ])('refuses %s with 1100-400', async (_name, query) => {
    const { statusCode, body } = await list('/connections', query);

    expect(statusCode).toBe(400);
    expect(body).toMatchObject({ type: 'https://ns.adobe.com/aep/errors/FLOW-1100-400' });
  });

  it('answers a sandbox the org does not have with 2100-404', async () => {
    const { statusCode, body } = await list('/connections', {}, 'no-such-sandbox');

    expect(statusCode).toBe(404);
    expect(body).toMatchObject({ type: 'https://ns.adobe.com/aep/errors/FLOW-2100-404' });
  });
});

describe('source connections, flows and runs', () => {
  it('follows a base connection to its source connections, their flows and runs, filtered by property', async () => {
    seedS3('base-1');
    seedS3('base-2');
    const flowId = flow.seedFlow({ baseConnectionId: 'base-1', name: 'Orders' });
    flow.seedFlow({ baseConnectionId: 'base-2' });
    const older = flow.seedRun({ flowId, status: 'success', startedAt: 1_000 });
    const newer = flow.seedRun({
      flowId,
      status: 'failed',
      startedAt: 2_000,
      errors: [{ code: RUN_COPY_FAILED, message: 'copy failed' }],
    });

    const sources = await list('/sourceConnections', { property: 'baseConnectionId==base-1' });
    const flows = await list('/flows', { property: `sourceConnectionIds==${sources.body.items[0]!.id}` });
    const runs = await list('/runs', { property: `flowId==${flowId}`, orderby: '-createdAt' });

    expect(sources.body.items).toHaveLength(1);
    expect(flows.body.items.map((item) => [item.id, item.name])).toEqual([[flowId, 'Orders']]);
    expect(runs.body.items.map((item) => item.id)).toEqual([newer, older]);
    expect(runs.body.items[0]).toMatchObject({
      flowId,
      metrics: {
        durationSummary: { startedAtUTC: 2_000, completedAtUTC: 32_000 },
        statusSummary: { status: 'failed', errors: [{ code: RUN_COPY_FAILED, message: 'copy failed' }] },
      },
    });
  });

  it("runs a flow: it succeeds while the connection's credentials read its folder, fails once expired", async () => {
    const credentials = sts.issueRoleSession(ROLE, 'aep', 900);
    flow.putObjects('acme-landing', ['in/orders.csv']);
    seedS3('base-1', 'prod', {
      s3AccessKey: credentials.accessKeyId,
      s3SecretKey: credentials.secretAccessKey,
      s3SessionToken: credentials.sessionToken!,
      bucketName: 'acme-landing',
      folderPath: 'in',
    });
    const flowId = flow.seedFlow({ baseConnectionId: 'base-1' });

    const ran = flow.runFlow(flowId);
    sts.setClock(() => Date.now() + 3600_000);
    const [failed] = flow.runFlowsOf('base-1');
    const runs = await list('/runs', { property: `flowId==${flowId}` });

    expect(ran.status).toBe('success');
    expect(failed!.status).toBe('failed');
    const failedRun = runs.body.items.find((item) => item.id === failed!.id) as {
      metrics: { statusSummary: { errors: Array<{ code: string; message: string }> } };
    };
    expect(failedRun.metrics.statusSummary.errors).toEqual([
      { code: RUN_COPY_FAILED, message: expect.stringContaining('Amazon S3 answered ExpiredToken') },
    ]);
  });

  it('keeps every sandbox to itself', async () => {
    seedS3('base-dev', 'dev');
    flow.seedFlow({ baseConnectionId: 'base-dev' });

    const fromProd = await list('/flows');
    const fromDev = await list('/flows', {}, 'dev');

    expect(fromProd.body.items).toEqual([]);
    expect(fromDev.body.items).toHaveLength(1);
  });
});
