/**
 * The world of the Flow Service emulator's tests: IMS with two registered clients and Flow Service
 * for each test, the rotator's client's Platform headers, and the calls those tests make on one
 * base connection (seed, GET, PATCH with `If-Match`).
 *
 * Imported directly by the emulators' own tests, like emulator-clients.ts (index.ts exports it too).
 */
import got, { type Headers } from 'got';
import { afterEach, beforeEach } from 'vitest';
import { startFlowServiceEmulator } from '../../emulators/flow-service.js';
import { startImsEmulator } from '../../emulators/ims.js';
import type { FlowServiceEmulator, ImsEmulator, SeedConnection } from '../../emulators/types.js';
import { flowServiceHeaders, type ImsClient } from './emulator-clients.js';

export const FLOW_ORG = '0A1B2C3D4E5F60718293A4B5@AdobeOrg';
export const FLOW_OTHER_ORG = 'FFEEDDCCBBAA998877665544@AdobeOrg';
export const FLOW_CLIENT = {
  clientId: 'rotator-client-id',
  clientSecret: 'p8e-rotator-client-secret',
  orgId: FLOW_ORG,
};
export const FLOW_OTHER_CLIENT = {
  clientId: 'other-client-id',
  clientSecret: 'p8e-other-client-secret',
  orgId: FLOW_OTHER_ORG,
};
export const FLOW_SANDBOX = 'prod';
export const FLOW_CONNECTION_ID = '4cb0c374-d3bb-4557-b139-5712880adc55';
/** What the seeded connection holds. */
export const FLOW_PARAMS = {
  s3AccessKey: 'ASIAOLDACCESSKEY0001',
  s3SecretKey: 'old-secret-key-value-0000000000000000000',
  s3SessionToken: 'old-session-token-value-IQoJb3JpZ2luX2VjE',
  bucketName: 'acme-aep-landing',
  folderPath: 'exports/daily',
};
/** The JSON Patch the rotator sends: all three credential params. */
export const FLOW_NEW_CREDENTIALS = [
  { op: 'replace', path: '/auth/params/s3AccessKey', value: 'ASIANEWACCESSKEY0002' },
  { op: 'replace', path: '/auth/params/s3SecretKey', value: 'new-secret-key-value-1111111111111111111' },
  { op: 'replace', path: '/auth/params/s3SessionToken', value: 'new-session-token-value-IQoJb3JpZ2luX2VjF' },
];
/** Adobe's etag: a uuid-like value wrapped in literal double quotes (FLOW-SERVICE.md). */
export const ETAG_FORMAT = /^"[0-9a-f]{8}-0000-0200-0000-[0-9a-f]{12}"$/;

/** A connection as GET lists it. */
export interface ConnectionItem {
  id: string;
  name: string;
  description?: string;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
  updatedBy: string;
  sandboxName: string;
  imsOrgId: string;
  connectionSpec: { id: string; version: string };
  state: string;
  auth: { specName: string; params: Record<string, string> };
  version: string;
  etag: string;
}

/** The product's settings for tests: no retries, HTTP errors as values, JSON bodies. */
function clientFor(url: string) {
  return got.extend({ prefixUrl: url, throwHttpErrors: false, retry: { limit: 0 }, responseType: 'json' });
}

/** What each test starts with. */
export interface FlowServiceStart {
  readonly ims: ImsEmulator;
  readonly flow: FlowServiceEmulator;
  /** got, at Flow Service's URL, with the product's settings for tests. */
  readonly api: ReturnType<typeof clientFor>;
  /** The rotator's client's Platform headers, in `prod`. */
  readonly headers: Record<string, string>;
}

/** Headers every Flow Service call carries (FLOW-SERVICE.md), for `client`. */
function headersFor(ims: ImsEmulator, client: ImsClient, sandboxName = FLOW_SANDBOX) {
  return flowServiceHeaders(ims, client, { sandboxName, scope: 'openid,AdobeID' });
}

/** The headers without those named. */
export function without(source: Headers, ...names: string[]): Headers {
  return Object.fromEntries(Object.entries(source).filter(([name]) => !names.includes(name)));
}

/**
 * Start the world before each test (handed to `onStart`) and close it after (vitest's hooks,
 * registered here). Returns the calls the tests make.
 */
export function flowServiceTestWorld(onStart: (start: FlowServiceStart) => void) {
  let started: FlowServiceStart;
  beforeEach(async () => {
    const ims = await startImsEmulator();
    ims.registerClient(FLOW_CLIENT);
    ims.registerClient(FLOW_OTHER_CLIENT);
    const flow = await startFlowServiceEmulator({ ims });
    const api = clientFor(flow.url);
    started = { ims, flow, api, headers: await headersFor(ims, FLOW_CLIENT) };
    onStart(started);
  });
  afterEach(async () => {
    await started.flow.close();
    await started.ims.close();
  });

  function getConnection(id = FLOW_CONNECTION_ID, requestHeaders: Headers = started.headers) {
    return started.api.get(`connections/${id}`, { headers: requestHeaders });
  }

  return {
    headersFor: (client: ImsClient, sandboxName = FLOW_SANDBOX) => headersFor(started.ims, client, sandboxName),
    seed(overrides: Partial<SeedConnection> = {}) {
      return started.flow.seedConnection({
        id: FLOW_CONNECTION_ID,
        orgId: FLOW_ORG,
        sandboxName: FLOW_SANDBOX,
        params: FLOW_PARAMS,
        ...overrides,
      });
    },
    getConnection,
    async currentEtag(id = FLOW_CONNECTION_ID): Promise<string> {
      const response = await getConnection(id);
      return (response.body as { items: ConnectionItem[] }).items[0]!.etag;
    },
    patchConnection(
      body: unknown,
      etag: string | undefined,
      id = FLOW_CONNECTION_ID,
      requestHeaders: Headers = started.headers,
    ) {
      return started.api.patch(`connections/${id}`, {
        headers: { ...requestHeaders, ...(etag === undefined ? {} : { 'if-match': etag }) },
        json: body,
      });
    },
  };
}
