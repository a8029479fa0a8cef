/**
 * Every recording of Flow Service in `test/contract/` (made by `probe --record`, or built from
 * Adobe's documented examples): the rotator's client reads each answer as Adobe gave it, its own
 * check of the connection makes exactly the requests the recording holds, and the emulator answers
 * the same requests in the same shapes.
 */
import got from 'got';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shapeOf, type RecordedExchange } from '../../../cli/probe-recording.js';
import { startFlowServiceEmulator } from '../../../emulators/flow-service.js';
import { startImsEmulator } from '../../../emulators/ims.js';
import { startStsEmulator } from '../../../emulators/sts.js';
import type { FlowServiceEmulator, ImsEmulator, StsEmulator } from '../../../emulators/types.js';
import { readAdobeErrorBody } from '../../../lambda/adobe-errors.js';
import { checkAdobeAccess } from '../../../lambda/adobe-verification.js';
import { classifyConnection } from '../../../lambda/connection-inventory.js';
import { declaredScope } from '../../../lambda/connection-scope.js';
import { FlowServiceError } from '../../../lambda/errors.js';
import {
  FlowServiceClient,
  type BaseConnection,
  type ExploreQuery,
  type FileQuery,
  type ListQuery,
} from '../../../lambda/flow-service-client.js';
import {
  exchangeOf,
  FAST_HTTP_POLICY,
  loadRecordings,
  requestImsToken,
  shapeDifferences,
  startReplayServer,
} from '../../support/index.js';

const recordings = loadRecordings();
const CLIENT = { clientId: 'contract-client', clientSecret: 'p8e-contract-client-secret' };

it("ships at least the recording built from Adobe's documented examples", () => {
  expect(recordings.map(({ file }) => file)).toContain('adobe-documented-examples.json');
});

describe.each(recordings)('$file', ({ recording }) => {
  const connectionId = exchangeOf(recording, 'get-connection')!.request.path.split('/').pop()!;
  const sandboxName = exchangeOf(recording, 'get-connection')!.request.sandboxName;
  const recordedItem = (
    exchangeOf(recording, 'get-connection')!.response.body as { items?: Array<BaseConnection & { imsOrgId?: string }> }
  ).items?.[0];

  it("holds every exchange probe makes, the connection's GET first", () => {
    expect(recording.exchanges[0]!.name).toBe('get-connection');
    for (const name of ['get-connection', 'list-connections', 'error-unknown-connection'] as const)
      expect(exchangeOf(recording, name), name).toBeDefined();
  });

  describe('replayed against the client', () => {
    let replay: Awaited<ReturnType<typeof startReplayServer>>;
    let client: FlowServiceClient;
    beforeAll(async () => {
      replay = await startReplayServer(recording);
      const credentials = () =>
        Promise.resolve({ ...CLIENT, orgId: recordedItem?.imsOrgId ?? 'ORG@AdobeOrg' } as never);
      const tokens = {
        authFor: () => ({
          credentials,
          getToken: async () => 'replayed-token',
          refreshAfterUnauthorized: async () => 'replayed-token',
        }),
      } as never;
      client = new FlowServiceClient({
        baseUrl: replay.url,
        policy: { ...FAST_HTTP_POLICY, retryLimit: 0 },
        tokens,
        credentials,
      });
    });
    afterAll(() => replay.close());

    it('reads each answer the way the rotator does', async () => {
      for (const exchange of recording.exchanges) {
        const { request, response } = exchange;
        const call = readWithClient(client, exchange, connectionId);
        if (response.status >= 400) {
          const error = await call.then(
            () => undefined,
            (thrown: unknown) => thrown,
          );
          expect(error, exchange.name).toBeInstanceOf(FlowServiceError);
          const { code, detail } = readAdobeErrorBody(response.body);
          expect((error as FlowServiceError).statusCode, exchange.name).toBe(response.status);
          expect((error as FlowServiceError).errorCode, exchange.name).toBe(code);
          if (detail) expect((error as FlowServiceError).message, exchange.name).toContain(detail.slice(0, 60));
          continue;
        }
        const value = await call;
        if (exchange.name === 'get-connection') expect((value as BaseConnection).etag, request.path).toMatch(/^".+"$/);
        if (exchange.name === 'list-connections') {
          const page = value as Awaited<ReturnType<FlowServiceClient['listPage']>>;
          for (const item of page.items)
            expect(classifyConnection(item, sandboxName, new Set())?.kind, 'a listed S3 connection').toBeDefined();
          if ((response.body as { _links?: unknown })._links)
            expect(page.continuationToken, 'the next page').toBeTruthy();
        }
      }
      expect(replay.unmatched).toEqual([]);
    });

    it('checks the connection with exactly the requests the recording holds (listing, then preview)', async () => {
      const declared = recordedItem && declaredScope(recordedItem);
      if (!declared || !exchangeOf(recording, 'explore-folder')) return;

      const access = await checkAdobeAccess(client, { connectionId, sandboxName, reads: declared, declared }, {});

      expect(access).toMatchObject({ canList: true, form: 'absolute' });
      if (exchangeOf(recording, 'explore-file')) expect(access).toMatchObject({ canRead: true });
      expect(replay.unmatched).toEqual([]);
    });
  });

  describe('asked of the emulator', () => {
    let ims: ImsEmulator;
    let sts: StsEmulator;
    let flow: FlowServiceEmulator;
    let headers: Record<string, string>;
    beforeAll(async () => {
      const orgId = recordedItem?.imsOrgId ?? 'AAAABBBBCCCCDDDD00001111@AdobeOrg';
      ims = await startImsEmulator();
      ims.registerClient({ ...CLIENT, orgId });
      sts = await startStsEmulator();
      flow = await startFlowServiceEmulator({ ims, sts });
      seedAsRecorded(flow, sts, recording.exchanges, { connectionId, sandboxName, orgId, item: recordedItem });
      const { accessToken } = await requestImsToken(ims.url, CLIENT);
      headers = { authorization: `Bearer ${accessToken}`, 'x-api-key': CLIENT.clientId, 'x-gw-ims-org-id': orgId };
    });
    afterAll(() => Promise.all([flow.close(), sts.close(), ims.close()]));

    it.each(recording.exchanges.map((exchange) => [exchange.name, exchange] as const))(
      'answers %s with the recorded status, in the recorded shape',
      async (_name, exchange) => {
        const answer = await got.get(`${flow.url}${exchange.request.path}`, {
          headers: { ...headers, 'x-sandbox-name': exchange.request.sandboxName },
          searchParams: exchange.request.query,
          throwHttpErrors: false,
          retry: { limit: 0 },
          responseType: 'json',
        });

        expect(answer.statusCode).toBe(exchange.response.status);
        expect(shapeDifferences(shapeOf(exchange.response.body), shapeOf(answer.body))).toEqual([]);
        if (exchange.response.status >= 400)
          expect(readAdobeErrorBody(answer.body).code).toBe(readAdobeErrorBody(exchange.response.body).code);
      },
    );
  });
});

/** The client call that makes a recorded request. */
function readWithClient(client: FlowServiceClient, exchange: RecordedExchange, connectionId: string): Promise<unknown> {
  const { path, query, sandboxName } = exchange.request;
  const id = decodeURIComponent(path.split('/')[2] ?? connectionId);
  if (path === '/connections') return client.listPage('connections', sandboxName, query as ListQuery);
  if (path.endsWith('/explore')) {
    return query.objectType === 'file'
      ? client.previewFile(id, sandboxName, query as unknown as FileQuery)
      : client.exploreConnection(id, sandboxName, query as ExploreQuery);
  }
  return client.getConnection(id, sandboxName);
}

/**
 * Seed the emulator as the recording's org looked: the recorded connection (its id, name and
 * params, with live credentials), a second S3 connection so a page of one has a next, and every
 * file the recorded listings show.
 */
function seedAsRecorded(
  flow: FlowServiceEmulator,
  sts: StsEmulator,
  exchanges: readonly RecordedExchange[],
  {
    connectionId,
    sandboxName,
    orgId,
    item,
  }: { connectionId: string; sandboxName: string; orgId: string; item?: BaseConnection },
): void {
  const live = sts.issueRoleSession('arn:aws:iam::123456789012:role/contract', 'contract');
  const recordedParams = (item?.auth?.params ?? {}) as Record<string, unknown>;
  const params: Record<string, string> = {
    s3AccessKey: live.accessKeyId,
    s3SecretKey: live.secretAccessKey,
    s3SessionToken: live.sessionToken!,
  };
  for (const [name, value] of Object.entries(recordedParams))
    if (!(name in params) && typeof value === 'string') params[name] = value;
  flow.seedConnection({
    id: connectionId,
    orgId,
    sandboxName,
    name: item?.name,
    specName: item?.auth?.specName,
    params,
  });
  flow.seedConnection({
    orgId,
    sandboxName,
    params: { s3AccessKey: 'ASIASECONDCONNECTION', s3SecretKey: 's', s3SessionToken: 't' },
  });
  for (const exchange of exchanges) {
    if (!Array.isArray(exchange.response.body)) continue;
    for (const entry of exchange.response.body as Array<{ type?: string; path?: string }>) {
      const match = entry.type === 'file' ? /^\/([^/]+)\/(.+)$/.exec(entry.path ?? '') : undefined;
      if (match) flow.putObjects(match[1]!, [match[2]!]);
      // A folder the root shows exists in S3 only while a key is under it.
      const folder = entry.type === 'folder' ? /^\/([^/]+)\/(.*)$/.exec(entry.path ?? '') : undefined;
      if (folder?.[2]) flow.putObjects(folder[1]!, [`${folder[2]}.keep`]);
    }
  }
}
