/**
 * How the targets travel, as check-config and the construct both decide it.
 */
import { describe, expect, it } from 'vitest';
import { toTargetEntry } from '../../lambda/contract.js';
import { decideTargetsDelivery, estimatedTargetsBytes, MAX_TARGETS_ENV_BYTES, partitionOfRegion, targetsDeliveryProblems, type DeliveryTarget } from '../../lib/targets-delivery-rules.js';

const id = (n: number) => `${String(n).padStart(8, '0')}-1111-4111-8111-111111111111`;
const created = (n: number, roleName?: string): DeliveryTarget => ({
  connectionId: id(n),
  sandboxName: 'prod',
  method: 'assume-role-chained',
  createRole: { bucketName: 'acme-aep-landing', folderPath: `crm/feed-${n}`, ...(roleName ? { roleName } : {}) },
  durationSeconds: 3600,
});
const existing = (n: number): DeliveryTarget => ({ connectionId: id(n), sandboxName: 'prod', method: 'assume-role-chained', roleArn: `arn:aws:iam::123456789012:role/reader-${n}`, bucketName: 'acme-aep-landing', durationSeconds: 3600 });
const never = () => false;

describe('decideTargetsDelivery', () => {
  it('keeps a list in the environment while it fits, counting deploy-time values at their longest', () => {
    const entries = [toTargetEntry({ connectionId: id(1), sandboxName: 'prod', method: 'assume-role-chained', roleArn: 'TOKEN', durationSeconds: 3600 })];
    expect(estimatedTargetsBytes(entries, (value) => value === 'TOKEN')).toBe(estimatedTargetsBytes(entries, never) - 'TOKEN'.length + 160);
    expect(decideTargetsDelivery('auto', { narrowed: entries, unnarrowed: entries }, never)).toEqual({ delivery: 'environment', narrowCreatedRoles: true });
  });

  it('goes to a file beyond the limit, unless the list fits without created roles’ buckets', () => {
    const big = Array.from({ length: 40 }, (_, n) => toTargetEntry({ connectionId: id(n), sandboxName: 'prod', method: 'assume-role-chained', roleArn: `arn:aws:iam::123456789012:role/r${n}`, durationSeconds: 3600, bucketName: 'acme-aep-landing', folderPath: 'crm/daily' }));
    const small = big.map(({ bucketName: _b, folderPath: _f, ...entry }) => entry);
    expect(estimatedTargetsBytes(big, never)).toBeGreaterThan(MAX_TARGETS_ENV_BYTES);
    expect(decideTargetsDelivery('auto', { narrowed: big, unnarrowed: big }, never)).toEqual({ delivery: 'file', narrowCreatedRoles: true });
    expect(decideTargetsDelivery('auto', { narrowed: big, unnarrowed: small.slice(0, 20) }, never)).toEqual({ delivery: 'environment', narrowCreatedRoles: false });
    expect(decideTargetsDelivery('environment', { narrowed: big, unnarrowed: big }, never)).toEqual({ delivery: 'environment', narrowCreatedRoles: true });
  });
});

describe('targetsDeliveryProblems', () => {
  it('finds nothing for a list that fits the environment', () => {
    expect(targetsDeliveryProblems({ targets: [created(1), existing(2)], targetsDelivery: 'auto' })).toEqual([]);
  });

  it('refuses, as synth would, created roles without a name when the list must go to a file', () => {
    const targets = [...Array.from({ length: 30 }, (_, n) => existing(n)), created(30), created(31, 'aep-reader-31')];

    expect(targetsDeliveryProblems({ targets, targetsDelivery: 'auto' })).toEqual([expect.stringMatching(/^targets\[30\]\.createRole: the targets go to a bundled file/), expect.stringMatching(/^targets\[31\]\.createRole/)]);
    // With names and an explicit account and region, every ARN is known at synth.
    expect(targetsDeliveryProblems({ targets: [...targets.slice(0, 30), created(30, 'aep-reader-30'), created(31, 'aep-reader-31')], targetsDelivery: 'auto', account: '123456789012', region: 'eu-west-1' })).toEqual([]);
    // Or keep them in the environment, as the message says.
    expect(targetsDeliveryProblems({ targets, targetsDelivery: 'environment' })).toEqual([]);
  });

  it('refuses a file asked for when a created role has no name', () => {
    expect(targetsDeliveryProblems({ targets: [created(1)], targetsDelivery: 'file', account: '123456789012', region: 'eu-west-1' })).toEqual([
      expect.stringContaining('set "targetsDelivery": "environment"'),
    ]);
  });

  it.each([
    ['eu-west-1', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
  ])('knows the partition of %s', (region, partition) => {
    expect(partitionOfRegion(region)).toBe(partition);
  });
});
