/**
 * The EventBridge Scheduler stand-in answers GetSchedule and UpdateSchedule as the service does,
 * to the real @aws-sdk/client-scheduler over a real socket: signed requests only, a missing
 * schedule is ResourceNotFoundException, an update lacking a required field is ValidationException,
 * and an update replaces the whole definition.
 */
import {
  GetScheduleCommand,
  SchedulerClient,
  UpdateScheduleCommand,
  type UpdateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSchedulerEmulator, type SchedulerEmulator, type ScheduleTarget } from '../../../emulators/scheduler.js';
import { startStsEmulator } from '../../../emulators/sts.js';
import type { StsEmulator } from '../../../emulators/types.js';
import { operatorClientConfig } from '../../support/emulator-clients.js';

let sts: StsEmulator;
let scheduler: SchedulerEmulator;
let client: SchedulerClient;
const fired: Array<{ target: ScheduleTarget; payload: string }> = [];

const TARGET = {
  Arn: 'arn:aws:lambda:us-east-1:123456789012:function:rotator',
  RoleArn: 'arn:aws:iam::123456789012:role/scheduler',
  Input:
    '{"source":"aep-s3-rotator.schedule","scheduleArn":"<aws.scheduler.schedule-arn>",' +
    '"scheduledTime":"<aws.scheduler.scheduled-time>"}',
  RetryPolicy: { MaximumEventAgeInSeconds: 600, MaximumRetryAttempts: 2 },
  DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:schedule-dlq' },
};

beforeAll(async () => {
  sts = await startStsEmulator();
  scheduler = await startSchedulerEmulator({
    sts,
    invokeTarget: async (target, payload) => {
      fired.push({ target, payload });
    },
  });
  client = new SchedulerClient(operatorClientConfig(sts, scheduler.url));
});
afterAll(async () => {
  client.destroy();
  await Promise.all([scheduler.close(), sts.close()]);
});
beforeEach(() => {
  scheduler.putSchedule({
    Name: 'rotator-schedule',
    GroupName: 'rotator-group',
    ScheduleExpression: 'rate(15 minutes)',
    Description: 'Rotates',
    Target: TARGET,
  });
  fired.length = 0;
});

const fullUpdate = (state: 'ENABLED' | 'DISABLED'): UpdateScheduleCommandInput => ({
  Name: 'rotator-schedule',
  GroupName: 'rotator-group',
  ScheduleExpression: 'rate(15 minutes)',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Description: 'Rotates',
  Target: TARGET,
  State: state,
});

describe('Scheduler stand-in', () => {
  it('returns the definition with GetSchedule, in its group', async () => {
    const schedule = await client.send(
      new GetScheduleCommand({ Name: 'rotator-schedule', GroupName: 'rotator-group' }),
    );

    expect(schedule).toMatchObject({
      Arn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/rotator-group/rotator-schedule',
      Name: 'rotator-schedule',
      GroupName: 'rotator-group',
      State: 'ENABLED',
      ScheduleExpression: 'rate(15 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Description: 'Rotates',
      Target: TARGET,
      ActionAfterCompletion: 'NONE',
    });
    expect(schedule.CreationDate).toBeInstanceOf(Date);
  });

  it('answers a schedule that is not in the group with ResourceNotFoundException (404)', async () => {
    const error = await client
      .send(new GetScheduleCommand({ Name: 'rotator-schedule' }))
      .catch((thrown: Error) => thrown);

    expect(error).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Schedule rotator-schedule does not exist.',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('disables and enables a schedule with the full definition', async () => {
    await client.send(new UpdateScheduleCommand(fullUpdate('DISABLED')));
    expect(scheduler.getSchedule('rotator-schedule', 'rotator-group')).toMatchObject({
      State: 'DISABLED',
      Description: 'Rotates',
      Target: TARGET,
    });

    await client.send(new UpdateScheduleCommand(fullUpdate('ENABLED')));
    expect(scheduler.getSchedule('rotator-schedule', 'rotator-group')?.State).toBe('ENABLED');
  });

  it('resets what an update leaves out, as the service does: ENABLED, no description, default retries', async () => {
    const { Description: _description, State: _state, ...partial } = fullUpdate('DISABLED');
    await client.send(new UpdateScheduleCommand({ ...partial, Target: { Arn: TARGET.Arn, RoleArn: TARGET.RoleArn } }));

    const schedule = scheduler.getSchedule('rotator-schedule', 'rotator-group')!;
    expect(schedule.State).toBe('ENABLED');
    expect(schedule.Description).toBeUndefined();
    expect(schedule.Target).toEqual({
      Arn: TARGET.Arn,
      RoleArn: TARGET.RoleArn,
      RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
    });
  });

  it.each([
    ['ScheduleExpression', { ScheduleExpression: undefined }, "Value null at 'scheduleExpression'"],
    ['FlexibleTimeWindow', { FlexibleTimeWindow: undefined }, "Value null at 'flexibleTimeWindow'"],
    ['Target', { Target: undefined }, "Value null at 'target'"],
    ['Target.RoleArn', { Target: { Arn: TARGET.Arn } }, "Value null at 'target.roleArn'"],
    ['a valid expression', { ScheduleExpression: 'every 15 minutes' }, 'Invalid Schedule Expression every 15 minutes.'],
    ['a valid State', { State: 'PAUSED' }, "Value 'PAUSED' at 'state'"],
  ])('refuses an update without %s (ValidationException, 400) and changes nothing', async (_what, change, message) => {
    const error = await client
      .send(
        new UpdateScheduleCommand({ ...fullUpdate('DISABLED'), ...(change as object) } as UpdateScheduleCommandInput),
      )
      .catch((thrown: Error) => thrown);

    expect(error).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    expect((error as Error).message).toContain(message);
    expect(scheduler.getSchedule('rotator-schedule', 'rotator-group')?.State).toBe('ENABLED');
  });

  it('answers an update of a missing schedule with ResourceNotFoundException', async () => {
    const error = await client
      .send(new UpdateScheduleCommand({ ...fullUpdate('DISABLED'), Name: 'other' }))
      .catch((thrown: Error) => thrown);

    expect(error).toMatchObject({ name: 'ResourceNotFoundException', message: 'Schedule other does not exist.' });
  });

  it('refuses requests signed with keys STS never issued', async () => {
    const stranger = new SchedulerClient({
      region: 'us-east-1',
      endpoint: scheduler.url,
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) },
    });
    const error = await stranger
      .send(new GetScheduleCommand({ Name: 'rotator-schedule', GroupName: 'rotator-group' }))
      .catch((thrown: Error) => thrown);
    stranger.destroy();

    expect(error).toMatchObject({ name: 'UnrecognizedClientException', $metadata: { httpStatusCode: 403 } });
  });

  it('fires only ENABLED schedules, with the context attributes filled in', async () => {
    expect(await scheduler.fire()).toBe(1);
    const event = JSON.parse(fired[0]!.payload);
    expect(event).toMatchObject({
      source: 'aep-s3-rotator.schedule',
      scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/rotator-group/rotator-schedule',
    });
    expect(Date.parse(event.scheduledTime)).not.toBeNaN();

    await client.send(new UpdateScheduleCommand(fullUpdate('DISABLED')));
    expect(await scheduler.fire()).toBe(0);
    expect(fired).toHaveLength(1);
  });
});
