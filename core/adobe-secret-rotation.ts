/**
 * The contract of the Adobe client secret's rotation function (`lambda/adobe-secret-rotation.ts`),
 * which Secrets Manager invokes once per rotation step: its environment, its interval's limits, the
 * scopes its I/O Management API token asks for, and the log lines it writes for each step, which
 * the operator CLI reads (`rotate-adobe-secret`). The construct, the function and the CLI share it.
 *
 * Pure, as core/contract.ts: no SDK, no aws-cdk-lib.
 */

/** The rotation function's own environment variables (the AWS SDK reads `AWS_ENDPOINT_URL_SECRETS_MANAGER` itself). */
export const ADOBE_SECRET_ROTATION_ENV = {
  /** Adobe IMS, as the rotator's. @default DEFAULT_IMS_URL */
  imsUrl: 'ADOBE_IMS_URL',
  /** Adobe's I/O Management API. @default DEFAULT_ADOBE_CONSOLE_API_URL */
  consoleApiUrl: 'ADOBE_CONSOLE_API_URL',
} as const;

/** Where Adobe serves the I/O Management API (ADOBE-CLIENT-SECRETS.md). */
export const DEFAULT_ADOBE_CONSOLE_API_URL = 'https://api.adobe.io';

/** `RotationSchedule` takes 4 hours to 1000 days; the configuration counts whole days. */
export const MIN_ROTATION_DAYS = 1;
export const MAX_ROTATION_DAYS = 1000;
/** `"adobeSecretRotation": { "everyDays": 30 }`, AWS's own default interval. */
export const DEFAULT_ROTATION_DAYS = 30;

/**
 * The scopes Adobe lists for the I/O Management API's client-secret calls; the function asks for
 * them in addition to the secret's own `scopes` (Adobe's guide, section "Rotating client secrets"):
 * https://developer.adobe.com/developer-console/docs/guides/authentication/ServerToServerAuthentication/implementation/
 */
export const IO_MANAGEMENT_API_SCOPES = [
  'AdobeID',
  'openid',
  'read_organizations',
  'additional_info.projectedProductContext',
  'additional_info.roles',
  'adobeio_api',
  'read_client_secret',
  'manage_client_secrets',
] as const;

/** The secret's scopes and the I/O Management API's, each once, in that order. */
export function ioManagementScopes(secretScopes: string): string {
  const own = secretScopes
    .split(',')
    .map((scope) => scope.trim())
    .filter(Boolean);
  return [...new Set([...own, ...IO_MANAGEMENT_API_SCOPES])].join(',');
}

/** The steps Secrets Manager invokes a rotation function with, in order. */
export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStepName = (typeof ROTATION_STEPS)[number];

/**
 * The log line the function writes when a step ends, with `step`, `clientRequestToken` and, on
 * failure, `errorCode` and `error`: `rotate-adobe-secret` finds a rotation's steps by them.
 */
export const ROTATION_STEP_LOG = {
  succeeded: 'adobe secret rotation step succeeded',
  failed: 'adobe secret rotation step failed',
} as const;

/** What the rotation function's environment is made of. Omitted settings are left to its defaults. */
export interface AdobeSecretRotationSettings {
  readonly imsUrl?: string;
  readonly consoleApiUrl?: string;
  readonly serviceName?: string;
}

/** The rotation function's environment for `settings` (the construct and the emulators' stack write it). */
export function toAdobeSecretRotationEnv(settings: AdobeSecretRotationSettings): Record<string, string> {
  return {
    ...(settings.imsUrl !== undefined ? { [ADOBE_SECRET_ROTATION_ENV.imsUrl]: settings.imsUrl } : {}),
    ...(settings.consoleApiUrl !== undefined
      ? { [ADOBE_SECRET_ROTATION_ENV.consoleApiUrl]: settings.consoleApiUrl }
      : {}),
    ...(settings.serviceName !== undefined ? { POWERTOOLS_SERVICE_NAME: settings.serviceName } : {}),
  };
}

/** Why `days` is not a rotation interval, or undefined when it is one. */
export function rotationDaysProblem(days: number): string | undefined {
  if (!Number.isInteger(days) || days < MIN_ROTATION_DAYS || days > MAX_ROTATION_DAYS) {
    return (
      `${days} is not a whole number of days from ${MIN_ROTATION_DAYS} to ${MAX_ROTATION_DAYS} ` +
      "(Secrets Manager's range for a rotation schedule)"
    );
  }
  return undefined;
}
