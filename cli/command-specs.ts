/**
 * The command surface: each command's options and its `--help` text. cli/args.ts parses a command
 * line against it.
 */
import { wrap } from './output.js';

export const PROGRAM = 'aep-s3-rotator';
/**
 * How a person runs the CLI from the project directory (the bin is not on PATH unless installed
 * globally): every command it suggests starts with this, so it can be pasted as it is.
 */
export const RUN = `npx ${PROGRAM}`;

/**
 * `value` as one shell word for a command the CLI suggests: as it is when it is plain, else in
 * single quotes, so that a `--config` path with a space or a `$` pastes as it was given.
 * @example shellWord('prod.json') // prod.json
 * @example shellWord('my configs/prod.json') // 'my configs/prod.json'
 */
export function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

export type CommandName = 'rotate' | 'status' | 'pause' | 'resume' | 'check-config' | 'rotate-adobe-secret' | 'test-alarm' | 'discover' | 'probe';

interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  /** Placeholder shown in help, e.g. `<id>`. */
  readonly value?: string;
  readonly description: string;
}

interface CommandSpec {
  readonly summary: string;
  readonly usage: string;
  readonly description: string;
  readonly options: Record<string, OptionSpec>;
  readonly exitCodes: readonly [number, string][];
  readonly examples: readonly string[];
}

const CONFIG_OPTION: OptionSpec = {
  type: 'string',
  value: '<file>',
  description:
    'The rotator configuration as a JSON file. Default: the "rotator" context in ./cdk.json (or the file its "rotatorConfigFile" names), as `cdk synth` reads it.',
};
const STACK_OPTION: OptionSpec = {
  type: 'string',
  value: '<name>',
  description: 'The deployed stack to read outputs from. Default: "stackName" in the configuration, else AepS3CredentialRotator.',
};
const JSON_OPTION: OptionSpec = { type: 'boolean', description: 'Print JSON (the default when stdout is not a terminal).' };
const HELP_OPTION: OptionSpec = { type: 'boolean', description: 'Show this help.' };
const ENVIRONMENT_EXIT: [number, string] = [
  3,
  'environment error: no AWS credentials, stack not deployed, function not found, access denied, service unreachable',
];
const USAGE_EXIT: [number, string] = [
  2,
  'usage error: unknown option, bad value, a --config file that cannot be read, or a connection that is not a configured target',
];

export const COMMANDS: Record<CommandName, CommandSpec> = {
  rotate: {
    summary: 'Rotate connection credentials now (through the deployed function, or --local).',
    usage: `${RUN} rotate [--connection <id>]... [--dry-run] [--function <name|arn> | --stack <name> | --local] [--config <file>]`,
    description:
      'Invokes the deployed rotator function synchronously with a manual request ({"connectionIds", "dryRun"}) and prints one row per ' +
      'connection: id, sandbox, outcome, new etag, expiry, error (in full below the table). The function name comes from the stack output RotatorFunctionName ' +
      'unless --function is given. With --local, the same rotation runs in this process with your own AWS credentials and the configured ' +
      'Adobe endpoints, for debugging without a deploy: the roles it assumes must trust you, so targets whose role the stack creates ' +
      '(trusting only the function\'s role) cannot be rotated locally. It reads the Adobe secret named by "adobeCredentialsSecret" in the ' +
      'configuration, else the one the deployed stack created.',
    options: {
      connection: { type: 'string', multiple: true, value: '<id>', description: 'Rotate only this connection (repeat for several). Default: every target.' },
      'dry-run': { type: 'boolean', description: 'Mint and verify new credentials and report the patch it would send; change nothing.' },
      function: { type: 'string', value: '<name|arn>', description: 'The function to invoke; skips the stack lookup.' },
      stack: STACK_OPTION,
      local: { type: 'boolean', description: 'Run the rotation in this process instead of invoking the deployed function.' },
      config: CONFIG_OPTION,
      verbose: { type: 'boolean', description: "With --local: copy the function's JSON log lines to stderr." },
      json: JSON_OPTION,
      help: HELP_OPTION,
    },
    exitCodes: [
      [0, 'every requested connection rotated (with --dry-run: would rotate)'],
      [1, 'at least one connection failed or was skipped, or the run failed'],
      USAGE_EXIT,
      ENVIRONMENT_EXIT,
    ],
    examples: [
      `${RUN} rotate`,
      `${RUN} rotate --connection 4cb0c374-d3bb-4557-b139-5712880adc55 --dry-run`,
      `${RUN} rotate --local --connection 4cb0c374-d3bb-4557-b139-5712880adc55`,
      `${RUN} rotate --json | jq '.results[] | select(.status != "rotated")'`,
    ],
  },
  status: {
    summary: 'Show each connection: last rotation, expiry, last run, who updated it, risk; and whether paused.',
    usage: `${RUN} status [--connection <id>]... [--probe] [--stack <name>] [--config <file>] [--json]`,
    description:
      'For every configured target, reads the rotation ledger the function keeps (the table the stack output LedgerTableName names: ' +
      "the last rotation, when what the connection holds expires, the last run and Adobe's code) and the connection from Flow Service " +
      "(GET /connections/{id}, with the Adobe credentials the rotator uses), and judges the risk from the ledger, with Flow Service's " +
      'updatedAt and updatedBy as a cross-check: an edit by anyone else after the last rotation is shown. A connection is at risk when ' +
      'its last run failed, when what it holds has expired or expires before the next scheduled run can be relied on, or when it is ' +
      'not found, not enabled, not rotatable, or cannot be read. Without a ledger (no deployed stack, or one without that output) it ' +
      "judges from the age of Flow Service's updatedAt alone, and says so. It shows who paused the rotator, when and why (exit 1 " +
      'while paused). With --probe, Flow Service also explores each connection with the credentials it holds now (GET ' +
      "/connections/{id}/explore: the target's folder when it names its bucket, else the root), and a connection Adobe cannot read " +
      "is at risk, with Adobe's code and detail. Secret values are never printed; only the names of the auth params.",
    options: {
      connection: { type: 'string', multiple: true, value: '<id>', description: 'Show only this connection (repeat for several). Default: every target.' },
      probe: {
        type: 'boolean',
        description: 'Also ask Flow Service to list each bucket with the credentials the connection holds now (whether Adobe can read).',
      },
      config: CONFIG_OPTION,
      stack: STACK_OPTION,
      json: JSON_OPTION,
      help: HELP_OPTION,
    },
    exitCodes: [
      [0, 'every connection is healthy, and the rotator is not paused'],
      [1, 'at least one connection is at risk, the rotator is paused (or its schedule is off), or the configuration is invalid'],
      USAGE_EXIT,
      ENVIRONMENT_EXIT,
    ],
    examples: [
      `${RUN} status`,
      `${RUN} status --probe --connection 4cb0c374-d3bb-4557-b139-5712880adc55`,
      `${RUN} status --json | jq '.connections[] | select(.atRisk)'`,
    ],
  },
  pause: {
    summary: 'Switch the schedule off and keep the alarms from paging, recording who paused and why.',
    usage: `${RUN} pause [--reason <text>] [--stack <name>] [--config <file>] [--json]`,
    description:
      "Disables the deployed stack's EventBridge Scheduler schedule (GetSchedule, then UpdateSchedule with its whole definition and " +
      "State DISABLED), disables the actions of the stack's alarms (cloudwatch:DisableAlarmActions: they still change state, but " +
      'notify no one), and records who paused (your ARN, from sts:GetCallerIdentity), when and why in the rotation ledger table, ' +
      'where `status` shows it. A manual `rotate` still works while paused. Already paused: says so and changes nothing. The ' +
      'schedule, alarms and table come from the stack outputs ScheduleName, ScheduleGroupName, AlarmNames and LedgerTableName.',
    options: {
      reason: { type: 'string', value: '<text>', description: 'Why (up to 500 characters), shown by `status` and `resume`.' },
      stack: STACK_OPTION,
      config: CONFIG_OPTION,
      json: JSON_OPTION,
      help: HELP_OPTION,
    },
    exitCodes: [[0, 'paused (or already paused: nothing changed)'], USAGE_EXIT, ENVIRONMENT_EXIT],
    examples: [`${RUN} pause --reason "bucket migration, CHG-1234"`, `${RUN} pause --json`],
  },
  resume: {
    summary: "Switch the schedule back on and the alarms' actions with it; remove the pause record.",
    usage: `${RUN} resume [--stack <name>] [--config <file>] [--json]`,
    description:
      "Enables the deployed stack's schedule again (UpdateSchedule with its whole definition and State ENABLED), enables the actions " +
      "of the stack's alarms (cloudwatch:EnableAlarmActions) and removes the pause record from the rotation ledger table. Not " +
      'paused (schedule ENABLED, actions enabled, no record): says so and changes nothing. A schedule disabled outside this tool ' +
      'is enabled too.',
    options: { stack: STACK_OPTION, config: CONFIG_OPTION, json: JSON_OPTION, help: HELP_OPTION },
    exitCodes: [[0, 'resumed (or was not paused: nothing changed)'], USAGE_EXIT, ENVIRONMENT_EXIT],
    examples: [`${RUN} resume`, `${RUN} resume --json`],
  },
  discover: {
    summary: 'List every S3 connection in the sandboxes, and say which ones nothing rotates.',
    usage: `${RUN} discover [--sandbox <name>]... [--stack <name>] [--config <file>] [--json]`,
    description:
      'Lists every Amazon S3 base connection in the sandboxes (GET /connections filtered by the S3 connection spec, every page through ' +
      "its continuationToken; by default the sandboxes of the configured targets) with the rotator's Adobe credentials, and marks each: " +
      'managed (a configured target); UNMANAGED TEMPORARY (it holds temporary credentials, an s3SessionToken or an STS-issued ASIA key, ' +
      'that nothing rotates: it stops ingesting when they expire); unmanaged with permanent keys; or role-based (IAMRole Based). For each ' +
      'unmanaged temporary one it prints a ready-to-paste "targets" entry: a role the stack creates, read-only on the bucket and folder the ' +
      'connection declares. Secret values are never read or printed.',
    options: {
      sandbox: {
        type: 'string',
        multiple: true,
        value: '<name>',
        description: "A sandbox to list (repeat for several). Default: the configured targets' sandboxes.",
      },
      stack: STACK_OPTION,
      config: CONFIG_OPTION,
      json: JSON_OPTION,
      help: HELP_OPTION,
    },
    exitCodes: [
      [0, 'no connection holds temporary credentials that nothing rotates'],
      [1, 'at least one does, or a sandbox could not be listed'],
      USAGE_EXIT,
      ENVIRONMENT_EXIT,
    ],
    examples: [`${RUN} discover`, `${RUN} discover --sandbox prod --sandbox dev`, `${RUN} discover --json | jq '.targets'`],
  },
  probe: {
    summary: "Record what Flow Service answers for one connection (redacted), for the suite's contract tests.",
    usage: `${RUN} probe --record <file> --connection <id> [--sandbox <name>] [--stack <name>] [--config <file>] [--json]`,
    description:
      "With the rotator's Adobe credentials, records Flow Service's answers for one connection: its GET, explore of its root, of a folder " +
      "(the one it declares, else the first the root shows) and a preview of a file found there, one page of the org's S3 connections, and " +
      "one deliberate error (an unknown connection id). Secrets and tokens are redacted, ids hashed, a preview's values replaced; bucket, " +
      'folder and file names are kept. Add the file to test/contract/ and the suite replays it against the client and the emulator ' +
      '(CONTRIBUTING.md, "Recordings of Flow Service"). Changes nothing in Adobe.',
    options: {
      record: { type: 'string', value: '<file>', description: 'Where to write the recording (JSON).' },
      connection: { type: 'string', multiple: true, value: '<id>', description: 'The connection to record (once).' },
      sandbox: { type: 'string', multiple: true, value: '<name>', description: 'Its sandbox, when it is not a configured target.' },
      stack: STACK_OPTION,
      config: CONFIG_OPTION,
      json: JSON_OPTION,
      help: HELP_OPTION,
    },
    exitCodes: [[0, 'recorded'], [1, 'recorded, but the connection itself could not be read'], USAGE_EXIT, ENVIRONMENT_EXIT],
    examples: [`${RUN} probe --record test/contract/my-org.json --connection 4cb0c374-d3bb-4557-b139-5712880adc55`],
  },
  'check-config': {
    summary: 'Validate the configuration offline: its rules, then the stack `cdk synth` builds.',
    usage: `${RUN} check-config [--config <file>] [--json]`,
    description:
      'Reads the configuration the way the CDK app does (the "rotator" context in ./cdk.json, the file named by its "rotatorConfigFile", ' +
      'or --config), applies its rules, then builds the very stack `cdk synth` builds, in this process and without AWS access, with bundling ' +
      "skipped: it prints each problem with the field it concerns, and synth's warnings. Where aws-cdk-lib is not installed, the rules alone " +
      'apply, and it says so. cdk-nag and bundling the function are left to `npx cdk synth`: run it as well before deploying.',
    options: { config: CONFIG_OPTION, json: JSON_OPTION, help: HELP_OPTION },
    exitCodes: [
      [0, 'the configuration is valid'],
      [1, 'the configuration has problems (each is printed with its field)'],
      [2, 'usage error: unknown option, a --config file that cannot be read'],
    ],
    examples: [`${RUN} check-config`, `${RUN} check-config --config prod.json`],
  },
  'test-alarm': {
    summary: 'Move one alarm to ALARM and back, and say whether its topic has confirmed subscriptions.',
    usage: `${RUN} test-alarm [--alarm <id|name>] [--stack <name>] [--config <file>] [--json]`,
    description:
      "Proves an alarm reaches someone before it has to: sets one of the deployed stack's alarms (named by the stack output " +
      'AlarmNames) to ALARM and back to the state it had (cloudwatch:SetAlarmState; CloudWatch notifies its topics as it would ' +
      "of a real change), and lists each topic's subscriptions (sns:ListSubscriptionsByTopic): a subscription nobody confirmed " +
      "receives nothing. A paused alarm's actions are enabled for the test and disabled again. An alarm in ALARM is not touched. " +
      'It cannot see whether the message arrived: check the inbox, chat or pager.',
    options: {
      alarm: {
        type: 'string',
        value: '<id|name>',
        description: 'The alarm: its construct id (ConnectionFailingAlarm, RotatorNotReportingAlarm, ...) or full name. Default: ErrorsAlarm.',
      },
      stack: STACK_OPTION,
      config: CONFIG_OPTION,
      json: JSON_OPTION,
      help: HELP_OPTION,
    },
    exitCodes: [
      [0, 'the alarm went to ALARM and back, and every topic it notifies has a confirmed subscription'],
      [1, 'a topic has no confirmed subscription (nobody receives the alarm), the alarm notifies no topic, or it is in ALARM now'],
      USAGE_EXIT,
      ENVIRONMENT_EXIT,
    ],
    examples: [`${RUN} test-alarm`, `${RUN} test-alarm --alarm ConnectionFailingAlarm --json`],
  },
  'rotate-adobe-secret': {
    summary: 'Rotate the Adobe client secret now through Secrets Manager, reporting each step.',
    usage: `${RUN} rotate-adobe-secret [--stack <name>] [--config <file>] [--json]`,
    description:
      'Starts a rotation of the Adobe credentials secret (Secrets Manager RotateSecret; the secret comes from "adobeCredentialsSecret" in the ' +
      'configuration, else the stack output AdobeCredentialsSecretId) and waits for it, printing each step as the rotation function logs it ' +
      '(createSecret: a new client secret at Adobe, stored as AWSPENDING; setSecret; testSecret: IMS issues a token for it; finishSecret: ' +
      'AWSCURRENT moved to it, the old one deleted at Adobe). The steps come from the log group the stack output ' +
      'AdobeSecretRotationLogGroupName names (logs:FilterLogEvents); without it only the end is reported (DescribeSecret). When a previous ' +
      'rotation is unfinished, Secrets Manager attempts that one again, and this follows it. Needs "adobeSecretRotation" deployed. The ' +
      "secret's value is never read or printed.",
    options: { stack: STACK_OPTION, config: CONFIG_OPTION, json: JSON_OPTION, help: HELP_OPTION },
    exitCodes: [
      [0, 'the rotation finished: AWSCURRENT holds the new secret, the old one is deleted at Adobe'],
      [1, 'a step failed (AWSCURRENT still works), or the rotation did not finish within 15 minutes'],
      USAGE_EXIT,
      [3, 'environment error: no AWS credentials, no rotation configured on the secret, access denied, service unreachable'],
    ],
    examples: [`${RUN} rotate-adobe-secret`, `${RUN} rotate-adobe-secret --json | jq '.steps'`],
  },
};

/** The top-level `--help`. */
export function programHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    `${PROGRAM}: operate the AEP S3 credential rotator (rotate now, dry run, status, pause, config check, Adobe secret rotation, alarm test, S3 connections nobody rotates, recordings of Flow Service).`,
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
    exitCodeHelp([[0, 'success'], [1, 'a connection failed or is at risk, or the configuration is invalid'], USAGE_EXIT, ENVIRONMENT_EXIT]),
  ].join('\n');
}

/** One command's `--help`. */
export function commandHelp(name: CommandName): string {
  const spec = COMMANDS[name];
  const flags = Object.entries(spec.options).map(([option, { value }]) => `${option === 'help' ? '-h, ' : '    '}--${option}${value ? ` ${value}` : ''}`);
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
