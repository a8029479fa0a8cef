/**
 * `npm run sandbox`: what it writes and exports, the schedule it fires while ENABLED (and not while
 * paused), the control endpoint `npm run sandbox -- fault|run` talks to, its usage errors, and the
 * real script in its own process with the CLI in another, cleaned up on Ctrl-C.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../cli/main.js';
import { CONTROL_VARIABLE, startSandbox, type Sandbox } from '../../../emulators/sandbox.js';
import { sandboxMain, startBanner } from '../../../scripts/sandbox.js';
import { FAST_HTTP_POLICY } from '../../support/index.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

async function cli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: { write: (text) => (stdout += text), isTTY: false },
    stderr: { write: (text) => (stderr += text), isTTY: false },
    cwd,
    now: Date.now,
    env: {},
  });
  return { code, stdout, stderr };
}

async function script(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await sandboxMain(
    argv,
    (text) => {
      stdout += text;
    },
    (text) => {
      stderr += text;
    },
  );
  return { code, stdout, stderr };
}

describe('the sandbox', () => {
  let sandbox: Sandbox;
  const logged: string[] = [];
  const before = { ...process.env };

  beforeAll(async () => {
    sandbox = await startSandbox({ everyMs: 150, httpPolicy: FAST_HTTP_POLICY, log: (line) => logged.push(line) });
  });
  afterAll(async () => {
    const { dir, configFile } = sandbox;
    await sandbox.close();

    // Ctrl-C: everything it wrote is gone, and the environment is as it was.
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(configFile)).toBe(false);
    expect(process.env).toEqual(before);
  });

  it('exports every AWS endpoint, sandbox-only credentials, the region and its control endpoint', () => {
    expect(Object.keys(sandbox.env)).toEqual([
      'AWS_ENDPOINT_URL_CLOUDFORMATION',
      'AWS_ENDPOINT_URL_LAMBDA',
      'AWS_ENDPOINT_URL_DYNAMODB',
      'AWS_ENDPOINT_URL_SCHEDULER',
      'AWS_ENDPOINT_URL_CLOUDWATCH',
      'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS',
      'AWS_ENDPOINT_URL_SNS',
      'AWS_ENDPOINT_URL_STS',
      'AWS_ENDPOINT_URL_SECRETS_MANAGER',
      'AWS_ENDPOINT_URL_IAM',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_REGION',
      'AWS_DEFAULT_REGION',
      CONTROL_VARIABLE,
    ]);
    for (const [key, value] of Object.entries(sandbox.env))
      if (key.startsWith('AWS_ENDPOINT_URL_')) expect(value).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Credentials the sandbox's STS issued: GetCallerIdentity answers with the operator's role.
    expect(sandbox.world.emulators.sts.credentialsFor(sandbox.env.AWS_ACCESS_KEY_ID!)?.arn).toBe(
      'arn:aws:sts::123456789012:assumed-role/aep-s3-rotator-operator/operator',
    );
    expect(Object.keys(sandbox.variables)).toEqual([
      'ORDERS',
      'LOYALTY',
      'CATALOG',
      'ORDERS_DEV',
      'CLICKSTREAM',
      'SECRET',
      'NEW_CREDENTIALS',
    ]);
  });

  it('writes a configuration that check-config accepts, and a cdk.json that names it', async () => {
    const fromFile = await cli(['check-config', '--config', sandbox.configFile], sandbox.dir);
    const fromCdkJson = await cli(['check-config'], sandbox.dir);

    expect(fromFile.code).toBe(0);
    expect(fromCdkJson.code).toBe(0);
    expect(JSON.parse(readFileSync(join(sandbox.dir, 'cdk.json'), 'utf8'))).toEqual({
      context: { rotatorConfigFile: sandbox.configFile },
    });
  });

  it('fires the schedule while it is ENABLED; a pause leaves the paused connections alone until resumed', async () => {
    const runs = () =>
      sandbox.stack.lambda.invocations.filter((invocation) => invocation.invocationType === 'Event').length;
    await expect.poll(runs, { timeout: 5000 }).toBeGreaterThan(0);
    expect(logged.find((line) => line.includes('scheduled run'))).toMatch(/^\d\d:\d\d:\d\dZ scheduled run: 5 rotated$/);

    const id = sandbox.variables.ORDERS!;
    expect(
      (await cli(['pause', '--connection', id.slice(0, 8), '--reason', 'rehearsal', '--for', '30m'], sandbox.dir)).code,
    ).toBe(0);
    await sandbox.runScheduled();
    expect(logged.at(-1)).toMatch(new RegExp(`scheduled run: 4 rotated, 1 paused \\(${id.slice(0, 8)}\\)$`));

    expect((await cli(['resume'], sandbox.dir)).code).toBe(0);
    await sandbox.runScheduled();
    expect(logged.at(-1)).toMatch(/scheduled run: 5 rotated$/);
  });

  it('takes faults, runs and clears through its control endpoint (npm run sandbox -- fault|run)', async () => {
    const id = sandbox.variables.LOYALTY!;
    const options = ['--sandbox', sandbox.controlUrl];

    const fault = await script(['fault', '412-storm', '--connection', id.slice(0, 8), ...options]);
    const ran = await script(['run', ...options]);
    const cleared = await script(['fault', 'clear', ...options]);

    expect(fault).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(
        `Another writer (concurrent-editor@AdobeID) now edits ${id} before every PATCH of it`,
      ),
    });
    expect(ran).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(new RegExp(`^scheduled run: 4 rotated, 1 FAILED \\(${id.slice(0, 8)} 1404-412\\)`)),
    });
    expect(cleared).toMatchObject({ code: 0, stdout: expect.stringContaining('Flow Service takes PATCHes again') });
  });

  it.each([
    [['fault', 'patch-refused'], 1, 'sandbox: patch-refused needs --connection <id>\n'],
    [
      ['fault', 'patch-refused', '--connection', 'no-such'],
      1,
      'sandbox: no-such is not a connection of this sandbox; its connections are ',
    ],
  ])('refuses %j with one sentence (exit %i)', async (argv, code, message) => {
    const result = await script([...argv, '--sandbox', sandbox.controlUrl]);

    expect(result.code).toBe(code);
    expect(result.stderr.startsWith(message)).toBe(true);
  });

  it('prints what to paste: both lines of variables and the commands to run', () => {
    const banner = startBanner(sandbox, 30_000, 'sandbox.json');

    expect(banner).toContain(
      `export AWS_ENDPOINT_URL_CLOUDFORMATION='${sandbox.env.AWS_ENDPOINT_URL_CLOUDFORMATION}' ` +
        'AWS_ENDPOINT_URL_LAMBDA=',
    );
    expect(banner).toContain(`\nORDERS='${sandbox.variables.ORDERS}' LOYALTY=`);
    expect(banner).toContain('    npx aep-s3-rotator status --config sandbox.json\n');
    expect(banner).toContain('    npm run sandbox -- fault 412-storm --connection $LOYALTY\n');
    expect(banner).toContain('it fires every 30s');
  });
});

describe('npm run sandbox -- ...: usage', () => {
  it.each([
    [
      ['fault', 'meteor-strike'],
      2,
      'sandbox: Unknown fault "meteor-strike": the faults are 412-storm, patch-refused, expired-credentials, ' +
        'ims-401, io-management-403, expiring, scheduler-denied, failure-queue-denied, ledger-denied, ' +
        'access-denied, trust-broken, throttling, dataflow-run-failed, unmanaged-connection and clear.',
    ],
    [['--every', 'soon'], 2, 'sandbox: --every "soon" is not a duration: use 30s, 2m, 1500ms, or 0 for never.'],
    [['frobnicate'], 2, 'sandbox: Unknown command "frobnicate".'],
  ])('%j exits %i: %s', async (argv, code, message) => {
    const result = await script(argv);

    expect(result.code).toBe(code);
    expect(result.stderr.split('\n')[0]).toBe(message);
  });

  it('says there is no sandbox without AEP_S3_ROTATOR_SANDBOX (exit 3), or when it does not answer', async () => {
    const saved = process.env[CONTROL_VARIABLE];
    delete process.env[CONTROL_VARIABLE];
    try {
      // A port nothing listens on any more.
      const closed = createServer();
      await new Promise<void>((listening) => closed.listen(0, '127.0.0.1', listening));
      const { port } = closed.address() as AddressInfo;
      await new Promise((done) => closed.close(done));
      const none = await script(['run']);
      const gone = await script(['run', '--sandbox', `http://127.0.0.1:${port}`]);

      expect(none).toMatchObject({
        code: 3,
        stderr: expect.stringMatching(/^sandbox: no running sandbox named: start one with `npm run sandbox`/),
      });
      expect(gone).toMatchObject({
        code: 3,
        stderr:
          `sandbox: the sandbox at http://127.0.0.1:${port} does not answer (ECONNREFUSED): ` +
          'is it still running?\n',
      });
    } finally {
      if (saved !== undefined) process.env[CONTROL_VARIABLE] = saved;
    }
  });
});

describe('npm run sandbox, as a process of its own', () => {
  let child: ChildProcessWithoutNullStreams;
  let cwd: string;
  let output = '';

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'aep-s3-rotator-sandbox-test-'));
    // `npm run sandbox -- --config sandbox.json --every 0`, from a directory of one's own (INIT_CWD).
    child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/sandbox.ts', '--config', 'sandbox.json', '--every', '0'],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, INIT_CWD: cwd },
      },
    );
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    for (const started = Date.now(); !output.includes('Ctrl-C stops the sandbox.'); await sleep(100)) {
      if (Date.now() - started > 20_000 || child.exitCode !== null)
        throw new Error(`the sandbox did not start:\n${output}`);
    }
  }, 30_000);
  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(cwd, { recursive: true, force: true });
  });

  it('serves the CLI in another process with the environment it printed, then cleans up on Ctrl-C', async () => {
    const envFile = /also in (\S+sandbox\.env)\)/.exec(output)![1]!;
    const [exportLine, variablesLine] = readFileSync(envFile, 'utf8').trim().split('\n');
    const assigned = (line: string) =>
      Object.fromEntries(
        [...line.replace(/^export /, '').matchAll(/(\w+)='([^']*)'/g)].map(([, key, value]) => [key!, value!]),
      );
    const env = { PATH: process.env.PATH!, HOME: process.env.HOME!, NO_COLOR: '1', ...assigned(exportLine!) };
    expect(output).toContain(`Configuration: ${join(cwd, 'sandbox.json')}`);
    expect(assigned(variablesLine!).ORDERS).toMatch(/^[0-9a-f-]{36}$/);

    const cliRun = (...argv: string[]) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const cliProcess = spawn(
          process.execPath,
          [join(PROJECT_ROOT, 'cli/aep-s3-rotator.mjs'), ...argv, '--json', '--config', 'sandbox.json'],
          { cwd, env },
        );
        let stdout = '';
        cliProcess.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
        cliProcess.on('close', (code) => resolve({ code, stdout }));
      });
    // No scheduled run yet (--every 0): status knows nothing of when what each holds expires.
    const before = await cliRun('status');
    expect(before.code).toBe(1);
    expect(JSON.parse(before.stdout).connections).toEqual(
      expect.arrayContaining([expect.objectContaining({ risk: 'unknown' })]),
    );
    expect((await cliRun('rotate')).code).toBe(0);
    const status = await cliRun('status');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      ok: true,
      schedule: { state: 'ENABLED' },
      connections: expect.any(Array),
    });

    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toMatch(/Stopped; removed \S+ and \S+sandbox\.json\./);
    expect(existsSync(join(cwd, 'sandbox.json'))).toBe(false);
    expect(existsSync(envFile)).toBe(false);
  }, 30_000);
});
