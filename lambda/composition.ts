/**
 * The composition root, built once per container (at INIT, by `createHandler`): the configuration,
 * the AWS SDK clients on one socket pool, the got instances of IMS and Flow Service, and the IMS
 * token cache. Only what outlives an invocation is here; what one invocation reads, mints or
 * learns belongs to its session (`session.ts`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { AdobeConsoleClient } from './adobe-console-client.js';
import type { RotatorConfig } from './config.js';
import { CredentialMinter } from './credential-minter.js';
import { DEFAULT_DEADLINE_MARGINS, type DeadlineMargins } from './deadline.js';
import { FlowServiceClient } from './flow-service-client.js';
import { DEFAULT_HTTP_POLICY, type HttpPolicy } from './http-policy.js';
import { ImsTokenProvider } from './ims-client.js';
import { RotationLedger } from './ledger.js';
import { RotatorMetrics } from './observability.js';
import { SecretStore } from './secrets.js';

export interface CompositionOptions {
  /** @default DEFAULT_HTTP_POLICY */
  readonly httpPolicy?: HttpPolicy;
  /** Clock for token expiry. @default Date.now */
  readonly now?: () => number;
  /** @default DEFAULT_DEADLINE_MARGINS */
  readonly deadlineMargins?: DeadlineMargins;
}

/** What a container keeps between invocations. */
export interface Composition {
  readonly config: RotatorConfig;
  /** Reads the Adobe credentials and IAM-user keys from Secrets Manager (each session keeps what it read). */
  readonly secrets: SecretStore;
  /** The IMS token cache: one token per container, until 5 minutes before it expires. */
  readonly tokens: ImsTokenProvider;
  readonly flowService: FlowServiceClient;
  /** The I/O Management API, for `inspect`'s count of the credential's client secrets. */
  readonly console: AdobeConsoleClient;
  /** The HTTP policy of every call to Adobe. */
  readonly policy: HttpPolicy;
  readonly minter: CredentialMinter;
  /** Where each connection's outcome is kept, when `LEDGER_TABLE_NAME` is set. */
  readonly ledger?: RotationLedger;
  /** The container's metrics (labelled with the rotator's name, per connection unless switched off). */
  readonly metrics: RotatorMetrics;
  readonly deadlineMargins: DeadlineMargins;
}

/** Build the long-lived clients from the configuration. Sends nothing. */
export function compose(config: RotatorConfig, options: CompositionOptions = {}): Composition {
  const policy = options.httpPolicy ?? DEFAULT_HTTP_POLICY;
  // One socket pool for every AWS SDK client, sized to the rotation concurrency.
  const requestHandler = new NodeHttpHandler({
    connectionTimeout: policy.timeoutMs,
    requestTimeout: policy.timeoutMs,
    // Without it, a request past requestTimeout only logs a warning and goes on waiting: a Secrets
    // Manager, STS or DynamoDB endpoint that accepts the connection and never answers would hold
    // the invocation (and a container-cached promise) until Lambda stops the function. With it,
    // each attempt ends in a TimeoutError, which the SDK retries and the rotation calls transient.
    throwOnRequestTimeout: true,
    httpAgent: { keepAlive: true, maxSockets: config.concurrency * 2 },
    httpsAgent: { keepAlive: true, maxSockets: config.concurrency * 2 },
  });
  const secrets = new SecretStore(new SecretsManagerClient({ requestHandler }));
  return {
    config,
    secrets,
    // Neither Adobe client holds credentials: each call brings its invocation's (the session's AdobeAuth).
    tokens: new ImsTokenProvider({ imsUrl: config.imsUrl, policy, now: options.now }),
    flowService: new FlowServiceClient({ baseUrl: config.flowServiceUrl, policy }),
    console: new AdobeConsoleClient({ baseUrl: config.adobeConsoleApiUrl, policy }),
    policy,
    minter: new CredentialMinter({ clientConfig: { requestHandler } }),
    ...(config.ledgerTableName
      ? { ledger: new RotationLedger(new DynamoDBClient({ requestHandler }), config.ledgerTableName) }
      : {}),
    metrics: new RotatorMetrics(config),
    deadlineMargins: options.deadlineMargins ?? DEFAULT_DEADLINE_MARGINS,
  };
}
