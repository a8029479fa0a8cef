/**
 * `status` and what Adobe reads (issue 22's facts, from the function's inspect answer): whether
 * Adobe can list and read what each connection reads (`--probe`), a read not proven, a target whose
 * bucket and folder do not contain what the connection reads, and the dataflows reading each
 * connection with their last run, in agreement with `DataflowRunFailedAlarm`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { WorldConnectionSpec } from '../../../emulators/world.js';
import { flat, startCliWorld, type CliWorld } from '../../support/index.js';

const worlds: CliWorld[] = [];

async function world(connections: WorldConnectionSpec[]): Promise<CliWorld> {
  const t = await startCliWorld({ connections });
  worlds.push(t);
  return t;
}
afterEach(async () => {
  for (const t of worlds.splice(0)) await t.close();
});

/** A role that may read S3 and nothing else: no kms:Decrypt for SSE-KMS objects. */
const S3_ONLY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
});

describe('status and what Adobe reads', () => {
  it(
    'with --probe, tells a refused read (KMS advice) from a refused listing, and a listing of nothing from a ' +
      'proven read',
    async () => {
      const t = await world([
        { sandboxName: 'prod', name: 'Orders export', objects: ['a.csv'] },
        {
          sandboxName: 'prod',
          objects: ['a.csv'],
          objectsKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/0000-kms',
          rolePermissions: S3_ONLY,
        },
        { sandboxName: 'dev' },
      ]);
      const [readable, kms, empty] = t.world.connectionIds as [string, string, string];
      await t.stack.runSchedule();

      const json = await t.cli(['status', '--probe', '--json']);
      const table = await t.cli(['status', '--probe'], { tty: true });

      expect(json.code).toBe(1);
      const [first, second, third] = json.json().connections;
      expect(first).toMatchObject({
        connectionId: readable,
        risk: 'ok',
        readProven: true,
        adobeCanList: true,
        adobeCanRead: true,
        exploreForm: 'absolute',
      });
      expect(second).toMatchObject({
        connectionId: kms,
        risk: 'adobe-cannot-read',
        readProven: false,
        adobeCanRead: false,
        adobeErrorCode: '1100-400',
      });
      expect(third).toMatchObject({
        connectionId: empty,
        risk: 'ok',
        readUnproven: 'listed-nothing',
        adobeCanList: true,
      });
      expect(third).not.toHaveProperty('readProven');
      const text = flat(table.stdout);
      expect(text).toContain(`WARNING: ${kms.slice(0, 8)} (sandbox prod): Adobe cannot read`);
      expect(text).toContain("check s3:GetObject on the objects and, for SSE-KMS, kms:Decrypt on the bucket's key");
      expect(text).toContain(
        `note: ${empty.slice(0, 8)} (sandbox dev): Adobe listed s3://acme-ingest-2/exports/dev/ but found nothing ` +
          'there: read not proven',
      );
    },
  );

  it('names a target whose bucket and folder do not contain what the connection reads (WRONG SCOPE)', async () => {
    const t = await world([
      { sandboxName: 'prod', bucketName: 'acme-orders', folderPath: 'daily', connectionFolderPath: 'weekly' },
    ]);
    const [id] = t.world.connectionIds as [string];

    const result = await t.cli(['status', '--json']);

    expect(result.code).toBe(1);
    expect(result.json().connections[0]).toMatchObject({
      connectionId: id,
      risk: 'scope-mismatch',
      atRisk: true,
      scopeMismatch: expect.stringContaining('reads s3://acme-orders/weekly/'),
      warning: expect.stringContaining('every rotation of it fails (CONNECTION_SCOPE_MISMATCH)'),
    });
    const table = await t.cli(['status'], { tty: true });
    expect(table.stdout).toMatch(/WRONG SCOPE/);
  });

  it(
    'shows the dataflows reading a connection and their last run, at risk when one failed, as ' +
      'DataflowRunFailedAlarm says',
    async () => {
      const t = await world([
        { sandboxName: 'prod', name: 'Orders export', flows: 2, objects: ['a.csv'] },
        { sandboxName: 'dev', flows: 1 },
      ]);
      const [broken, fine] = t.world.connectionIds as [string, string];
      const [, failing] = t.world.flowIds[0]! as [string, string];
      await t.stack.runSchedule();
      t.world.emulators.flowService.failFlowRuns(failing);
      for (const flowId of t.world.flowIds.flat()) t.world.emulators.flowService.runFlow(flowId, Date.now() + 1000);
      await t.stack.runSchedule();

      const json = await t.cli(['status', '--json']);
      const detail = await t.cli(['status', '--connection', broken.slice(0, 8)], { tty: true });

      expect(json.code).toBe(1);
      const report = json.json();
      expect(report.connections[0]).toMatchObject({
        connectionId: broken,
        risk: 'dataflow-failed',
        alarms: ['DataflowRunFailedAlarm'],
        dataflows: expect.arrayContaining([
          expect.objectContaining({ flowId: failing, lastRun: expect.objectContaining({ status: 'failed' }) }),
        ]),
      });
      expect(report.connections[1]).toMatchObject({
        connectionId: fine,
        risk: 'ok',
        dataflows: [expect.objectContaining({ lastRun: expect.objectContaining({ status: 'success' }) })],
      });
      expect(report.alarms.find((alarm: { id: string }) => alarm.id === 'DataflowRunFailedAlarm')).toMatchObject({
        state: 'ALARM',
        contributors: [expect.objectContaining({ connectionId: broken })],
      });
      const text = flat(detail.stdout);
      expect(text).toContain(`ALARM DataflowRunFailedAlarm for ${broken.slice(0, 8)} since`);
      expect(text).toContain('FLOW FAILED');
      expect(text).toContain(
        `${broken.slice(0, 8)} "Orders export" (sandbox prod) reads s3://acme-ingest-0/exports/prod/ (Adobe's ` +
          'explore form: absolute); read proven at',
      );
      expect(text).toMatch(/dataflow "Orders export flow \d" \(enabled\): last run \d\d:\d\dZ failed \(CONNECTOR-/);
      expect(text).toMatch(
        new RegExp(
          String.raw`ingestion from it broke: a dataflow reading it failed the last run \("Orders export flow \d" at ` +
            String.raw`\d\d:\d\dZ with CONNECTOR-`,
        ),
      );
      expect(text).toContain('docs/RUNBOOK.md#dataflowrunfailedalarm');
    },
  );
});
