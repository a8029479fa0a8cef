/**
 * The rotation function and how it is bundled: esbuild, no Docker, the AWS SDK included so the
 * artifact runs the versions the tests ran. The bench and the package build (scripts/build-package.ts)
 * bundle with the same settings ({@link ROTATOR_BUNDLE}), so what they measure and ship is what
 * `cdk deploy` uploads from this project.
 *
 * Two ways to the same code: in this project the construct bundles lambda/handler.ts at synth
 * (`NodejsFunction`); installed from the package, it deploys the bundle the package ships
 * (`dist/function`), so a consumer's synth depends on nothing of this project's build setup.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stage, type Duration } from 'aws-cdk-lib';
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
 * The prebuilt bundle the package ships, when this module runs from the package: beside the
 * library bundle (dist/index.cjs → dist/function/) or one folder up from the CLI's (dist/cli/ →
 * dist/function/). Undefined in this project, which bundles from source.
 */
export function prebuiltFunctionDir(): string | undefined {
  return prebuiltBundleDir('function');
}

/**
 * The directory `dist/<name>/` of a bundle the package ships (its `index.mjs`), found as {@link prebuiltFunctionDir}
 * finds the function's.
 */
export function prebuiltBundleDir(name: string): string | undefined {
  for (const relative of [`./${name}/`, `../${name}/`]) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(join(dir, 'index.mjs'))) return dir;
  }
  return undefined;
}

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
    esbuildArgs: {
      '--minify-whitespace': ROTATOR_BUNDLE.minifyWhitespace,
      '--minify-syntax': ROTATOR_BUNDLE.minifySyntax,
    },
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
      afterBundling: (_inputDir: string, outputDir: string) =>
        targetsFile ? [copyCommand(targetsFile, join(outputDir, TARGETS_FILE_NAME))] : [],
    },
  };
}

/** The runtime the bundle targets (`target: 'node24'`) and the tests run on. */
export const DEFAULT_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** What the function is made of, decided by the construct. */
export interface RotatorFunctionOptions {
  /** @default lambda.Runtime.NODEJS_24_X, the runtime the bundle targets ({@link ROTATOR_BUNDLE}) */
  readonly runtime?: lambda.Runtime;
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

/**
 * The rotation function (construct id `Function`, the same whichever way it is built, so its
 * logical id does not move).
 */
export function createRotatorFunction(scope: Construct, options: RotatorFunctionOptions): lambda.Function {
  const prebuilt = prebuiltFunctionDir();
  if (prebuilt) {
    return new lambda.Function(scope, 'Function', {
      ...functionProps(options),
      handler: 'index.handler',
      code: lambda.Code.fromAsset(prebuiltAsset(scope, prebuilt, options.targetsFile)),
    });
  }
  return new NodejsFunction(scope, 'Function', {
    ...functionProps(options),
    entry: HANDLER_ENTRY,
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
    bundling: rotatorBundling(options.targetsFile),
  });
}

/**
 * The package's bundle as an asset: as shipped, or with a bundled targets file beside it (copied,
 * with the bundle, into a directory of the cloud assembly named by their content).
 */
function prebuiltAsset(scope: Construct, prebuilt: string, targetsFile: string | undefined): string {
  if (!targetsFile) return prebuilt;
  const files = ['index.mjs', 'index.mjs.map'].map((name) => join(prebuilt, name)).filter((file) => existsSync(file));
  const hash = createHash('sha256');
  for (const file of [...files, targetsFile]) hash.update(readFileSync(file));
  const dir = join(Stage.of(scope)?.outdir ?? PROJECT_ROOT, 'rotator-function', hash.digest('hex').slice(0, 16));
  mkdirSync(dir, { recursive: true });
  for (const file of files) copyFileSync(file, join(dir, basename(file)));
  copyFileSync(targetsFile, join(dir, TARGETS_FILE_NAME));
  return dir;
}

/** What the function is, however its code is built. */
function functionProps(options: RotatorFunctionOptions): lambda.FunctionOptions & { runtime: lambda.Runtime } {
  return {
    // The runtime the bundle targets and the tests run on;
    // https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
    runtime: options.runtime ?? DEFAULT_RUNTIME,
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
  };
}
