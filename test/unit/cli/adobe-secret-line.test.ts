import { describe, expect, it } from 'vitest';
import { describeAdobeSecretLine, type AdobeSecretRotationStatus } from '../../../cli/adobe-secret-rotation.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const ROTATING: AdobeSecretRotationStatus = {
  secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:aep/adobe-Ab12Cd',
  rotationEnabled: true,
  everyDays: 30,
  lastRotatedDate: '2026-03-01T09:00:00.000Z',
  nextRotationDate: '2026-03-31T09:00:00.000Z',
};

describe("status's line about the Adobe client secret", () => {
  it.each([
    [
      'a healthy rotation',
      ROTATING,
      { count: 1 },
      'Adobe client secret: rotated Mar 1 09:00Z, next Mar 31 09:00Z (every 30 days); Adobe holds 1 secret',
      false,
    ],
    [
      'no rotation',
      { secretId: 'x', rotationEnabled: false },
      undefined,
      'Adobe client secret: not rotated by Secrets Manager (adobeSecretRotation is off)',
      true,
    ],
    [
      'an overdue rotation',
      { ...ROTATING, nextRotationDate: '2026-03-09T09:00:00.000Z' },
      undefined,
      'next Mar 9 09:00Z (every 30 days) OVERDUE',
      true,
    ],
    [
      'an unfinished rotation',
      { ...ROTATING, pendingVersionId: 'v2' },
      { count: 2 },
      'a rotation is unfinished (version v2): run `rotate-adobe-secret`; Adobe holds 2 secrets',
      true,
    ],
    ['two secrets at Adobe', ROTATING, { count: 2 }, 'Adobe holds 2 secrets (the old one was not deleted)', true],
    [
      'a stale clientSecretUuid',
      ROTATING,
      { count: 2, record: 'stale' },
      "Adobe holds 2 secrets (the secret's clientSecretUuid is not the one in use: docs/RUNBOOK.md)",
      true,
    ],
    [
      'a stale clientSecretUuid with one secret (the next rotation records it)',
      ROTATING,
      { count: 1, record: 'stale' },
      '(every 30 days); Adobe holds 1 secret',
      false,
    ],
    [
      'a secret never rotated yet',
      { ...ROTATING, lastRotatedDate: undefined },
      undefined,
      'Adobe client secret: never rotated, next Mar 31 09:00Z',
      false,
    ],
  ] as const)('describes %s', (_case, status, held, text, attention) => {
    const line = describeAdobeSecretLine(status, NOW, held);

    expect(line.text).toContain(text);
    expect(line.attention).toBe(attention);
  });

  it('says nothing of a stale clientSecretUuid while Adobe holds one secret', () => {
    const line = describeAdobeSecretLine(ROTATING, NOW, { count: 1, record: 'stale' });

    expect(line.text.endsWith('; Adobe holds 1 secret')).toBe(true);
  });
});
