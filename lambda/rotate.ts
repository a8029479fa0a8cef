/**
 * The rotation itself, as plain functions over the clients: for each target, fetch the connection
 * and mint verified credentials side by side, then PATCH all three credential params in one JSON
 * Patch with `If-Match`, re-reading the etag on `412` a bounded number of times.
 */
import pLimit from 'p-limit';
import type { RotationTarget } from './config.js';
import type { MintedCredentials } from './credential-minter.js';
import { ConnectionNotRotatableError, describeFailure, EtagConflictError, FlowServiceError } from './errors.js';
import type { BaseConnection, JsonPatchOperation } from './flow-service-client.js';

/** The Amazon S3 source's connection spec id (Adobe's S3 base-connection tutorial). */
export const S3_CONNECTION_SPEC_ID = 'ecadc60c-7455-4d87-84dc-2a0e293d997b';
/** The only `auth.specName` whose params hold rotatable keys. */
export const ACCESS_KEY_SPEC_NAME = 'Access Key';
/** A token is only valid with the key pair minted with it: these three always change together. */
export const CREDENTIAL_PARAMS = ['s3AccessKey', 's3SecretKey', 's3SessionToken'] as const;
/** PATCH attempts in all when every one meets `1404-412` (a stale etag). */
export const MAX_PATCH_ATTEMPTS = 3;

export type ConnectionStatus = 'rotated' | 'dry-run' | 'failed' | 'skipped';

/** What happened to one connection. Never holds a credential value. */
export interface ConnectionResult {
  readonly connectionId: string;
  readonly sandboxName: string;
  readonly status: ConnectionStatus;
  /** The etag after the PATCH (rotated), or the current one (dry run). */
  readonly etag?: string;
  /** The etag the connection had when this run first read it. */
  readonly previousEtag?: string;
  /** ISO 8601 expiry of the credentials now in the connection (or that would be). */
  readonly expiresAt?: string;
  /** Why it failed or was skipped. */
  readonly error?: string;
  /** Adobe's `error_code` when Flow Service gave one, else this tool's error code. */
  readonly errorCode?: string;
  /** Dry run: the JSON Patch operations (paths only) that would be sent. */
  readonly plannedOperations?: ReadonlyArray<Pick<JsonPatchOperation, 'op' | 'path'>>;
  /** `1404-412` answers met on the way. */
  readonly etagConflicts?: number;
}

/** The two clients the rotation needs (narrowed so tests can drive it with the real ones). */
export interface RotationClients {
  readonly flowService: {
    getConnection(connectionId: string, sandboxName: string, signal?: AbortSignal): Promise<BaseConnection>;
    patchConnection(connectionId: string, sandboxName: string, etag: string, operations: readonly JsonPatchOperation[], signal?: AbortSignal): Promise<string>;
  };
  readonly minter: { mint(target: RotationTarget, signal?: AbortSignal): Promise<MintedCredentials> };
  /** Told about each `412` received (for the `EtagConflict` metric). */
  readonly onEtagConflict?: (target: RotationTarget) => void;
}

/**
 * Refuse anything but an S3 access-key connection: patching S3 params into another source would
 * corrupt it, and an `IAMRole Based` connection has no keys to rotate.
 */
export function checkRotatable(connection: BaseConnection): void {
  const specId = connection.connectionSpec?.id;
  if (specId !== S3_CONNECTION_SPEC_ID) {
    throw new ConnectionNotRotatableError(
      `connection ${connection.id} uses connection spec ${specId ?? '(none)'}, not the Amazon S3 spec ${S3_CONNECTION_SPEC_ID}; not patched`,
      'wrong-connection-spec',
    );
  }
  const specName = connection.auth?.specName;
  if (specName === 'IAMRole Based') {
    throw new ConnectionNotRotatableError(
      `connection ${connection.id} uses IAMRole Based authentication: Adobe assumes the role itself, there are no credentials to rotate; remove it from the targets`,
      'iam-role-auth',
    );
  }
  if (specName !== ACCESS_KEY_SPEC_NAME) {
    throw new ConnectionNotRotatableError(
      `connection ${connection.id} uses auth "${specName ?? '(none)'}", not "${ACCESS_KEY_SPEC_NAME}"; not patched`,
      'unexpected-auth',
    );
  }
}

/**
 * One JSON Patch that replaces the three credential params together: `replace` for a param the
 * GET showed (masked or not), `add` for one it did not (RFC 6902 `replace` needs the member to exist).
 */
export function buildCredentialPatch(shownParams: Record<string, unknown> | undefined, credentials: MintedCredentials): JsonPatchOperation[] {
  const values: Record<(typeof CREDENTIAL_PARAMS)[number], string> = {
    s3AccessKey: credentials.accessKeyId,
    s3SecretKey: credentials.secretAccessKey,
    s3SessionToken: credentials.sessionToken,
  };
  return CREDENTIAL_PARAMS.map((param) => ({
    op: shownParams && Object.hasOwn(shownParams, param) ? 'replace' : 'add',
    path: `/auth/params/${param}`,
    value: values[param],
  }));
}

export interface RotateOptions {
  readonly dryRun: boolean;
  /**
   * Aborts every request still running when the invocation reaches its deadline, so it ends
   * (and reports, and flushes its metrics) before Lambda stops it.
   */
  readonly signal?: AbortSignal;
}

/** Rotate (or, with `dryRun`, plan) one connection. Never throws: failures become a result. */
export async function rotateConnection(target: RotationTarget, clients: RotationClients, options: RotateOptions): Promise<ConnectionResult> {
  const base = { connectionId: target.connectionId, sandboxName: target.sandboxName };
  const { signal } = options;
  let previousEtag: string | undefined;
  let etagConflicts = 0;
  let minting: Promise<MintedCredentials> | undefined;
  let patchSent = false;
  try {
    // Independent: read the connection while STS mints and verifies.
    minting = clients.minter.mint(target, signal);
    minting.catch(() => undefined); // awaited below; this only keeps an early rejection from being "unhandled"
    let connection = await clients.flowService.getConnection(target.connectionId, target.sandboxName, signal);
    previousEtag = connection.etag;
    checkRotatable(connection);
    const credentials = await minting;
    const expiresAt = credentials.expiration.toISOString();

    if (options.dryRun) {
      const planned = buildCredentialPatch(connection.auth?.params, credentials).map(({ op, path }) => ({ op, path }));
      return { ...base, status: 'dry-run', etag: connection.etag, previousEtag, expiresAt, plannedOperations: planned };
    }

    for (let attempt = 1; ; attempt += 1) {
      try {
        patchSent = true;
        const etag = await clients.flowService.patchConnection(
          target.connectionId,
          target.sandboxName,
          connection.etag,
          buildCredentialPatch(connection.auth?.params, credentials),
          signal,
        );
        return { ...base, status: 'rotated', etag, previousEtag, expiresAt, ...(etagConflicts ? { etagConflicts } : {}) };
      } catch (error) {
        if (!(error instanceof FlowServiceError) || error.statusCode !== 412) throw error;
        etagConflicts += 1;
        clients.onEtagConflict?.(target);
        if (attempt >= MAX_PATCH_ATTEMPTS) {
          throw new EtagConflictError(
            `connection ${target.connectionId} kept changing: ${attempt} PATCH attempts all met a stale etag (1404-412); its credentials were left as they were`,
            attempt,
          );
        }
        // Somebody else wrote (or our own earlier PATCH landed before a timeout): re-read the etag
        // and send the same, already verified, credentials again.
        connection = await clients.flowService.getConnection(target.connectionId, target.sandboxName, signal);
        checkRotatable(connection);
      }
    }
  } catch (error) {
    // A connection that failed before it needed the credentials still waits for STS: its slot in
    // the concurrency limit is not free while its requests run, and none may outlive the invocation.
    await minting?.catch(() => undefined);
    if (signal?.aborted) return stoppedAtDeadline(base, previousEtag, patchSent);
    const { message, code } = describeFailure(error);
    const skipped = error instanceof ConnectionNotRotatableError && error.reason === 'iam-role-auth';
    return {
      ...base,
      status: skipped ? 'skipped' : 'failed',
      ...(previousEtag ? { previousEtag } : {}),
      error: message,
      errorCode: code,
      ...(etagConflicts ? { etagConflicts } : {}),
    };
  }
}

/** A PATCH is atomic: whether or not an aborted one landed, the connection holds one complete set. */
function stoppedAtDeadline(base: Pick<ConnectionResult, 'connectionId' | 'sandboxName'>, previousEtag: string | undefined, patchSent: boolean): ConnectionResult {
  return {
    ...base,
    status: 'failed',
    ...(previousEtag ? { previousEtag } : {}),
    error: patchSent
      ? 'stopped: the invocation reached its deadline while the PATCH was in flight; it may have landed (the connection holds either its old or its new credentials, never a mix); the next run rotates it again'
      : 'stopped: the invocation reached its deadline before the PATCH; the connection keeps its credentials',
    errorCode: 'OUT_OF_TIME',
  };
}

function notStarted(target: RotationTarget): ConnectionResult {
  return {
    connectionId: target.connectionId,
    sandboxName: target.sandboxName,
    status: 'failed',
    error: 'not attempted: the invocation was about to reach its timeout; raise the function timeout or ROTATION_CONCURRENCY',
    errorCode: 'OUT_OF_TIME',
  };
}

/** Rotate every target, at most `concurrency` at a time; results keep the targets' order. */
export async function rotateTargets(
  targets: readonly RotationTarget[],
  clients: RotationClients,
  options: RotateOptions & {
    concurrency: number;
    onResult?: (result: ConnectionResult) => void;
    /** Asked before each connection starts; false leaves it untouched and reports it failed. */
    hasTimeToStart?: () => boolean;
  },
): Promise<ConnectionResult[]> {
  const limit = pLimit(options.concurrency);
  return Promise.all(
    targets.map((target) =>
      limit(async () => {
        const result =
          options.signal?.aborted || (options.hasTimeToStart && !options.hasTimeToStart())
            ? notStarted(target)
            : await rotateConnection(target, clients, options);
        options.onResult?.(result);
        return result;
      }),
    ),
  );
}
