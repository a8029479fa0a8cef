/**
 * `pause` and `resume` against the deployed stack's stand-ins: pauses with a scope, a reason and an
 * end, kept in the ledger and honoured by the function's scheduled runs; the schedule and the
 * alarms stay on, and the expiry alarm keeps watching every connection that is not paused.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { writePauses } from '../../../cli/pause-store.js';
import { ALARM_IDS, ALARM_NAMES, SCHEDULE_GROUP_NAME, SCHEDULE_NAME } from '../../../emulators/deployed-stack.js';
import { injectFault } from '../../../emulators/sandbox-faults.js';
import { WORLD_LEDGER_TABLE } from '../../../emulators/world.js';
import { flat, startCliWorld, worldDynamoDb, type CliWorld } from '../../support/index.js';

const worlds: CliWorld[] = [];

/** Three connections: the first two with 12-hour credentials (a pause of hours fits), the third with 1-hour ones. */
async function world(): Promise<CliWorld> {
  const t = await startCliWorld({
    connections: [
      { sandboxName: 'prod', method: 'assume-role-user-keys', durationSeconds: 43_200 },
      { sandboxName: 'prod', method: 'get-federation-token', bucketName: 'acme-feed', durationSeconds: 43_200 },
      { sandboxName: 'dev' },
    ],
  });
  worlds.push(t);
  t.asOperator();
  await t.stack.runSchedule();
  return t;
}
afterEach(async () => {
  for (const t of worlds.splice(0)) await t.close();
});
const patched = (t: CliWorld, id: string, since: number) =>
  t.world.emulators.flowService.requests
    .slice(since)
    .some((request) => request.method === 'PATCH' && request.path === `/connections/${id}`);

describe('pause', () => {
  it.each([
    [['--for', '2h'], 'pause needs --reason <text>'],
    [['--reason', 'migration'], 'pause needs an end: --for <duration> (90m, 2h, 1d) or --until <time>'],
    [['--reason', 'migration', '--for', '2h', '--until', '2099-01-01T00:00Z'], 'Give --for or --until, not both.'],
    [['--reason', 'migration', '--for', 'two hours'], '--for "two hours" is not a duration'],
    [['--reason', 'migration', '--until', '2020-01-01T00:00Z'], 'is not in the future'],
    [['--reason', 'migration', '--until', '2099-01-01T00:00'], 'is not a time with its zone'],
    [['--reason', 'migration', '--for', '31d'], 'A pause may last at most 30 days'],
    [['--reason', ' ', '--for', '1h'], 'pause needs --reason <text>'],
  ])('refuses %j before asking AWS anything (exit 2): %s', async (args, message) => {
    const t = await world();
    const invocations = t.lambda.invocations.length;

    const result = await t.cli(['pause', ...args]);

    expect(result.code).toBe(2);
    expect(flat(result.stderr)).toContain(message);
    expect(t.lambda.invocations.length).toBe(invocations);
  });

  it('pauses a connection until its end: scheduled runs leave it alone, report it paused, rotate others', async () => {
    const t = await world();
    const [paused, other] = t.world.connectionIds as [string, string];
    const result = await t.cli(
      ['pause', '--connection', paused.slice(0, 8), '--reason', 'bucket migration, CHG-1234', '--for', '2h'],
      { tty: true },
    );
    expect(result.code).toBe(0);
    expect(flat(result.stdout)).toContain(`Paused 1 connection (${paused.slice(0, 8)}) until`);
    expect(flat(result.stdout)).toContain(
      'the schedule and the alarms stay on, and the expiry alarm keeps watching every connection that is not paused',
    );
    expect(result.stdout.split('\n')).toContain(`    npx aep-s3-rotator rotate --connection ${paused.slice(0, 8)}`);
    const since = t.world.emulators.flowService.requests.length;

    const run = await t.stack.runSchedule();

    expect(run?.summary).toMatchObject({ rotated: 2, paused: 1 });
    expect(run?.summary?.results.find((entry) => entry.connectionId === paused)).toMatchObject({
      status: 'paused',
      pauseReason: 'bucket migration, CHG-1234',
    });
    expect(patched(t, paused, since)).toBe(false);
    expect(patched(t, other, since)).toBe(true);
    // The schedule and the alarms are as they were.
    expect(t.stack.scheduler.getSchedule(SCHEDULE_NAME, SCHEDULE_GROUP_NAME)?.State).toBe('ENABLED');
    for (const id of ALARM_IDS) expect(t.stack.cloudWatch.getAlarm(ALARM_NAMES[id])?.actionsEnabled).toBe(true);

    const status = await t.cli(['status'], { tty: true });
    expect(status.code).toBe(1);
    expect(flat(status.stdout)).toMatch(
      new RegExp(
        `PAUSED ${paused.slice(0, 8)} until \\d\\d:\\d\\dZ \\(pause \\w+\\) by ` +
          'arn:aws:sts::123456789012:assumed-role/aep-s3-rotator-operator/operator: "bucket migration, CHG-1234"\\.',
      ),
    );
    expect(status.stdout.split('\n').find((line) => line.startsWith(paused.slice(0, 8)))).toMatch(/PAUSED$/);
  });

  it('lets a manual rotate --connection rotate a paused connection, and keeps who asked in its history', async () => {
    const t = await world();
    const [paused] = t.world.connectionIds as [string];
    await t.cli(['pause', '--connection', paused, '--reason', 'r', '--for', '1h']);

    const rotated = await t.cli(['rotate', '--connection', paused.slice(0, 8), '--json']);
    const history = await t.cli(['history', '--connection', paused.slice(0, 8), '--json']);

    expect(rotated.code).toBe(0);
    expect(rotated.json().results).toMatchObject([{ connectionId: paused, status: 'rotated' }]);
    expect(history.json().history[0]).toMatchObject({
      trigger: 'manual',
      caller: 'arn:aws:sts::123456789012:assumed-role/aep-s3-rotator-operator/operator',
    });
  });

  it(
    'refuses a pause that outlasts what a connection holds, saying when ingestion would stop; --force pauses ' +
      'anyway',
    async () => {
      const t = await world();
      const short = t.world.connectionIds[2]!;

      const refused = await t.cli(['pause', '--connection', short, '--reason', 'migration', '--for', '2h'], {
        tty: true,
      });

      expect(refused.code).toBe(1);
      expect(flat(refused.stderr)).toMatch(
        new RegExp(
          `Not paused: the pause would end at .*, but ${short.slice(0, 8)} holds credentials that expire at ` +
            '\\d\\d:\\d\\dZ, so ingestion from it would stop then',
        ),
      );
      expect(flat(refused.stderr)).toContain('or pass --force to pause anyway');
      expect((await t.cli(['status', '--json'])).json().pauses).toEqual([]);

      const forced = await t.cli(['pause', '--connection', short, '--reason', 'migration', '--for', '2h', '--force'], {
        tty: true,
      });
      expect(forced.code).toBe(0);
      expect(flat(forced.stdout)).toMatch(
        new RegExp(`FORCED: ingestion from ${short.slice(0, 8)} stops at \\d\\d:\\d\\dZ`),
      );
      const status = (await t.cli(['status', '--json'])).json();
      expect(status.pauses).toMatchObject([{ connectionIds: [short], forced: true }]);
    },
  );

  it("keeps the expiry alarm armed for connections that are not paused, and out of a paused one's way", async () => {
    const t = await world();
    const [expiringUnpaused, , expiringPaused] = t.world.connectionIds as [string, string, string];
    const context = { world: t.world, stack: t.stack, dir: t.dir };
    // Both fail and hold about 10 minutes; one of them is paused (knowingly past its expiry).
    await injectFault(context, 'expiring', expiringUnpaused);
    await injectFault(context, 'expiring', expiringPaused);
    expect(
      (await t.cli(['pause', '--connection', expiringPaused, '--reason', 'vendor outage', '--for', '1h', '--force']))
        .code,
    ).toBe(0);

    const run = await t.stack.runSchedule();

    const expiring = run!.alarms.filter((move) => move.id === 'CredentialsExpiringAlarm');
    expect(expiring).toEqual([
      { id: 'CredentialsExpiringAlarm', state: 'ALARM', notified: true, connectionId: expiringUnpaused },
    ]);
    expect(run!.alarms.some((move) => move.connectionId === expiringPaused)).toBe(false);
    expect(run!.alarms.some((move) => move.id === 'RotatorNotReportingAlarm')).toBe(false);
  });

  it('pauses every target with no --connection: a run asks nothing of Adobe; the rotator still reports', async () => {
    const t = await world();
    expect(
      (
        await t.cli([
          'pause',
          '--reason',
          'Adobe maintenance',
          '--until',
          new Date(Date.now() + 30 * 60_000).toISOString(),
        ])
      ).code,
    ).toBe(0);
    const flowRequests = t.world.emulators.flowService.requests.length;

    const run = await t.stack.runSchedule();

    expect(run?.summary).toMatchObject({ rotated: 0, paused: 3 });
    expect(t.world.emulators.flowService.requests.length).toBe(flowRequests);
    expect(run?.alarms.filter((move) => move.state === 'ALARM')).toEqual([]);

    const resumed = await t.cli(['resume'], { tty: true });
    expect(resumed.code).toBe(0);
    expect(flat(resumed.stdout)).toContain('Resumed: every pause ended (1)');
    expect((await t.stack.runSchedule())?.summary).toMatchObject({ rotated: 3 });
  });

  it('resumes one connection of a pause of several; refuses one a pause of every target covers (exit 1)', async () => {
    const t = await world();
    const [a, b] = t.world.connectionIds as [string, string];
    await t.cli(['pause', '--connection', a, '--connection', b, '--reason', 'r', '--for', '1h']);

    const one = await t.cli(['resume', '--connection', a.slice(0, 8), '--json']);

    expect(one.code).toBe(0);
    expect(one.json().remaining).toMatchObject([{ connectionIds: [b] }]);
    expect((await t.stack.runSchedule())?.summary).toMatchObject({ rotated: 2, paused: 1 });

    await t.cli(['pause', '--reason', 'all of them', '--for', '20m']);
    const refused = await t.cli(['resume', '--connection', a.slice(0, 8)]);
    expect(refused.code).toBe(1);
    expect(flat(refused.stderr)).toContain('of every target ("all of them"');
  });

  it("ends an older version's pause: the schedule enabled, the alarms' actions on, its record removed", async () => {
    const t = await world();
    const client = worldDynamoDb(t.world);
    await client.send(
      new PutItemCommand({
        TableName: WORLD_LEDGER_TABLE,
        Item: marshall({
          connectionId: '#paused',
          pausedBy: 'arn:aws:sts::123456789012:assumed-role/Ops/bob',
          pausedAt: new Date().toISOString(),
          reason: 'old way',
        }),
      }),
    );
    const schedule = t.stack.scheduler.getSchedule(SCHEDULE_NAME, SCHEDULE_GROUP_NAME)!;
    t.stack.scheduler.putSchedule({ ...schedule, State: 'DISABLED' });
    for (const id of ALARM_IDS)
      t.stack.cloudWatch.putAlarm({ ...t.stack.cloudWatch.getAlarm(ALARM_NAMES[id])!, actionsEnabled: false });

    const status = await t.cli(['status'], { tty: true });
    const resumed = await t.cli(['resume'], { tty: true });

    expect(flat(status.stdout)).toContain('PAUSED (older version) by arn:aws:sts::123456789012:assumed-role/Ops/bob');
    expect(flat(status.stdout)).toContain('SCHEDULE DISABLED');
    expect(resumed.code).toBe(0);
    expect(flat(resumed.stdout)).toContain("the older pause's schedule");
    expect(t.stack.scheduler.getSchedule(SCHEDULE_NAME, SCHEDULE_GROUP_NAME)?.State).toBe('ENABLED');
    for (const id of ALARM_IDS) expect(t.stack.cloudWatch.getAlarm(ALARM_NAMES[id])?.actionsEnabled).toBe(true);
    expect((await t.cli(['status', '--json'])).json()).not.toHaveProperty('olderPause');
    client.destroy();
  });

  it('refuses to overwrite pauses someone else changed since they were read (exit 1)', async () => {
    const t = await world();
    await t.cli(['pause', '--connection', t.world.connectionIds[0]!, '--reason', 'r', '--for', '1h']);

    await expect(writePauses(WORLD_LEDGER_TABLE, [], 0, Date.now(), { region: 'us-east-1' })).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringContaining('Someone else changed the pauses at the same moment'),
    });
  });
});
