/**
 * Every target of one run: at most `concurrency` connections at a time, none started too close to
 * the deadline, one more attempt at the end for a failure that may pass, and each final outcome
 * recorded (the ledger, the metrics, the connection's log line). One connection's rotation is
 * `rotate-connection.ts`.
 */
import pLimit from 'p-limit';
import type { RotationTarget } from './config.js';
import type { RememberedConnection, RotationLedger } from './ledger.js';
import type { LedgerRotation, RunTrigger } from './ledger-item.js';
import { pausedResult, type PausedTarget } from './paused-targets.js';
import type { ScheduleTick } from './request.js';
import {
  patchLanded,
  reverifyRotation,
  rotateConnection,
  type RotateOptions,
  type RotationClients,
} from './rotate-connection.js';
import { checkIngestion, readMemory, type IngestionFields } from './run-checks.js';
import type { RotationSession } from './session.js';
import type { ConnectionResult } from './summary.js';

function notStarted(target: RotationTarget): ConnectionResult {
  return {
    connectionId: target.connectionId,
    sandboxName: target.sandboxName,
    status: 'failed',
    error:
      'not attempted: the invocation was about to reach its timeout; raise the function timeout or ' +
      'ROTATION_CONCURRENCY',
    errorCode: 'OUT_OF_TIME',
    attempts: 0,
  };
}

/** A failure worth one more attempt at the end of the run: it may pass, and it was not stopped by the deadline. */
export function deservesAnotherAttempt(result: ConnectionResult): boolean {
  return result.status === 'failed' && result.transient === true && result.attempts === 1;
}

export interface RotateTargetsOptions extends Omit<RotateOptions, 'attempt'> {
  readonly concurrency: number;
  /**
   * The schedule tick this run is a delivery of: with a ledger, what an earlier delivery rotated is not PATCHed again.
   */
  readonly tick?: ScheduleTick;
  /**
   * What started the run, for each connection's ledger history.
   * @default a schedule tick when `tick` is given, else a manual request
   */
  readonly trigger?: RunTrigger;
  /** Targets a pause keeps this run from rotating (lambda/paused-targets.ts): reported `paused`, not touched. */
  readonly paused?: ReadonlyMap<string, PausedTarget>;
}

/** The `errorCode` of a connection an earlier delivery of the same schedule tick already rotated. */
export const DUPLICATE_DELIVERY = 'DUPLICATE_DELIVERY';

/**
 * A connection an earlier delivery of this tick rotated: reported `skipped` with what that
 * delivery put in it (its etag and expiry, from the ledger), neither PATCHed nor counted again.
 */
function rotatedEarlier(target: RotationTarget, rotation: LedgerRotation, tick: ScheduleTick): ConnectionResult {
  return {
    connectionId: target.connectionId,
    sandboxName: target.sandboxName,
    status: 'skipped',
    etag: rotation.etag,
    expiresAt: rotation.expiresAt,
    adobeVerified: rotation.adobeVerified,
    errorCode: DUPLICATE_DELIVERY,
    error:
      `rotated at ${rotation.at} by an earlier delivery of this scheduled run (executionId ${tick.executionId}); ` +
      'not patched again',
    attempts: 0,
  };
}

/**
 * What earlier deliveries of `tick` rotated, from the ledger; empty without a tick or a ledger. A
 * read that fails is logged, and every connection rotates: a duplicate PATCH is wasteful, not wrong.
 */
async function rotatedInTick(
  targets: readonly RotationTarget[],
  session: RotationSession,
  tick: ScheduleTick | undefined,
): Promise<Map<string, LedgerRotation>> {
  if (!tick || !session.ledger) return new Map();
  try {
    return await session.ledger.rotatedInTick(
      targets.map((target) => target.connectionId),
      tick.executionId,
      { signal: session.deadline.signal },
    );
  } catch (error) {
    session.log.warn(
      'rotation ledger read failed; a connection an earlier delivery of this scheduled run rotated is rotated again',
      {
        table: session.ledger.tableName,
        executionId: tick.executionId,
        errorName: (error as Error)?.name ?? 'Error',
        error: session.redactor.redact(String((error as Error)?.message ?? error)).slice(0, 300),
      },
    );
    return new Map();
  }
}

/**
 * Rotate every target in the session's invocation, at most `concurrency` at a time; results keep the
 * targets' order. A connection is not started when the session's deadline leaves too little time
 * (it is reported failed, untouched), and each final result is recorded by the session's recorder
 * in that connection's log.
 *
 * A connection that failed for a reason that may pass (after got's and the SDK's own retries) gets
 * one more attempt once every connection has had its first, if the deadline allows: a brief
 * throttling or outage then costs neither a failed run nor Lambda's retry of the whole event.
 */
export async function rotateTargets(
  targets: readonly RotationTarget[],
  clients: RotationClients,
  session: RotationSession,
  options: RotateTargetsOptions,
): Promise<ConnectionResult[]> {
  const limit = pLimit(options.concurrency);
  const { deadline, recorder } = session;
  const { tick, trigger: given, paused, ...rotateOptions } = options;
  const trigger: RunTrigger =
    given ?? (tick ? { kind: 'schedule', executionId: tick.executionId } : { kind: 'manual' });
  // Read while the connections start: a form is needed only when Adobe is asked, several requests later.
  const memory = options.verifyWithAdobe ? readMemory(targets, session) : undefined;
  let remembered: ReadonlyMap<string, RememberedConnection> | undefined;
  void memory?.then((found) => {
    remembered = found;
  });
  // Did ingestion run since the rotator's previous attempt: asked once the connection's outcome is
  // known, outside its slot, so it never delays another connection's rotation.
  const ingestionLimit = pLimit(options.concurrency);
  const ingestionOf = (target: RotationTarget): Promise<IngestionFields | undefined> =>
    memory && !options.dryRun
      ? memory.then((known) =>
          ingestionLimit(() =>
            checkIngestion(target, clients.flowService, session, known.get(target.connectionId)?.lastAttemptAt),
          ),
        )
      : Promise.resolve(undefined);
  const attempt = (target: RotationTarget, number: number) =>
    limit(async () =>
      number === 1 && !deadline.hasTimeToStart()
        ? notStarted(target)
        : rotateConnection(target, clients, session, {
            ...rotateOptions,
            attempt: number,
            exploreForm: () => remembered?.get(target.connectionId)?.exploreForm,
          }),
    );
  const record = async (target: RotationTarget, result: ConnectionResult) => {
    // Only for a connection Flow Service showed: one it could not read (not found, refused, down) has no chain to read
    // either.
    const ingestion =
      result.previousEtag !== undefined && !deadline.signal.aborted ? await ingestionOf(target) : undefined;
    const final = await keepInLedger(target, { ...result, ...ingestion }, session, trigger);
    recorder.connectionOutcome(final, session.loggerFor(target));
    return final;
  };

  const earlier = options.dryRun ? new Map<string, LedgerRotation>() : await rotatedInTick(targets, session, tick);
  const first = await Promise.all(
    targets.map(async (target) => {
      const pause = paused?.get(target.connectionId);
      if (pause) {
        // Nothing is asked of Adobe or STS, and the ledger is not written: the pause is in the ledger already.
        const result = pausedResult(target, pause);
        recorder.connectionOutcome(result, session.loggerFor(target));
        return result;
      }
      const rotation = earlier.get(target.connectionId);
      if (rotation && tick) {
        session
          .loggerFor(target)
          .info('connection already rotated by an earlier delivery of this scheduled run; not patched again', {
            executionId: tick.executionId,
            rotatedAt: rotation.at,
            etag: rotation.etag,
          });
        return rotatedEarlier(target, rotation, tick);
      }
      const result = await attempt(target, 1);
      return deservesAnotherAttempt(result) ? result : record(target, result);
    }),
  );
  const final = await Promise.all(
    first.map(async (result, index) => {
      if (!deservesAnotherAttempt(result)) return result;
      const target = targets[index]!;
      let final = result;
      if (deadline.hasTimeToStart()) {
        session
          .loggerFor(target)
          .warn('connection failed for a reason that may pass; one more attempt at the end of the run', {
            errorCode: result.errorCode,
            error: result.error,
          });
        final = patchLanded(result)
          ? await limit(() => reverifyRotation(result, target, clients, session))
          : await attempt(target, 2);
      } else {
        final = { ...result, error: `${result.error}; no time was left for another attempt in this run` };
      }
      return record(target, final);
    }),
  );
  // Nothing of the invocation runs after it: the read settles within its own budget.
  await memory;
  return final;
}

/**
 * Write a connection's outcome to the ledger (not a dry run's: it changes nothing), and let what
 * the ledger said it held decide a failed connection's held expiry: the ledger knows when the
 * rotator last rotated it, which Flow Service's `updatedAt` forgets at anyone's edit. A failed
 * write is logged and counted, and never fails the rotation.
 */
async function keepInLedger(
  target: RotationTarget,
  result: ConnectionResult,
  session: RotationSession,
  trigger: RunTrigger,
): Promise<ConnectionResult> {
  if (!session.ledger || result.status === 'dry-run') return result;
  let previous: Awaited<ReturnType<RotationLedger['record']>>;
  try {
    // Not the deadline's stop signal: a stopped run still records what it did. But a write still
    // running just before the function's timeout is abandoned, so the summary and the metrics
    // still get out (it is then logged and counted as failed, like any other).
    previous = await session.ledger.record(result, target.method, { signal: session.deadline.recordSignal, trigger });
  } catch (error) {
    session.recorder.ledgerWriteFailed();
    session.loggerFor(target).warn('rotation ledger write failed; the rotation itself is unaffected', {
      table: session.ledger.tableName,
      errorName: (error as Error)?.name ?? 'Error',
      error: session.redactor.redact(String((error as Error)?.message ?? error)).slice(0, 300),
    });
    return result;
  }
  const held = previous?.lastRotation?.expiresAt;
  if (result.status !== 'failed' || !held || result.etag) return result;
  return { ...result, heldCredentialsExpireAt: held };
}
