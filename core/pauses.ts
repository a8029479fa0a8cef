/**
 * Pauses: who stopped the scheduled rotation of which connections, why, and until when.
 *
 * One item of the rotation ledger (`connectionId: "#pauses"`) holds every pause. The operator CLI
 * writes it (`pause`, `resume`); the function reads it at the start of every run of all targets and
 * leaves a paused connection alone (reported `paused`, with what it holds) until the pause ends, on
 * its own, at `until`; `status` lists it. A request that names connections rotates them whatever
 * the pauses say: a manual `rotate --connection` still works while paused.
 *
 * Pure: the function, the CLI and the emulators share these shapes and rules.
 */
import { z } from 'zod';

/** The ledger item that holds every pause (no Flow Service connection id starts with `#`). */
export const PAUSES_KEY = '#pauses';
/**
 * The item an older CLI wrote for a pause of the whole rotator (its schedule disabled and its
 * alarms' actions off, no end): `status` shows it and `resume` ends it.
 */
export const LEGACY_PAUSE_KEY = '#paused';
/** The most pauses one item keeps (ended ones are dropped whenever the CLI writes it). */
export const MAX_PAUSES = 100;
/** Longer reasons belong in the change ticket the reason names. */
export const MAX_PAUSE_REASON_CHARS = 500;
/** The longest pause: a pause that outlives every credential lifetime is a forgotten one. */
export const MAX_PAUSE_SECONDS = 30 * 86_400;

/** One pause. */
export interface Pause {
  /** Short, random: names the pause in `status` and `resume`. */
  readonly id: string;
  /** The paused connections; absent: every target of the rotator. */
  readonly connectionIds?: readonly string[];
  readonly reason: string;
  /** The caller's ARN (sts:GetCallerIdentity). */
  readonly pausedBy: string;
  /** ISO 8601. */
  readonly pausedAt: string;
  /** ISO 8601: the pause ends on its own then. */
  readonly until: string;
  /** Paused past a connection's credential expiry, knowingly (`--force`). */
  readonly forced?: boolean;
}

const pauseSchema = z.object({
  id: z.string().min(1),
  connectionIds: z.array(z.string()).optional(),
  reason: z.string(),
  pausedBy: z.string(),
  pausedAt: z.string(),
  until: z.string().refine((value) => !Number.isNaN(Date.parse(value))),
  forced: z.boolean().optional(),
});

/**
 * The pauses an item holds, each checked; an entry that is not a pause is left out (and counted),
 * so one bad entry written by hand never hides the others.
 */
export function parsePauses(value: unknown): { pauses: Pause[]; invalid: number } {
  if (!Array.isArray(value)) return { pauses: [], invalid: value === undefined ? 0 : 1 };
  const pauses: Pause[] = [];
  let invalid = 0;
  for (const entry of value) {
    const parsed = pauseSchema.safeParse(entry);
    if (parsed.success) pauses.push(parsed.data);
    else invalid += 1;
  }
  return { pauses, invalid };
}

/** Whether the pause is in force at `now` (epoch ms): it ends on its own at `until`. */
export function isActive(pause: Pick<Pause, 'until'>, now: number): boolean {
  return Date.parse(pause.until) > now;
}

/** Whether the pause covers the connection (a pause without ids covers every one). */
export function covers(pause: Pick<Pause, 'connectionIds'>, connectionId: string): boolean {
  return !pause.connectionIds || pause.connectionIds.some((id) => id.toLowerCase() === connectionId.toLowerCase());
}

/** The pause in force for the connection at `now`: of several, the one that ends last. */
export function pauseOf(connectionId: string, pauses: readonly Pause[], now: number): Pause | undefined {
  let found: Pause | undefined;
  for (const pause of pauses) {
    if (!isActive(pause, now) || !covers(pause, connectionId)) continue;
    if (!found || Date.parse(pause.until) > Date.parse(found.until)) found = pause;
  }
  return found;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * A duration as `pause --for` takes it: a whole number and a unit, `90m`, `2h`, `1d` (also `45s`,
 * and combined, `1h30m`), in seconds; undefined when it is not one.
 */
export function parsePauseDuration(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (!/^(?:\d+[smhd])+$/.test(trimmed)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhd])/g)) {
    seconds += Number(amount) * UNIT_SECONDS[unit!]!;
  }
  return seconds > 0 ? seconds : undefined;
}

/**
 * A time as `pause --until` takes it: ISO 8601 with a time zone (`2025-06-01T18:00Z`, `…+02:00`);
 * undefined otherwise.
 */
export function parsePauseEnd(text: string): number | undefined {
  const trimmed = text.trim();
  // A time without a zone would be read in the laptop's zone: ask for one.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : ms;
}
