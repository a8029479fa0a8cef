/**
 * The targets a command knows: the local configuration's, or the deployed function's (from its
 * environment, else from an `inspect` request with `targetsOnly`, which asks nothing of Adobe), and
 * whether the two differ. `--connection` prefixes resolve against them (cli/connection-ids.ts).
 */
import type { InspectResult } from '../lambda/inspect.js';
import { isInspectResult } from '../lambda/inspect.js';
import type { CommandOptions } from './args.js';
import { invokeFunction, type AwsOptions } from './aws.js';
import type { RotatorConfig } from './config-source.js';
import { resolveConnectionIds } from './connection-ids.js';
import { deployCommand } from './deployment.js';
import type { Deployment } from './discovery.js';
import { CliError, EnvironmentError, EXIT, UsageError, withoutFullStop } from './errors.js';

/** A target as a command needs it. */
export interface KnownTarget {
  readonly connectionId: string;
  readonly sandboxName: string;
  readonly method?: string;
  readonly durationSeconds?: number;
  readonly roleArn?: string;
}

/** The inspect request's answer, or a sentence and exit code for why there is none. */
export async function invokeInspect(
  deployment: Pick<Deployment, 'functionName'>,
  request: {
    connectionIds?: readonly string[];
    probe?: boolean;
    targetsOnly?: boolean;
    discover?: true;
    sandboxes?: readonly string[];
  },
  aws: AwsOptions,
  /** The deploy an outdated function needs, as the user would paste it. @default `npx cdk deploy` */
  deploy = deployCommand({}),
): Promise<InspectResult> {
  // `dryRun: true` makes a function from before inspect existed refuse the request (a manual dry run
  // with a field it does not know), where it would otherwise take it for a scheduled run of every target.
  const outcome = await invokeFunction(
    deployment.functionName,
    { inspect: true, dryRun: true, ...request, ...(request.connectionIds ? { unknownConnections: 'report' } : {}) },
    aws,
  );
  if (outcome.functionError) {
    const failure = outcome.payload as { errorType?: unknown; errorMessage?: unknown } | undefined;
    const message = withoutFullStop(String(failure?.errorMessage ?? 'unknown error'));
    if (failure?.errorType === 'RequestValidationError') {
      throw new CliError(
        `Function ${deployment.functionName} refused the inspect request (${message}): ` +
          `it was deployed by a version of the rotator from before inspect existed; deploy it again: ${deploy}`,
        EXIT.FAILED,
      );
    }
    throw new CliError(
      `Function ${deployment.functionName} could not answer (${failure?.errorType ?? 'error'}: ${message}).`,
      EXIT.FAILED,
    );
  }
  if (!isInspectResult(outcome.payload))
    throw new EnvironmentError(
      `Function ${deployment.functionName} answered with something other than an inspect result: ` +
        'is it the rotator function?',
    );
  return outcome.payload;
}

/** The deployed function's targets: from its environment, else asked of it (`targetsOnly`). */
export async function deployedTargets(
  deployment: Deployment,
  aws: AwsOptions,
  deploy?: string,
): Promise<KnownTarget[]> {
  if (deployment.targets) {
    return deployment.targets.map((target) => ({
      connectionId: target.connectionId,
      sandboxName: target.sandboxName,
      ...(target.durationSeconds ? { durationSeconds: target.durationSeconds } : {}),
      ...(target.roleArn ? { roleArn: target.roleArn } : {}),
    }));
  }
  const answered = await invokeInspect(deployment, { targetsOnly: true }, aws, deploy);
  return answered.inspected.map(({ connectionId, sandboxName, method, durationSeconds, roleArn }) => ({
    connectionId,
    sandboxName,
    method,
    durationSeconds,
    ...(roleArn ? { roleArn } : {}),
  }));
}

/** The local configuration's targets. */
export function configuredTargets(config: RotatorConfig): KnownTarget[] {
  return config.targets.map((target) => ({
    connectionId: target.connectionId,
    sandboxName: target.sandboxName,
    method: target.method,
    durationSeconds: target.durationSeconds,
    ...(target.roleArn ? { roleArn: target.roleArn } : {}),
  }));
}

/**
 * The targets `--connection` resolves against, and how to name them: the local configuration's,
 * unless `--function` names a function (which may be another configuration's) or there is none.
 */
export async function targetsForIds(
  options: CommandOptions,
  config: RotatorConfig | undefined,
  deployment: Deployment,
  aws: AwsOptions,
): Promise<{ targets: KnownTarget[]; where: string }> {
  if (config && !options.function) return { targets: configuredTargets(config), where: 'the local configuration' };
  const targets = await deployedTargets(deployment, aws, deployCommand(options));
  return { targets, where: `function ${deployment.functionName}'s targets` };
}

/** How the deployed targets differ from the local configuration's (ids, and sandboxes of the same id). */
export interface TargetDifference {
  readonly deployedOnly: readonly string[];
  readonly localOnly: readonly string[];
  /** In both, with another sandbox. */
  readonly sandboxChanged: readonly string[];
}

/** Undefined when they agree. */
export function targetDifference(
  local: readonly KnownTarget[],
  deployed: readonly KnownTarget[],
): TargetDifference | undefined {
  const deployedById = new Map(deployed.map((target) => [target.connectionId.toLowerCase(), target]));
  const localIds = new Set(local.map((target) => target.connectionId.toLowerCase()));
  const deployedOnly = deployed
    .filter((target) => !localIds.has(target.connectionId.toLowerCase()))
    .map((target) => target.connectionId);
  const localOnly = local
    .filter((target) => !deployedById.has(target.connectionId.toLowerCase()))
    .map((target) => target.connectionId);
  const sandboxChanged = local
    .filter((target) => {
      const other = deployedById.get(target.connectionId.toLowerCase());
      return other !== undefined && other.sandboxName !== target.sandboxName;
    })
    .map((target) => target.connectionId);
  return deployedOnly.length + localOnly.length + sandboxChanged.length === 0
    ? undefined
    : { deployedOnly, localOnly, sandboxChanged };
}

/** Refuse a `--connection` with another option that means "every target". */
export function needsOneConnection(ids: readonly string[] | undefined, command: string): string {
  if (ids?.length !== 1)
    throw new UsageError(`${command} needs exactly one --connection <id> (a connection id, or the start of one).`);
  return ids[0]!;
}

/**
 * The one connection a command acts on (`history`, `revoke`): `--connection` resolved against the
 * targets {@link targetsForIds} names (anything but exactly one is a usage error), and that target.
 */
export async function oneConnection(
  options: CommandOptions,
  { config, deployment, aws }: { config?: RotatorConfig; deployment: Deployment; aws: AwsOptions },
  command: string,
): Promise<{ connectionId: string; target?: KnownTarget }> {
  const { targets, where } = await targetsForIds(options, config, deployment, aws);
  const ids = resolveConnectionIds(
    options.connection,
    targets.map((target) => target.connectionId),
    where,
  );
  const connectionId = needsOneConnection(ids, command);
  return { connectionId, target: targets.find((target) => target.connectionId === connectionId) };
}
