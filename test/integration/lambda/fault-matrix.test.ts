/**
 * Proof under fire: every fault a production run can meet, and the one invariant that matters.
 * After any run, each connection holds either the new, verified credential set or exactly the one
 * it had before; never a mix, never a set that fails GetCallerIdentity.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredConnection } from '../../../emulators/types.js';
import type { World } from '../../../emulators/world.js';
import type { RotationSummary } from '../../../lambda/summary.js';
import {
  adobeError,
  captureOutput,
  findSecrets,
  FLOW_SERVICE_FAULTS,
  IMS_FAULTS,
  SECRETS_FAULTS,
  STS_FAULTS,
  serializeError,
  settle,
  startHarness,
  type Harness,
  SCHEDULED_EVENT,
} from '../../support/index.js';

let harness: Harness | undefined;
/** Everything the matrix printed, threw and returned, and every secret its worlds held. */
const evidence: string[] = [];
const secretsSeen = new Set<string>();
afterEach(async () => {
  if (harness) for (const secret of harness.world.secretValues()) secretsSeen.add(secret);
  await harness?.close();
  harness = undefined;
});

/** Run the handler with all output captured into the matrix-wide evidence. */
async function invokeCapturing(fn: () => Promise<RotationSummary>) {
  const capture = captureOutput();
  const outcome = await settle(fn);
  capture.restore();
  evidence.push(capture.text(), JSON.stringify(outcome.value ?? null));
  if (outcome.error) evidence.push(serializeError(outcome.error));
  return { ...outcome, logLines: capture.jsonLines() };
}

/** 'new' when the connection holds a fresh set that STS accepts; 'previous' when it is untouched. */
async function credentialState(world: World, before: StoredConnection): Promise<'new' | 'previous'> {
  const now = world.connection(before.id);
  const keys = ['s3AccessKey', 's3SecretKey', 's3SessionToken'] as const;
  if (keys.every((key) => now.params[key] === before.params[key])) return 'previous';
  expect(
    keys.every((key) => now.params[key] !== before.params[key]),
    'all three params change together',
  ).toBe(true);
  expect(await world.callerIdentityOf(before.id)).toMatch(/^arn:aws:(sts::\d{12}:assumed-role|iam::\d{12}:user)\//);
  return 'new';
}

// The cases, one table per service, are in test/support/fault-cases.ts.
describe.each([
  ['Flow Service', FLOW_SERVICE_FAULTS],
  ['IMS', IMS_FAULTS],
  ['STS', STS_FAULTS],
  ['Secrets Manager', SECRETS_FAULTS],
])('fault matrix: %s', (_service, cases) => {
  it.each(cases.map((fault) => [fault.name, fault] as const))('%s', async (_name, fault) => {
    harness = await startHarness({ connections: [fault.connection ?? { sandboxName: 'prod' }] });
    const { world } = harness;
    await fault.arrange?.(world);
    const before = world.connection(world.connectionIds[0]!);

    const { value, error, logLines } = await invokeCapturing(() =>
      harness!.newHandler({ env: fault.env?.(world) })(SCHEDULED_EVENT),
    );

    const state = await credentialState(world, before);
    if (fault.outcome === 'rotated') {
      expect(error).toBeUndefined();
      expect(value!.results[0]).toMatchObject({ status: 'rotated', attempts: fault.attempts ?? 1 });
      expect(state).toBe('new');
    } else {
      expect(error?.name).toBe('RotationFailedError');
      expect(error!.message).toContain(world.connectionIds[0]!);
      if (fault.error) expect(error!.message).toContain(fault.error);
      if (fault.errorCode)
        expect(error!.message).toMatch(new RegExp(`${fault.errorCode}|${describeCode(fault.errorCode)}`));
      expect(state).toBe('previous');
      // The result entry (as its log line shows it) carries the code and Adobe's own detail.
      const entry = logLines.find((line) => line.message === 'connection rotation failed');
      expect(entry).toMatchObject({
        connectionId: world.connectionIds[0],
        status: 'failed',
        attempts: fault.attempts ?? 1,
        ...(fault.errorCode ? { errorCode: fault.errorCode } : {}),
      });
      if (fault.error) expect(entry!.error).toContain(fault.error);
    }
    fault.check?.(world, value?.results[0]);
  });
});

/** Our own codes do not appear in messages; Adobe's do. Map ours to a phrase the message carries. */
function describeCode(code: string): string {
  const phrases: Record<string, string> = {
    IMS_AUTH_FAILED: 'refused the client credentials',
    IMS_UNAVAILABLE: 'Adobe IMS',
    STS_MINT_FAILED: 'STS ',
    CREDENTIALS_UNVERIFIED: 'failed GetCallerIdentity',
    SECRET_UNAVAILABLE: 'was not found|could not be read',
    SECRET_INVALID: 'secret',
  };
  return phrases[code] ?? code;
}

describe("fault matrix: the invocation's deadline", () => {
  // Lambda's clock with 1 s left; the run stops everything with 0.5 s left.
  const oneSecondLeft = () => {
    const endsAt = Date.now() + 1_000;
    return { getRemainingTimeInMillis: () => endsAt - Date.now() };
  };
  const deadlineMargins = { startMs: 100, stopMs: 500 };

  it('stops a connection waiting out a Retry-After, and it keeps its credentials', async () => {
    harness = await startHarness({ connections: [{ sandboxName: 'prod' }] });
    const { world } = harness;
    const before = world.connection(world.connectionIds[0]!);
    world.emulators.flowService.injectFault({
      kind: 'respond',
      status: 503,
      headers: { 'retry-after': '4' },
      body: adobeError('1103-503'),
      times: 5,
    });

    const { error } = await invokeCapturing(() =>
      harness!.newHandler({ deadlineMargins })(SCHEDULED_EVENT, oneSecondLeft() as never),
    );

    expect(error?.name).toBe('RotationFailedError');
    expect(error!.message).toContain(
      'stopped: the invocation reached its deadline before the PATCH; the connection keeps its credentials',
    );
    // got was still waiting for the 4 s Retry-After: no second GET, and nothing after the run.
    expect(world.emulators.flowService.requests).toHaveLength(1);
    expect(await credentialState(world, before)).toBe('previous');
  });

  it('stops a PATCH in flight, saying it may have landed; the connection holds one whole set either way', async () => {
    harness = await startHarness({ connections: [{ sandboxName: 'prod' }] });
    const { world } = harness;
    const before = world.connection(world.connectionIds[0]!);
    // The PATCH takes effect, then its answer is held back past the deadline.
    world.emulators.flowService.injectFault({ match: { method: 'PATCH' }, kind: 'delay-after-effect', ms: 3_000 });

    const { error } = await invokeCapturing(() =>
      harness!.newHandler({ deadlineMargins })(SCHEDULED_EVENT, oneSecondLeft() as never),
    );

    expect(error!.message).toContain(
      'stopped: the invocation reached its deadline while the PATCH was in flight; it may have landed',
    );
    expect(world.emulators.flowService.requests.map((request) => request.method)).toEqual(['GET', 'PATCH']);
    expect(await credentialState(world, before)).toBe('new');
  });

  it.each([
    [
      "the Adobe secret's read",
      { sandboxName: 'prod' },
      (world: World) => world.emulators.secretsManager.injectFault({ kind: 'delay', ms: 120_000, times: 99 }),
    ],
    [
      "the IAM user's GetCallerIdentity (GetFederationToken needs the user's ARN)",
      { sandboxName: 'prod', method: 'get-federation-token' },
      (world: World) =>
        world.emulators.sts.injectFault({
          match: { action: 'GetCallerIdentity' },
          kind: 'delay',
          ms: 120_000,
          times: 99,
        }),
    ],
  ] as const)(
    'stops %s when it does not answer, and the connection keeps its credentials',
    async (_name, connection, arrange) => {
      harness = await startHarness({ connections: [connection] });
      const { world } = harness;
      const before = world.connection(world.connectionIds[0]!);
      arrange(world);
      // Lambda's clock: 1 s left, less than one SDK attempt's request timeout (1.5 s).
      const endsAt = Date.now() + 1_000;
      const context = { getRemainingTimeInMillis: () => endsAt - Date.now() };

      const { error } = await invokeCapturing(() =>
        harness!.newHandler({ deadlineMargins })(SCHEDULED_EVENT, context as never),
      );
      const returnedAt = Date.now();

      expect(returnedAt).toBeLessThan(endsAt);
      expect(error?.name).toBe('RotationFailedError');
      expect(error!.message).toContain(
        'stopped: the invocation reached its deadline before the PATCH; the connection keeps its credentials',
      );
      expect(await credentialState(world, before)).toBe('previous');
    },
  );
});

describe('fault matrix: several connections, mixed faults, one run', () => {
  it('each connection ends as its fault dictates; the run resolves with a summary naming the failed ones', async () => {
    harness = await startHarness({
      connections: [
        { sandboxName: 'prod' }, // 412 once → rotated
        { sandboxName: 'prod' }, // 404 → failed
        { sandboxName: 'dev', method: 'get-session-token' }, // 503 twice → rotated
        { sandboxName: 'dev' }, // AssumeRole AccessDenied → failed
        { sandboxName: 'dev', state: 'draft' }, // 1416-400 → failed
        { sandboxName: 'prod', specName: 'IAMRole Based' }, // skipped
        { sandboxName: 'prod', method: 'assume-role-user-keys' }, // reset → rotated
      ],
    });
    const { world } = harness;
    const ids = world.connectionIds;
    const flow = world.emulators.flowService;
    flow.concurrentEditBeforePatch(ids[0]!, 1);
    flow.injectFault({
      match: { path: `/connections/${ids[1]}` },
      kind: 'respond',
      status: 404,
      body: adobeError('1101-404'),
    });
    flow.injectFault({
      match: { path: `/connections/${ids[2]}` },
      kind: 'respond',
      status: 503,
      body: adobeError('1103-503'),
      times: 2,
    });
    flow.injectFault({ match: { path: `/connections/${ids[6]}`, method: 'PATCH' }, kind: 'reset' });
    world.emulators.sts.createRole({
      roleArn: world.targets[3]!.roleArn as string,
      trustedPrincipalArns: ['arn:aws:iam::123456789012:role/someone-else'],
    });
    const befores = ids.map((id) => world.connection(id));

    const { value, error } = await invokeCapturing(() => harness!.newHandler()(SCHEDULED_EVENT));

    const states = await Promise.all(befores.map((before) => credentialState(world, before)));
    expect(states).toEqual(['new', 'previous', 'new', 'previous', 'previous', 'previous', 'new']);
    // Something rotated, so the scheduled run resolves: a retry of the whole event would repeat what succeeded.
    expect(error).toBeUndefined();
    expect(value).toMatchObject({ rotated: 3, failed: 3, skipped: 1 });
    const failed = value!.results.filter((result) => result.status === 'failed');
    expect(failed.map((result) => [result.connectionId, result.errorCode])).toEqual([
      [ids[1], '1101-404'],
      [ids[3], 'STS_MINT_FAILED'],
      [ids[4], '1416-400'],
    ]);
    expect(failed[0]!.error).toBe(
      `Flow Service GET /connections/${ids[1]} failed with HTTP 404 (1101-404): emulated 1101-404`,
    );
    expect(failed[1]!.error).toContain(`STS AssumeRole on ${world.targets[3]!.roleArn} failed: AccessDenied`);
    expect(failed[2]!.error).toContain(`Flow Service PATCH /connections/${ids[4]} failed with HTTP 400 (1416-400)`);
    // Permanent failures get no second attempt.
    expect(failed.map((result) => result.attempts)).toEqual([1, 1, 1]);
  });
});

describe('fault matrix: secrets', () => {
  it('no output, error (causes included) or result of the matrix holds a secret the emulators issued or held', () => {
    const everything = evidence.join('\n');
    // Sanity: the matrix ran and produced failures with reasons to search.
    expect(secretsSeen.size).toBeGreaterThan(100);
    expect(everything).toContain('connection rotation failed');
    expect(everything).toContain('"errorType":"RotationFailedError"');
    expect(findSecrets(everything, [...secretsSeen])).toEqual([]);
  });
});
