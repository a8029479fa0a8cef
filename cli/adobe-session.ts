/**
 * Flow Service as the rotator's own Adobe credential sees it, for commands that read Adobe
 * directly (`discover`, `probe`): the configuration, the Adobe secret (configured, or the one the
 * deployed stack created), an IMS token, and a Flow Service client with them. Secret values never
 * reach the output.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretError } from '../lambda/errors.js';
import { FlowServiceClient } from '../lambda/flow-service-client.js';
import { DEFAULT_HTTP_POLICY, type HttpPolicy } from '../lambda/http-policy.js';
import { ImsTokenProvider } from '../lambda/ims-client.js';
import { SecretStore, type AdobeCredentials } from '../lambda/secrets.js';
import type { CommandOptions } from './args.js';
import { stackOutputs } from './aws.js';
import { requireConfig, type RotatorConfig } from './config-source.js';
import { CliError, describeAwsError, EnvironmentError, EXIT, withoutFullStop } from './errors.js';
import { adobeSecretIdOf } from './local-run.js';

/** What a command that reads Adobe works with. */
export interface AdobeSession {
  readonly config: RotatorConfig;
  readonly credentials: AdobeCredentials;
  readonly tokens: ImsTokenProvider;
  readonly flowService: FlowServiceClient;
}

/**
 * The configuration, the rotator's Adobe credentials and a Flow Service client with them.
 * @param command names the command in messages.
 * @param policy @default DEFAULT_HTTP_POLICY
 */
export async function openAdobeSession(
  options: CommandOptions,
  cwd: string,
  command: string,
  policy: HttpPolicy = DEFAULT_HTTP_POLICY,
): Promise<AdobeSession> {
  const config = requireConfig(cwd, options.config, command);
  const stackName = options.stack ?? config.stackName;
  const region = config.region;
  const secretId = await adobeSecretIdOf(config, () => stackOutputs(stackName, { region }), stackName);
  const credentials = await readAdobeCredentials(
    new SecretStore(new SecretsManagerClient({ ...(region ? { region } : {}) })),
    secretId,
    command,
  );
  const source = () => Promise.resolve(credentials);
  const tokens = new ImsTokenProvider({ imsUrl: config.imsUrl, credentials: source, policy });
  try {
    await tokens.getToken();
  } catch (error) {
    throw new CliError(`${(error as Error).message}; the rotator uses the same credentials.`, EXIT.FAILED);
  }
  return {
    config,
    credentials,
    tokens,
    flowService: new FlowServiceClient({ baseUrl: config.flowServiceUrl, tokens, credentials: source, policy }),
  };
}

/** The Adobe secret, or one sentence: an AWS access problem (exit 3) or a bad secret (exit 1). */
async function readAdobeCredentials(
  secrets: SecretStore,
  secretId: string,
  command: string,
): Promise<AdobeCredentials> {
  try {
    return await secrets.adobeCredentials(secretId);
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
    const aws = describeAwsError(
      error.cause,
      `read the Adobe credentials secret ${secretId} (secretsmanager:GetSecretValue)`,
    );
    if (aws?.problem === 'access-denied') {
      throw new EnvironmentError(
        `${withoutFullStop(aws.message)}; ${command} reads Flow Service with the rotator's Adobe credentials, ` +
          'so your role must be allowed to read that secret (docs/DEPLOY.md, "What an operator needs").',
        'access-denied',
      );
    }
    if (aws) throw aws;
    if (error.code === 'SECRET_UNAVAILABLE')
      throw new EnvironmentError(`${error.message}: check AWS_REGION and the secret id in the configuration.`);
    throw new CliError(`${error.message}; the rotator reads the same secret.`, EXIT.FAILED);
  }
}
