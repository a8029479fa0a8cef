/**
 * How `status` judges a connection (cli/status-judgement.ts), as the alarms do: expiry against
 * CredentialsExpiringAlarm's threshold, STALE after two schedule intervals without a run, pauses,
 * Adobe's view; what it cannot learn is unknown, never guessed.
 */
import { describe, expect, it } from 'vitest';
import { judge, type Judging } from '../../../cli/status-judgement.js';
import type { Pause } from '../../../core/pauses.js';
import type { InspectedConnection } from '../../../lambda/inspect-connection.js';
import type { LedgerRecord } from '../../../lambda/ledger-item.js';

const ID = '4cb0c374-d3bb-4557-b139-5712880adc55';
const NOW = Date.parse('2030-01-01T12:00:00Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A ledger item: rotated `rotatedAgo` ms ago for `lifetime` ms, last tried `triedAgo` ms ago. */
function ledger({
  rotatedAgo = 5 * MIN,
  lifetime = 60 * MIN,
  triedAgo,
  failed = false,
}: {
  rotatedAgo?: number;
  lifetime?: number;
  triedAgo?: number;
  failed?: boolean;
} = {}): LedgerRecord {
  const tried = triedAgo ?? rotatedAgo;
  return {
    connectionId: ID,
    sandboxName: 'prod',
    lastRotation: {
      at: iso(NOW - rotatedAgo),
      expiresAt: iso(NOW - rotatedAgo + lifetime),
      etag: '"e"',
      method: 'assume-role-chained',
      adobeVerified: true,
    },
    lastAttempt: failed
      ? {
          at: iso(NOW - tried),
          outcome: 'failed',
          errorCode: '1445-400',
          error: 'PATCH connection feature not enabled.',
          attempts: 1,
          trigger: 'schedule',
        }
      : { at: iso(NOW - tried), outcome: 'rotated', attempts: 1, trigger: 'schedule' },
    consecutiveFailures: failed ? 2 : 0,
    history: [],
  };
}
const adobe = (extra: Partial<InspectedConnection> = {}): InspectedConnection => ({
  connectionId: ID,
  sandboxName: 'prod',
  method: 'assume-role-chained',
  durationSeconds: 3600,
  name: 'Orders',
  state: 'enabled',
  specName: 'Access Key',
  etag: '"e"',
  updatedAt: iso(NOW - 5 * MIN),
  updatedBy: 'rotator-client@AdobeID',
  writtenByRotator: true,
  rotatable: true,
  ...extra,
});
const pause = (until: number): Pause => ({
  id: 'p1',
  connectionIds: [ID],
  reason: 'bucket migration',
  pausedBy: 'arn:aws:sts::1:assumed-role/Op/alice',
  pausedAt: iso(NOW - MIN),
  until: iso(until),
});
/** The judging of a connection the rotator wrote last when it last rotated it (Adobe's updatedAt is the rotation's). */
const base = (extra: Partial<Judging> = {}): Judging => {
  const record = extra.ledger === undefined && 'ledger' in extra ? undefined : (extra.ledger ?? ledger());
  return {
    connectionId: ID,
    sandboxName: 'prod',
    now: NOW,
    thresholdSeconds: 40 * 60,
    intervalSeconds: 15 * 60,
    probe: false,
    ledger: record,
    adobe: adobe(record?.lastRotation ? { updatedAt: record.lastRotation.at } : {}),
    pause: null,
    ...extra,
  };
};

describe('judge', () => {
  it('is ok with a recent rotation, knowing everything, with its last and next run', () => {
    const status = judge(base({ nextRunAt: NOW + 10 * MIN }));
    expect(status).toMatchObject({
      risk: 'ok',
      atRisk: false,
      unknown: [],
      remainingSeconds: 55 * 60,
      lastRunAt: iso(NOW - 5 * MIN),
      nextRunAt: iso(NOW + 10 * MIN),
    });
  });

  it("calls a connection EXPIRING by the alarm's threshold, not one interval: 30 minutes left is below 40", () => {
    const status = judge(base({ ledger: ledger({ rotatedAgo: 30 * MIN }) }));
    expect(status).toMatchObject({ risk: 'expiring', atRisk: true });
    expect(status.warning).toContain("below CredentialsExpiringAlarm's threshold (40m)");
    expect(judge(base({ ledger: ledger({ rotatedAgo: 19 * MIN }) })).risk).toBe('ok');
  });

  it('calls it EXPIRED once what it holds has expired, and FAILING while its last attempt failed', () => {
    expect(judge(base({ ledger: ledger({ rotatedAgo: 61 * MIN, triedAgo: 5 * MIN, failed: true }) })).risk).toBe(
      'expired',
    );
    const failing = judge(base({ ledger: ledger({ rotatedAgo: 5 * MIN, triedAgo: MIN, failed: true }) }));
    expect(failing).toMatchObject({ risk: 'failing', atRisk: true });
    expect(failing.warning).toContain('failed with 1445-400, 2 runs in a row');
  });

  it('calls a connection no run has tried for two schedule intervals STALE, though what it holds is fine', () => {
    const stale = judge(base({ ledger: ledger({ rotatedAgo: 31 * MIN, lifetime: 12 * 60 * MIN }) }));
    expect(stale).toMatchObject({ risk: 'stale', atRisk: true });
    expect(stale.warning).toContain('more than two schedule intervals (30m) ago');
    expect(judge(base({ ledger: ledger({ rotatedAgo: 29 * MIN, lifetime: 12 * 60 * MIN }) })).risk).toBe('ok');
  });

  it('calls a paused connection PAUSED (not at risk), its next run the end of the pause', () => {
    const status = judge(
      base({
        ledger: ledger({ rotatedAgo: 40 * MIN, lifetime: 12 * 60 * MIN }),
        pause: pause(NOW + 60 * MIN),
        nextRunAt: NOW + 5 * MIN,
      }),
    );
    expect(status).toMatchObject({
      risk: 'paused',
      atRisk: false,
      nextRunAt: iso(NOW + 60 * MIN),
      pause: { id: 'p1' },
    });
    expect(status.warning).toContain('paused until');
    expect(status.warning).toContain('bucket migration');
  });

  it('calls a paused connection EXPIRING when it expires before the pause ends, saying when ingestion stops', () => {
    const status = judge(base({ ledger: ledger({ rotatedAgo: 30 * MIN }), pause: pause(NOW + 60 * MIN) }));
    expect(status).toMatchObject({ risk: 'expiring', atRisk: true });
    expect(status.warning).toContain('which ends after they expire: ingestion stops at 12:30Z');
  });

  it.each([
    ['not-found', { notFound: true, errorCode: '1101-404', error: 'not found', rotatable: undefined }],
    [
      'nothing-to-rotate',
      { rotatable: false, notRotatableReason: 'iam-role-auth' as const, specName: 'IAMRole Based' },
    ],
    [
      'not-rotatable',
      {
        rotatable: false,
        notRotatableReason: 'wrong-connection-spec' as const,
        notRotatable: 'uses connection spec x',
      },
    ],
    ['not-enabled', { state: 'disabled' }],
  ])("judges %s from Adobe's view whatever the ledger says", (risk, extra) => {
    expect(
      judge(base({ adobe: adobe({ updatedAt: iso(NOW - 5 * MIN), ...(extra as Partial<InspectedConnection>) }) })).risk,
    ).toBe(risk);
  });

  it('with --probe, calls a connection Adobe cannot read ADOBE REFUSED, with its code', () => {
    const status = judge(
      base({
        probe: true,
        adobe: adobe({
          updatedAt: iso(NOW - 5 * MIN),
          explored: 's3://acme/',
          adobeVerified: false,
          adobeErrorCode: '1100-400',
          adobeError: 'Amazon S3 answered AccessDenied',
        }),
      }),
    );
    expect(status).toMatchObject({ risk: 'adobe-cannot-read', atRisk: true, adobeErrorCode: '1100-400' });
  });

  it("judges from the ledger alone when Adobe's view is missing, and says which parts are unknown", () => {
    const status = judge({ ...base(), adobe: undefined, pause: undefined });
    expect(status).toMatchObject({ risk: 'ok', unknown: ['adobe', 'pause'] });
    expect(status).not.toHaveProperty('name');
  });

  it("judges from Adobe's view alone when the ledger cannot be read (the rotator wrote last)", () => {
    const status = judge(base({ ledger: undefined, adobe: adobe({ heldCredentialsExpireAt: iso(NOW + 10 * MIN) }) }));
    expect(status).toMatchObject({ risk: 'expiring', unknown: ['ledger'] });
  });

  it('is UNKNOWN (at risk) when neither the ledger nor Adobe can say anything, or the rotator never rotated it', () => {
    expect(judge({ ...base(), ledger: undefined, adobe: undefined })).toMatchObject({
      risk: 'unknown',
      atRisk: true,
      unknown: ['adobe', 'ledger'],
    });
    expect(
      judge(base({ ledger: null, adobe: adobe({ writtenByRotator: false, updatedBy: 'someone@AdobeID' }) })),
    ).toMatchObject({ risk: 'unknown' });
  });

  it('notes an edit by someone else after the last rotation', () => {
    const status = judge(
      base({ adobe: adobe({ updatedAt: iso(NOW - MIN), writtenByRotator: false, updatedBy: 'exc_app@AdobeID' }) }),
    );
    expect(status).toMatchObject({ risk: 'ok', editedAfterRotation: true });
    expect(status.warning).toContain('edited by exc_app@AdobeID');
  });

  it('lists the per-connection alarms the connection holds in ALARM', () => {
    expect(judge(base({ alarms: ['ConnectionFailingAlarm'] }))).toMatchObject({ alarms: ['ConnectionFailingAlarm'] });
  });
});
