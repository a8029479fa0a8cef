/**
 * The sandbox's alarms as CloudWatch would evaluate them, per contributor: the function's own
 * metrics (one document per connection) reach the CloudWatch stand-in, whose alarms are the
 * construct's (the same queries, grouped by connectionId), and a second failing connection notifies
 * while the first is in ALARM. And every alarm of the stack can be moved by one of the sandbox's faults.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../../cli/main.js';
import {
  ADOBE_SECRET_ROTATION_ALARM_ID,
  ALARM_IDS,
  ALARM_NAMES,
  ON_CALL_EMAIL,
} from '../../../emulators/deployed-stack.js';
import { FAULT_ALARMS, FAULT_NAMES, type FaultName } from '../../../emulators/sandbox-faults.js';
import { startSandbox, type Sandbox } from '../../../emulators/sandbox.js';
import { FAST_HTTP_POLICY } from '../../support/index.js';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});
const start = async () => {
  sandbox = await startSandbox({ everyMs: 0, httpPolicy: FAST_HTTP_POLICY });
  return sandbox;
};

describe('per connection', () => {
  it('a connection failing for good, then a second: two contributors in ALARM, a notification for each', async () => {
    const s = await start();
    const { ORDERS: orders, CATALOG: catalog } = s.variables as Record<string, string>;
    const { cloudWatch, sns } = s.stack;
    const failing = ALARM_NAMES.ConnectionFailingAlarm;

    const healthy = await s.runScheduled();
    await s.injectFault('patch-refused', orders);
    const first = await s.runScheduled();
    await s.injectFault('patch-refused', catalog);
    const second = await s.runScheduled();
    const third = await s.runScheduled();

    expect(healthy?.alarms).toEqual([]);
    expect(first?.alarms).toEqual([
      { id: 'ConnectionFailingAlarm', state: 'ALARM', notified: true, connectionId: orders },
    ]);
    // The alarm is already in ALARM: the second connection notifies as a contributor of its own.
    expect(cloudWatch.getAlarm(failing)?.state).toBe('ALARM');
    expect(second?.alarms).toEqual([
      { id: 'ConnectionFailingAlarm', state: 'ALARM', notified: true, connectionId: catalog },
    ]);
    // Still failing: no change, no notification.
    expect(third?.alarms).toEqual([]);
    expect(cloudWatch.contributorsInAlarm(failing)).toEqual([{ connectionId: orders }, { connectionId: catalog }]);
    const notifications = cloudWatch.notifications.filter(
      (notification) => notification.alarmName === failing && notification.contributor,
    );
    expect(notifications.map((notification) => [notification.state, notification.contributor])).toEqual([
      ['ALARM', { connectionId: orders }],
      ['ALARM', { connectionId: catalog }],
    ]);
    const delivered = sns.deliveries
      .map((delivery) => JSON.parse(delivery.message) as Record<string, unknown>)
      .filter((message) => message.AlarmContributorAttributes);
    expect(delivered.map((message) => message.AlarmContributorAttributes)).toEqual([
      { connectionId: orders },
      { connectionId: catalog },
    ]);
    expect(new Set(sns.deliveries.map((delivery) => delivery.endpoint))).toEqual(new Set([ON_CALL_EMAIL]));

    // Fixed: each returns to OK, and says so.
    s.clearFaults();
    const fixed = await s.runScheduled();
    expect(fixed?.alarms).toEqual(
      expect.arrayContaining([
        { id: 'ConnectionFailingAlarm', state: 'OK', notified: true, connectionId: orders },
        { id: 'ConnectionFailingAlarm', state: 'OK', notified: true, connectionId: catalog },
      ]),
    );
    expect(cloudWatch.getAlarm(failing)?.state).toBe('OK');
  });

  it('a connection whose credentials run low is a CredentialsExpiringAlarm contributor of its own', async () => {
    const s = await start();
    const loyalty = s.variables.LOYALTY!;

    await s.runScheduled();
    await s.injectFault('expiring', loyalty);
    const run = await s.runScheduled();

    expect(run?.alarms).toEqual(
      expect.arrayContaining([
        { id: 'CredentialsExpiringAlarm', state: 'ALARM', notified: true, connectionId: loyalty },
        { id: 'ConnectionFailingAlarm', state: 'ALARM', notified: true, connectionId: loyalty },
      ]),
    );
    expect(s.stack.cloudWatch.contributorsInAlarm(ALARM_NAMES.CredentialsExpiringAlarm)).toEqual([
      { connectionId: loyalty },
    ]);
  });
});

describe("every alarm of the stack, moved by the sandbox's faults", () => {
  it('covers them all', () => {
    expect(new Set(Object.values(FAULT_ALARMS).flat())).toEqual(
      new Set([...ALARM_IDS, ADOBE_SECRET_ROTATION_ALARM_ID]),
    );
  });

  const moving = FAULT_NAMES.filter((name) => FAULT_ALARMS[name].length > 0);
  it.each(moving)('%s moves its alarms to ALARM, paging the alarm topic', async (fault: FaultName) => {
    const s = await start();
    await s.runScheduled();
    const connection = s.variables.ORDERS;
    // A failure queue that refuses records shows only when a run fails as a whole.
    if (fault === 'failure-queue-denied') await s.injectFault('ims-401');
    await s.injectFault(fault, connection);
    // The Adobe secret's rotation fails only when it is attempted: Secrets Manager's schedule, or this.
    if (fault === 'io-management-403') {
      const quiet = { write: () => true, isTTY: false };
      const code = await run(['rotate-adobe-secret', '--config', s.configFile], {
        stdout: quiet,
        stderr: quiet,
        cwd: s.dir,
        now: Date.now,
        env: {},
      });
      expect(code).toBe(1);
    }

    const moves = [await s.runScheduled(), await s.runScheduled()].flatMap((run) => run?.alarms ?? []);

    for (const id of FAULT_ALARMS[fault]) {
      expect(s.stack.cloudWatch.getAlarm(ALARM_NAMES[id])?.state, id).toBe('ALARM');
      expect(moves, id).toContainEqual(expect.objectContaining({ id, state: 'ALARM', notified: true }));
    }
  });
});

describe('fault clear <name>', () => {
  it('undoes that fault alone: the other faults stay', async () => {
    const s = await start();
    const { ORDERS: orders, LOYALTY: loyalty, CATALOG: catalog } = s.variables as Record<string, string>;
    await s.runScheduled();
    await s.injectFault('patch-refused', orders);
    await s.injectFault('trust-broken', loyalty);
    await s.injectFault('throttling');
    expect((await s.runScheduled())?.error).toContain('429');

    expect(s.clearFault('throttling')).toContain('throttling cleared');
    const run = await s.runScheduled();

    const failed = run!.summary!.results.filter((result) => result.status === 'failed');
    expect(failed.map((result) => [result.connectionId, result.errorCode])).toEqual([
      [orders, '1445-400'],
      [loyalty, 'STS_MINT_FAILED'],
    ]);
    expect(run!.summary!.results.find((result) => result.connectionId === catalog)?.status).toBe('rotated');
    s.clearFault('trust-broken');
    expect((await s.runScheduled())!.summary!.failed).toBe(1);
    expect(s.clearFault('ims-401')).toContain('nothing to clear: the fix is yours');
    expect(() => s.clearFault('meteor')).toThrow('there is no fault "meteor"');
  });

  it("access-denied: the PATCH lands, and Adobe meets S3's AccessDenied with the new credentials", async () => {
    const s = await start();
    const orders = s.variables.ORDERS!;
    await s.runScheduled();
    await s.injectFault('access-denied', orders);

    const run = await s.runScheduled();

    const result = run!.summary!.results.find((entry) => entry.connectionId === orders)!;
    expect(result).toMatchObject({
      status: 'failed',
      etag: expect.any(String),
      adobeVerified: false,
      errorCode: '1100-400',
    });
    expect(result.error).toContain('AccessDenied');
    await expect(s.injectFault('access-denied', s.variables.CATALOG!)).rejects.toThrow(
      'needs a connection whose credentials come from a role',
    );
  });
});
