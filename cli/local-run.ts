/**
 * `rotate --local`: the real handler, in this process, with the operator's AWS credentials (so
 * the roles it assumes must trust the operator, as well as the function's role).
 *
 * The function's environment is built from the configuration exactly as the stack would set it
 * (`ADOBE_CREDENTIALS_SECRET_ID`, `ROTATION_TARGETS` with each target's method, bucket and folder,
 * endpoints, concurrency). The function's JSON
 * log lines and metrics (which Powertools writes straight to process.stdout/stderr) are captured,
 * so they do not mix with the CLI's output: they give progress (and `--verbose` copies them to
 * stderr); the rows come from the summary the handler returns.
 */
import { toFunctionEnv, toTargetEntry } from '../core/contract.js';
import { createHandler, type RotationSummary } from '../lambda/handler.js';
import type { RotatorConfig, TargetConfig } from '../lib/config/config.js';
import { STACK_OUTPUT, StackNotDeployedError } from './aws.js';
import { EnvironmentError, UsageError } from './errors.js';

/**
 * Refuse targets whose role the stack creates: that role trusts only the deployed function's
 * role, so no operator credentials can assume it.
 * @throws UsageError naming them.
 */
export function refuseCreatedRoles(config: RotatorConfig, targets: readonly TargetConfig[]): void {
  const created = targets.filter((target) => target.createRole);
  if (created.length === 0) return;
  throw new UsageError(
    `--local cannot rotate ${created.map((target) => target.connectionId).join(', ')}: ` +
      `the stack creates ${created.length === 1 ? 'its role, which trusts' : 'their roles, which trust'} ` +
      "only the deployed function's role; rotate without --local (through the function)" +
      (created.length < config.targets.length ? ', or pass --connection for the other targets.' : '.'),
  );
}

/**
 * The rotator's environment for `targets`, as the stack sets it.
 * @param adobeSecretId the configured secret, or the stack's output when the stack created it.
 */
export function functionEnvironment(
  config: RotatorConfig,
  targets: readonly TargetConfig[],
  adobeSecretId: string,
): Record<string, string> {
  refuseCreatedRoles(config, targets);
  return toFunctionEnv({
    adobeCredentialsSecretId: adobeSecretId,
    targets: targets.map((target) =>
      toTargetEntry({ ...target, userCredentialsSecretId: target.userCredentialsSecret?.secretId }),
    ),
    flowServiceUrl: config.flowServiceUrl,
    imsUrl: config.imsUrl,
    concurrency: config.concurrency,
    verifyWithAdobe: config.verifyWithAdobe,
  });
}

/** The Adobe credentials secret id: configured, or the stack's output (when the stack created it). */
export async function adobeSecretIdOf(
  config: RotatorConfig,
  outputs: () => Promise<Record<string, string>>,
  stackName: string,
): Promise<string> {
  if (config.adobeCredentialsSecret) return config.adobeCredentialsSecret.secretId;
  const because = 'The configuration names no adobeCredentialsSecret, so the stack creates one';
  let arn: string | undefined;
  try {
    arn = (await outputs())[STACK_OUTPUT.adobeCredentialsSecret];
  } catch (error) {
    if (!(error instanceof StackNotDeployedError)) throw error;
    throw new EnvironmentError(
      `${because}, but stack ${stackName} is not deployed${error.region ? ` in ${error.region}` : ''}: ` +
        'add "adobeCredentialsSecret" to the configuration, or deploy the stack.',
    );
  }
  if (arn) return arn;
  throw new EnvironmentError(
    `${because}, but stack ${stackName} has no output ${STACK_OUTPUT.adobeCredentialsSecret}: ` +
      'add "adobeCredentialsSecret" to the configuration.',
  );
}

export interface LocalRunOutcome {
  readonly summary?: RotationSummary;
  readonly error?: Error;
  /** Every line the function wrote (JSON log lines and EMF metric documents). */
  readonly log: string;
}

/**
 * Run the handler once with `event`, capturing what it writes to process.stdout/stderr.
 * @param onLine called for each complete line as it is written (progress, --verbose).
 * @param region the configuration's region: the function's SDK clients read `AWS_REGION`, so it
 * is set to this for the run (the stack, its secrets and roles live there).
 */
export async function runLocally(
  env: Record<string, string>,
  event: unknown,
  onLine: (line: string) => void,
  region?: string,
): Promise<LocalRunOutcome> {
  const handler = createHandler({ env });
  const savedRegion = process.env.AWS_REGION;
  if (region) process.env.AWS_REGION = region;
  const lines: string[] = [];
  let partial = '';
  const capture = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    partial += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const complete = partial.split('\n');
    partial = complete.pop()!;
    for (const line of complete) {
      lines.push(line);
      onLine(line);
    }
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  const saved = { stdout: process.stdout.write, stderr: process.stderr.write };
  process.stdout.write = capture;
  process.stderr.write = capture;
  let outcome: Omit<LocalRunOutcome, 'log'>;
  try {
    outcome = { summary: await handler(event) };
  } catch (error) {
    outcome = { error: error as Error };
  } finally {
    process.stdout.write = saved.stdout;
    process.stderr.write = saved.stderr;
    if (region) {
      if (savedRegion === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = savedRegion;
    }
    if (partial) {
      lines.push(partial);
      onLine(partial);
    }
  }
  return { ...outcome, log: lines.join('\n') };
}
