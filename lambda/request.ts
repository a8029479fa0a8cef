/**
 * Tells a manual request from a scheduled event and validates it.
 *
 * A manual request is an object with `connectionIds`, `dryRun` and/or `unknownConnections`; anything
 * else (an EventBridge rule or Scheduler event, an empty payload) rotates every target.
 */
import { z } from 'zod';
import { MAX_TARGETS } from '../core/contract.js';
import { requiredOr } from '../core/target-schema.js';
import { RequestValidationError } from './errors.js';

export interface RotationRequest {
  /** Only these connections; undefined means every target. */
  readonly connectionIds?: readonly string[];
  readonly dryRun: boolean;
  readonly manual: boolean;
  /**
   * `"unknownConnections": "report"`: ids that are not targets are answered in the summary
   * (`unknownConnectionIds`, nothing rotated) instead of rejecting the invocation, so a caller
   * (the CLI) reads them as data. @default false: they reject it, as before the field existed
   */
  readonly reportUnknown?: boolean;
  /**
   * The schedule tick a scheduled event stands for (EventBridge Scheduler's `executionId` and
   * `scheduledTime`, which the stack's schedule puts in the event): with a ledger, a second delivery
   * of the same tick PATCHes none of the connections it already rotated.
   */
  readonly tick?: ScheduleTick;
}

/** One firing of the schedule, as EventBridge Scheduler names it. */
export interface ScheduleTick {
  /** Unique to each firing; the same in every delivery and retry of it. */
  readonly executionId: string;
  readonly scheduledTime?: string;
}

/** Scheduler's execution ids are uuids; anything of this shape is taken as one. */
const EXECUTION_ID = /^[\w-]{1,128}$/;

/** The tick a scheduled event names, if it names one (an EventBridge rule's event or `{}` does not). */
function tickOf(event: unknown): ScheduleTick | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const { executionId, scheduledTime } = event as { executionId?: unknown; scheduledTime?: unknown };
  if (typeof executionId !== 'string' || !EXECUTION_ID.test(executionId)) return undefined;
  return { executionId, ...(typeof scheduledTime === 'string' ? { scheduledTime } : {}) };
}

/** The values of a manual request's `unknownConnections`. */
export const UNKNOWN_CONNECTIONS = ['reject', 'report'] as const;

const manualRequestSchema = z
  .object({
    connectionIds: z
      .array(z.guid({ error: requiredOr('must be a connection id (uuid)') }), { error: 'must be an array of connection ids' })
      .min(1, 'must list at least one connection id (omit it to rotate every target)')
      .max(MAX_TARGETS, `must list at most ${MAX_TARGETS} connection ids`)
      .optional(),
    dryRun: z.boolean({ error: 'must be true or false' }).optional(),
    unknownConnections: z.enum(UNKNOWN_CONNECTIONS, { error: `must be ${UNKNOWN_CONNECTIONS.map((value) => `"${value}"`).join(' or ')}` }).optional(),
  })
  .strict();

function isManualRequest(event: unknown): event is Record<string, unknown> {
  return (
    typeof event === 'object' && event !== null && !Array.isArray(event) && ('connectionIds' in event || 'dryRun' in event || 'unknownConnections' in event)
  );
}

/** Parse the invocation event. Throws {@link RequestValidationError} naming the bad field. */
export function parseRotationRequest(event: unknown): RotationRequest {
  if (!isManualRequest(event)) {
    const tick = tickOf(event);
    return { dryRun: false, manual: false, ...(tick ? { tick } : {}) };
  }
  const parsed = manualRequestSchema.safeParse(event);
  if (!parsed.success) {
    throw new RequestValidationError(
      parsed.error.issues.map((issue) => {
        const field = issue.path
          .map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))
          .join('')
          .replace(/^\./, '');
        if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.join(', ')}; allowed: connectionIds, dryRun, unknownConnections`;
        return `${field || '(request)'}: ${issue.message}`;
      }),
    );
  }
  const ids = parsed.data.connectionIds;
  if (ids) {
    const seen = new Set<string>();
    const duplicates = ids.filter((id) => seen.size === seen.add(id.toLowerCase()).size);
    if (duplicates.length > 0) throw new RequestValidationError([`connectionIds: lists ${duplicates.join(', ')} more than once`]);
  }
  return {
    connectionIds: ids,
    dryRun: parsed.data.dryRun ?? false,
    manual: true,
    ...(parsed.data.unknownConnections === 'report' ? { reportUnknown: true } : {}),
  };
}
