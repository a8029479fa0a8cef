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
  if (!isManualRequest(event)) return { dryRun: false, manual: false };
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
