/**
 * `check-config`: validate the configuration with the CDK app's own parser (`lib/config/config.ts`),
 * then build the very stack `cdk synth` builds, in this process with bundling skipped
 * (lib/rotator-app.ts), so what it says cannot drift from synth: the construct's refusals (targets
 * too many for the environment whose created roles have no fixed name, ...) and its warnings (targets
 * that give Adobe more than its bucket, Adobe's check switched off, ...). aws-cdk-lib is a peer
 * dependency of the package: where it is not installed, the configuration rules alone apply, and
 * the output says so. cdk-nag and bundling the function are left to `cdk synth`. Last, what synth
 * cannot see: whether each IAM-user secret has a resource policy (cli/secret-policies.ts, with the
 * operator's credentials; where they cannot tell, a note says so).
 */
import { createRequire } from 'node:module';
import type { CommandOptions } from '../args.js';
import { ConfigValidationError, loadConfig, type RotatorConfig } from '../config-source.js';
import { configWarnings } from '../../lib/config/config.js';
import { EXIT } from '../errors.js';
import { formatDuration, painterFor, printJson, wantsJson, type Io } from '../output.js';
import { scheduleInterval } from '../../core/rotation-rules.js';
import { checkUserSecretPolicies } from '../secret-policies.js';

/**
 * What synth said, or undefined when aws-cdk-lib is not installed beside the CLI.
 * @param resolve finds a package from the CLI's own location. @default require.resolve of this module
 */
export async function synthesized(
  config: RotatorConfig,
  resolve: (name: string) => string = createRequire(import.meta.url).resolve,
): Promise<{ problems: readonly string[]; warnings: readonly string[] } | undefined> {
  try {
    resolve('aws-cdk-lib');
  } catch {
    return undefined;
  }
  const { synthesizeConfig } = await import('../../lib/rotator-app.js');
  return synthesizeConfig(config);
}

/** `targets[1].durationSeconds: 7200 is above ...` → field and message. */
export function splitProblem(problem: string): { field: string; message: string } {
  const match = /^(\(top level\)|\S+?): ([\s\S]*)$/.exec(problem);
  return match ? { field: match[1]!, message: match[2]! } : { field: '(configuration)', message: problem };
}

export async function checkConfigCommand(options: CommandOptions, io: Io): Promise<number> {
  const json = wantsJson(io, options.json);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(io.cwd, options.config);
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    return printProblems(error, io, json);
  }

  const verdict = await synthesized(config);
  if (verdict && verdict.problems.length > 0) {
    return printProblems(
      new ConfigValidationError(verdict.problems, `cdk synth of stack ${config.stackName}`),
      io,
      json,
    );
  }

  const secretPolicies = await checkUserSecretPolicies(config);
  const methods = new Map<string, number>();
  for (const target of config.targets) methods.set(target.method, (methods.get(target.method) ?? 0) + 1);
  const intervalSeconds = scheduleInterval(config.schedule).seconds;
  const summary = {
    valid: true,
    stackName: config.stackName,
    ...(config.account ? { account: config.account } : {}),
    ...(config.region ? { region: config.region } : {}),
    schedule: config.schedule,
    scheduleIntervalSeconds: intervalSeconds,
    targets: config.targets.length,
    methods: Object.fromEntries(methods),
    shortestDurationSeconds: Math.min(...config.targets.map((target) => target.durationSeconds)),
    adobeCredentialsSecret: config.adobeCredentialsSecret?.secretId ?? '(created by the stack)',
    // Synth's own warnings where it ran; the rules' alone where aws-cdk-lib is missing.
    checkedBy: verdict ? 'synth' : 'rules',
    warnings: [...(verdict?.warnings ?? configWarnings(config)), ...secretPolicies.warnings].map(splitProblem),
    // What could not be checked (the IAM-user secrets' resource policies without AWS access).
    ...(secretPolicies.notes.length > 0 ? { notes: secretPolicies.notes } : {}),
  };
  if (json) {
    printJson(io, summary);
  } else {
    const methodText = [...methods].map(([method, count]) => `${count} ${method}`).join(', ');
    const paint = painterFor(io, 'stdout');
    io.stdout.write(
      `${paint('Configuration is valid', 'ok')}: stack ${config.stackName}, ${config.targets.length} ` +
        `target${config.targets.length === 1 ? '' : 's'} (${methodText}), schedule ` +
        `${config.schedule}${intervalSeconds ? ` (every ${formatDuration(intervalSeconds)})` : ''}, shortest ` +
        `credential lifetime ${formatDuration(summary.shortestDurationSeconds)}.\n`,
    );
    for (const { field, message } of summary.warnings)
      io.stdout.write(`${paint('WARNING', 'warning')}: ${field}: ${message}.\n`);
    for (const note of secretPolicies.notes) io.stdout.write(`${note}\n`);
    if (!verdict) {
      io.stdout.write(
        'aws-cdk-lib is not installed here, so only the configuration rules were applied; ' +
          '`npx cdk synth` (where it is installed) checks the rest.\n',
      );
    }
  }
  return EXIT.OK;
}

/** Every problem with its field (as JSON, or under a heading), and the exit code for them. */
function printProblems(error: ConfigValidationError, io: Io, json: boolean): number {
  const problems = error.problems.map(splitProblem);
  if (json) {
    printJson(io, { valid: false, problems });
  } else {
    const heading = error.message.split('\n')[0]!;
    const lines = problems.map(({ field, message }) => `  ${field}: ${message}`);
    io.stdout.write(`${painterFor(io, 'stdout')(heading, 'failure')}\n${lines.join('\n')}\n`);
    io.stdout.write(
      `\n${problems.length} problem${problems.length === 1 ? '' : 's'}; \`npx cdk synth\` would refuse this ` +
        'configuration.\n',
    );
  }
  return EXIT.FAILED;
}
