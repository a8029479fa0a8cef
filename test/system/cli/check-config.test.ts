/**
 * `check-config`: the CDK app's own parser, then the stack synth builds, in-process and offline,
 * with every problem named by its field.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { synthesized } from '../../../cli/commands/check-config.js';
import { parseRotatorConfig } from '../../../lib/config/config.js';
import { NARROWED, UNCHECKED_NOTE, VALID, scratchProject } from './check-config-project.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const project = scratchProject();

describe('check-config', () => {
  it('refuses what only synth tells: created roles with no fixed name once targets go to a bundled file', async () => {
    const many = Array.from({ length: 40 }, (_, n) => ({
      connectionId: `${String(n).padStart(8, '0')}-1111-4111-8111-111111111111`,
      sandboxName: 'prod',
      roleArn: `arn:aws:iam::123456789012:role/reader-${n}`,
      bucketName: 'acme-aep-landing',
      folderPath: `feeds/${n}`,
    }));
    project.writeCdkJson({ ...VALID, targets: [...many, VALID.targets[0]] });

    const result = await project.cli(['check-config', '--json']);

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
    project.writeCdkJson(NARROWED);

    const result = await project.cli(['check-config'], { tty: true });

    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      'Configuration is valid: stack AepS3RotatorProd, 2 targets (1 assume-role-chained, 1 get-federation-token), ' +
        'schedule rate(15 minutes) (every 15m), shortest credential lifetime 1h00m.',
      expect.stringContaining(UNCHECKED_NOTE),
      '',
    ]);
  });

  it('warns, still exiting 0, about each target whose credentials give Adobe more than its bucket', async () => {
    project.writeCdkJson({
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

    const result = await project.cli(['check-config'], { tty: true });

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
    project.writeCdkJson(VALID);
    const warned = JSON.parse((await project.cli(['check-config', '--json'])).stdout);
    project.writeCdkJson(NARROWED);
    const narrowed = JSON.parse((await project.cli(['check-config', '--json'])).stdout);

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

  it('refuses bucketName on GetSessionToken, naming the field and suggesting get-federation-token', async () => {
    project.writeCdkJson({ ...VALID, targets: [VALID.targets[0], { ...VALID.targets[1], bucketName: 'acme-dev' }] });

    const result = await project.cli(['check-config', '--json']);

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
    project.writeCdkJson({
      ...VALID,
      schedule: 'rate(45 minutes)',
      concurrency: 0,
      targets: [
        { ...VALID.targets[0], sandboxName: 'Prod' },
        { ...VALID.targets[1], durationSeconds: 200_000 },
        { sandboxName: 'dev' },
      ],
    });

    const result = await project.cli(['check-config'], { tty: true });

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

  it('prints problems as JSON with field and message', async () => {
    project.writeCdkJson({ ...VALID, targets: [{ ...VALID.targets[0], durationSeconds: 7200 }] });

    const result = await project.cli(['check-config', '--json']);

    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.valid).toBe(false);
    expect(report.problems).toContainEqual({
      field: 'targets[0].durationSeconds',
      message: expect.stringContaining('7200'),
    });
  });

  it('reads --config <file> relative to the working directory', async () => {
    writeFileSync(join(project.dir, 'prod.json'), JSON.stringify(VALID));

    const result = await project.cli(['check-config', '--config', 'prod.json', '--json']);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: true,
      stackName: 'AepS3RotatorProd',
      targets: 2,
      scheduleIntervalSeconds: 900,
    });
  });

  it('follows the rotatorConfigFile context key, as the CDK app does', async () => {
    writeFileSync(join(project.dir, 'staging.json'), JSON.stringify({ ...VALID, stackName: 'Staging' }));
    writeFileSync(join(project.dir, 'cdk.json'), JSON.stringify({ context: { rotatorConfigFile: 'staging.json' } }));

    const result = await project.cli(['check-config', '--json']);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).stackName).toBe('Staging');
  });

  it('reports no cdk.json as a problem (exit 1)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'aep-s3-rotator-empty-'));
    try {
      const result = await project.cli(['check-config'], { cwd: empty, tty: true });

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
      const result = await project.cli([command, '--config', 'nope.json', ...extra]);

      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `aep-s3-rotator: --config "nope.json": there is no such file in ${project.dir}; pass the path of a JSON file ` +
          'holding the rotator configuration.\n',
      );
    },
  );

  it.each([
    [
      'cdk.json',
      () =>
        writeFileSync(
          join(project.dir, 'cdk.json'),
          '{\n  "app": "npx tsx bin/app.ts",\n  "context": {\n    "rotator": { "stackName": }\n  }\n}\n',
        ),
      [],
      { field: 'cdk.json:4:31', message: "is not valid JSON (Unexpected token '}')" },
    ],
    [
      'a --config file',
      () =>
        writeFileSync(
          join(project.dir, 'broken.json'),
          '{\n  "stackName": "A",\n  "schedule": "rate(15 minutes)"\n  "targets": []\n}\n',
        ),
      ['--config', 'broken.json'],
      { field: '--config', message: "broken.json:4:3: is not valid JSON (Expected ',' or '}' after property value)" },
    ],
    [
      'the file rotatorConfigFile names',
      () => {
        writeFileSync(
          join(project.dir, 'cdk.json'),
          JSON.stringify({ context: { rotatorConfigFile: 'config/prod.json' } }),
        );
        mkdirSync(join(project.dir, 'config'), { recursive: true });
        writeFileSync(
          join(project.dir, 'config', 'prod.json'),
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

    const json = await project.cli(['check-config', ...extra, '--json']);
    const table = await project.cli(['check-config', ...extra], { tty: true });

    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).problems).toEqual([problem]);
    expect(table.code).toBe(1);
    expect(table.stdout).toContain(`\n  ${problem.field}: ${problem.message}\n`);
  });

  it("accepts the project's own cdk.json", async () => {
    const result = await project.cli(['check-config', '--json'], { cwd: PROJECT_ROOT });

    expect(result.code).toBe(0);
  });
});
