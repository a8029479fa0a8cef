/**
 * `rotate --local`: the real handler in the CLI's process, with the operator's credentials (here
 * the emulated function-role session, which the seeded roles trust) and the configured endpoints.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  findSecrets,
  configFor,
  NO_AWS_CREDENTIALS,
  NOT_UPDATABLE_STATE,
  patchRefusal,
  STACK_TRACE,
  startCliWorld,
  type CliWorld,
} from '../../support/index.js';

let t: CliWorld;
let ids: string[];

beforeAll(async () => {
  t = await startCliWorld({
    connections: [
      { sandboxName: 'prod', method: 'assume-role-chained' },
      { sandboxName: 'prod', method: 'assume-role-user-keys', durationSeconds: 7200 },
      { sandboxName: 'dev', method: 'get-session-token', durationSeconds: 7200 },
    ],
  });
  ids = t.world.connectionIds;
});
afterAll(() => t.close());
afterEach(() => {
  t.world.emulators.flowService.clearFaults();
  t.writeConfig(configFor(t.world));
});

describe('rotate --local', () => {
  it('rotates every configured target in-process, without invoking the function, and exits 0', async () => {
    const before = ids.map((id) => t.world.connection(id).etag);

    const result = await t.cli(['rotate', '--local', '--json']);

    expect(result.code).toBe(0);
    const report = result.json();
    expect(report).toMatchObject({ ok: true, mode: 'local', rotated: 3, failed: 0 });
    expect(report.function).toBeUndefined();
    for (const row of report.results)
      expect(row).toMatchObject({ status: 'rotated', etag: t.world.connection(row.connectionId).etag });
    for (const [index, id] of ids.entries()) expect(t.world.connection(id).etag).not.toBe(before[index]);
    expect(t.lambda.invocations).toHaveLength(0);
    // The function's own JSON log lines were captured, not mixed into the CLI's output.
    expect(result.stdout).not.toContain('"level"');
    expect(findSecrets(result.stdout + result.stderr, t.world.secretValues())).toEqual([]);
  });

  it('exits 1 when a connection fails, with one row per connection from the summary', async () => {
    t.world.emulators.flowService.injectFault(patchRefusal(ids[0]!, '1416-400', NOT_UPDATABLE_STATE));

    const result = await t.cli(['rotate', '--local', '--json']);

    expect(result.code).toBe(1);
    const rows = result.json().results;
    expect(rows.map((row: { connectionId: string }) => row.connectionId)).toEqual(ids);
    expect(rows[0]).toMatchObject({ status: 'failed', errorCode: '1416-400', attempts: 1 });
    expect(rows[0].error).toContain(NOT_UPDATABLE_STATE);
    expect(rows.slice(1)).toEqual([
      expect.objectContaining({ status: 'rotated' }),
      expect.objectContaining({ status: 'rotated' }),
    ]);
  });

  it('with --dry-run changes nothing', async () => {
    const before = t.world.connection(ids[1]!).etag;

    const result = await t.cli(['rotate', '--local', '--dry-run', '--connection', ids[1]!, '--json']);

    expect(result.code).toBe(0);
    expect(result.json().results).toEqual([expect.objectContaining({ connectionId: ids[1], status: 'dry-run' })]);
    expect(t.world.connection(ids[1]!).etag).toBe(before);
  });

  it("with --verbose copies the function's log lines to stderr", async () => {
    const result = await t.cli(['rotate', '--local', '--verbose', '--connection', ids[2]!, '--json']);

    expect(result.code).toBe(0);
    const logLines = result.stderr.split('\n').filter((line) => line.startsWith('{"level"'));
    expect(logLines.some((line) => line.includes('"message":"connection rotated"') && line.includes(ids[2]!))).toBe(
      true,
    );
    expect(findSecrets(result.stderr, t.world.secretValues())).toEqual([]);
  });

  it('refuses a connection that is not a configured target (exit 2)', async () => {
    const unknown = randomUUID();

    const result = await t.cli(['rotate', '--local', '--connection', unknown]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `aep-s3-rotator: ${unknown} is not a target in the local configuration; nothing was rotated.\n`,
    );
  });

  it('refuses targets whose role the stack creates, which trust only the function role (exit 2)', async () => {
    const created = randomUUID();
    t.writeConfig({
      targets: [
        ...(t.config.targets as object[]),
        { connectionId: created, sandboxName: 'prod', createRole: { bucketName: 'acme-landing' } },
      ],
    });

    const result = await t.cli(['rotate', '--local']);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `aep-s3-rotator: --local cannot rotate ${created}: the stack creates its role, which trusts only the ` +
        "deployed function's role; rotate without --local (through the function), or pass --connection for the " +
        'other targets.\n',
    );
  });

  it('says there are no AWS credentials (exit 3)', async () => {
    const restore = t.env(NO_AWS_CREDENTIALS);
    try {
      const result = await t.cli(['rotate', '--local']);

      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/^aep-s3-rotator: No AWS credentials were found: .*\n$/);
      expect(result.stderr).not.toMatch(STACK_TRACE);
    } finally {
      restore();
    }
  });

  it('explains an invalid configuration and exits 1', async () => {
    t.writeConfig({ schedule: 'rate(2 hours)' });

    const result = await t.cli(['rotate', '--local']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('  - schedule: "rate(2 hours)"');
    expect(result.stderr).toContain('`npx aep-s3-rotator check-config` explains each problem');
  });

  it('reads the Adobe secret from the stack output when the configuration lets the stack create it', async () => {
    const { adobeCredentialsSecret: _omitted, ...withoutSecret } = configFor(t.world);
    t.config = withoutSecret;
    t.writeConfig({});

    const result = await t.cli(['rotate', '--local', '--connection', ids[0]!, '--json']);

    expect(result.code).toBe(0);
    expect(t.cloudFormation.requests.at(-1)!.action).toBe('DescribeStacks');
  });
});

describe('rotate --local with narrowed targets', () => {
  let narrowed: CliWorld;
  beforeAll(async () => {
    narrowed = await startCliWorld({
      connections: [
        { sandboxName: 'prod', bucketName: 'acme-aep-landing', folderPath: 'crm/daily' },
        { sandboxName: 'dev', method: 'get-federation-token', bucketName: 'acme-dev-ingest' },
      ],
    });
  });
  afterAll(() => narrowed.close());

  it("carries each target's method, bucket and folder to the function, which narrows what it pushes", async () => {
    const { world } = narrowed;

    const result = await narrowed.cli(['rotate', '--local', '--json']);

    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ rotated: 2, failed: 0 });
    const [chained, federated] = world.connectionIds.map((id) => world.connection(id).params.s3AccessKey!);
    const policyOf = (key: string) =>
      JSON.parse(world.emulators.sts.policyOf(key)!) as { Statement: Array<{ Resource: string }> };
    expect(policyOf(chained!).Statement[0]!.Resource).toBe('arn:aws:s3:::acme-aep-landing/crm/daily/*');
    expect(policyOf(federated!).Statement[0]!.Resource).toBe('arn:aws:s3:::acme-dev-ingest/*');
    await expect(world.callerIdentityOf(world.connectionIds[1]!)).resolves.toMatch(
      /^arn:aws:sts::123456789012:federated-user\/aep-[0-9a-f]{28}$/,
    );
  });
});
