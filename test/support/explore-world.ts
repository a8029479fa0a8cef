/**
 * The world of the tests of Flow Service's explore (`GET /connections/{id}/explore`): IMS, STS and
 * Flow Service for each test, S3 objects in one bucket, and the session and role policies the
 * explore route reads (by access key, as STS records them), set by the tests themselves.
 *
 * Imported directly by the emulators' own tests, like emulator-clients.ts (index.ts exports it too).
 */
import got from 'got';
import { afterEach, beforeEach } from 'vitest';
import { startFlowServiceEmulator, type CredentialAuthority } from '../../emulators/flow-service.js';
import { startImsEmulator } from '../../emulators/ims.js';
import { startStsEmulator } from '../../emulators/sts.js';
import type { AwsCredentials, FlowServiceEmulator, SeedConnection, StsEmulator } from '../../emulators/types.js';
import { flowServiceHeaders } from './emulator-clients.js';

export const EXPLORE_ORG = '0A1B2C3D4E5F60718293A4B5@AdobeOrg';
const CLIENT = { clientId: 'rotator-client-id', clientSecret: 'p8e-rotator-client-secret', orgId: EXPLORE_ORG };
export const EXPLORE_CONNECTION_ID = '4cb0c374-d3bb-4557-b139-5712880adc55';
export const EXPLORE_BUCKET = 'acme-aep-landing';
/** The role the connections' credentials are sessions of. */
export const EXPLORE_ROLE = 'arn:aws:iam::123456789012:role/aep-ingest';

/** What each test starts with. */
export interface ExploreStart {
  readonly sts: StsEmulator;
  readonly flow: FlowServiceEmulator;
  /** The Platform headers of the rotator's client, in `prod`. */
  readonly headers: Record<string, string>;
}

/**
 * Start the world before each test (handed to `onStart`) and close it after (vitest's hooks,
 * registered here). Returns the policies the explore route reads, and the calls the tests make.
 */
export function exploreTestWorld(onStart: (start: ExploreStart) => void) {
  /** Session policies by access key: the STS emulator's record, as the explore route reads it. */
  const policies = new Map<string, string>();
  /** Role permissions by access key. */
  const rolePolicies = new Map<string, string>();
  let started: ExploreStart & { readonly close: () => Promise<unknown> };

  beforeEach(async () => {
    const ims = await startImsEmulator();
    ims.registerClient(CLIENT);
    const sts = await startStsEmulator();
    const authority: CredentialAuthority = {
      credentialsFor: (key) => sts.credentialsFor(key),
      now: () => sts.now(),
      policyOf: (key) => policies.get(key),
      identityPolicyOf: (key) => rolePolicies.get(key),
    };
    const flow = await startFlowServiceEmulator({ ims, sts: authority });
    flow.putObjects(EXPLORE_BUCKET, [
      'crm/daily/orders.csv',
      'crm/daily/2026/11/returns.csv',
      'crm/daily-archive/old.csv',
      'web/events.json',
      'README.txt',
    ]);
    const headers = await flowServiceHeaders(ims, CLIENT);
    started = { sts, flow, headers, close: () => Promise.all([flow.close(), sts.close(), ims.close()]) };
    onStart(started);
  });

  afterEach(async () => {
    policies.clear();
    rolePolicies.clear();
    await started.close();
  });

  return {
    policies,
    rolePolicies,
    /** Seed the connection with these credentials, in `prod`, reading the bucket. */
    seedWith(
      credentials: AwsCredentials,
      params: Record<string, string> = {},
      options: Pick<SeedConnection, 'explorePaths' | 'listPrefix'> = {},
    ) {
      started.flow.seedConnection({
        id: EXPLORE_CONNECTION_ID,
        orgId: EXPLORE_ORG,
        sandboxName: 'prod',
        ...options,
        params: {
          s3AccessKey: credentials.accessKeyId,
          s3SecretKey: credentials.secretAccessKey,
          ...(credentials.sessionToken ? { s3SessionToken: credentials.sessionToken } : {}),
          bucketName: EXPLORE_BUCKET,
          ...params,
        },
      });
    },
    /** Explore the connection, as the rotator's client. */
    explore(query: Record<string, string>) {
      return got.get(`${started.flow.url}/connections/${EXPLORE_CONNECTION_ID}/explore`, {
        headers: started.headers,
        searchParams: query,
        throwHttpErrors: false,
        retry: { limit: 0 },
        responseType: 'json',
      });
    },
  };
}
