/**
 * Reads the rotator configuration the way the CDK app does (`lib/config/config.ts` `loadRotatorConfig`):
 * `--config <file>`, or the context of `./cdk.json` (key `rotator`, or the file named by
 * `rotatorConfigFile`), relative paths resolved against the working directory.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import {
  CONFIG_CONTEXT_KEY,
  CONFIG_FILE_CONTEXT_KEY,
  ConfigValidationError,
  DEFAULT_STACK_NAME,
  loadRotatorConfig,
  locateJsonError,
  parseRotatorConfig,
  type RotatorConfig,
} from '../lib/config/config.js';
import { RUN, shellWord } from './args.js';
import { CliError, EXIT, UsageError } from './errors.js';

export { ConfigValidationError, type RotatorConfig };

/** `tryGetContext` as the CDK app would see it, and where it came from. */
function contextOf(
  cwd: string,
  configFile: string | undefined,
): { tryGetContext: (key: string) => unknown; source: string } {
  if (configFile !== undefined) return { tryGetContext: () => undefined, source: configFile };
  const path = resolve(cwd, 'cdk.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigValidationError(
      [`cdk.json: there is none in ${cwd}; run in the project directory or pass --config <file>`],
      path,
    );
  }
  let cdkJson: { context?: Record<string, unknown> };
  try {
    cdkJson = JSON.parse(text) as typeof cdkJson;
  } catch (error) {
    const { line, column, reason } = locateJsonError(text, error);
    throw new ConfigValidationError([`cdk.json:${line}:${column}: is not valid JSON (${reason})`], path);
  }
  const context = cdkJson?.context ?? {};
  return { tryGetContext: (key) => context[key], source: path };
}

/**
 * The validated configuration.
 * @throws ConfigValidationError listing every problem with its field (also when there is no configuration).
 */
export function loadConfig(cwd: string, configFile: string | undefined): RotatorConfig {
  if (configFile !== undefined) return parseRotatorConfig(readConfigFile(cwd, configFile), `file "${configFile}"`);
  const { tryGetContext } = contextOf(cwd, undefined);
  return loadRotatorConfig(tryGetContext, (path) => readFileSync(resolve(cwd, path), 'utf8'));
}

/** Why a file named on the command line cannot be read, in words. */
const UNREADABLE: Record<string, string> = {
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/**
 * The JSON in `--config <file>`.
 * @throws UsageError (exit 2) when the file cannot be read: the command line names a wrong file.
 */
function readConfigFile(cwd: string, file: string): unknown {
  const source = `file "${file}"`;
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const why =
      code === 'ENOENT'
        ? `there is no such file${isAbsolute(file) ? '' : ` in ${cwd}`}`
        : `cannot read it (${UNREADABLE[code] ?? code})`;
    throw new UsageError(`--config "${file}": ${why}; pass the path of a JSON file holding the rotator configuration.`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const { line, column, reason } = locateJsonError(text, error);
    throw new ConfigValidationError([`--config: ${file}:${line}:${column}: is not valid JSON (${reason})`], source);
  }
}

/** Like {@link loadConfig}, but an invalid configuration ends the command (exit 1) with its problems. */
export function requireConfig(cwd: string, configFile: string | undefined, command: string): RotatorConfig {
  try {
    return loadConfig(cwd, configFile);
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      throw new CliError(
        `${error.message}\n${command} needs a valid configuration; \`${RUN} ` +
          `check-config${configFile === undefined ? '' : ` --config ${shellWord(configFile)}`}\` explains each ` +
          'problem.',
        EXIT.FAILED,
      );
    }
    throw error;
  }
}

/**
 * The configuration if there is a valid one, else undefined: commands that act on the deployed
 * stack need only its name and region from it. A --config file that cannot be read is still a
 * usage error.
 */
export function optionalConfig(cwd: string, configFile: string | undefined): RotatorConfig | undefined {
  try {
    return loadConfig(cwd, configFile);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return undefined;
  }
}

/**
 * The stack name for output lookups: `--stack`, else the configuration's `stackName` (read
 * leniently: the rest of the configuration need not be valid, or even present), else the default.
 */
export function stackNameFor(cwd: string, configFile: string | undefined, explicit: string | undefined): string {
  if (explicit) return explicit;
  try {
    return loadConfig(cwd, configFile).stackName;
  } catch (error) {
    // A --config that cannot be read is a mistake on the command line, whatever the command.
    if (error instanceof UsageError) throw error;
    // Otherwise fall back to reading stackName alone from wherever the configuration would come from.
  }
  try {
    const { tryGetContext } = contextOf(cwd, configFile);
    const file = configFile ?? tryGetContext(CONFIG_FILE_CONTEXT_KEY);
    const raw = typeof file === 'string' ? readConfigFile(cwd, file) : tryGetContext(CONFIG_CONTEXT_KEY);
    const parsed = typeof raw === 'string' ? JSON.parse(raw) : raw;
    const stackName = (parsed as { stackName?: unknown } | undefined)?.stackName;
    if (typeof stackName === 'string' && stackName) return stackName;
  } catch {
    // No usable configuration: the default name.
  }
  return DEFAULT_STACK_NAME;
}
