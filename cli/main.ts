/**
 * `aep-s3-rotator`: the operator's command line for the AEP S3 credential rotator.
 *
 * {@link run} is the whole program as a function of its arguments and {@link Io}, so tests drive
 * it in-process; {@link main} wires it to the real process. Every error a person can cause ends
 * as one sentence on stderr and an exit code (see `--help`), never a stack trace.
 */
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { commandHelp, parseCommandLine, PROGRAM, programHelp, type CommandName, type CommandOptions } from './args.js';
import { checkConfigCommand } from './commands/check-config.js';
import { discoverCommand } from './commands/discover.js';
import { historyCommand } from './commands/history.js';
import { pauseCommand, resumeCommand } from './commands/pause.js';
import { probeCommand } from './commands/probe.js';
import { rotateCommand } from './commands/rotate.js';
import { revokeCommand } from './commands/revoke.js';
import { rotateAdobeSecretCommand } from './commands/rotate-adobe-secret.js';
import { statusCommand } from './commands/status.js';
import { testAlarmCommand } from './commands/test-alarm.js';
import { CliError, describeAwsError, EXIT } from './errors.js';
import { painterFor, type Io } from './output.js';

export type { Io } from './output.js';
export { EXIT } from './errors.js';

const COMMAND_RUNNERS: Record<CommandName, (options: CommandOptions, io: Io) => Promise<number>> = {
  rotate: rotateCommand,
  status: statusCommand,
  pause: pauseCommand,
  resume: resumeCommand,
  history: historyCommand,
  revoke: revokeCommand,
  'check-config': checkConfigCommand,
  'test-alarm': testAlarmCommand,
  'rotate-adobe-secret': rotateAdobeSecretCommand,
  discover: discoverCommand,
  probe: probeCommand,
};

/** Run the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  try {
    const parsed = parseCommandLine(argv);
    if (parsed.kind === 'help') {
      io.stdout.write(`${parsed.command ? commandHelp(parsed.command) : programHelp()}\n`);
      return EXIT.OK;
    }
    if (parsed.kind === 'version') {
      io.stdout.write(`${version()}\n`);
      return EXIT.OK;
    }
    return await COMMAND_RUNNERS[parsed.command](parsed.options, io);
  } catch (error) {
    const known = error instanceof CliError ? error : describeAwsError(error, 'reach AWS');
    const prefix = painterFor(io, 'stderr')(`${PROGRAM}:`, 'failure');
    if (known) {
      io.stderr.write(`${prefix} ${known.message}\n`);
      return known.exitCode;
    }
    // A bug, not a mistake: still one line, with the error's name, for the report.
    io.stderr.write(
      `${prefix} unexpected error (${(error as Error)?.name ?? 'Error'}): ` +
        `${(error as Error)?.message ?? String(error)}\n`,
    );
    return EXIT.FAILED;
  }
}

function version(): string {
  // cli/main.ts in the project, dist/cli/main.js in the package: package.json is one or two levels up.
  const file = [new URL('../package.json', import.meta.url), new URL('../../package.json', import.meta.url)].find(
    (url) => existsSync(url),
  )!;
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version: string };
  return `${PROGRAM} ${pkg.version}`;
}

/**
 * The real process: argv, stdout/stderr, the cwd and the clock. The write functions are bound
 * now, so the CLI's own output keeps going to the terminal while `rotate --local` captures what
 * the function writes to process.stdout/stderr.
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const io: Io = {
    stdout: { write: (text) => out(text), isTTY: process.stdout.isTTY },
    stderr: { write: (text) => err(text), isTTY: process.stderr.isTTY },
    cwd: process.cwd(),
    now: Date.now,
    env: process.env,
  };
  process.exitCode = await run(argv, io);
}

// `tsx cli/main.ts ...` (npm run rotator): run. Imported (tests, the bin shim): do nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
