/**
 * Every line the CLI prints for a person fits a terminal of 100 columns, with realistic data:
 * long connection names and sandbox names, a folder deep in a long bucket, expiries on other days,
 * Adobe's long errors (cut in the table, in full in a wrapped detail line below it).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowProblem } from '../../../emulators/flow-service.js';
import {
  configFor,
  flat,
  NOT_UPDATABLE_STATE,
  patchRefusal,
  startCliWorld,
  type CliWorld,
} from '../../support/index.js';

let t: CliWorld;
let ids: string[];
const MINUTE = 60_000;
/** Colour codes (SGR): invisible, so not counted. */
/** The terminal's colour escapes: ESC [ ... m. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
/** Colour on, as on a real terminal. */
const TERMINAL = { tty: true, env: {} };

function expectWithin100Columns(stdout: string): void {
  const lines = stdout.replace(ANSI, '').split('\n');
  const tooLong = lines.filter((line) => line.length > 100);
  expect(tooLong).toEqual([]);
}

beforeAll(async () => {
  t = await startCliWorld({
    connections: [
      {
        sandboxName: 'prod-emea-marketing-analytics',
        name: 'Acme Corporation – EMEA marketing landing zone (CRM daily exports, SFTP mirror)',
        bucketName: 'acme-corporation-emea-marketing-landing-zone',
        folderPath: 'crm/daily/exports/2025',
      },
      { sandboxName: 'dev', method: 'get-session-token', durationSeconds: 43_200, name: 'Developer sandbox ingest' },
      {
        sandboxName: 'stage-apac-commerce',
        method: 'assume-role-user-keys',
        durationSeconds: 21_600,
        name: 'APAC staging – product catalogue feed (hourly)',
      },
    ],
  });
  ids = t.world.connectionIds;
  // And a target Flow Service does not have.
  t.writeConfig({
    targets: [
      ...(configFor(t.world).targets as object[]),
      {
        connectionId: randomUUID(),
        sandboxName: 'prod-emea-marketing-analytics',
        roleArn: 'arn:aws:iam::123456789012:role/aep-gone',
      },
    ],
  });
});
afterAll(() => t.close());

describe('tables fit 100 columns', () => {
  it('status, before the rotator ever wrote the connections', async () => {
    t.world.emulators.flowService.injectFault({
      match: { method: 'GET', path: `/connections/${ids[2]}` },
      kind: 'respond',
      status: 404,
      body: flowProblem(404, '1101-404', 'Connection not found in sandbox stage-apac-commerce.'),
    });
    const result = await t.cli(['status'], TERMINAL);

    expect(result.stdout).toMatch(/\nID\s+NAME\s+SANDBOX/);
    expect(result.stdout).toContain('NOT FOUND');
    // The local configuration's extra target is not deployed: said above the table, wrapped.
    expect(result.stdout).toContain('TARGETS DIFFER');
    expectWithin100Columns(result.stdout);
  });

  it('rotate, with Adobe refusing two PATCHes', async () => {
    t.world.emulators.flowService.injectFault(patchRefusal(ids[0]!, '1416-400', NOT_UPDATABLE_STATE));
    t.world.emulators.flowService.injectFault(
      patchRefusal(
        ids[2]!,
        '2118-403',
        'The user or client does not have the required permission to perform this operation: ' +
          'Manage Sources in sandbox stage-apac-commerce.',
      ),
    );
    try {
      const result = await t.cli(['rotate'], TERMINAL);

      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^ID\s+NAME\s+SANDBOX\s+OUTCOME\s+NEW ETAG\s+EXPIRES\s+ERROR \/ NOTE\n/);
      // The whole of Adobe's explanation is there, below the table.
      expect(flat(result.stdout)).toContain(NOT_UPDATABLE_STATE);
      expectWithin100Columns(result.stdout);
    } finally {
      t.world.emulators.flowService.clearFaults();
    }
  });

  it('status --probe and rotate --dry-run, when Adobe is refused with what the connections hold', async () => {
    t.world.emulators.sts.setClock(() => Date.now() + 7 * 3600_000);
    try {
      const status = await t.cli(['status', '--probe'], { ...TERMINAL, now: Date.now() + 5 * MINUTE });
      const dryRun = await t.cli(['rotate', '--dry-run'], TERMINAL);

      expect(status.stdout).toContain('REFUSED');
      expect(status.stdout.replace(ANSI, '')).toContain('WARNING:');
      expectWithin100Columns(status.stdout);
      expect(dryRun.code).toBe(1);
      expect(dryRun.stdout).toContain('1100-400');
      expectWithin100Columns(dryRun.stdout);
    } finally {
      t.world.emulators.sts.setClock(Date.now);
    }
  });

  it('status later, with credentials expiring on another day', async () => {
    const result = await t.cli(['status'], { ...TERMINAL, now: Date.now() + 30 * 3600_000 });

    expect(result.stdout).toContain('EXPIRED');
    expectWithin100Columns(result.stdout);
  });

  it('rotate --local, every target', async () => {
    const result = await t.cli(['rotate', '--local'], TERMINAL);

    expect(result.stdout).toMatch(/^ID\s+NAME\s+SANDBOX/);
    expectWithin100Columns(result.stdout);
  });

  it('status from the ledger: long UPDATED BY, failures in a row, pause above the table; pause, history', async () => {
    await t.stack.runSchedule();
    t.world.emulators.flowService.concurrentEditBeforePatch(ids[1]!, Infinity);
    try {
      await t.stack.runSchedule();
      await t.stack.runSchedule();
    } finally {
      t.world.emulators.flowService.clearFaults();
    }
    const paused = await t.cli(
      [
        'pause',
        '--connection',
        ids[0]!,
        '--reason',
        `${'a very long reason, '.repeat(20)}CHG-1234`,
        '--for',
        '20m',
        '--force',
      ],
      TERMINAL,
    );
    try {
      const status = await t.cli(['status', '--probe'], { ...TERMINAL, now: Date.now() + 10 * 60_000 });
      const history = await t.cli(['history', '--connection', ids[1]!], TERMINAL);

      expect(status.stdout.replace(ANSI, '')).toMatch(/\nPAUSED \w{8} until /);
      expect(status.stdout.replace(ANSI, '')).toMatch(
        /\nID\s+NAME\s+SANDBOX\s+ROTATED\s+EXPIRES\s+LAST RUN\s+UPDATED BY\s+RISK\s+ADOBE\n/,
      );
      // Cut in the table when it must be; in full in the WARNING line.
      expect(flat(status.stdout.replace(ANSI, ''))).toContain('failed with 1404-412 after 2 attempts, 2 runs in a row');
      expectWithin100Columns(status.stdout);
      expectWithin100Columns(paused.stdout);
      expectWithin100Columns(history.stdout);
    } finally {
      const resumed = await t.cli(['resume'], TERMINAL);
      expectWithin100Columns(resumed.stdout);
    }
  });
});
