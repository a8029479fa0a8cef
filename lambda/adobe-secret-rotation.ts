/**
 * Lambda entry point of the Adobe client secret's rotation: the function Secrets Manager invokes
 * once per step, `{"Step": "createSecret" | "setSecret" | "testSecret" | "finishSecret",
 * "SecretId", "ClientRequestToken"}` (lambda/adobe-secret-rotation-steps.ts does each).
 *
 * Environment: `ADOBE_IMS_URL` (as the rotator's), `ADOBE_CONSOLE_API_URL` (default
 * `https://api.adobe.io`; `http://` only for loopback hosts) and the AWS SDK's own
 * (`AWS_ENDPOINT_URL_SECRETS_MANAGER`, ...). A bad environment fails every invocation, naming the
 * variable, before anything is read or changed.
 *
 * Each step writes one log line when it ends (core/adobe-secret-rotation.ts `ROTATION_STEP_LOG`),
 * with ids and words only; a failed step rejects, which Secrets Manager reports as a failed
 * rotation and Lambda counts in `Errors` (the construct's rotation alarm).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import {
  ADOBE_SECRET_ROTATION_ENV,
  DEFAULT_ADOBE_CONSOLE_API_URL,
  ROTATION_STEP_LOG,
  ROTATION_STEPS,
} from '../core/adobe-secret-rotation.js';
import { DEFAULT_IMS_URL, DEFAULT_SERVICE_NAME } from '../core/contract.js';
import { SETTING_DOORS, settingProblems } from '../core/setting-rules.js';
import { AdobeConsoleClient } from './adobe-console-client.js';
import { STEPS, type StepContext } from './adobe-secret-rotation-steps.js';
import { ConfigError, RequestValidationError } from './errors.js';
import { DEFAULT_HTTP_POLICY, type HttpPolicy } from './http-policy.js';
import { redactSecrets } from './redaction.js';
import { SecretVersions } from './secret-versions.js';

/** What Secrets Manager sends; newer events also carry a `RotationToken`, which is not needed here. */
const rotationEventSchema = z.object({
  Step: z.enum(ROTATION_STEPS, { error: `must be one of ${ROTATION_STEPS.join(', ')}` }),
  SecretId: z.string({ error: 'must be the secret ARN' }).min(1, 'must be the secret ARN'),
  ClientRequestToken: z.string({ error: "must be the rotation's token" }).min(1, "must be the rotation's token"),
});
export type AdobeSecretRotationEvent = z.infer<typeof rotationEventSchema>;

/** The function's configuration, read once per container. */
export interface AdobeSecretRotationConfig {
  readonly imsUrl: string;
  readonly consoleApiUrl: string;
}

/** Read and check the environment. @throws ConfigError naming every bad variable. */
export function loadRotationConfig(env: Record<string, string | undefined>): AdobeSecretRotationConfig {
  const imsUrl = (env[ADOBE_SECRET_ROTATION_ENV.imsUrl]?.trim() || DEFAULT_IMS_URL).replace(/\/+$/, '');
  const consoleApiUrl = (env[ADOBE_SECRET_ROTATION_ENV.consoleApiUrl]?.trim() || DEFAULT_ADOBE_CONSOLE_API_URL).replace(
    /\/+$/,
    '',
  );
  // The rotator's words for the same variables (core/setting-rules.ts).
  const problems = settingProblems({ imsUrl, adobeSecretRotationConsoleApiUrl: consoleApiUrl }, SETTING_DOORS.function);
  if (problems.length > 0) throw new ConfigError(problems.map((problem) => problem.line));
  return { imsUrl, consoleApiUrl };
}

export interface AdobeSecretRotationOptions {
  /** The function's own variables. @default process.env */
  readonly env?: Record<string, string | undefined>;
  /** @default DEFAULT_HTTP_POLICY */
  readonly httpPolicy?: HttpPolicy;
  /**
   * Settings of the Secrets Manager client (tests give the function's own credentials here).
   * @default the SDK's defaults
   */
  readonly secretsManager?: SecretsManagerClientConfig;
}

/** A rotation handler with its own container-lifetime clients. */
export function createAdobeSecretRotationHandler(options: AdobeSecretRotationOptions = {}) {
  const policy = options.httpPolicy ?? DEFAULT_HTTP_POLICY;
  // Powertools reads POWERTOOLS_LOG_LEVEL when a logger is made: one per container, made with it.
  const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME });
  // Built at INIT, as the rotator's; a bad configuration is thrown by every invocation instead.
  let config: AdobeSecretRotationConfig | undefined;
  let configError: unknown;
  try {
    config = loadRotationConfig(options.env ?? process.env);
  } catch (error) {
    configError = error;
  }
  const client = new SecretsManagerClient({
    requestHandler: new NodeHttpHandler({
      connectionTimeout: policy.timeoutMs,
      requestTimeout: policy.timeoutMs,
      throwOnRequestTimeout: true,
    }),
    ...options.secretsManager,
  });
  const consoleApi = config ? new AdobeConsoleClient({ baseUrl: config.consoleApiUrl, policy }) : undefined;

  return async function handler(event: unknown, context?: Partial<Context>): Promise<void> {
    if (context?.awsRequestId) logger.addContext(context as Context);
    const parsed = rotationEventSchema.safeParse(event);
    const fields = parsed.success
      ? { step: parsed.data.Step, secretId: parsed.data.SecretId, clientRequestToken: parsed.data.ClientRequestToken }
      : {};
    try {
      if (!parsed.success)
        throw new RequestValidationError(
          parsed.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`),
        );
      if (!config || !consoleApi) throw configError;
      const { Step, SecretId, ClientRequestToken } = parsed.data;
      const stepContext: StepContext = {
        versions: new SecretVersions(client, SecretId),
        console: consoleApi,
        imsUrl: config.imsUrl,
        policy,
        token: ClientRequestToken,
        warn: (message, extra) => logger.warn(message, { ...fields, ...extra }),
      };
      const outcome = await STEPS[Step](stepContext);
      logger.info(ROTATION_STEP_LOG.succeeded, { ...fields, ...outcome, detail: redactSecrets(outcome.detail) });
    } catch (error) {
      logger.error(ROTATION_STEP_LOG.failed, {
        ...fields,
        errorCode: (error as { code?: string })?.code,
        error: redactSecrets(String((error as Error)?.message ?? error)),
      });
      throw error;
    }
  };
}

export const handler = createAdobeSecretRotationHandler();
