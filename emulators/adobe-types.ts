/**
 * The public face of the Adobe emulators (IMS, Flow Service): how tests seed credentials and
 * connections, and what the emulators keep for assertions.
 */
import type { Emulator } from './emulator.js';

// ---------------------------------------------------------------- IMS

export interface ImsClientRegistration {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly orgId: string;
  /**
   * Whether the credential's Developer Console project has the I/O Management API added: only
   * then do its tokens carry `adobeio_api`, `read_client_secret` and `manage_client_secrets`.
   * @default false (or what an earlier registration of the client said)
   */
  readonly ioManagementApi?: boolean;
}

/**
 * One of a credential's client secrets, as IMS keeps it (the value for assertions only: Adobe never returns it again).
 */
export interface ImsClientSecret {
  readonly uuid: string;
  readonly value: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms of the last token IMS issued with this secret; undefined until then. */
  lastUsedAt?: number;
}

export interface IssuedImsToken {
  readonly accessToken: string;
  readonly clientId: string;
  readonly orgId: string;
  readonly expiresAt: number;
  /** The scopes the token carries: those requested, less the I/O Management API's when the project lacks it. */
  readonly scopes: readonly string[];
  /** The uuid of the client secret the token was issued with (deleting that secret revokes the token). */
  readonly clientSecretUuid: string;
}

export interface ImsEmulator extends Emulator {
  /**
   * Register a credential with this one client secret (again: its other secrets are gone, as replaced in Developer
   * Console).
   */
  registerClient(client: ImsClientRegistration): void;
  /** The credential's client secrets, oldest first (copies). */
  clientSecrets(clientId: string): ImsClientSecret[];
  /**
   * Add a client secret (as Developer Console or the I/O Management API would); undefined when the credential already
   * has two.
   */
  addClientSecret(clientId: string): ImsClientSecret | undefined;
  /** Delete a client secret and revoke every token issued with it; false when the credential has no such secret. */
  deleteClientSecret(clientId: string, uuid: string): boolean;
  /** Add or remove the I/O Management API from the credential's project (its next tokens carry its scopes, or not). */
  setIoManagementApi(clientId: string, added: boolean): void;
  /** Every client secret value IMS ever knew (registered or added), deleted ones too: for leak searches. */
  readonly issuedClientSecrets: readonly string[];
  /** Lifetime of tokens issued from now on. @default 86399 */
  setExpiresInSeconds(seconds: number): void;
  /** Every token issued so far (tests search output for them). */
  readonly issuedTokens: IssuedImsToken[];
  /** The token's holder if it was issued here, is not revoked and has not expired. */
  validateToken(accessToken: string): IssuedImsToken | undefined;
  /** Revoke every token issued so far (Flow Service then answers 401). */
  revokeAllTokens(): void;
}

// ---------------------------------------------------------------- Flow Service

export const S3_CONNECTION_SPEC_ID = 'ecadc60c-7455-4d87-84dc-2a0e293d997b';

export interface SeedConnection {
  /** @default a random uuid */
  readonly id?: string;
  readonly orgId: string;
  readonly sandboxName: string;
  /** @default 'Amazon S3 base connection' */
  readonly name?: string;
  /** @default S3_CONNECTION_SPEC_ID */
  readonly connectionSpecId?: string;
  /** @default 'Access Key' */
  readonly specName?: string;
  /** e.g. { s3AccessKey, s3SecretKey, s3SessionToken?, bucketName?, folderPath? } */
  readonly params: Record<string, string>;
  /** @default 'enabled' */
  readonly state?: string;
  /** When false, PATCH answers `1445-400`. @default true */
  readonly patchEnabled?: boolean;
  /**
   * How its explore reads `object`: `absolute` (`/<bucket>/<folder>/`) or `relative` to the folder
   * the connection declares in `bucketName`/`folderPath` (FLOW-SERVICE.md: not documented). @default 'absolute'
   */
  readonly explorePaths?: 'absolute' | 'relative';
  /** Which `s3:prefix` its explore lists a folder with: `crm/daily/` or `crm/daily`. @default 'with-slash' */
  readonly listPrefix?: 'with-slash' | 'without-slash';
}

/** A dataflow reading a base connection (through a source connection the emulator creates for it). */
export interface SeedFlowOfConnection {
  readonly id?: string;
  readonly baseConnectionId: string;
  /** @default 'S3 dataflow' */
  readonly name?: string;
  /** @default 'enabled' */
  readonly state?: string;
}

/** A connection as stored (secrets in clear: for assertions only, never returned by GET). */
export interface StoredConnection {
  readonly id: string;
  readonly orgId: string;
  readonly sandboxName: string;
  readonly name: string;
  readonly connectionSpecId: string;
  readonly specName: string;
  readonly params: Record<string, string>;
  readonly state: string;
  readonly patchEnabled: boolean;
  /** Quoted, as Adobe sends it: `"\"1400dd53-0000-0200-0000-5f3f23450000\""`. */
  readonly etag: string;
  readonly version: number;
  readonly updatedAt: number;
  readonly updatedBy: string;
  /** Every etag this connection has had, oldest first. */
  readonly etagHistory: string[];
}

export interface FlowServiceEmulator extends Emulator {
  seedConnection(seed: SeedConnection): StoredConnection;
  getConnection(id: string): StoredConnection | undefined;
  listConnections(): StoredConnection[];
  /** Delete a connection (as the Experience Platform UI would); true when there was one. */
  deleteConnection(id: string): boolean;
  /**
   * Simulate somebody else's edit landing between a client's GET and its PATCH:
   * the next `times` PATCHes of this connection first change its etag (as another write would),
   * so a PATCH carrying the etag its GET returned gets `1404-412`. `Infinity`: until `clearFaults()`,
   * which stops pending edits too.
   */
  concurrentEditBeforePatch(connectionId: string, times?: number): void;
  /** The other writer stops editing the connection (what `concurrentEditBeforePatch` started). */
  stopConcurrentEdits(connectionId: string): void;
  /** How GET shows secret params (`s3SecretKey`, `s3SessionToken`). @default 'masked' */
  setSecretParamsInGet(mode: 'masked' | 'omitted'): void;
  /**
   * What a client (API key) may do with connections in a sandbox, as its Developer Console
   * credential's product profile grants: `manage` (GET and PATCH), `view` (GET only; PATCH gets a
   * 403 `FLOW-2118-403` problem), or `none`. @default 'manage' everywhere
   */
  setSourcesPermission(clientId: string, sandboxName: string, permission: 'manage' | 'view' | 'none'): void;
  /** When false, the gateway refuses every request of the client with `403025` (not entitled). @default true */
  setEntitled(clientId: string, entitled: boolean): void;
  /**
   * The next `times` authenticated requests get a 429 with `Retry-After: retryAfterSeconds` and an
   * `errorMessage`-only body (Adobe documents no throttling code for Platform).
   */
  throttleAtGateway(times: number, retryAfterSeconds?: number): void;
  /**
   * Objects S3 holds in `bucket` (full keys, e.g. `crm/daily/orders.csv`), for explore to list and
   * preview; `kmsKeyArn` encrypts them with SSE-KMS (a preview then needs `kms:Decrypt` on it).
   */
  putObjects(bucket: string, keys: readonly string[], options?: { readonly kmsKeyArn?: string }): void;
  /**
   * The account that owns `bucket` (what `s3:ResourceAccount` is), e.g. one that re-registered its name.
   * @default DEFAULT_BUCKET_OWNER
   */
  setBucketOwner(bucket: string, account: string): void;
  /** A sandbox of the org besides `prod` and those connections were seeded in; any other answers `2100-404`. */
  addSandbox(orgId: string, sandboxName: string): void;
  /**
   * The most items a page of `GET /connections`, `/sourceConnections`, `/flows` or `/runs` holds,
   * whatever its `limit` asks (a service that pages smaller). @default 1000 (20 without `limit`)
   */
  setListPageSize(size: number): void;
  /** A source connection of a seeded base connection; returns its id. */
  seedSourceConnection(seed: {
    readonly id?: string;
    readonly baseConnectionId: string;
    readonly name?: string;
  }): string;
  /** A dataflow reading a seeded base connection; returns its id. */
  seedFlow(seed: SeedFlowOfConnection): string;
  /** A run of a seeded flow, as given; returns its id. */
  seedRun(seed: import('./flow-service-dataflows.js').SeedRun): string;
  /**
   * Run a flow now (or at `startedAt`, epoch ms): it succeeds when the credentials its base
   * connection holds can list its folder and read its first file, and fails with S3's refusal otherwise.
   */
  runFlow(flowId: string, startedAt?: number): { readonly id: string; readonly status: 'success' | 'failed' };
  /**
   * Every run of the flow fails from now on, whatever its connection holds (files it cannot parse), until
   * `clearFaults()` (or this with `failing` false).
   */
  failFlowRuns(flowId: string, failing?: boolean): void;
  /** {@link runFlow} for every flow reading a base connection. */
  runFlowsOf(
    baseConnectionId: string,
    startedAt?: number,
  ): Array<{ readonly id: string; readonly status: 'success' | 'failed' }>;
}
