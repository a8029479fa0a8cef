/**
 * Pauses as the function honours them (core/pauses.ts), with the ledger in a real local DynamoDB
 * (dynalite): a run of every target leaves a paused connection alone until the pause's end,
 * reports it `paused` with what it holds, and its expiry goes out under the `paused` dimension that
 * the per-connection alarms' queries leave out; a request that names the connection still rotates it.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { CONNECTION_ALARMS, connectionAlarmQuery } from '../../../core/alarm-rules.js';
import { PAUSES_KEY, type Pause } from '../../../core/pauses.js';
import { parseQuery } from '../../../emulators/cloudwatch-alarms.js';
import { WORLD_LEDGER_TABLE, type WorldOptions } from '../../../emulators/world.js';
import { captureOutput, SCHEDULED_EVENT, useLedgerHarness, type Harness } from '../../support/index.js';

const startLedgerHarness = useLedgerHarness();

/** A harness whose `pause` writes the ledger's pauses item, as `aep-s3-rotator pause` does. */
async function start(options: WorldOptions) {
  const harness = await startLedgerHarness(options);
  const pause = (pauses: Pause[]) =>
    harness.dynamodb.send(
      new PutItemCommand({ TableName: WORLD_LEDGER_TABLE, Item: marshall({ connectionId: PAUSES_KEY, pauses }) }),
    );
  return { ...harness, pause };
}

const HOUR = 3600_000;
const pauseOf = (connectionIds: string[] | undefined, until: number): Pause => ({
  id: 'p1',
  ...(connectionIds ? { connectionIds } : {}),
  reason: 'bucket migration, CHG-1234',
  pausedBy: 'arn:aws:sts::123456789012:assumed-role/Operator/alice',
  pausedAt: new Date(Date.now() - 60_000).toISOString(),
  until: new Date(until).toISOString(),
});
const patched = (world: Harness['world'], id: string) =>
  world.emulators.flowService.requests.some((r) => r.method === 'PATCH' && r.path === `/connections/${id}`);

/** The EMF documents of `metric`, with their dimension sets and the value. */
function documentsOf(lines: Array<Record<string, unknown>>, metric: string) {
  return lines.flatMap((line) => {
    const aws = line._aws as
      | { CloudWatchMetrics?: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> }
      | undefined;
    const directive = aws?.CloudWatchMetrics?.find((entry) => entry.Metrics.some((m) => m.Name === metric));
    return directive ? [{ dimensions: directive.Dimensions, line, value: line[metric] as number }] : [];
  });
}

describe('a pause, as the function honours it', () => {
  it(
    'leaves a paused connection alone in a scheduled run, reports it paused with what it holds, and rotates the ' +
      'others',
    async () => {
      const { world, newHandler, pause, ledger } = await start({
        connections: [{ sandboxName: 'prod' }, { sandboxName: 'dev' }],
      });
      const [paused, other] = world.connectionIds as [string, string];
      await newHandler()(SCHEDULED_EVENT);
      const held = (await ledger.get(paused))!.lastRotation!.expiresAt;
      await pause([pauseOf([paused], Date.now() + 2 * HOUR)]);
      world.emulators.flowService.requests.length = 0;

      const capture = captureOutput();
      let summary: Awaited<ReturnType<ReturnType<Harness['newHandler']>>>;
      try {
        summary = await newHandler()(SCHEDULED_EVENT);
      } finally {
        capture.restore();
      }

      expect(summary).toMatchObject({ rotated: 1, failed: 0, paused: 1 });
      expect(summary.results.find((result) => result.connectionId === paused)).toEqual({
        connectionId: paused,
        sandboxName: 'prod',
        status: 'paused',
        attempts: 0,
        pausedUntil: expect.any(String),
        pausedBy: 'arn:aws:sts::123456789012:assumed-role/Operator/alice',
        pauseReason: 'bucket migration, CHG-1234',
        heldCredentialsExpireAt: held,
      });
      expect(patched(world, paused)).toBe(false);
      expect(world.emulators.flowService.requests.some((request) => request.path === `/connections/${paused}`)).toBe(
        false,
      );
      expect(patched(world, other)).toBe(true);
      // Its ledger item is left as it was: the pause is in the ledger already.
      expect((await ledger.get(paused))!.history).toHaveLength(1);

      // Its expiry, honestly, but under `paused`: the per-connection alarms' queries select exactly their dimensions.
      const lines = capture.jsonLines();
      const expiry = documentsOf(lines, 'SecondsUntilCredentialExpiry');
      const ofPaused = expiry.find((document) => document.line.connectionId === paused)!;
      expect(ofPaused.line.paused).toBe('true');
      expect(ofPaused.value).toBeGreaterThan(3000);
      expect(ofPaused.dimensions).toContainEqual(expect.arrayContaining(['connectionId', 'paused']));
      const schema = parseQuery(
        connectionAlarmQuery(CONNECTION_ALARMS.find((rule) => rule.id === 'CredentialsExpiringAlarm')!, {
          namespace: 'AepS3CredentialRotator',
          rotatorName: 'x',
          targetCount: 2,
        }),
      ).schema;
      for (const set of ofPaused.dimensions.filter((dims) => dims.includes('connectionId')))
        expect([...set].sort()).not.toEqual([...schema].sort());
      // ...and in the rotator's aggregate, so RotatorNotReportingAlarm sees the runs go on.
      expect(ofPaused.dimensions).toContainEqual(expect.not.arrayContaining(['connectionId']));
      expect(documentsOf(lines, 'RotationFailed').some((document) => document.line.connectionId === paused)).toBe(
        false,
      );
      expect(lines.find((line) => line.message === 'connection paused (not rotated)')).toMatchObject({
        connectionId: paused,
        pausedUntil: expect.any(String),
      });
    },
  );

  it('pauses every connection with a pause that names none, and asks nothing of Adobe', async () => {
    const { world, newHandler, pause } = await start({
      connections: [{ sandboxName: 'prod' }, { sandboxName: 'dev' }],
    });
    await pause([pauseOf(undefined, Date.now() + HOUR)]);

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary).toMatchObject({ rotated: 0, failed: 0, paused: 2 });
    expect(world.emulators.flowService.requests).toHaveLength(0);
    expect(world.emulators.ims.requests).toHaveLength(0);
  });

  it('ends a pause on its own: a run after its end rotates the connection', async () => {
    const { world, newHandler, pause } = await start({ connections: [{ sandboxName: 'prod' }] });
    await pause([pauseOf(world.connectionIds as string[], Date.now() - 1000)]);

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary).toMatchObject({ rotated: 1 });
    expect(summary).not.toHaveProperty('paused');
  });

  it('rotates a paused connection a manual request names, and records who asked', async () => {
    const { world, newHandler, pause, ledger } = await start({
      connections: [{ sandboxName: 'prod' }, { sandboxName: 'dev' }],
    });
    await pause([pauseOf(undefined, Date.now() + HOUR)]);
    const [id] = world.connectionIds as [string];

    const named = await newHandler()({
      connectionIds: [id],
      caller: 'arn:aws:sts::123456789012:assumed-role/Operator/bob',
    });
    const everyTarget = await newHandler()({ dryRun: false });

    expect(named).toMatchObject({
      rotated: 1,
      results: [{ connectionId: id, status: 'rotated', accessKeyId: world.connection(id).params.s3AccessKey }],
    });
    // A manual run of every target is a run of every target: the pause holds.
    expect(everyTarget).toMatchObject({ rotated: 0, paused: 2 });
    expect((await ledger.get(id))!.history.at(-1)).toMatchObject({
      outcome: 'rotated',
      trigger: 'manual',
      caller: 'arn:aws:sts::123456789012:assumed-role/Operator/bob',
      accessKeyId: world.connection(id).params.s3AccessKey,
    });
  });

  it('rotates every connection when the pauses cannot be read, and says so', async () => {
    const { world, newHandler } = await start({ connections: [{ sandboxName: 'prod' }] });
    const restore = world.applyEnv({ AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9' });
    const capture = captureOutput();
    try {
      const summary = await newHandler()(SCHEDULED_EVENT);
      capture.restore();

      expect(summary).toMatchObject({ rotated: 1 });
      expect(
        capture
          .jsonLines()
          .find((line) => String(line.message).startsWith('rotation ledger read failed; pauses cannot be honoured')),
      ).toBeDefined();
    } finally {
      capture.restore();
      restore();
    }
  });
});
