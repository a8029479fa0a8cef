/**
 * `--connection` values as a person types them: a whole connection id, or any unique prefix of one
 * (the 8 characters the tables print), resolved against the targets the command knows (the local
 * configuration's, else the deployed function's). Everywhere `--connection` is accepted.
 */
import leven from 'leven';
import { UsageError } from './errors.js';

/** Shorter prefixes match too much by accident (a `revoke` of the wrong connection): at least this many characters. */
export const MIN_PREFIX_CHARS = 4;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A typed id that is a whole uuid but no target: the target a character or two away, if any. */
function meant(id: string, targets: readonly string[]): string | undefined {
  let best: string | undefined;
  let distance = 3;
  for (const target of targets) {
    const d = leven(id.toLowerCase(), target.toLowerCase());
    if (d < distance) {
      best = target;
      distance = d;
    }
  }
  return best;
}

/**
 * The targets `given` names, each resolved to its whole id, in the order given; undefined when none
 * was given.
 *
 * @param targets the ids the command knows (the configuration's, or the deployed function's).
 * @param where how those targets are named in a message, e.g. `the local configuration`.
 * @throws UsageError (exit 2) for a value that is not an id or a prefix of one, a prefix that names
 * more than one target, an id that is no target, or a connection named twice.
 */
export function resolveConnectionIds(
  given: readonly string[] | undefined,
  targets: readonly string[],
  where: string,
): string[] | undefined {
  if (!given || given.length === 0) return undefined;
  const resolved: string[] = [];
  const unknown: string[] = [];
  for (const value of given) {
    const typed = value.trim().toLowerCase();
    if (!/^[0-9a-f-]+$/.test(typed) || (typed.length < MIN_PREFIX_CHARS && !UUID.test(typed))) {
      throw new UsageError(
        `--connection "${value}" is not a Flow Service connection id or the start of one (at least ` +
          `${MIN_PREFIX_CHARS} of its hex digits, e.g. 4cb0c374, or all of it).`,
      );
    }
    const matching = targets.filter((id) => id.toLowerCase().startsWith(typed));
    if (matching.length > 1 && !matching.some((id) => id.toLowerCase() === typed)) {
      throw new UsageError(
        `--connection ${value} is the start of ${matching.length} targets (${matching.join(', ')}): ` +
          'give more of its characters.',
      );
    }
    const id = matching.find((candidate) => candidate.toLowerCase() === typed) ?? matching[0];
    if (!id) {
      unknown.push(value);
      continue;
    }
    if (resolved.includes(id))
      throw new UsageError(`--connection ${value} names ${id}, which is given more than once.`);
    resolved.push(id);
  }
  if (unknown.length > 0) {
    const named = unknown.map((id) => {
      const close = UUID.test(id) ? meant(id, targets) : undefined;
      return close ? `${id} (did you mean ${close}?)` : id;
    });
    throw new UsageError(
      `${named.join(', ')} ${unknown.length === 1 ? 'is not a target' : 'are not targets'} in ${where}.`,
    );
  }
  return resolved;
}
