/** The CLI's `--help`: the program's, and each command's (cli/command-specs.ts holds the words). */
import { ENVIRONMENT_EXIT, USAGE_EXIT } from './command-options.js';
import { COMMANDS, PROGRAM, RUN, type CommandName } from './command-specs.js';
import { wrap } from './output.js';

/** The top-level `--help`. */
export function programHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    `${PROGRAM}: operate the AEP S3 credential rotator (rotate now, dry run, status, pause, history, revoke, ` +
      'config check, Adobe secret rotation, alarm test, S3 connections nobody rotates, recordings of Flow Service).',
    '',
    `Usage: ${RUN} <command> [options]`,
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, spec]) => `  ${name.padEnd(width)}  ${spec.summary}`),
    '',
    `Run \`${RUN} <command> --help\` for a command's options, \`${RUN} --version\` for the version.`,
    'Inside the project, `npm run rotator -- <command>` works as well.',
    '',
    'Output: a table on a terminal; JSON with --json or when stdout is not a terminal.',
    'Colour: on a terminal; off with NO_COLOR=1, forced with FORCE_COLOR=1 (FORCE_COLOR=0: off).',
    'AWS access uses the SDK defaults (AWS_PROFILE, AWS_REGION, AWS_ACCESS_KEY_ID, ...);',
    '"region" in the configuration, when set, wins over AWS_REGION.',
    '',
    exitCodeHelp([
      [0, 'success'],
      [1, 'a connection failed or is at risk, or the configuration is invalid'],
      USAGE_EXIT,
      ENVIRONMENT_EXIT,
    ]),
  ].join('\n');
}

/** One command's `--help`. */
export function commandHelp(name: CommandName): string {
  const spec = COMMANDS[name];
  const flags = Object.entries(spec.options).map(
    ([option, { value }]) => `${option === 'help' ? '-h, ' : '    '}--${option}${value ? ` ${value}` : ''}`,
  );
  const width = Math.max(...flags.map((flag) => flag.length));
  return [
    `${PROGRAM} ${name}: ${spec.summary}`,
    '',
    `Usage: ${spec.usage}`,
    '',
    wrap(spec.description, 100),
    '',
    'Options:',
    ...Object.values(spec.options).map((option, index) => `  ${flags[index]!.padEnd(width)}  ${option.description}`),
    '',
    exitCodeHelp(spec.exitCodes),
    '',
    'Examples:',
    ...spec.examples.map((example) => `  ${example}`),
  ].join('\n');
}

function exitCodeHelp(codes: readonly [number, string][]): string {
  return ['Exit codes:', ...codes.map(([code, meaning]) => `  ${code}  ${meaning}`)].join('\n');
}
