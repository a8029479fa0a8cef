/**
 * AWS Signature Version 4 verification of a request an emulator received, so the emulators refuse
 * what AWS would refuse: unknown keys, wrong secrets, tampered bodies, stale or expired credentials.
 *
 * Recomputes the signature per https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 * (canonical request → string to sign → derived signing key), the way `@smithy/signature-v4` signs.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { AwsCredentials, RecordedRequest } from './types.js';

/** The AWS (Query protocol) error codes a signature check can end in. */
export type SigV4ErrorCode =
  | 'MissingAuthenticationToken'
  | 'IncompleteSignature'
  | 'InvalidClientTokenId'
  | 'SignatureDoesNotMatch'
  | 'ExpiredToken';

export type SigV4Result<C extends AwsCredentials> =
  | { readonly ok: true; readonly credentials: C; readonly region: string; readonly service: string }
  | { readonly ok: false; readonly code: SigV4ErrorCode; readonly message: string };

export interface SigV4VerifyOptions<C extends AwsCredentials> {
  /** The service name the credential scope must carry (`sts`, `secretsmanager`). */
  readonly service: string;
  /** The region the credential scope must carry. */
  readonly region: string;
  /** Credentials the server knows by access key id; undefined for unknown or revoked keys. */
  readonly lookup: (accessKeyId: string) => C | undefined;
  /** Clock for credential expiry (the emulator's, which tests move). @default Date.now */
  readonly now?: () => number;
}

/** AWS refuses requests signed more than 15 minutes away from its own time (wall clock, not the test clock). */
const MAX_SKEW_MS = 15 * 60 * 1000;

const MESSAGES = {
  missing: 'Request is missing Authentication Token',
  invalidToken: 'The security token included in the request is invalid.',
  mismatch:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  expired: 'The security token included in the request is expired',
} as const;

const fail = (code: SigV4ErrorCode, message: string) => ({ ok: false, code, message }) as const;

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves `!'()*` alone). */
const uriEscape = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Non-S3 services normalise the path and encode it once more (it arrived already encoded). */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `/${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return uriEscape(normalized).replace(/%2F/g, '/');
}

function canonicalQuery(query: Record<string, string>): string {
  return Object.entries(query)
    .filter(([key]) => key.toLowerCase() !== 'x-amz-signature')
    .map(([key, value]) => [uriEscape(key), uriEscape(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/** `20240102T030405Z` → epoch ms, or undefined when malformed. */
function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isNaN(ms) ? undefined : ms;
}

const formatAmzDate = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** Parse `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`. */
function parseAuthorization(header: string) {
  const [algorithm, ...rest] = header.trim().split(/\s+/);
  const fields = new Map<string, string>();
  for (const part of rest.join(' ').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return { algorithm, fields };
}

/**
 * Verify the SigV4 `Authorization` header of `request`.
 *
 * Checks, in this order: header present and well formed; access key known; session token equal
 * to the issued one (required for `ASIA` session keys, refused with long-term keys); credentials
 * not expired; signature equal (constant time); `x-amz-date` within 15 minutes.
 */
export function verifySigV4<C extends AwsCredentials>(request: RecordedRequest, options: SigV4VerifyOptions<C>): SigV4Result<C> {
  const header = request.headers['authorization'];
  if (!header) return fail('MissingAuthenticationToken', MESSAGES.missing);

  const auth = parseAuthorization(header);
  if (auth.algorithm !== 'AWS4-HMAC-SHA256') {
    return fail('IncompleteSignature', `Unsupported AWS 'algorithm': '${auth.algorithm ?? ''}'`);
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((name) => !auth.fields.get(name));
  if (missing.length > 0) {
    return fail('IncompleteSignature', missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' '));
  }
  const credential = auth.fields.get('Credential')!;
  const signedHeaders = auth.fields.get('SignedHeaders')!;
  const signature = auth.fields.get('Signature')!;
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') {
    return fail('IncompleteSignature', `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`);
  }
  const [accessKeyId, scopeDate, scopeRegion, scopeService] = scope as [string, string, string, string, string];
  const amzDate = request.headers['x-amz-date'] ?? '';
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) {
    return fail('IncompleteSignature', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  const signedHeaderNames = signedHeaders.split(';');
  if (!signedHeaderNames.includes('host')) {
    return fail('SignatureDoesNotMatch', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }

  const credentials = options.lookup(accessKeyId);
  if (!credentials) return fail('InvalidClientTokenId', MESSAGES.invalidToken);
  // A session key is only valid with its own token; a long-term key must not carry one.
  const token = request.headers['x-amz-security-token'];
  if ((token ?? '') !== (credentials.sessionToken ?? '')) return fail('InvalidClientTokenId', MESSAGES.invalidToken);
  if (credentials.expiration && (options.now ?? Date.now)() >= credentials.expiration.getTime()) {
    return fail('ExpiredToken', MESSAGES.expired);
  }

  if (scopeDate !== amzDate.slice(0, 8)) {
    return fail('SignatureDoesNotMatch', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`);
  }
  if (scopeRegion !== options.region) {
    return fail('SignatureDoesNotMatch', `Credential should be scoped to a valid region, not '${scopeRegion}'. `);
  }
  if (scopeService !== options.service) {
    return fail('SignatureDoesNotMatch', `Credential should be scoped to correct service: '${options.service}'. `);
  }

  // The payload hash is always computed from the body received (never trusted from
  // x-amz-content-sha256), so a body changed in transit breaks the signature.
  const canonicalHeaders = signedHeaderNames
    .map((name) => `${name}:${(request.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [
    request.method,
    canonicalPath(request.path),
    canonicalQuery(request.query),
    canonicalHeaders,
    signedHeaders,
    sha256Hex(request.body),
  ].join('\n');
  const credentialScope = `${scopeDate}/${scopeRegion}/${scopeService}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, scopeDate), scopeRegion), scopeService), 'aws4_request');
  const expected = hmac(signingKey, stringToSign);
  const given = Buffer.from(/^[0-9a-f]{64}$/.test(signature) ? signature : '', 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return fail('SignatureDoesNotMatch', MESSAGES.mismatch);

  const wallClock = Date.now();
  if (Math.abs(wallClock - signedAt) > MAX_SKEW_MS) {
    const bound =
      signedAt < wallClock
        ? `is now earlier than ${formatAmzDate(wallClock - MAX_SKEW_MS)} (${formatAmzDate(wallClock)} - 15 min.)`
        : `is now later than ${formatAmzDate(wallClock + MAX_SKEW_MS)} (${formatAmzDate(wallClock)} + 15 min.)`;
    return fail('SignatureDoesNotMatch', `Signature expired: ${amzDate} ${bound}`);
  }
  return { ok: true, credentials, region: scopeRegion, service: scopeService };
}
