/**
 * `pause` and `resume` against the stand-ins of a deployed stack, over real sockets: the schedule's
 * state (through GetSchedule and UpdateSchedule with its whole definition), the alarms' actions,
 * the pause record in the ledger table, idempotence, a manual rotation while paused, exit codes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ALARM_IDS, ALARM_NAMES, SCHEDULE_GROUP_NAME, SCHEDULE_NAME, STACK_NAME } from '../../../emulators/deployed-stack.js';
import { flowProblem } from '../../../emulators/flow-service.js';
import { findSecrets, NO_AWS_CREDENTIALS, STACK_TRACE, startCliWorld, type CliWorld } from '../../support/index.js';

let t: CliWorld;
let ids: string[];
let operatorArn: string;
/** Text with its line breaks and runs of spaces as one space: wrapped lines read as one. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

const schedule = () => t.stack.scheduler.getSchedule(SCHEDULE_NAME, SCHEDULE_GROUP_NAME)!;
const alarmActions = () => ALARM_IDS.map((id) => t.stack.cloudWatch.getAlarm(ALARM_NAMES[id])!.actionsEnabled);
/** Requests that change something: UpdateSchedule, Disable/EnableAlarmActions. */
const writes = () => [
  ...t.stack.scheduler.requests.filter((request) => request.method === 'PUT'),
  ...t.stack.cloudWatch.requests.filter((request) => request.action !== 'DescribeAlarms'),
];

beforeAll(async () => {
  t = await startCliWorld({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'dev' }] });
  ids = t.world.connectionIds;
  // The CLI signs as an operator; the function keeps its own role.
  const operator = t.world.emulators.sts.issueRoleSession('arn:aws:iam::123456789012:role/Operator', 'alice');
  operatorArn = 'arn:aws:sts::123456789012:assumed-role/Operator/alice';
  t.env({ AWS_ACCESS_KEY_ID: operator.accessKeyId, AWS_SECRET_ACCESS_KEY: operator.secretAccessKey, AWS_SESSION_TOKEN: operator.sessionToken });
});
afterAll(() => t.close());
afterEach(async () => {
  t.world.emulators.flowService.clearFaults();
  t.stack.cloudWatch.clearFaults();
  t.stack.scheduler.clearFaults();
  await t.cli(['resume']);
});

describe('pause', () => {
  it("disables the schedule with its whole definition, disables the alarms' actions, records who, when and why, and exits 0", async () => {
    const before = schedule();
    const now = Date.now();

    const result = await t.cli(['pause', '--reason', 'bucket migration, CHG-1234', '--json'], { now });

    expect(result.code).toBe(0);
    const after = schedule();
    expect(after.State).toBe('DISABLED');
    // Everything else as it was: an update replaces the whole definition.
    const { State: _before, LastModificationDate: _m1, ...kept } = before;
    const { State: _after, LastModificationDate: _m2, ...now_ } = after;
    expect(now_).toEqual(kept);
    expect(alarmActions()).toEqual(ALARM_IDS.map(() => false));
    expect(result.json()).toMatchObject({
      ok: true,
      command: 'pause',
      changed: true,
      paused: true,
      stack: STACK_NAME,
      schedule: { name: SCHEDULE_NAME, group: SCHEDULE_GROUP_NAME, state: 'DISABLED', previousState: 'ENABLED' },
      record: { pausedBy: operatorArn, pausedAt: new Date(now).toISOString(), reason: 'bucket migration, CHG-1234' },
    });
    expect(result.json().alarms).toHaveLength(ALARM_IDS.length);
    expect(findSecrets(result.stdout + result.stderr, t.world.secretValues())).toEqual([]);
  });

  it('says what it did and what to paste next, within 100 columns', async () => {
    const result = await t.cli(['pause', '--reason', 'bucket migration'], { tty: true });

    expect(result.code).toBe(0);
    expect(flat(result.stdout)).toContain(`Paused: schedule ${SCHEDULE_NAME} (group ${SCHEDULE_GROUP_NAME}) is DISABLED, so no scheduled run starts`);
    expect(flat(result.stdout)).toContain(`paused by ${operatorArn} at `);
    expect(flat(result.stdout)).toContain('("bucket migration")');
    expect(result.stdout.split('\n')).toEqual(expect.arrayContaining(['    npx aep-s3-rotator rotate', '    npx aep-s3-rotator resume']));
    expect(result.stdout.split('\n').filter((line) => line.length > 100)).toEqual([]);
  });

  it('when already paused, says so, changes nothing and exits 0', async () => {
    await t.cli(['pause', '--reason', 'first']);
    const writesBefore = writes().length;

    const again = await t.cli(['pause', '--reason', 'second'], { tty: true });
    const json = await t.cli(['pause', '--json']);

    expect(again.code).toBe(0);
    expect(flat(again.stdout)).toMatch(
      /^Already paused: paused by arn:aws:sts::123456789012:assumed-role\/Operator\/alice at .* \("first"\); .* Nothing was changed\./,
    );
    expect(json.json()).toMatchObject({ changed: false, record: { reason: 'first' } });
    expect(writes()).toHaveLength(writesBefore);
  });

  it('stops scheduled runs, and a failing connection moves its alarm without paging anyone', async () => {
    await t.cli(['pause']);
    expect(await t.stack.runSchedule()).toBeUndefined();

    // Resumed, a run whose connection fails pages; paused, the same change pages no one.
    await t.cli(['resume']);
    t.world.emulators.flowService.injectFault({
      match: { method: 'PATCH', path: `/connections/${ids[0]}` },
      kind: 'respond',
      status: 400,
      body: flowProblem(400, '1445-400', 'PATCH connection feature not enabled.'),
      times: 2,
    });
    const run = await t.stack.runSchedule();
    expect(run?.alarms).toContainEqual({ id: 'ConnectionFailingAlarm', state: 'ALARM', notified: true, connectionId: ids[0] });
    await t.cli(['pause']);
    expect(t.stack.cloudWatch.setAlarmState(ALARM_NAMES.ConnectionFailingAlarm, 'OK', 'no failure')).toBe(false);
  });

  it('lets a manual rotate work while paused', async () => {
    await t.cli(['pause']);

    const result = await t.cli(['rotate', '--connection', ids[1]!, '--json']);

    expect(result.code).toBe(0);
    expect(result.json().results).toEqual([expect.objectContaining({ connectionId: ids[1], status: 'rotated' })]);
    expect(schedule().State).toBe('DISABLED');
  });

  it('does only what is not done yet: alarms whose actions are already off are left alone, and it says so', async () => {
    for (const id of ALARM_IDS) t.stack.cloudWatch.putAlarm({ alarmName: ALARM_NAMES[id], actionsEnabled: false, state: 'OK' });
    const disables = () => t.stack.cloudWatch.requests.filter((request) => request.action === 'DisableAlarmActions').length;
    const before = disables();

    const result = await t.cli(['pause'], { tty: true });

    expect(result.code).toBe(0);
    expect(flat(result.stdout)).toContain('the actions of its 10 alarms are disabled (all already were)');
    expect(disables()).toBe(before);
    expect(schedule().State).toBe('DISABLED');
  });

  it('refuses a reason longer than 500 characters (exit 2) and changes nothing', async () => {
    const result = await t.cli(['pause', '--reason', 'x'.repeat(501)]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe('aep-s3-rotator: --reason is 501 characters long; keep it to 500 (name the change ticket for the rest).\n');
    expect(schedule().State).toBe('ENABLED');
  });
});

describe('resume', () => {
  it("enables the schedule and the alarms' actions, removes the record, says who had paused, and exits 0", async () => {
    await t.cli(['pause', '--reason', 'bucket migration']);

    const result = await t.cli(['resume', '--json']);

    expect(result.code).toBe(0);
    expect(schedule().State).toBe('ENABLED');
    expect(schedule().Description).toBe('Rotates the credentials of Flow Service S3 connections');
    expect(alarmActions()).toEqual(ALARM_IDS.map(() => true));
    expect(result.json()).toMatchObject({
      changed: true,
      paused: false,
      schedule: { state: 'ENABLED', previousState: 'DISABLED' },
      removedRecord: { pausedBy: operatorArn, reason: 'bucket migration' },
    });
    const status = await t.cli(['status', '--json']);
    expect(status.json().pause).toBeNull();
    expect(await t.stack.runSchedule()).toMatchObject({ summary: { rotated: 2 } });
  });

  it('tells a person what happened and what to check next', async () => {
    await t.cli(['pause', '--reason', 'bucket migration']);

    const result = await t.cli(['resume'], { tty: true });

    expect(flat(result.stdout)).toContain(
      `Resumed: schedule ${SCHEDULE_NAME} (group ${SCHEDULE_GROUP_NAME}) is ENABLED; the actions of its 10 alarms are enabled. It was paused by ${operatorArn}`,
    );
    expect(flat(result.stdout)).toContain('The next scheduled run starts within 15m (rate(15 minutes)); then check: npx aep-s3-rotator status');
  });

  it('when not paused, says so, changes nothing and exits 0', async () => {
    const writesBefore = writes().length;

    const result = await t.cli(['resume'], { tty: true });

    expect(result.code).toBe(0);
    expect(flat(result.stdout)).toBe(
      `Not paused: schedule ${SCHEDULE_NAME} (group ${SCHEDULE_GROUP_NAME}) is ENABLED and the actions of its 10 alarms are enabled. Nothing was changed. `,
    );
    expect(writes()).toHaveLength(writesBefore);
  });

  it('enables a schedule disabled outside the tool (no pause record), and says so', async () => {
    const { Name, GroupName, ScheduleExpression, Target, FlexibleTimeWindow, Description } = schedule();
    t.stack.scheduler.putSchedule({ Name, GroupName, ScheduleExpression, Target, FlexibleTimeWindow, Description, State: 'DISABLED' });

    const result = await t.cli(['resume'], { tty: true });

    expect(result.code).toBe(0);
    expect(schedule().State).toBe('ENABLED');
    expect(flat(result.stdout)).toContain('It had been disabled without a pause record (outside this tool).');
  });
});

describe('pause and resume with "enabled": false in the configuration', () => {
  afterEach(() => t.writeConfig({ enabled: true }));

  it('resume still switches everything on, and says the next deploy would switch it off again', async () => {
    await t.cli(['pause']);
    t.writeConfig({ enabled: false });

    const result = await t.cli(['resume'], { tty: true });

    expect(result.code).toBe(0);
    expect(schedule().State).toBe('ENABLED');
    expect(flat(result.stdout)).toContain(
      'Note: the configuration says "enabled": false, so the stack was deployed paused: the next deploy that changes the schedule or the alarms switches them off again.',
    );
  });
});

describe('pause and resume: the environment', () => {
  it('names the outputs a stack deployed by an older version lacks (exit 3)', async () => {
    t.cloudFormation.putStack({ stackName: 'OldStack', outputs: [{ key: 'RotatorFunctionName', value: 'fn' }] });

    const result = await t.cli(['pause', '--stack', 'OldStack']);

    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'aep-s3-rotator: Stack OldStack has no outputs ScheduleName, ScheduleGroupName, LedgerTableName, AlarmNames (it was deployed by an older version of the rotator): deploy it again with `npx cdk deploy`.\n',
    );
  });

  it('says when the stack is not deployed (exit 3)', async () => {
    const result = await t.cli(['resume', '--stack', 'Nope']);

    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^aep-s3-rotator: Stack Nope is not deployed in us-east-1: /);
  });

  it('changes nothing when the schedule is missing (ResourceNotFoundException, exit 3)', async () => {
    t.stack.scheduler.injectFault({
      match: { method: 'GET' },
      kind: 'respond',
      status: 404,
      headers: { 'x-amzn-errortype': 'ResourceNotFoundException' },
      body: { Message: `Schedule ${SCHEDULE_NAME} does not exist.` },
    });

    const result = await t.cli(['pause']);

    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      `aep-s3-rotator: Schedule ${SCHEDULE_NAME} (group ${SCHEDULE_GROUP_NAME}) of stack ${STACK_NAME} was not found: it was deleted or renamed outside the stack; \`npx cdk deploy\` puts it back.\n`,
    );
    expect(alarmActions()).toEqual(ALARM_IDS.map(() => true));
  });

  it('says what it had done when AWS refuses a later step, and the same command finishes it (exit 3, then 0)', async () => {
    t.stack.cloudWatch.injectFault({
      match: { action: 'DisableAlarmActions' },
      kind: 'respond',
      status: 403,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': 'AccessDenied;Sender' },
      body: {
        __type: 'com.amazonaws.cloudwatch#AccessDenied',
        message: 'User: arn:aws:sts::123456789012:assumed-role/Operator/alice is not authorized to perform: cloudwatch:DisableAlarmActions',
      },
    });

    const first = await t.cli(['pause', '--reason', "it's x"]);
    const second = await t.cli(['pause', '--reason', "it's x"]);

    expect(first.code).toBe(3);
    expect(first.stderr).toMatch(
      /^aep-s3-rotator: AWS denied permission to disable the alarms' actions \(cloudwatch:DisableAlarmActions\): User: .*; it had already disabled schedule \S+, and `npx aep-s3-rotator pause --reason 'it'\\''s x'` finishes the pause once that is fixed\.\n$/,
    );
    expect(first.stderr).not.toMatch(STACK_TRACE);
    expect(second.code).toBe(0);
    expect(schedule().State).toBe('DISABLED');
    expect(alarmActions()).toEqual(ALARM_IDS.map(() => false));
  });

  it('needs AWS credentials (exit 3)', async () => {
    const restore = t.env(NO_AWS_CREDENTIALS);
    try {
      const result = await t.cli(['pause']);

      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/^aep-s3-rotator: No AWS credentials were found: /);
    } finally {
      restore();
    }
  });
});
