/**
 * Adobe Experience Platform Flow Service emulator: `GET` and `PATCH /connections/{id}` for base
 * connections, with the gateway's header checks, per-org-and-sandbox storage, Adobe's quoted
 * etags and optimistic concurrency through `If-Match`; `GET /connections` (paged), explore
 * (flow-service-explore.ts) and the chain behind ingestion: source connections, flows and runs
 * (flow-service-dataflows.ts).
 *
 * Faithful to /work/shared/reference/FLOW-SERVICE.md: every error carries a code Adobe documents
 * (ERR, CAT, TS), or none where Adobe's own answer has none (an `errorMessage`-only body, a
 * placeholder problem type), in the shape Adobe uses for it.
 */
import { randomUUID } from 'node:crypto';
import { Dataflows, listPage, MAX_PAGE_SIZE, RUN_COPY_FAILED } from './flow-service-dataflows.js';
import { flowError, messageOnly, placeholderProblem } from './flow-service-errors.js';
import {
  exploreConnection,
  ingestionFailure,
  type CredentialAuthority,
  type ExplorePaths,
  type ListPrefix,
} from './flow-service-explore.js';
import { Gateway } from './flow-service-gateway.js';
import { startEmulatorServer, type EmulatorResponse } from './http-server.js';
import { newEtag, sandboxIdOf } from './flow-service-ids.js';
import { applyPatch, parsePatch, PatchRejected, unknownParamOperation, UPDATABLE_STATES } from './json-patch.js';
import { S3Objects } from './s3-listing.js';
import {
  S3_CONNECTION_SPEC_ID,
  type FlowServiceEmulator,
  type ImsEmulator,
  type IssuedImsToken,
  type RecordedRequest,
  type SeedConnection,
  type StoredConnection,
} from './types.js';

export { flowProblem, gatewayError } from './flow-service-errors.js';
export type { CredentialAuthority } from './flow-service-explore.js';
export type { SourcesPermission } from './flow-service-gateway.js';

/** What GET shows instead of a secret param in `'masked'` mode. */
export const MASKED_SECRET_VALUE = '<redacted>';

/** The params GET never shows in clear (the SPEC only promises "a partial view of the credentials"). */
export const SECRET_PARAM_NAMES: readonly string[] = ['s3SecretKey', 's3SessionToken'];

/** `updatedBy` of the write {@link FlowServiceEmulator.concurrentEditBeforePatch} simulates. */
const CONCURRENT_EDITOR = 'concurrent-editor@AdobeID';

/** Seeded connections look created in the Experience Platform UI (SPEC: `createdClient: exc_app`). */
const SEED_CLIENT = 'exc_app';

/** Internal record: the public {@link StoredConnection} plus what only GET needs. */
type ConnectionRecord = {
  -readonly [K in keyof StoredConnection]: StoredConnection[K];
} & {
  description?: string;
  createdAt: number;
  createdBy: string;
  createdClient: string;
  updatedClient: string;
  explorePaths: ExplorePaths;
  listPrefix: ListPrefix;
};

/** A deep copy, so callers' snapshots do not move with later writes. */
function snapshot(record: ConnectionRecord): StoredConnection {
  return structuredClone(record);
}

/** Adobe's path prefix, which a client's base URL may keep. */
const API_PREFIX = /^\/data\/foundation\/flowservice(?=\/)/;
/** `/connections/{id}` and `/connections/{id}/explore`. */
const CONNECTION_PATH = /^\/connections\/([^/]+)(\/explore)?$/;
/** The collections that are only listed. */
const COLLECTIONS = new Set(['/connections', '/sourceConnections', '/flows', '/runs']);

/**
 * Start a Flow Service emulator on 127.0.0.1 that trusts tokens the given IMS emulator issued.
 *
 * @param options.ims - decides whether a bearer token is valid, and whose it is.
 * @param options.port - port to listen on. @default 0 (any free port)
 * @example
 * const flow = await startFlowServiceEmulator({ ims });
 * const { id } = flow.seedConnection({ orgId, sandboxName: 'prod', params: { s3AccessKey, s3SecretKey } });
 */
export async function startFlowServiceEmulator(options: {
  ims: Pick<ImsEmulator, 'validateToken'>;
  /**
   * Decides whether the credentials a connection holds would let S3 answer an explore.
   * @default none: every explore is refused with InvalidAccessKeyId
   */
  sts?: CredentialAuthority;
  port?: number;
  /** The region S3 decrypts SSE-KMS objects in (`kms:ViaService`). @default 'us-east-1' */
  region?: string;
}): Promise<FlowServiceEmulator> {
  const objects = new S3Objects();
  const exploreWorld = { objects, sts: options.sts, region: options.region ?? 'us-east-1' };
  const dataflows = new Dataflows();
  const failingFlows = new Set<string>();
  const gateway = new Gateway(options.ims);
  let pageSize = MAX_PAGE_SIZE;
  const connections = new Map<string, ConnectionRecord>();
  const pendingConcurrentEdits = new Map<string, number>();
  let secretParamsInGet: 'masked' | 'omitted' = 'masked';

  /** Record a write: new etag (every write gets one: SPEC `etag`), version, time and author. */
  function touch(record: ConnectionRecord, clientId: string, updatedBy: string): void {
    record.etag = newEtag(record.etagHistory);
    record.etagHistory.push(record.etag);
    record.version += 1;
    record.updatedAt = Date.now();
    record.updatedBy = updatedBy;
    record.updatedClient = clientId;
  }

  function toItem(record: ConnectionRecord) {
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(record.params)) {
      if (!SECRET_PARAM_NAMES.includes(name)) params[name] = value;
      else if (secretParamsInGet === 'masked') params[name] = MASKED_SECRET_VALUE;
    }
    return {
      id: record.id,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      createdBy: record.createdBy,
      updatedBy: record.updatedBy,
      createdClient: record.createdClient,
      updatedClient: record.updatedClient,
      sandboxId: sandboxIdOf(record.orgId, record.sandboxName),
      sandboxName: record.sandboxName,
      imsOrgId: record.orgId,
      name: record.name,
      description: record.description,
      connectionSpec: { id: record.connectionSpecId, version: '1.0' },
      state: record.state,
      auth: { specName: record.specName, params },
      // SPEC (ConnectionItemDTO): `version` is a string equal to the etag; the number is StoredConnection's counter.
      version: record.etag,
      etag: record.etag,
    };
  }

  function patch(request: RecordedRequest, record: ConnectionRecord, token: IssuedImsToken): EmulatorResponse {
    // Another writer's edit lands as soon as a PATCH reaches the connection, whatever the PATCH then gets.
    const pending = pendingConcurrentEdits.get(record.id) ?? 0;
    if (pending > 0) {
      pendingConcurrentEdits.set(record.id, pending - 1);
      touch(record, SEED_CLIENT, CONCURRENT_EDITOR);
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/json') {
      // TS: a content-type 400 comes as an RFC 7807 problem with a placeholder type, and no code.
      return placeholderProblem(
        400,
        'BadRequestError',
        `Content-Type ${contentType || '(none)'} is not supported: use application/json.`,
      );
    }
    const ifMatch = request.headers['if-match'];
    if (ifMatch === undefined)
      return flowError(
        400,
        '1403-400',
        'Header "If-Match" is missing in the request. Please provide the header and try again.',
      );

    let changes: ReturnType<typeof applyPatch>;
    try {
      const operations = parsePatch(request.body);
      // CAT 1365-400: a path to a param the connection spec does not have.
      const unknown = unknownParamOperation(operations, record.specName);
      if (unknown) {
        return flowError(
          400,
          '1365-400',
          `The path provided in ops is invalid: ${unknown.pointer} is not a param of connection spec ` +
            `"${record.specName}".`,
        );
      }
      changes = applyPatch(record, operations);
    } catch (error) {
      if (error instanceof PatchRejected) return error.response;
      throw error;
    }
    if (!UPDATABLE_STATES.has(record.state)) {
      return flowError(
        400,
        '1416-400',
        'Delete or update can only be applied on a connection with enabled, disabled or initializing state.',
      );
    }
    if (!record.patchEnabled) return flowError(400, '1445-400', 'PATCH connection feature not enabled.');
    // Compared exactly as sent, quotes included: S3-API sends the etag back as received.
    if (ifMatch !== record.etag) {
      return flowError(
        412,
        '1404-412',
        `Supplied version=[${ifMatch}] does not match the current version on entity=[${record.etag}]`,
      );
    }

    record.name = changes.name;
    record.description = changes.description;
    record.params = changes.params;
    touch(record, token.clientId, `${token.clientId}@AdobeID`);
    return { status: 200, body: { id: record.id, etag: record.etag } };
  }

  /**
   * A run of a flow, as Adobe would make it now with what its base connection holds (or failing, while a test says so).
   */
  function runFlow(flowId: string, startedAt?: number): { id: string; status: 'success' | 'failed' } {
    const baseId = dataflows.baseConnectionOf(flowId);
    const record = baseId === undefined ? undefined : connections.get(baseId);
    if (!record) throw new Error(`flow ${flowId} reads no seeded base connection`);
    const failure = failingFlows.has(flowId)
      ? 'Error found in copying files from the source: the files could not be parsed'
      : ingestionFailure(record, exploreWorld);
    const errors = failure === undefined ? [] : [{ code: RUN_COPY_FAILED, message: failure }];
    return {
      id: dataflows.seedRun({ flowId, status: failure === undefined ? 'success' : 'failed', startedAt, errors }),
      status: failure === undefined ? 'success' : 'failed',
    };
  }

  const server = await startEmulatorServer(
    (request) => {
      const path = request.path.replace(API_PREFIX, '');
      const match = CONNECTION_PATH.exec(path);
      // No route, no wrong method: Adobe documents no code for either, so none is invented.
      if (!match && !COLLECTIONS.has(path)) return messageOnly(404, `No route for ${request.method} ${request.path}`);
      const exploring = match?.[2] !== undefined;
      const allowed = match && !exploring ? ['GET', 'PATCH'] : ['GET'];
      if (!allowed.includes(request.method))
        return {
          ...messageOnly(405, `Method ${request.method} is not allowed`),
          headers: { allow: allowed.join(', ') },
        };
      const auth = gateway.admit(request.method, request.headers);
      if ('status' in auth) return auth;
      const scope = { orgId: auth.token.orgId, sandboxName: auth.sandboxName };
      if (!match) {
        if (path !== '/connections') return dataflows.handle(path, request.query, scope, pageSize)!;
        const inScope = [...connections.values()].filter(
          (record) => record.orgId === scope.orgId && record.sandboxName === scope.sandboxName,
        );
        return listPage('connections', inScope.map(toItem), request.query, pageSize);
      }

      let id: string;
      try {
        id = decodeURIComponent(match[1]!);
      } catch {
        id = match[1]!;
      }
      const record = connections.get(id);
      // Connections live in one org and one sandbox: elsewhere they do not exist (ERR 1101-404).
      if (!record || record.orgId !== auth.token.orgId || record.sandboxName !== auth.sandboxName) {
        return flowError(404, '1101-404', `Connection not found: the resource with id ${id} does not exist.`);
      }
      if (exploring) return exploreConnection(request.query, record, exploreWorld);
      return request.method === 'GET'
        ? { status: 200, body: { items: [toItem(record)] } }
        : patch(request, record, auth.token);
    },
    { port: options.port },
  );

  return {
    ...server,
    // A storm of other writers' edits is a fault too.
    clearFaults() {
      server.clearFaults();
      pendingConcurrentEdits.clear();
      failingFlows.clear();
    },
    seedConnection(seed: SeedConnection) {
      const id = seed.id ?? randomUUID();
      if (connections.has(id)) throw new Error(`connection ${id} is already seeded`);
      const now = Date.now();
      const etag = newEtag([]);
      const record: ConnectionRecord = {
        id,
        orgId: seed.orgId,
        sandboxName: seed.sandboxName,
        name: seed.name ?? 'Amazon S3 base connection',
        description: 'Amazon S3 base connection with temporary session token',
        connectionSpecId: seed.connectionSpecId ?? S3_CONNECTION_SPEC_ID,
        specName: seed.specName ?? 'Access Key',
        params: { ...seed.params },
        state: seed.state ?? 'enabled',
        patchEnabled: seed.patchEnabled ?? true,
        etag,
        etagHistory: [etag],
        version: 1,
        createdAt: now,
        updatedAt: now,
        createdBy: `${SEED_CLIENT}@AdobeID`,
        updatedBy: `${SEED_CLIENT}@AdobeID`,
        createdClient: SEED_CLIENT,
        updatedClient: SEED_CLIENT,
        explorePaths: seed.explorePaths ?? 'absolute',
        listPrefix: seed.listPrefix ?? 'with-slash',
      };
      connections.set(id, record);
      gateway.addSandbox(seed.orgId, seed.sandboxName);
      return snapshot(record);
    },
    getConnection(id) {
      const record = connections.get(id);
      return record && snapshot(record);
    },
    listConnections() {
      return [...connections.values()].map(snapshot);
    },
    stopConcurrentEdits(connectionId) {
      pendingConcurrentEdits.delete(connectionId);
    },
    deleteConnection(id) {
      return connections.delete(id);
    },
    concurrentEditBeforePatch(connectionId, times = 1) {
      if (!connections.has(connectionId)) throw new Error(`no connection ${connectionId} is seeded`);
      pendingConcurrentEdits.set(connectionId, (pendingConcurrentEdits.get(connectionId) ?? 0) + times);
    },
    setSecretParamsInGet(mode) {
      secretParamsInGet = mode;
    },
    setSourcesPermission(clientId, sandboxName, permission) {
      gateway.setSourcesPermission(clientId, sandboxName, permission);
    },
    setEntitled(clientId, entitled) {
      gateway.setEntitled(clientId, entitled);
    },
    putObjects(bucket, keys, objectOptions) {
      objects.put(bucket, keys, objectOptions);
    },
    addSandbox(orgId, sandboxName) {
      gateway.addSandbox(orgId, sandboxName);
    },
    setListPageSize(size) {
      pageSize = size;
    },
    seedSourceConnection(seed) {
      const base = connections.get(seed.baseConnectionId);
      if (!base) throw new Error(`no base connection ${seed.baseConnectionId} is seeded`);
      return dataflows.seedSourceConnection({ ...seed, orgId: base.orgId, sandboxName: base.sandboxName });
    },
    seedFlow(seed) {
      const base = connections.get(seed.baseConnectionId);
      if (!base) throw new Error(`no base connection ${seed.baseConnectionId} is seeded`);
      const sourceConnectionId = dataflows.seedSourceConnection({
        orgId: base.orgId,
        sandboxName: base.sandboxName,
        baseConnectionId: base.id,
      });
      return dataflows.seedFlow({
        id: seed.id,
        name: seed.name,
        state: seed.state,
        orgId: base.orgId,
        sandboxName: base.sandboxName,
        sourceConnectionIds: [sourceConnectionId],
      });
    },
    seedRun(seed) {
      return dataflows.seedRun(seed);
    },
    runFlow(flowId, startedAt) {
      return runFlow(flowId, startedAt);
    },
    failFlowRuns(flowId, failing = true) {
      if (failing) failingFlows.add(flowId);
      else failingFlows.delete(flowId);
    },
    runFlowsOf(baseConnectionId, startedAt) {
      return dataflows.flowsOf(baseConnectionId).map((flowId) => runFlow(flowId, startedAt));
    },
    setBucketOwner(bucket, account) {
      objects.setOwner(bucket, account);
    },
    throttleAtGateway(times, retryAfterSeconds = 1) {
      gateway.throttleAtGateway(times, retryAfterSeconds);
    },
  };
}
