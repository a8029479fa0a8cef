/**
 * `status` against the deployed stack's stand-ins: Adobe's view through the function's read-only
 * inspect request (the operator never reads the Adobe secret), the ledger, the pauses, the
 * schedule and the alarms; judged as the alarms judge; within 100 columns.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../../cli/main.js';
import { injectFault } from '../../../emulators/sandbox-faults.js';
import { findSecrets, flat, startCliWorld, type CliWorld } from '../../support/index.js';

const MINUTE = 60_000;
const worlds: CliWorld[] = [];

async function world(): Promise<CliWorld> {
  const t = await startCliWorld({
    connections: [
      { sandboxName: 'prod', name: 'Orders export' },
      { sandboxName: 'prod' },
      { sandboxName: 'dev', method: 'get-session-token', durationSeconds: 7200 },
    ],
  });
  worlds.push(t);
  return t;
}
afterEach(async () => {
  for (const t of worlds.splice(0)) await t.close();
});

describe('status', () => {
  it(
    "shows each connection from the ledger and Adobe's view, the schedule's last and next run and every alarm, and " +
      'exits 0',
    async () => {
      const t = await world();
      const operator = t.asOperator();
      const run = await t.stack.runSchedule();
      const before = t.world.emulators.secretsManager.requests.length;

      const result = await t.cli(['status', '--json']);

      expect(result.code).toBe(0);
      const report = result.json();
      expect(report).toMatchObject({
        ok: true,
        functionName: t.stack.lambda.invocations[0]!.functionName,
        stackName: 'AepS3CredentialRotator',
        schedule: {
          expression: 'rate(15 minutes)',
          state: 'ENABLED',
          intervalSeconds: 900,
          lastRunAt: expect.any(String),
          nextRunAt: expect.any(String),
        },
        thresholdSeconds: 2400,
        thresholdFrom: 'alarm',
        pauses: [],
        gaps: [],
        atRisk: 0,
      });
      expect(Date.parse(report.schedule.nextRunAt) - Date.parse(report.schedule.lastRunAt)).toBe(900_000);
      expect(report.alarms).toHaveLength(11);
      for (const alarm of report.alarms)
        expect(alarm).toMatchObject({ state: 'OK', actionsEnabled: true, since: expect.any(String) });
      const [first] = report.connections;
      const rotated = run!.summary!.results.find((entry) => entry.connectionId === first.connectionId)!;
      expect(first).toMatchObject({
        connectionId: t.world.connectionIds[0],
        name: 'Orders export',
        risk: 'ok',
        atRisk: false,
        unknown: [],
        writtenByRotator: true,
        expiresAt: rotated.expiresAt,
        lastRunAt: expect.any(String),
        lastRotation: { etag: rotated.etag, accessKeyId: rotated.accessKeyId },
        params: ['bucketName', 'folderPath', 's3AccessKey', 's3SecretKey', 's3SessionToken'],
      });
      // Adobe's view came from the function: the operator asked it, and read no secret.
      expect(t.stack.lambda.invocations.at(-1)!.event).toMatchObject({ inspect: true, dryRun: true, probe: false });
      const operatorReads = t.world.emulators.secretsManager.requests
        .slice(before)
        .filter((request) => request.headers.authorization?.includes(operator.accessKeyId))
        .map((request) => request.action);
      // DescribeSecret for the secret's rotation dates, never its value.
      expect(operatorReads).not.toContain('GetSecretValue');
      expect(operatorReads).toContain('DescribeSecret');
      expect(findSecrets(result.stdout + result.stderr, t.world.secretValues())).toEqual([]);
    },
  );

  it('prints the rotator, then one row per connection within 100 columns', async () => {
    const t = await world();
    await t.stack.runSchedule();

    const result = await t.cli(['status'], { tty: true });

    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^Rotator AepS3CredentialRotator-RotatorFunction\S+ \(stack AepS3CredentialRotator\):/);
    expect(flat(result.stdout)).toMatch(/schedule rate\(15 minutes\) ENABLED; last run \d\d:\d\dZ, next \d\d:\d\dZ\./);
    expect(result.stdout).toContain('Alarms: all 11 OK, notifying.');
    expect(lines).toContainEqual(
      expect.stringMatching(/^ID\s+NAME\s+SANDBOX\s+ROTATED\s+EXPIRES\s+LAST RUN\s+UPDATED BY\s+RISK$/),
    );
    expect(lines.find((line) => line.startsWith(t.world.connectionIds[0]!.slice(0, 8)))).toMatch(
      /Orders export\s+prod\s+\d\d:\d\dZ\s+\d\d:\d\dZ\s+rotated\s+rotator\s+ok$/,
    );
    expect(flat(result.stdout)).toContain('OK: 3 of 3 connections healthy');
    expect(lines.filter((line) => line.length > 100)).toEqual([]);
  });

  it("judges expiry by the alarm's threshold; flags a connection no run tried for two intervals (STALE)", async () => {
    const t = await world();
    await t.stack.runSchedule();

    // 40 minutes later: 20 minutes left of a 1-hour set (below the 40-minute threshold); the 2-hour one is fine but
    // untried for 40 minutes.
    const result = await t.cli(['status', '--json'], { now: Date.now() + 40 * MINUTE });

    expect(result.code).toBe(1);
    const report = result.json();
    expect(report.connections.map((status: { risk: string }) => status.risk)).toEqual([
      'expiring',
      'expiring',
      'stale',
    ]);
    expect(report.schedule).toMatchObject({ overdue: true });
    const table = await t.cli(['status'], { tty: true, now: Date.now() + 40 * MINUTE });
    expect(flat(table.stdout)).toContain("below CredentialsExpiringAlarm's threshold (40m)");
    expect(flat(table.stdout)).toContain(
      'more than two schedule intervals (30m) ago: scheduled runs have stopped reaching it',
    );
    expect(flat(table.stdout)).toContain('next OVERDUE since');
  });

  it(
    "never goes silent: with IMS refusing the Adobe secret, every connection is shown from the ledger, Adobe's " +
      'part unknown, and at risk: every run fails',
    async () => {
      const t = await world();
      await t.stack.runSchedule();
      await injectFault({ world: t.world, stack: t.stack, dir: t.dir }, 'ims-401');

      const json = await t.cli(['status', '--json']);
      const table = await t.cli(['status'], { tty: true });

      expect(json.code).toBe(1);
      const report = json.json();
      expect(report.connections).toHaveLength(3);
      for (const status of report.connections) {
        expect(status).toMatchObject({
          unknown: ['adobe'],
          adobeViewErrorCode: 'IMS_AUTH_FAILED',
          lastRotation: expect.any(Object),
          risk: 'failing',
          atRisk: true,
          runsFail: 'IMS_AUTH_FAILED',
        });
      }
      expect(report.runsFail).toEqual({
        errorCode: 'IMS_AUTH_FAILED',
        error: expect.stringContaining('invalid_client'),
      });
      expect(report.gaps).toEqual([]);
      expect(table.code).toBe(1);
      expect(flat(table.stdout)).toContain('RUNS FAIL the function cannot reach Adobe: IMS_AUTH_FAILED');
      expect(flat(table.stdout)).toContain('docs/RUNBOOK.md#ims_auth_failed says who can fix it');
      expect(flat(table.stdout)).toContain('every scheduled run fails (IMS_AUTH_FAILED, above)');
      const rows = table.stdout
        .split('\n')
        .filter((line) => t.world.connectionIds.some((id) => line.startsWith(id.slice(0, 8))));
      expect(rows).toHaveLength(3);
      for (const row of rows) expect(row).toMatch(/^\w{8}\s+\?\s+\w+\s+\d\d:\d\dZ\s+\d\d:\d\dZ/);
    },
  );

  it('shows the ledger when the function is busy (a run in progress), and exits 1, not 3', async () => {
    const t = await world();
    await t.stack.runSchedule();
    t.stack.lambda.injectFault({
      match: { method: 'POST', path: /\/invocations$/ },
      kind: 'respond',
      status: 429,
      headers: { 'x-amzn-errortype': 'TooManyRequestsException' },
      body: { Type: 'User', Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', message: 'Rate Exceeded.' },
    });

    const result = await t.cli(['status', '--json']);

    expect(result.code).toBe(1);
    const report = result.json();
    expect(report.connections).toHaveLength(3);
    expect(report.connections[0]).toMatchObject({ unknown: ['adobe'], lastRotation: expect.any(Object) });
    expect(report.gaps[0].why).toContain('is busy');
  });

  it('exits 3 when the ledger is unreachable from here, and still prints every connection', async () => {
    const t = await world();
    await t.stack.runSchedule();
    t.env({ AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9' });

    const result = await t.cli(['status', '--json']);

    expect(result.code).toBe(3);
    const report = result.json();
    expect(report.connections).toHaveLength(3);
    for (const status of report.connections) expect(status.unknown).toEqual(['ledger', 'pause']);
    expect(
      report.gaps.map((gap: { what: string; environment: boolean }) => [gap.what, gap.environment]).sort(),
    ).toEqual([
      ['the pauses', true],
      ['the rotation ledger', true],
    ]);
  });

  it('prints a document with --json even when nothing can be read: no credentials (exit 3)', async () => {
    const t = await world();
    t.env({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined });

    const result = await t.cli(['status', '--json']);

    expect(result.code).toBe(3);
    expect(result.json()).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('No AWS credentials'), exitCode: 3 },
    });
    expect(result.json().connections).toHaveLength(3);
  });

  it.each([
    [
      ['--stack', 'AepS3CredentialRotater'],
      'Stack AepS3CredentialRotater is not deployed in us-east-1 (did you mean AepS3CredentialRotator?)',
    ],
    [
      ['--function', 'AepS3CredentialRotator-RotatorFunction1A2B3C4D-x9Y8z7W'],
      '(did you mean AepS3CredentialRotator-RotatorFunction1A2B3C4D-x9Y8z7W6?)',
    ],
  ])('exits 3 with what was meant for %j: never a green result', async (args, message) => {
    const t = await world();

    const result = await t.cli(['status', ...args], { tty: true });

    expect(result.code).toBe(3);
    expect(flat(result.stderr)).toContain(message);
    expect(result.stdout).toBe('');
  });

  it('exits 3 for a region AWS does not have, naming the one meant', async () => {
    const t = await world();
    t.env({ AWS_REGION: 'us-eats-1' });

    const result = await t.cli(['status']);

    expect(result.code).toBe(3);
    expect(result.stderr).toContain('Region us-eats-1 is not an AWS region (did you mean us-east-1?)');
  });

  it('works with the function alone: no stack outputs, no configuration', async () => {
    const t = await world();
    await t.stack.runSchedule();
    const functionName = t.stack.lambda.invocations[0]!.functionName;
    // The construct in another app: no stack outputs to read (the function's tags and environment say it all).
    t.cloudFormation.deleteStack('AepS3CredentialRotator');

    const alone = await statusAlone(functionName);
    expect(alone.code).toBe(0);
    expect(alone.json()).toMatchObject({ ok: true, schedule: { state: 'ENABLED' }, thresholdFrom: 'alarm' });
    expect(alone.json().alarms).toHaveLength(11);
    expect(alone.json().connections).toHaveLength(3);
  });

  it('warns when the deployed targets differ from the local configuration, with the deploy that fixes it', async () => {
    const t = await world();
    await t.stack.runSchedule();
    const config = {
      ...t.config,
      targets: [
        ...(t.config.targets as object[]),
        {
          connectionId: '99999999-9999-4999-8999-999999999999',
          sandboxName: 'prod',
          roleArn: 'arn:aws:iam::123456789012:role/x',
        },
      ],
    };
    const file = join(t.dir, 'other.json');
    writeFileSync(file, JSON.stringify(config));

    const result = await t.cli(['status', '--config', file], { tty: true });

    expect(result.code).toBe(1);
    expect(flat(result.stdout)).toContain(
      'TARGETS DIFFER in the local configuration but not deployed: 99999999-9999-4999-8999-999999999999',
    );
    expect(flat(result.stdout)).toContain(`npx cdk deploy -c rotatorConfigFile=${file}`);
  });

  it('takes any unique start of an id for --connection, and refuses an ambiguous or unknown one (exit 2)', async () => {
    const t = await world();
    await t.stack.runSchedule();
    const id = t.world.connectionIds[1]!;

    const one = await t.cli(['status', '--connection', id.slice(0, 8), '--json']);
    const unknown = await t.cli(['status', '--connection', 'ffffffff']);

    expect(one.code).toBe(0);
    expect(one.json().connections.map((status: { connectionId: string }) => status.connectionId)).toEqual([id]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      "ffffffff is not a target in function AepS3CredentialRotator-RotatorFunction1A2B3C4D-x9Y8z7W6's targets.",
    );
  });

  it('shows an alarm in ALARM, since when, and the connections it holds in ALARM', async () => {
    const t = await world();
    const context = { world: t.world, stack: t.stack, dir: t.dir };
    const id = t.world.connectionIds[0]!;
    await t.stack.runSchedule();
    await injectFault(context, 'patch-refused', id);
    const run = await t.stack.runSchedule();
    expect(run?.alarms).toContainEqual(
      expect.objectContaining({ id: 'ConnectionFailingAlarm', state: 'ALARM', connectionId: id }),
    );

    const json = await t.cli(['status', '--json']);
    const table = await t.cli(['status'], { tty: true });

    expect(json.code).toBe(1);
    const alarm = json.json().alarms.find((entry: { id: string }) => entry.id === 'ConnectionFailingAlarm');
    expect(alarm).toMatchObject({
      state: 'ALARM',
      since: expect.any(String),
      contributors: [{ connectionId: id, since: expect.any(String) }],
    });
    expect(json.json().connections[0]).toMatchObject({
      risk: 'failing',
      alarms: expect.arrayContaining(['ConnectionFailingAlarm']),
    });
    expect(flat(table.stdout)).toMatch(
      new RegExp(`ALARM ConnectionFailingAlarm for ${id.slice(0, 8)} since \\d\\d:\\d\\dZ\\.`),
    );
    expect(flat(table.stdout)).toContain('docs/RUNBOOK.md#1445-400');
  });

  it('finds, with --probe, a connection Adobe cannot read with what it holds (pasted expired keys)', async () => {
    const t = await world();
    await t.stack.runSchedule();
    const id = t.world.connectionIds[2]!;
    await injectFault({ world: t.world, stack: t.stack, dir: t.dir }, 'expired-credentials', id);

    const plain = await t.cli(['status', '--json']);
    const probed = await t.cli(['status', '--probe', '--connection', id.slice(0, 8), '--json']);

    expect(plain.json().connections[2]).toMatchObject({
      risk: 'ok',
      editedAfterRotation: true,
      updatedBy: 'exc_app@AdobeID',
    });
    expect(probed.code).toBe(1);
    expect(probed.json().connections[0]).toMatchObject({
      risk: 'adobe-cannot-read',
      adobeVerified: false,
      adobeErrorCode: '1100-400',
      adobeError: expect.stringContaining('ExpiredToken'),
    });
  });
});

/** `status --function <name>` run from a directory without any configuration. */
async function statusAlone(functionName: string) {
  const cwd = mkdtempSync(join(tmpdir(), 'aep-s3-rotator-alone-'));
  let stdout = '';
  let stderr = '';
  const code = await run(['status', '--function', functionName, '--json'], {
    stdout: { write: (text: string) => (stdout += text), isTTY: false },
    stderr: { write: (text: string) => (stderr += text), isTTY: false },
    cwd,
    now: Date.now,
    env: { NO_COLOR: '1' },
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}
