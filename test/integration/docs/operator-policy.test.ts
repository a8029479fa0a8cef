/**
 * docs/DEPLOY.md, "What an operator needs", held against what the CLI really asks of AWS: every
 * command runs in the sandbox (with `--function`, as in any deployment of the construct), each
 * request signed with the operator's key is recorded by the stand-in that received it, and the IAM
 * actions they need must be exactly the ones the command's list names (over its scenarios). The
 * operator never calls `secretsmanager:GetSecretValue`.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../cli/main.js';
import { FUNCTION_NAME } from '../../../emulators/deployed-stack.js';
import { startSandbox, type Sandbox } from '../../../emulators/sandbox.js';
import type { RecordedRequest } from '../../../emulators/types.js';
import { FAST_HTTP_POLICY, worldDynamoDb } from '../../support/index.js';

const DEPLOY = readFileSync(new URL('../../../docs/DEPLOY.md', import.meta.url), 'utf8');

/** The actions DEPLOY.md lists for each command (`#### \`<command>\`` and the paragraph under it). */
function documented(): Map<string, Set<string>> {
  const section = DEPLOY.slice(DEPLOY.indexOf('### What an operator needs'), DEPLOY.indexOf('#### The policy'));
  const lists = new Map<string, Set<string>>();
  for (const [, command, body] of section.matchAll(/#### `([\w-]+)`\n\n([\s\S]*?)(?=\n####|$)/g)) {
    lists.set(command!, new Set([...body!.matchAll(/`([a-z0-9-]+:[A-Za-z]+)`/g)].map((match) => match[1]!)));
  }
  return lists;
}

/** Actions AWS checks without the operator calling them: documented, never recorded. */
const IMPLIED: Record<string, string[]> = {
  // UpdateSchedule sends the target role again.
  resume: ['iam:PassRole'],
  // RotateSecret checks that its caller may invoke the rotation function.
  'rotate-adobe-secret': ['lambda:InvokeFunction'],
};

let sandbox: Sandbox;
/** Each stand-in's requests, with the service prefix of its IAM actions. */
let services: Array<[prefix: string, requests: () => readonly RecordedRequest[]]>;

beforeAll(async () => {
  sandbox = await startSandbox({ everyMs: 0, httpPolicy: FAST_HTTP_POLICY });
  const { stack, world } = sandbox;
  services = [
    ['lambda', () => stack.lambda.requests],
    ['cloudformation', () => stack.cloudFormation.requests],
    ['scheduler', () => stack.scheduler.requests],
    ['cloudwatch', () => stack.cloudWatch.requests],
    ['sns', () => stack.sns.requests],
    ['logs', () => stack.cloudWatchLogs.requests],
    ['dynamodb', () => stack.operatorLedgerFront.requests],
    ['sts', () => world.emulators.sts.requests],
    ['secretsmanager', () => world.emulators.secretsManager.requests],
    ['iam', () => world.emulators.iam.requests],
  ];
  await sandbox.runScheduled();
});
afterAll(() => sandbox.close());

/** Run the CLI as the sandbox's operator; resolves with its exit code and the IAM actions its own requests needed. */
async function actionsOf(argv: string[]): Promise<{ code: number; actions: Set<string> }> {
  const before = services.map(([, requests]) => requests().length);
  let output = '';
  const write = (text: string) => (output += text);
  const code = await run(argv, {
    stdout: { write, isTTY: false },
    stderr: { write, isTTY: false },
    cwd: sandbox.dir,
    now: Date.now,
    env: {},
  });
  const operator = sandbox.env.AWS_ACCESS_KEY_ID!;
  const actions = new Set<string>();
  services.forEach(([prefix, requests], index) => {
    for (const request of requests().slice(before[index])) {
      if (!request.headers.authorization?.includes(`Credential=${operator}/`)) continue;
      expect(request.action, `${prefix} ${request.method} ${request.path}`).toBeDefined();
      actions.add(`${prefix}:${request.action}`);
    }
  });
  // Who is asking: allowed to everyone, whatever the policy says.
  actions.delete('sts:GetCallerIdentity');
  if (code > 1) throw new Error(`${argv.join(' ')} exited ${code}: ${output}`);
  return { code, actions };
}

describe('docs/DEPLOY.md, "What an operator needs"', () => {
  const lists = documented();
  const v = () => sandbox.variables as Record<string, string>;
  const F = ['--function', FUNCTION_NAME];
  const scenarios: Record<string, Array<() => string[] | Promise<string[]>>> = {
    status: [
      () => ['status', ...F],
      async () => {
        // A connection failing: its per-connection alarm's contributors are read.
        await sandbox.injectFault('patch-refused', v().CATALOG!);
        await sandbox.runScheduled();
        sandbox.clearFault('patch-refused');
        return ['status', '--probe', ...F];
      },
    ],
    rotate: [
      () => ['rotate', '--connection', v().ORDERS!, ...F],
      () => ['rotate', '--connection', v().ORDERS!.slice(0, 8), ...F],
    ],
    pause: [
      () => ['pause', '--connection', v().LOYALTY!.slice(0, 8), '--reason', 'policy test', '--for', '1h', ...F],
      () => {
        // Targets delivered in a file: the CLI asks the function for them.
        const facts = sandbox.stack.lambda.functionFacts(FUNCTION_NAME)!;
        const { ROTATION_TARGETS: _inline, ...environment } = facts.environment ?? {};
        sandbox.stack.lambda.setFunctionFacts(FUNCTION_NAME, {
          ...facts,
          environment: { ...environment, ROTATION_TARGETS_FILE: '/var/task/targets.json' },
        });
        restore.push(() => sandbox.stack.lambda.setFunctionFacts(FUNCTION_NAME, facts));
        return ['pause', '--reason', 'policy test', '--for', '10m', '--force', ...F];
      },
    ],
    history: [() => ['history', '--connection', v().ORDERS!.slice(0, 8), ...F]],
    resume: [
      () => ['resume', ...F],
      async () => {
        // An older version's pause: the schedule disabled and the alarms silenced, as its `pause` left them.
        const { stack } = sandbox;
        const { SCHEDULE_NAME, SCHEDULE_GROUP_NAME, ALARM_IDS, ALARM_NAMES } = await import(
          '../../../emulators/deployed-stack.js'
        );
        stack.scheduler.putSchedule({
          ...stack.scheduler.getSchedule(SCHEDULE_NAME, SCHEDULE_GROUP_NAME)!,
          State: 'DISABLED',
        });
        for (const id of ALARM_IDS)
          stack.cloudWatch.putAlarm({ ...stack.cloudWatch.getAlarm(ALARM_NAMES[id])!, actionsEnabled: false });
        const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
        const client = worldDynamoDb(sandbox.world);
        await client.send(
          new PutItemCommand({
            TableName: 'aep-s3-rotator-ledger',
            Item: {
              connectionId: { S: '#paused' },
              pausedBy: { S: 'arn:aws:sts::123456789012:assumed-role/Ops/bob' },
              pausedAt: { S: new Date().toISOString() },
            },
          }),
        );
        client.destroy();
        return ['resume', ...F];
      },
    ],
    revoke: [() => ['revoke', '--connection', v().ORDERS_DEV!.slice(0, 8), ...F]],
    discover: [() => ['discover', ...F], () => ['discover', '--sandbox', 'prod', ...F]],
    'test-alarm': [
      () => ['test-alarm', ...F],
      async () => {
        const { ALARM_NAMES } = await import('../../../emulators/deployed-stack.js');
        sandbox.stack.cloudWatch.putAlarm({
          ...sandbox.stack.cloudWatch.getAlarm(ALARM_NAMES.ErrorsAlarm)!,
          actionsEnabled: false,
        });
        return ['test-alarm', ...F];
      },
    ],
    'rotate-adobe-secret': [() => ['rotate-adobe-secret', ...F]],
  };

  it('lists every command that acts on a deployment', () => {
    expect([...lists.keys()].sort()).toEqual(Object.keys(scenarios).sort());
  });

  /** What a scenario changed in the sandbox, put back after its command. */
  const restore: Array<() => void> = [];

  for (const [command, runs] of Object.entries(scenarios)) {
    it(`${command}: exactly the actions its list names, and never GetSecretValue`, async () => {
      const used = new Set<string>();
      for (const scenario of runs) {
        try {
          for (const action of (await actionsOf(await scenario())).actions) used.add(action);
        } finally {
          for (const undo of restore.splice(0)) undo();
        }
      }
      const listed = lists.get(command)!;

      expect(
        [...used].filter((action) => !listed.has(action)),
        `${command} calls what DEPLOY.md does not list`,
      ).toEqual([]);
      const implied = new Set(IMPLIED[command] ?? []);
      expect(
        [...listed].filter((action) => !used.has(action) && !implied.has(action)),
        `DEPLOY.md lists what ${command} never calls`,
      ).toEqual([]);
      expect(used.has('secretsmanager:GetSecretValue')).toBe(false);
    });
  }

  it('finds the function through the stack without --function: cloudformation:DescribeStacks, as written', async () => {
    const { actions } = await actionsOf([
      'rotate',
      '--connection',
      sandbox.variables.ORDERS!,
      '--config',
      sandbox.configFile,
    ]);
    expect([...actions].sort()).toEqual(['cloudformation:DescribeStacks', 'lambda:InvokeFunction']);
    expect(DEPLOY).toContain('add `cloudformation:DescribeStacks`');
  });
});
