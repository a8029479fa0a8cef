/**
 * `check-config`: validate the configuration offline with the CDK app's own parser
 * (`lib/config/config.ts`), which also applies the rule for targets bundled as a file
 * (core/targets-delivery-rules.ts). Synth does more while it builds the stack (cdk-nag, bundling
 * the function), so a configuration it refuses fails `cdk synth`, but one it passes may still.
 * A valid configuration may still give Adobe more than its bucket: those targets are warned about
 * (as synth does), without failing.
 */
import type { CommandOptions } from '../args.js';
import { ConfigValidationError, loadConfig } from '../config-source.js';
import { configWarnings } from '../../lib/config/config.js';
import { EXIT } from '../errors.js';
import { formatDuration, painterFor, printJson, wantsJson, type Io } from '../output.js';
import { scheduleInterval } from '../../core/rotation-rules.js';

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
    const problems = error.problems.map(splitProblem);
    if (json) {
      printJson(io, { valid: false, problems });
    } else {
      const heading = error.message.split('\n')[0]!;
      io.stdout.write(`${painterFor(io, 'stdout')(heading, 'failure')}\n${problems.map(({ field, message }) => `  ${field}: ${message}`).join('\n')}\n`);
      io.stdout.write(`\n${problems.length} problem${problems.length === 1 ? '' : 's'}; \`npx cdk synth\` would refuse this configuration.\n`);
    }
    return EXIT.FAILED;
  }

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
    warnings: configWarnings(config).map(splitProblem),
  };
  if (json) {
    printJson(io, summary);
  } else {
    const methodText = [...methods].map(([method, count]) => `${count} ${method}`).join(', ');
    const paint = painterFor(io, 'stdout');
    io.stdout.write(
      `${paint('Configuration is valid', 'ok')}: stack ${config.stackName}, ${config.targets.length} target${config.targets.length === 1 ? '' : 's'} (${methodText}), ` +
        `schedule ${config.schedule}${intervalSeconds ? ` (every ${formatDuration(intervalSeconds)})` : ''}, shortest credential lifetime ${formatDuration(summary.shortestDurationSeconds)}.\n`,
    );
    for (const { field, message } of summary.warnings) io.stdout.write(`${paint('WARNING', 'warning')}: ${field}: ${message}.\n`);
  }
  return EXIT.OK;
}
