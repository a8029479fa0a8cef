/**
 * How a configuration problem reads: its field path, the value it got (masked where it could be a
 * secret), and a "did you mean" where the intended name or value is obvious; and where in a JSON
 * file a syntax error is. Shared by `cdk synth` (lib/config/config.ts) and the CLI.
 */
import { parse as parseTolerantly, type ParseError } from 'jsonc-parser';
import leven from 'leven';
import { z } from 'zod';
import { SANDBOX_NAME } from '../../core/contract.js';
import { adobeSecretRotationSchema } from './adobe-secret-rotation.js';
import { vpcSchema } from './guardrails.js';

import { ACCOUNT, createRoleSchema, REGION, rootSchema, targetSchema } from './schema.js';

/**
 * The known name a mistyped one most likely meant, for "did you mean ...?": the same name in
 * another case, else the nearest by edit distance, if it is within a third of the name's length
 * (at least 1: `dryrun` → `dry-run`, `durationSecond` → `durationSeconds`).
 *
 * @returns undefined when no known name is that close (or the name is known as it is).
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  if (known.includes(name)) return undefined;
  const lower = name.toLowerCase();
  const sameButCase = known.find((candidate) => candidate.toLowerCase() === lower);
  if (sameButCase) return sameButCase;
  const maxDistance = Math.max(1, Math.floor(name.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = leven(lower, candidate.toLowerCase(), { maxDistance: maxDistance + 1 });
    if (distance <= maxDistance && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/** Where JSON text stops being JSON, 1-based, and why (the words of `JSON.parse`). */
export interface JsonSyntaxError {
  readonly line: number;
  readonly column: number;
  readonly reason: string;
}

/**
 * Locate the error `JSON.parse(text)` threw, for a `file:line:column` message. V8 gives a position
 * for most errors but not for an unexpected token (`{"a": }`), so the offset comes from
 * jsonc-parser's scanner, strict (no comments, no trailing commas), when V8's message has none.
 *
 * @param error what `JSON.parse(text)` threw.
 */
export function locateJsonError(text: string, error: unknown): JsonSyntaxError {
  const message = error instanceof Error ? error.message : String(error);
  let offset = Number(/ at position (\d+)/.exec(message)?.[1] ?? Number.NaN);
  if (Number.isNaN(offset)) {
    const errors: ParseError[] = [];
    parseTolerantly(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    // "Unexpected token '}'": the first error at that token (`{"a": tru}` has one at "tru" first).
    const token = /^Unexpected token '(.)'/.exec(message)?.[1];
    offset =
      (errors.find((candidate) => token !== undefined && text[candidate.offset] === token) ?? errors[0])?.offset ??
      text.length;
  }
  const before = text.slice(0, offset).split('\n');
  // V8's own words without the position (given as line and column) or the snippet of the text it quotes.
  const reason = message
    .replace(/(?: in JSON)? at position \d+(?: \(line \d+ column \d+\))?$/, '')
    .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '');
  return { line: before.length, column: before.at(-1)!.length + 1, reason };
}

export type Issue = z.core.$ZodIssue;

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (at, key) => (typeof key === 'number' ? `${at}[${key}]` : at ? `${at}.${String(key)}` : String(key)),
    '',
  );
}

/** The fields an object at `path` may have, for "unknown field" messages. */
function allowedFields(path: readonly PropertyKey[]): readonly string[] {
  const last = path[path.length - 1];
  if (path.length === 0) return Object.keys(rootSchema.shape);
  if (typeof last === 'number') return Object.keys(targetSchema.shape);
  if (last === 'createRole') return Object.keys(createRoleSchema.shape);
  if (last === 'vpc') return Object.keys(vpcSchema.shape);
  if (last === 'adobeSecretRotation') return Object.keys(adobeSecretRotationSchema.shape);
  return ['secretId', 'kmsKeyArn'];
}

export function describeIssue(issue: Issue, prefix: readonly PropertyKey[] = []): string {
  const fullPath = [...prefix, ...issue.path];
  const path = formatPath(fullPath) || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedFields(fullPath);
    const keys = issue.keys.map((key) => {
      const meant = closestName(key, allowed);
      return meant ? `${key} (did you mean ${meant}?)` : key;
    });
    return `${path}: unknown field(s) ${keys.join(', ')}; allowed: ${allowed.join(', ')}`;
  }
  return `${path}: ${issue.message}${whatWasGiven(issue, fullPath)}`;
}

/** The longest value a message repeats in full. */
const MAX_SHOWN_VALUE_CHARS = 80;
/**
 * A secret-name field's value this long that is not a name is shown only in part: it could be a secret (keys, client
 * secrets are longer).
 */
const MIN_MASKED_CHARS = 16;

/**
 * `; got "EMEA-Stage" (did you mean "emea-stage"?)`: the value a field was given, unless the
 * message already shows it, and the value probably meant where one is obvious. Nothing for a
 * missing field (its message says it is required).
 */
function whatWasGiven(issue: Issue, path: readonly PropertyKey[]): string {
  const { input } = issue as { input?: unknown };
  if (input === undefined) return '';
  const meant = probablyMeant(issue, input, path);
  if (shows(issue.message, input)) return meant ? `; did you mean ${meant}?` : '';
  return `; got ${showValue(input, path)}${meant ? ` (did you mean ${meant}?)` : ''}`;
}

/** Whether a message already quotes the value (`"Bad_Bucket" is not ...`, `7200 is above ...`). */
function shows(message: string, input: unknown): boolean {
  if (typeof input === 'string') return message.includes(JSON.stringify(input));
  if (typeof input === 'number')
    return new RegExp(`(^|[^\\d.])${String(input).replace('.', '\\.')}(?![\\d.])`).test(message);
  return false;
}

function showValue(input: unknown, path: readonly PropertyKey[]): string {
  if (Array.isArray(input)) return input.length === 0 ? 'an empty array' : `an array of ${input.length}`;
  if (input === null) return 'null';
  if (typeof input === 'object') return 'an object';
  if (typeof input !== 'string') return String(input);
  // A secret's name was expected; a long string that is not one may be the secret itself, pasted by mistake.
  const secretName =
    path.at(-1) === 'secretId' || path.at(-1) === 'adobeCredentialsSecret' || path.at(-1) === 'userCredentialsSecret';
  if (secretName && !input.startsWith('arn:') && input.length >= MIN_MASKED_CHARS) {
    return (
      `"${input.slice(0, 4)}…" (${input.length} characters, not shown in full in case it is a secret rather than ` +
      'its name)'
    );
  }
  return JSON.stringify(
    input.length <= MAX_SHOWN_VALUE_CHARS ? input : `${input.slice(0, MAX_SHOWN_VALUE_CHARS - 1)}…`,
  );
}

/** The value a person most likely meant, where one is obvious; as it would be written in the JSON. */
function probablyMeant(issue: Issue, input: unknown, path: readonly PropertyKey[]): string | undefined {
  const field = path.at(-1);
  if (issue.code === 'invalid_value' && typeof input === 'string') {
    const meant = closestName(input, issue.values.map(String));
    return meant === undefined ? undefined : JSON.stringify(meant);
  }
  if (issue.code === 'invalid_type' && typeof input === 'string') {
    // A number or boolean written in quotes.
    if (issue.expected === 'number' && input.trim() !== '' && Number.isFinite(Number(input)))
      return `${Number(input)}, without quotes`;
    if (issue.expected === 'boolean' && /^(true|false)$/i.test(input.trim()))
      return `${input.trim().toLowerCase()}, without quotes`;
    return undefined;
  }
  if (typeof input !== 'string') return undefined;
  const lowerHyphenated = input
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
  if (field === 'sandboxName' && SANDBOX_NAME.test(lowerHyphenated)) return JSON.stringify(lowerHyphenated);
  if (field === 'region' && REGION.test(lowerHyphenated)) return JSON.stringify(lowerHyphenated);
  if (field === 'account' && ACCOUNT.test(input.replace(/[\s-]/g, '')))
    return JSON.stringify(input.replace(/[\s-]/g, ''));
  if (field === 'connectionId' && z.guid().safeParse(input.trim().replace(/^\{(.*)\}$/, '$1')).success)
    return JSON.stringify(input.trim().replace(/^\{(.*)\}$/, '$1'));
  return undefined;
}
