/**
 * `rotate` through the deployed function: @aws-sdk/client-lambda talks to the Lambda Invoke
 * stand-in (running the real handler), the function name comes from the CloudFormation stand-in.
 * (Connections that are not targets: rotate-unknown-connections.test.ts; what stops it: rotate-errors.test.ts.)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHandler } from '../../../lambda/handler.js';
import {
  FAST_HTTP_POLICY,
  findSecrets,
  flat,
  FUNCTION_NAME,
  FUNCTION_ROLE_CALLER,
  PATCH_NOT_ENABLED,
  patchRefusal,
  STACK_NAME,
  STACK_TRACE,
  useDeployedRotator,
  type CliWorld,
} from '../../support/index.js';

let t: CliWorld;
let ids: string[];
useDeployedRotator((started) => ({ t, ids } = started));

const patchDisabled = (id: string) => patchRefusal(id, '1445-400', PATCH_NOT_ENABLED);

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
      caller: FUNCTION_ROLE_CALLER,
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

  it(
    'does not claim nothing was rotated when the function crashed after rotating some, and says what to run (exit ' +
      '1)',
    async () => {
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
    },
  );

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
    expect(t.lambda.invocations.at(-1)!.event).toEqual({ dryRun: true, caller: FUNCTION_ROLE_CALLER });
  });

  it('uses --function (a name or an ARN) without looking up the stack', async () => {
    const describeCalls = t.cloudFormation.requests.length;
    const arn = `arn:aws:lambda:us-east-1:123456789012:function:${FUNCTION_NAME}`;

    const result = await t.cli(['rotate', '--function', arn, '--connection', ids[0]!, '--json']);

    expect(result.code).toBe(0);
    expect(result.json().function).toBe(arn);
    expect(t.cloudFormation.requests.length).toBe(describeCalls);
  });
});
