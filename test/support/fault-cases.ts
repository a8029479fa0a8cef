/**
 * The fault matrix's cases (test/integration/lambda/fault-matrix.test.ts), one table per service:
 * each fault a production run can meet, how it is arranged in the world, and the outcome it must
 * end in.
 */
import { expect } from 'vitest';
import { flowProblem, gatewayError } from '../../emulators/flow-service.js';
import type { World, WorldConnectionSpec } from '../../emulators/world.js';
import type { ConnectionResult } from '../../lambda/summary.js';
import { assumeRoleThrottled } from './emulator-faults.js';
import { connectionRequests } from './rotation-harness.js';

/** One fault of the matrix: the world it needs, and what the run must end in. */
export interface FaultCase {
  readonly name: string;
  readonly connection?: WorldConnectionSpec;
  readonly arrange?: (world: World) => void | Promise<void>;
  /** Environment overrides for the function. */
  readonly env?: (world: World) => Record<string, string>;
  readonly outcome: 'rotated' | 'failed';
  /** Attempts the result reports: 2 when a transient failure got one more attempt at the end of the run. @default 1 */
  readonly attempts?: number;
  /** Substring of the result's error (failed) . */
  readonly error?: string;
  readonly errorCode?: string;
  /** Extra checks on the recorded traffic. */
  readonly check?: (world: World, result: ConnectionResult | undefined) => void;
}

const patches = (world: World) => world.emulators.flowService.requests.filter((request) => request.method === 'PATCH');
/** GETs of the connection (not Adobe's explore after the PATCH, not the run's listings). */
const gets = (world: World) =>
  connectionRequests(world.emulators.flowService.requests).filter(
    (request) => request.method === 'GET' && !request.path.endsWith('/explore'),
  );
const onPatch = { method: 'PATCH' } as const;
const onGet = { method: 'GET' } as const;
/** A Flow Service problem document with the status its code ends in (`1101-404` → 404). */
export const adobeError = (code: string) => flowProblem(Number(code.slice(-3)) || 500, code, `emulated ${code}`);

export const FLOW_SERVICE_FAULTS: FaultCase[] = [
  {
    name: '412 once: re-reads the etag and recovers',
    arrange: (world) => world.emulators.flowService.concurrentEditBeforePatch(world.connectionIds[0]!, 1),
    outcome: 'rotated',
    check: (world, result) => {
      expect(patches(world)).toHaveLength(2);
      expect(result?.etagConflicts).toBe(1);
    },
  },
  {
    name: '412 on every attempt: fails after 3 PATCHes, in each of its two attempts',
    arrange: (world) => world.emulators.flowService.concurrentEditBeforePatch(world.connectionIds[0]!, 99),
    outcome: 'failed',
    attempts: 2,
    errorCode: '1404-412',
    error: '3 PATCH attempts all met a stale etag',
    check: (world) => expect(patches(world)).toHaveLength(6),
  },
  {
    name: '429 without Retry-After: backs off and retries',
    arrange: (world) =>
      world.emulators.flowService.injectFault({
        match: onPatch,
        kind: 'respond',
        status: 429,
        body: adobeError('429'),
      }),
    outcome: 'rotated',
    check: (world) => expect(patches(world)).toHaveLength(2),
  },
  ...([500, 503, 504] as const).map(
    (status): FaultCase => ({
      name: `${status} twice, then success`,
      arrange: (world) =>
        world.emulators.flowService.injectFault({
          kind: 'respond',
          status,
          body: adobeError(`11xx-${status}`),
          times: 2,
        }),
      outcome: 'rotated',
    }),
  ),
  {
    name: "500 forever: fails after got's bounded retries, in each of its two attempts",
    arrange: (world) =>
      world.emulators.flowService.injectFault({
        match: onPatch,
        kind: 'respond',
        status: 500,
        body: adobeError('1102-500'),
        times: 99,
      }),
    outcome: 'failed',
    attempts: 2,
    errorCode: '1102-500',
    check: (world) => expect(patches(world)).toHaveLength(6),
  },
  {
    name: "503 on PATCH through got's retries, then recovered: the one more attempt at the end of the run rotates it",
    arrange: (world) =>
      world.emulators.flowService.injectFault({
        match: onPatch,
        kind: 'respond',
        status: 503,
        body: adobeError('1103-503'),
        times: 3,
      }),
    outcome: 'rotated',
    attempts: 2,
    check: (world) => expect(patches(world)).toHaveLength(4),
  },
  {
    name: "the gateway's 429050 with Retry-After: honoured, then rotated",
    arrange: (world) => world.emulators.flowService.throttleAtGateway(1, 1),
    outcome: 'rotated',
    check: (world) => expect(gets(world)).toHaveLength(2),
  },
  {
    name: "the gateway's 403025 (not entitled): not retried, the advice names the product profile",
    arrange: (world) => world.emulators.flowService.setEntitled(world.adobe.clientId, false),
    outcome: 'failed',
    errorCode: '403025',
    error: "Profile is not valid; Adobe's gateway says the credential's org or product profile is not entitled",
    check: (world) => expect(gets(world)).toHaveLength(1),
  },
  {
    name:
      'a credential that may read but not write the sandbox: GET succeeds, PATCH gets FLOW-2118-403, ' +
      'naming the missing permission',
    arrange: (world) => world.emulators.flowService.setSourcesPermission(world.adobe.clientId, 'prod', 'view'),
    outcome: 'failed',
    errorCode: '2118-403',
    error: 'Manage Sources in sandbox prod',
    check: (world, result) => {
      expect(patches(world)).toHaveLength(1);
      expect(result).toBeUndefined(); // a scheduled run with nothing rotated rejects
    },
  },
  {
    name: 'a timeout on GET: retried',
    arrange: (world) => world.emulators.flowService.injectFault({ match: onGet, kind: 'delay', ms: 2500 }),
    outcome: 'rotated',
    check: (world) => expect(gets(world)).toHaveLength(2),
  },
  {
    name: 'a timeout on PATCH that did not land: retried',
    arrange: (world) => world.emulators.flowService.injectFault({ match: onPatch, kind: 'delay', ms: 2500 }),
    outcome: 'rotated',
    check: (world) => expect(patches(world)).toHaveLength(2),
  },
  {
    name: 'a timeout on PATCH that did land: the retry meets 412, re-reads, and ends with the same new set',
    arrange: (world) =>
      world.emulators.flowService.injectFault({ match: onPatch, kind: 'delay-after-effect', ms: 2500 }),
    outcome: 'rotated',
    check: (world) => {
      const bodies = patches(world).map((request) => request.body);
      expect(new Set(bodies).size).toBe(1);
      expect(world.connection(world.connectionIds[0]!).params.s3AccessKey).toBe(JSON.parse(bodies[0]!)[0].value);
    },
  },
  {
    name: 'a connection reset: retried',
    arrange: (world) => world.emulators.flowService.injectFault({ match: onPatch, kind: 'reset' }),
    outcome: 'rotated',
  },
  {
    name: '401 once: the IMS token is refreshed',
    arrange: (world) =>
      world.emulators.flowService.injectFault({
        match: onGet,
        kind: 'respond',
        status: 401,
        body: gatewayError('401013', 'Oauth token is not valid'),
      }),
    outcome: 'rotated',
    check: (world) => expect(world.emulators.ims.requests).toHaveLength(2),
  },
  {
    name: '401 always: fails after one refresh',
    arrange: (world) =>
      world.emulators.flowService.injectFault({
        kind: 'respond',
        status: 401,
        body: gatewayError('401013', 'Oauth token is not valid'),
        times: 99,
      }),
    outcome: 'failed',
    errorCode: '401013',
    check: (world) => expect(world.emulators.ims.requests).toHaveLength(2),
  },
  {
    name: '403 (missing permission): not retried',
    arrange: (world) =>
      world.emulators.flowService.injectFault({
        match: onPatch,
        kind: 'respond',
        status: 403,
        body: adobeError('2118-403'),
      }),
    outcome: 'failed',
    errorCode: '2118-403',
    check: (world) => expect(patches(world)).toHaveLength(1),
  },
  {
    name: '404 (connection deleted): not retried',
    arrange: (world) =>
      world.emulators.flowService.injectFault({
        match: onGet,
        kind: 'respond',
        status: 404,
        body: adobeError('1101-404'),
      }),
    outcome: 'failed',
    errorCode: '1101-404',
    check: (world) => expect(gets(world)).toHaveLength(1),
  },
  {
    name: '1416-400: the connection is in a state that cannot be updated',
    connection: { sandboxName: 'prod', state: 'draft' },
    outcome: 'failed',
    errorCode: '1416-400',
  },
  {
    name: '1445-400: PATCH is not enabled for the connection',
    connection: { sandboxName: 'prod', patchEnabled: false },
    outcome: 'failed',
    errorCode: '1445-400',
  },
  {
    name: 'a malformed JSON body from GET',
    arrange: (world) =>
      world.emulators.flowService.injectFault({
        match: onGet,
        kind: 'respond',
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"items": [',
      }),
    outcome: 'failed',
    error: 'the response was not valid JSON',
  },
  {
    name: 'an empty items array',
    arrange: (world) =>
      world.emulators.flowService.injectFault({ match: onGet, kind: 'respond', status: 200, body: { items: [] } }),
    outcome: 'failed',
    error: 'returned no connection',
  },
];

export const IMS_FAULTS: FaultCase[] = [
  {
    name: 'IMS 401: a bad client secret',
    arrange: (world) => {
      world.emulators.secretsManager.putSecret(
        'aep-s3-rotator/adobe-credentials',
        JSON.stringify({ ...world.adobe, clientSecret: 'p8e-wrong-secret-value' }),
      );
    },
    outcome: 'failed',
    errorCode: 'IMS_AUTH_FAILED',
    error: 'Adobe IMS refused the client credentials (invalid_client)',
  },
  {
    name: 'IMS 5xx, then success',
    arrange: (world) => world.emulators.ims.injectFault({ kind: 'respond', status: 503, body: 'Service Unavailable' }),
    outcome: 'rotated',
    check: (world) => expect(world.emulators.ims.requests).toHaveLength(2),
  },
  {
    name: 'IMS answers without access_token',
    arrange: (world) =>
      world.emulators.ims.injectFault({
        kind: 'respond',
        status: 200,
        body: { token_type: 'bearer', expires_in: 86399 },
      }),
    outcome: 'failed',
    errorCode: 'IMS_UNAVAILABLE',
    error: 'without an access_token',
  },
];

export const STS_FAULTS: FaultCase[] = [
  {
    name: 'STS throttling, then success (the SDK retries)',
    arrange: (world) => world.emulators.sts.injectFault(assumeRoleThrottled()),
    outcome: 'rotated',
    check: (world) =>
      expect(world.emulators.sts.requests.filter((request) => request.action === 'AssumeRole')).toHaveLength(2),
  },
  {
    name: 'AccessDenied on AssumeRole (the role does not trust the function)',
    arrange: (world) =>
      world.emulators.sts.createRole({
        roleArn: world.targets[0]!.roleArn as string,
        trustedPrincipalArns: ['arn:aws:iam::123456789012:role/someone-else'],
      }),
    outcome: 'failed',
    errorCode: 'STS_MINT_FAILED',
    error: 'AccessDenied',
  },
  {
    name: "a duration above the role's maximum",
    connection: { sandboxName: 'prod', method: 'assume-role-user-keys', durationSeconds: 14_400 },
    arrange: (world) =>
      world.emulators.sts.createRole({ roleArn: world.targets[0]!.roleArn as string, maxSessionDurationSeconds: 3600 }),
    outcome: 'failed',
    error: 'exceeds the MaxSessionDuration',
  },
  {
    name: 'minted credentials that fail verification',
    arrange: (world) => world.emulators.sts.mintUnverifiableCredentials(1),
    outcome: 'failed',
    errorCode: 'CREDENTIALS_UNVERIFIED',
    check: (world) => expect(patches(world)).toHaveLength(0),
  },
];

export const SECRETS_FAULTS: FaultCase[] = [
  {
    name: 'the Adobe secret is missing',
    env: () => ({ ADOBE_CREDENTIALS_SECRET_ID: 'aep-s3-rotator/no-such-secret' }),
    outcome: 'failed',
    errorCode: 'SECRET_UNAVAILABLE',
    error: 'Adobe credentials secret "aep-s3-rotator/no-such-secret" was not found',
  },
  {
    name: "the Adobe secret's read never answers: each SDK attempt ends at the request timeout, and the run ends",
    arrange: (world) => world.emulators.secretsManager.injectFault({ kind: 'delay', ms: 120_000, times: 99 }),
    outcome: 'failed',
    errorCode: 'SECRET_UNAVAILABLE',
    error: 'could not be read (TimeoutError)',
  },
  {
    name: 'the Adobe secret is not JSON',
    arrange: (world) => {
      world.emulators.secretsManager.putSecret(
        'aep-s3-rotator/adobe-credentials',
        `clientSecret=${world.adobe.clientSecret}`,
      );
    },
    outcome: 'failed',
    errorCode: 'SECRET_INVALID',
    error: 'is not valid JSON',
  },
  {
    name: 'the Adobe secret lacks a field',
    arrange: (world) => {
      world.emulators.secretsManager.putSecret(
        'aep-s3-rotator/adobe-credentials',
        JSON.stringify({ clientId: world.adobe.clientId, orgId: world.adobe.orgId }),
      );
    },
    outcome: 'failed',
    errorCode: 'SECRET_INVALID',
    error: 'clientSecret is required',
  },
  {
    name: 'the IAM-user secret lacks a field',
    connection: { sandboxName: 'prod', method: 'get-session-token' },
    arrange: (world) => {
      world.emulators.secretsManager.putSecret(
        'aep-s3-rotator/iam-user',
        JSON.stringify({ accessKeyId: 'AKIAEXAMPLEEXAMPLE01' }),
      );
    },
    outcome: 'failed',
    errorCode: 'SECRET_INVALID',
    error: 'secretAccessKey is required',
  },
];
