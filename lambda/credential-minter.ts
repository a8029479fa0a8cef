/**
 * Mints fresh short-lived credentials with STS and proves them before anyone relies on them.
 *
 * - AssumeRole, signed by the function's own role (role chaining, <= 1 h) or by IAM-user keys.
 * - GetSessionToken, signed by IAM-user keys (AWS refuses it from role credentials).
 * - GetFederationToken, signed by IAM-user keys, for a federated user named after the connection.
 * When the target names its bucket, AssumeRole and GetFederationToken pass the session policy
 * that narrows the credentials to it (`session-policy.ts`). Then `GetCallerIdentity` signed with
 * the new credentials must answer with the expected identity: the assumed role session, the IAM
 * user, or the federated user.
 */
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
  STSClient,
  type AssumeRoleCommandOutput,
  type GetFederationTokenCommandOutput,
  type GetSessionTokenCommandOutput,
  type STSClientConfig,
} from '@aws-sdk/client-sts';
import type { RotationTarget } from './config.js';
import { StsError, VerificationError } from './errors.js';
import type { Redactor } from './redaction.js';
import type { InvocationSecrets, UserKeys } from './secrets.js';
import { partitionOf, sessionPolicy } from '../core/session-policy.js';

/** Client settings a verification client takes from the function's own client (see resolvedSettings). */
const RESOLVED_CLIENT_SETTINGS = [
  'region',
  'maxAttempts',
  'retryMode',
  'defaultsMode',
  'useFipsEndpoint',
  'useDualstackEndpoint',
  'userAgentAppId',
  'sigv4aSigningRegionSet',
  'authSchemePreference',
] as const;

/** A complete credential set: the session token is only valid with this key pair. */
export interface MintedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
  /** The ARN `GetCallerIdentity` answered for them. */
  readonly identityArn: string;
}

/** Identifies this tool and the connection in CloudTrail (AWS allows 2 to 64 characters). */
export function roleSessionName(connectionId: string): string {
  return `aep-s3-rotator-${connectionId}`.slice(0, 64);
}

/**
 * The federated user GetFederationToken creates for a connection: `aep-` and the first 28 hex
 * digits of its id, 32 characters, the most AWS allows (Name: 2 to 32 of `[\w+=,.@-]`). The same
 * connection always gets the same name, and CloudTrail shows which connection a call was for.
 */
export function federatedUserName(connectionId: string): string {
  return `aep-${connectionId
    .toLowerCase()
    .replace(/[^0-9a-f]/g, '')
    .slice(0, 28)}`;
}

/**
 * The ARN STS gives federated credentials of an IAM user, from the user's ARN:
 * `arn:<partition>:sts::<account>:federated-user/<name>`.
 */
export function federatedUserArn(userArn: string, name: string): string {
  const match = /^arn:([\w-]+):iam::(\d{12}):/.exec(userArn);
  if (!match) return '';
  const [, partition, account] = match;
  return `arn:${partition}:sts::${account}:federated-user/${name}`;
}

/** The ARN STS gives a session of `roleArn`: `arn:aws:sts::<account>:assumed-role/<name>/<session>`. */
export function assumedRoleArn(roleArn: string, sessionName: string): string {
  const match = /^arn:([\w-]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  if (!match) return '';
  const [, partition, account, name] = match;
  return `arn:${partition}:sts::${account}:assumed-role/${name}/${sessionName}`;
}

/** Per-request options of an SDK call: the invocation's deadline. */
interface SendOptions {
  readonly abortSignal?: AbortSignal;
}

/** What one mint takes from its invocation. */
export interface MintCall {
  /** The invocation's deadline: it aborts every STS request still running. */
  readonly signal?: AbortSignal;
  /** Where IAM-user keys come from: the invocation's secrets, each read once per invocation. */
  readonly secrets: Pick<InvocationSecrets, 'userKeys'>;
  /** The invocation's redactor: the minted secret key and session token are registered with it. */
  readonly redactor: Pick<Redactor, 'register'>;
}

export interface CredentialMinterOptions {
  /** Shared SDK settings (region, request handler); endpoints come from `AWS_ENDPOINT_URL_STS`. */
  readonly clientConfig?: STSClientConfig;
}

/**
 * Long-lived per container: the function's own STS client, a client per IAM-user key pair, each
 * user's ARN, and the settings verification clients reuse. The keys themselves come with each call.
 */
export class CredentialMinter {
  /** Signed with the function's own credentials (the default provider chain). */
  private readonly ownClient: STSClient;
  private readonly userClients = new Map<string, { readonly keys: UserKeys; readonly client: STSClient }>();
  private readonly userArns = new Map<string, Promise<string>>();
  private verificationSettings?: Promise<STSClientConfig>;

  constructor(private readonly options: CredentialMinterOptions = {}) {
    this.ownClient = new STSClient({ ...options.clientConfig });
  }

  /** Mint and verify credentials for one target, in the invocation `call` belongs to. */
  async mint(target: RotationTarget, call: MintCall): Promise<MintedCredentials> {
    const send = { abortSignal: call.signal };
    const minted =
      target.method === 'get-session-token'
        ? await this.getSessionToken(target, call.secrets, send)
        : target.method === 'get-federation-token'
          ? await this.getFederationToken(target, call.secrets, send)
          : await this.assumeRole(target, call.secrets, send);
    call.redactor.register(minted.secretAccessKey);
    call.redactor.register(minted.sessionToken);
    const identityArn = await this.verify(minted, minted.expectedArn, send);
    return { ...minted, identityArn };
  }

  private async assumeRole(target: RotationTarget, secrets: MintCall['secrets'], send: SendOptions) {
    const roleArn = target.roleArn!;
    const sessionName = roleSessionName(target.connectionId);
    const client =
      target.method === 'assume-role-user-keys'
        ? await this.userClient(target.userCredentialsSecretId!, secrets)
        : this.ownClient;
    let response: AssumeRoleCommandOutput;
    try {
      response = await client.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: sessionName,
          ExternalId: target.externalId,
          DurationSeconds: target.durationSeconds,
          Policy: policyFor(target, partitionOf(roleArn)),
        }),
        send,
      );
    } catch (error) {
      throw stsFailure(`AssumeRole on ${roleArn}`, error);
    }
    const credentials = completeCredentials(response.Credentials, 'AssumeRole');
    return { ...credentials, expectedArn: response.AssumedRoleUser?.Arn ?? assumedRoleArn(roleArn, sessionName) };
  }

  private async getSessionToken(target: RotationTarget, secrets: MintCall['secrets'], send: SendOptions) {
    const secretId = target.userCredentialsSecretId!;
    const client = await this.userClient(secretId, secrets);
    let response: GetSessionTokenCommandOutput;
    try {
      response = await client.send(new GetSessionTokenCommand({ DurationSeconds: target.durationSeconds }), send);
    } catch (error) {
      throw stsFailure(`GetSessionToken for the IAM user in secret "${secretId}"`, error);
    }
    const credentials = completeCredentials(response.Credentials, 'GetSessionToken');
    return { ...credentials, expectedArn: await this.userArn(secretId, client, send) };
  }

  /**
   * GetFederationToken with the IAM user's keys, narrowed by the session policy (a target without
   * a bucket is refused by the configuration). The user's ARN, asked once per key pair, gives the
   * partition for the policy and the account of the federated user's ARN.
   */
  private async getFederationToken(target: RotationTarget, secrets: MintCall['secrets'], send: SendOptions) {
    const secretId = target.userCredentialsSecretId!;
    const client = await this.userClient(secretId, secrets);
    const userArn = await this.userArn(secretId, client, send);
    const name = federatedUserName(target.connectionId);
    let response: GetFederationTokenCommandOutput;
    try {
      response = await client.send(
        new GetFederationTokenCommand({
          Name: name,
          Policy: policyFor(target, partitionOf(userArn)),
          DurationSeconds: target.durationSeconds,
        }),
        send,
      );
    } catch (error) {
      throw stsFailure(`GetFederationToken for the IAM user in secret "${secretId}"`, error);
    }
    const credentials = completeCredentials(response.Credentials, 'GetFederationToken');
    return { ...credentials, expectedArn: federatedUserArn(userArn, name) };
  }

  /** GetCallerIdentity signed with the new credentials must name the expected identity. */
  private async verify(
    credentials: Omit<MintedCredentials, 'identityArn'>,
    expectedArn: string,
    send: SendOptions,
  ): Promise<string> {
    const client = new STSClient({
      ...(await this.resolvedSettings()),
      credentials: {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        sessionToken: credentials.sessionToken,
      },
    });
    let arn: string | undefined;
    try {
      arn = (await client.send(new GetCallerIdentityCommand({}), send)).Arn;
    } catch (error) {
      throw new VerificationError(
        `the new credentials failed GetCallerIdentity (${(error as Error).name}); they were not pushed to Flow Service`,
        error,
      );
    }
    // No client.destroy(): clients share one request handler (clientConfig), whose sockets others use.
    if (arn !== expectedArn) {
      throw new VerificationError(
        `the new credentials belong to ${arn ?? 'no identity'}, not ${expectedArn}; they were not pushed to Flow ` +
          'Service',
      );
    }
    return arn;
  }

  /**
   * Every setting the SDK would otherwise look up for each new client, as the function's own
   * client resolved them, once. Each verification needs a client of its own (its credentials are
   * the new ones), and a client left to resolve these reads the environment and the shared config
   * files and walks provider chains that throw on every miss: about a third of a rotation's SDK
   * CPU (BENCHMARKS.md).
   */
  private resolvedSettings(): Promise<STSClientConfig> {
    this.verificationSettings ??= (async () => {
      const config = this.ownClient.config as unknown as Record<string, unknown> & {
        isCustomEndpoint?: boolean;
        endpoint?: () => Promise<unknown>;
        serviceConfiguredEndpoint?: () => Promise<string | undefined>;
      };
      const settings: Record<string, unknown> = { ...this.options.clientConfig };
      for (const key of RESOLVED_CLIENT_SETTINGS) {
        const value = config[key];
        const resolved = typeof value === 'function' ? await (value as () => Promise<unknown>)() : value;
        // A provider even for `undefined`: a plain undefined would send the client to look it up.
        settings[key] = () => Promise.resolve(resolved);
      }
      if (config.isCustomEndpoint && config.endpoint) {
        settings.endpoint = await config.endpoint();
      } else {
        // AWS_ENDPOINT_URL_STS or the config file's services section, as the own client found it;
        // when there is none, say so rather than have each client search again.
        const configured = await config.serviceConfiguredEndpoint?.();
        if (configured) settings.endpoint = configured;
        else settings.ignoreConfiguredEndpointUrls = true;
      }
      return settings as STSClientConfig;
    })();
    return this.verificationSettings;
  }

  /**
   * A client signing with the IAM user's keys as the secret holds them in this invocation (its
   * secrets read them once): one per key pair, so keys the operator rotated are used from the
   * next run on.
   */
  private async userClient(secretId: string, secrets: MintCall['secrets']): Promise<STSClient> {
    const keys: UserKeys = await secrets.userKeys(secretId);
    const cached = this.userClients.get(secretId);
    if (cached && cached.keys.accessKeyId === keys.accessKeyId && cached.keys.secretAccessKey === keys.secretAccessKey)
      return cached.client;
    const client = new STSClient({ ...this.options.clientConfig, credentials: keys });
    this.userClients.set(secretId, { keys, client });
    // Other keys may belong to another user.
    if (cached) this.userArns.delete(secretId);
    return client;
  }

  /**
   * The IAM user's ARN, asked with its long-term keys once per key pair. The request carries the
   * asking invocation's deadline; a failed or aborted one is forgotten, so the next asks again.
   */
  private userArn(secretId: string, client: STSClient, send: SendOptions): Promise<string> {
    let arn = this.userArns.get(secretId);
    if (!arn) {
      arn = client.send(new GetCallerIdentityCommand({}), send).then(
        (response) => response.Arn ?? '',
        (error: unknown) => {
          this.userArns.delete(secretId);
          throw stsFailure(`GetCallerIdentity for the IAM user in secret "${secretId}"`, error);
        },
      );
      this.userArns.set(secretId, arn);
    }
    return arn;
  }
}

/** The session policy of a target that names its bucket, in `partition`; undefined for one that does not. */
function policyFor(target: RotationTarget, partition: string | undefined): string | undefined {
  if (!target.bucketName) return undefined;
  return sessionPolicy({
    partition: partition ?? 'aws',
    bucketName: target.bucketName,
    folderPath: target.folderPath,
    bucketAccount: target.bucketAccount,
  });
}

function completeCredentials(
  credentials: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date } | undefined,
  call: string,
) {
  const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = credentials ?? {};
  if (!AccessKeyId || !SecretAccessKey || !SessionToken || !Expiration) {
    throw new StsError(`${call} answered without a complete credential set`);
  }
  return {
    accessKeyId: AccessKeyId,
    secretAccessKey: SecretAccessKey,
    sessionToken: SessionToken,
    expiration: Expiration,
  };
}

function stsFailure(what: string, error: unknown): StsError {
  const name = (error as Error)?.name ?? 'Error';
  const message = (error as Error)?.message ?? '';
  return new StsError(`STS ${what} failed: ${name}${message ? `: ${message}` : ''}`, name, error);
}
