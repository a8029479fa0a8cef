/**
 * The command surface: each command's options and its `--help` text (the options several commands
 * share: cli/command-options.ts; the help's layout: cli/command-help.ts). cli/args.ts parses a
 * command line against it.
 */
import {
  CONFIG_OPTION,
  CONNECTION_OPTION,
  DEPLOYMENT_OPTIONS,
  DEPLOYMENT_USAGE,
  ENVIRONMENT_EXIT,
  FROM_THE_FUNCTION,
  FUNCTION_OPTION,
  OUTPUT_OPTIONS,
  STACK_OPTION,
  USAGE_EXIT,
  type CommandSpec,
} from './command-options.js';

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

export type CommandName =
  | 'rotate'
  | 'status'
  | 'pause'
  | 'resume'
  | 'history'
  | 'revoke'
  | 'check-config'
  | 'rotate-adobe-secret'
  | 'test-alarm'
  | 'discover'
  | 'probe';

export const COMMANDS: Record<CommandName, CommandSpec> = {
  rotate: {
    summary: 'Rotate connection credentials now (through the deployed function, or --local).',
    usage:
      `${RUN} rotate [--connection <id>]... [--dry-run] [--function <name|arn> | --stack <name> | --local] ` +
      '[--config <file>]',
    description:
      'Invokes the deployed rotator function synchronously with a manual request ({"connectionIds", "dryRun", ' +
      '"caller": your ARN}) and prints one row per connection: id, sandbox, outcome, new etag, expiry, ' +
      'error (in full below the table). A paused connection is rotated when --connection names it; ' +
      `a run of every target leaves it alone (paused). ${FROM_THE_FUNCTION} With --local, the same rotation runs ` +
      'in this process with your own AWS credentials and the configured Adobe endpoints, for debugging without a ' +
      'deploy: the roles it assumes must trust you, so targets whose role the stack creates (trusting only the ' +
      'function\'s role) cannot be rotated locally. It reads the Adobe secret named by "adobeCredentialsSecret" ' +
      'in the configuration, else the one the deployed stack created.',
    options: {
      connection: CONNECTION_OPTION(
        'Rotate only this connection, paused or not. Default: every target but the paused ones',
      ),
      'dry-run': {
        type: 'boolean',
        description: 'Mint and verify new credentials and report the patch it would send; change nothing.',
      },
      function: FUNCTION_OPTION,
      stack: STACK_OPTION,
      local: {
        type: 'boolean',
        description: 'Run the rotation in this process instead of invoking the deployed function.',
      },
      config: CONFIG_OPTION,
      verbose: { type: 'boolean', description: "With --local: copy the function's JSON log lines to stderr." },
      ...OUTPUT_OPTIONS,
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
    summary: 'Every connection: expiry, last and next run, pause, risk; the schedule, the alarms and the pauses.',
    usage: `${RUN} status [--connection <id>]... [--probe] ${DEPLOYMENT_USAGE}`,
    description:
      "Asks the function for Adobe's view of each connection (a read-only inspect request: lambda:InvokeFunction, " +
      'never the Adobe secret), reads the rotation ledger, the pauses, the schedule and the alarms, ' +
      "and judges each connection as the alarms do: EXPIRING below CredentialsExpiringAlarm's threshold, " +
      'STALE after two schedule intervals without a run, FAILING, PAUSED, NOT FOUND, and so on; ' +
      'with its last and next run. It lists each pause (who, why, until when), each alarm with its state since ' +
      'when (and the connections a per-connection alarm holds in ALARM), and what it could not learn, ' +
      'marked unknown: it never stops at the first failure, and --json always prints the document. With --probe, ' +
      'Flow Service explores each connection with the credentials it holds now (GET /connections/{id}/explore, ' +
      'asked by the function): whether Adobe can list and read with them. It warns when the deployed targets ' +
      `differ from the local configuration. ${FROM_THE_FUNCTION}`,
    options: {
      connection: CONNECTION_OPTION('Show only this connection. Default: every target'),
      probe: {
        type: 'boolean',
        description: 'Also have Adobe list what each connection reads with the credentials it holds now.',
      },
      ...DEPLOYMENT_OPTIONS,
    },
    exitCodes: [
      [0, 'every connection is healthy, nothing is paused, and everything could be read'],
      [1, 'a connection is at risk or paused, something is unknown, or an alarm is in ALARM or silenced'],
      USAGE_EXIT,
      [
        3,
        'environment error on your side (no AWS credentials, access denied, unreachable), or the stack, ' +
          'function or region does not exist',
      ],
    ],
    examples: [
      `${RUN} status`,
      `${RUN} status --probe --connection 4cb0c374`,
      `${RUN} status --function AepS3-Rotator --json | jq '.connections[] | select(.atRisk)'`,
    ],
  },
  pause: {
    summary: 'Stop the schedule rotating some connections (or all) until a given time, saying why.',
    usage:
      `${RUN} pause [--connection <id>]... --reason <text> (--for <duration> | --until <time>) [--force] ` +
      '[--function <name|arn>] [--json]',
    description:
      'Records a pause in the rotation ledger: which connections (every target without --connection), ' +
      'who (your ARN), why, and until when. Scheduled runs report a paused connection as paused and leave it ' +
      'alone until the pause ends on its own (or `resume` ends it); a manual `rotate --connection` still rotates ' +
      'it. The schedule and the alarms stay on: the expiry alarm keeps watching every connection that is not ' +
      "paused (a paused one's expiry is reported under a dimension the per-connection alarms leave out). " +
      'A pause that would outlast what a paused connection holds is refused, saying when ingestion would stop, ' +
      'unless --force. ' +
      FROM_THE_FUNCTION,
    options: {
      connection: CONNECTION_OPTION('Pause only this connection. Default: every target'),
      reason: {
        type: 'string',
        value: '<text>',
        description: 'Why (required; up to 500 characters, e.g. the change ticket), shown by `status`.',
      },
      for: { type: 'string', value: '<duration>', description: 'How long: 90m, 2h, 1d (at most 30 days).' },
      until: { type: 'string', value: '<time>', description: 'Until when, ISO 8601 with a zone: 2025-06-01T18:00Z.' },
      force: {
        type: 'boolean',
        description: "Pause even past a connection's credential expiry (ingestion from it then stops).",
      },
      ...DEPLOYMENT_OPTIONS,
    },
    exitCodes: [
      [0, 'paused'],
      [
        1,
        'refused: the pause would outlast what a connection holds (--force overrides), or someone changed the ' +
          'pauses meanwhile',
      ],
      [2, 'usage error: no --reason, no end (--for or --until), both, or a bad value'],
      ENVIRONMENT_EXIT,
    ],
    examples: [
      `${RUN} pause --connection 4cb0c374 --reason "bucket migration, CHG-1234" --for 2h`,
      `${RUN} pause --reason "Adobe maintenance" --until 2025-06-01T18:00Z`,
    ],
  },
  resume: {
    summary: 'End pauses now: those of the connections named, or every one.',
    usage: `${RUN} resume [--connection <id>]... ${DEPLOYMENT_USAGE}`,
    description:
      'Removes the connections from the pauses that name them (a pause left with none ends), or, ' +
      'without --connection, ends every pause. A pause written by an older version of this tool (the schedule ' +
      "disabled, the alarms silenced, no end) is ended too: its schedule is enabled and its alarms' actions with " +
      `it. Nothing paused: says so. ${FROM_THE_FUNCTION}`,
    options: {
      connection: CONNECTION_OPTION('Resume only this connection'),
      ...DEPLOYMENT_OPTIONS,
    },
    exitCodes: [
      [0, 'resumed (or nothing was paused)'],
      [1, 'a connection is paused by a pause of every target: resume without --connection'],
      USAGE_EXIT,
      ENVIRONMENT_EXIT,
    ],
    examples: [`${RUN} resume`, `${RUN} resume --connection 4cb0c374`],
  },
  history: {
    summary: "A connection's recent rotations: when, outcome, method, AccessKeyId, Adobe's code, who asked.",
    usage: `${RUN} history --connection <id> ${DEPLOYMENT_USAGE}`,
    description:
      "Reads the connection's ledger item (dynamodb:BatchGetItem): at least its last 25 rotation attempts, " +
      'newest first, each with its time, outcome, mint method, the AccessKeyId of the set issued (to match ' +
      "CloudTrail and S3's logs), Adobe's code, and what started it: the schedule (its tick), " +
      `or a manual request and the caller it named. ${FROM_THE_FUNCTION}`,
    options: {
      connection: CONNECTION_OPTION('The connection'),
      ...DEPLOYMENT_OPTIONS,
    },
    exitCodes: [
      [0, 'the history was printed (empty when the rotator has not tried it yet)'],
      USAGE_EXIT,
      ENVIRONMENT_EXIT,
    ],
    examples: [
      `${RUN} history --connection 4cb0c374`,
      `${RUN} history --connection 4cb0c374 --json | jq '.history[0].accessKeyId'`,
    ],
  },
  revoke: {
    summary: 'Leaked credentials: rotate a connection now, then invalidate every session issued before.',
    usage: `${RUN} revoke --connection <id> ${DEPLOYMENT_USAGE}`,
    description:
      'Rotates the connection through the function (Adobe holds new credentials), then, for a role target, ' +
      'attaches to the role the inline policy AWSRevokeOlderSessions, which denies every action to sessions ' +
      'issued before the new set (aws:TokenIssueTime), with your credentials (iam:PutRolePolicy); ' +
      'when you may not, it prints the exact AWS CLI command for someone who may. ' +
      "Every session of the role issued before is revoked, not only Adobe's. For IAM-user methods " +
      '(GetSessionToken, GetFederationToken) no role policy reaches the sessions: ' +
      `it says what AWS offers instead. ${FROM_THE_FUNCTION}`,
    options: {
      connection: CONNECTION_OPTION('The connection whose credentials leaked'),
      ...DEPLOYMENT_OPTIONS,
    },
    exitCodes: [
      [0, 'rotated, and the older sessions revoked'],
      [
        1,
        'the rotation failed (nothing revoked), or the revocation is left to you or someone else (the command is ' +
          'printed)',
      ],
      USAGE_EXIT,
      ENVIRONMENT_EXIT,
    ],
    examples: [`${RUN} revoke --connection 4cb0c374`],
  },
  discover: {
    summary: 'List every S3 connection in the sandboxes, and say which ones nothing rotates.',
    usage: `${RUN} discover [--sandbox <name>]... ${DEPLOYMENT_USAGE}`,
    description:
      'Lists every Amazon S3 base connection in the sandboxes (GET /connections filtered by the S3 connection ' +
      'spec, every page through its continuationToken; by default the sandboxes of the deployed targets): ' +
      'the function asks, with its own Adobe credential, so your role needs lambda:InvokeFunction, ' +
      'never the Adobe secret. It marks each: managed (a configured target); UNMANAGED TEMPORARY (it holds ' +
      'temporary credentials, an s3SessionToken or an STS-issued ASIA key, that nothing rotates: ' +
      'it stops ingesting when they expire); unmanaged with permanent keys; or role-based (IAMRole Based). ' +
      'For each unmanaged temporary one it prints a ready-to-paste "targets" entry: a role the stack creates, ' +
      'read-only on the bucket and folder the connection declares. Secret values are never read or printed.',
    options: {
      sandbox: {
        type: 'string',
        multiple: true,
        value: '<name>',
        description: "A sandbox to list (repeat for several). Default: the deployed targets' sandboxes.",
      },
      ...DEPLOYMENT_OPTIONS,
    },
    exitCodes: [
      [0, 'no connection holds temporary credentials that nothing rotates'],
      [1, 'at least one does, or a sandbox could not be listed'],
      USAGE_EXIT,
      ENVIRONMENT_EXIT,
    ],
    examples: [
      `${RUN} discover`,
      `${RUN} discover --sandbox prod --sandbox dev`,
      `${RUN} discover --json | jq '.targets'`,
    ],
  },
  probe: {
    summary: "Record what Flow Service answers for one connection (redacted), for the suite's contract tests.",
    usage:
      `${RUN} probe --record <file> --connection <id> [--sandbox <name>] [--stack <name>] ` +
      '[--config <file>] [--json]',
    description:
      "With the rotator's Adobe credentials, records Flow Service's answers for one connection: " +
      'its GET, explore of its root, of a folder (the one it declares, else the first the root shows) ' +
      "and a preview of a file found there, one page of the org's S3 connections, and one deliberate error " +
      "(an unknown connection id). Secrets and tokens are redacted, ids hashed, a preview's values replaced; " +
      'bucket, folder and file names are kept. Add the file to test/contract/ and the suite replays it against ' +
      'the client and the emulator (CONTRIBUTING.md, "Recordings of Flow Service"). Changes nothing in Adobe.',
    options: {
      record: { type: 'string', value: '<file>', description: 'Where to write the recording (JSON).' },
      connection: { type: 'string', multiple: true, value: '<id>', description: 'The connection to record (once).' },
      sandbox: {
        type: 'string',
        multiple: true,
        value: '<name>',
        description: 'Its sandbox, when it is not a configured target.',
      },
      stack: STACK_OPTION,
      config: CONFIG_OPTION,
      ...OUTPUT_OPTIONS,
    },
    exitCodes: [
      [0, 'recorded'],
      [1, 'recorded, but the connection itself could not be read'],
      USAGE_EXIT,
      ENVIRONMENT_EXIT,
    ],
    examples: [`${RUN} probe --record test/contract/my-org.json --connection 4cb0c374-d3bb-4557-b139-5712880adc55`],
  },
  'check-config': {
    summary: 'Validate the configuration offline: its rules, then the stack `cdk synth` builds.',
    usage: `${RUN} check-config [--config <file>] [--json]`,
    description:
      'Reads the configuration the way the CDK app does (the "rotator" context in ./cdk.json, the file named by ' +
      'its "rotatorConfigFile", or --config), applies its rules, then builds the very stack `cdk synth` builds, ' +
      'in this process and without AWS access, with bundling skipped: it prints each problem with the field it ' +
      "concerns, and synth's warnings. Where aws-cdk-lib is not installed, the rules alone apply, " +
      'and it says so. cdk-nag and bundling the function are left to `npx cdk synth`: ' +
      'run it as well before deploying.',
    options: { config: CONFIG_OPTION, ...OUTPUT_OPTIONS },
    exitCodes: [
      [0, 'the configuration is valid'],
      [1, 'the configuration has problems (each is printed with its field)'],
      [2, 'usage error: unknown option, a --config file that cannot be read'],
    ],
    examples: [`${RUN} check-config`, `${RUN} check-config --config prod.json`],
  },
  'test-alarm': {
    summary: 'Move one alarm to ALARM and back, and say whether its topic has confirmed subscriptions.',
    usage: `${RUN} test-alarm [--alarm <id|name>] ${DEPLOYMENT_USAGE}`,
    description:
      "Proves an alarm reaches someone before it has to: sets one of the rotator's alarms (the construct names " +
      'them after the function) to ALARM and back to the state it had (cloudwatch:SetAlarmState; ' +
      "CloudWatch notifies its topics as it would of a real change), and lists each topic's subscriptions " +
      '(sns:ListSubscriptionsByTopic): a subscription nobody confirmed receives nothing. ' +
      "A paused alarm's actions are enabled for the test and disabled again. An alarm in ALARM is not touched. " +
      'It cannot see whether the message arrived: check the inbox, chat or pager.',
    options: {
      alarm: {
        type: 'string',
        value: '<id|name>',
        description:
          'The alarm: its construct id (ConnectionFailingAlarm, RotatorNotReportingAlarm, ...) or full name. ' +
          'Default: ErrorsAlarm.',
      },
      ...DEPLOYMENT_OPTIONS,
    },
    exitCodes: [
      [0, 'the alarm went to ALARM and back, and every topic it notifies has a confirmed subscription'],
      [
        1,
        'a topic has no confirmed subscription (nobody receives the alarm), the alarm notifies no topic, ' +
          'or it is in ALARM now',
      ],
      USAGE_EXIT,
      ENVIRONMENT_EXIT,
    ],
    examples: [`${RUN} test-alarm`, `${RUN} test-alarm --alarm ConnectionFailingAlarm --json`],
  },
  'rotate-adobe-secret': {
    summary: 'Rotate the Adobe client secret now through Secrets Manager, reporting each step.',
    usage: `${RUN} rotate-adobe-secret ${DEPLOYMENT_USAGE}`,
    description:
      'Starts a rotation of the Adobe credentials secret (Secrets Manager RotateSecret; ' +
      'the secret comes from "adobeCredentialsSecret" in the configuration, else the rotator function\'s ' +
      'ADOBE_CREDENTIALS_SECRET_ID) and waits for it, printing each step as the rotation function logs it ' +
      '(createSecret: a new client secret at Adobe, stored as AWSPENDING; setSecret; testSecret: ' +
      'IMS issues a token for it; finishSecret: AWSCURRENT moved to it, the old one deleted at Adobe). ' +
      "The steps come from the rotation function's log group (the function's tag " +
      'aep-s3-rotator:adobe-secret-rotation-log-group; logs:FilterLogEvents); without it only the end is ' +
      'reported (DescribeSecret). When a previous rotation is unfinished, Secrets Manager attempts that one ' +
      'again, and this follows it. Needs "adobeSecretRotation" deployed. The secret\'s value is never read or ' +
      'printed.',
    options: DEPLOYMENT_OPTIONS,
    exitCodes: [
      [0, 'the rotation finished: AWSCURRENT holds the new secret, the old one is deleted at Adobe'],
      [1, 'a step failed (AWSCURRENT still works), or the rotation did not finish within 15 minutes'],
      USAGE_EXIT,
      [
        3,
        'environment error: no AWS credentials, no rotation configured on the secret, access denied, ' +
          'service unreachable',
      ],
    ],
    examples: [`${RUN} rotate-adobe-secret`, `${RUN} rotate-adobe-secret --json | jq '.steps'`],
  },
};
