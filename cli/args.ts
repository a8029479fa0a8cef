/**
 * Parsing a command line against the command surface (cli/command-specs.ts) with `node:util`
 * parseArgs' tokens. A mistake on the command line becomes a {@link UsageError} (exit 2).
 */
import { parseArgs } from 'node:util';
import leven from 'leven';
import { CONNECTION_ID } from '../core/contract.js';
import { closestName } from '../lib/config/config.js';
import { UsageError } from './errors.js';
import { COMMANDS, RUN, type CommandName } from './command-specs.js';

export { commandHelp, programHelp } from './command-help.js';
export { COMMANDS, PROGRAM, RUN, shellWord, type CommandName } from './command-specs.js';

/** Parsed options (every command's options are a subset of these). */
export interface CommandOptions {
  readonly connection?: string[];
  /** `discover`, `probe`: sandboxes named on the command line. */
  readonly sandbox?: string[];
  /** `probe`: where to write the recording. */
  readonly record?: string;
  readonly 'dry-run'?: boolean;
  readonly probe?: boolean;
  readonly reason?: string;
  readonly for?: string;
  readonly until?: string;
  readonly force?: boolean;
  readonly alarm?: string;
  readonly function?: string;
  readonly stack?: string;
  readonly local?: boolean;
  readonly config?: string;
  readonly verbose?: boolean;
  readonly json?: boolean;
  readonly help?: boolean;
}

export type ParsedCommandLine =
  | { readonly kind: 'help'; readonly command?: CommandName }
  | { readonly kind: 'version' }
  | { readonly kind: 'command'; readonly command: CommandName; readonly options: CommandOptions };

function isCommand(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}

/** Parse `argv` (without node and the script). Throws {@link UsageError}. */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') return { kind: 'help' };
  if (first === '--version') return { kind: 'version' };
  if (first === 'help') {
    if (rest[0] !== undefined && !isCommand(rest[0])) throw unknownCommand(rest[0]);
    return { kind: 'help', command: rest[0] as CommandName | undefined };
  }
  if (!isCommand(first)) throw unknownCommand(first);

  const values = parseOptions(first, rest);
  if (values.help) return { kind: 'help', command: first };
  // `--function=` or `--config ""`: an empty string is a value to parseArgs.
  for (const [name, value] of Object.entries(values)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === '')
        throw new UsageError(`--${name} needs a value; it got an empty one (see \`${RUN} ${first} --help\`).`);
    }
  }
  return { kind: 'command', command: first, options: values };
}

function unknownCommand(name: string): UsageError {
  const commands = Object.keys(COMMANDS);
  const meant = name.startsWith('-') ? undefined : closestName(name, commands);
  const hint = name.startsWith('-')
    ? `"${name}" must come after a command`
    : `Unknown command "${name}"${meant ? ` (did you mean ${meant}?)` : ''}`;
  return new UsageError(`${hint}; the commands are ${commands.join(', ')} (see \`${RUN} --help\`).`);
}

/**
 * A command's options, read with parseArgs' tokens (`strict: false`) and checked here, so each
 * mistake is told from the token itself, in this tool's words, with the option the person probably
 * meant. A message that says all there is to say ends with a full stop; the others get a pointer to --help.
 * @throws UsageError
 */
function parseOptions(command: CommandName, args: readonly string[]): CommandOptions {
  const spec = COMMANDS[command];
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([name, option]) => [
      name,
      { type: option.type, ...(option.multiple ? { multiple: true } : {}), ...(name === 'help' ? { short: 'h' } : {}) },
    ]),
  );
  const { values, tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const usage = (described: string) =>
    new UsageError(described.endsWith('.') ? described : `${described}; see \`${RUN} ${command} --help\`.`);
  for (const token of tokens) {
    if (token.kind === 'positional')
      throw usage(`Unexpected argument "${token.value}" (options take the form --name value)`);
    if (token.kind !== 'option') continue;
    const option = Object.hasOwn(spec.options, token.name) ? spec.options[token.name] : undefined;
    if (!option) throw usage(unknownOption(token.rawName, token.name, command));
    // A flag given a value (`--dry-run=yes`).
    if (option.type === 'boolean' && token.inlineValue)
      throw usage(`${token.rawName} takes no value; use ${token.rawName}.`);
    // An option that needs a value given none, or given the next option (`--config --json`).
    if (
      option.type === 'string' &&
      (token.value === undefined || (!token.inlineValue && token.value.startsWith('-')))
    ) {
      throw usage(`Option ${token.rawName} needs a value`);
    }
  }
  return values as CommandOptions;
}

/** `Unknown option --dryrun (did you mean --dry-run?)`, or which command the option belongs to. */
function unknownOption(rawName: string, name: string, command: CommandName): string {
  const meant = closestName(name, Object.keys(COMMANDS[command].options));
  if (meant) return `Unknown option ${rawName} (did you mean --${meant}?)`;
  const elsewhere = Object.entries(COMMANDS).find(([, spec]) => Object.hasOwn(spec.options, name))?.[0];
  return `Unknown option ${rawName}${elsewhere ? ` (it is an option of ${elsewhere}, not ${command})` : ''}`;
}

/**
 * `--connection` ids that are not targets, as one phrase: `<id> is not a configured target (did
 * you mean <target>?)` where a target's id differs by a character or two (a typo).
 */
export function notTargets(unknown: readonly string[], targetIds: readonly string[]): string {
  return (
    `${namedIds(unknown, targetIds)} ` +
    `${unknown.length === 1 ? 'is not a configured target' : 'are not configured targets'}`
  );
}

/**
 * The ids, comma-separated, each followed by `(did you mean <target>?)` where a target's id differs by a character or
 * two.
 */
export function namedIds(unknown: readonly string[], targetIds: readonly string[]): string {
  return unknown
    .map((id) => {
      const meant = closestName(
        id.toLowerCase(),
        targetIds.map((target) => target.toLowerCase()),
      );
      return meant && leven(id.toLowerCase(), meant) <= 2
        ? `${id} (did you mean ${targetIds.find((target) => target.toLowerCase() === meant)}?)`
        : id;
    })
    .join(', ');
}

/** `--connection` values, checked: uuids, each once. */
export function connectionIdsOf(options: CommandOptions): string[] | undefined {
  const ids = options.connection;
  if (!ids || ids.length === 0) return undefined;
  const seen = new Set<string>();
  for (const id of ids) {
    if (!CONNECTION_ID.test(id))
      throw new UsageError(
        `--connection "${id}" is not a Flow Service connection id (a uuid like 4cb0c374-d3bb-4557-b139-5712880adc55).`,
      );
    if (seen.has(id.toLowerCase())) throw new UsageError(`--connection ${id} is given more than once.`);
    seen.add(id.toLowerCase());
  }
  return ids;
}
