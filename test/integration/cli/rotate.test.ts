/**
 * `rotate` through the deployed function: @aws-sdk/client-lambda talks to the Lambda Invoke
 * stand-in (running the real handler), the function name comes from the CloudFormation stand-in.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { flowProblem } from '../../../emulators/flow-service.js';
import { createHandler } from '../../../lambda/handler.js';
import {
  findSecrets,
  FAST_HTTP_POLICY,
  configFor,
  FUNCTION_NAME,
  NO_AWS_CREDENTIALS,
  STACK_NAME,
  STACK_TRACE,
  startCliWorld,
  type CliWorld,
} from '../../support/index.js';

/** Who the CLI's credentials say they are (the function's role, in these tests). */
const CALLER = 'arn:aws:sts::123456789012:assumed-role/aep-s3-rotator-function/aep-s3-rotator-function';
let t: CliWorld;
let ids: string[];
/** Text with its line breaks and runs of spaces as one space: wrapped lines read as one. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

const patchDisabled = (id: string) => ({
  match: { method: 'PATCH', path: `/connections/${id}` },
  kind: 'respond' as const,
  status: 400,
  body: flowProblem(400, '1445-400', 'PATCH connection feature not enabled.'),
});

beforeAll(async () => {
  t = await startCliWorld({
    connections: [
      { sandboxName: 'prod', method: 'assume-role-chained', externalId: 'aep-orders-7f3a' },
      { sandboxName: 'prod', method: 'assume-role-user-keys', durationSeconds: 21_600 },
      { sandboxName: 'dev', method: 'get-session-token', durationSeconds: 43_200 },
    ],
  });
  ids = t.world.connectionIds;
});
afterAll(() => t.close());
afterEach(() => {
  t.world.emulators.flowService.clearFaults();
  t.lambda.clearFaults();
});

describe('rotate (deployed function)', () => {
  it('rotates every target through the function named by the stack output, and exits 0', async () => {
    const before = ids.map((id) => t.world.connection(id).etag);

    const result = await t.cli(['rotate', '--json']);

    expect(result.code).toBe(0);
    const report = result.json();
    expect(report).toMatchObject({
      ok: true,
      mode: 'deployed',
      function: FUNCTION_NAME,
      dryRun: false,
      rotated: 3,
      failed: 0,
    });
    expect(report.results.map((row: { connectionId: string }) => row.connectionId).sort()).toEqual([...ids].sort());
    for (const row of report.results) {
      expect(row).toMatchObject({ status: 'rotated', etag: t.world.connection(row.connectionId).etag, attempts: 1 });
      expect(Date.parse(row.expiresAt)).toBeGreaterThan(Date.now());
    }
    expect(ids.map((id) => t.world.connection(id).etag)).not.toEqual(before);
    // The manual request shape of the function's contract, with the log tail requested.
    const invocation = t.lambda.invocations.at(-1)!;
    expect(invocation).toMatchObject({
      functionName: FUNCTION_NAME,
      invocationType: 'RequestResponse',
      logType: 'Tail',
      event: { dryRun: false },
    });
    expect(
      t.cloudFormation.requests.some(
        (request) => request.action === 'DescribeStacks' && request.body.includes(`StackName=${STACK_NAME}`),
      ),
    ).toBe(true);
    expect(findSecrets(result.stdout + result.stderr, t.world.secretValues())).toEqual([]);
  });

  it('rotates only the connections given with --connection', async () => {
    const result = await t.cli(['rotate', '--connection', ids[2]!, '--json']);

    expect(result.code).toBe(0);
    expect(result.json().results).toEqual([
      expect.objectContaining({ connectionId: ids[2], sandboxName: 'dev', status: 'rotated' }),
    ]);
    // Who asked, for each connection's ledger history.
    expect(t.lambda.invocations.at(-1)!.event).toEqual({
      connectionIds: [ids[2]],
      dryRun: false,
      unknownConnections: 'report',
      caller: CALLER,
    });
  });

  it('exits 1 when a connection fails, and its row gives the reason while the others show as rotated', async () => {
    t.world.emulators.flowService.injectFault(patchDisabled(ids[1]!));

    const result = await t.cli(['rotate', '--json']);

    expect(result.code).toBe(1);
    const report = result.json();
    expect(report).toMatchObject({ ok: false, rotated: 2, failed: 1 });
    const failed = report.results.find((row: { connectionId: string }) => row.connectionId === ids[1]);
    expect(failed).toMatchObject({ status: 'failed', sandboxName: 'prod', errorCode: '1445-400', attempts: 1 });
    expect(failed.error).toContain('PATCH connection feature not enabled');
    expect(report.results.filter((row: { status: string }) => row.status === 'rotated')).toHaveLength(2);
    // A manual request resolves with the summary whatever failed: the rows come from it, not from an error.
    expect(t.lambda.invocations.at(-1)!.functionError).toBeUndefined();
  });

  it('prints a table with the failed row and its reason on a terminal', async () => {
    t.world.emulators.flowService.injectFault(patchDisabled(ids[0]!));

    const result = await t.cli(['rotate'], { tty: true });

    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+SANDBOX\s+OUTCOME\s+NEW ETAG\s+EXPIRES\s+ERROR \/ NOTE$/);
    // Adobe's code and words in the row (cut to fit 100 columns); the full error in a detail line below the table.
    expect(lines.find((line) => line.startsWith(ids[0]!.slice(0, 8)))).toMatch(
      /^\S{8} {2}-\s+prod\s+FAILED\s+-\s+-\s+1445-400: PATCH connection feature (?:not enabled\.|.*…)$/,
    );
    expect(flat(result.stdout)).toContain(
      `${ids[0]!.slice(0, 8)}: Flow Service PATCH /connections/${ids[0]} failed with HTTP 400 (1445-400): ` +
        'PATCH connection feature not enabled.',
    );
    const rotated = lines.filter((line) => / rotated /.test(line));
    expect(rotated).toHaveLength(2);
    // Short etags, and expiry as a time of day (with the day when it is not today).
    for (const line of rotated)
      expect(line).toMatch(/ rotated\s+[0-9a-f]{8}\s+(?:[A-Z][a-z]{2} \d{1,2} )?\d\d:\d\dZ\s+-$/);
    expect(flat(result.stdout)).toContain(
      'NOT OK: 2 rotated, 1 failed, Adobe listed 2 and read 0 of 2 with the new credentials (function ' +
        `${FUNCTION_NAME}).`,
    );
    expect(result.stderr).toContain(`invoking ${FUNCTION_NAME} for every target`);
  });

  it('reads every row from the summary, whatever the 4 KB log tail holds', async () => {
    // The same function, but its last 4 KB of log is noise: the rows never depended on it.
    const inner = createHandler({ env: t.world.env, httpPolicy: FAST_HTTP_POLICY });
    t.lambda.registerFunction('noisy-rotator', async (event) => {
      try {
        return await inner(event);
      } finally {
        process.stdout.write(`${'x'.repeat(5000)}\n`);
      }
    });
    t.world.emulators.flowService.injectFault(patchDisabled(ids[2]!));

    const result = await t.cli([
      'rotate',
      '--function',
      'noisy-rotator',
      '--connection',
      ids[0]!,
      '--connection',
      ids[2]!,
      '--json',
    ]);

    expect(result.code).toBe(1);
    expect(result.json().results).toEqual([
      expect.objectContaining({
        connectionId: ids[0],
        sandboxName: 'prod',
        status: 'rotated',
        etag: t.world.connection(ids[0]!).etag,
      }),
      expect.objectContaining({
        connectionId: ids[2],
        sandboxName: 'dev',
        status: 'failed',
        errorCode: '1445-400',
        error: expect.stringContaining('PATCH connection feature not enabled'),
      }),
    ]);
  });

  it('says a function whose configuration is invalid failed before any connection (exit 1, one line)', async () => {
    // The real handler with an environment it refuses: every invocation rejects with ConfigError.
    t.lambda.registerFunction('misconfigured-rotator', createHandler({ env: {}, httpPolicy: FAST_HTTP_POLICY }));

    const result = await t.cli(['rotate', '--function', 'misconfigured-rotator']);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'Function misconfigured-rotator failed before rotating any connection: Invalid rotator configuration: ' +
        'ADOBE_CREDENTIALS_SECRET_ID',
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('does not claim nothing was rotated when the function crashed after rotating some, and says what to run (exit 1)', async () => {
    const inner = createHandler({ env: t.world.env, httpPolicy: FAST_HTTP_POLICY });
    t.lambda.registerFunction('crashing-rotator', async () => {
      await inner({ connectionIds: [ids[0]] });
      throw Object.assign(new Error('RequestId: 1 Error: Runtime exited with error: signal: killed'), {
        name: 'Runtime.ExitError',
      });
    });
    const before = t.world.connection(ids[0]!).etag;
    writeFileSync(join(t.dir, 'rotator.json'), JSON.stringify(t.config));

    const result = await t.cli(['rotate', '--function', 'crashing-rotator', '--config', 'rotator.json']);

    expect(result.code).toBe(1);
    expect(t.world.connection(ids[0]!).etag).not.toBe(before);
    const said = flat(result.stderr);
    expect(said).not.toContain('without rotating any connection');
    expect(said).toContain(
      'Function crashing-rotator failed as a whole and returned no results: RequestId: 1 Error: ' +
        'Runtime exited with error: signal: killed;',
    );
    expect(said).toContain(
      'it may have rotated some connections before it stopped: `npx aep-s3-rotator status --config rotator.json ' +
        '--function crashing-rotator` shows what each holds now',
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });

  it('with --dry-run reports what it would do, changes nothing, and exits 0', async () => {
    const before = ids.map((id) => t.world.connection(id).etag);

    const result = await t.cli(['rotate', '--dry-run', '--json']);

    expect(result.code).toBe(0);
    const report = result.json();
    expect(report).toMatchObject({ ok: true, dryRun: true, wouldRotate: 3, rotated: 0 });
    for (const row of report.results) {
      expect(row.status).toBe('dry-run');
      expect(row.plannedOperations).toEqual(
        expect.arrayContaining([expect.stringMatching(/^(replace|add) \/auth\/params\/s3SessionToken$/)]),
      );
    }
    expect(ids.map((id) => t.world.connection(id).etag)).toEqual(before);
    expect(t.lambda.invocations.at(-1)!.event).toEqual({ dryRun: true, caller: CALLER });
  });

  it('uses --function (a name or an ARN) without looking up the stack', async () => {
    const describeCalls = t.cloudFormation.requests.length;
    const arn = `arn:aws:lambda:us-east-1:123456789012:function:${FUNCTION_NAME}`;

    const result = await t.cli(['rotate', '--function', arn, '--connection', ids[0]!, '--json']);

    expect(result.code).toBe(0);
    expect(result.json().function).toBe(arn);
    expect(t.cloudFormation.requests.length).toBe(describeCalls);
  });

  it('refuses a connection that is not a target without invoking: a refused request would be a Lambda error, and page through ErrorsAlarm (exit 2)', async () => {
    const unknown = randomUUID();
    const typo = `${ids[1]!.slice(0, 35)}${ids[1]!.endsWith('0') ? '1' : '0'}`;
    const invocations = t.lambda.invocations.length;

    const result = await t.cli(['rotate', '--connection', ids[0]!, '--connection', unknown, '--connection', typo]);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `aep-s3-rotator: ${unknown}, ${typo} (did you mean ${ids[1]}?) are not targets in the local configuration; ` +
        'nothing was invoked or rotated (for a function deployed from another configuration, ' +
        'pass --function <name>).\n',
    );
    expect(t.lambda.invocations.length).toBe(invocations);
  });

  it('says in one sentence that the function refused a connection that is not its target, and exits 2, without a Lambda error to page for', async () => {
    const unknown = randomUUID();

    const result = await t.cli(['rotate', '--function', FUNCTION_NAME, '--connection', unknown]);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `aep-s3-rotator: Function ${FUNCTION_NAME} refused the request: connectionIds: ${unknown} ` +
        'is not in the configured targets; nothing was rotated.\n',
    );
    // The function answered the unknown id as data (unknownConnectionIds), not as an error ErrorsAlarm counts.
    expect(t.lambda.invocations.at(-1)!.functionError).toBeUndefined();
  });

  it('suggests the target a mistyped connection id probably meant when the function refuses it (exit 2)', async () => {
    const typo = `${ids[1]!.slice(0, 35)}${ids[1]!.endsWith('0') ? '1' : '0'}`;

    const result = await t.cli(['rotate', '--function', FUNCTION_NAME, '--connection', typo]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `aep-s3-rotator: Function ${FUNCTION_NAME} refused the request: connectionIds: ${typo} ` +
        `(did you mean ${ids[1]}?) is not in the configured targets; nothing was rotated.\n`,
    );
  });

  it('says a connection in the local configuration is not deployed yet, with the commands to run (exit 2)', async () => {
    const added = randomUUID();
    t.writeConfig({
      targets: [
        ...(t.config.targets as object[]),
        { connectionId: added, sandboxName: 'prod', roleArn: 'arn:aws:iam::123456789012:role/aep-new' },
      ],
    });
    try {
      const result = await t.cli(['rotate', '--connection', added, '--dry-run']);

      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `aep-s3-rotator: ${added} is in the local configuration but not deployed yet (function ${FUNCTION_NAME} ` +
          'does not have it); deploy, then rotate: `npx cdk deploy`, then `npx aep-s3-rotator rotate --connection ' +
          `${added} --dry-run\`. Nothing was rotated.\n`,
      );
      // The function was asked, and refused: nothing was rotated.
      expect(t.lambda.invocations.at(-1)!.event).toEqual({
        connectionIds: [added],
        dryRun: true,
        unknownConnections: 'report',
        caller: CALLER,
      });
    } finally {
      t.writeConfig(configFor(t.world));
    }
  });

  it('names the configuration file in the commands when --config was given', async () => {
    const added = randomUUID();
    writeFileSync(
      join(t.dir, 'staging.json'),
      JSON.stringify({
        ...t.config,
        targets: [
          ...(t.config.targets as object[]),
          { connectionId: added, sandboxName: 'prod', roleArn: 'arn:aws:iam::123456789012:role/aep-new' },
        ],
      }),
    );

    const result = await t.cli(['rotate', '--config', 'staging.json', '--connection', ids[0]!, '--connection', added]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `: ${added} is in the local configuration but not deployed yet (function ${FUNCTION_NAME} does not have it);`,
    );
    // The whole request again, once deployed: nothing was rotated, the deployed connection neither.
    expect(result.stderr).toContain(
      `\`npx cdk deploy -c rotatorConfigFile=staging.json\`, then \`npx aep-s3-rotator rotate --connection ${ids[0]} ` +
        `--connection ${added} --config staging.json\``,
    );
  });

  it('quotes a --config path the shell would split, so the commands it suggests paste as they are', async () => {
    const added = randomUUID();
    mkdirSync(join(t.dir, 'my configs'), { recursive: true });
    writeFileSync(
      join(t.dir, 'my configs', 'staging.json'),
      JSON.stringify({
        ...t.config,
        targets: [
          ...(t.config.targets as object[]),
          { connectionId: added, sandboxName: 'prod', roleArn: 'arn:aws:iam::123456789012:role/aep-new' },
        ],
      }),
    );

    const result = await t.cli(['rotate', '--config', 'my configs/staging.json', '--connection', added]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "`npx cdk deploy -c 'rotatorConfigFile=my configs/staging.json'`, then `npx aep-s3-rotator rotate " +
        `--connection ${added} --config 'my configs/staging.json'\``,
    );
  });

  it('says the function was not found, and exits 3', async () => {
    const result = await t.cli(['rotate', '--function', 'no-such-function']);

    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'aep-s3-rotator: Function no-such-function was not found in us-east-1: check --function, AWS_REGION, ' +
        'or deploy the stack.\n',
    );
  });

  it('says the stack is not deployed, and exits 3', async () => {
    const result = await t.cli(['rotate', '--stack', 'SomeOtherStack']);

    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^aep-s3-rotator: Stack SomeOtherStack is not deployed in us-east-1: check the stack name .*--function <name>\.\n$/,
    );
  });

  it('says when the stack has no RotatorFunctionName output, and exits 3', async () => {
    t.cloudFormation.putStack({ stackName: 'NotTheRotator', outputs: [{ key: 'BucketName', value: 'b' }] });

    const result = await t.cli(['rotate', '--stack', 'NotTheRotator']);

    expect(result.code).toBe(3);
    expect(result.stderr).toContain('Stack NotTheRotator has no output RotatorFunctionName');
  });

  it('says there are no AWS credentials, and exits 3', async () => {
    const restore = t.env(NO_AWS_CREDENTIALS);
    try {
      const result = await t.cli(['rotate']);

      expect(result.code).toBe(3);
      expect(result.stderr).toBe(
        'aep-s3-rotator: No AWS credentials were found: set AWS_PROFILE (and run `aws sso login` if it uses SSO), ' +
          'or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then try again.\n',
      );
    } finally {
      restore();
    }
  });

  it('says the function is busy when Lambda throttles the invoke, and exits 3', async () => {
    t.lambda.injectFault({
      kind: 'respond',
      status: 429,
      headers: { 'x-amzn-errortype': 'TooManyRequestsException', 'content-type': 'application/json' },
      body: { Type: 'User', message: 'Rate Exceeded.', Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
    });

    const result = await t.cli(['rotate', '--connection', ids[0]!]);

    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`Function ${FUNCTION_NAME} is busy`);
  });

  it.each([
    [['rotate', '--local', '--function', 'x'], /--local .* cannot be combined with --function/],
    [['rotate', '--verbose'], /--verbose applies to --local only/],
    [['rotate', '--connection', 'not-a-uuid'], /--connection "not-a-uuid" is not a Flow Service connection id/],
  ])('refuses %j as a usage error (exit 2) in one line', async (argv, message) => {
    const result = await t.cli(argv);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });
});
