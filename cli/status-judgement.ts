/**
 * How `status` judges one connection: from the rotation ledger (what the function last wrote into
 * it, until when, and how its last attempt went) with Flow Service's `updatedAt`/`updatedBy` as a
 * cross-check; or, without a ledger entry, from Flow Service alone, as before the ledger existed
 * (the credentials' age since `updatedAt`, which any edit moves).
 *
 * Flow Service comes first either way: a connection that is not found, not enabled, not an S3
 * access-key connection or unreadable is at risk whatever the ledger says. With `--probe`, Flow
 * Service also explores the connection with what it holds now (as the function does after each
 * PATCH): a refusal puts it at risk too. Never throws: a failure is a status. Only the names of
 * `auth.params` are kept, never their values.
 */
import { checkAdobeAccess } from '../lambda/adobe-verification.js';
import { declaredScope } from '../lambda/connection-scope.js';
import { ConnectionNotRotatableError, describeFailure, FlowServiceError, RotatorError } from '../lambda/errors.js';
import type { BaseConnection, FlowServiceClient } from '../lambda/flow-service-client.js';
import { writtenByRotator as isWrittenByRotator } from '../lambda/held-credentials.js';
import type { LedgerAttempt, LedgerRecord, LedgerRotation } from '../lambda/ledger.js';
import { checkRotatable } from '../lambda/rotate-connection.js';
import type { TargetConfig } from '../lib/config/config.js';
import { formatClock, formatDuration } from './output.js';

export type Risk =
  | 'ok'
  | 'expiring'
  | 'expired'
  /** The ledger says the last run failed for this connection. */
  | 'failing'
  | 'not-found'
  | 'not-enabled'
  | 'not-rotatable'
  | 'unreadable'
  | 'no-update-time'
  /** An `IAMRole Based` connection: Adobe assumes the role itself, nothing expires here. */
  | 'nothing-to-rotate'
  /** `--probe`: Flow Service could not list the bucket with the credentials the connection holds. */
  | 'adobe-cannot-read';

const NOT_AT_RISK = new Set<Risk>(['ok', 'nothing-to-rotate']);

/** One connection as `status` reports it. */
export interface ConnectionStatus {
  readonly connectionId: string;
  readonly sandboxName: string;
  readonly name?: string;
  readonly state?: string;
  readonly specName?: string;
  /** Names of the auth params the connection holds (never their values). */
  readonly params?: string[];
  readonly updatedAt?: string;
  readonly updatedBy?: string;
  /** The last update was made with the rotator's Adobe client (so it wrote the credentials). */
  readonly writtenByRotator?: boolean;
  readonly ageSeconds?: number;
  readonly lifetimeSeconds: number;
  /** Lifetime minus age, if the credentials were written at `updatedAt`. */
  readonly remainingSeconds?: number;
  readonly risk: Risk;
  readonly atRisk: boolean;
  /** Why it is at risk, or what to know. */
  readonly warning?: string;
  /** `ledger` when the rotation ledger's entry decided the risk; absent when Flow Service alone did. */
  readonly judgedFrom?: 'ledger';
  /** The ledger: the last rotation (what the connection holds since, until when). */
  readonly lastRotation?: LedgerRotation;
  /** The ledger: the last attempt, whatever its outcome. */
  readonly lastAttempt?: LedgerAttempt;
  /** The ledger: runs in a row whose outcome was `failed`. */
  readonly consecutiveFailures?: number;
  /** When the credentials it holds expire: the ledger's, or `updatedAt` + lifetime when the rotator wrote them later. */
  readonly expiresAt?: string;
  /** Flow Service shows a write by someone other than the rotator after its last rotation. */
  readonly editedAfterRotation?: boolean;
  /** `--probe`: what Flow Service was asked to list, e.g. `s3://acme-landing/crm/` or "the bucket's root". */
  readonly explored?: string;
  /** `--probe`: Flow Service listed it with the credentials the connection holds now. */
  readonly adobeVerified?: boolean;
  /** `--probe`: Flow Service read a file it listed (true), was refused (false); absent when it listed no file to read. */
  readonly adobeCanRead?: boolean;
  /** `--probe`, refused: Adobe's code (`1100-400`, `2118-403`, ...) or the rotator's (`FLOW_SERVICE_UNREACHABLE`). */
  readonly adobeErrorCode?: string;
  /** `--probe`, refused: Flow Service's answer, with Adobe's own detail (never a secret). */
  readonly adobeError?: string;
}

export interface Judging {
  /** The rotator's Adobe client id: its writes are the rotator's. */
  readonly rotatorClientId: string;
  /** One schedule interval: credentials must outlast it. */
  readonly intervalSeconds: number;
  readonly now: number;
  /** Ask Flow Service to explore with what the connection holds. */
  readonly probe?: boolean;
  /** The connection's ledger entry; undefined when it has none (or there is no ledger). */
  readonly ledger?: LedgerRecord;
}

/** The target's bucket and folder: its own, or those of the role the stack creates for it. */
function bucketOf(target: TargetConfig): { bucketName?: string; folderPath?: string } {
  return target.createRole
    ? { bucketName: target.createRole.bucketName, folderPath: target.createRole.folderPath }
    : { bucketName: target.bucketName, folderPath: target.folderPath };
}

/** GET one connection and judge it (with its ledger entry when there is one); with `probe`, also have Flow Service explore it. */
export async function inspect(
  target: TargetConfig,
  flowService: Pick<FlowServiceClient, 'getConnection' | 'exploreConnection' | 'previewFile'>,
  judging: Judging,
): Promise<ConnectionStatus> {
  // The probe asks for what the connection declares it reads: its GET is read once.
  let connection: BaseConnection | undefined;
  const reading = { getConnection: async (id: string, sandbox: string) => (connection = await flowService.getConnection(id, sandbox)) };
  const status = await judge(target, reading, judging);
  // Not found or unreadable: Flow Service would refuse the explore for the same reason.
  if (!judging.probe || status.risk === 'not-found' || status.risk === 'unreadable') return status;
  const adobe = await probeAdobe(target, flowService, connection, judging.ledger);
  if ((adobe.adobeVerified && adobe.adobeCanRead !== false) || status.atRisk) return { ...status, ...adobe };
  return { ...status, ...adobe, risk: 'adobe-cannot-read', atRisk: true, warning: adobeWarning(adobe) };
}

/**
 * Adobe's check with what the connection holds now, as the function makes it after each PATCH
 * (lambda/adobe-verification.ts): list what the connection declares it reads (else the target's
 * folder, else the root), in the form the ledger remembers, then read a file it lists.
 */
async function probeAdobe(
  target: TargetConfig,
  flowService: Pick<FlowServiceClient, 'exploreConnection' | 'previewFile'>,
  connection: BaseConnection | undefined,
  ledger: LedgerRecord | undefined,
): Promise<Required<Pick<ConnectionStatus, 'explored' | 'adobeVerified'>> & Pick<ConnectionStatus, 'adobeErrorCode' | 'adobeError' | 'adobeCanRead'>> {
  const declared = connection ? declaredScope(connection) : undefined;
  const own = bucketOf(target);
  const reads = declared ?? (own.bucketName ? { bucketName: own.bucketName, ...(own.folderPath ? { folderPath: own.folderPath } : {}) } : undefined);
  const plan = { connectionId: target.connectionId, sandboxName: target.sandboxName, reads, declared, rememberedForm: ledger?.exploreForm };
  try {
    const access = await checkAdobeAccess(flowService, plan, {});
    if (!access.canList) {
      const { message, code } = describeFailure(access.listRefusal);
      return { explored: access.listed, adobeVerified: false, adobeErrorCode: code, adobeError: message };
    }
    if (access.canRead === false) {
      const { message, code } = describeFailure(access.readRefusal?.error);
      return { explored: access.readRefusal?.file ?? access.listed, adobeVerified: true, adobeCanRead: false, adobeErrorCode: code, adobeError: message };
    }
    return { explored: access.listed, adobeVerified: true, ...(access.canRead ? { adobeCanRead: true } : {}) };
  } catch (error) {
    const { message, code } = describeFailure(error);
    return {
      explored: reads ? `s3://${reads.bucketName}/${reads.folderPath ? `${reads.folderPath}/` : ''}` : "the bucket's root",
      adobeVerified: false,
      adobeErrorCode: code,
      adobeError: message,
    };
  }
}

export function adobeWarning(status: Pick<ConnectionStatus, 'explored' | 'adobeError'>): string {
  return `Adobe cannot read ${status.explored} with the credentials the connection holds now, so ingestion fails at the next dataflow run: ${status.adobeError}`;
}

type Facts = Omit<ConnectionStatus, 'risk' | 'atRisk' | 'warning'>;
const judged = (facts: Facts, risk: Risk, warning?: string): ConnectionStatus => ({
  ...facts,
  risk,
  atRisk: !NOT_AT_RISK.has(risk),
  ...(warning ? { warning } : {}),
});

async function judge(target: TargetConfig, flowService: Pick<FlowServiceClient, 'getConnection'>, judging: Judging): Promise<ConnectionStatus> {
  const { ledger } = judging;
  const base: Facts = { connectionId: target.connectionId, sandboxName: target.sandboxName, lifetimeSeconds: target.durationSeconds };
  const fromTheLedger: Partial<Facts> = {
    ...(ledger?.lastRotation ? { lastRotation: ledger.lastRotation } : {}),
    ...(ledger?.lastAttempt ? { lastAttempt: ledger.lastAttempt } : {}),
    ...(ledger ? { consecutiveFailures: ledger.consecutiveFailures } : {}),
  };
  let connection: BaseConnection;
  try {
    connection = await flowService.getConnection(target.connectionId, target.sandboxName);
  } catch (error) {
    if (error instanceof FlowServiceError && error.statusCode === 404) {
      return judged(
        { ...base, ...fromTheLedger },
        'not-found',
        `not found in sandbox ${target.sandboxName}${error.errorCode ? ` (${error.errorCode})` : ''}: check connectionId and sandboxName in the configuration`,
      );
    }
    return judged(
      { ...base, ...fromTheLedger },
      'unreadable',
      error instanceof RotatorError ? error.message : `unexpected error: ${(error as Error)?.name ?? 'error'}`,
    );
  }

  const updatedAt = typeof connection.updatedAt === 'number' ? connection.updatedAt : undefined;
  const ageSeconds = updatedAt === undefined ? undefined : Math.max(0, Math.round((judging.now - updatedAt) / 1000));
  const facts: Facts = {
    ...base,
    name: connection.name,
    state: connection.state,
    specName: connection.auth?.specName,
    params: Object.keys(connection.auth?.params ?? {}).sort(),
    updatedAt: updatedAt === undefined ? undefined : new Date(updatedAt).toISOString(),
    updatedBy: connection.updatedBy,
    writtenByRotator: isWrittenByRotator(connection, judging.rotatorClientId),
    ageSeconds,
    remainingSeconds: ageSeconds === undefined ? undefined : target.durationSeconds - ageSeconds,
    ...fromTheLedger,
  };

  try {
    checkRotatable(connection);
  } catch (error) {
    if (error instanceof ConnectionNotRotatableError && error.reason === 'iam-role-auth') {
      return judged(facts, 'nothing-to-rotate', 'IAMRole Based: Adobe assumes the role itself, there are no credentials to rotate; remove it from the targets');
    }
    return judged(facts, 'not-rotatable', `${(error as Error).message}: every rotation of it fails`);
  }
  if (connection.state !== 'enabled') return judged(facts, 'not-enabled', `state is "${connection.state ?? '(none)'}", not enabled`);
  return (ledger && fromLedger(facts, ledger, updatedAt, judging)) ?? fromFlowService(facts, ageSeconds, judging.intervalSeconds);
}

/** The judgement before the ledger: the age of the last update against the credential lifetime. */
function fromFlowService(facts: Facts, ageSeconds: number | undefined, intervalSeconds: number): ConnectionStatus {
  if (ageSeconds === undefined) return judged(facts, 'no-update-time', 'Flow Service gave no updatedAt, so the age of its credentials is unknown');
  const lifetime = facts.lifetimeSeconds;
  const byWhom = facts.writtenByRotator ? '' : ` (last written by ${facts.updatedBy ?? 'someone else'}, not the rotator: the credentials may be older still)`;
  if (ageSeconds >= lifetime) {
    return judged(
      facts,
      'expired',
      `credentials written ${formatDuration(ageSeconds)} ago with a ${formatDuration(lifetime)} lifetime have likely expired${byWhom}`,
    );
  }
  if (ageSeconds > lifetime - intervalSeconds) {
    return judged(
      facts,
      'expiring',
      `credentials expire in about ${formatDuration(lifetime - ageSeconds)}, before the next scheduled run (every ${formatDuration(intervalSeconds)}) can be relied on${byWhom}`,
    );
  }
  return judged(facts, 'ok', facts.writtenByRotator ? undefined : `last written by ${facts.updatedBy ?? 'someone else'}, not the rotator`);
}

/** Adobe's code and words of a failed attempt, as the ledger kept them. */
function failureOf(attempt: LedgerAttempt, runsInARow: number, now: number): string {
  const attempts = attempt.attempts > 1 ? ` after ${attempt.attempts} attempts` : '';
  const row = runsInARow > 1 ? `, ${runsInARow} runs in a row` : '';
  return `the last attempt (${formatClock(attempt.at, now)}) failed${attempt.errorCode ? ` with ${attempt.errorCode}` : ''}${attempts}${row}${attempt.error ? `: ${attempt.error.replace(/\.$/, '')}` : ''}`;
}

/**
 * The judgement from the ledger, cross-checked with Flow Service; undefined when the entry cannot
 * decide (the connection was never rotated and its last attempt did not fail).
 */
function fromLedger(facts: Facts, ledger: LedgerRecord, updatedAt: number | undefined, judging: Judging): ConnectionStatus | undefined {
  const { now, intervalSeconds } = judging;
  const rotatedAt = ledger.lastRotation ? Date.parse(ledger.lastRotation.at) : undefined;
  const writtenLater = updatedAt !== undefined && (rotatedAt === undefined || updatedAt > rotatedAt);
  // The rotator's own client wrote after the ledger's last rotation (a `rotate --local`, or a
  // ledger write that failed): what it holds dates from that write.
  const rotatorLater = writtenLater && facts.writtenByRotator === true;
  const editedAfterRotation = writtenLater && !facts.writtenByRotator;
  const expiresAt = rotatorLater ? updatedAt + facts.lifetimeSeconds * 1000 : ledger.lastRotation ? Date.parse(ledger.lastRotation.expiresAt) : undefined;
  const attempt = ledger.lastAttempt;
  const failed = attempt?.outcome === 'failed' && !(rotatorLater && updatedAt > Date.parse(attempt.at));
  if (expiresAt === undefined && !failed) return undefined;

  const withLedger: Facts = {
    ...facts,
    judgedFrom: 'ledger',
    ...(expiresAt !== undefined ? { expiresAt: new Date(expiresAt).toISOString() } : {}),
    ...(editedAfterRotation ? { editedAfterRotation } : {}),
  };
  const remaining = expiresAt === undefined ? undefined : Math.round((expiresAt - now) / 1000);
  const holds =
    remaining === undefined
      ? 'the rotator has never written its credentials, so when they expire is unknown'
      : remaining <= 0
        ? `the credentials it holds expired at ${formatClock(expiresAt, now)}`
        : `the credentials it holds expire at ${formatClock(expiresAt, now)}, in about ${formatDuration(remaining)}`;
  const edit = editedAfterRotation
    ? `edited by ${facts.updatedBy ?? 'someone else'} at ${formatClock(updatedAt, now)}, ${rotatedAt === undefined ? 'and never rotated since' : `after its last rotation (${formatClock(rotatedAt, now)})`}`
    : undefined;
  const later = rotatorLater
    ? "the rotator's Adobe client wrote it after the ledger's last rotation (a rotate --local?), so its expiry counts from that write"
    : undefined;
  const say = (...parts: Array<string | undefined>) => parts.filter(Boolean).join('; ');

  if (remaining !== undefined && remaining <= 0)
    return judged(withLedger, 'expired', say(holds, failed ? failureOf(attempt!, ledger.consecutiveFailures, now) : undefined, edit, later));
  if (failed) return judged(withLedger, 'failing', say(failureOf(attempt!, ledger.consecutiveFailures, now), holds, edit, later));
  if (remaining! < intervalSeconds) {
    return judged(
      withLedger,
      'expiring',
      say(`${holds}, before the next scheduled run (every ${formatDuration(intervalSeconds)}) can be relied on`, edit, later),
    );
  }
  return judged(withLedger, 'ok', edit ? `${edit}: if that edit changed the credentials, the ledger's expiry no longer holds` : later);
}
