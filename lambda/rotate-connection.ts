/**
 * The rotation itself, as plain functions over the long-lived clients and the invocation's session:
 * for each target, fetch the connection, check that the target's bucket and folder contain what it
 * reads (or narrow to what it declares), mint verified credentials, then PATCH all three credential
 * params in one JSON Patch with `If-Match`, re-reading the etag on `412` a bounded number of times;
 * then ask Adobe to list and read what the connection reads with what it now holds. They return
 * results for `rotate-targets.ts` to record; they call nothing back.
 */
import type { AccessPlan, ExploreClient } from './adobe-verification.js';
import type { ListingClient } from './dataflow-runs.js';
import type { RotationTarget } from './config.js';
import { describeScope, resolveScope, type ConnectionScope } from './connection-scope.js';
import type { MintCall, MintedCredentials } from './credential-minter.js';
import { ConnectionNotRotatableError, ConnectionScopeError, EtagConflictError, FlowServiceError } from './errors.js';
import type { ExploreForm } from './explore-paths.js';
import type { BaseConnection, CallOptions, JsonPatchOperation, RetryDetails } from './flow-service-client.js';
import { heldCredentialsExpireAt } from './held-credentials.js';
import { describeIn, probeAdobe, reverifyRotation as reverify, verifyRotation } from './rotation-verification.js';
import type { RotationSession } from './session.js';
import type { ConnectionResult } from './summary.js';

/** The Amazon S3 source's connection spec id (Adobe's S3 base-connection tutorial). */
export const S3_CONNECTION_SPEC_ID = 'ecadc60c-7455-4d87-84dc-2a0e293d997b';
/** The only `auth.specName` whose params hold rotatable keys. */
export const ACCESS_KEY_SPEC_NAME = 'Access Key';
/** A token is only valid with the key pair minted with it: these three always change together. */
export const CREDENTIAL_PARAMS = ['s3AccessKey', 's3SecretKey', 's3SessionToken'] as const;
/** PATCH attempts in all when every one meets `1404-412` (a stale etag). */
export const MAX_PATCH_ATTEMPTS = 3;

/** The two long-lived clients the rotation needs (narrowed to what it calls). */
export interface RotationClients {
  readonly flowService: ExploreClient &
    ListingClient & {
      getConnection(connectionId: string, sandboxName: string, call?: CallOptions): Promise<BaseConnection>;
      patchConnection(
        connectionId: string,
        sandboxName: string,
        etag: string,
        operations: readonly JsonPatchOperation[],
        call?: CallOptions,
      ): Promise<string>;
    };
  readonly minter: { mint(target: RotationTarget, call: MintCall): Promise<MintedCredentials> };
}

/**
 * Refuse anything but an S3 access-key connection: patching S3 params into another source would
 * corrupt it, and an `IAMRole Based` connection has no keys to rotate.
 */
export function checkRotatable(connection: BaseConnection): void {
  const specId = connection.connectionSpec?.id;
  if (specId !== S3_CONNECTION_SPEC_ID) {
    throw new ConnectionNotRotatableError(
      `connection ${connection.id} uses connection spec ${specId ?? '(none)'}, not the Amazon S3 spec ` +
        `${S3_CONNECTION_SPEC_ID}; not patched`,
      'wrong-connection-spec',
    );
  }
  const specName = connection.auth?.specName;
  if (specName === 'IAMRole Based') {
    throw new ConnectionNotRotatableError(
      `connection ${connection.id} uses IAMRole Based authentication: Adobe assumes the role itself, ` +
        'there are no credentials to rotate; remove it from the targets',
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
export function buildCredentialPatch(
  shownParams: Record<string, unknown> | undefined,
  credentials: MintedCredentials,
): JsonPatchOperation[] {
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
  /** Which attempt of this run this is (1, or 2 for the one more attempt at the end). @default 1 */
  readonly attempt?: number;
  /**
   * Prove each rotation from Adobe's side: explore the connection with the credentials it then holds.
   * @default false
   */
  readonly verifyWithAdobe?: boolean;
  /**
   * The explore form Adobe accepted for this connection last time (the ledger's, once it has answered), tried first.
   */
  readonly exploreForm?: () => ExploreForm | undefined;
}

/** What Adobe is asked to list and read for a connection of this scope. */
function accessPlan(
  target: RotationTarget,
  scope: ConnectionScope,
  rememberedForm: ExploreForm | undefined,
): AccessPlan {
  return {
    connectionId: target.connectionId,
    sandboxName: target.sandboxName,
    ...(scope.reads ? { reads: scope.reads } : {}),
    ...(scope.declared ? { declared: scope.declared } : {}),
    ...(rememberedForm ? { rememberedForm } : {}),
  };
}

/** The result's words for how the credentials are narrowed. */
function narrowing(scope: ConnectionScope): Pick<ConnectionResult, 'narrowedTo' | 'narrowedFrom'> {
  return scope.narrowedTo ? { narrowedTo: describeScope(scope.narrowedTo), narrowedFrom: scope.narrowedFrom } : {};
}

/**
 * How one connection's Flow Service requests run in the session: its deadline, its redactor, retries logged in its
 * lines.
 */
export function flowServiceCall(target: RotationTarget, session: RotationSession): CallOptions {
  const log = session.loggerFor(target);
  return {
    auth: session.adobe,
    signal: session.deadline.signal,
    redactor: session.redactor,
    onRetry: (details: RetryDetails) => log.warn('retrying Flow Service request', { ...details }),
  };
}

/**
 * Rotate (or, with `dryRun`, plan) one connection in the session's invocation: its requests stop at
 * the session's deadline, its lines go to the session's logger for it, and each `412` is counted by
 * the session's recorder. Never throws: failures become a result, which the caller records.
 */
export async function rotateConnection(
  target: RotationTarget,
  clients: RotationClients,
  session: RotationSession,
  options: RotateOptions,
): Promise<ConnectionResult> {
  const base = { connectionId: target.connectionId, sandboxName: target.sandboxName, attempts: options.attempt ?? 1 };
  const { signal } = session.deadline;
  const log = session.loggerFor(target);
  const call = flowServiceCall(target, session);
  let firstRead: BaseConnection | undefined;
  let etagConflicts = 0;
  let minting: Promise<MintedCredentials> | undefined;
  let patchSent = false;
  /** What the connection still holds, as far as this run can tell (failed and dry-run results). */
  const held = async () => {
    // Whether the rotator wrote it last is judged by the Adobe client id of this invocation.
    const ownClientId = () =>
      session.secrets.adobeCredentials().then(
        (credentials) => credentials.clientId,
        () => undefined,
      );
    const expiresAt = firstRead && heldCredentialsExpireAt(firstRead, target.durationSeconds, await ownClientId());
    return expiresAt === undefined ? {} : { heldCredentialsExpireAt: new Date(expiresAt).toISOString() };
  };
  try {
    let connection = await clients.flowService.getConnection(target.connectionId, target.sandboxName, call);
    firstRead = connection;
    checkRotatable(connection);
    // What the connection reads decides what its credentials are narrowed to, so it comes before
    // minting; a target that does not contain it fails here, with nothing minted or patched.
    const resolved = resolveScope(target, connection);
    if ('mismatch' in resolved) throw new ConnectionScopeError(resolved.mismatch);
    const { scope } = resolved;
    const narrowed = scope.narrowedTo
      ? { ...target, bucketName: scope.narrowedTo.bucketName, folderPath: scope.narrowedTo.folderPath }
      : target;
    minting = clients.minter.mint(narrowed as RotationTarget, {
      signal,
      secrets: session.secrets,
      redactor: session.redactor,
    });
    minting.catch(() => undefined); // awaited below; this only keeps an early rejection from being "unhandled"
    const plan = () => accessPlan(target, scope, options.exploreForm?.());
    // A dry run changes nothing, so Adobe's check is of what the connection holds now.
    // Off for the run (VERIFY_WITH_ADOBE=false), or for this connection alone (its entry's verifyWithAdobe).
    const verify = options.verifyWithAdobe === true && target.verifyWithAdobe !== false;
    const probe = options.dryRun && verify ? await probeAdobe(plan(), clients.flowService, call) : undefined;
    const credentials = await minting;
    const expiresAt = credentials.expiration.toISOString();
    // Not a secret: it names the set in CloudTrail and in S3's logs (the log line and the ledger carry it).
    const accessKeyId = credentials.accessKeyId;

    if (options.dryRun) {
      const planned = buildCredentialPatch(connection.auth?.params, credentials).map(({ op, path }) => ({ op, path }));
      return {
        ...base,
        status: 'dry-run',
        etag: connection.etag,
        previousEtag: connection.etag,
        expiresAt,
        accessKeyId,
        ...(await held()),
        ...narrowing(scope),
        plannedOperations: planned,
        ...(probe ?? { adobeVerified: false }),
      };
    }

    for (let attempt = 1; ; attempt += 1) {
      try {
        patchSent = true;
        const etag = await clients.flowService.patchConnection(
          target.connectionId,
          target.sandboxName,
          connection.etag,
          buildCredentialPatch(connection.auth?.params, credentials),
          call,
        );
        const rotated: ConnectionResult = {
          ...base,
          status: 'rotated',
          etag,
          previousEtag: firstRead.etag,
          expiresAt,
          accessKeyId,
          ...narrowing(scope),
          ...(etagConflicts ? { etagConflicts } : {}),
        };
        return verify
          ? await verifyRotation(rotated, plan(), clients.flowService, call)
          : { ...rotated, adobeVerified: false };
      } catch (error) {
        if (!(error instanceof FlowServiceError) || error.statusCode !== 412) throw error;
        etagConflicts += 1;
        session.recorder.etagConflict();
        log.warn('etag conflict (1404-412): re-reading the connection', { patchAttempt: attempt });
        if (attempt >= MAX_PATCH_ATTEMPTS) {
          throw new EtagConflictError(
            `connection ${target.connectionId} kept changing: ${attempt} PATCH attempts all met a stale etag ` +
              '(1404-412); its credentials were left as they were',
            attempt,
          );
        }
        // Somebody else wrote (or our own earlier PATCH landed before a timeout): re-read the etag
        // and send the same, already verified, credentials again.
        connection = await clients.flowService.getConnection(target.connectionId, target.sandboxName, call);
        checkRotatable(connection);
      }
    }
  } catch (error) {
    // A connection that failed before it needed the credentials still waits for STS: its slot in
    // the concurrency limit is not free while its requests run, and none may outlive the invocation.
    const minted = await minting?.catch(() => undefined);
    const previousEtag = firstRead ? { previousEtag: firstRead.etag } : {};
    // The set was issued (CloudTrail has it) even though the connection never got it.
    const issued = minted ? { accessKeyId: minted.accessKeyId } : {};
    if (signal.aborted) return { ...stoppedAtDeadline(base, patchSent), ...previousEtag, ...issued, ...(await held()) };
    const { message, code, transient, adobeDetail } = describeIn(error, call);
    const skipped = error instanceof ConnectionNotRotatableError && error.reason === 'iam-role-auth';
    return {
      ...base,
      status: skipped ? 'skipped' : 'failed',
      ...previousEtag,
      ...(skipped ? {} : { ...issued, ...(await held()) }),
      error: message,
      errorCode: code,
      ...(adobeDetail ? { adobeDetail } : {}),
      ...(transient && !skipped ? { transient } : {}),
      ...(etagConflicts ? { etagConflicts } : {}),
    };
  }
}

/**
 * Whether a failed entry's PATCH landed, so that only Adobe's check of it failed (the entry keeps the PATCH's etag).
 */
export function patchLanded(result: ConnectionResult): boolean {
  return result.status === 'failed' && result.etag !== undefined;
}

/**
 * The one more attempt for a rotation whose PATCH landed but whose check Adobe did not answer:
 * only Adobe is asked again (rotation-verification.ts).
 */
export function reverifyRotation(
  previous: ConnectionResult,
  target: RotationTarget,
  clients: RotationClients,
  session: RotationSession,
): Promise<ConnectionResult> {
  const scope = target.bucketName
    ? { reads: { bucketName: target.bucketName, ...(target.folderPath ? { folderPath: target.folderPath } : {}) } }
    : {};
  return reverify(
    previous,
    accessPlan(target, scope, previous.exploreForm),
    clients.flowService,
    flowServiceCall(target, session),
  );
}

/** A PATCH is atomic: whether or not an aborted one landed, the connection holds one complete set. */
function stoppedAtDeadline(
  base: Pick<ConnectionResult, 'connectionId' | 'sandboxName' | 'attempts'>,
  patchSent: boolean,
): ConnectionResult {
  return {
    ...base,
    status: 'failed',
    error: patchSent
      ? 'stopped: the invocation reached its deadline while the PATCH was in flight; ' +
        'it may have landed (the connection holds either its old or its new credentials, never a mix); ' +
        'the next run rotates it again'
      : 'stopped: the invocation reached its deadline before the PATCH; the connection keeps its credentials',
    errorCode: 'OUT_OF_TIME',
  };
}
