/**
 * Named errors with stable, machine-readable codes.
 *
 * None of them ever holds a raw HTTP or SDK error: those carry request headers (the IMS bearer
 * token, SigV4 signatures) and bodies (a client secret, new credentials). A `cause` here is always
 * a {@link SafeCause}: name, code, status and a redacted message, nothing else.
 */
import { redactSecrets } from './redaction.js';

export type RotatorErrorCode =
  | 'CONFIG_INVALID'
  | 'REQUEST_INVALID'
  | 'SECRET_UNAVAILABLE'
  | 'SECRET_INVALID'
  | 'IMS_AUTH_FAILED'
  | 'IMS_UNAVAILABLE'
  | 'STS_MINT_FAILED'
  | 'CREDENTIALS_UNVERIFIED'
  | 'CONNECTION_NOT_ROTATABLE'
  | 'CONNECTION_SCOPE_MISMATCH'
  | 'FLOW_SERVICE_ERROR'
  | 'FLOW_SERVICE_UNREACHABLE'
  | 'ETAG_CONFLICT'
  | 'ROTATION_FAILED'
  // The Adobe client secret's rotation function (lambda/adobe-secret-rotation.ts).
  | 'ADOBE_CONSOLE_FORBIDDEN'
  | 'ADOBE_CONSOLE_ERROR'
  | 'ADOBE_SECRET_ROTATION_REFUSED';

/** The only shape a `cause` may take: enough to diagnose, nothing that can hold a secret. */
export class SafeCause extends Error {
  override readonly name: string;
  readonly code?: string;
  readonly statusCode?: number;

  constructor(source: { name?: string; code?: string; statusCode?: number; message: string }) {
    super(redactSecrets(source.message));
    this.name = source.name ?? 'Error';
    if (source.code !== undefined) this.code = source.code;
    if (source.statusCode !== undefined) this.statusCode = source.statusCode;
  }

  /** Summarize any thrown value without keeping a reference to it. */
  static from(error: unknown): SafeCause {
    if (error instanceof SafeCause) return error;
    if (error instanceof Error) {
      const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
      return new SafeCause({
        name: error.name,
        code: typeof code === 'string' ? code : undefined,
        statusCode: typeof statusCode === 'number' ? statusCode : undefined,
        message: error.message,
      });
    }
    return new SafeCause({ message: 'non-error value thrown' });
  }
}

/**
 * Base class: every message passes through the container's secret redactor on the way in (what an
 * invocation mints is scrubbed where that invocation's words are made; see `redaction.ts`).
 *
 * Each class names itself in a literal rather than through `constructor.name`: the bundler may
 * rename a class whose name another module in the bundle also uses.
 */
export class RotatorError extends Error {
  override readonly name: string = 'RotatorError';
  readonly code: RotatorErrorCode;

  constructor(code: RotatorErrorCode, message: string, cause?: unknown) {
    super(redactSecrets(message), cause === undefined ? undefined : { cause: SafeCause.from(cause) });
    this.code = code;
  }
}

/** Environment or targets file is invalid; names each field and what is allowed. */
export class ConfigError extends RotatorError {
  override readonly name: string = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super('CONFIG_INVALID', `Invalid rotator configuration: ${problems.join('; ')}`);
  }
}

/** A manual invocation's payload is invalid; names the field. */
export class RequestValidationError extends RotatorError {
  override readonly name: string = 'RequestValidationError';

  constructor(readonly problems: readonly string[]) {
    super('REQUEST_INVALID', `Invalid rotation request: ${problems.join('; ')}`);
  }
}

/** A Secrets Manager secret could not be read or does not hold what it must. */
export class SecretError extends RotatorError {
  override readonly name: string = 'SecretError';
}

/** Adobe IMS refused the client credentials or answered something unusable. */
export class ImsError extends RotatorError {
  override readonly name: string = 'ImsError';
}

/** STS refused to mint credentials. */
export class StsError extends RotatorError {
  override readonly name: string = 'StsError';
  /** STS was throttling or failing on its side (after the SDK's own retries): a later attempt may pass. */
  readonly transient: boolean;

  constructor(
    message: string,
    readonly awsErrorName?: string,
    cause?: unknown,
  ) {
    super('STS_MINT_FAILED', message, cause);
    this.transient = isTransientAwsError(cause);
  }
}

/** Freshly minted credentials failed `GetCallerIdentity` or answered with another identity. */
export class VerificationError extends RotatorError {
  override readonly name: string = 'VerificationError';
  /** GetCallerIdentity was throttled or failed on STS's side, not refused: a later attempt may pass. */
  readonly transient: boolean;

  constructor(message: string, cause?: unknown) {
    super('CREDENTIALS_UNVERIFIED', message, cause);
    this.transient = isTransientAwsError(cause);
  }
}

/** The connection exists but is not an S3 access-key connection this tool may patch. */
export class ConnectionNotRotatableError extends RotatorError {
  override readonly name: string = 'ConnectionNotRotatableError';

  constructor(
    message: string,
    readonly reason: 'wrong-connection-spec' | 'iam-role-auth' | 'unexpected-auth',
  ) {
    super('CONNECTION_NOT_ROTATABLE', message);
  }
}

/**
 * The target narrows its credentials to a bucket or folder that does not contain what the
 * connection itself reads (its `bucketName`/`folderPath` params): nothing is minted or patched.
 */
export class ConnectionScopeError extends RotatorError {
  override readonly name: string = 'ConnectionScopeError';

  constructor(message: string) {
    super('CONNECTION_SCOPE_MISMATCH', message);
  }
}

/**
 * Flow Service (or Adobe's API gateway in front of it) answered with an error. `errorCode` is
 * Adobe's code: the `FLOW-` suffix of a problem document's `type` (`1101-404`) or the gateway's
 * `error_code` (`401013`).
 */
export class FlowServiceError extends RotatorError {
  override readonly name: string = 'FlowServiceError';

  constructor(
    message: string,
    readonly statusCode?: number,
    readonly errorCode?: string,
    cause?: unknown,
    code: RotatorErrorCode = 'FLOW_SERVICE_ERROR',
    /** Adobe's own words about the failure (redacted, truncated), which `message` quotes. */
    readonly adobeDetail?: string,
  ) {
    super(code, message, cause);
  }

  /** Throttling, a server error or no answer at all (after got's retries): a later attempt may pass. */
  get transient(): boolean {
    if (this.code === 'FLOW_SERVICE_UNREACHABLE' || this.code === 'ETAG_CONFLICT') return true;
    return this.statusCode !== undefined && (this.statusCode === 429 || this.statusCode >= 500);
  }
}

/** The connection's etag kept changing under us: every PATCH attempt got `1404-412`. */
export class EtagConflictError extends FlowServiceError {
  override readonly name: string = 'EtagConflictError';

  constructor(
    message: string,
    readonly attempts: number,
  ) {
    super(message, 412, '1404-412', undefined, 'ETAG_CONFLICT');
  }
}

/** Thrown by the handler after every connection was attempted, when at least one failed. */
export class RotationFailedError extends RotatorError {
  override readonly name: string = 'RotationFailedError';

  constructor(
    message: string,
    readonly failedConnectionIds: readonly string[],
  ) {
    super('ROTATION_FAILED', message);
  }
}

/** AWS error names that mean "slow down" or "our side failed", not "no". */
const TRANSIENT_AWS_ERRORS = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'TimeoutError',
]);
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/**
 * Whether an AWS SDK failure may pass on a later attempt: throttling, a 5xx (`$fault: 'server'`)
 * or a network failure. AccessDenied, validation errors and bad credentials never do.
 */
export function isTransientAwsError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { name, code, $fault, $metadata } = error as {
    name?: unknown;
    code?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  if (typeof name === 'string' && TRANSIENT_AWS_ERRORS.has(name)) return true;
  if (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) return true;
  if ($fault === 'server') return true;
  const status = $metadata?.httpStatusCode;
  return typeof status === 'number' && (status === 429 || status >= 500);
}

/** Why one connection failed: the message, Adobe's code (else ours), and whether it may pass. */
export interface FailureDescription {
  readonly message: string;
  readonly code: string;
  /** A later attempt may succeed (throttling, 5xx, no answer, a stale etag); else it is permanent. */
  readonly transient: boolean;
  /** Adobe's own words, when Flow Service answered with them. */
  readonly adobeDetail?: string;
}

/** A short reason for a failed connection: Adobe's code first when there is one. */
export function describeFailure(error: unknown): FailureDescription {
  if (error instanceof FlowServiceError) {
    return {
      message: error.message,
      code: error.errorCode ?? error.code,
      transient: error.transient,
      ...(error.adobeDetail ? { adobeDetail: error.adobeDetail } : {}),
    };
  }
  if (error instanceof StsError || error instanceof VerificationError)
    return { message: error.message, code: error.code, transient: error.transient };
  if (error instanceof RotatorError) return { message: error.message, code: error.code, transient: false };
  return {
    message: `unexpected error: ${redactSecrets(error instanceof Error ? error.message : String(error))}`,
    code: 'UNEXPECTED',
    transient: false,
  };
}
