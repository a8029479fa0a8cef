/**
 * The offline sandbox behind `npm run sandbox`: the emulators with a seeded org (connections in two
 * sandboxes), the stand-ins of a deployed stack (emulators/deployed-stack.ts), a configuration the
 * operator CLI reads, the environment that points the AWS SDK at it all, a scheduled run every
 * `everyMs` while the schedule is ENABLED, and a loopback control endpoint through which
 * `npm run sandbox -- fault ...` injects the runbook's incidents.
 *
 * Tests start the same sandbox in-process (`everyMs: 0`, runs started with {@link Sandbox.runScheduled}).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { HttpPolicy } from '../lambda/http-policy.js';
import {
  configFor,
  SCHEDULE_GROUP_NAME,
  SCHEDULE_NAME,
  startDeployedStack,
  type DeployedStack,
  type ScheduledRun,
} from './deployed-stack.js';
import { clearFault, clearFaults, injectFault, newCredentialsFile, type FaultName } from './sandbox-faults.js';
import { startWorld, type World, type WorldConnectionSpec } from './world.js';

/**
 * The sandbox's org: connections in sandboxes prod and dev, minted in each of the function's ways,
 * each with the shell variable the sandbox sets to its id (the runbook's rehearsals use them).
 */
export const SANDBOX_CONNECTIONS: ReadonlyArray<WorldConnectionSpec & { readonly variable: string }> = [
  {
    variable: 'ORDERS',
    sandboxName: 'prod',
    name: 'Orders export',
    method: 'assume-role-chained',
    externalId: 'aep-orders-7f3a',
    flows: 1,
    objects: ['orders.csv'],
  },
  {
    variable: 'LOYALTY',
    sandboxName: 'prod',
    name: 'Loyalty events',
    method: 'assume-role-user-keys',
    durationSeconds: 21_600,
  },
  {
    variable: 'CATALOG',
    sandboxName: 'prod',
    name: 'Catalog feed',
    method: 'get-federation-token',
    bucketName: 'acme-catalog-feed',
    durationSeconds: 43_200,
    flows: 1,
    objects: ['catalog.json'],
  },
  { variable: 'ORDERS_DEV', sandboxName: 'dev', name: 'Orders export (dev)', method: 'assume-role-chained' },
  {
    variable: 'CLICKSTREAM',
    sandboxName: 'dev',
    name: 'Clickstream (dev)',
    method: 'assume-role-chained',
    withSessionToken: false,
  },
];

/** The variable the exported environment sets to the control endpoint (`npm run sandbox -- fault` reads it). */
export const CONTROL_VARIABLE = 'AEP_S3_ROTATOR_SANDBOX';

export interface SandboxOptions {
  /** Write the rotator configuration to this file (created or replaced) instead of `<dir>/rotator.json`. */
  readonly configFile?: string;
  /** How often the schedule fires while ENABLED, in ms; 0: never on its own. @default 30000 */
  readonly everyMs?: number;
  /** The function's HTTP policy. @default the function's own */
  readonly httpPolicy?: HttpPolicy;
  /** Where the sandbox reports each scheduled run and each fault. @default nowhere */
  readonly log?: (line: string) => void;
  /** The control endpoint's port. @default 0 (any free port) */
  readonly controlPort?: number;
}

export interface Sandbox {
  readonly world: World;
  readonly stack: DeployedStack;
  /** The directory the sandbox writes to (removed on close). */
  readonly dir: string;
  /** The rotator configuration the CLI reads with `--config`. */
  readonly configFile: string;
  /** The operator's environment: every AWS endpoint, sandbox-only credentials, the region, the control endpoint. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Shell variables for the rehearsals: each connection's id (`ORDERS`, `LOYALTY`, ...), the Adobe
   * secret's id (`SECRET`) and the file `ims-401` writes the new Adobe credentials to (`NEW_CREDENTIALS`).
   */
  readonly variables: Readonly<Record<string, string>>;
  readonly controlUrl: string;
  /** One scheduled run now, as the timer starts them (nothing while the schedule is DISABLED). */
  runScheduled(): Promise<ScheduledRun | undefined>;
  injectFault(name: string, connectionId?: string): Promise<string>;
  clearFaults(): string;
  /** Undo one fault (`npm run sandbox -- fault clear <name>`), leaving the others. */
  clearFault(name: string): string;
  /** Stop the timer and the servers, restore process.env, remove what the sandbox wrote. */
  close(): Promise<void>;
}

const HERMETIC = {
  AWS_PROFILE: undefined,
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** `16:45:03Z`. */
const clock = () => `${new Date().toISOString().slice(11, 19)}Z`;

/** `4 rotated, 1 FAILED (1a2b3c4d 1404-412), 2 paused (5e6f7a8b, 9c0d1e2f)`: what a run did. */
function summaryLine(
  rotated: number,
  failed: ReadonlyArray<{ readonly connectionId: string; readonly errorCode?: string }>,
  skipped: number,
  paused: ReadonlyArray<{ readonly connectionId: string }>,
): string {
  const failures = failed.map((result) => `${result.connectionId.slice(0, 8)} ${result.errorCode ?? ''}`.trim());
  return (
    `${rotated} rotated` +
    (failed.length ? `, ${failed.length} FAILED (${failures.join(', ')})` : '') +
    (skipped ? `, ${skipped} skipped` : '') +
    (paused.length
      ? `, ${paused.length} paused (${paused.map((result) => result.connectionId.slice(0, 8)).join(', ')})`
      : '')
  );
}

/**
 * A scheduled run in one line: `4 rotated, 1 FAILED (1a2b3c4d 1404-412); ConnectionFailingAlarm → ALARM
 * for 1a2b3c4d-... (paged the alarm topic)`. A per-connection alarm's move names its connection in full.
 */
export function describeRun(run: ScheduledRun): string {
  const failed = run.summary?.results.filter((result) => result.status === 'failed') ?? [];
  const skipped = run.summary?.skipped ?? 0;
  const paused = run.summary?.results.filter((result) => result.status === 'paused') ?? [];
  const outcome = run.notInvoked
    ? `Scheduler could not invoke the function (${run.notInvoked}): the event went to its dead-letter queue`
    : run.error
      ? `the run FAILED (and both Lambda retries): ${run.error}`
      : summaryLine(run.summary!.rotated, failed, skipped, paused);
  const alarms = run.alarms.map(
    (alarm) =>
      `${alarm.id} ` +
      '→ ' +
      `${alarm.state}${alarm.connectionId ? ` for ${alarm.connectionId}` : ''} ` +
      `(${alarm.notified ? 'paged the alarm topic' : 'actions disabled: no page'})`,
  );
  return [outcome, ...alarms].join('; ');
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const log = options.log ?? (() => undefined);
  const world = await startWorld({ connections: SANDBOX_CONNECTIONS.map(({ variable: _variable, ...spec }) => spec) });
  const stack = await startDeployedStack(world, { httpPolicy: options.httpPolicy });
  const dir = mkdtempSync(join(tmpdir(), 'aep-s3-rotator-sandbox-'));
  const configFile = options.configFile ? resolve(options.configFile) : join(dir, 'rotator.json');
  mkdirSync(dirname(configFile), { recursive: true });
  writeFileSync(configFile, `${JSON.stringify(configFor(world), null, 2)}\n`);
  // The same configuration through cdk.json, as `cdk synth` and the CLI find it in a project.
  writeFileSync(join(dir, 'cdk.json'), `${JSON.stringify({ context: { rotatorConfigFile: configFile } }, null, 2)}\n`);

  // The operator: a role session of the sandbox's own STS, good for nothing outside it.
  const operator = world.emulators.sts.issueRoleSession(
    'arn:aws:iam::123456789012:role/aep-s3-rotator-operator',
    'operator',
    12 * 3600,
  );
  const context = { world, dir, stack, undo: new Map<FaultName, Array<() => void>>() };
  let chain: Promise<unknown> = Promise.resolve();
  /** Runs and faults one at a time, in the order they were asked for. */
  const serially = <T>(task: () => Promise<T>): Promise<T> => {
    const next = chain.then(task);
    chain = next.catch(() => undefined);
    return next;
  };
  let lastState: string | undefined;
  const runScheduled = () =>
    serially(async () => {
      const state = stack.scheduler.getSchedule(SCHEDULE_NAME, SCHEDULE_GROUP_NAME)?.State;
      if (state !== lastState && state === 'DISABLED')
        log(`${clock()} schedule DISABLED: no scheduled run until it is enabled again`);
      if (state !== lastState && state === 'ENABLED' && lastState)
        log(`${clock()} schedule ENABLED: scheduled runs start again`);
      lastState = state;
      // Adobe's dataflows ingest on their own schedule: each runs once before each of the rotator's runs.
      for (const id of world.connectionIds) world.emulators.flowService.runFlowsOf(id);
      const run = await stack.runSchedule();
      if (run) log(`${clock()} scheduled run: ${describeRun(run)}`);
      return run;
    });

  const control = createServer((request, response) => {
    const answer = (status: number, message: string) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message }));
    };
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
      let body: { fault?: string; connection?: string } = {};
      try {
        body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body) : {};
      } catch {
        answer(400, 'the body is not JSON');
        return;
      }
      let work: Promise<string>;
      if (request.method === 'POST' && path === '/faults') {
        work = serially(() => injectFault(context, String(body.fault ?? ''), body.connection)).then((message) => {
          log(`${clock()} fault ${body.fault}: ${message}`);
          return message;
        });
      } else if (request.method === 'DELETE' && path === '/faults') {
        work = serially(async () => clearFaults(context)).then((message) => {
          log(`${clock()} faults cleared: ${message}`);
          return message;
        });
      } else if (request.method === 'DELETE' && path.startsWith('/faults/')) {
        const name = decodeURIComponent(path.slice('/faults/'.length));
        work = serially(async () => clearFault(context, name)).then((message) => {
          log(`${clock()} fault ${name} cleared: ${message}`);
          return message;
        });
      } else if (request.method === 'POST' && path === '/runs') {
        work = runScheduled().then((run) =>
          run ? `scheduled run: ${describeRun(run)}` : 'the schedule is DISABLED: no run',
        );
      } else {
        answer(
          404,
          `no ${request.method} ${path}: POST /faults {"fault","connection"}, DELETE /faults, ` +
            'DELETE /faults/<name>, POST /runs',
        );
        return;
      }
      work.then(
        (message) => answer(200, message),
        (error: Error) => answer(400, error.message),
      );
    });
  });
  await new Promise<void>((done) => control.listen(options.controlPort ?? 0, '127.0.0.1', done));
  const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;

  const endpoint = (service: string) => stack.endpointEnv[`AWS_ENDPOINT_URL_${service}`]!;
  // Only the AWS SDK's variables: the function's own (FLOW_SERVICE_URL, ...) come from its configuration.
  const env: Record<string, string> = {
    ...Object.fromEntries(
      [
        'CLOUDFORMATION',
        'LAMBDA',
        'DYNAMODB',
        'SCHEDULER',
        'CLOUDWATCH',
        'CLOUDWATCH_LOGS',
        'SNS',
        'STS',
        'SECRETS_MANAGER',
        'IAM',
      ].map((service) => [`AWS_ENDPOINT_URL_${service}`, endpoint(service)]),
    ),
    AWS_ACCESS_KEY_ID: operator.accessKeyId,
    AWS_SECRET_ACCESS_KEY: operator.secretAccessKey,
    AWS_SESSION_TOKEN: operator.sessionToken!,
    AWS_REGION: stack.endpointEnv.AWS_REGION!,
    // The AWS CLI (v1) reads its region only from here: `aws secretsmanager put-secret-value` in the runbook.
    AWS_DEFAULT_REGION: stack.endpointEnv.AWS_REGION!,
    [CONTROL_VARIABLE]: controlUrl,
  };
  // This process too: the function's SDK clients read their endpoints here (and run under their own role).
  const saved = new Map(Object.keys({ ...env, ...HERMETIC }).map((key) => [key, process.env[key]]));
  for (const [key, value] of Object.entries({ ...env, ...HERMETIC })) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  const timer =
    options.everyMs === 0
      ? undefined
      : setInterval(
          () =>
            void runScheduled().catch((error: Error) =>
              log(`${clock()} scheduled run failed to start: ${error.message}`),
            ),
          options.everyMs ?? 30_000,
        );
  timer?.unref();

  return {
    world,
    stack,
    dir,
    configFile,
    env,
    variables: {
      ...Object.fromEntries(SANDBOX_CONNECTIONS.map((spec, index) => [spec.variable, world.connectionIds[index]!])),
      SECRET: world.adobe.secretId,
      NEW_CREDENTIALS: newCredentialsFile(dir),
    },
    controlUrl,
    runScheduled,
    injectFault: (name, connectionId) => serially(() => injectFault(context, name, connectionId)),
    clearFaults: () => clearFaults(context),
    clearFault: (name) => clearFault(context, name),
    async close() {
      clearInterval(timer);
      await chain;
      await new Promise<void>((done) => (control as Server).close(() => done()));
      await stack.close();
      await world.close();
      for (const [key, value] of saved) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      rmSync(dir, { recursive: true, force: true });
      if (options.configFile) rmSync(configFile, { force: true });
    },
  };
}
