/**
 * The setting rule table (core/setting-rules.ts), tested once: each mistake, the field it names in
 * each door, and the words.
 */
import { describe, expect, it } from 'vitest';
import {
  SETTING_DOORS,
  settingPairProblems,
  settingProblems,
  settingValueProblems,
  type SettingsView,
} from '../../../core/setting-rules.js';

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';

describe('SETTING_RULES', () => {
  it.each<[string, SettingsView, string]>([
    ['a concurrency above 64', { concurrency: 65 }, 'concurrency: 65 is not a whole number from 1 to 64'],
    ['a fractional concurrency', { concurrency: 2.5 }, 'concurrency: 2.5 is not a whole number from 1 to 64'],
    ['memory below 128 MB', { memorySize: 64 }, 'memorySize: 64 is not a whole number of MB from 128 to 10240'],
    [
      'a role name with a space',
      { functionRoleName: 'aep rotator' },
      'functionRoleName: must be an IAM role name: 1 to 64 letters, digits and +=,.@_-; got "aep rotator"',
    ],
    [
      'a runbook link with an anchor',
      { runbookUrl: 'https://wiki/x#y' },
      'runbookUrl: "https://wiki/x#y" must be 1 to 400 characters without spaces or "#"',
    ],
    ['plain http to Adobe', { flowServiceUrl: 'http://platform.adobe.io' }, 'flowServiceUrl: must use https://'],
    ['an IMS URL that is no URL', { imsUrl: 'ims' }, 'imsUrl: "ims" is not a URL'],
    [
      'an alias ARN for a key',
      { encryptionKeyArn: 'arn:aws:kms:eu-west-1:123456789012:alias/aep' },
      'encryptionKey: "arn:aws:kms:eu-west-1:123456789012:alias/aep" is a KMS alias ARN',
    ],
    [
      'an alias for a key',
      { encryptionKeyAlias: 'alias/aep' },
      'encryptionKey: "alias/aep" is a KMS alias; give the ARN of the key it points to',
    ],
    [
      'a key in another region',
      { encryptionKeyArn: KEY, region: 'us-east-1' },
      'encryptionKey: "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555" is a key in ' +
        'eu-west-1',
    ],
    [
      'a role for a boundary',
      { permissionsBoundaryArn: 'arn:aws:iam::123456789012:role/x' },
      'permissionsBoundary: "arn:aws:iam::123456789012:role/x" is not a managed policy ARN',
    ],
    [
      'a session ARN for a reader',
      { secretReaders: [undefined, 'arn:aws:sts::123456789012:assumed-role/x/y'] },
      'secretReaders[1]: "arn:aws:sts::123456789012:assumed-role/x/y" is a role session',
    ],
    ['an aws: tag', { tags: { 'aws:team': 'data' } }, 'tags: key "aws:team" starts with "aws:"'],
    [
      'a secret name with a space',
      { adobeSecretName: 'aep rotator' },
      'adobeSecretName: must be a Secrets Manager secret name: 1 to 512 letters, digits and /_+=.@-; got "aep rotator"',
    ],
    [
      'a secret name ending like a complete ARN',
      { adobeSecretName: 'aep/adobe-abc123' },
      'adobeSecretName: "aep/adobe-abc123" ends with a hyphen and six characters',
    ],
    [
      'a secret name for a secret the stack does not create',
      { adobeSecretName: 'aep/adobe', adobeCredentialsSecretGiven: true },
      'adobeSecretName: names the Adobe secret the stack creates, but adobeCredentialsSecret is given, ' +
        'so the stack creates none; remove one of them',
    ],
    [
      'a table name of two characters',
      { ledgerTableName: 'ab' },
      'ledgerTableName: must be a DynamoDB table name: 3 to 255 letters, digits and _.-; got "ab"',
    ],
    [
      'an Adobe secret rotation of a day and a half',
      { adobeSecretRotationDays: 1.5 },
      "adobeSecretRotation.every: 1.5 is not a whole number of days from 1 to 1000 (Secrets Manager's range",
    ],
    [
      'an Adobe secret rotation above 1000 days',
      { adobeSecretRotationDays: 1001 },
      'adobeSecretRotation.every: 1001 is not a whole number of days from 1 to 1000',
    ],
    [
      'plain http to the I/O Management API',
      { adobeSecretRotationConsoleApiUrl: 'http://api.adobe.io' },
      'adobeSecretRotation.consoleApiUrl: must use https://',
    ],
  ])('refuses %s', (_mistake, view, line) => {
    expect(settingProblems(view, SETTING_DOORS.props).map((problem) => problem.line)).toEqual([
      expect.stringContaining(line),
    ]);
  });

  it('accepts the defaults and a locked-down account’s settings', () => {
    const view: SettingsView = {
      concurrency: 8,
      memorySize: 1769,
      functionRoleName: 'aep-s3-rotator',
      runbookUrl: 'https://wiki.example.com/rotator',
      flowServiceUrl: 'https://platform.adobe.io/data/foundation/flowservice',
      imsUrl: 'http://127.0.0.1:4000',
      encryptionKeyArn: KEY,
      region: 'eu-west-1',
      permissionsBoundaryArn: 'arn:aws:iam::aws:policy/PowerUserAccess',
      secretReaders: ['arn:aws:iam::123456789012:role/ops'],
      tags: { team: 'data' },
      adobeSecretName: 'aep-s3-rotator/adobe-credentials',
      ledgerTableName: 'aep-s3-rotator-ledger',
      adobeSecretRotationDays: 30,
      adobeSecretRotationConsoleApiUrl: 'https://api.adobe.io',
    };
    expect(settingProblems(view, SETTING_DOORS.props)).toEqual([]);
  });

  it("names each field as its door does: cdk.json's ARN keys, the function's variables", () => {
    const view: SettingsView = {
      concurrency: 0,
      encryptionKeyAlias: 'alias/aep',
      permissionsBoundaryArn: 'x',
      imsUrl: 'ims',
      adobeSecretRotationDays: 0,
      adobeSecretRotationConsoleApiUrl: 'api',
    };

    expect(settingProblems(view, SETTING_DOORS.config).map((problem) => problem.line.split(':')[0])).toEqual([
      'concurrency',
      'imsUrl',
      'encryptionKeyArn',
      'permissionsBoundaryArn',
      'adobeSecretRotation.everyDays',
      'adobeSecretRotation.consoleApiUrl',
    ]);
    expect(
      settingProblems(
        { concurrency: 0, imsUrl: 'ims', adobeSecretRotationConsoleApiUrl: 'api' },
        SETTING_DOORS.function,
      ).map((problem) => problem.line.split(':')[0]),
    ).toEqual(['ROTATION_CONCURRENCY', 'ADOBE_IMS_URL', 'ADOBE_CONSOLE_API_URL']);
  });

  it("reads the function's concurrency variable as written: digits only, quoted when refused", () => {
    const lines = (concurrency: string) =>
      settingProblems({ concurrency }, SETTING_DOORS.function).map((problem) => problem.line);
    expect(lines('8')).toEqual([]);
    expect(lines('0')).toEqual(['ROTATION_CONCURRENCY: "0" is not a whole number from 1 to 64']);
    expect(lines('eight')).toEqual(['ROTATION_CONCURRENCY: "eight" is not a whole number from 1 to 64']);
    expect(lines('8.0')).toEqual(['ROTATION_CONCURRENCY: "8.0" is not a whole number from 1 to 64']);
  });

  it('gives one field’s problems alone, for a door that checks field by field', () => {
    expect(settingValueProblems('concurrency', 0)).toEqual(['0 is not a whole number from 1 to 64']);
    expect(settingValueProblems('tags', { 'aws:a': 'x', b: 'y;' })).toHaveLength(2);
    expect(settingValueProblems('runbookUrl', 'https://wiki.example.com/rotator')).toEqual([]);
    // The rule between two settings needs both: cdk.json applies it with settingPairProblems.
    expect(settingValueProblems('adobeSecretName', 'aep/adobe')).toEqual([]);
    expect(
      settingPairProblems(
        { adobeSecretName: 'aep/adobe', adobeCredentialsSecretGiven: true },
        SETTING_DOORS.config,
      ).map((problem) => problem.line),
    ).toEqual([expect.stringMatching(/^adobeSecretName: names the Adobe secret the stack creates/)]);
  });
});
