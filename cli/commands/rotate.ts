/**
 * `rotate`: rotate now through the deployed function (synchronous Invoke with the manual request
 * shape), or `--local` in this process; one row per connection either way.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CONNECTION_ID } from '../../core/contract.js';
import { namedIds, RUN, shellWord, type CommandOptions } from '../args.js';
import { invokeFunction, stackOutputs, type AwsOptions } from '../aws.js';
import { optionalConfig, requireConfig, stackNameFor, type RotatorConfig } from '../config-source.js';
import { resolveConnectionIds } from '../connection-ids.js';
import { checkRegion } from '../context.js';
import { callerArn, deployCommand, suggest } from '../deployment.js';
import { resolveFunction } from '../discovery.js';
import { invokeInspect } from '../targets.js';
import { CliError, describeAwsError, EnvironmentError, EXIT, UsageError, withoutFullStop } from '../errors.js';
import { adobeSecretIdOf, functionEnvironment, refuseCreatedRoles, runLocally } from '../local-run.js';
import { Progress, wantsJson, type Io } from '../output.js';
import { printRotateReport, type RotateReport } from '../rotation-report.js';
import { isHealthyRow, isOutcomeLogLine, isRotationSummary, rowsFromSummary } from '../rotation-rows.js';

/**
 * The manual request of the function's contract (README, "Events"). Ids that are not the
 * function's targets are asked to be reported in the summary (`unknownConnectionIds`), so they
 * are read as data, and a typo is not a Lambda error that pages through ErrorsAlarm. The caller is
 * who the operator's credentials say they are, kept in each connection's ledger history.
 */
function manualRequest(connectionIds: string[] | undefined, dryRun: boolean, caller?: string) {
  return {
    ...(connectionIds ? { connectionIds, unknownConnections: 'report' as const } : {}),
    dryRun,
    ...(caller ? { caller } : {}),
  };
}

/**
 * `--connection` values as whole ids: resolved against the local configuration's targets, or, given
 * `--function` (which may come from another configuration) or no configuration, taken as they are
 * when they are whole ids (the function answers for them) and else resolved against the function's
 * own targets (an inspect request that asks nothing of Adobe).
 */
async function connectionIdsFor(
  options: CommandOptions,
  config: RotatorConfig | undefined,
  functionName: string,
  aws: AwsOptions,
): Promise<string[] | undefined> {
  if (!options.connection || options.connection.length === 0) return undefined;
  if (config && !options.function) {
    return resolveConnectionIds(
      options.connection,
      config.targets.map((target) => target.connectionId),
      'the local configuration; nothing was invoked or rotated (for a function deployed from another ' +
        'configuration, pass --function <name>)',
    );
  }
  if (options.connection.every((id) => CONNECTION_ID.test(id)))
    return resolveConnectionIds(options.connection, options.connection, 'the request');
  const answered = await invokeInspect({ functionName }, { targetsOnly: true }, aws, deployCommand(options));
  return resolveConnectionIds(
    options.connection,
    answered.inspected.map((target) => target.connectionId),
    `function ${functionName}'s targets`,
  );
}

export async function rotateCommand(options: CommandOptions, io: Io): Promise<number> {
  const dryRun = Boolean(options['dry-run']);
  if (options.local && (options.function || options.stack)) {
    throw new UsageError(
      '--local runs the rotation in this process; it cannot be combined with ' +
        `${options.function ? '--function' : '--stack'}.`,
    );
  }
  if (options.verbose && !options.local)
    throw new UsageError("--verbose applies to --local only: a deployed function's log is in CloudWatch Logs.");

  const report = options.local ? await rotateLocally(options, io, dryRun) : await rotateDeployed(options, io, dryRun);
  const ok = report.rows.length > 0 && report.rows.every((row) => isHealthyRow(row, dryRun));
  printRotateReport(report, ok, io, wantsJson(io, options.json));
  return ok ? EXIT.OK : EXIT.FAILED;
}

async function rotateDeployed(options: CommandOptions, io: Io, dryRun: boolean): Promise<RotateReport> {
  if (options.function && options.stack)
    throw new UsageError('--function and --stack both name the rotator: give one.');
  const config = optionalConfig(io.cwd, options.config);
  const aws = { region: config?.region };
  // Unknown local ids are refused before anything is asked of AWS.
  const localIds = config && !options.function ? await connectionIdsFor(options, config, '', aws) : undefined;
  await checkRegion(aws);
  const { functionName } = await resolveFunction(
    {
      ...(options.function ? { functionName: options.function } : {}),
      stackName: stackNameFor(io.cwd, options.config, options.stack),
      stackGiven: Boolean(options.stack),
    },
    aws,
  );
  const connectionIds = localIds ?? (await connectionIdsFor(options, config, functionName, aws));
  const caller = await callerArn(aws);

  const progress = new Progress(io);
  const started = io.now();
  const what = connectionIds
    ? `${connectionIds.length} connection${connectionIds.length === 1 ? '' : 's'}`
    : 'every target';
  const tick = () =>
    progress.update(
      `${dryRun ? 'dry run: ' : ''}invoking ${functionName} for ${what}… ${Math.round((io.now() - started) / 1000)}s`,
    );
  tick();
  const timer = progress.enabled ? setInterval(tick, 1000).unref() : undefined;
  let outcome: Awaited<ReturnType<typeof invokeFunction>>;
  try {
    outcome = await invokeFunction(functionName, manualRequest(connectionIds, dryRun, caller), aws);
  } finally {
    clearInterval(timer);
    progress.done();
  }

  // A manual request gets the summary whatever failed: a rejection means the request or the
  // function's configuration is invalid, or the function crashed or timed out.
  if (outcome.functionError) {
    const failure = outcome.payload as { errorType?: unknown; errorMessage?: unknown } | undefined;
    const errorMessage = String(failure?.errorMessage ?? outcome.payload ?? 'unknown error');
    if (failure?.errorType === 'RequestValidationError') {
      throw new UsageError(`Function ${functionName} refused the request (${withoutFullStop(errorMessage)}).`);
    }
    // An invalid configuration stops every invocation before it reaches a connection.
    if (failure?.errorType === 'ConfigError') {
      throw new CliError(
        `Function ${functionName} failed before rotating any connection: ${errorMessage}`,
        EXIT.FAILED,
      );
    }
    // A crash or a timeout can stop it after some connections were rotated, and leaves no summary.
    throw new CliError(
      `Function ${functionName} failed as a whole and returned no results: ${withoutFullStop(errorMessage)}; ` +
        `it may have rotated some connections before it stopped: \`${suggest('status', options)}\` shows what each ` +
        "holds now, and the function's log in CloudWatch Logs has every outcome.",
      EXIT.FAILED,
    );
  }
  if (!isRotationSummary(outcome.payload)) {
    throw new EnvironmentError(
      `Function ${functionName} answered with something other than a rotation summary: is it the rotator function?`,
    );
  }
  const unknown = outcome.payload.unknownConnectionIds ?? [];
  if (unknown.length > 0) {
    throw (
      notDeployedYet(unknown, config, options, functionName) ??
      new UsageError(
        `Function ${functionName} refused the request: ${notInTargets(unknown, config)}; nothing was rotated.`,
      )
    );
  }
  return { mode: 'deployed', function: functionName, dryRun, rows: rowsFromSummary(outcome.payload) };
}

/**
 * The function refused connection ids that the local configuration has: they were added and not
 * deployed yet. Says so, with the commands to run (undefined when that is not the case).
 */
function notDeployedYet(
  refused: readonly string[],
  config: RotatorConfig | undefined,
  options: CommandOptions,
  functionName: string,
): UsageError | undefined {
  if (!config) return undefined;
  const local = new Set(config.targets.map((target) => target.connectionId.toLowerCase()));
  if (!refused.every((id) => local.has(id.toLowerCase()))) return undefined;
  const deploy = deployCommand(options);
  const rotate = [
    `${RUN} rotate`,
    // Nothing was rotated: the same request again, once deployed.
    ...(options.connection ?? refused).map((id) => `--connection ${id}`),
    ...(options['dry-run'] ? ['--dry-run'] : []),
    ...(options.config ? [`--config ${shellWord(options.config)}`] : []),
    ...(options.function
      ? [`--function ${shellWord(options.function)}`]
      : options.stack
        ? [`--stack ${shellWord(options.stack)}`]
        : []),
  ].join(' ');
  const these = refused.length === 1 ? `${refused[0]} is` : `${refused.join(', ')} are`;
  return new UsageError(
    `${these} in the local configuration but not deployed yet (function ${functionName} ` +
      `does not have ${refused.length === 1 ? 'it' : 'them'}); ` +
      `deploy, then rotate: \`${deploy}\`, then \`${rotate}\`. ` +
      'Nothing was rotated.',
  );
}

/**
 * `connectionIds: <id> (did you mean <target>?) is not in the configured targets`, the suggestions from the local
 * targets.
 */
function notInTargets(unknown: readonly string[], config: RotatorConfig | undefined): string {
  const named = namedIds(unknown, config?.targets.map((target) => target.connectionId) ?? []);
  return `connectionIds: ${named} ${unknown.length === 1 ? 'is' : 'are'} not in the configured targets`;
}

async function rotateLocally(options: CommandOptions, io: Io, dryRun: boolean): Promise<RotateReport> {
  const config = requireConfig(io.cwd, options.config, 'rotate --local');
  const byId = new Map(config.targets.map((target) => [target.connectionId.toLowerCase(), target]));
  const connectionIds = resolveConnectionIds(
    options.connection,
    config.targets.map((target) => target.connectionId),
    'the local configuration; nothing was rotated',
  );
  const targets = connectionIds ? connectionIds.map((id) => byId.get(id.toLowerCase())!) : config.targets;
  refuseCreatedRoles(config, targets);

  const caller = await checkOperatorCredentials(config.region);
  const secretId = await adobeSecretIdOf(
    config,
    () => stackOutputs(config.stackName, { region: config.region }),
    config.stackName,
  );
  const env = functionEnvironment(config, targets, secretId);

  const progress = new Progress(io);
  const showProgress = !options.verbose;
  let done = 0;
  const label = dryRun ? 'checking (dry run)' : 'rotating';
  if (showProgress) progress.update(`${label} 0/${targets.length}…`);
  const outcome = await runLocally(
    env,
    manualRequest(connectionIds, dryRun, caller),
    (line) => {
      if (options.verbose) io.stderr.write(`${line}\n`);
      else if (isOutcomeLogLine(line)) progress.update(`${label} ${++done}/${targets.length}…`);
    },
    config.region,
  );
  progress.done();

  if (outcome.summary) return { mode: 'local', dryRun, rows: rowsFromSummary(outcome.summary) };
  throw new CliError(`The local run failed before rotating any connection: ${outcome.error!.message}`, EXIT.FAILED);
}

/** --local signs with the operator's credentials: say so at once when there are none. Resolves to who they are. */
async function checkOperatorCredentials(region: string | undefined): Promise<string | undefined> {
  const client = new STSClient({ ...(region ? { region } : {}) });
  try {
    return (await client.send(new GetCallerIdentityCommand({}))).Arn;
  } catch (error) {
    throw (
      describeAwsError(error, 'call sts:GetCallerIdentity') ??
      new EnvironmentError(`Your AWS credentials could not be checked (${(error as Error).name}).`)
    );
  } finally {
    client.destroy();
  }
}
