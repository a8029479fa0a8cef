/**
 * The target warning table (core/target-warnings.ts), tested once: what each warning is about, the
 * field it names, its words and its id; what stays quiet; and that `requireNarrowedCredentials`
 * makes the unnarrowed ones refusals instead (core/target-rules.ts).
 */
import { describe, expect, it } from 'vitest';
import { TARGET_DOORS, type TargetView } from '../../../core/target-rules.js';
import { targetListWarnings } from '../../../core/target-warnings.js';
import { CASE_ID as ID, CASE_ROLE as ROLE, targetView as target } from '../../support/index.js';

const ACCOUNT = '123456789012';
const context = { names: TARGET_DOORS.config, isUnresolved: () => false, list: 'targets' };
const warningsOf = (
  fields: Partial<TargetView>,
  extra: Partial<typeof context> & { requireNarrowedCredentials?: boolean } = {},
) =>
  targetListWarnings([target(fields)], { ...context, ...extra }).map(({ id, path, message }) => ({
    id,
    path,
    message,
  }));

describe('TARGET_WARNINGS', () => {
  it.each<[string, Partial<TargetView>, string, string, string]>([
    [
      'GetSessionToken',
      { hasUserKeys: true },
      'unnarrowed-credentials',
      'targets[0]',
      `connection ${ID}: GetSessionToken credentials cannot be narrowed, so Adobe receives everything this IAM ` +
        'user allows',
    ],
    [
      'a role without a bucket',
      { roleArn: ROLE },
      'unnarrowed-credentials',
      'targets[0]',
      `connection ${ID}: Adobe receives everything this role allows; add bucketName (and folderPath)`,
    ],
    [
      'a bucket whose owner is not pinned',
      { roleArn: ROLE, bucketName: 'acme' },
      'bucket-owner',
      'targets[0].bucketAccount',
      `connection ${ID}: nothing pins the account that owns "acme", so if the bucket is deleted and its name taken ` +
        "in another account, these credentials read that account's bucket",
    ],
    [
      "a created role's bucket whose owner is not pinned",
      { createRole: { bucketName: 'acme-aep' } },
      'bucket-owner',
      'targets[0].createRole.bucketAccount',
      `connection ${ID}: nothing pins the account that owns "acme-aep"`,
    ],
    [
      "GetFederationToken's bucket whose owner is not pinned",
      { method: 'get-federation-token', hasUserKeys: true, bucketName: 'acme' },
      'bucket-owner',
      'targets[0].bucketAccount',
      'add the 12-digit id of the account that owns it (the credentials then require it: s3:ResourceAccount)',
    ],
  ])('warns about %s, naming its field', (_name, fields, id, path, words) => {
    expect(warningsOf(fields)).toEqual([{ id, path, message: expect.stringContaining(words) }]);
  });

  it.each<[string, Partial<TargetView>]>([
    [
      'a role narrowed to a bucket of a pinned owner',
      { roleArn: ROLE, bucketName: 'acme', folderPath: 'daily', bucketAccount: ACCOUNT },
    ],
    ['a created role of a pinned owner', { createRole: { bucketName: 'acme-aep', bucketAccount: ACCOUNT } }],
    [
      'GetFederationToken of a pinned owner',
      { method: 'get-federation-token', hasUserKeys: true, bucketName: 'acme', bucketAccount: ACCOUNT },
    ],
    ['a target no STS call can mint (refused by the rules instead)', {}],
  ])('says nothing about %s', (_name, fields) => {
    expect(warningsOf(fields)).toEqual([]);
  });

  it('leaves the unnarrowed ones to the refusals under requireNarrowedCredentials', () => {
    expect(warningsOf({ roleArn: ROLE }, { requireNarrowedCredentials: true })).toEqual([]);
    expect(warningsOf({ hasUserKeys: true }, { requireNarrowedCredentials: true })).toEqual([]);
  });

  it("names the fields as the construct does, and a bucket known only at deploy time as the target's bucket", () => {
    const token = '<token>';
    const warnings = targetListWarnings([undefined, target({ roleArn: ROLE, bucketName: token })], {
      ...context,
      names: TARGET_DOORS.props,
      isUnresolved: (value) => value === token,
    });

    expect(warnings).toEqual([
      expect.objectContaining({
        index: 1,
        path: 'targets[1].bucketAccount',
        message: expect.stringContaining('nothing pins the account that owns its bucket'),
      }),
    ]);
  });
});
