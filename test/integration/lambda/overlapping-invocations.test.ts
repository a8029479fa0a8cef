/**
 * Two invocations racing on the same connections (a manual one from an operator and the scheduled
 * one). In AWS the function's reserved concurrency of 1 prevents this, but `rotate --local` or a
 * second deployment would not: the If-Match / 412 loop must keep every connection consistent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { settle, startHarness, type Harness } from '../../support/index.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('overlapping invocations', () => {
  it('a manual and a scheduled run on the same connections both finish; each ends with one verified set', async () => {
    harness = await startHarness({
      connections: [{ sandboxName: 'prod' }, { sandboxName: 'prod' }, { sandboxName: 'dev' }],
    });
    const { world } = harness;
    // Slow Flow Service so both runs' GETs land before either PATCH: a guaranteed race.
    world.emulators.flowService.setLatency(150);
    const manual = harness.newHandler();
    const scheduled = harness.newHandler();

    const [first, second] = await Promise.all([
      settle(() => manual({ connectionIds: world.connectionIds })),
      settle(() => scheduled({ version: '0', source: 'aws.scheduler', detail: {} })),
    ]);

    expect(first.error).toBeUndefined();
    expect(second.error).toBeUndefined();
    const conflicts = [...first.value!.results, ...second.value!.results].reduce(
      (sum, result) => sum + (result.etagConflicts ?? 0),
      0,
    );
    expect(conflicts).toBeGreaterThanOrEqual(3); // every connection: one run won, the other re-read and re-sent
    for (const id of world.connectionIds) {
      const connection = world.connection(id);
      expect(connection.etagHistory).toHaveLength(3); // seeded, then one write per run
      const winner = [first.value!, second.value!]
        .flatMap((summary) => summary.results)
        .find((result) => result.etag === connection.etag);
      expect(winner?.status).toBe('rotated');
      expect(await world.callerIdentityOf(id)).toContain(`:assumed-role/aep-s3-ingest-`);
    }
  });
});
