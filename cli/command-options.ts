/**
 * The options, exit codes and words several commands share (cli/command-specs.ts), defined once so
 * that every command's `--help` says them the same way.
 */

/** One option of a command. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  /** Placeholder shown in help, e.g. `<id>`. */
  readonly value?: string;
  readonly description: string;
}

/** One command: its help text, options, exit codes and examples. */
export interface CommandSpec {
  readonly summary: string;
  readonly usage: string;
  readonly description: string;
  readonly options: Record<string, OptionSpec>;
  readonly exitCodes: readonly [number, string][];
  readonly examples: readonly string[];
}

/** `--config`: where the configuration comes from, as the CDK app reads it. */
export const CONFIG_OPTION: OptionSpec = {
  type: 'string',
  value: '<file>',
  description:
    'The rotator configuration as a JSON file. Default: the "rotator" context in ./cdk.json (or the file its ' +
    '"rotatorConfigFile" names), as `cdk synth` reads it.',
};
/** `--stack`: the deployed stack, when the function is not named. */
export const STACK_OPTION: OptionSpec = {
  type: 'string',
  value: '<name>',
  description:
    'The deployed stack whose rotator function to use. Default: "stackName" in the configuration, ' +
    'else AepS3CredentialRotator.',
};
/** Every command that acts on a deployment takes the function alone: it learns the rest from it (cli/discovery.ts). */
export const FUNCTION_OPTION: OptionSpec = {
  type: 'string',
  value: '<name|arn>',
  description:
    'The rotator function (any deployment of the construct); its ledger, schedule, alarms and topics come from its ' +
    'environment and tags.',
};
/** What `--connection` takes. */
const ID_OR_ITS_START = 'a connection id, or a unique start of one (the 8 characters tables print)';
/** `--connection`, repeatable; `what` says what naming one does for the command. */
export const CONNECTION_OPTION = (what: string): OptionSpec => ({
  type: 'string',
  multiple: true,
  value: '<id>',
  description: `${what} (repeat for several): ${ID_OR_ITS_START}.`,
});
/** `--json`: the document instead of the table. */
export const JSON_OPTION: OptionSpec = {
  type: 'boolean',
  description: 'Print JSON (the default when stdout is not a terminal).',
};
/** `-h, --help`. */
export const HELP_OPTION: OptionSpec = { type: 'boolean', description: 'Show this help.' };
/** Exit 3: the AWS side could not be reached or used. */
export const ENVIRONMENT_EXIT: [number, string] = [
  3,
  'environment error: no AWS credentials, stack not deployed, function not found, access denied, service unreachable',
];
/** Exit 2: the command line (or the configuration it names) is wrong. */
export const USAGE_EXIT: [number, string] = [
  2,
  'usage error: unknown option, bad value, a --config file that cannot be read, or a connection that is not a ' +
    'configured target',
];
/** Where a deployment's names come from, said once in each command's help. */
export const FROM_THE_FUNCTION =
  'The function is --function, else the output RotatorFunctionName of the stack (--stack, else "stackName" in the ' +
  'configuration); its ledger table, schedule, alarms and topics come from its environment and the tags the ' +
  'construct sets.';

/** Every command's output switch and `--help`. */
export const OUTPUT_OPTIONS = { json: JSON_OPTION, help: HELP_OPTION } as const satisfies Record<string, OptionSpec>;
/** The options of a command that acts on a deployment: which one, the configuration, and the output. */
export const DEPLOYMENT_OPTIONS = {
  function: FUNCTION_OPTION,
  stack: STACK_OPTION,
  config: CONFIG_OPTION,
  ...OUTPUT_OPTIONS,
} as const satisfies Record<string, OptionSpec>;
/** {@link DEPLOYMENT_OPTIONS} as a usage line shows them. */
export const DEPLOYMENT_USAGE = '[--function <name|arn> | --stack <name>] [--config <file>] [--json]';
