/**
 * The region pattern and the partition list of the contract (core/contract.ts) against every
 * region aws-cdk-lib knows: each region the configuration can name is one whose partition its ARN
 * patterns accept, the isolated regions and the European Sovereign Cloud included.
 */
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { describe, expect, it } from 'vitest';
import { PARTITION_PATTERN, REGION, ROLE_ARN } from '../../../core/contract.js';
import { LONGEST_PARTITION } from '../../../core/session-policy.js';

const PARTITION = new RegExp(`^${PARTITION_PATTERN}$`);

describe('REGION and PARTITION_PATTERN', () => {
  it.each(RegionInfo.regions.map((region) => [region.name, region.partition] as const))(
    'accept %s and its partition %s',
    (region, partition) => {
      expect(region).toMatch(REGION);
      expect(partition).toMatch(PARTITION);
      expect(`arn:${partition}:iam::123456789012:role/aep-reader`).toMatch(ROLE_ARN);
    },
  );

  it.each(['us-iso-east-1', 'us-isob-east-1', 'eu-isoe-west-1', 'us-isof-south-1', 'eusc-de-east-1'])(
    'accepts %s, which a two-letter pattern refused',
    (region) => {
      expect(region).toMatch(REGION);
    },
  );

  it('has no partition longer than LONGEST_PARTITION, which the size check assumes of a role not known yet', () => {
    const lengths = RegionInfo.regions.map((region) => region.partition?.length ?? 0);

    expect(Math.max(...lengths)).toBe(LONGEST_PARTITION.length);
  });

  it.each(['eu-west', 'EU-WEST-1', 'eu_west_1', 'europe-west-1', 'eu-west-1a'])('refuses %s', (region) => {
    expect(region).not.toMatch(REGION);
  });
});
