/**
 * Exit codes and the errors a person can cause, each turned into one sentence.
 *
 * Commands throw {@link CliError} for anything that stops them; `main.ts` prints its message (never
 * a stack trace) and exits with its code. AWS SDK errors are translated by {@link describeAwsError}.
 */

/** What a script can rely on. Documented in `--help` and docs/RUNBOOK.md. */
export const EXIT = {
  /** Everything requested succeeded: rotated (or would, with --dry-run), healthy, valid. */
  OK: 0,
  /**
   * The command ran and found a problem: a connection failed or was not rotated, a connection is at risk, the
   * configuration is invalid.
   */
  FAILED: 1,
  /**
   * The command line is wrong: unknown command or option, a bad value, a --config file that cannot be read, a
   * connection that is not a target.
   */
  USAGE: 2,
  /**
   * The environment is not usable: no AWS credentials, stack not deployed, function not found, access denied, service
   * unreachable.
   */
  ENVIRONMENT: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends a command with one sentence and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The command line is wrong (exit 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.USAGE);
    this.name = 'UsageError';
  }
}

/** Why AWS was not usable, for a caller that adds advice of its own. */
export type EnvironmentProblem =
  | 'no-credentials'
  | 'no-region'
  | 'expired-credentials'
  | 'rejected-credentials'
  | 'access-denied'
  | 'unreachable';

/** AWS or the deployment is not usable from here (exit 3). */
export class EnvironmentError extends CliError {
  constructor(
    message: string,
    /** What kind of problem it is, when {@link describeAwsError} knows. */
    readonly problem?: EnvironmentProblem,
  ) {
    super(message, EXIT.ENVIRONMENT);
    this.name = 'EnvironmentError';
  }
}

/** `text` without the full stop it ends with, to go on with a semicolon. */
export function withoutFullStop(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text;
}

/** Names the SDK gives errors meaning "these credentials are no good". */
const REJECTED_CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
]);
const EXPIRED_CREDENTIALS = new Set(['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired']);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'AuthorizationError']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** The one sentence for "no AWS credentials" (the SDK's `CredentialsProviderError`). */
export const NO_CREDENTIALS_SENTENCE =
  'No AWS credentials were found: set AWS_PROFILE (and run `aws sso login` if it uses SSO), or AWS_ACCESS_KEY_ID ' +
  'and AWS_SECRET_ACCESS_KEY, then try again.';

/**
 * An AWS SDK failure as one sentence and exit code 3, or undefined when it is not an
 * environment problem (the caller then handles it).
 *
 * @param action what was being done, e.g. `invoke function AepS3-Fn` (for "AWS denied ...").
 */
export function describeAwsError(error: unknown, action: string): EnvironmentError | undefined {
  const { name = '', message = '', code } = (error ?? {}) as { name?: string; message?: string; code?: string };
  if (name === 'CredentialsProviderError') return new EnvironmentError(NO_CREDENTIALS_SENTENCE, 'no-credentials');
  // The SDK throws a plain Error for a missing region, with no name or code of its own.
  if (/Region is missing/i.test(message)) {
    return new EnvironmentError(
      'No AWS region is set: set AWS_REGION (or the region of your AWS_PROFILE), or "region" in the configuration, ' +
        'then try again.',
      'no-region',
    );
  }
  if (EXPIRED_CREDENTIALS.has(name))
    return new EnvironmentError(
      'Your AWS credentials have expired: refresh them (e.g. `aws sso login`) and try again.',
      'expired-credentials',
    );
  if (REJECTED_CREDENTIALS.has(name)) {
    return new EnvironmentError(
      `AWS rejected your credentials when trying to ${action} (${name}): check AWS_PROFILE or the access keys in ` +
        'your environment.',
      'rejected-credentials',
    );
  }
  if (ACCESS_DENIED.has(name))
    return new EnvironmentError(`AWS denied permission to ${action}: ${firstSentence(message)}`, 'access-denied');
  const networkCode =
    typeof code === 'string' && NETWORK_CODES.has(code) ? code : NETWORK_CODES.has(name) ? name : undefined;
  if (networkCode || name === 'TimeoutError') {
    return new EnvironmentError(
      `Could not reach AWS to ${action} (${networkCode ?? name}): check your network, proxy and AWS_ENDPOINT_URL_* ` +
        'settings.',
      'unreachable',
    );
  }
  return undefined;
}

/** The first sentence of an AWS message, ending with a full stop. */
export function firstSentence(text: string): string {
  const trimmed = text.trim().replace(/\s+/g, ' ');
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
