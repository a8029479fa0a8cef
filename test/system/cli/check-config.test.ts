/**
 * `check-config`: the CDK app's own parser, then the stack synth builds, in-process and offline,
 * with every problem named by its field.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesized } from '../../../cli/commands/check-config.js';
import { run } from '../../../cli/main.js';
import { parseRotatorConfig } from '../../../lib/config/config.js';
import { PLAIN } from '../../support/index.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
let dir: string;

const VALID = {
  stackName: 'AepS3RotatorProd',
  schedule: 'rate(15 minutes)',
  adobeCredentialsSecret: 'aep-s3-rotator/adobe-credentials',
  // Without it, synth (run from source) warns that alarm descriptions link a path of this checkout.
  runbookUrl: 'https://wiki.example.com/aep-rotator/runbook',
  targets: [
    {
      connectionId: '4cb0c374-d3bb-4557-b139-5712880adc55',
      sandboxName: 'prod',
      createRole: { bucketName: 'acme-aep-landing', bucketAccount: '123456789012' },
    },
    {
      connectionId: 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6',
      sandboxName: 'dev',
      userCredentialsSecret: 'aep-s3-rotator/dev-user',
      durationSeconds: 3600,
    },
  ],
};

/** VALID with its GetSessionToken target narrowed: GetFederationToken on one bucket. */
const NARROWED = {
  ...VALID,
  targets: [
    VALID.targets[0],
    {
      ...VALID.targets[1],
      method: 'get-federation-token',
      bucketName: 'acme-dev-ingest',
      folderPath: 'exports',
      bucketAccount: '123456789012',
    },
  ],
};

/** What check-config says where it cannot ask Secrets Manager about the IAM-user secret (these tests run offline). */
const UNCHECKED_NOTE = 'The resource policies of the IAM-user secrets were not checked: ';

/** Offline and without credentials, whatever the machine has: no profile, no shared files, no instance metadata. */
const HERMETIC = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
} as const;
const saved = Object.fromEntries(Object.keys(HERMETIC).map((name) => [name, process.env[name]]));

async function cli(argv: string[], { cwd = dir, tty = false, env = PLAIN as Record<string, string | undefined> } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: { write: (text: string) => (stdout += text), isTTY: tty },
    stderr: { write: (text: string) => (stderr += text), isTTY: tty },
    cwd,
    now: Date.now,
    env,
  });
  return { code, stdout, stderr };
}

function writeCdkJson(rotator: unknown): void {
  writeFileSync(join(dir, 'cdk.json'), JSON.stringify({ app: 'npx tsx bin/app.ts', context: { rotator } }));
}

function setEnv(values: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aep-s3-rotator-check-'));
  setEnv(HERMETIC);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  setEnv(saved);
});

describe('check-config', () => {
  it('refuses what only synth can tell: created roles without a fixed name once the list must go to a bundled file', async () => {
    const many = Array.from({ length: 40 }, (_, n) => ({
      connectionId: `${String(n).padStart(8, '0')}-1111-4111-8111-111111111111`,
      sandboxName: 'prod',
      roleArn: `arn:aws:iam::123456789012:role/reader-${n}`,
      bucketName: 'acme-aep-landing',
      folderPath: `feeds/${n}`,
    }));
    writeCdkJson({ ...VALID, targets: [...many, VALID.targets[0]] });

    const result = await cli(['check-config', '--json']);

    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      valid: false,
      problems: [
        {
          field: 'targets[40].createRole',
          message: expect.stringContaining('the targets go to a bundled file, which is written at synth'),
        },
      ],
    });
  });

  it('says which check it made: synth where aws-cdk-lib is installed, the rules alone where it is not', async () => {
    const config = parseRotatorConfig(NARROWED);

    expect(await synthesized(config)).toEqual({ problems: [], warnings: [] });
    expect(
      await synthesized(config, () => {
        throw Object.assign(new Error('not found'), { code: 'MODULE_NOT_FOUND' });
      }),
    ).toBeUndefined();
  });

  it('accepts a valid cdk.json context with a one-line summary, and exits 0', async () => {
    writeCdkJson(NARROWED);

    const result = await cli(['check-config'], { tty: true });

    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      'Configuration is valid: stack AepS3RotatorProd, 2 targets (1 assume-role-chained, 1 get-federation-token), ' +
        'schedule rate(15 minutes) (every 15m), shortest credential lifetime 1h00m.',
      expect.stringContaining(UNCHECKED_NOTE),
      '',
    ]);
  });

  it('warns, still exiting 0, about each target whose credentials give Adobe more than its bucket', async () => {
    writeCdkJson({
      ...VALID,
      targets: [
        ...VALID.targets,
        {
          connectionId: '9e0f2c1a-7b3d-4e5f-8a6b-1c2d3e4f5a6b',
          sandboxName: 'prod',
          roleArn: 'arn:aws:iam::123456789012:role/aep-reader',
        },
      ],
    });

    const result = await cli(['check-config'], { tty: true });

    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').slice(1)).toEqual([
      'WARNING: targets[1]: connection d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6: GetSessionToken credentials cannot be ' +
        'narrowed, so Adobe receives everything this IAM user allows; use "method": "get-federation-token" with ' +
        'bucketName (and folderPath): the same keys, narrowed to what Adobe reads.',
      'WARNING: targets[2]: connection 9e0f2c1a-7b3d-4e5f-8a6b-1c2d3e4f5a6b: Adobe receives everything this role ' +
        'allows; add bucketName (and folderPath) so its credentials are narrowed to what Adobe reads.',
      expect.stringContaining(UNCHECKED_NOTE),
      '',
    ]);
  });

  it('lists the warnings in its JSON, with field and message, and none for a narrowed configuration', async () => {
    writeCdkJson(VALID);
    const warned = JSON.parse((await cli(['check-config', '--json'])).stdout);
    writeCdkJson(NARROWED);
    const narrowed = JSON.parse((await cli(['check-config', '--json'])).stdout);

    expect(warned).toMatchObject({
      valid: true,
      warnings: [
        { field: 'targets[1]', message: expect.stringContaining('GetSessionToken credentials cannot be narrowed') },
      ],
    });
    expect(narrowed).toMatchObject({
      valid: true,
      warnings: [],
      methods: { 'assume-role-chained': 1, 'get-federation-token': 1 },
    });
    // What it could not check, said apart from the warnings.
    expect(narrowed.notes).toEqual([expect.stringContaining(UNCHECKED_NOTE)]);
  });

  it('refuses bucketName on a GetSessionToken target, naming the field and suggesting get-federation-token', async () => {
    writeCdkJson({ ...VALID, targets: [VALID.targets[0], { ...VALID.targets[1], bucketName: 'acme-dev' }] });

    const result = await cli(['check-config', '--json']);

    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).problems).toEqual([
      {
        field: 'targets[1].bucketName',
        message:
          'GetSessionToken takes no session policy, so its credentials cannot be narrowed to a bucket; ' +
          'add "method": "get-federation-token" (the same IAM-user keys, narrowed to bucketName and folderPath)',
      },
    ]);
  });

  it('prints each problem with its field, and exits 1', async () => {
    writeCdkJson({
      ...VALID,
      schedule: 'rate(45 minutes)',
      concurrency: 0,
      targets: [
        { ...VALID.targets[0], sandboxName: 'Prod' },
        { ...VALID.targets[1], durationSeconds: 200_000 },
        { sandboxName: 'dev' },
      ],
    });

    const result = await cli(['check-config'], { tty: true });

    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('Invalid rotator configuration (cdk.json context "rotator"):');
    const fields = lines
      .slice(1)
      .filter((line) => line.startsWith('  '))
      .map((line) => line.trim().split(': ')[0]);
    expect(fields).toEqual(
      expect.arrayContaining([
        'concurrency',
        'targets[0].sandboxName',
        'targets[1].durationSeconds',
        'targets[2].connectionId',
      ]),
    );
    expect(result.stdout).toMatch(/\d+ problems; `npx cdk synth` would refuse this configuration\.\n$/);
  });

  it.each([
    ['stackName', { stackName: '1st-stack' }, '"1st-stack"'],
    ['account', { account: '12345' }, '"12345"'],
    ['region', { region: 'Frankfurt' }, '"Frankfurt"'],
    ['concurrency', { concurrency: 0 }, '0'],
    ['concurrency', { concurrency: 65 }, '65'],
    ['logRetentionDays', { logRetentionDays: 10 }, '10'],
    ['alarmEmail', { alarmEmail: 'ops' }, '"ops"'],
    ['alarmTopicArn', { alarmTopicArn: 'ops-alarms' }, '"ops-alarms"'],
    ['reserveConcurrency', { reserveConcurrency: 'yes' }, '"yes"'],
    ['functionRoleName', { functionRoleName: 'a role' }, '"a role"'],
    ['targets[0].connectionId', { targets: [{ ...VALID.targets[0], connectionId: 'conn-1' }] }, '"conn-1"'],
    ['targets[0].roleArn', { targets: [{ ...VALID.targets[1], roleArn: 'aep-reader' }] }, '"aep-reader"'],
    [
      'targets[0].externalId',
      { targets: [{ ...VALID.targets[1], roleArn: 'arn:aws:iam::123456789012:role/r', externalId: 'x' }] },
      '"x"',
    ],
    ['targets[0].durationSeconds', { targets: [{ ...VALID.targets[1], durationSeconds: 3600.5 }] }, '3600.5'],
    [
      'targets[0].createRole.roleName',
      { targets: [{ ...VALID.targets[0], createRole: { bucketName: 'acme-landing', roleName: 'a role' } }] },
      '"a role"',
    ],
  ])('shows the value it got in a problem with %s', async (field, change, shown) => {
    writeCdkJson({ ...VALID, ...change });

    const { problems } = JSON.parse((await cli(['check-config', '--json'])).stdout);

    expect(problems).toContainEqual({ field, message: expect.stringContaining(shown) });
  });

  it.each([
    [
      'a sandbox name in capitals',
      { targets: [{ ...VALID.targets[0], sandboxName: 'EMEA-Stage' }] },
      'targets[0].sandboxName',
      '; got "EMEA-Stage" (did you mean "emea-stage"?)',
    ],
    ['a region in capitals', { region: 'EU-WEST-1' }, 'region', '; got "EU-WEST-1" (did you mean "eu-west-1"?)'],
    [
      'a misspelt target field',
      { targets: [{ ...VALID.targets[1], durationSecond: 3600 }] },
      'targets[0]',
      'unknown field(s) durationSecond (did you mean durationSeconds?); allowed: ',
    ],
    [
      'a misspelt top-level key',
      { schedul: 'rate(15 minutes)' },
      '(top level)',
      'unknown field(s) schedul (did you mean schedule?)',
    ],
    [
      'a key in the wrong case',
      { Region: 'eu-west-1' },
      '(top level)',
      'unknown field(s) Region (did you mean region?)',
    ],
    [
      'a createRole field',
      { targets: [{ ...VALID.targets[0], createRole: { bucketName: 'acme-landing', foldrPath: 'crm' } }] },
      'targets[0].createRole',
      'unknown field(s) foldrPath (did you mean folderPath?)',
    ],
    [
      'a method with an underscore',
      { targets: [{ ...VALID.targets[1], method: 'get_federation_token', bucketName: 'acme-dev' }] },
      'targets[0].method',
      '; did you mean "get-federation-token"?',
    ],
    ['a number in quotes', { concurrency: '8' }, 'concurrency', '; got "8" (did you mean 8, without quotes?)'],
    [
      'a boolean in quotes',
      { reserveConcurrency: 'false' },
      'reserveConcurrency',
      '; got "false" (did you mean false, without quotes?)',
    ],
  ])('suggests what was meant for %s', async (_case, change, field, hint) => {
    writeCdkJson({ ...VALID, ...change });

    const result = await cli(['check-config'], { tty: true });

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`  ${field}: `);
    expect(result.stdout.split('\n').find((line) => line.startsWith(`  ${field}: `))).toContain(hint);
  });

  it('does not suggest anything for a name that is not close to a known one', async () => {
    writeCdkJson({ ...VALID, frobnicate: 1 });

    const result = await cli(['check-config', '--json']);

    expect(JSON.parse(result.stdout).problems).toEqual([
      { field: '(top level)', message: expect.stringMatching(/^unknown field\(s\) frobnicate; allowed: stackName, /) },
    ]);
  });

  it('shows only the start of what may be a secret pasted where its name belongs', async () => {
    const pasted = JSON.stringify({ clientId: 'abc', clientSecret: 'p8e-Sup3rS3cretClientSecretValue' });
    writeCdkJson({ ...VALID, adobeCredentialsSecret: pasted });

    const result = await cli(['check-config', '--json']);

    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).problems).toEqual([
      {
        field: 'adobeCredentialsSecret.secretId',
        message: expect.stringMatching(
          new RegExp(
            `; got "\\{"cl…" \\(${pasted.length} characters, not shown in full in case it is a secret rather than ` +
              'its name\\)$',
          ),
        ),
      },
    ]);
    expect(result.stdout).not.toContain('Sup3rS3cret');
  });

  it('prints problems as JSON with field and message', async () => {
    writeCdkJson({ ...VALID, targets: [{ ...VALID.targets[0], durationSeconds: 7200 }] });

    const result = await cli(['check-config', '--json']);

    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.valid).toBe(false);
    expect(report.problems).toContainEqual({
      field: 'targets[0].durationSeconds',
      message: expect.stringContaining('7200'),
    });
  });

  it('reads --config <file> relative to the working directory', async () => {
    writeFileSync(join(dir, 'prod.json'), JSON.stringify(VALID));

    const result = await cli(['check-config', '--config', 'prod.json', '--json']);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: true,
      stackName: 'AepS3RotatorProd',
      targets: 2,
      scheduleIntervalSeconds: 900,
    });
  });

  it('follows the rotatorConfigFile context key, as the CDK app does', async () => {
    writeFileSync(join(dir, 'staging.json'), JSON.stringify({ ...VALID, stackName: 'Staging' }));
    writeFileSync(join(dir, 'cdk.json'), JSON.stringify({ context: { rotatorConfigFile: 'staging.json' } }));

    const result = await cli(['check-config', '--json']);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).stackName).toBe('Staging');
  });

  it('reports no cdk.json as a problem (exit 1)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'aep-s3-rotator-empty-'));
    try {
      const result = await cli(['check-config'], { cwd: empty, tty: true });

      expect(result.code).toBe(1);
      expect(result.stdout).toContain('cdk.json: there is none in');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it.each([
    ['check-config', []],
    ['check-config', ['--json']],
    ['status', []],
    ['rotate', []],
    ['rotate', ['--local']],
  ])(
    '%s %j with a --config file that does not exist is a usage error naming the file (exit 2)',
    async (command, extra) => {
      const result = await cli([command, '--config', 'nope.json', ...extra]);

      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `aep-s3-rotator: --config "nope.json": there is no such file in ${dir}; pass the path of a JSON file ` +
          'holding the rotator configuration.\n',
      );
    },
  );

  it.each([
    [
      'cdk.json',
      () =>
        writeFileSync(
          join(dir, 'cdk.json'),
          '{\n  "app": "npx tsx bin/app.ts",\n  "context": {\n    "rotator": { "stackName": }\n  }\n}\n',
        ),
      [],
      { field: 'cdk.json:4:31', message: "is not valid JSON (Unexpected token '}')" },
    ],
    [
      'a --config file',
      () =>
        writeFileSync(
          join(dir, 'broken.json'),
          '{\n  "stackName": "A",\n  "schedule": "rate(15 minutes)"\n  "targets": []\n}\n',
        ),
      ['--config', 'broken.json'],
      { field: '--config', message: "broken.json:4:3: is not valid JSON (Expected ',' or '}' after property value)" },
    ],
    [
      'the file rotatorConfigFile names',
      () => {
        writeFileSync(join(dir, 'cdk.json'), JSON.stringify({ context: { rotatorConfigFile: 'config/prod.json' } }));
        mkdirSync(join(dir, 'config'), { recursive: true });
        writeFileSync(
          join(dir, 'config', 'prod.json'),
          '{\n  "stackName": "A",\n  "targets": [\n    { "connectionId": "x", },\n  ]\n}\n',
        );
      },
      [],
      {
        field: 'rotatorConfigFile',
        message: 'config/prod.json:4:28: is not valid JSON (Expected double-quoted property name)',
      },
    ],
  ])('reports where %s stops being JSON, as file:line:column (exit 1)', async (_case, write, extra, problem) => {
    write();

    const json = await cli(['check-config', ...extra, '--json']);
    const table = await cli(['check-config', ...extra], { tty: true });

    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).problems).toEqual([problem]);
    expect(table.code).toBe(1);
    expect(table.stdout).toContain(`\n  ${problem.field}: ${problem.message}\n`);
  });

  it("accepts the project's own cdk.json", async () => {
    const result = await cli(['check-config', '--json'], { cwd: PROJECT_ROOT });

    expect(result.code).toBe(0);
  });
});
