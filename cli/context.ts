/**
 * What every command that acts on a deployment starts with: the configuration (when there is one:
 * a deployment needs none, given `--function`), the region (refused, with the closest real one, when
 * AWS has no region of that name), and the deployment learned from its function (cli/discovery.ts).
 */
import { createRequire } from 'node:module';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { CommandOptions } from './args.js';
import type { AwsOptions } from './aws.js';
import { optionalConfig, stackNameFor, type RotatorConfig } from './config-source.js';
import { closest, discoverDeployment, type Deployment } from './discovery.js';
import { describeAwsError, EnvironmentError, UsageError } from './errors.js';
import type { Io } from './output.js';

/** A command's starting point. */
export interface Opened {
  readonly config?: RotatorConfig;
  readonly aws: AwsOptions;
  readonly region?: string;
  readonly deployment: Deployment;
}

/**
 * The regions aws-cdk-lib knows (a peer dependency, loaded only here), or undefined where it is not
 * installed beside the CLI: then only the region's shape is checked, by the SDK.
 */
async function knownRegions(): Promise<string[] | undefined> {
  try {
    createRequire(import.meta.url).resolve('aws-cdk-lib');
    const { RegionInfo } = await import('aws-cdk-lib/region-info');
    return RegionInfo.regions.map((region) => region.name);
  } catch {
    return undefined;
  }
}

/**
 * The region the SDK will use (the configuration's, else AWS_REGION or the profile's), checked.
 * @throws EnvironmentError (exit 3) when none is set, or AWS has no region of that name.
 */
export async function checkRegion(aws: AwsOptions): Promise<string> {
  const client = new LambdaClient(aws.region ? { region: aws.region } : {});
  let region: string;
  try {
    region = await client.config.region();
  } catch (error) {
    throw (
      describeAwsError(error, 'find the AWS region') ??
      new EnvironmentError('No AWS region is set: set AWS_REGION, or "region" in the configuration.')
    );
  } finally {
    client.destroy();
  }
  const regions = await knownRegions();
  if (regions && !regions.includes(region)) {
    const meant = closest(region, regions);
    throw new EnvironmentError(
      `Region ${region} is not an AWS region${meant ? ` (did you mean ${meant}?)` : ''}: check AWS_REGION, ` +
        'your profile\'s region and "region" in the configuration.',
    );
  }
  return region;
}

/** The configuration, the region and the deployment a command acts on. */
export async function openDeployment(options: CommandOptions, io: Io): Promise<Opened> {
  if (options.function && options.stack)
    throw new UsageError('--function and --stack both name the rotator: give one.');
  const config = optionalConfig(io.cwd, options.config);
  const aws: AwsOptions = { region: config?.region };
  const region = await checkRegion(aws);
  const deployment = await discoverDeployment(
    {
      ...(options.function ? { functionName: options.function } : {}),
      stackName: stackNameFor(io.cwd, options.config, options.stack),
      stackGiven: Boolean(options.stack),
    },
    aws,
  );
  return { ...(config ? { config } : {}), aws, region, deployment };
}
