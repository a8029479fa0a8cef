/**
 * The rotation function and how it is bundled: esbuild, no Docker, the AWS SDK included so the
 * artifact runs the versions the tests ran. The bench builds its bundle from the same settings
 * ({@link ROTATOR_BUNDLE}), so what it measures is what `cdk deploy` uploads.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { copyCommand, TARGETS_FILE_NAME } from './targets-delivery.js';

/** The project's root: the bundle's entry and lockfile are found from it. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The function's entry point (exports `handler`). */
export const HANDLER_ENTRY = join(PROJECT_ROOT, 'lambda', 'handler.ts');

/**
 * The bundle's esbuild settings, as plain data: the construct turns them into `bundling` props,
 * the bench into esbuild options.
 */
export const ROTATOR_BUNDLE = {
  format: 'esm',
  platform: 'node',
  /** Lambda's newest Node.js runtime, `nodejs24.x`. */
  target: 'node24',
  mainFields: ['module', 'main'],
  // Whitespace and syntax only: identifiers keep their names, so stack traces and error names
  // read as written without esbuild's keepNames, whose __name() call on every function and
  // class definition cost about a tenth of the CPU per rotation at 300-1,000 connections
  // (BENCHMARKS.md).
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: false,
  keepNames: false,
  sourcemap: true,
  sourcesContent: false,
  // CommonJS dependencies call require(); ESM output has none.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
} as const;

/** `NodejsFunction` bundling from {@link ROTATOR_BUNDLE}; a targets file is copied beside the code. */
export function rotatorBundling(targetsFile: string | undefined): BundlingOptions {
  return {
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    mainFields: [...ROTATOR_BUNDLE.mainFields],
    target: ROTATOR_BUNDLE.target,
    minify: false,
    esbuildArgs: { '--minify-whitespace': ROTATOR_BUNDLE.minifyWhitespace, '--minify-syntax': ROTATOR_BUNDLE.minifySyntax },
    keepNames: ROTATOR_BUNDLE.keepNames,
    sourceMap: ROTATOR_BUNDLE.sourcemap,
    sourcesContent: ROTATOR_BUNDLE.sourcesContent,
    // Bundle the SDK too: the artifact then runs the versions the tests ran.
    bundleAwsSDK: true,
    tsconfig: join(PROJECT_ROOT, 'tsconfig.json'),
    banner: ROTATOR_BUNDLE.banner,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) => (targetsFile ? [copyCommand(targetsFile, join(outputDir, TARGETS_FILE_NAME))] : []),
    },
  };
}

/** What the function is made of, decided by the construct. */
export interface RotatorFunctionOptions {
  readonly role: iam.IRole;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly reserveConcurrency: boolean;
  readonly logGroup: logs.ILogGroup;
  readonly description: string;
  readonly environment: Record<string, string>;
  readonly maxEventAge: Duration;
  readonly onFailure: lambda.IDestination;
  /** A bundled targets file to copy next to the code. */
  readonly targetsFile?: string;
}

/** The rotation function (construct id `Function`). */
export function createRotatorFunction(scope: Construct, options: RotatorFunctionOptions): NodejsFunction {
  return new NodejsFunction(scope, 'Function', {
    entry: HANDLER_ENTRY,
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
    // The newest Node.js runtime Lambda supports; https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    role: options.role,
    memorySize: options.memorySize,
    timeout: options.timeout,
    // Two runs racing on the same connections' etags would only waste requests (412, re-read).
    reservedConcurrentExecutions: options.reserveConcurrency ? 1 : undefined,
    logGroup: options.logGroup,
    description: options.description,
    environment: { ...options.environment, NODE_OPTIONS: '--enable-source-maps' },
    // Scheduler invokes asynchronously: Lambda retries a failed run, then hands it to the queue.
    retryAttempts: 2,
    maxEventAge: options.maxEventAge,
    onFailure: options.onFailure,
    bundling: rotatorBundling(options.targetsFile),
  });
}
