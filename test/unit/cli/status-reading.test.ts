import { describe, expect, it } from 'vitest';
import type { InspectedConnection } from '../../../lambda/inspect-connection.js';
import type { LedgerRecord } from '../../../lambda/ledger-item.js';
import { dataflowWarning, describeRead, failedDataflows, readingFacts } from '../../../cli/status-reading.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const view = (extra: Partial<InspectedConnection> = {}): InspectedConnection => ({
  connectionId: 'c1',
  sandboxName: 'prod',
  method: 'assume-role-chained',
  durationSeconds: 3600,
  ...extra,
});
const ledger = (
  rotation: Partial<NonNullable<LedgerRecord['lastRotation']>>,
  exploreForm?: 'absolute' | 'relative',
): LedgerRecord => ({
  connectionId: 'c1',
  sandboxName: 'prod',
  consecutiveFailures: 0,
  history: [],
  lastRotation: {
    at: '2025-06-01T11:45:00Z',
    expiresAt: '2025-06-01T12:45:00Z',
    etag: '"1"',
    method: 'assume-role-chained',
    adobeVerified: true,
    ...rotation,
  },
  ...(exploreForm ? { exploreForm } : {}),
});

describe('readingFacts', () => {
  it('takes read proof from the last rotation without --probe, and the explore form the ledger remembers', () => {
    const facts = readingFacts(view({ reads: 's3://b/f/' }), ledger({ adobeCanRead: true }, 'relative'), false, NOW);

    expect(facts).toEqual({
      reads: 's3://b/f/',
      exploreForm: 'relative',
      readProven: true,
      readCheckedAt: '2025-06-01T11:45:00Z',
    });
    expect(describeRead(facts, NOW)).toBe('read proven at 11:45Z');
  });

  it('prefers the check made now with --probe, and says why reading is not proven', () => {
    const facts = readingFacts(
      view({ adobeCanList: true, adobeVerified: true, adobeReadUnproven: 'listed-nothing', exploreForm: 'absolute' }),
      ledger({ adobeCanRead: true }),
      true,
      NOW,
    );

    expect(facts).toMatchObject({
      readUnproven: 'listed-nothing',
      exploreForm: 'absolute',
      readCheckedAt: new Date(NOW).toISOString(),
      adobeCanList: true,
    });
    expect(facts).not.toHaveProperty('readProven');
    expect(describeRead(facts, NOW)).toBe('read not proven at 12:00Z (Adobe listed nothing)');
  });

  it('counts only the enabled dataflows whose last run failed', () => {
    const dataflows = [
      {
        flowId: 'f1',
        name: 'Daily',
        state: 'enabled',
        lastRun: { id: 'r1', startedAt: '2025-06-01T11:50:00Z', status: 'failed', errorCodes: ['CONNECTOR-1001-500'] },
      },
      { flowId: 'f2', state: 'disabled', lastRun: { id: 'r2', status: 'failed', errorCodes: [] } },
      { flowId: 'f3', state: 'enabled', lastRun: { id: 'r3', status: 'success', errorCodes: [] } },
      { flowId: 'f4', state: 'enabled' },
    ];
    const failed = failedDataflows(readingFacts(view({ dataflows }), undefined, false, NOW));

    expect(failed.map((flow) => flow.flowId)).toEqual(['f1']);
    expect(dataflowWarning(failed, NOW)).toBe(
      'ingestion from it broke: a dataflow reading it failed the last run ("Daily" at 11:50Z with CONNECTOR-1001-500)',
    );
  });
});
