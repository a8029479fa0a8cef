/**
 * One invocation's run: select the targets the request names, rotate them in the session, count the
 * run, log its end, and return the summary. It takes the long-lived clients and the session as
 * arguments and calls nothing back; whether the invocation then rejects is the handler's call
 * (`invocationFailure`).
 */
import type { RotationTarget } from './config.js';
import type { Composition } from './composition.js';
import { RequestValidationError } from './errors.js';
import type { RunTrigger } from './ledger-item.js';
import { pausedTargets } from './paused-targets.js';
import type { RotationRequest } from './request.js';
import { rotateTargets } from './rotate-targets.js';
import { findUnmanagedTemporary } from './run-checks.js';
import type { RotationSession } from './session.js';
import { summarize, type RotationSummary } from './summary.js';

/**
 * The targets a request selects, and the ids it names that are not targets. Any such id rejects the
 * whole request, unless it asks for them to be reported (`reportUnknown`): then nothing is selected.
 */
export function selectTargets(
  targets: readonly RotationTarget[],
  request: Pick<RotationRequest, 'connectionIds' | 'reportUnknown'>,
): { readonly targets: readonly RotationTarget[]; readonly unknown: readonly string[] } {
  if (!request.connectionIds) return { targets, unknown: [] };
  const byId = new Map(targets.map((target) => [target.connectionId.toLowerCase(), target]));
  const unknown = request.connectionIds.filter((id) => !byId.has(id.toLowerCase()));
  if (unknown.length > 0 && !request.reportUnknown) {
    throw new RequestValidationError([
      `connectionIds: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in the configured targets; ` +
        'nothing was rotated',
    ]);
  }
  if (unknown.length > 0) return { targets: [], unknown };
  return { targets: request.connectionIds.map((id) => byId.get(id.toLowerCase())!), unknown };
}

/** What started the run, as each connection's ledger history keeps it. */
export function triggerOf(request: Pick<RotationRequest, 'manual' | 'caller' | 'tick'>): RunTrigger {
  return request.manual
    ? { kind: 'manual', ...(request.caller ? { caller: request.caller } : {}) }
    : { kind: 'schedule', ...(request.tick ? { executionId: request.tick.executionId } : {}) };
}

/**
 * Rotate what the request selects, and summarize: every connection is attempted, and a failure is a
 * result, never a throw. The session's deadline keeps connections from starting too close to the
 * function's timeout and stops the ones still running before Lambda would cut them off.
 *
 * A run of every target (scheduled, or a manual request that names no connection) leaves the
 * connections a pause covers alone (core/pauses.ts): they are reported `paused`. A request that
 * names connections rotates them whatever the pauses say, and a dry run plans every one.
 */
export async function runRotation(
  request: RotationRequest,
  { config, flowService, minter }: Pick<Composition, 'config' | 'flowService' | 'minter'>,
  session: RotationSession,
): Promise<RotationSummary> {
  session.log.info('rotation started', {
    manual: request.manual,
    dryRun: request.dryRun,
    requested: request.connectionIds?.length ?? 'all',
  });
  const { targets, unknown } = selectTargets(config.targets, request);
  if (unknown.length > 0) {
    // Reported, not rejected (the caller asked): nothing was rotated, and nothing is counted.
    session.log.warn('rotation refused: connection ids that are not targets', { unknownConnectionIds: unknown });
    return { ...summarize([], request.dryRun), unknownConnectionIds: unknown };
  }
  const everyTarget = !request.connectionIds && !request.dryRun;
  const paused = !everyTarget ? undefined : await pausedTargets(targets, session, Date.now());
  if (paused && paused.size > 0)
    session.log.info('paused connections are left alone in this run', { paused: paused.size });
  const results = await rotateTargets(targets, { flowService, minter }, session, {
    dryRun: request.dryRun,
    verifyWithAdobe: config.verifyWithAdobe,
    concurrency: config.concurrency,
    ...(request.tick ? { tick: request.tick } : {}),
    trigger: triggerOf(request),
    ...(paused && paused.size > 0 ? { paused } : {}),
  });
  // A scheduled run of every target then looks for S3 connections nobody rotates, in the sandboxes it
  // touched, when Flow Service showed it at least one connection (else it would only be refused again).
  const reachedAdobe = results.some((result) => result.previousEtag !== undefined);
  const unmanagedTemporaryConnections =
    everyTarget && !request.manual && config.verifyWithAdobe && reachedAdobe && !session.deadline.signal.aborted
      ? await findUnmanagedTemporary(targets, flowService, session)
      : undefined;
  // Counted only when every sandbox was listed: a 0 from a listing Adobe refused would clear the alarm.
  const sandboxCount = new Set(targets.map((target) => target.sandboxName)).size;
  if (unmanagedTemporaryConnections?.length === sandboxCount) {
    session.recorder.unmanagedTemporaryConnections(
      unmanagedTemporaryConnections.reduce((count, sandbox) => count + sandbox.connectionIds.length, 0),
    );
  }
  const summary = {
    ...summarize(results, request.dryRun),
    ...(unmanagedTemporaryConnections ? { unmanagedTemporaryConnections } : {}),
  };
  session.recorder.runOutcome({ failed: summary.failed, everyTarget });
  const retried = results.filter((result) => result.attempts > 1).length;
  session.log[summary.failed > 0 ? 'warn' : 'info']('rotation finished', {
    rotated: summary.rotated,
    failed: summary.failed,
    skipped: summary.skipped,
    ...(summary.paused ? { paused: summary.paused } : {}),
    retried,
    dryRun: request.dryRun,
    targets: targets.length,
    ...(summary.failed > 0
      ? {
          failedConnectionIds: results
            .filter((result) => result.status === 'failed')
            .map((result) => result.connectionId),
        }
      : {}),
  });
  return summary;
}
