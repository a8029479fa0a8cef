/**
 * A recording of what Flow Service answers (`probe --record`), safe to share and to replay: every
 * secret and token is replaced by `<redacted>`, every id by a hash of the same shape (a uuid stays a
 * uuid, an org id an org id), the same value always by the same hash, so the recording still
 * reads as one connection's story. Bucket, folder and file names stay: they are the paths explore
 * is about; review them before sharing.
 *
 * The suite replays every recording in `test/contract/` against the client and the emulator
 * (test/integration/contract/recordings.test.ts).
 */
import { createHash } from 'node:crypto';

/** What a recording names each exchange, in the order `probe` makes them. */
export const EXCHANGE_NAMES = [
  'get-connection',
  'explore-root',
  'explore-folder',
  'explore-file',
  'list-connections',
  'error-unknown-connection',
] as const;
export type ExchangeName = (typeof EXCHANGE_NAMES)[number];

/** One request and Flow Service's answer to it. */
export interface RecordedExchange {
  readonly name: ExchangeName;
  readonly request: {
    readonly method: 'GET';
    /** The path under Flow Service's base URL, e.g. `/connections/<id>/explore`. */
    readonly path: string;
    readonly query: Readonly<Record<string, string>>;
    /** The sandbox the request was made in (the other headers are credentials, and are not kept). */
    readonly sandboxName: string;
  };
  readonly response: {
    readonly status: number;
    /** The response's content type. */
    readonly contentType?: string;
    readonly body: unknown;
  };
}

/** A recording file. */
export interface Recording {
  /** `probe` for one made against an org; `adobe-docs` for one built from Adobe's documented examples. */
  readonly source: 'probe' | 'adobe-docs';
  /** Where it comes from, in words (for `adobe-docs`, the pages its bodies are taken from). */
  readonly description: string;
  /** ISO 8601. */
  readonly recordedAt: string;
  readonly exchanges: readonly RecordedExchange[];
}

/** The values that are secrets wherever they appear, by key (auth params, tokens). */
const SECRET_KEYS = new Set([
  's3SecretKey',
  's3SessionToken',
  's3AccessKey',
  'access_token',
  'client_secret',
  'clientSecret',
  'token',
  'sessionToken',
]);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** An IMS org id (`…@AdobeOrg`), a user id (`…@AdobeID`) or a technical account (`…@techacct.adobe.com`). */
const ADOBE_ID = /\b([0-9A-Za-z]{16,40})@(AdobeOrg|AdobeID|techacct\.adobe\.com)\b/g;
/** An AWS access key id (`AKIA…`, `ASIA…`): not a secret, but it names an account's key. */
const ACCESS_KEY_ID = /\b(A[KS]IA[0-9A-Z]{16})\b/g;

const digest = (value: string) => createHash('sha256').update(value).digest('hex');

/** A uuid-shaped hash of a uuid: the same input always gives the same output. */
export function hashUuid(uuid: string): string {
  const hex = digest(uuid.toLowerCase());
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Replace every secret (by key, and every value of `secrets` wherever it appears) with
 * `<redacted>`, and every id with its hash of the same shape.
 * @param secrets values known to be secret (the Adobe client secret, the IMS token, the connection's keys).
 */
export function sanitize<T>(value: T, secrets: readonly string[]): T {
  const known = secrets.filter((secret) => secret.length >= 8);
  const text = (input: string): string => {
    let out = input;
    for (const secret of known) out = out.split(secret).join('<redacted>');
    return out
      .replace(UUID, (uuid) => hashUuid(uuid))
      .replace(
        ADOBE_ID,
        (_id, id: string, domain: string) => `${digest(id).slice(0, Math.min(id.length, 24)).toUpperCase()}@${domain}`,
      )
      .replace(ACCESS_KEY_ID, (key: string) => `${key.slice(0, 4)}${digest(key).slice(0, 16).toUpperCase()}`);
  };
  const walk = (node: unknown, key?: string): unknown => {
    if (typeof node === 'string') return key && SECRET_KEYS.has(key) && node !== '' ? '<redacted>' : text(node);
    if (Array.isArray(node)) return node.map((item) => walk(item));
    if (node && typeof node === 'object')
      return Object.fromEntries(Object.entries(node).map(([name, child]) => [text(name), walk(child, name)]));
    return node;
  };
  return walk(value) as T;
}

/** Every path a value's shape has (`items[].auth.params.bucketName: string`), for comparing two answers. */
export function shapeOf(value: unknown, at = ''): Map<string, string> {
  const shape = new Map<string, string>();
  const visit = (node: unknown, path: string) => {
    if (Array.isArray(node)) {
      shape.set(path || '.', 'array');
      for (const item of node) visit(item, `${path}[]`);
    } else if (node && typeof node === 'object') {
      shape.set(path || '.', 'object');
      for (const [key, child] of Object.entries(node)) visit(child, `${path}.${key}`);
    } else {
      shape.set(path || '.', node === null ? 'null' : typeof node);
    }
  };
  visit(value, at);
  return shape;
}
