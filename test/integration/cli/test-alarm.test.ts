/**
 * `test-alarm` against the stand-ins of a deployed stack, over real sockets: the alarm goes to ALARM
 * and back through SetAlarmState (and CloudWatch notifies its topic, which delivers to its confirmed
 * subscriptions), the topic's subscriptions are read with ListSubscriptionsByTopic, a paused alarm
 * is tested with its actions switched on for the test only, and a route that reaches nobody exits 1.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ALARM_NAMES, FUNCTION_NAME, ON_CALL_EMAIL } from '../../../emulators/deployed-stack.js';
import { findSecrets, flat, STACK_TRACE, startCliWorld, type CliWorld } from '../../support/index.js';

let t: CliWorld;
const alarm = (id: keyof typeof ALARM_NAMES) => t.stack.cloudWatch.getAlarm(ALARM_NAMES[id])!;

beforeAll(async () => {
  t = await startCliWorld({ connections: [{ sandboxName: 'prod' }] });
  const operator = t.world.emulators.sts.issueRoleSession('arn:aws:iam::123456789012:role/Operator', 'alice');
  t.env({
    AWS_ACCESS_KEY_ID: operator.accessKeyId,
    AWS_SECRET_ACCESS_KEY: operator.secretAccessKey,
    AWS_SESSION_TOKEN: operator.sessionToken,
  });
});
afterAll(() => t.close());
afterEach(async () => {
  await t.cli(['resume']);
  t.stack.sns.deliveries.length = 0;
});

describe('test-alarm', () => {
  it(
    'moves ErrorsAlarm to ALARM and back, which reaches the confirmed subscriber twice, and says who is ' +
      'subscribed',
    async () => {
      const result = await t.cli(['test-alarm'], { tty: true });

      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(flat(result.stdout)).toContain(
        `Moved: ErrorsAlarm (${ALARM_NAMES.ErrorsAlarm}) to ALARM and back to OK: CloudWatch notified ` +
          `${t.stack.alarmTopicArn}.`,
      );
      expect(flat(result.stdout)).toContain(
        `Confirmed: ${t.stack.alarmTopicArn}: 1 subscription (email ${ON_CALL_EMAIL})`,
      );
      expect(
        t.stack.sns.deliveries.map((delivery) => [delivery.endpoint, JSON.parse(delivery.message).NewStateValue]),
      ).toEqual([
        [ON_CALL_EMAIL, 'ALARM'],
        [ON_CALL_EMAIL, 'OK'],
      ]);
      expect(JSON.parse(t.stack.sns.deliveries[0]!.message).NewStateReason).toContain(
        'assumed-role/Operator/alice (npx aep-s3-rotator test-alarm): not an incident',
      );
      expect(alarm('ErrorsAlarm').state).toBe('OK');
      // Every call signed, as AWS requires: CloudWatch as `monitoring`, SNS as `sns`.
      expect(t.stack.sns.requests.map((request) => request.action)).toEqual(['ListSubscriptionsByTopic']);
      expect(t.stack.sns.requests[0]!.headers.authorization).toMatch(/\/us-east-1\/sns\/aws4_request/);
      expect(t.stack.cloudWatch.requests.filter((request) => request.action === 'SetAlarmState')).toHaveLength(2);
    },
  );

  it('tests the alarm --alarm names, by construct id, and answers in JSON', async () => {
    const result = await t.cli(['test-alarm', '--alarm', 'ConnectionFailingAlarm', '--json']);

    expect(result.code).toBe(0);
    expect(result.json()).toEqual({
      ok: true,
      function: FUNCTION_NAME,
      stack: 'AepS3CredentialRotator',
      alarm: {
        id: 'ConnectionFailingAlarm',
        name: ALARM_NAMES.ConnectionFailingAlarm,
        state: 'OK',
        actionsEnabled: true,
      },
      topics: [
        { topicArn: t.stack.alarmTopicArn, confirmed: [{ protocol: 'email', endpoint: ON_CALL_EMAIL }], pending: [] },
      ],
    });
    expect(t.stack.sns.deliveries).toHaveLength(2);
  });

  it("tests a silenced alarm (an older version's pause) with its actions on for the test only, then off", async () => {
    t.stack.cloudWatch.putAlarm({ ...alarm('ErrorsAlarm'), actionsEnabled: false });

    const result = await t.cli(['test-alarm'], { tty: true });

    expect(result.code).toBe(0);
    expect(flat(result.stdout)).toContain('Its actions were off: they were switched on for the test and off again.');
    expect(t.stack.sns.deliveries).toHaveLength(2);
    expect(alarm('ErrorsAlarm').actionsEnabled).toBe(false);
  });

  it('exits 1 when nobody has confirmed a subscription to the topic: the alarm would reach no one', async () => {
    const topic = t.stack.sns.putTopic('UnconfirmedTopic');
    t.stack.sns.subscribe(topic, { protocol: 'email', endpoint: 'new-hire@example.com', confirmed: false });
    const before = alarm('LedgerWriteFailedAlarm');
    t.stack.cloudWatch.putAlarm({ ...before, alarmActions: [topic] });
    try {
      const result = await t.cli(['test-alarm', '--alarm', 'LedgerWriteFailedAlarm'], { tty: true });

      expect(result.code).toBe(1);
      expect(flat(result.stdout)).toContain(
        `NOBODY RECEIVES IT: ${topic} has no confirmed subscription; 1 waiting for confirmation (email ` +
          'new-hire@example.com), which receive nothing until their recipients confirm.',
      );
      expect(t.stack.sns.deliveries).toEqual([]);
    } finally {
      t.stack.cloudWatch.putAlarm(before);
    }
  });

  it('leaves an alarm in ALARM alone, and says why (exit 1)', async () => {
    t.stack.cloudWatch.setAlarmState(ALARM_NAMES.ErrorsAlarm, 'ALARM', 'a real run failed');
    t.stack.sns.deliveries.length = 0;
    const sets = () => t.stack.cloudWatch.requests.filter((request) => request.action === 'SetAlarmState').length;
    const before = sets();
    try {
      const result = await t.cli(['test-alarm']);

      expect(result.code).toBe(1);
      expect(flat(result.stderr)).toContain(
        'ErrorsAlarm is in ALARM now: it notified when it went there, and may be a real incident',
      );
      expect(sets()).toBe(before);
      expect(t.stack.sns.deliveries).toEqual([]);
    } finally {
      t.stack.cloudWatch.setAlarmState(ALARM_NAMES.ErrorsAlarm, 'OK', 'recovered');
    }
  });

  it('refuses an alarm the stack does not have, listing those it has (exit 2)', async () => {
    const result = await t.cli(['test-alarm', '--alarm', 'MeteorAlarm']);

    expect(result.code).toBe(2);
    expect(flat(result.stderr)).toContain(
      '--alarm "MeteorAlarm" is not one of the stack\'s alarms; they are ConnectionFailingAlarm, ' +
        'CredentialsExpiringAlarm, DataflowRunFailedAlarm, ErrorsAlarm, DestinationDeliveryFailuresAlarm, ' +
        'ScheduleDeadLetterQueueAlarm, FailureDeadLetterQueueAlarm, LedgerWriteFailedAlarm, ' +
        'RotatorNotReportingAlarm, UnmanagedTemporaryConnectionsAlarm, AdobeSecretRotationFailedAlarm.',
    );
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });

  it('prints no secret', async () => {
    const result = await t.cli(['test-alarm', '--json']);
    expect(findSecrets(result.stdout + result.stderr, t.world.secretValues())).toEqual([]);
  });
});
