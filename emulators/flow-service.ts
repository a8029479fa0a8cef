/**
 * Adobe Experience Platform Flow Service emulator: `GET` and `PATCH /connections/{id}` for base
 * connections, with the gateway's header checks, per-org-and-sandbox storage, Adobe's quoted
 * etags and optimistic concurrency through `If-Match`.
 *
 * Faithful to /work/shared/reference/FLOW-SERVICE.md; error codes come from its table, which
 * cites Experience League's "Flow Service error messages" (ERR) and troubleshooting guide (TS).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { flowError, gatewayRefusal } from './flow-service-errors.js';
import { startEmulatorServer, type EmulatorResponse } from './http-server.js';
import { applyPatch, parsePatch, PatchRejected } from './json-patch.js';
import { S3Objects, sessionPolicyAllowsList } from './s3-listing.js';
import {
  S3_CONNECTION_SPEC_ID,
  type FlowServiceEmulator,
  type ImsEmulator,
  type IssuedImsToken,
  type RecordedRequest,
  type SeedConnection,
  type StoredConnection,
  type StsEmulator,
} from './types.js';

export { flowProblem, gatewayError } from './flow-service-errors.js';

/** What GET shows instead of a secret param in `'masked'` mode. */
export const MASKED_SECRET_VALUE = '<redacted>';

/** The params GET never shows in clear (the SPEC only promises "a partial view of the credentials"). */
export const SECRET_PARAM_NAMES: readonly string[] = ['s3SecretKey', 's3SessionToken'];

/** States in which a connection may be updated (ERR `1416-400`). */
const UPDATABLE_STATES = new Set(['enabled', 'disabled', 'initializing']);

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
};

/** What a client may do with connections in one sandbox (through its product profile). */
export type SourcesPermission = 'manage' | 'view' | 'none';

/**
 * A new etag in Adobe's format, quotes included: `"\"1400dd53-0000-0200-0000-5f3f23450000\""`
 * (S3-API). The shape is Cosmos DB's: 8 random hex digits, a fixed middle, and the write time in
 * epoch seconds as hex followed by `0000`.
 */
function newEtag(previous: readonly string[]): string {
  const seconds = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, '0');
  for (;;) {
    const etag = `"${randomBytes(4).toString('hex')}-0000-0200-0000-${seconds}0000"`;
    if (!previous.includes(etag)) return etag;
  }
}

/** A deep copy, so callers' snapshots do not move with later writes. */
function snapshot(record: ConnectionRecord): StoredConnection {
  return structuredClone(record);
}

/** Routes: the client's base URL is the emulator URL, or it keeps Adobe's path prefix. */
const CONNECTION_PATH = /^(?:\/data\/foundation\/flowservice)?\/connections\/([^/]+)(\/explore)?$/;

/** What S3 says when it refuses the credentials a connection holds (S3 error responses). */
const S3_REFUSALS = {
  InvalidAccessKeyId: 'The AWS Access Key Id you provided does not exist in our records.',
  SignatureDoesNotMatch: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  InvalidToken: 'The provided token is malformed or otherwise invalid.',
  ExpiredToken: 'The provided token has expired.',
  AccessDenied: 'Access Denied',
} as const;

/** The STS emulator as the explore route needs it: who issued the credentials a connection holds, and with what session policy. */
export type CredentialAuthority = Pick<StsEmulator, 'credentialsFor' | 'now'> & { policyOf?(accessKeyId: string): string | undefined };

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
  /** Decides whether the credentials a connection holds would let S3 answer an explore. @default none: every explore is refused with InvalidAccessKeyId */
  sts?: CredentialAuthority;
  port?: number;
}): Promise<FlowServiceEmulator> {
  const objects = new S3Objects();
  const connections = new Map<string, ConnectionRecord>();
  const pendingConcurrentEdits = new Map<string, number>();
  let secretParamsInGet: 'masked' | 'omitted' = 'masked';
  const permissions = new Map<string, SourcesPermission>();
  const notEntitled = new Set<string>();
  const gatewayThrottle = { remaining: 0, retryAfterSeconds: 1 };

  /** Record a write: new etag (every write gets one: SPEC `etag`), version, time and author. */
  function touch(record: ConnectionRecord, clientId: string, updatedBy: string): void {
    record.etag = newEtag(record.etagHistory);
    record.etagHistory.push(record.etag);
    record.version += 1;
    record.updatedAt = Date.now();
    record.updatedBy = updatedBy;
    record.updatedClient = clientId;
  }

  /**
   * Gateway and Flow Service header checks, in the order the gateway applies them. Token and
   * API key failures come from the gateway and use its shape (TS); org and sandbox failures are
   * Flow Service's own codes (ERR "authorization user token validation errors").
   */
  function authenticate(headers: Record<string, string>): { token: IssuedImsToken; sandboxName: string } | EmulatorResponse {
    const authorization = headers.authorization;
    if (!authorization) return gatewayRefusal(403, '403010', 'Oauth token is missing');
    const bearer = /^bearer\s+(\S+)$/i.exec(authorization)?.[1];
    const token = bearer ? options.ims.validateToken(bearer) : undefined;
    if (!token) return gatewayRefusal(401, '401013', 'Oauth token is not valid');
    const apiKey = headers['x-api-key'];
    if (!apiKey) return gatewayRefusal(403, '403000', 'Api Key is required');
    if (apiKey !== token.clientId) return gatewayRefusal(403, '403003', 'Api Key is invalid');
    const orgId = headers['x-gw-ims-org-id'];
    if (!orgId) return gatewayRefusal(400, '400003', 'Missing header x-gw-ims-org-id');
    if (notEntitled.has(token.clientId)) return gatewayRefusal(403, '403025', 'Profile is not valid');
    if (gatewayThrottle.remaining > 0) {
      gatewayThrottle.remaining -= 1;
      return gatewayRefusal(429, '429050', 'Too many requests', { 'retry-after': String(gatewayThrottle.retryAfterSeconds) });
    }
    if (orgId !== token.orgId) {
      return flowError(401, '2000-401', 'The authorization token does not have access to this organization or the organization does not exist.');
    }
    const sandboxName = headers['x-sandbox-name'];
    if (!sandboxName) return flowError(400, '2105-400', 'The header x-sandbox-name is missing in the request.');
    return { token, sandboxName };
  }

  /** The client's Sources permission in the sandbox: `manage` unless a test narrowed it. */
  function permissionOf(clientId: string, sandboxName: string): SourcesPermission {
    return permissions.get(`${clientId}\u0000${sandboxName}`) ?? 'manage';
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
      // No documented code for a wrong media type: ERR's generic "Invalid request" (1100-400), which
      // the client treats like every unknown 4xx: a bug, never retried.
      return flowError(400, '1100-400', 'Invalid request: Content-Type must be application/json.');
    }
    const ifMatch = request.headers['if-match'];
    if (ifMatch === undefined) return flowError(400, '1403-400', 'Header "If-Match" is missing in the request. Please provide the header and try again.');

    let changes: ReturnType<typeof applyPatch>;
    try {
      changes = applyPatch(record, parsePatch(request.body));
    } catch (error) {
      if (error instanceof PatchRejected) return error.response;
      throw error;
    }
    if (!UPDATABLE_STATES.has(record.state)) {
      return flowError(400, '1416-400', 'Delete or update can only be applied on a connection with enabled, disabled or initializing state.');
    }
    if (!record.patchEnabled) return flowError(400, '1445-400', 'PATCH connection feature not enabled.');
    // Compared exactly as sent, quotes included: S3-API sends the etag back as received.
    if (ifMatch !== record.etag) {
      return flowError(412, '1404-412', `Supplied version=[${ifMatch}] does not match the current version on entity=[${record.etag}]`);
    }

    record.name = changes.name;
    record.description = changes.description;
    record.params = changes.params;
    touch(record, token.clientId, `${token.clientId}@AdobeID`);
    return { status: 200, body: { id: record.id, etag: record.etag } };
  }

  /**
   * `GET /connections/{id}/explore`: Flow Service lists S3 with exactly the credentials the
   * connection holds (S3 and cloud-storage exploration tutorials). `objectType=root` lists the
   * connection's bucket from its top; `objectType=folder&object=/<bucket>/<folder>/` lists a
   * folder. A refusal from S3 comes back as Flow Service's generic `1100-400` problem, whose detail
   * carries S3's own error code and message.
   */
  function explore(request: RecordedRequest, record: ConnectionRecord): EmulatorResponse {
    const objectType = request.query.objectType?.toLowerCase();
    if (objectType !== 'root' && objectType !== 'folder') {
      return flowError(400, '1100-400', `Invalid request: objectType must be root or folder; got ${JSON.stringify(request.query.objectType ?? null)}.`);
    }
    let bucket: string | undefined;
    let prefix = '';
    if (objectType === 'folder') {
      const object = request.query.object;
      // The docs show folder paths as /some/path/: the first segment is the bucket.
      const match = object === undefined ? undefined : /^\/([^/]+)(?:\/(.*))?$/.exec(object);
      if (!match)
        return flowError(
          400,
          '1100-400',
          `Invalid request: objectType folder needs object, a folder path such as /<bucket>/<folder>/; got ${JSON.stringify(object ?? null)}.`,
        );
      bucket = match[1];
      prefix = (match[2] ?? '').replace(/\/*$/, '/').replace(/^\/$/, '');
    } else {
      bucket = record.params.bucketName;
    }

    const refuse = (code: keyof typeof S3_REFUSALS) =>
      flowError(400, '1100-400', `The request could not be processed. Flow provider error: Amazon S3 answered ${code}: ${S3_REFUSALS[code]}`);
    const { s3AccessKey, s3SecretKey, s3SessionToken } = record.params;
    const issued = s3AccessKey ? options.sts?.credentialsFor(s3AccessKey) : undefined;
    if (!issued) return refuse('InvalidAccessKeyId');
    if (issued.secretAccessKey !== s3SecretKey) return refuse('SignatureDoesNotMatch');
    if ((issued.sessionToken ?? undefined) !== (s3SessionToken ?? undefined)) return refuse('InvalidToken');
    if (issued.expiration && issued.expiration.getTime() <= options.sts!.now()) return refuse('ExpiredToken');
    const policy = options.sts!.policyOf?.(s3AccessKey!);
    if (bucket === undefined) {
      // No bucket to list: ListAllMyBuckets, which no session policy of the rotator allows.
      if (policy !== undefined) return refuse('AccessDenied');
      return {
        status: 200,
        body: objects.bucketNames().map((name) => ({ type: 'folder', name, path: `/${name}/`, canPreview: false, canFetchSchema: false })),
      };
    }
    if (!sessionPolicyAllowsList(policy, bucket, prefix, objects.ownerOf(bucket))) return refuse('AccessDenied');
    return { status: 200, body: objects.list(bucket, prefix) };
  }

  const server = await startEmulatorServer(
    (request) => {
      const match = CONNECTION_PATH.exec(request.path);
      if (!match) return gatewayRefusal(404, '404050', `No route for ${request.method} ${request.path}`);
      const auth = authenticate(request.headers);
      if ('status' in auth) return auth;
      const exploring = match[2] !== undefined;
      if (exploring ? request.method !== 'GET' : request.method !== 'GET' && request.method !== 'PATCH') {
        return { ...gatewayRefusal(405, '405050', `Method ${request.method} is not allowed`), headers: { allow: exploring ? 'GET' : 'GET, PATCH' } };
      }
      // Permissions are per sandbox, through the credential's product profile: a client may read
      // connections it cannot write (CAT: missing permission, 403).
      const permission = permissionOf(auth.token.clientId, auth.sandboxName);
      if (permission === 'none' || (permission === 'view' && request.method !== 'GET')) {
        const needed = request.method === 'GET' ? 'View Sources' : 'Manage Sources';
        return flowError(
          403,
          '2118-403',
          `The user or client does not have the required permission to perform this operation: ${needed} in sandbox ${auth.sandboxName}. Contact your administrator to grant access through a product profile.`,
        );
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
      if (exploring) return explore(request, record);
      return request.method === 'GET' ? { status: 200, body: { items: [toItem(record)] } } : patch(request, record, auth.token);
    },
    { port: options.port },
  );

  return {
    ...server,
    // A storm of other writers' edits is a fault too.
    clearFaults() {
      server.clearFaults();
      pendingConcurrentEdits.clear();
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
      };
      connections.set(id, record);
      return snapshot(record);
    },
    getConnection(id) {
      const record = connections.get(id);
      return record && snapshot(record);
    },
    listConnections() {
      return [...connections.values()].map(snapshot);
    },
    concurrentEditBeforePatch(connectionId, times = 1) {
      if (!connections.has(connectionId)) throw new Error(`no connection ${connectionId} is seeded`);
      pendingConcurrentEdits.set(connectionId, (pendingConcurrentEdits.get(connectionId) ?? 0) + times);
    },
    setSecretParamsInGet(mode) {
      secretParamsInGet = mode;
    },
    setSourcesPermission(clientId, sandboxName, permission) {
      permissions.set(`${clientId}\u0000${sandboxName}`, permission);
    },
    setEntitled(clientId, entitled) {
      if (entitled) notEntitled.delete(clientId);
      else notEntitled.add(clientId);
    },
    putObjects(bucket, keys) {
      objects.put(bucket, keys);
    },
    setBucketOwner(bucket, account) {
      objects.setOwner(bucket, account);
    },
    throttleAtGateway(times, retryAfterSeconds = 1) {
      gatewayThrottle.remaining = times;
      gatewayThrottle.retryAfterSeconds = retryAfterSeconds;
    },
  };
}
