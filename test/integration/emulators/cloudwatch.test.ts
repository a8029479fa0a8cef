/**
 * The CloudWatch stand-in answers DescribeAlarms, DisableAlarmActions, EnableAlarmActions,
 * SetAlarmState and DescribeAlarmContributors in the protocol the installed
 * @aws-sdk/client-cloudwatch speaks (AWS JSON 1.0, Query-compatible), over a real socket: signed
 * requests only, AWS's errors for a request it would refuse, alarms whose disabled actions notify
 * no one, and alarms on Metrics Insights queries whose every contributor has a state of its own.
 */
import {
  CloudWatchClient,
  DescribeAlarmContributorsCommand,
  DescribeAlarmsCommand,
  DisableAlarmActionsCommand,
  EnableAlarmActionsCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCloudWatchEmulator, type CloudWatchEmulator } from '../../../emulators/cloudwatch.js';
import { startStsEmulator } from '../../../emulators/sts.js';
import type { StsEmulator } from '../../../emulators/types.js';
import { operatorClientConfig } from '../../support/emulator-clients.js';

let sts: StsEmulator;
let cloudWatch: CloudWatchEmulator;
let client: CloudWatchClient;
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:rotator-alarms';
const NAMES = ['Rotator-ConnectionFailingAlarm-1', 'Rotator-ErrorsAlarm-2'];

beforeAll(async () => {
  sts = await startStsEmulator();
  cloudWatch = await startCloudWatchEmulator({ sts });
  client = new CloudWatchClient(operatorClientConfig(sts, cloudWatch.url));
});
afterAll(async () => {
  client.destroy();
  await Promise.all([cloudWatch.close(), sts.close()]);
});
beforeEach(() => {
  for (const name of NAMES) cloudWatch.putAlarm({ alarmName: name, alarmActions: [TOPIC], state: 'OK' });
});

describe('CloudWatch stand-in', () => {
  it('is reached with the protocol the installed client speaks: JSON 1.0 in Query-compatible mode', async () => {
    await client.send(new DescribeAlarmsCommand({ AlarmNames: NAMES }));

    const request = cloudWatch.requests.at(-1)!;
    expect(request.headers['x-amz-target']).toBe('GraniteServiceVersion20100801.DescribeAlarms');
    expect(request.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(request.headers['x-amzn-query-mode']).toBe('true');
    expect(request.headers.authorization).toMatch(/Credential=ASIA\w+\/\d{8}\/us-east-1\/monitoring\/aws4_request/);
  });

  it('describes the alarms it has, and leaves out names it does not know', async () => {
    const response = await client.send(new DescribeAlarmsCommand({ AlarmNames: [...NAMES, 'Deleted-Alarm'] }));

    expect(response.MetricAlarms?.map((alarm) => [alarm.AlarmName, alarm.ActionsEnabled, alarm.StateValue])).toEqual([
      [NAMES[0], true, 'OK'],
      [NAMES[1], true, 'OK'],
    ]);
    expect(response.MetricAlarms![0]!.AlarmActions).toEqual([TOPIC]);
    expect(response.MetricAlarms![0]!.StateUpdatedTimestamp).toBeInstanceOf(Date);
  });

  it('disables and enables alarm actions; a disabled alarm changes state without notifying', async () => {
    await client.send(new DisableAlarmActionsCommand({ AlarmNames: NAMES }));
    expect(cloudWatch.getAlarm(NAMES[0]!)?.actionsEnabled).toBe(false);
    expect(cloudWatch.setAlarmState(NAMES[0]!, 'ALARM', 'a connection failed')).toBe(false);
    expect(cloudWatch.notifications).toEqual([]);

    await client.send(new EnableAlarmActionsCommand({ AlarmNames: NAMES }));
    expect(
      (await client.send(new DescribeAlarmsCommand({ AlarmNames: NAMES }))).MetricAlarms?.every(
        (alarm) => alarm.ActionsEnabled,
      ),
    ).toBe(true);
    expect(cloudWatch.setAlarmState(NAMES[0]!, 'OK', 'no failure')).toBe(true);
    expect(cloudWatch.notifications).toEqual([
      expect.objectContaining({ alarmName: NAMES[0], state: 'OK', actions: [TOPIC] }),
    ]);
  });

  it('refuses DisableAlarmActions without AlarmNames (MissingParameter) or over 100 (ValidationError)', async () => {
    const missing = await client.send(new DisableAlarmActionsCommand({} as never)).catch((thrown: Error) => thrown);
    const tooMany = await client
      .send(new DisableAlarmActionsCommand({ AlarmNames: Array.from({ length: 101 }, (_, index) => `alarm-${index}`) }))
      .catch((thrown: Error) => thrown);

    expect(missing).toMatchObject({
      name: 'MissingRequiredParameterException',
      Code: 'MissingParameter',
      $metadata: { httpStatusCode: 400 },
    });
    expect(tooMany).toMatchObject({
      name: 'ValidationException',
      Code: 'ValidationError',
      $metadata: { httpStatusCode: 400 },
    });
    expect(cloudWatch.getAlarm(NAMES[0]!)?.actionsEnabled).toBe(true);
  });

  it('refuses requests signed with keys STS never issued', async () => {
    const stranger = new CloudWatchClient({
      region: 'us-east-1',
      endpoint: cloudWatch.url,
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) },
    });
    const error = await stranger
      .send(new DisableAlarmActionsCommand({ AlarmNames: NAMES }))
      .catch((thrown: Error) => thrown);
    stranger.destroy();

    // Query-compatible: the SDK names the error by the Query code, as it would for the Query protocol.
    expect(error).toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
    expect(cloudWatch.getAlarm(NAMES[0]!)?.actionsEnabled).toBe(true);
  });

  it('sets an alarm state as SetAlarmState does, notifying its actions of the change', async () => {
    const before = cloudWatch.notifications.length;
    await client.send(
      new SetAlarmStateCommand({ AlarmName: NAMES[1], StateValue: 'ALARM', StateReason: 'testing the route' }),
    );

    expect(cloudWatch.getAlarm(NAMES[1]!)).toMatchObject({ state: 'ALARM', stateReason: 'testing the route' });
    expect(cloudWatch.notifications.slice(before)).toEqual([
      expect.objectContaining({ alarmName: NAMES[1], state: 'ALARM', reason: 'testing the route' }),
    ]);
  });

  it('refuses SetAlarmState of an unknown alarm (ResourceNotFound, 404) or state (ValidationError)', async () => {
    const unknown = await client
      .send(new SetAlarmStateCommand({ AlarmName: 'Deleted-Alarm', StateValue: 'ALARM', StateReason: 'x' }))
      .catch((thrown: Error) => thrown);
    const badState = await client
      .send(new SetAlarmStateCommand({ AlarmName: NAMES[0], StateValue: 'PANIC' as never, StateReason: 'x' }))
      .catch((thrown: Error) => thrown);

    expect(unknown).toMatchObject({ name: 'ResourceNotFound', $metadata: { httpStatusCode: 404 } });
    expect(badState).toMatchObject({
      name: 'ValidationException',
      Code: 'ValidationError',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('evaluates a Metrics Insights alarm per contributor; DescribeAlarmContributors lists those in ALARM', async () => {
    const name = 'Rotator-ConnectionFailingAlarm-per-connection';
    const query =
      'SELECT MAX(RotationFailed) FROM SCHEMA("AepS3CredentialRotator", connectionId, rotator, service) ' +
      "WHERE rotator = 'fn-a' GROUP BY connectionId ORDER BY MAX() DESC LIMIT 500";
    cloudWatch.putAlarm({
      alarmName: name,
      alarmActions: [TOPIC],
      state: 'OK',
      definition: {
        kind: 'query',
        query,
        comparison: 'GreaterThanOrEqualToThreshold',
        threshold: 1,
        treatMissingData: 'notBreaching',
      },
    });
    const point = (connectionId: string, value: number, rotator = 'fn-a') => ({
      namespace: 'AepS3CredentialRotator',
      metricName: 'RotationFailed',
      dimensions: { service: 'svc', rotator, connectionId },
      value,
    });

    // Another rotator's failure, and this one's aggregate (no connectionId), are not contributors.
    cloudWatch.ingest([point('a', 1), point('b', 0), point('c', 1, 'fn-b')]);
    cloudWatch.ingest([
      {
        namespace: 'AepS3CredentialRotator',
        metricName: 'RotationFailed',
        dimensions: { service: 'svc', rotator: 'fn-a' },
        value: 5,
      },
    ]);
    const first = cloudWatch.evaluate().find((evaluation) => evaluation.alarmName === name);
    cloudWatch.ingest([point('a', 1), point('b', 1)]);
    const second = cloudWatch.evaluate().find((evaluation) => evaluation.alarmName === name);
    const contributors = await client.send(new DescribeAlarmContributorsCommand({ AlarmName: name }));

    expect(first?.transitions.map(({ state, contributor }) => [state, contributor])).toEqual([
      ['ALARM', undefined],
      ['ALARM', { connectionId: 'a' }],
    ]);
    // The alarm stays in ALARM; the second connection notifies on its own.
    expect(second?.transitions.map(({ state, contributor, notified }) => [state, contributor, notified])).toEqual([
      ['ALARM', { connectionId: 'b' }, true],
    ]);
    expect(contributors.AlarmContributors?.map((contributor) => contributor.ContributorAttributes)).toEqual([
      { connectionId: 'a' },
      { connectionId: 'b' },
    ]);
  });
});
