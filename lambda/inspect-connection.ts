/**
 * One connection of an inspect request (lambda/inspect.ts): the target as configured, Adobe's view
 * of the connection (state, auth param names, etag, who updated it last, whether it can be
 * patched), what it reads against the target's bucket and folder, the dataflows reading it, and
 * with `probe` whether Adobe can list and read with what it holds now. Never a credential value;
 * never throws: a failure is carried as the connection's error fields.
 */
import { checkAdobeAccess, type ReadUnproven } from './adobe-verification.js';
import type { Composition } from './composition.js';
import type { RotationTarget } from './config.js';
import { describeScope, resolveScope, type S3Scope } from './connection-scope.js';
import { flowsReading, type DataflowReading } from './dataflow-runs.js';
import { ConnectionNotRotatableError, describeFailure, FlowServiceError } from './errors.js';
import type { ExploreForm } from './explore-paths.js';
import type { BaseConnection, CallOptions } from './flow-service-client.js';
import { heldCredentialsExpireAt, writtenByRotator } from './held-credentials.js';
import type { RememberedConnection } from './ledger.js';
import { checkRotatable } from './rotate-connection.js';
import type { RotationSession } from './session.js';

/** One connection as Adobe shows it, and the target it is configured as. Never a credential value. */
export interface InspectedConnection {
  readonly connectionId: string;
  readonly sandboxName: string;
  /** The target as the function is configured: how it is minted, for how long, from which role, narrowed to what. */
  readonly method: RotationTarget['method'];
  readonly durationSeconds: number;
  readonly roleArn?: string;
  /** The secret holding the IAM user's long-term keys (its id, never its value). */
  readonly userCredentialsSecretId?: string;
  readonly bucketName?: string;
  readonly folderPath?: string;
  /** Flow Service's view (absent when it could not be read, or with `targetsOnly`). */
  readonly name?: string;
  readonly state?: string;
  readonly specName?: string;
  readonly connectionSpecId?: string;
  readonly etag?: string;
  /** ISO 8601. */
  readonly updatedAt?: string;
  readonly updatedBy?: string;
  readonly updatedClient?: string;
  /** Names of the auth params the connection holds (never their values). */
  readonly params?: readonly string[];
  /** The last update was made with the rotator's Adobe client (so it wrote the credentials). */
  readonly writtenByRotator?: boolean;
  /** `updatedAt` + the target's lifetime, when the rotator made the last update. */
  readonly heldCredentialsExpireAt?: string;
  /** False: patching it would fail or corrupt it (`notRotatable` says why). */
  readonly rotatable?: boolean;
  readonly notRotatableReason?: ConnectionNotRotatableError['reason'];
  readonly notRotatable?: string;
  /** Flow Service answered 404 (`errorCode` is Adobe's, e.g. `1101-404`). */
  readonly notFound?: boolean;
  /**
   * Why Adobe's view is missing: Adobe's code (or the rotator's: `IMS_AUTH_FAILED`, `SECRET_INVALID`, ...), its words,
   * and whether it may pass.
   */
  readonly errorCode?: string;
  readonly error?: string;
  readonly transient?: boolean;
  /** What the connection reads, as Adobe is asked to list it (`s3://bucket/folder/`; absent: the bucket's root). */
  readonly reads?: string;
  /**
   * The target's `bucketName`/`folderPath` do not contain what the connection reads: every rotation of it fails
   * (`CONNECTION_SCOPE_MISMATCH`).
   */
  readonly scopeMismatch?: string;
  /** The explore path form Adobe accepted: with `probe`, now; else the last one the ledger remembers. */
  readonly exploreForm?: ExploreForm;
  /**
   * The dataflows reading the connection, each with its last run (absent when they could not be read:
   * `dataflowsError`).
   */
  readonly dataflows?: readonly DataflowReading[];
  readonly dataflowsError?: string;
  /** `probe`: what Flow Service was asked to list (or the file it was refused), e.g. `s3://acme-landing/crm/`. */
  readonly explored?: string;
  /**
   * `probe`: Flow Service listed it with the credentials the connection holds now (`adobeCanList`, as the rotation's
   * result says it).
   */
  readonly adobeVerified?: boolean;
  readonly adobeCanList?: boolean;
  /**
   * `probe`: Flow Service read a file it listed (true) or was refused (false); absent when not tried:
   * `adobeReadUnproven` says why.
   */
  readonly adobeCanRead?: boolean;
  readonly adobeReadUnproven?: ReadUnproven;
  /**
   * `probe`: Adobe's refusal (or, with `adobeTransient`, why it did not answer, which says nothing about the bucket).
   */
  readonly adobeErrorCode?: string;
  readonly adobeError?: string;
  readonly adobeTransient?: true;
}

/** The target's own facts (the function's configuration), without Adobe's view. */
export function targetFacts(target: RotationTarget): InspectedConnection {
  return {
    connectionId: target.connectionId,
    sandboxName: target.sandboxName,
    method: target.method,
    durationSeconds: target.durationSeconds,
    ...(target.roleArn ? { roleArn: target.roleArn } : {}),
    ...(target.userCredentialsSecretId ? { userCredentialsSecretId: target.userCredentialsSecretId } : {}),
    ...(target.bucketName ? { bucketName: target.bucketName } : {}),
    ...(target.folderPath ? { folderPath: target.folderPath } : {}),
  };
}

/** Flow Service's view of a connection it showed; only the names of `auth.params`. */
function adobeView(
  connection: BaseConnection,
  target: RotationTarget,
  rotatorClientId: string | undefined,
): Partial<InspectedConnection> {
  const held = heldCredentialsExpireAt(connection, target.durationSeconds, rotatorClientId);
  let rotatable: Partial<InspectedConnection> = { rotatable: true };
  try {
    checkRotatable(connection);
  } catch (error) {
    if (!(error instanceof ConnectionNotRotatableError)) throw error;
    rotatable = { rotatable: false, notRotatableReason: error.reason, notRotatable: error.message };
  }
  return {
    ...(connection.name ? { name: connection.name } : {}),
    ...(connection.state ? { state: connection.state } : {}),
    ...(connection.auth?.specName ? { specName: connection.auth.specName } : {}),
    ...(connection.connectionSpec?.id ? { connectionSpecId: connection.connectionSpec.id } : {}),
    etag: connection.etag,
    ...(typeof connection.updatedAt === 'number' ? { updatedAt: new Date(connection.updatedAt).toISOString() } : {}),
    ...(connection.updatedBy ? { updatedBy: connection.updatedBy } : {}),
    ...(connection.updatedClient ? { updatedClient: connection.updatedClient } : {}),
    params: Object.keys(connection.auth?.params ?? {}).sort(),
    writtenByRotator: writtenByRotator(connection, rotatorClientId),
    ...(held !== undefined ? { heldCredentialsExpireAt: new Date(held).toISOString() } : {}),
    ...rotatable,
  };
}

/** Why a call failed, in words that may leave the function (scrubbed by the invocation's redactor). */
export function failureOf(
  error: unknown,
  session: RotationSession,
): { errorCode: string; error: string; transient?: true } {
  const { message, code, transient } = describeFailure(error);
  return { errorCode: code, error: session.redactor.redact(message), ...(transient ? { transient: true } : {}) };
}

/** What the target's credentials may read against what the connection declares, for the view. */
function scopeView(
  target: RotationTarget,
  connection: BaseConnection,
): { fields: Partial<InspectedConnection>; plan?: ReadPlan } {
  const resolved = resolveScope(target, connection);
  if ('mismatch' in resolved) return { fields: { scopeMismatch: resolved.mismatch } };
  const { reads, declared } = resolved.scope;
  return {
    fields: reads ? { reads: describeScope(reads) } : {},
    plan: { ...(reads ? { reads } : {}), ...(declared ? { declared } : {}) },
  };
}

/** What Adobe is asked to list: what the connection reads (none: the root), and what it declares. */
interface ReadPlan {
  readonly reads?: S3Scope;
  readonly declared?: S3Scope;
}

/**
 * Adobe's check with what the connection holds now, as after a PATCH: list, then read a file it listed. Never throws.
 */
async function probeOf(
  target: RotationTarget,
  flowService: Composition['flowService'],
  session: RotationSession,
  plan: ReadPlan,
  remembered: RememberedConnection | undefined,
  call: CallOptions,
): Promise<Partial<InspectedConnection>> {
  const accessPlan = {
    connectionId: target.connectionId,
    sandboxName: target.sandboxName,
    ...plan,
    rememberedForm: remembered?.exploreForm,
  };
  try {
    const access = await checkAdobeAccess(flowService, accessPlan, call);
    if (!access.canList) {
      const failure = failureOf(access.listRefusal, session);
      return {
        explored: access.listed,
        adobeVerified: false,
        adobeCanList: false,
        adobeErrorCode: failure.errorCode,
        adobeError: failure.error,
      };
    }
    const listed = {
      explored: access.listed,
      adobeVerified: true,
      adobeCanList: true,
      exploreForm: access.form,
    } as const;
    if (access.canRead === false) {
      const failure = failureOf(access.readRefusal?.error, session);
      return {
        ...listed,
        explored: access.readRefusal?.file ?? access.listed,
        adobeCanRead: false,
        adobeErrorCode: failure.errorCode,
        adobeError: failure.error,
      };
    }
    return {
      ...listed,
      ...(access.canRead ? { adobeCanRead: true } : {}),
      ...(access.readUnproven ? { adobeReadUnproven: access.readUnproven } : {}),
    };
  } catch (error) {
    // Adobe did not answer (429, 5xx, no answer): nothing is known about the bucket.
    const failure = failureOf(error, session);
    return {
      explored: plan.reads ? describeScope(plan.reads) : "the bucket's root",
      adobeErrorCode: failure.errorCode,
      adobeError: failure.error,
      adobeTransient: true,
    };
  }
}

/** The dataflows reading the connection, and their last run. Never throws. */
async function dataflowsOf(
  target: RotationTarget,
  flowService: Composition['flowService'],
  session: RotationSession,
  call: CallOptions,
): Promise<Partial<InspectedConnection>> {
  try {
    return { dataflows: await flowsReading(flowService, target.connectionId, target.sandboxName, call) };
  } catch (error) {
    const failure = failureOf(error, session);
    return { dataflowsError: `${failure.errorCode}: ${failure.error}` };
  }
}

/**
 * GET one connection, read its dataflows, and with `probe` have Adobe list and read with what it holds. Never throws.
 */
export async function inspectOne(
  target: RotationTarget,
  { flowService }: Pick<Composition, 'flowService'>,
  session: RotationSession,
  {
    probe,
    rotatorClientId,
    remembered,
  }: { probe: boolean; rotatorClientId: string | undefined; remembered: RememberedConnection | undefined },
): Promise<InspectedConnection> {
  const facts = targetFacts(target);
  const call: CallOptions = { auth: session.adobe, signal: session.deadline.signal, redactor: session.redactor };
  let connection: BaseConnection;
  try {
    connection = await flowService.getConnection(target.connectionId, target.sandboxName, call);
  } catch (error) {
    const notFound = error instanceof FlowServiceError && error.statusCode === 404;
    return { ...facts, ...(notFound ? { notFound: true } : {}), ...failureOf(error, session) };
  }
  const scope = scopeView(target, connection);
  const view: InspectedConnection = {
    ...facts,
    ...adobeView(connection, target, rotatorClientId),
    ...scope.fields,
    ...(remembered?.exploreForm ? { exploreForm: remembered.exploreForm } : {}),
  };
  const asksAdobe = probe && scope.plan && view.notRotatableReason !== 'wrong-connection-spec';
  const [probed, flows] = await Promise.all([
    asksAdobe ? probeOf(target, flowService, session, scope.plan!, remembered, call) : Promise.resolve({}),
    dataflowsOf(target, flowService, session, call),
  ]);
  return { ...view, ...probed, ...flows };
}
