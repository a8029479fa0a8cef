/**
 * AWS Signature Version 4 verification of a request an emulator received, so the emulators refuse
 * what AWS would refuse: unknown keys, wrong secrets, tampered bodies, stale or expired credentials.
 *
 * The signature itself is recomputed by `@smithy/signature-v4` — the signer the AWS SDK signs
 * with — over the request as received, restricted to the headers the client listed in
 * `SignedHeaders`. What stays here is what a signer has no reason to know: parsing the
 * `Authorization` header, looking the key up, checking token, expiry, scope and clock skew, and
 * the answers AWS gives for each.
 */
import { timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { AMZ_DATE_HEADER, SHA256_HEADER, SignatureV4, getPayloadHash } from '@smithy/signature-v4';
import type { AwsCredentials, RecordedRequest, StsEmulator } from './types.js';

/** The AWS (Query protocol) error codes a signature check can end in. */
export type SigV4ErrorCode =
  | 'MissingAuthenticationToken'
  | 'IncompleteSignature'
  | 'InvalidClientTokenId'
  | 'SignatureDoesNotMatch'
  | 'ExpiredToken';

/**
 * How JSON and REST-JSON services (Lambda, Scheduler, CloudWatch's JSON protocol) name the
 * signature failures the Query protocol calls by the codes above.
 */
export const JSON_AUTH_ERRORS: Record<SigV4ErrorCode, string> = {
  MissingAuthenticationToken: 'MissingAuthenticationTokenException',
  IncompleteSignature: 'IncompleteSignatureException',
  InvalidClientTokenId: 'UnrecognizedClientException',
  SignatureDoesNotMatch: 'InvalidSignatureException',
  ExpiredToken: 'ExpiredTokenException',
};

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

/**
 * The keys the STS emulator issued and its clock, as an emulator of a service whose requests are
 * signed with them looks them up ({@link SigV4VerifyOptions}).
 */
export function keysIssuedBy(
  sts: Pick<StsEmulator, 'credentialsFor' | 'now'>,
): Required<Pick<SigV4VerifyOptions<AwsCredentials & { readonly arn: string }>, 'lookup' | 'now'>> {
  return { lookup: (id) => sts.credentialsFor(id), now: () => sts.now() };
}

/** AWS refuses requests signed more than 15 minutes away from its own time (wall clock, not the test clock). */
const MAX_SKEW_MS = 15 * 60 * 1000;

const MESSAGES = {
  missing: 'Request is missing Authentication Token',
  invalidToken: 'The security token included in the request is invalid.',
  mismatch:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access ' +
    'Key and signing method. Consult the service documentation for details.',
  expired: 'The security token included in the request is expired',
} as const;

const fail = (code: SigV4ErrorCode, message: string) => ({ ok: false, code, message }) as const;

const formatAmzDate = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/**
 * `20240102T030405Z` → epoch ms, or undefined when malformed (including dates that do not exist,
 * like `20240231`).
 */
function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  // The signer formats the date back from epoch ms, so only a date that survives the round trip can verify.
  return Number.isNaN(ms) || formatAmzDate(ms) !== value ? undefined : ms;
}

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
 * The signature `@smithy/signature-v4` computes for `request` with `credentials`, over exactly the
 * headers in `signedHeaderNames` (a header the client listed but did not send is left out, so
 * the signature cannot match), dated `signedAt`.
 */
async function expectedSignature(
  request: RecordedRequest,
  signedHeaderNames: readonly string[],
  credentials: AwsCredentials,
  scope: { readonly region: string; readonly service: string },
  signedAt: number,
): Promise<string> {
  const signed = new Set(signedHeaderNames);
  const headers: Record<string, string> = {};
  for (const name of signed) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  // The signer adds X-Amz-Date (from `signingDate`, the same value) and would add the session token
  // and payload hash as headers; it is given no session token and `applyChecksum: false`, so the
  // token and hash headers are signed only when the client sent and listed them. Headers its own
  // rules never sign (User-Agent, proxy-*, ...) are signed when listed: `signableHeaders` wins.
  // It drops a `Date` header, which the AWS SDK never signs (it signs X-Amz-Date, required here).
  const signer = new SignatureV4({
    service: scope.service,
    region: scope.region,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    sha256: Sha256,
    applyChecksum: false,
  });
  const resigned = await signer.sign(
    new HttpRequest({
      method: request.method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      // Still percent-encoded as it arrived: the signer encodes it once more, as the client's did.
      path: request.path,
      query: request.query,
      headers,
      body: request.body,
    }),
    {
      signingDate: new Date(signedAt),
      signableHeaders: signed,
      unsignableHeaders: signed.has(AMZ_DATE_HEADER) ? undefined : new Set([AMZ_DATE_HEADER]),
    },
  );
  return /Signature=([0-9a-f]{64})$/.exec(resigned.headers.authorization ?? '')?.[1] ?? '';
}

/**
 * Verify the SigV4 `Authorization` header of `request`.
 *
 * Checks, in this order: header present and well formed; access key known; session token equal
 * to the issued one (required for `ASIA` session keys, refused with long-term keys); credentials
 * not expired; scope date, region and service; payload hash; signature equal (constant time);
 * `x-amz-date` within 15 minutes.
 */
export async function verifySigV4<C extends AwsCredentials>(
  request: RecordedRequest,
  options: SigV4VerifyOptions<C>,
): Promise<SigV4Result<C>> {
  const header = request.headers.authorization;
  if (!header) return fail('MissingAuthenticationToken', MESSAGES.missing);

  const auth = parseAuthorization(header);
  if (auth.algorithm !== 'AWS4-HMAC-SHA256') {
    return fail('IncompleteSignature', `Unsupported AWS 'algorithm': '${auth.algorithm ?? ''}'`);
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((name) => !auth.fields.get(name));
  if (missing.length > 0) {
    return fail(
      'IncompleteSignature',
      missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' '),
    );
  }
  const credential = auth.fields.get('Credential')!;
  const signedHeaders = auth.fields.get('SignedHeaders')!;
  const signature = auth.fields.get('Signature')!;
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') {
    return fail(
      'IncompleteSignature',
      'Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, ' +
        `got '${credential}'`,
    );
  }
  const [accessKeyId, scopeDate, scopeRegion, scopeService] = scope as [string, string, string, string, string];
  const amzDate = request.headers[AMZ_DATE_HEADER] ?? '';
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) {
    return fail(
      'IncompleteSignature',
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
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
    return fail(
      'SignatureDoesNotMatch',
      'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ' +
        `'${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  if (scopeRegion !== options.region) {
    return fail('SignatureDoesNotMatch', `Credential should be scoped to a valid region, not '${scopeRegion}'. `);
  }
  if (scopeService !== options.service) {
    return fail('SignatureDoesNotMatch', `Credential should be scoped to correct service: '${options.service}'. `);
  }

  // The signer takes a present X-Amz-Content-SHA256 as the payload hash (S3 streams bodies it cannot
  // hash); AWS hashes the body it received. So a body changed in transit under its original
  // (signed) hash header must fail here, before the signer would trust the header.
  if (signedHeaderNames.includes(SHA256_HEADER)) {
    const bodyHash = await getPayloadHash(new HttpRequest({ body: request.body }), Sha256);
    if (request.headers[SHA256_HEADER] !== bodyHash) return fail('SignatureDoesNotMatch', MESSAGES.mismatch);
  }
  const expected = Buffer.from(
    await expectedSignature(
      request,
      signedHeaderNames,
      credentials,
      { region: scopeRegion, service: scopeService },
      signedAt,
    ),
    'hex',
  );
  const given = Buffer.from(/^[0-9a-f]{64}$/.test(signature) ? signature : '', 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return fail('SignatureDoesNotMatch', MESSAGES.mismatch);

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
