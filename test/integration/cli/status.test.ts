/**
 * `status`: GET each configured connection through the emulated Flow Service with the rotator's
 * Adobe credentials, and judge its credential age against the lifetime and the schedule.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findSecrets, configFor, NO_AWS_CREDENTIALS, startCliWorld, type CliWorld } from '../../support/index.js';

let t: CliWorld;
let ids: string[];
const MINUTE = 60_000;
/** Text with its line breaks and runs of spaces as one space: wrapped lines read as one. */
const flat = (text: string) => text.replace(/\s+/g, ' ');
/** Colour codes (SGR). */
/** The terminal's colour escapes: ESC [ ... m. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

beforeAll(async () => {
  t = await startCliWorld({
    connections: [
      { sandboxName: 'prod', method: 'assume-role-chained' },
      { sandboxName: 'dev', method: 'get-session-token', durationSeconds: 7200 },
    ],
  });
  ids = t.world.connectionIds;
  // The rotator writes the credentials now (its Adobe client shows as updatedClient).
  expect((await t.cli(['rotate', '--local'])).code).toBe(0);
});
afterAll(() => t.close());
afterEach(() => {
  t.world.emulators.flowService.clearFaults();
  t.world.emulators.sts.setClock(Date.now);
  t.writeConfig(configFor(t.world));
});

describe('status', () => {
  it('shows healthy connections written by the rotator and exits 0', async () => {
    const result = await t.cli(['status', '--json'], { now: Date.now() + 10 * MINUTE });

    expect(result.code).toBe(0);
    const report = result.json();
    expect(report).toMatchObject({ ok: true, atRisk: 0, schedule: 'rate(15 minutes)', scheduleIntervalSeconds: 900 });
    expect(report.connections).toEqual([
      expect.objectContaining({
        connectionId: ids[0],
        sandboxName: 'prod',
        state: 'enabled',
        specName: 'Access Key',
        writtenByRotator: true,
        lifetimeSeconds: 3600,
        risk: 'ok',
        atRisk: false,
      }),
      expect.objectContaining({ connectionId: ids[1], sandboxName: 'dev', lifetimeSeconds: 7200, risk: 'ok', atRisk: false }),
    ]);
    const first = report.connections[0];
    expect(first.updatedBy).toBe(`${t.world.adobe.clientId}@AdobeID`);
    expect(first.updatedAt).toBe(new Date(t.world.connection(ids[0]!).updatedAt).toISOString());
    expect(first.ageSeconds).toBeGreaterThanOrEqual(600);
    // Which params exist, never their values.
    expect(first.params).toEqual(['bucketName', 'folderPath', 's3AccessKey', 's3SecretKey', 's3SessionToken']);
    expect(findSecrets(result.stdout + result.stderr, t.world.secretValues())).toEqual([]);
    expect(result.stdout).not.toContain(t.world.connection(ids[0]!).params.s3AccessKey!);
  });

  it('warns about credentials that expire before the next run can be relied on, and exits 1', async () => {
    // 50 minutes into a 60-minute lifetime, with a 15-minute schedule.
    const result = await t.cli(['status'], { tty: true, now: Date.now() + 50 * MINUTE });

    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+SANDBOX\s+UPDATED\s+BY\s+AGE \/ LIFETIME\s+RISK$/);
    // Short ids; the name from Flow Service; the time of day (and the day, when it is not today); who wrote it.
    expect(lines.find((line) => line.startsWith(ids[0]!.slice(0, 8)))).toMatch(
      new RegExp(`^${ids[0]!.slice(0, 8)}  S3 ingest 1\\s+prod\\s+(?:[A-Z][a-z]{2} \\d{1,2} )?\\d\\d:\\d\\dZ\\s+rotator\\s+50m / 1h00m\\s+EXPIRING$`),
    );
    expect(lines.find((line) => line.startsWith(ids[1]!.slice(0, 8)))).toMatch(/S3 ingest 2\s+dev\s+.*50m \/ 2h00m\s+ok$/);
    expect(flat(result.stdout)).toContain(
      `WARNING: ${ids[0]!.slice(0, 8)} (sandbox prod): credentials expire in about 10m, before the next scheduled run (every 15m) can be relied on; rotate it now:`,
    );
    // The command to paste, whole, on a line of its own.
    expect(lines).toContain(`    npx aep-s3-rotator rotate --connection ${ids[0]}`);
    expect(result.stdout).toContain('AT RISK: 1 of 2 connections healthy');
  });

  it('colours ok, warning and failure on a terminal, and nothing under NO_COLOR or in a pipe', async () => {
    const now = Date.now() + 50 * MINUTE;

    const coloured = await t.cli(['status'], { tty: true, now, env: {} });
    const noColor = await t.cli(['status'], { tty: true, now, env: { NO_COLOR: '1' } });
    const piped = await t.cli(['status'], { now, env: {} });

    expect(coloured.stdout).toContain('\x1b[32mok\x1b[39m');
    expect(coloured.stdout).toContain('\x1b[33mEXPIRING\x1b[39m');
    expect(coloured.stdout).toContain('\x1b[33mWARNING\x1b[39m:');
    expect(coloured.stdout).toContain('\x1b[31m\x1b[1mAT RISK\x1b[22m\x1b[39m:');
    expect(noColor.stdout).not.toMatch(ANSI);
    expect(coloured.stdout.replace(ANSI, '')).toBe(noColor.stdout);
    expect(piped.stdout).not.toMatch(ANSI);
    expect(piped.json().atRisk).toBe(1);
  });

  it('says credentials are likely expired once their age passes the lifetime', async () => {
    const result = await t.cli(['status', '--json'], { now: Date.now() + 3 * 3600_000 });

    expect(result.code).toBe(1);
    const [first, second] = result.json().connections;
    expect(first).toMatchObject({
      risk: 'expired',
      atRisk: true,
      warning: expect.stringMatching(/^credentials written 3h00m ago with a 1h00m lifetime have likely expired$/),
    });
    expect(second).toMatchObject({ risk: 'expired', atRisk: true });
  });

  it('reports a connection that is not found in its sandbox as at risk', async () => {
    const missing = randomUUID();
    t.writeConfig({
      targets: [...(t.config.targets as object[]), { connectionId: missing, sandboxName: 'prod', roleArn: 'arn:aws:iam::123456789012:role/x' }],
    });

    const result = await t.cli(['status', '--json']);

    expect(result.code).toBe(1);
    expect(result.json().connections[2]).toEqual({
      connectionId: missing,
      sandboxName: 'prod',
      lifetimeSeconds: 3600,
      risk: 'not-found',
      atRisk: true,
      warning: 'not found in sandbox prod (1101-404): check connectionId and sandboxName in the configuration',
    });
  });

  it('reports a connection that is not enabled as at risk', async () => {
    const disabled = t.world.emulators.flowService.seedConnection({
      orgId: t.world.adobe.orgId,
      sandboxName: 'prod',
      state: 'disabled',
      params: { s3AccessKey: 'ASIAEXAMPLEEXAMPLE00', s3SecretKey: 'secret-secret-secret' },
    });
    t.writeConfig({ targets: [{ connectionId: disabled.id, sandboxName: 'prod', roleArn: 'arn:aws:iam::123456789012:role/x' }] });

    const result = await t.cli(['status', '--json']);

    expect(result.code).toBe(1);
    expect(result.json().connections[0]).toMatchObject({
      risk: 'not-enabled',
      state: 'disabled',
      writtenByRotator: false,
      warning: 'state is "disabled", not enabled',
    });
    expect(result.stdout).not.toContain('secret-secret-secret');
  });

  it('reports a connection Flow Service cannot answer for as at risk', async () => {
    t.world.emulators.flowService.injectFault({
      match: { method: 'GET', path: `/connections/${ids[1]}` },
      kind: 'respond',
      status: 403,
      times: 1,
      body: { error_code: '403003', message: 'Api Key is invalid' },
    });

    const result = await t.cli(['status', '--json']);

    expect(result.code).toBe(1);
    expect(result.json().connections[1]).toMatchObject({ risk: 'unreadable', atRisk: true, warning: expect.stringContaining('HTTP 403 (403003)') });
  });

  it('shows only --connection, and refuses one that is not a target (exit 2)', async () => {
    const only = await t.cli(['status', '--connection', ids[1]!, '--json']);
    expect(only.json().connections.map((c: { connectionId: string }) => c.connectionId)).toEqual([ids[1]]);

    const unknown = randomUUID();
    const result = await t.cli(['status', '--connection', unknown]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`aep-s3-rotator: ${unknown} is not a configured target.\n`);
  });

  it('suggests the target a mistyped --connection probably meant (exit 2)', async () => {
    const typo = `${ids[0]!.slice(0, 35)}${ids[0]!.endsWith('0') ? '1' : '0'}`;

    const result = await t.cli(['status', '--connection', typo]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`aep-s3-rotator: ${typo} (did you mean ${ids[0]}?) is not a configured target.\n`);
  });

  it('says there are no AWS credentials to read the Adobe secret with (exit 3)', async () => {
    const restore = t.env(NO_AWS_CREDENTIALS);
    try {
      const result = await t.cli(['status']);

      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/^aep-s3-rotator: No AWS credentials were found: [^\n]*\n$/);
    } finally {
      restore();
    }
  });

  it('says that the operator must be allowed to read the Adobe secret, and how, when AWS denies it (exit 3)', async () => {
    // What the created secret's resource policy answers a role that is not in secretReaders.
    t.world.emulators.secretsManager.injectFault({
      match: { method: 'POST' },
      kind: 'respond',
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'AccessDeniedException' },
      body: {
        __type: 'AccessDeniedException',
        Message:
          'User: arn:aws:sts::123456789012:assumed-role/Operator/alice is not authorized to perform: secretsmanager:GetSecretValue with an explicit deny in a resource-based policy',
      },
    });

    const result = await t.cli(['status']);

    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^aep-s3-rotator: AWS denied permission to read the Adobe credentials secret \S+ \(secretsmanager:GetSecretValue\): User: /);
    expect(result.stderr).toContain('your role must be allowed to read that secret (the one the stack creates: add your role to "secretReaders"');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('says when the Adobe secret does not exist (exit 3)', async () => {
    t.writeConfig({ adobeCredentialsSecret: 'aep-s3-rotator/missing' });

    const result = await t.cli(['status']);

    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'aep-s3-rotator: Adobe credentials secret "aep-s3-rotator/missing" was not found: check AWS_REGION and the secret id in the configuration.\n',
    );
  });
});

describe('status --probe', () => {
  const explores = () => t.world.emulators.flowService.requests.filter((request) => request.path.endsWith('/explore'));

  it('asks Flow Service to explore each connection with what it holds now, and exits 0 when Adobe can read', async () => {
    const before = explores().length;

    const result = await t.cli(['status', '--probe', '--json']);

    expect(result.code).toBe(0);
    const report = result.json();
    expect(report).toMatchObject({ ok: true, atRisk: 0 });
    expect(report.connections).toEqual([
      expect.objectContaining({ connectionId: ids[0], risk: 'ok', atRisk: false, explored: 's3://acme-ingest-0/exports/prod/', adobeVerified: true }),
      expect.objectContaining({ connectionId: ids[1], risk: 'ok', atRisk: false, explored: 's3://acme-ingest-1/exports/dev/', adobeVerified: true }),
    ]);
    expect(report.connections[0]).not.toHaveProperty('adobeError');
    // The targets name no bucket: the folder each connection declares, in its own sandbox.
    expect(
      explores()
        .slice(before)
        .map((request) => [request.path, request.query, request.headers['x-sandbox-name']]),
    ).toEqual([
      [`/connections/${ids[0]}/explore`, { objectType: 'folder', object: '/acme-ingest-0/exports/prod/' }, 'prod'],
      [`/connections/${ids[1]}/explore`, { objectType: 'folder', object: '/acme-ingest-1/exports/dev/' }, 'dev'],
    ]);
    expect(findSecrets(result.stdout + result.stderr, t.world.secretValues())).toEqual([]);
  });

  it("reports a connection whose credentials Adobe is refused as at risk, with Adobe's code and detail, and exits 1", async () => {
    // S3 now sees the prod connection's credentials (1 h) as expired, the dev one's (2 h) not; by age both look fine.
    t.world.emulators.sts.setClock(() => Date.now() + 90 * MINUTE);

    const result = await t.cli(['status', '--probe', '--json'], { now: Date.now() + 5 * MINUTE });

    expect(result.code).toBe(1);
    const [prod, dev] = result.json().connections;
    expect(prod).toMatchObject({
      risk: 'adobe-cannot-read',
      atRisk: true,
      adobeVerified: false,
      adobeErrorCode: '1100-400',
      adobeError: expect.stringContaining(`Flow Service GET /connections/${ids[0]}/explore failed with HTTP 400 (1100-400): `),
      warning: expect.stringMatching(
        /^Adobe cannot read s3:\/\/acme-ingest-0\/exports\/prod\/ with the credentials the connection holds now, .*Amazon S3 answered ExpiredToken: The provided token has expired\.$/,
      ),
    });
    expect(dev).toMatchObject({ risk: 'ok', atRisk: false, adobeVerified: true });
    expect(result.json().atRisk).toBe(1);
  });

  it('puts the refusal, its code and what to check in the WARNING line of the table', async () => {
    t.world.emulators.sts.setClock(() => Date.now() + 90 * MINUTE);

    const result = await t.cli(['status', '--probe'], { tty: true, now: Date.now() + 5 * MINUTE });

    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/\sRISK\s+ADOBE$/);
    expect(lines.find((line) => line.startsWith(ids[0]!.slice(0, 8)))).toMatch(/ADOBE REFUSED\s+REFUSED$/);
    expect(lines.find((line) => line.startsWith(ids[1]!.slice(0, 8)))).toMatch(/ok\s+reads$/);
    const warning = flat(result.stdout.slice(result.stdout.indexOf('WARNING:')));
    expect(warning).toContain(`WARNING: ${ids[0]!.slice(0, 8)} (sandbox prod): Adobe cannot read s3://acme-ingest-0/exports/prod/`);
    expect(warning).toContain('(1100-400): The request could not be processed. Flow provider error: Amazon S3 answered ExpiredToken');
    expect(warning).toContain("check s3:ListBucket in the role's permissions, the bucket policy and the session policy's folder");
    // KMS and object permissions are advice for a refused read only.
    expect(warning).not.toContain('kms');
    expect(lines).toContain(`    npx aep-s3-rotator rotate --dry-run --connection ${ids[0]}`);
    expect(flat(result.stdout)).toContain('AT RISK: 1 of 2 connections healthy; Adobe could read 1 of 2');
  });

  it('adds the refusal to a connection already at risk for its age', async () => {
    // Three hours on: both are expired by age, and S3 refuses both.
    t.world.emulators.sts.setClock(() => Date.now() + 3 * 3600_000);

    const result = await t.cli(['status', '--probe', '--json'], { now: Date.now() + 3 * 3600_000 });

    expect(result.code).toBe(1);
    expect(result.json().connections).toHaveLength(2);
    for (const connection of result.json().connections) {
      expect(connection).toMatchObject({
        risk: 'expired',
        atRisk: true,
        adobeVerified: false,
        adobeErrorCode: '1100-400',
        warning: expect.stringMatching(/have likely expired$/),
      });
    }
  });

  it('changes nothing without --probe: no explore, no Adobe fields', async () => {
    const before = explores().length;

    const result = await t.cli(['status', '--json']);

    expect(result.code).toBe(0);
    expect(explores()).toHaveLength(before);
    expect(result.json().connections).toHaveLength(2);
    for (const connection of result.json().connections) {
      for (const field of ['explored', 'adobeVerified', 'adobeErrorCode', 'adobeError']) expect(connection).not.toHaveProperty(field);
    }
  });
});

describe('status --probe with narrowed targets', () => {
  let narrowed: CliWorld;
  beforeAll(async () => {
    // The connection declares no bucket of its own: the target's folder is what Adobe is asked for.
    narrowed = await startCliWorld({
      connections: [{ sandboxName: 'prod', bucketName: 'acme-aep-landing', folderPath: 'crm/daily', connectionBucketName: null }],
    });
    // The function's credentials, narrowed by a session policy to s3://acme-aep-landing/crm/daily/.
    expect((await narrowed.cli(['rotate', '--local'])).code).toBe(0);
  });
  afterAll(() => narrowed.close());

  it("explores the target's folder, which the session policy allows", async () => {
    const result = await narrowed.cli(['status', '--probe', '--json']);

    expect(result.code).toBe(0);
    expect(result.json().connections[0]).toMatchObject({ explored: 's3://acme-aep-landing/crm/daily/', adobeVerified: true });
    expect(narrowed.world.emulators.flowService.requests.at(-1)!.query).toEqual({ objectType: 'folder', object: '/acme-aep-landing/crm/daily/' });
  });

  it("explores the folder of a role the stack creates (createRole), and says when the credentials' session policy does not reach it", async () => {
    const [target] = configFor(narrowed.world).targets as Array<Record<string, unknown>>;
    const { bucketName: _bucket, folderPath: _folder, roleArn: _role, ...rest } = target!;
    // The configuration now reads another folder than the one the held credentials were narrowed to.
    narrowed.writeConfig({ targets: [{ ...rest, createRole: { bucketName: 'acme-aep-landing', folderPath: 'crm/weekly' } }] });

    const result = await narrowed.cli(['status', '--probe', '--json']);

    expect(result.code).toBe(1);
    expect(result.json().connections[0]).toMatchObject({
      risk: 'adobe-cannot-read',
      explored: 's3://acme-aep-landing/crm/weekly/',
      adobeVerified: false,
      adobeErrorCode: '1100-400',
      adobeError: expect.stringContaining('Amazon S3 answered AccessDenied'),
    });
  });
});
