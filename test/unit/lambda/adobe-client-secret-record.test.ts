/**
 * Which client secret Adobe's last-used times prove the Adobe credentials secret holds
 * (lambda/adobe-client-secrets.ts `judgeClientSecretRecord`): the rule that decides whether the
 * rotation's createSecret may delete the other one. Every doubt must come out `unproven` or `stale`.
 */
import { describe, expect, it } from 'vitest';
import { judgeClientSecretRecord, LAST_USED_CLOCK_SKEW_MS } from '../../../lambda/adobe-client-secrets.js';

const ASKED = Date.parse('2026-03-10T12:00:00Z');
const secret = (uuid: string, lastUsedAt?: number) => ({ uuid, createdAt: ASKED - 86_400_000, lastUsedAt });

describe('judgeClientSecretRecord', () => {
  it.each([
    ['no uuid recorded', [secret('a', ASKED)], undefined, undefined],
    ['the only secret, recorded', [secret('a')], 'a', 'confirmed'],
    ['a uuid Adobe does not list', [secret('b', ASKED)], 'a', 'stale'],
    ['recorded used by this token, the other never', [secret('a', ASKED + 5), secret('b')], 'a', 'confirmed'],
    [
      'recorded used by this token, the other before',
      [secret('a', ASKED + 5), secret('b', ASKED - 9)],
      'a',
      'confirmed',
    ],
    ['Adobe a little behind: the use within the allowance', [secret('a', ASKED - 400), secret('b')], 'a', 'confirmed'],
    [
      'the other used by this token: the record is stale',
      [secret('a', ASKED - 60_000), secret('b', ASKED + 5)],
      'a',
      'stale',
    ],
    ['the other used now, the recorded never', [secret('a'), secret('b', ASKED + 5)], 'a', 'stale'],
    [
      'lag: no use shows this token, the other never used',
      [secret('a', ASKED - 3_600_000), secret('b')],
      'a',
      'unproven',
    ],
    ['lag: neither shows this token', [secret('a', ASKED - 60_000), secret('b', ASKED - 120_000)], 'a', 'unproven'],
    ['lag: the recorded never used', [secret('a'), secret('b')], 'a', 'unproven'],
    ['both used as recently as this token', [secret('a', ASKED + 9), secret('b', ASKED + 5)], 'a', 'unproven'],
    ['a tie', [secret('a', ASKED + 5), secret('b', ASKED + 5)], 'a', 'unproven'],
    [
      // A rotation retried at once after a failed finishSecret delete: the old one was used just before.
      'the other used just before this token, the recorded by it',
      [secret('a', ASKED + 5), secret('b', ASKED - 1)],
      'a',
      'confirmed',
    ],
    [
      'the other used since this token, before the recorded',
      [secret('a', ASKED + 9), secret('b', ASKED)],
      'a',
      'unproven',
    ],
  ] as const)('%s', (_case, listed, recorded, expected) => {
    expect(judgeClientSecretRecord(listed, recorded, ASKED)).toBe(expected);
  });

  it("no use older than the allowance passes for this step's own", () => {
    const listed = [secret('a', ASKED - LAST_USED_CLOCK_SKEW_MS - 1), secret('b')];

    expect(judgeClientSecretRecord(listed, 'a', ASKED)).toBe('unproven');
    expect(judgeClientSecretRecord(listed, 'a', ASKED - 2)).toBe('confirmed');
  });
});
