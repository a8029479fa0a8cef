/**
 * A seeded world for CLI tests: the four emulators plus the stand-ins of a deployed stack
 * (emulators/deployed-stack.ts: Lambda Invoke running the real handler, CloudFormation with the
 * stack's outputs, Scheduler, CloudWatch, the ledger), a working directory whose cdk.json holds
 * the matching configuration, and `cli()` to run the CLI in-process with captured output.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudFormationEmulator } from '../../emulators/cloudformation.js';
import { configFor, startDeployedStack, type DeployedStack } from '../../emulators/deployed-stack.js';
import type { LambdaInvokeEmulator } from '../../emulators/lambda-invoke.js';
import { startWorld, type World, type WorldOptions } from '../../emulators/world.js';
import { run } from '../../cli/main.js';
import { FAST_HTTP_POLICY } from './rotation-harness.js';

export { configFor, FUNCTION_NAME, STACK_NAME } from '../../emulators/deployed-stack.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (throws if it is not). */
  json<T = Record<string, any>>(): T;
}

export interface CliWorld {
  readonly world: World;
  /** The deployed stack's stand-ins (Lambda, CloudFormation, Scheduler, CloudWatch). */
  readonly stack: DeployedStack;
  readonly lambda: LambdaInvokeEmulator;
  readonly cloudFormation: CloudFormationEmulator;
  /** The working directory the CLI runs in (its cdk.json holds {@link CliWorld.config}). */
  readonly dir: string;
  /** The "rotator" context written to cdk.json. */
  config: Record<string, unknown>;
  /** Rewrite cdk.json with `config` (merged over the current one). */
  writeConfig(config: Record<string, unknown>): void;
  /**
   * Run the CLI in-process; stdout/stderr are terminals only when `tty` is set. Its environment
   * (for colour) is `env`, by default `NO_COLOR=1`: plain text unless a test asks for colour.
   */
  cli(
    argv: string[],
    options?: { tty?: boolean; now?: number; env?: Record<string, string | undefined> },
  ): Promise<CliResult>;
  /** Change process.env (the AWS SDK reads it) until the world closes or the returned function runs. */
  env(extra: Record<string, string | undefined>): () => void;
  /**
   * Sign the CLI's calls as an operator of its own (a role session of the world's STS), not as the
   * function's role (the default): returns the operator's access key id and ARN.
   */
  asOperator(): { readonly accessKeyId: string; readonly arn: string };
  close(): Promise<void>;
}

export async function startCliWorld(options: WorldOptions): Promise<CliWorld> {
  const world = await startWorld(options);
  const stack = await startDeployedStack(world, { httpPolicy: FAST_HTTP_POLICY });
  const { lambda, cloudFormation } = stack;

  const restores: Array<() => void> = [
    world.applyEnv({
      ...stack.endpointEnv,
      // Hermetic: no profile, no shared files, no instance metadata.
      AWS_PROFILE: undefined,
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_EC2_METADATA_DISABLED: 'true',
    }),
  ];
  const dir = mkdtempSync(join(tmpdir(), 'aep-s3-rotator-cli-'));

  const cliWorld: CliWorld = {
    world,
    stack,
    lambda,
    cloudFormation,
    dir,
    config: configFor(world),
    writeConfig(config) {
      cliWorld.config = { ...cliWorld.config, ...config };
      writeFileSync(
        join(dir, 'cdk.json'),
        JSON.stringify({ app: 'npx tsx bin/app.ts', context: { rotator: cliWorld.config } }, null, 2),
      );
    },
    async cli(argv, { tty = false, now, env = PLAIN } = {}) {
      let stdout = '';
      let stderr = '';
      const code = await run(argv, {
        stdout: { write: (text: string) => (stdout += text), isTTY: tty },
        stderr: { write: (text: string) => (stderr += text), isTTY: tty },
        cwd: dir,
        now: () => now ?? Date.now(),
        env,
      });
      return { code, stdout, stderr, json: () => JSON.parse(stdout) };
    },
    env(extra) {
      const restore = world.applyEnv(extra);
      restores.push(restore);
      return restore;
    },
    asOperator() {
      const operator = world.emulators.sts.issueRoleSession(OPERATOR_ROLE_ARN, 'operator', 12 * 3600);
      cliWorld.env({
        AWS_ACCESS_KEY_ID: operator.accessKeyId,
        AWS_SECRET_ACCESS_KEY: operator.secretAccessKey,
        AWS_SESSION_TOKEN: operator.sessionToken,
      });
      return {
        accessKeyId: operator.accessKeyId,
        arn: `arn:aws:sts::123456789012:assumed-role/aep-s3-rotator-operator/operator`,
      };
    },
    async close() {
      for (const restore of restores.reverse()) restore();
      rmSync(dir, { recursive: true, force: true });
      await stack.close();
      await world.close();
    },
  };
  cliWorld.writeConfig({});
  return cliWorld;
}

/** The operator role of {@link CliWorld.asOperator}. */
export const OPERATOR_ROLE_ARN = 'arn:aws:iam::123456789012:role/aep-s3-rotator-operator';

/** The CLI's environment when a test does not ask for colour. */
export const PLAIN = { NO_COLOR: '1' } as const;

/** Environment without any AWS credentials (the SDK's default chain then finds none). */
export const NO_AWS_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
};

/** A stack trace line, which a person's mistake must never produce. */
export const STACK_TRACE = /\n\s+at /;
