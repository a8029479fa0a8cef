/**
 * `status` from the rotation ledger: the function's scheduled runs (through the Scheduler and
 * Lambda stand-ins) write it to dynalite, and `status` judges each connection from what it says the
 * connection holds, with Flow Service's updatedAt/updatedBy as a cross-check; it shows the pause;
 * without a ledger it falls back to Flow Service alone and says so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ALARM_IDS, ALARM_NAMES, SCHEDULE_GROUP_NAME, SCHEDULE_NAME, STACK_NAME } from '../../../emulators/deployed-stack.js';
import { flowProblem } from '../../../emulators/flow-service.js';
import { injectFault } from '../../../emulators/sandbox-faults.js';
import { findSecrets, startCliWorld, type CliWorld } from '../../support/index.js';

const MINUTE = 60_000;
/** Text with its line breaks and runs of spaces as one space: wrapped lines read as one. */
const flat = (text: string) => text.replace(/\s+/g, ' ');
const worlds: CliWorld[] = [];

async function world(): Promise<CliWorld> {
  const t = await startCliWorld({ connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod' }, { sandboxName: 'dev' }] });
  worlds.push(t);
  return t;
}
afterEach(async () => {
  for (const t of worlds.splice(0)) await t.close();
});

/** Switch alarms' actions as a deploy or a person in the console would (not through aep-s3-rotator). */
function setActionsEnabled(t: CliWorld, names: readonly string[], enabled: boolean): void {
  for (const name of names) {
    const alarm = t.stack.cloudWatch.getAlarm(name)!;
    t.stack.cloudWatch.putAlarm({ ...alarm, actionsEnabled: enabled });
  }
}
const alarmNames = () => ALARM_IDS.map((id) => ALARM_NAMES[id]);

const patchRefused = (id: string, times: number) => ({
  match: { method: 'PATCH', path: `/connections/${id}` },
  kind: 'respond' as const,
  status: 400,
  times,
  body: flowProblem(400, '1445-400', 'PATCH connection feature not enabled.'),
});

describe('status from the ledger', () => {
  it('shows the last rotation, when what each connection holds expires and the last run, and exits 0', async () => {
    const t = await world();
    const run = await t.stack.runSchedule();
    expect(run?.summary).toMatchObject({ rotated: 3, failed: 0 });

    const result = await t.cli(['status', '--json']);

    expect(result.code).toBe(0);
    const report = result.json();
    expect(report).toMatchObject({ ok: true, ledger: { table: 'aep-s3-rotator-ledger' }, pause: null, scheduleState: 'ENABLED' });
    const [first] = report.connections;
    const rotated = run!.summary!.results.find((entry) => entry.connectionId === first.connectionId)!;
    expect(first).toMatchObject({
      judgedFrom: 'ledger',
      risk: 'ok',
      atRisk: false,
      expiresAt: rotated.expiresAt,
      lastRotation: { expiresAt: rotated.expiresAt, etag: rotated.etag, method: 'assume-role-chained', adobeVerified: true },
      lastAttempt: { outcome: 'rotated', attempts: 1 },
      consecutiveFailures: 0,
      writtenByRotator: true,
    });
    expect(first).not.toHaveProperty('warning');
    expect(findSecrets(result.stdout + result.stderr, t.world.secretValues())).toEqual([]);
  });

  it("right after three 412s caused by someone else's edit: FAILING from the ledger (not ok from a fresh updatedAt), with who edited", async () => {
    const t = await world();
    const [, edited] = t.world.connectionIds;
    await t.stack.runSchedule();
    // Another writer edits it before each PATCH of the next run: its 3 attempts and its one more attempt.
    t.world.emulators.flowService.concurrentEditBeforePatch(edited!, 6);
    const run = await t.stack.runSchedule();
    expect(run?.summary?.results.find((entry) => entry.connectionId === edited)).toMatchObject({ status: 'failed', errorCode: '1404-412', attempts: 2 });

    const json = await t.cli(['status', '--json'], { now: Date.now() + MINUTE });
    const table = await t.cli(['status'], { tty: true, now: Date.now() + MINUTE });

    expect(json.code).toBe(1);
    const status = json.json().connections[1];
    expect(status).toMatchObject({
      connectionId: edited,
      judgedFrom: 'ledger',
      risk: 'failing',
      atRisk: true,
      updatedBy: 'concurrent-editor@AdobeID',
      writtenByRotator: false,
      editedAfterRotation: true,
      lastAttempt: { outcome: 'failed', errorCode: '1404-412', attempts: 2 },
      consecutiveFailures: 1,
    });
    // Flow Service alone would have called it healthy: updated a minute ago.
    expect(status.ageSeconds).toBeLessThan(120);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+SANDBOX\s+ROTATED\s+EXPIRES\s+LAST RUN\s+UPDATED BY\s+RISK$/);
    expect(lines.find((line) => line.startsWith(edited!.slice(0, 8)))).toMatch(
      /\d\d:\d\dZ\s+\d\d:\d\dZ\s+FAILED 1404-412\s+concurrent-editor@AdobeID\s+FAILING$/,
    );
    expect(flat(table.stdout)).toMatch(
      new RegExp(
        `WARNING: ${edited!.slice(0, 8)} \\(sandbox prod\\): the last attempt \\(\\d\\d:\\d\\dZ\\) failed with 1404-412 after 2 attempts: .*; the credentials it holds expire at \\d\\d:\\d\\dZ, in about \\d+m; edited by concurrent-editor@AdobeID at \\d\\d:\\d\\dZ, after its last rotation \\(\\d\\d:\\d\\dZ\\); once concurrent-editor@AdobeID stops editing it \\(docs/RUNBOOK.md, "Repeated 412s"\\), rotate it:`,
      ),
    );
    expect(lines).toContain(`    npx aep-s3-rotator rotate --connection ${edited}`);
  });

  it('a connection that failed with 1445-400 on every run: FAILING with the runs in a row, and its expiry unknown', async () => {
    const t = await world();
    const [refused] = t.world.connectionIds;
    t.world.emulators.flowService.injectFault(patchRefused(refused!, 3));
    for (let run = 0; run < 3; run += 1) await t.stack.runSchedule();

    const json = await t.cli(['status', '--json']);
    const table = await t.cli(['status'], { tty: true });

    expect(json.code).toBe(1);
    const status = json.json().connections[0];
    expect(status).toMatchObject({
      risk: 'failing',
      judgedFrom: 'ledger',
      consecutiveFailures: 3,
      lastAttempt: { outcome: 'failed', errorCode: '1445-400', attempts: 1 },
    });
    expect(status).not.toHaveProperty('lastRotation');
    expect(status).not.toHaveProperty('expiresAt');
    // The seeded connection was updated moments ago by the Experience Platform UI: by age alone, ok.
    expect(status.ageSeconds).toBeLessThan(60);
    expect(table.stdout.split('\n').find((line) => line.startsWith(refused!.slice(0, 8)))).toMatch(
      /^\S+\s+S3 ingest 1\s+prod\s+-\s+-\s+FAILED 1445-400 ×3\s+exc_app@AdobeID\s+FAILING$/,
    );
    expect(flat(table.stdout)).toContain('failed with 1445-400, 3 runs in a row: Flow Service PATCH');
    expect(flat(table.stdout)).toContain('the rotator has never written its credentials, so when they expire is unknown');
  });

  it('judges expiry by what the ledger says the connection holds: EXPIRING, then EXPIRED', async () => {
    const t = await world();
    await t.stack.runSchedule();

    const expiring = await t.cli(['status', '--json'], { now: Date.now() + 50 * MINUTE });
    const expired = await t.cli(['status', '--json'], { now: Date.now() + 2 * 60 * MINUTE });

    expect(expiring.code).toBe(1);
    expect(expiring.json().connections.map((status: { risk: string }) => status.risk)).toEqual(['expiring', 'expiring', 'expiring']);
    expect(expiring.json().connections[0].warning).toMatch(
      /^the credentials it holds expire at \d\d:\d\dZ, in about \d+m, before the next scheduled run \(every 15m\) can be relied on$/,
    );
    expect(expired.json().connections[0]).toMatchObject({ risk: 'expired', warning: expect.stringMatching(/^the credentials it holds expired at /) });
  });

  it("counts expiry from a later write of the rotator's own client (rotate --local writes no ledger entry)", async () => {
    const t = await world();
    await t.stack.runSchedule();
    await t.cli(['rotate', '--local', '--connection', t.world.connectionIds[0]!]);

    const result = await t.cli(['status', '--json'], { now: Date.now() + 50 * MINUTE });

    const [local, scheduled] = result.json().connections;
    expect(local).toMatchObject({ risk: 'expiring', warning: expect.stringContaining("the rotator's Adobe client wrote it after the ledger's last rotation") });
    expect(Date.parse(local.expiresAt)).toBeGreaterThan(Date.parse(scheduled.expiresAt));
  });

  it('notes an edit by someone else since the last rotation, with what to check; --probe then finds what Adobe meets', async () => {
    const t = await world();
    const [id] = t.world.connectionIds;
    await t.stack.runSchedule();
    // Somebody pastes keys that have already expired into the connection, in the Experience Platform UI.
    await injectFault({ world: t.world, dir: t.dir, stack: t.stack }, 'expired-credentials', id);

    const status = await t.cli(['status', '--connection', id!], { tty: true });
    const probed = await t.cli(['status', '--probe', '--connection', id!, '--json']);

    expect(status.code).toBe(0);
    expect(flat(status.stdout)).toMatch(
      /note: \S+ \(sandbox prod\): edited by exc_app@AdobeID at \d\d:\d\dZ, after its last rotation \(\d\d:\d\dZ\): if that edit changed the credentials, the ledger's expiry no longer holds; check that Adobe can still read with what it holds:/,
    );
    expect(status.stdout.split('\n')).toContain(`    npx aep-s3-rotator status --probe --connection ${id}`);
    expect(probed.code).toBe(1);
    expect(probed.json().connections[0]).toMatchObject({
      risk: 'adobe-cannot-read',
      editedAfterRotation: true,
      updatedBy: 'exc_app@AdobeID',
      adobeError: expect.stringContaining('ExpiredToken'),
    });
  });

  it('does not flag an edit that the rotation after it replaced', async () => {
    const t = await world();
    const [id] = t.world.connectionIds;
    // The run meets the other writer's edit before one PATCH, then rotates: the edit is older than that rotation.
    t.world.emulators.flowService.concurrentEditBeforePatch(id!, 1);
    await t.stack.runSchedule();

    const result = await t.cli(['status', '--json', '--connection', id!]);

    expect(result.json().connections[0]).toMatchObject({ risk: 'ok', writtenByRotator: true, judgedFrom: 'ledger' });
    expect(result.json().connections[0]).not.toHaveProperty('editedAfterRotation');
  });

  it('shows who paused, when and why, and exits 1 while paused', async () => {
    const t = await world();
    await t.stack.runSchedule();
    await t.cli(['pause', '--reason', 'bucket migration']);

    const json = await t.cli(['status', '--json']);
    const table = await t.cli(['status'], { tty: true });

    expect(json.code).toBe(1);
    expect(json.json()).toMatchObject({
      ok: false,
      atRisk: 0,
      scheduleState: 'DISABLED',
      pause: { pausedBy: expect.stringMatching(/^arn:aws:sts::123456789012:assumed-role\//), reason: 'bucket migration' },
    });
    expect(flat(table.stdout)).toMatch(
      /^PAUSED by arn:aws:sts::\S+ at \d\d:\d\dZ \("bucket migration"\): no scheduled run rotates the credentials and the alarms notify no one until it is resumed; a manual rotate still works\. Resume with: npx aep-s3-rotator resume /,
    );
    expect(flat(table.stdout)).toContain('PAUSED: 3 of 3 connections healthy');
  });

  it('does not claim nothing runs when a pause record remains but the schedule was switched back on (a deploy that changed it)', async () => {
    const t = await world();
    await t.stack.runSchedule();
    await t.cli(['pause', '--reason', 'bucket migration']);
    const schedule = t.stack.scheduler.getSchedule(SCHEDULE_NAME, SCHEDULE_GROUP_NAME)!;
    t.stack.scheduler.putSchedule({ ...schedule, State: 'ENABLED' });

    const table = await t.cli(['status'], { tty: true });

    expect(table.code).toBe(1);
    expect(flat(table.stdout)).not.toContain('no scheduled run rotates the credentials');
    expect(flat(table.stdout)).toMatch(
      /^PAUSED, SCHEDULE ENABLED by arn:aws:sts::\S+ at \d\d:\d\dZ \("bucket migration"\), but the schedule is ENABLED again \(a deploy that changed it, or someone outside aep-s3-rotator\): scheduled runs rotate, and the alarms notify no one\. Finish the pause with `npx aep-s3-rotator pause`, or end it with: npx aep-s3-rotator resume /,
    );

    // A deploy puts the template's ActionsEnabled back as well.
    const alarms = alarmNames();
    setActionsEnabled(t, alarms, true);
    const redeployed = await t.cli(['status'], { tty: true });

    expect(flat(redeployed.stdout)).toContain(`scheduled runs rotate, and all ${alarms.length} alarms notify again (a deploy put their actions back).`);
  });

  it('warns when alarms notify no one without a pause: expiring credentials would page nobody (exit 1)', async () => {
    const t = await world();
    await t.stack.runSchedule();
    const alarms = alarmNames();
    setActionsEnabled(t, alarms.slice(0, 2), false);

    const table = await t.cli(['status'], { tty: true });
    const json = await t.cli(['status', '--json']);

    expect(table.code).toBe(1);
    expect(flat(table.stdout)).toContain(
      `ALARMS SILENCED without a pause record: the actions of 2 of the stack's ${alarms.length} alarms are disabled (outside aep-s3-rotator, or a resume that did not finish), so they notify no one, expiring credentials included. Enable them with: npx aep-s3-rotator resume`,
    );
    expect(flat(table.stdout)).toContain('ALARMS SILENCED: 3 of 3 connections healthy');
    expect(json.json()).toMatchObject({ ok: false, alarms: { total: alarms.length, silenced: 2 } });

    expect((await t.cli(['resume'])).code).toBe(0);
    const resumed = await t.cli(['status', '--json']);
    expect(resumed.code).toBe(0);
    expect(resumed.json()).toMatchObject({ ok: true, alarms: { total: alarms.length, silenced: 0 } });
  });

  it('says when the stack was deployed paused ("enabled": false), and how to resume it (exit 1)', async () => {
    const t = await world();
    await t.stack.runSchedule();
    t.writeConfig({ enabled: false });
    const schedule = t.stack.scheduler.getSchedule(SCHEDULE_NAME, SCHEDULE_GROUP_NAME)!;
    t.stack.scheduler.putSchedule({ ...schedule, State: 'DISABLED' });

    const table = await t.cli(['status'], { tty: true });
    const json = await t.cli(['status', '--json']);

    expect(table.code).toBe(1);
    expect(flat(table.stdout)).toContain('DEPLOYED PAUSED ("enabled": false in the configuration): no scheduled run rotates the credentials');
    expect(table.stdout.split('\n')).toContain('    npx cdk deploy');
    expect(json.json()).toMatchObject({ ok: false, deployedPaused: true, scheduleState: 'DISABLED', pause: null });
  });

  it('warns about a schedule switched off without a pause record (exit 1)', async () => {
    const t = await world();
    await t.stack.runSchedule();
    const schedule = t.stack.scheduler.getSchedule(SCHEDULE_NAME, SCHEDULE_GROUP_NAME)!;
    t.stack.scheduler.putSchedule({ ...schedule, State: 'DISABLED' });

    const result = await t.cli(['status'], { tty: true });

    expect(result.code).toBe(1);
    expect(flat(result.stdout)).toContain(
      'SCHEDULE DISABLED without a pause record (switched off outside aep-s3-rotator): no scheduled run rotates the credentials. Enable it with: npx aep-s3-rotator resume',
    );
  });
});

describe('status without a ledger', () => {
  it('falls back to Flow Service alone when the stack is not deployed (the configuration names the Adobe secret), and says so', async () => {
    const t = await world();
    await t.stack.runSchedule();
    t.cloudFormation.deleteStack(STACK_NAME);

    const json = await t.cli(['status', '--json']);
    const table = await t.cli(['status'], { tty: true });

    expect(json.code).toBe(0);
    expect(json.json()).toMatchObject({ ok: true, ledger: { table: null, reason: 'Stack AepS3CredentialRotator is not deployed in us-east-1' } });
    expect(json.json()).not.toHaveProperty('pause');
    expect(json.json().connections[0]).not.toHaveProperty('judgedFrom');
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+SANDBOX\s+UPDATED\s+BY\s+AGE \/ LIFETIME\s+RISK$/);
    expect(flat(table.stdout)).toContain(
      "Judged from Flow Service's updatedAt alone, which any edit moves: there is no rotation ledger to read (Stack AepS3CredentialRotator is not deployed in us-east-1).",
    );
  });

  it('falls back when the stack has no LedgerTableName output, and when the table cannot be read', async () => {
    const t = await world();
    t.cloudFormation.putStack({ stackName: STACK_NAME, outputs: [{ key: 'RotatorFunctionName', value: 'fn' }] });
    const noOutput = await t.cli(['status', '--json']);
    t.cloudFormation.putStack({ stackName: STACK_NAME, outputs: [{ key: 'LedgerTableName', value: 'no-such-table' }] });
    const noTable = await t.cli(['status', '--json']);

    expect(noOutput.json().ledger).toEqual({
      table: null,
      reason: 'stack AepS3CredentialRotator has no output LedgerTableName: it was deployed by an older version of the rotator',
    });
    expect(noTable.json().ledger).toEqual({
      table: null,
      reason: 'The rotation ledger table no-such-table was not found: check AWS_REGION, or deploy the stack again with `npx cdk deploy`.',
    });
    expect(noTable.code).toBe(0);
  });

  it('a failing connection read without the ledger: ok by the age of a fresh updatedAt, as before the ledger', async () => {
    const t = await world();
    const [refused] = t.world.connectionIds;
    t.world.emulators.flowService.injectFault(patchRefused(refused!, 1));
    await t.stack.runSchedule();
    t.cloudFormation.deleteStack(STACK_NAME);

    const result = await t.cli(['status', '--json', '--connection', refused!]);

    expect(result.json().connections[0]).toMatchObject({ risk: 'ok', writtenByRotator: false });
  });
});
