/**
 * `npm run sandbox`: rehearse the runbook offline (docs/RUNBOOK.md, "Rehearse an incident offline").
 *
 *   npm run sandbox [-- --config <file>] [--every <30s>]   start it; it stays up until Ctrl-C
 *   npm run sandbox -- fault <name> --connection <id>         inject an incident into the running one
 *   npm run sandbox -- fault ims-401 | fault clear [<name>]
 *   npm run sandbox -- run                                    a scheduled run now (as the schedule would)
 *
 * The started sandbox prints the environment to export in another terminal; every
 * `npx aep-s3-rotator` command then works against it, with `--config <file>`.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CONTROL_VARIABLE, SANDBOX_CONNECTIONS, startSandbox, type Sandbox } from '../emulators/sandbox.js';
import { FAULT_NAMES } from '../emulators/sandbox-faults.js';

const USAGE = `Usage:
  npm run sandbox [-- --config <file>] [--every <duration>]   start the sandbox (Ctrl-C stops it)
  npm run sandbox -- fault <name> [--connection <id>]          inject a fault into the running sandbox
  npm run sandbox -- fault clear [<name>]                      clear every fault, or only that one
  npm run sandbox -- run                                       a scheduled run now, as the schedule would

Faults: 412-storm, patch-refused, expired-credentials, expiring, dataflow-run-failed, access-denied and trust-broken
(each needs --connection <id>), ims-401, io-management-403, scheduler-denied, failure-queue-denied, ledger-denied,
throttling, unmanaged-connection; together they move every alarm of the stack.
--config <file>: write the rotator configuration there (relative to where npm was run) instead of
the sandbox's directory. --every: how often the schedule fires while ENABLED (30s, 2m, 0: never).
Faults and runs reach the sandbox at $${CONTROL_VARIABLE} (the environment it prints sets it).`;

/** Exit codes, as the operator CLI's: 0 ok, 1 refused, 2 usage, 3 no sandbox to talk to. */
const EXIT = { OK: 0, REFUSED: 1, USAGE: 2, ENVIRONMENT: 3 } as const;

class UsageError extends Error {}

/** `30s`, `2m`, `1500ms`, `45` (seconds) → ms. */
function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new UsageError(`--every "${text}" is not a duration: use 30s, 2m, 1500ms, or 0 for never.`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm'];
}

/** `KEY='value' ...`, as a shell reads it. */
const assignments = (values: Readonly<Record<string, string>>) =>
  Object.entries(values).map(([key, value]) => `${key}='${value}'`);

/** What to print for the operator once the sandbox is up. */
export function startBanner(sandbox: Sandbox, everyMs: number, configArgument: string): string {
  const rotator = (command: string) => `    npx aep-s3-rotator ${command} --config ${configArgument}`;
  return [
    `AEP S3 rotator sandbox: the emulators, a deployed stack in stand-ins, ${SANDBOX_CONNECTIONS.length} ` +
      'connections in sandboxes prod and dev.',
    `Configuration: ${sandbox.configFile}`,
    '',
    'In another terminal, in this project directory, paste these two lines (the keys are the sandbox',
    `STS's own and open nothing outside it; both lines are also in ${join(sandbox.dir, 'sandbox.env')}):`,
    '',
    `export ${assignments(sandbox.env).join(' ')}`,
    assignments(sandbox.variables).join(' '),
    '',
    'then run the operator CLI as you would against AWS, e.g.:',
    rotator('status'),
    rotator('rotate --dry-run'),
    rotator('pause --connection $ORDERS --reason "rehearsal" --for 30m'),
    rotator('revoke --connection $ORDERS'),
    rotator('rotate-adobe-secret'),
    '',
    'Connections:',
    ...SANDBOX_CONNECTIONS.map(
      (spec) =>
        `  $${spec.variable.padEnd(11)}  ${sandbox.variables[spec.variable]}  ${spec.sandboxName.padEnd(4)}  ` +
        `${spec.name}`,
    ),
    '',
    'Faults (docs/RUNBOOK.md, "Rehearse an incident offline"):',
    '    npm run sandbox -- fault patch-refused --connection $ORDERS',
    '    npm run sandbox -- fault 412-storm --connection $LOYALTY',
    '    npm run sandbox -- fault expired-credentials --connection $ORDERS_DEV',
    '    npm run sandbox -- fault ims-401',
    '    npm run sandbox -- fault io-management-403',
    '    npm run sandbox -- fault access-denied --connection $ORDERS   (also trust-broken)',
    '    npm run sandbox -- fault throttling                           (also ledger-denied, scheduler-denied)',
    '    npm run sandbox -- fault clear [<name>]',
    '',
    everyMs > 0
      ? `While the schedule is ENABLED it fires every ${everyMs >= 1000 ? `${everyMs / 1000}s` : `${everyMs}ms`} ` +
        '(`npm run sandbox -- run` fires it now). Ctrl-C stops the sandbox.'
      : 'The schedule fires only with `npm run sandbox -- run`. Ctrl-C stops the sandbox.',
    '',
  ].join('\n');
}

async function start(values: { config?: string; every?: string }, out: (text: string) => void): Promise<number> {
  const everyMs = values.every === undefined ? 30_000 : durationMs(values.every);
  // npm runs scripts in the project directory; a relative --config means where npm was run.
  const cwd = process.env.INIT_CWD ?? process.cwd();
  const sandbox = await startSandbox({
    everyMs,
    ...(values.config ? { configFile: resolve(cwd, values.config) } : {}),
    log: (line) => out(`${line}\n`),
  });
  writeFileSync(
    join(sandbox.dir, 'sandbox.env'),
    `export ${assignments(sandbox.env).join(' ')}\n${assignments(sandbox.variables).join(' ')}\n`,
    {
      mode: 0o600,
    },
  );
  out(startBanner(sandbox, everyMs, values.config ?? sandbox.configFile));
  await new Promise<void>((stop) => {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  out('\nStopping the sandbox…\n');
  await sandbox.close();
  out(`Stopped; removed ${sandbox.dir}${values.config ? ` and ${sandbox.configFile}` : ''}.\n`);
  return EXIT.OK;
}

/** Ask the running sandbox to do something; prints its answer. */
async function control(
  method: 'POST' | 'DELETE',
  path: string,
  body: unknown,
  url: string | undefined,
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<number> {
  if (!url) {
    err(
      'sandbox: no running sandbox named: start one with `npm run sandbox` and export the environment it prints ' +
        `(${CONTROL_VARIABLE}), or pass --sandbox <url>.\n`,
    );
    return EXIT.ENVIRONMENT;
  }
  let response: Response;
  try {
    response = await fetch(`${url.replace(/\/$/, '')}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    const cause = (error as Error).cause as { code?: string; message?: string } | undefined;
    err(
      `sandbox: the sandbox at ${url} does not answer ` +
        `(${cause?.code ?? cause?.message ?? (error as Error).message}): is it still running?\n`,
    );
    return EXIT.ENVIRONMENT;
  }
  const { message } = (await response.json()) as { message: string };
  (response.ok ? out : err)(`${response.ok ? '' : 'sandbox: '}${message}\n`);
  return response.ok ? EXIT.OK : EXIT.REFUSED;
}

/** The whole script as a function of its arguments (tests call it). */
export async function sandboxMain(
  argv: readonly string[],
  out = (text: string) => void process.stdout.write(text),
  err = (text: string) => void process.stderr.write(text),
): Promise<number> {
  try {
    const parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        every: { type: 'string' },
        connection: { type: 'string' },
        sandbox: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const { values, positionals } = parsed;
    const url = values.sandbox ?? process.env[CONTROL_VARIABLE];
    const [command, name, ...extra] = positionals;
    if (values.help) {
      out(`${USAGE}\n`);
      return EXIT.OK;
    }
    if (command === 'fault' && name === 'clear' && extra.length === 1) {
      if (!(FAULT_NAMES as readonly string[]).includes(extra[0]!))
        throw new UsageError(`Unknown fault "${extra[0]}": the faults are ${FAULT_NAMES.join(', ')}.`);
      return await control('DELETE', `/faults/${encodeURIComponent(extra[0]!)}`, undefined, url, out, err);
    }
    if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`);
    if (command === undefined) return await start(values, out);
    if (command === 'run' && name === undefined) return await control('POST', '/runs', undefined, url, out, err);
    if (command === 'fault' && name === 'clear') return await control('DELETE', '/faults', undefined, url, out, err);
    if (command === 'fault' && name !== undefined) {
      if (!(FAULT_NAMES as readonly string[]).includes(name))
        throw new UsageError(`Unknown fault "${name}": the faults are ${FAULT_NAMES.join(', ')} and clear.`);
      return await control('POST', '/faults', { fault: name, connection: values.connection }, url, out, err);
    }
    throw new UsageError(
      command === 'fault' ? `fault needs a name: ${FAULT_NAMES.join(', ')} or clear.` : `Unknown command "${command}".`,
    );
  } catch (error) {
    if (!(error instanceof UsageError) && !String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS_'))
      throw error;
    err(`sandbox: ${(error as Error).message}\n${USAGE}\n`);
    return EXIT.USAGE;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Bound now: while the function runs, the Lambda stand-in captures process.stdout for its log.
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.exitCode = await sandboxMain(
    process.argv.slice(2),
    (text) => void write(text),
    (text) => void writeErr(text),
  );
}
