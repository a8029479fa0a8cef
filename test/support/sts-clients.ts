/**
 * The STS emulator's tests' world: a fresh emulator and IAM user for each test, the real STS
 * client pointed at it (no retries: each call is one request), the calls those tests make, and a
 * man in the middle who changes a request after the SDK signed it (for the SigV4 tests too).
 *
 * Imported directly by the emulators' own tests, like emulator-clients.ts (index.ts exports it too).
 */
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  STSClient,
  type Credentials,
  type STSClientConfig,
} from '@aws-sdk/client-sts';
import { afterEach, beforeEach } from 'vitest';
import { startStsEmulator } from '../../emulators/sts.js';
import type { AwsCredentials, StsEmulator } from '../../emulators/types.js';

export const STS_TEST_ACCOUNT = '123456789012';
/** The role the STS tests assume by default. */
export const STS_TEST_TARGET_ROLE = `arn:aws:iam::${STS_TEST_ACCOUNT}:role/s3-ingest`;

/** A session policy for `acme-aep-landing/crm/daily/*`, the STS tests' default. */
export const STS_TEST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::acme-aep-landing/crm/daily/*' }],
});

/** A valid policy of exactly `length` characters (the Sid pads it). */
export const policyOfLength = (length: number) => {
  const base = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: '', Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
  });
  return base.replace('"Sid":""', `"Sid":"${'x'.repeat(length - base.length)}"`);
};

/** The SDK's credentials as the emulator's shape. */
export const asCredentials = (c: Credentials | undefined): AwsCredentials => ({
  accessKeyId: c!.AccessKeyId!,
  secretAccessKey: c!.SecretAccessKey!,
  sessionToken: c!.SessionToken!,
});

/** What each test starts with. */
export interface StsTestStart {
  readonly sts: StsEmulator;
  /** `rotator-user` of the test account, with long-term keys. */
  readonly user: AwsCredentials & { readonly arn: string };
}

/**
 * Start an STS emulator and its IAM user before each test (handed to `onStart`), and close it and
 * every client made after it (vitest's hooks, registered here). Returns the calls the tests make.
 */
export function stsTestWorld(onStart: (start: StsTestStart) => void) {
  let sts: StsEmulator;
  const clients: STSClient[] = [];
  beforeEach(async () => {
    sts = await startStsEmulator({ region: 'us-east-1' });
    onStart({ sts, user: sts.createUser('rotator-user', STS_TEST_ACCOUNT) });
  });
  afterEach(async () => {
    for (const created of clients.splice(0)) created.destroy();
    await sts.close();
  });

  /** The real SDK client, pointed at the emulator, without retries so each call is one request. */
  function client(credentials: AwsCredentials, config: Partial<STSClientConfig> = {}): STSClient {
    const { accessKeyId, secretAccessKey, sessionToken } = credentials;
    const created = new STSClient({
      region: 'us-east-1',
      endpoint: sts.url,
      credentials: { accessKeyId, secretAccessKey, sessionToken },
      maxAttempts: 1,
      ...config,
    });
    clients.push(created);
    return created;
  }

  return {
    client,
    /** Destroy a client made another way after the test, as every other. */
    track: (made: STSClient) => {
      clients.push(made);
    },
    whoAmI: (credentials: AwsCredentials) => client(credentials).send(new GetCallerIdentityCommand({})),
    assumeRole: (credentials: AwsCredentials, input: Partial<AssumeRoleCommand['input']> = {}) =>
      client(credentials).send(
        new AssumeRoleCommand({ RoleArn: STS_TEST_TARGET_ROLE, RoleSessionName: 'rotation', ...input }),
      ),
    federationToken: (credentials: AwsCredentials, input: Partial<GetFederationTokenCommand['input']> = {}) =>
      client(credentials).send(
        new GetFederationTokenCommand({ Name: 'aep-4cb0c374', Policy: STS_TEST_POLICY, ...input }),
      ),
  };
}

/** A request as middleware sees it; the Query protocol's body is a string, JSON protocols' may be bytes. */
export interface SignedRequest {
  body: string | Uint8Array;
  headers: Record<string, string>;
}

/** Middleware that hands each request to the next step (after `change`, for the SDK's stack). */
export type RequestMiddleware = (
  next: (args: { request: SignedRequest }) => Promise<unknown>,
) => (args: { request: SignedRequest }) => Promise<unknown>;

/** Let `change` edit every request `client` sends, after the SDK signed it (as a man in the middle would). */
export function afterSigning<T extends { middlewareStack: { addRelativeTo(middleware: never, options: never): void } }>(
  client: T,
  change: (request: SignedRequest) => void,
): T {
  const middleware: RequestMiddleware = (next) => async (args) => {
    change(args.request);
    return next(args);
  };
  client.middlewareStack.addRelativeTo(
    middleware as never,
    { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'after-signing' } as never,
  );
  return client;
}

/** A request body as text. */
export const bodyText = (body: string | Uint8Array) =>
  typeof body === 'string' ? body : new TextDecoder().decode(body);
