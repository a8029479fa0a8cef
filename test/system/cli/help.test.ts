/**
 * `--help`, usage errors, and the real entry points (the bin shim and `tsx cli/main.ts`).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '../../../cli/main.js';
import { STACK_TRACE } from '../../support/index.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../../cli/aep-s3-rotator.mjs', import.meta.url));

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: { write: (text: string) => (stdout += text), isTTY: false },
    stderr: { write: (text: string) => (stderr += text), isTTY: false },
    cwd: PROJECT_ROOT,
    now: Date.now,
    env: {},
  });
  return { code, stdout, stderr };
}

describe('help', () => {
  it.each([[[]], [['--help']], [['-h']], [['help']]])('%j prints the commands and exit codes', async (argv) => {
    const result = await cli(argv);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^aep-s3-rotator: /);
    for (const command of ['rotate', 'status', 'pause', 'resume', 'check-config'])
      expect(result.stdout).toContain(`\n  ${command} `);
    expect(result.stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 /);
  });

  it.each(['rotate', 'status', 'pause', 'resume', 'check-config'])(
    '%s --help shows its usage, options and exit codes',
    async (command) => {
      for (const argv of [
        [command, '--help'],
        [command, '-h'],
        ['help', command],
      ]) {
        const result = await cli(argv);

        expect(result.code).toBe(0);
        expect(result.stdout).toContain(`Usage: npx aep-s3-rotator ${command}`);
        expect(result.stdout).toContain('Options:');
        expect(result.stdout).toContain('Exit codes:\n  0 ');
      }
    },
  );

  it('documents every option rotate accepts', async () => {
    const { stdout } = await cli(['rotate', '--help']);

    for (const option of [
      '--connection <id>',
      '--dry-run',
      '--function <name|arn>',
      '--stack <name>',
      '--local',
      '--config <file>',
      '--verbose',
      '--json',
    ]) {
      expect(stdout).toContain(option);
    }
  });

  it('suggests only commands that can be pasted as they are: npx aep-s3-rotator ...', async () => {
    const outputs = await Promise.all(
      [
        [],
        ['rotate', '--help'],
        ['status', '--help'],
        ['pause', '--help'],
        ['resume', '--help'],
        ['check-config', '--help'],
        ['status', '--bogus'],
        ['frobnicate'],
      ].map(cli),
    );
    const text = outputs.map((result) => result.stdout + result.stderr).join('\n');

    const quoted = [...text.matchAll(/`([^`\n]*)`/g)]
      .map((match) => match[1]!)
      .filter((command) => command.includes('aep-s3-rotator'));
    expect(quoted.length).toBeGreaterThan(3);
    for (const command of quoted) expect(command).toMatch(/^npx aep-s3-rotator /);
    const examples = outputs
      .slice(1, 6)
      .flatMap((result) => result.stdout.split('Examples:\n')[1]!.trimEnd().split('\n'));
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const example of examples) expect(example).toMatch(/^ {2}npx aep-s3-rotator /);
    expect(text).toContain('Usage: npx aep-s3-rotator <command> [options]');
  });

  it('documents --probe on status', async () => {
    const { stdout } = await cli(['status', '--help']);

    expect(stdout).toContain('--probe');
    expect(stdout.replace(/\s+/g, ' ')).toContain(
      'explores each connection with the credentials it holds now (GET /connections/{id}/explore',
    );
  });

  it.each([
    [
      ['frobnicate'],
      'Unknown command "frobnicate"; the commands are rotate, status, pause, resume, history, revoke, discover, ' +
        'probe, check-config',
    ],
    [['status', '--bogus'], 'Unknown option --bogus; see `npx aep-s3-rotator status --help`.'],
    [
      ['rotate', '--dryrun'],
      'Unknown option --dryrun (did you mean --dry-run?); see `npx aep-s3-rotator rotate --help`.',
    ],
    [['rotate', '--Dry-Run'], 'Unknown option --Dry-Run (did you mean --dry-run?)'],
    [
      ['status', '--conection', '4cb0c374-d3bb-4557-b139-5712880adc55'],
      'Unknown option --conection (did you mean --connection?)',
    ],
    [['status', '--dry-run'], 'Unknown option --dry-run (it is an option of rotate, not status)'],
    [['rotate', '--dry-run=yes'], 'aep-s3-rotator: --dry-run takes no value; use --dry-run.\n'],
    [['status', '--json=false'], 'aep-s3-rotator: --json takes no value; use --json.\n'],
    [
      ['rotate', '--function='],
      'aep-s3-rotator: --function needs a value; it got an empty one (see `npx aep-s3-rotator rotate --help`).\n',
    ],
    [['status', '--config', ''], '--config needs a value; it got an empty one'],
    [
      ['stauts'],
      'Unknown command "stauts" (did you mean status?); the commands are rotate, status, pause, resume, history, ' +
        'revoke, discover, probe, check-config',
    ],
    [['rotate', '--function'], 'Option --function needs a value'],
    [['check-config', 'extra'], 'Unexpected argument "extra"'],
    [['--json'], '"--json" must come after a command'],
  ])('%j is a usage error: one line, exit 2', async (argv, message) => {
    const result = await cli(argv);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });
});

describe('entry points', () => {
  const exec = promisify(execFile);

  it('the bin (cli/aep-s3-rotator.mjs) runs the CLI and passes its exit code', async () => {
    const help = await exec(process.execPath, [BIN, 'check-config', '--help'], { cwd: PROJECT_ROOT });
    expect(help.stdout).toContain('Usage: npx aep-s3-rotator check-config');

    const failure = await exec(process.execPath, [BIN, 'check-config', '--config', 'no-such-file.json'], {
      cwd: PROJECT_ROOT,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^aep-s3-rotator: --config "no-such-file.json": there is no such file in /),
    });
  });

  it('colours its error on a terminal unless NO_COLOR, as FORCE_COLOR decides for a pipe', async () => {
    const { NO_COLOR: _no, FORCE_COLOR: _force, ...inherited } = process.env;
    const run = (env: Record<string, string>) =>
      exec(process.execPath, [BIN, 'stauts'], { cwd: PROJECT_ROOT, env: { ...inherited, ...env } }).catch(
        (error: { code: number; stderr: string }) => error,
      );

    const [forced, piped, noColor] = await Promise.all([run({ FORCE_COLOR: '1' }), run({}), run({ NO_COLOR: '1' })]);

    const esc = String.fromCharCode(27);
    expect(forced).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        new RegExp(`^${esc}\\[31m${esc}\\[1maep-s3-rotator:${esc}\\[22m${esc}\\[39m Unknown command "stauts"`),
      ),
    });
    expect(piped).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^aep-s3-rotator: Unknown command "stauts"/),
    });
    expect(noColor).toMatchObject({ code: 2, stderr: expect.stringMatching(/^aep-s3-rotator: /) });
  });

  it('`tsx cli/main.ts` (npm run rotator) runs the CLI', async () => {
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'rotate', '--help'], {
      cwd: PROJECT_ROOT,
    });

    expect(stdout).toContain('Usage: npx aep-s3-rotator rotate');
  });
});
