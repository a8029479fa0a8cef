/**
 * Which targets a pause keeps a run of every target from rotating (core/pauses.ts), read from the
 * ledger at the start of the run, and the result each is reported with: `paused`, with what it
 * still holds (the ledger's last rotation), so its expiry is reported honestly (under the `paused`
 * dimension, which the per-connection alarms leave out: lambda/observability.ts).
 */
import { pauseOf, type Pause } from '../core/pauses.js';
import type { RotationTarget } from './config.js';
import type { RotationSession } from './session.js';
import type { ConnectionResult } from './summary.js';

/** A paused target's pause, and when what it holds expires (when the ledger knows). */
export interface PausedTarget {
  readonly pause: Pause;
  readonly heldCredentialsExpireAt?: string;
}

/**
 * The paused targets of a run of every target, by connection id; empty without a ledger or a pause
 * in force. A ledger that cannot be read is logged, and every target rotates: rotating a paused
 * connection is wasteful at worst, letting an unpaused one expire is not.
 */
export async function pausedTargets(
  targets: readonly RotationTarget[],
  session: RotationSession,
  now: number,
): Promise<Map<string, PausedTarget>> {
  const paused = new Map<string, PausedTarget>();
  const { ledger } = session;
  if (!ledger) return paused;
  try {
    const signal = session.deadline.gateSignal();
    const { pauses, invalid } = await ledger.pauses({ signal });
    if (invalid > 0)
      session.log.warn('the ledger holds pause entries that are not pauses; they are ignored', {
        table: ledger.tableName,
        invalid,
      });
    const covered = targets.flatMap((target) => {
      const pause = pauseOf(target.connectionId, pauses, now);
      return pause ? [[target.connectionId, pause] as const] : [];
    });
    if (covered.length === 0) return paused;
    const held = await ledger.heldExpiries(
      covered.map(([id]) => id),
      { signal },
    );
    for (const [id, pause] of covered)
      paused.set(id, { pause, ...(held.has(id) ? { heldCredentialsExpireAt: held.get(id)! } : {}) });
    return paused;
  } catch (error) {
    session.log.warn('rotation ledger read failed; pauses cannot be honoured, so every target is rotated', {
      table: ledger.tableName,
      errorName: (error as Error)?.name ?? 'Error',
      error: session.redactor.redact(String((error as Error)?.message ?? error)).slice(0, 300),
    });
    return new Map();
  }
}

/** The result of a target a pause kept from rotating: nothing was asked of Adobe or STS. */
export function pausedResult(
  target: RotationTarget,
  { pause, heldCredentialsExpireAt }: PausedTarget,
): ConnectionResult {
  return {
    connectionId: target.connectionId,
    sandboxName: target.sandboxName,
    status: 'paused',
    attempts: 0,
    pausedUntil: pause.until,
    pausedBy: pause.pausedBy,
    pauseReason: pause.reason,
    ...(heldCredentialsExpireAt ? { heldCredentialsExpireAt } : {}),
  };
}
