/**
 * Tells a manual request from a scheduled event and validates it.
 *
 * A manual request is an object with `connectionIds`, `dryRun`, `unknownConnections` and/or
 * `caller`; an inspect request is `{"inspect": true, "connectionIds"?, "probe"?, "targetsOnly"?,
 * "unknownConnections"?, "discover"?, "sandboxes"?}` (read-only: lambda/inspect.ts); anything else (an EventBridge rule
 * or Scheduler event, an empty payload) rotates every target.
 */
import { z } from 'zod';
import { MAX_TARGETS, SANDBOX_NAME } from '../core/contract.js';
import { requiredOr } from '../core/target-schema.js';
import { RequestValidationError } from './errors.js';

export interface RotationRequest {
  /** Only these connections; undefined means every target. */
  readonly connectionIds?: readonly string[];
  readonly dryRun: boolean;
  readonly manual: boolean;
  /**
   * A manual request: who asked, as the caller says (the CLI sends its sts:GetCallerIdentity ARN);
   * kept in each connection's ledger history. Lambda's CloudTrail data events record the real invoker.
   */
  readonly caller?: string;
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

/** A read-only request: Adobe's view of each connection, nothing minted or patched (lambda/inspect.ts). */
export interface InspectRequest {
  /** Only these connections; undefined means every target. */
  readonly connectionIds?: readonly string[];
  /** Also ask Flow Service to explore each connection with what it holds now. */
  readonly probe: boolean;
  /** Only the configured targets, from the function's configuration: nothing is asked of Adobe or AWS. */
  readonly targetsOnly: boolean;
  /** Ids that are not targets are answered (`unknownConnectionIds`) instead of rejecting the request. */
  readonly reportUnknown?: boolean;
  /**
   * List every S3 connection in these sandboxes instead (`discover`: which ones nothing rotates);
   * an empty list means the targets' sandboxes.
   */
  readonly discover?: readonly string[];
}

/** What an invocation is asked to do. */
export type Invocation =
  | { readonly kind: 'rotate'; readonly request: RotationRequest }
  | { readonly kind: 'inspect'; readonly request: InspectRequest };

const connectionIdsSchema = z
  .array(z.guid({ error: requiredOr('must be a connection id (uuid)') }), {
    error: 'must be an array of connection ids',
  })
  .min(1, 'must list at least one connection id (omit it to rotate every target)')
  .max(MAX_TARGETS, `must list at most ${MAX_TARGETS} connection ids`);

/** The longest `caller` kept: an ARN is at most 2048 characters. */
const MAX_CALLER_CHARS = 2048;

/** The values of a manual request's `unknownConnections`. */
export const UNKNOWN_CONNECTIONS = ['reject', 'report'] as const;
const unknownConnectionsSchema = z.enum(UNKNOWN_CONNECTIONS, {
  error: `must be ${UNKNOWN_CONNECTIONS.map((value) => `"${value}"`).join(' or ')}`,
});

const manualRequestSchema = z
  .object({
    connectionIds: connectionIdsSchema.optional(),
    dryRun: z.boolean({ error: 'must be true or false' }).optional(),
    unknownConnections: unknownConnectionsSchema.optional(),
    caller: z
      .string({ error: 'must be a string (who asked, e.g. an ARN)' })
      .min(1, 'must not be empty')
      .max(MAX_CALLER_CHARS, `must be at most ${MAX_CALLER_CHARS} characters`)
      .optional(),
  })
  .strict();

/** The most sandboxes one discover request lists (an org has a few dozen at most). */
const MAX_DISCOVER_SANDBOXES = 50;

const inspectRequestSchema = z
  .object({
    inspect: z.literal(true, { error: requiredOr('must be true (omit it to rotate)') }),
    connectionIds: connectionIdsSchema.optional(),
    probe: z.boolean({ error: 'must be true or false' }).optional(),
    targetsOnly: z.boolean({ error: 'must be true or false' }).optional(),
    unknownConnections: unknownConnectionsSchema.optional(),
    discover: z.literal(true, { error: 'must be true (omit it to inspect the targets)' }).optional(),
    sandboxes: z
      .array(z.string().regex(SANDBOX_NAME, 'must be a sandbox name: lower-case letters, digits and hyphens'), {
        error: 'must be a list of sandbox names',
      })
      .max(MAX_DISCOVER_SANDBOXES, `must name at most ${MAX_DISCOVER_SANDBOXES} sandboxes`)
      .optional(),
    // Sent along with `inspect` so that a function from before inspect existed takes the request for
    // a manual dry run and refuses its unknown field, instead of taking it for a scheduled event.
    dryRun: z
      .literal(true, { error: 'must be true when given with inspect (an inspect request changes nothing)' })
      .optional(),
  })
  .strict();

const MANUAL_FIELDS = ['connectionIds', 'dryRun', 'unknownConnections', 'caller'];
/** Fields only an inspect request has: an event with one is never taken for a rotation of every target. */
const INSPECT_ONLY_FIELDS = ['inspect', 'probe', 'targetsOnly', 'discover', 'sandboxes'];
const INSPECT_FIELDS = [
  'inspect',
  'connectionIds',
  'probe',
  'targetsOnly',
  'unknownConnections',
  'discover',
  'sandboxes',
  'dryRun',
];

function isManualRequest(event: unknown): event is Record<string, unknown> {
  return (
    typeof event === 'object' &&
    event !== null &&
    !Array.isArray(event) &&
    [...MANUAL_FIELDS, ...INSPECT_ONLY_FIELDS].some((field) => field in event)
  );
}

/** The problems of a failed parse, each naming its field. */
function issuesOf(error: z.ZodError, allowed: readonly string[]): string[] {
  return error.issues.map((issue) => {
    const field = issue.path
      .map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))
      .join('')
      .replace(/^\./, '');
    if (issue.code === 'unrecognized_keys')
      return `unknown field(s) ${issue.keys.join(', ')}; allowed: ${allowed.join(', ')}`;
    return `${field || '(request)'}: ${issue.message}`;
  });
}

function refuseDuplicates(ids: readonly string[] | undefined): void {
  if (!ids) return;
  const seen = new Set<string>();
  const duplicates = ids.filter((id) => seen.size === seen.add(id.toLowerCase()).size);
  if (duplicates.length > 0)
    throw new RequestValidationError([`connectionIds: lists ${duplicates.join(', ')} more than once`]);
}

/**
 * Parse the invocation event: an inspect request (`"inspect"` present), or a rotation (manual or
 * scheduled). Throws {@link RequestValidationError} naming the bad field.
 */
export function parseInvocation(event: unknown): Invocation {
  if (
    typeof event !== 'object' ||
    event === null ||
    Array.isArray(event) ||
    !INSPECT_ONLY_FIELDS.some((field) => field in event)
  ) {
    return { kind: 'rotate', request: parseRotationRequest(event) };
  }
  const parsed = inspectRequestSchema.safeParse(event);
  if (!parsed.success) throw new RequestValidationError(issuesOf(parsed.error, INSPECT_FIELDS));
  refuseDuplicates(parsed.data.connectionIds);
  if (parsed.data.sandboxes && !parsed.data.discover)
    throw new RequestValidationError(['sandboxes: only with "discover": true']);
  return {
    kind: 'inspect',
    request: {
      ...(parsed.data.connectionIds ? { connectionIds: parsed.data.connectionIds } : {}),
      probe: parsed.data.probe ?? false,
      targetsOnly: parsed.data.targetsOnly ?? false,
      ...(parsed.data.unknownConnections === 'report' ? { reportUnknown: true } : {}),
      ...(parsed.data.discover ? { discover: [...new Set(parsed.data.sandboxes ?? [])] } : {}),
    },
  };
}

/** Parse the invocation event. Throws {@link RequestValidationError} naming the bad field. */
export function parseRotationRequest(event: unknown): RotationRequest {
  if (!isManualRequest(event)) {
    const tick = tickOf(event);
    return { dryRun: false, manual: false, ...(tick ? { tick } : {}) };
  }
  const parsed = manualRequestSchema.safeParse(event);
  if (!parsed.success) throw new RequestValidationError(issuesOf(parsed.error, MANUAL_FIELDS));
  const ids = parsed.data.connectionIds;
  refuseDuplicates(ids);
  return {
    connectionIds: ids,
    dryRun: parsed.data.dryRun ?? false,
    manual: true,
    ...(parsed.data.unknownConnections === 'report' ? { reportUnknown: true } : {}),
    ...(parsed.data.caller ? { caller: parsed.data.caller } : {}),
  };
}
