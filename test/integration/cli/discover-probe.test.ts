/**
 * `discover` (every S3 connection in the sandboxes, and which ones nothing rotates: the function
 * lists them, so the operator never reads the Adobe secret) and `probe --record` (Flow Service's
 * answers for one connection, redacted, with the rotator's Adobe credentials: a contributor's tool).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../cli/main.js';
import { FUNCTION_NAME } from '../../../emulators/deployed-stack.js';
import type { Recording } from '../../../cli/probe-recording.js';
import { findSecrets, startCliWorld, type CliWorld } from '../../support/index.js';

let t: CliWorld;
const TEMPORARY = 'b0000000-0000-4000-8000-000000000001';
const PERMANENT = 'b0000000-0000-4000-8000-000000000002';
const ELSEWHERE = 'b0000000-0000-4000-8000-000000000003';

beforeAll(async () => {
  t = await startCliWorld({
    connections: [
      { sandboxName: 'prod', objects: ['orders.csv'] },
      { sandboxName: 'dev', specName: 'IAMRole Based' },
    ],
  });
  const { flowService } = t.world.emulators;
  const orgId = t.world.adobe.orgId;
  flowService.setListPageSize(1);
  flowService.seedConnection({
    id: TEMPORARY,
    orgId,
    sandboxName: 'prod',
    name: 'Made by hand',
    params: {
      s3AccessKey: 'ASIAHANDMADE00000001',
      s3SecretKey: 'hand-made-secret-key-0000000000000000000',
      s3SessionToken: 'IQoJhandmade',
      bucketName: 'acme-landing',
      folderPath: 'crm/daily',
    },
  });
  flowService.seedConnection({
    id: PERMANENT,
    orgId,
    sandboxName: 'prod',
    params: { s3AccessKey: 'AKIALONGTERM00000001', s3SecretKey: 'long-term-secret-key-00000000000000000000' },
  });
  flowService.seedConnection({
    id: ELSEWHERE,
    orgId,
    sandboxName: 'staging',
    params: {
      s3AccessKey: 'ASIAOTHER00000000001',
      s3SecretKey: 'other-secret-key-0000000000000000000000',
      s3SessionToken: 'IQoJothersandbox',
    },
  });
});
afterAll(() => t.close());

describe('discover', () => {
  it('works with the function alone (no configuration); the operator reads no secret: the function lists', async () => {
    const operator = t.asOperator();
    const before = t.world.emulators.secretsManager.requests.length;
    let stdout = '';
    const code = await run(['discover', '--function', FUNCTION_NAME, '--json'], {
      stdout: { write: (text: string) => (stdout += text), isTTY: false },
      stderr: { write: () => undefined, isTTY: false },
      cwd: mkdtempSync(join(tmpdir(), 'aep-s3-rotator-discover-')),
      now: Date.now,
      env: { NO_COLOR: '1' },
    });

    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ sandboxes: ['prod', 'dev'], unmanagedTemporary: 1 });
    const byOperator = t.world.emulators.secretsManager.requests
      .slice(before)
      .filter((request) => request.headers.authorization?.includes(operator.accessKeyId));
    expect(byOperator).toEqual([]);
    expect(t.stack.lambda.invocations.at(-1)!.event).toMatchObject({ inspect: true, discover: true, dryRun: true });
  });

  it(
    "marks every S3 connection in the targets' sandboxes, following every page, and prints a targets entry for the " +
      'unmanaged temporary one',
    async () => {
      const listings = () =>
        t.world.emulators.flowService.requests.filter(
          (request) => request.path === '/connections' && request.headers['x-sandbox-name'] === 'prod',
        );
      const before = listings().length;
      const result = await t.cli(['discover', '--json']);

      expect(result.code).toBe(1);
      const report = result.json();
      expect(report.sandboxes).toEqual(['prod', 'dev']);
      const kinds = Object.fromEntries(
        report.connections.map((connection: { connectionId: string; kind: string }) => [
          connection.connectionId,
          connection.kind,
        ]),
      );
      expect(kinds).toEqual({
        [t.world.connectionIds[0]!]: 'managed',
        [TEMPORARY]: 'unmanaged-temporary',
        [PERMANENT]: 'unmanaged-permanent',
        [t.world.connectionIds[1]!]: 'managed',
      });
      expect(report.unmanagedTemporary).toBe(1);
      expect(report.targets).toEqual([
        {
          connectionId: TEMPORARY,
          sandboxName: 'prod',
          createRole: { bucketName: 'acme-landing', folderPath: 'crm/daily' },
        },
      ]);
      // One connection a page: every page was asked for.
      expect(listings().length - before).toBe(3);
      expect(findSecrets(result.stdout + result.stderr, t.world.secretValues())).toEqual([]);
      expect(result.stdout).not.toContain('hand-made-secret-key');
    },
  );

  it('lists the sandboxes named, and prints the entry ready to paste on a terminal', async () => {
    const result = await t.cli(['discover', '--sandbox', 'staging'], { tty: true });

    expect(result.code).toBe(1);
    expect(result.stdout).toContain('UNMANAGED TEMPORARY');
    expect(result.stdout).toContain(
      `{"connectionId":"${ELSEWHERE}","sandboxName":"staging","roleArn":"arn:aws:iam::<account>:role/<a role that ` +
        'can read the bucket>"},',
    );
    expect(result.stdout).toMatch(/NOT OK: 1 S3 connection in staging \(1 unmanaged temporary\)\./);
  });

  it('names the configuration given with --config in the deploy it advises', async () => {
    writeFileSync(join(t.dir, 'staging.json'), JSON.stringify(t.config));

    const result = await t.cli(['discover', '--sandbox', 'staging', '--config', 'staging.json'], { tty: true });

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'Then: `npx cdk deploy -c rotatorConfigFile=staging.json` and `npx aep-s3-rotator rotate --connection <id>`.',
    );
  });

  it('says so, and exits 1, for a sandbox Adobe does not know', async () => {
    const result = await t.cli(['discover', '--sandbox', 'no-such-sandbox', '--json']);

    expect(result.code).toBe(1);
    expect(result.json().problems).toEqual([
      {
        sandboxName: 'no-such-sandbox',
        errorCode: '2100-404',
        error: expect.stringContaining('Adobe knows no sandbox no-such-sandbox in this org'),
      },
    ]);
  });

  it('refuses a sandbox name Adobe could not have', async () => {
    const result = await t.cli(['discover', '--sandbox', 'Prod_1']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--sandbox "Prod_1" is not a sandbox name');
  });
});

describe('probe --record', () => {
  it(
    "records the connection's GET, explore of its root, folder and a file, a page of S3 connections and a " +
      'deliberate error, redacted',
    async () => {
      const id = t.world.connectionIds[0]!;
      const result = await t.cli(['probe', '--record', 'recording.json', '--connection', id, '--json']);

      expect(result.code).toBe(0);
      const file = join(t.dir, 'recording.json');
      expect(existsSync(file)).toBe(true);
      const text = readFileSync(file, 'utf8');
      const recording = JSON.parse(text) as Recording;
      expect(recording.exchanges.map((exchange) => [exchange.name, exchange.response.status])).toEqual([
        ['get-connection', 200],
        ['explore-root', 200],
        ['explore-folder', 200],
        ['explore-file', 200],
        ['list-connections', 200],
        ['error-unknown-connection', 404],
      ]);
      expect(recording.exchanges[2]!.request.query).toEqual({
        objectType: 'folder',
        object: '/acme-ingest-0/exports/prod/',
      });
      // Nothing secret, no id as it was: the connection's, the org's, the client's.
      expect(findSecrets(text, [...t.world.secretValues(), id, t.world.adobe.orgId, t.world.adobe.clientId])).toEqual(
        [],
      );
      expect(text).not.toMatch(/ASIA[0-9A-Z]{16}/);
      expect(JSON.stringify(recording.exchanges[0]!.response.body)).toContain('"s3SessionToken":"<redacted>"');
      expect(findSecrets(result.stdout + result.stderr, t.world.secretValues())).toEqual([]);
    },
  );

  it("takes the start of a target's id, as every command does", async () => {
    const result = await t.cli([
      'probe',
      '--record',
      'by-prefix.json',
      '--connection',
      t.world.connectionIds[0]!.slice(0, 8),
      '--json',
    ]);

    expect(result.code).toBe(0);
    expect(existsSync(join(t.dir, 'by-prefix.json'))).toBe(true);
  });

  it('needs the sandbox of a connection that is not a target, and one --connection', async () => {
    const noSandbox = await t.cli(['probe', '--record', 'x.json', '--connection', TEMPORARY]);
    const two = await t.cli(['probe', '--record', 'x.json', '--connection', TEMPORARY, '--connection', PERMANENT]);

    expect(noSandbox.code).toBe(2);
    expect(noSandbox.stderr).toContain('give its sandbox with --sandbox <name>');
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('give exactly one --connection <id>');
  });

  it("says, exit 3, that the operator's role may not read the Adobe secret that probe needs", async () => {
    t.world.emulators.secretsManager.injectFault({
      match: { action: 'GetSecretValue' },
      kind: 'respond',
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: {
        __type: 'AccessDeniedException',
        message: 'User: alice is not authorized to perform: secretsmanager:GetSecretValue. More text.',
      },
    });

    const result = await t.cli(['probe', '--record', 'denied.json', '--connection', t.world.connectionIds[0]!]);

    expect(result.code).toBe(3);
    expect(result.stderr).toContain('AWS denied permission to read the Adobe credentials secret');
    expect(result.stderr).toContain("reads Flow Service with the rotator's Adobe credentials");
    expect(existsSync(join(t.dir, 'denied.json'))).toBe(false);
  });
});
