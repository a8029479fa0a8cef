/**
 * The CloudWatch stand-in answers DescribeAlarms, DisableAlarmActions and EnableAlarmActions in the
 * protocol the installed @aws-sdk/client-cloudwatch speaks (AWS JSON 1.0, Query-compatible), over
 * a real socket: signed requests only, AWS's errors for a request it would refuse, and alarms
 * whose disabled actions notify no one.
 */
import { CloudWatchClient, DescribeAlarmsCommand, DisableAlarmActionsCommand, EnableAlarmActionsCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCloudWatchEmulator, type CloudWatchEmulator } from '../../../emulators/cloudwatch.js';
import { startStsEmulator } from '../../../emulators/sts.js';
import type { StsEmulator } from '../../../emulators/types.js';

let sts: StsEmulator;
let cloudWatch: CloudWatchEmulator;
let client: CloudWatchClient;
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:rotator-alarms';
const NAMES = ['Rotator-ConnectionFailingAlarm-1', 'Rotator-ErrorsAlarm-2'];

beforeAll(async () => {
  sts = await startStsEmulator();
  cloudWatch = await startCloudWatchEmulator({ sts });
  const credentials = sts.issueRoleSession('arn:aws:iam::123456789012:role/operator');
  client = new CloudWatchClient({
    region: 'us-east-1',
    endpoint: cloudWatch.url,
    maxAttempts: 1,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken! },
  });
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
    expect((await client.send(new DescribeAlarmsCommand({ AlarmNames: NAMES }))).MetricAlarms?.every((alarm) => alarm.ActionsEnabled)).toBe(true);
    expect(cloudWatch.setAlarmState(NAMES[0]!, 'OK', 'no failure')).toBe(true);
    expect(cloudWatch.notifications).toEqual([expect.objectContaining({ alarmName: NAMES[0], state: 'OK', actions: [TOPIC] })]);
  });

  it('refuses DisableAlarmActions without AlarmNames (MissingParameter) and with more than 100 (ValidationError)', async () => {
    const missing = await client.send(new DisableAlarmActionsCommand({} as never)).catch((thrown: Error) => thrown);
    const tooMany = await client
      .send(new DisableAlarmActionsCommand({ AlarmNames: Array.from({ length: 101 }, (_, index) => `alarm-${index}`) }))
      .catch((thrown: Error) => thrown);

    expect(missing).toMatchObject({ name: 'MissingRequiredParameterException', Code: 'MissingParameter', $metadata: { httpStatusCode: 400 } });
    expect(tooMany).toMatchObject({ name: 'ValidationException', Code: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    expect(cloudWatch.getAlarm(NAMES[0]!)?.actionsEnabled).toBe(true);
  });

  it('refuses requests signed with keys STS never issued', async () => {
    const stranger = new CloudWatchClient({
      region: 'us-east-1',
      endpoint: cloudWatch.url,
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) },
    });
    const error = await stranger.send(new DisableAlarmActionsCommand({ AlarmNames: NAMES })).catch((thrown: Error) => thrown);
    stranger.destroy();

    // Query-compatible: the SDK names the error by the Query code, as it would for the Query protocol.
    expect(error).toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
    expect(cloudWatch.getAlarm(NAMES[0]!)?.actionsEnabled).toBe(true);
  });
});
