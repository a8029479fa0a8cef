/**
 * Public face of the local emulators: the shapes tests, the demo and the benchmark use to
 * start them, seed state, inspect what they received and inject faults.
 *
 * Every emulator is a real HTTP server on 127.0.0.1 (port 0 unless given), so the real `got`
 * client and the real AWS SDK clients talk to it over real sockets.
 */

/** One request as the emulator received it (headers lower-cased, body as raw text). */
export interface RecordedRequest {
  readonly method: string;
  /** Path without the query string, e.g. `/connections/4cb0...` or `/`. */
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** For AWS Query / JSON protocol emulators: `AssumeRole`, `GetSecretValue`, ...; else undefined. */
  readonly action?: string;
  /** Epoch ms when the request arrived. */
  readonly receivedAt: number;
}

/** Which requests a fault applies to. Every given field must match. */
export interface FaultMatch {
  readonly method?: string;
  /** Exact path, or a RegExp tested against the path. */
  readonly path?: string | RegExp;
  /** AWS action name (STS `Action=...`, Secrets Manager `X-Amz-Target` suffix). */
  readonly action?: string;
}

/**
 * A fault to inject. Faults are consulted in the order they were added; the first matching
 * fault with `times` left is used and its count decremented.
 */
export type Fault = {
  readonly match?: FaultMatch;
  /** How many matching requests it applies to. @default 1 */
  readonly times?: number;
} & (
  | {
      /** Answer with this instead of handling the request (the request has no effect). */
      readonly kind: 'respond';
      readonly status: number;
      readonly headers?: Record<string, string>;
      /** Object bodies are sent as JSON; strings as-is; a function is called with the request. */
      readonly body?: unknown;
    }
  | {
      /**
       * Wait this long, then handle the request normally; if the client gave up meanwhile (a
       * timeout shorter than `ms`), the request has no effect.
       */
      readonly kind: 'delay';
      readonly ms: number;
    }
  | {
      /** Handle the request normally (its effect lands), then wait this long before answering. */
      readonly kind: 'delay-after-effect';
      readonly ms: number;
    }
  | {
      /** Destroy the socket without answering (ECONNRESET at the client); no effect. */
      readonly kind: 'reset';
    }
);

/** What every emulator has. */
export interface Emulator {
  /** e.g. `http://127.0.0.1:40123` (no trailing slash). */
  readonly url: string;
  /** Every request received, in arrival order (including faulted ones). */
  readonly requests: RecordedRequest[];
  injectFault(fault: Fault): void;
  /** Remove this fault alone (the object given to `injectFault`); `clearFaults` removes every one. */
  removeFault(fault: Fault): void;
  clearFaults(): void;
  /**
   * A fixed round trip for every request, as a network would add it: the request reaches the
   * service `ms / 2` after it arrived, and the answer leaves `ms` after it arrived (plus any
   * injected delay). Kept to within a fraction of a millisecond, so a benchmark's floor of
   * `hops × ms` is what the emulators really impose. @default 0
   */
  setLatency(ms: number): void;
  /** Requests received and not yet answered (or abandoned): 0 once every client has its answer. */
  requestsInFlight(): number;
  close(): Promise<void>;
}

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

// ---------------------------------------------------------------- AWS (STS and Secrets Manager)

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Credentials STS issued, with the inline session policy they were issued with (AssumeRole, GetFederationToken). */
export interface IssuedCredentials extends AwsCredentials {
  /** The `Policy` parameter exactly as the request carried it; absent when the request had none. */
  readonly policy?: string;
}

export interface SeedRole {
  /** `arn:aws:iam::<12 digits>:role/<name>` */
  readonly roleArn: string;
  /** AWS: 3600 to 43200. @default 3600 */
  readonly maxSessionDurationSeconds?: number;
  /**
   * Caller ARNs (role ARN for role sessions, user ARN for users) allowed to assume it; empty means anyone.
   * @default []
   */
  readonly trustedPrincipalArns?: string[];
  /** When set, AssumeRole must carry exactly this ExternalId. */
  readonly externalId?: string;
  /**
   * The role's permissions (an identity policy, JSON): what Flow Service's explore may do in S3 and
   * KMS with a session of it, intersected with the session's policy. @default none modelled: S3 allows what the session
   * policy allows
   */
  readonly permissionsPolicy?: string;
}

export interface StsEmulator extends Emulator {
  /** Create an IAM user; returns its long-term `AKIA...` keys. */
  createUser(userName: string, accountId?: string): AwsCredentials & { readonly arn: string };
  createRole(role: SeedRole): void;
  /**
   * IAM DeleteAccessKey: calls signed with this user key fail `InvalidClientTokenId` from now on
   * (an operator's key rotation: `createUser` with the same name gives the user a second key).
   */
  deleteAccessKey(accessKeyId: string): void;
  /**
   * Credentials of a role session as Lambda gives its execution role (an `ASIA...` key with a
   * session token): AssumeRole from these is role chaining, GetSessionToken and GetFederationToken
   * are refused.
   */
  issueRoleSession(roleArn: string, sessionName?: string, durationSeconds?: number): AwsCredentials;
  /**
   * Every credential set issued (by AssumeRole, GetSessionToken, GetFederationToken,
   * issueRoleSession), for leak searches, each with the session policy it carries.
   */
  readonly issuedCredentials: IssuedCredentials[];
  /** The session policy the credentials with this access key id were issued with; undefined when none (or unknown). */
  policyOf(accessKeyId: string): string | undefined;
  /** The permissions policy of the role these credentials are a session of, when the role was created with one. */
  identityPolicyOf(accessKeyId: string): string | undefined;
  /** Make every credential issued so far invalid (calls signed with them fail `InvalidClientTokenId`). */
  revokeIssuedCredentials(): void;
  /**
   * The next `times` credentials AssumeRole/GetSessionToken/GetFederationToken mint are unknown to the emulator, so
   * `GetCallerIdentity` signed with them fails (as credentials revoked right after issue would).
   */
  mintUnverifiableCredentials(times?: number): void;
  /** Clock used for expiry checks. @default Date.now */
  setClock(now: () => number): void;
  /** The clock's current time (Secrets Manager checks credential expiry against it). */
  now(): number;
  /** Look up credentials the emulator knows by access key id (used by Secrets Manager to verify SigV4). */
  credentialsFor(accessKeyId: string): (AwsCredentials & { readonly arn: string }) | undefined;
  /** The role a session belongs to (role sessions only) and when it was issued (epoch ms, the emulator's clock). */
  sessionOf(accessKeyId: string): { readonly roleArn?: string; readonly issuedAt: number } | undefined;
  /** Whether a role of this name was created ({@link StsEmulator.createRole}). */
  hasRole(roleName: string): boolean;
  /** Replace whom a role trusts (its trust policy's principals); returns whom it trusted before. */
  setRoleTrust(roleArn: string, trustedPrincipalArns: readonly string[]): readonly string[];
}

/** Options of an emulator of an AWS service whose requests must be SigV4-signed with credentials STS issued. */
export interface SignedServiceOptions {
  /** Knows the credentials requests are signed with, and the clock their expiry is checked against. */
  readonly sts: Pick<StsEmulator, 'credentialsFor' | 'now'>;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
}

/** The steps Secrets Manager invokes a rotation function with, in order. */
export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

/** One rotation the emulator ran (or is running): each step invoked, and how it ended. */
export interface RotationRecord {
  readonly secretArn: string;
  /** The `ClientRequestToken`: the id of the version the rotation makes. */
  readonly token: string;
  /** Epoch ms. */
  readonly startedAt: number;
  readonly steps: Array<{ readonly step: RotationStep; readonly ok: boolean; readonly error?: string }>;
  outcome: 'running' | 'succeeded' | 'failed';
}

export interface SecretsManagerEmulator extends Emulator {
  /**
   * Store a secret, or a new `AWSCURRENT` version of it; returns its ARN
   * (`arn:aws:secretsmanager:<region>:<account>:secret:<name>-XXXXXX`).
   */
  putSecret(name: string, secretString: string): string;
  /**
   * How a rotation reaches its function (Secrets Manager invokes it synchronously, once per step):
   * resolves when the step succeeded, rejects with the function's error. Without one, every
   * rotation fails at its first step.
   */
  setRotationInvoker(invoke: (functionArn: string, event: Record<string, string>) => Promise<unknown>): void;
  /**
   * Turn rotation on with this function and interval, as a deployed `RotationSchedule` leaves it (no rotation is
   * started).
   */
  configureRotation(secretId: string, config: { readonly lambdaArn: string; readonly everyDays: number }): void;
  /** Every version of a secret (values in clear: for assertions only). */
  versions(secretId: string): Array<{ readonly id: string; readonly value?: string; readonly stages: string[] }>;
  /** The value `AWSCURRENT` holds (for assertions). */
  currentValue(secretId: string): string | undefined;
  /** Every rotation started, oldest first. */
  readonly rotations: RotationRecord[];
  /** Resolves when every rotation started so far (and any started meanwhile) has ended. */
  rotationsSettled(): Promise<void>;
}

// ---------------------------------------------------------------- all together

export interface Emulators {
  readonly ims: ImsEmulator;
  readonly flowService: FlowServiceEmulator;
  /** Adobe's I/O Management API (client secrets), on IMS's credentials. */
  readonly adobeConsole: import('./adobe-console.js').AdobeConsoleEmulator;
  readonly sts: StsEmulator;
  readonly secretsManager: SecretsManagerEmulator;
  /** dynalite, a real local DynamoDB, for the rotation ledger. */
  readonly dynamodb: import('./dynamodb.js').DynamoDbEmulator;
  /** Roles' inline policies (`revoke`'s deny of older sessions), which Flow Service's explore honours. */
  readonly iam: import('./iam.js').IamEmulator;
  /**
   * Environment that points the function at the emulators: `FLOW_SERVICE_URL`, `ADOBE_IMS_URL`,
   * `ADOBE_CONSOLE_API_URL`, `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL_DYNAMODB`,
   * `AWS_ENDPOINT_URL_IAM`, `AWS_REGION`.
   */
  readonly endpointEnv: Record<string, string>;
  close(): Promise<void>;
}
