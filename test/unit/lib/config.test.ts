/**
 * The cdk.json configuration: the committed sample is valid, defaults apply, and every refusal
 * names its field, the value it got and what to change.
 */
import { describe, expect, it } from 'vitest';
import { ConfigValidationError, configWarnings, loadRotatorConfig, parseRotatorConfig } from '../../../lib/config/config.js';
import { rawSampleConfig } from '../../support/index.js';

const ID = '0b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b';

/** Problems reported for `raw` (the test fails if it parses). */
function problemsOf(raw: unknown): string[] {
  try {
    parseRotatorConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return [...(error as ConfigValidationError).problems];
  }
  throw new Error('expected a ConfigValidationError');
}

/** The sample with `edit` applied. */
function sample(edit: (raw: ReturnType<typeof rawSampleConfig>) => void) {
  const raw = rawSampleConfig();
  edit(raw);
  return raw;
}

/** One target (the sample's others removed), so schedule checks see only it. */
function single(target: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { targets: [{ connectionId: ID, sandboxName: 'prod', ...target }], ...extra };
}

describe('parseRotatorConfig', () => {
  it('accepts the sample committed in cdk.json', () => {
    const config = parseRotatorConfig(rawSampleConfig());

    expect(config.targets.map(({ method }) => method)).toEqual(['assume-role-chained', 'assume-role-chained', 'get-federation-token']);
    expect(config.targets[0]!.createRole).toEqual({ bucketName: 'acme-aep-landing', folderPath: 'crm/daily' });
    expect(config.targets[1]).toMatchObject({ bucketName: 'acme-web-events', folderPath: 'aep' });
    expect(config.targets[2]!.userCredentialsSecret).toEqual({ secretId: 'aep-s3-rotator/dev-ingest-user' });
    expect(config.targets[2]!.bucketName).toBe('acme-dev-ingest');
    // Every target of the sample is narrowed to what Adobe reads.
    expect(configWarnings(config)).toEqual([]);
    expect(config).toMatchObject({
      stackName: 'AepS3CredentialRotator',
      schedule: 'rate(15 minutes)',
      concurrency: 8,
      logRetentionDays: 90,
      alarmEmail: 'aep-ops@example.com',
    });
  });

  it('applies the documented defaults', () => {
    const config = parseRotatorConfig(single({ roleArn: 'arn:aws:iam::123456789012:role/r' }));

    expect(config).toEqual({
      stackName: 'AepS3CredentialRotator',
      schedule: 'rate(15 minutes)',
      flowServiceUrl: 'https://platform.adobe.io/data/foundation/flowservice',
      imsUrl: 'https://ims-na1.adobelogin.com',
      concurrency: 8,
      memorySize: 1769,
      reserveConcurrency: true,
      verifyWithAdobe: true,
      logRetentionDays: 90,
      enabled: true,
      connectionMetrics: true,
      targetsDelivery: 'auto',
      targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: 'arn:aws:iam::123456789012:role/r', durationSeconds: 3600, method: 'assume-role-chained' }],
    });
  });

  it('accepts a memory size in MB', () => {
    expect(parseRotatorConfig(sample((raw) => (raw.memorySize = 1024))).memorySize).toBe(1024);
    expect(parseRotatorConfig(sample((raw) => (raw.memorySize = 128))).memorySize).toBe(128);
    expect(parseRotatorConfig(sample((raw) => (raw.memorySize = 10_240))).memorySize).toBe(10_240);
  });

  it('takes an expiry alarm threshold and a runbook URL, and leaves both out by default', () => {
    const config = parseRotatorConfig(
      sample((raw) => Object.assign(raw, { expiryAlarmThresholdSeconds: 2400, runbookUrl: 'https://wiki.example.com/rotator-runbook' })),
    );

    expect(config).toMatchObject({ expiryAlarmThresholdSeconds: 2400, runbookUrl: 'https://wiki.example.com/rotator-runbook' });
    expect(parseRotatorConfig(rawSampleConfig())).not.toHaveProperty('expiryAlarmThresholdSeconds');
  });

  it('takes a fixed function role name', () => {
    expect(parseRotatorConfig(sample((raw) => (raw.functionRoleName = 'aep-s3-rotator@prod.eu-1'))).functionRoleName).toBe('aep-s3-rotator@prod.eu-1');
  });

  it('accepts 15-minute credentials rotated every 5 minutes, the alarm threshold just fitting', () => {
    expect(() =>
      parseRotatorConfig(single({ roleArn: 'arn:aws:iam::123456789012:role/r', durationSeconds: 900 }, { schedule: 'rate(5 minutes)' })),
    ).not.toThrow();
  });

  it('takes reserveConcurrency as a boolean', () => {
    expect(parseRotatorConfig(sample((raw) => (raw.reserveConcurrency = false))).reserveConcurrency).toBe(false);
  });

  it('normalizes a folder path and accepts secrets as a name, an ARN or an object', () => {
    const config = parseRotatorConfig({
      adobeCredentialsSecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:aep/adobe-Ab12Cd',
      targets: [
        { connectionId: ID, sandboxName: 'prod', createRole: { bucketName: 'bucket-1', folderPath: '/a/b/' } },
        {
          connectionId: '1b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b',
          sandboxName: 'prod',
          userCredentialsSecret: { secretId: 'u', kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k-1' },
        },
      ],
    });

    expect(config.adobeCredentialsSecret).toEqual({ secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:aep/adobe-Ab12Cd' });
    expect(config.targets[0]!.createRole!.folderPath).toBe('a/b');
    expect(config.targets[1]!.userCredentialsSecret).toEqual({ secretId: 'u', kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k-1' });
  });

  it('chooses the STS call from the fields of each target', () => {
    const config = parseRotatorConfig({
      schedule: 'rate(5 minutes)',
      targets: [
        { connectionId: ID, sandboxName: 'prod', roleArn: 'arn:aws:iam::123456789012:role/r', userCredentialsSecret: 'u', durationSeconds: 43_200 },
        { connectionId: '1b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b', sandboxName: 'prod', userCredentialsSecret: 'u', durationSeconds: 129_600 },
      ],
    });

    expect(config.targets.map(({ method }) => method)).toEqual(['assume-role-user-keys', 'get-session-token']);
  });

  it('takes method, bucketName and folderPath (normalized), and infers the STS call as before without method', () => {
    const role = 'arn:aws:iam::123456789012:role/r';
    const config = parseRotatorConfig({
      targets: [
        { connectionId: ID, sandboxName: 'prod', roleArn: role, bucketName: 'acme.landing', folderPath: '/crm/daily/' },
        {
          connectionId: '1b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b',
          sandboxName: 'prod',
          userCredentialsSecret: 'u',
          method: 'get-federation-token',
          bucketName: 'acme',
          durationSeconds: 129_600,
        },
        { connectionId: '2b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b', sandboxName: 'prod', roleArn: role, userCredentialsSecret: 'u', method: 'assume-role' },
      ],
    });

    expect(config.targets.map(({ method, bucketName, folderPath }) => ({ method, bucketName, folderPath }))).toEqual([
      { method: 'assume-role-chained', bucketName: 'acme.landing', folderPath: 'crm/daily' },
      { method: 'get-federation-token', bucketName: 'acme', folderPath: undefined },
      { method: 'assume-role-user-keys', bucketName: undefined, folderPath: undefined },
    ]);
  });

  it('refuses the folder whose session policy would pass 2048 characters, naming folderPath, and accepts one character less', () => {
    const role = 'arn:aws:iam::123456789012:role/r';
    const target = (length: number) => single({ roleArn: role, bucketName: 'b'.repeat(63), folderPath: 'f'.repeat(length) });
    let fits = 300;
    while (
      (() => {
        try {
          parseRotatorConfig(target(fits + 1));
          return true;
        } catch {
          return false;
        }
      })()
    )
      fits += 1;

    expect(fits).toBeGreaterThan(300);
    expect(problemsOf(target(fits + 1))).toEqual([
      expect.stringMatching(/^targets\[0\]\.folderPath: "f+" makes the session policy 20\d\d characters long, above the 2048 STS accepts/),
    ]);
  });

  it.each([
    [
      'a chained AssumeRole lasts more than an hour',
      sample((raw) => (raw.targets[1]!.durationSeconds = 7200)),
      "targets[1].durationSeconds: 7200 is above 3600, the cap AWS sets on role chaining (AssumeRole from the function's own role); lower it or give the target userCredentialsSecret so AssumeRole is signed with IAM-user keys",
    ],
    [
      'a created role is asked for more than an hour',
      sample((raw) => (raw.targets[0]!.durationSeconds = 3601)),
      "targets[0].durationSeconds: 3601 is above 3600, the cap AWS sets on role chaining (AssumeRole from the function's own role); lower it (a role this stack creates trusts only the function's role, so its sessions are always chained)",
    ],
    [
      'AssumeRole with IAM-user keys lasts more than 12 hours',
      single({ roleArn: 'arn:aws:iam::123456789012:role/r', userCredentialsSecret: 'u', durationSeconds: 43_201 }),
      "targets[0].durationSeconds: 43201 is above 43200, the most AssumeRole signed with IAM-user keys allows (12 h, and no more than the role's MaxSessionDuration); lower it",
    ],
    [
      'AssumeRole lasts less than 15 minutes',
      single({ roleArn: 'arn:aws:iam::123456789012:role/r', durationSeconds: 899 }),
      'targets[0].durationSeconds: 899 is below 900, the shortest session AssumeRole grants; raise it',
    ],
    [
      'GetSessionToken lasts more than 36 hours',
      single({ userCredentialsSecret: 'u', durationSeconds: 129_601 }),
      'targets[0].durationSeconds: 129601 is outside 900 to 129600, the range GetSessionToken accepts; choose a value in it',
    ],
    [
      'GetSessionToken lasts less than 15 minutes',
      single({ userCredentialsSecret: 'u', durationSeconds: 600 }),
      'targets[0].durationSeconds: 600 is outside 900 to 129600, the range GetSessionToken accepts; choose a value in it',
    ],
    [
      'the schedule leaves no room for a failed run before credentials expire',
      sample((raw) => (raw.schedule = 'rate(45 minutes)')),
      'schedule: "rate(45 minutes)" leaves up to 2700 s between runs, more than half the shortest credential lifetime (3600 s, targets[0].durationSeconds), so a failed run and its retries would not fit before the credentials expire; run at least every 1800 s (e.g. "rate(30 minutes)") or raise the duration',
    ],
    [
      'a cron schedule leaves too long a gap overnight',
      single({ userCredentialsSecret: 'u', durationSeconds: 7200 }, { schedule: 'cron(0/15 8-17 * * ? *)' }),
      'schedule: "cron(0/15 8-17 * * ? *)" leaves up to 51300 s between runs, more than half the shortest credential lifetime (7200 s',
    ],
    [
      'the schedule does not run every day',
      sample((raw) => (raw.schedule = 'cron(0 * ? * MON-FRI *)')),
      'schedule: "cron(0 * ? * MON-FRI *)" does not run every day, so the gap between runs cannot be checked',
    ],
    ['the schedule runs once', sample((raw) => (raw.schedule = 'at(2030-01-01T00:00:00)')), 'schedule: "at(2030-01-01T00:00:00)" is not a repeating schedule'],
    [
      'a bucket name is shaped like an IP address',
      sample((raw) => ((raw.targets[0]!.createRole as Record<string, unknown>).bucketName = '192.168.10.1')),
      'targets[0].createRole.bucketName: "192.168.10.1" is shaped like an IP address, which Adobe does not accept as a bucket name',
    ],
    [
      'a bucket name has upper-case letters or dots',
      sample((raw) => ((raw.targets[0]!.createRole as Record<string, unknown>).bucketName = 'Acme.Landing')),
      'targets[0].createRole.bucketName: "Acme.Landing" is not a valid bucket name; Adobe requires 3 to 63 lower-case letters, digits and hyphens, starting and ending with a letter or digit',
    ],
    [
      'a bucket name is too short',
      sample((raw) => ((raw.targets[0]!.createRole as Record<string, unknown>).bucketName = 'ab')),
      'targets[0].createRole.bucketName: "ab" has 2 characters; Adobe requires 3 to 63',
    ],
    [
      'a bucket name ends with a hyphen',
      sample((raw) => ((raw.targets[0]!.createRole as Record<string, unknown>).bucketName = 'acme-')),
      'targets[0].createRole.bucketName: "acme-" is not a valid bucket name',
    ],
    [
      'a folder path has a wildcard',
      sample((raw) => ((raw.targets[0]!.createRole as Record<string, unknown>).folderPath = 'crm/*')),
      'targets[0].createRole.folderPath: "crm/*" contains a character Adobe does not allow',
    ],
    [
      'the targets cannot be rotated within the 15-minute Lambda limit',
      {
        concurrency: 1,
        targets: Array.from({ length: 20 }, (_, index) => ({
          connectionId: `${String(index).padStart(8, '0')}-6a34-4c1e-9d1b-6f0c8f3f1a2b`,
          sandboxName: 'prod',
          userCredentialsSecret: 'u',
        })),
      },
      "targets: 20 targets at concurrency 1 need an estimated 930 s (30 s + 45 s per batch of 1), more than Lambda's 900 s limit; raise concurrency (up to 64) or split the targets across stacks",
    ],
    [
      'two targets name the same connection',
      sample((raw) => (raw.targets[2]!.connectionId = String(raw.targets[0]!.connectionId).toUpperCase())),
      'targets[2].connectionId: duplicates targets[0] (4CB0C374-D3BB-4557-B139-5712880ADC55); each connection needs exactly one target',
    ],
    [
      'a created role would be assumed with IAM-user keys',
      sample((raw) => (raw.targets[0]!.userCredentialsSecret = 'u')),
      "targets[0].userCredentialsSecret: a role the stack creates trusts only the rotator's function role",
    ],
    [
      'a target has both roleArn and createRole',
      sample((raw) => (raw.targets[1]!.createRole = { bucketName: 'abc' })),
      'targets[1]: has both roleArn and createRole',
    ],
    [
      'a target has no way to mint credentials',
      single({}),
      'targets[0]: needs roleArn (an existing role), createRole (a role the stack creates) or userCredentialsSecret (GetSessionToken); it has none',
    ],
    [
      'an external id is given for GetSessionToken',
      single({ userCredentialsSecret: 'u', externalId: 'abc' }),
      'targets[0].externalId: only applies to AssumeRole',
    ],
    [
      'a connection id is not a uuid',
      sample((raw) => (raw.targets[1]!.connectionId = 'conn-1')),
      'targets[1].connectionId: must be a Flow Service connection id',
    ],
    ['a sandbox name has upper case', sample((raw) => (raw.targets[1]!.sandboxName = 'Prod')), 'targets[1].sandboxName: must be a sandbox name'],
    ['a sandbox name is missing', sample((raw) => delete raw.targets[1]!.sandboxName), 'targets[1].sandboxName: is required'],
    ['a role ARN is malformed', sample((raw) => (raw.targets[1]!.roleArn = 'aep-web-events-reader')), 'targets[1].roleArn: must be an IAM role ARN'],
    [
      'a duration is not a whole number',
      sample((raw) => (raw.targets[1]!.durationSeconds = 1800.5)),
      'targets[1].durationSeconds: must be a whole number of seconds',
    ],
    [
      'a target has an unknown field',
      sample((raw) => (raw.targets[1]!.role = 'x')),
      'targets[1]: unknown field(s) role; allowed: connectionId, sandboxName, roleArn, createRole, externalId, userCredentialsSecret, durationSeconds, method, bucketName, folderPath',
    ],
    [
      'a method is unknown',
      single({ roleArn: 'arn:aws:iam::123456789012:role/r', method: 'federation' }),
      'targets[0].method: "federation" is not a method; use one of "assume-role", "get-session-token", "get-federation-token"',
    ],
    [
      'a bucket name breaks S3’s rules',
      single({ roleArn: 'arn:aws:iam::123456789012:role/r', bucketName: 'acme_landing' }),
      'targets[0].bucketName: "acme_landing" is not a valid bucket name; S3 requires',
    ],
    [
      'a bucket name has the reserved suffix -s3alias',
      single({ roleArn: 'arn:aws:iam::123456789012:role/r', bucketName: 'acme-s3alias' }),
      'targets[0].bucketName: "acme-s3alias" ends with "-s3alias"',
    ],
    ['a folder path names no bucket', single({ roleArn: 'arn:aws:iam::123456789012:role/r', folderPath: 'crm' }), 'targets[0].folderPath: needs bucketName'],
    [
      'a GetSessionToken target names a bucket',
      single({ userCredentialsSecret: 'u', bucketName: 'acme' }),
      'targets[0].bucketName: GetSessionToken takes no session policy',
    ],
    [
      'a get-federation-token target names no bucket',
      single({ userCredentialsSecret: 'u', method: 'get-federation-token' }),
      'targets[0].bucketName: is required with "method": "get-federation-token"',
    ],
    [
      'a get-federation-token target has no IAM-user keys',
      single({ method: 'get-federation-token', bucketName: 'acme' }),
      'targets[0].userCredentialsSecret: is required with "method": "get-federation-token"',
    ],
    [
      'a get-federation-token target names a role',
      single({ method: 'get-federation-token', roleArn: 'arn:aws:iam::123456789012:role/r', userCredentialsSecret: 'u', bucketName: 'acme' }),
      'targets[0].method: "get-federation-token" is signed with the IAM user\'s own keys and assumes no role; remove roleArn',
    ],
    [
      'a get-federation-token target has a created role',
      single({ method: 'get-federation-token', createRole: { bucketName: 'acme' }, userCredentialsSecret: 'u' }),
      'remove createRole',
    ],
    [
      'an assume-role target names no role',
      single({ method: 'assume-role', userCredentialsSecret: 'u' }),
      'targets[0].method: "assume-role" needs roleArn or createRole',
    ],
    [
      'a GetFederationToken target lasts more than 36 hours',
      single({ method: 'get-federation-token', userCredentialsSecret: 'u', bucketName: 'acme', durationSeconds: 129_601 }),
      'targets[0].durationSeconds: 129601 is outside 900 to 129600, the range GetFederationToken accepts',
    ],
    [
      'an external id is given for GetFederationToken',
      single({ method: 'get-federation-token', userCredentialsSecret: 'u', bucketName: 'acme', externalId: 'abc' }),
      'targets[0].externalId: only applies to AssumeRole',
    ],
    [
      'a createRole target also names bucketName',
      sample((raw) => (raw.targets[0]!.bucketName = 'other-bucket')),
      'targets[0].bucketName: a createRole target reads createRole.bucketName',
    ],
    [
      'a createRole target also names folderPath',
      sample((raw) => (raw.targets[0]!.folderPath = 'other')),
      'targets[0].folderPath: a createRole target reads createRole.folderPath',
    ],
    [
      'the configuration has an unknown field',
      sample((raw) => (raw.alarmEmails = ['a@b.c'])),
      '(top level): unknown field(s) alarmEmails (did you mean alarmEmail?); allowed: stackName',
    ],
    ['there are no targets', sample((raw) => (raw.targets = [])), 'targets: must list at least one target'],
    ['targets are missing', sample((raw) => delete (raw as Record<string, unknown>).targets), 'targets: is required'],
    ['the alarm e-mail is malformed', sample((raw) => (raw.alarmEmail = 'ops')), 'alarmEmail: must be an e-mail address'],
    ['the alarm topic is not an SNS ARN', sample((raw) => (raw.alarmTopicArn = 'ops-alarms')), 'alarmTopicArn: must be an SNS topic ARN'],
    ['the ticket topic is not an SNS ARN', sample((raw) => (raw.ticketTopicArn = 'ops-tickets')), 'ticketTopicArn: must be an SNS topic ARN'],
    ['connectionMetrics is not a boolean', sample((raw) => (raw.connectionMetrics = 'off')), 'connectionMetrics: must be true or false'],
    [
      'the Adobe secret id is malformed',
      sample((raw) => (raw.adobeCredentialsSecret = 'arn:aws:s3:::bucket')),
      'adobeCredentialsSecret.secretId: must be a Secrets Manager secret name',
    ],
    [
      'a secret KMS key is not a key ARN',
      sample((raw) => (raw.targets[2]!.userCredentialsSecret = { secretId: 'u', kmsKeyArn: 'alias/aws/secretsmanager' })),
      'targets[2].userCredentialsSecret.kmsKeyArn: must be a KMS key ARN',
    ],
    ['concurrency is out of range', sample((raw) => (raw.concurrency = 65)), 'concurrency: must be a whole number from 1 to 64'],
    [
      'the memory size is below Lambda’s 128 MB',
      sample((raw) => (raw.memorySize = 100)),
      'memorySize: 100 is not a whole number of MB from 128 to 10240, the range Lambda accepts',
    ],
    [
      'the memory size is above Lambda’s 10240 MB',
      sample((raw) => (raw.memorySize = 10_241)),
      'memorySize: 10241 is not a whole number of MB from 128 to 10240',
    ],
    ['the memory size is not a whole number', sample((raw) => (raw.memorySize = 256.5)), 'memorySize: 256.5 is not a whole number of MB from 128 to 10240'],
    ['the memory size is not a number', sample((raw) => (raw.memorySize = '1769')), 'memorySize: must be a whole number of MB from 128 to 10240'],
    ['reserveConcurrency is not a boolean', sample((raw) => (raw.reserveConcurrency = 'no')), 'reserveConcurrency: must be true or false'],
    [
      'the log retention is not a CloudWatch period',
      sample((raw) => (raw.logRetentionDays = 100)),
      'logRetentionDays: must be one of the periods CloudWatch Logs offers',
    ],
    [
      'the Flow Service URL is plain http to a remote host',
      sample((raw) => (raw.flowServiceUrl = 'http://platform.adobe.io')),
      'flowServiceUrl: must use https://',
    ],
    ['the account id is malformed', sample((raw) => (raw.account = '1234')), 'account: must be a 12-digit AWS account id'],
    ['the stack name is not a CloudFormation name', sample((raw) => (raw.stackName = 'aep_rotator')), 'stackName: must be a CloudFormation stack name'],
    [
      'the expiry alarm threshold would let a stuck connection expire before the alarm fires',
      sample((raw) => (raw.expiryAlarmThresholdSeconds = 1200)),
      "expiryAlarmThresholdSeconds: 1200 is below 1380 s, the alarm's 20-minute window plus 120 s (the minute of the last datapoint, and CloudWatch's evaluation) plus 60 s of warning: a stuck connection's credentials could expire before the alarm fires; use a whole number of seconds from 1380 to 3525",
    ],
    [
      'the expiry alarm threshold is at or above the shortest lifetime',
      sample((raw) => (raw.expiryAlarmThresholdSeconds = 3600)),
      'expiryAlarmThresholdSeconds: 3600 is above 3525 s, the least a healthy run reports (the shortest credential lifetime, 3600 s (targets[0].durationSeconds), minus the 75 s function timeout): the alarm would fire after healthy runs',
    ],
    [
      'the expiry alarm threshold is not a whole number',
      sample((raw) => (raw.expiryAlarmThresholdSeconds = 1800.5)),
      'expiryAlarmThresholdSeconds: must be a whole number of seconds',
    ],
    [
      'the schedule leaves the expiry alarms no room before 15-minute credentials expire',
      single({ roleArn: 'arn:aws:iam::123456789012:role/r', durationSeconds: 900 }, { schedule: 'rate(7 minutes)' }),
      'schedule: "rate(7 minutes)" runs up to 420 s apart plus a 75 s function timeout need a 12-minute window for the expiry alarms to tell a healthy schedule from a stopped one, but a healthy run may report only 825 s left (the shortest credential lifetime, 900 s (targets[0].durationSeconds), minus the timeout)',
    ],
    [
      'the function role name is not an IAM role name',
      sample((raw) => (raw.functionRoleName = 'aep/rotator')),
      'functionRoleName: must be an IAM role name: 1 to 64 letters, digits and +=,.@_-',
    ],
    [
      'the function role name is longer than 64 characters',
      sample((raw) => (raw.functionRoleName = 'r'.repeat(65))),
      'functionRoleName: must be an IAM role name',
    ],
    [
      'the runbook URL has an anchor of its own',
      sample((raw) => (raw.runbookUrl = 'https://wiki.example.com/rotator#alarms')),
      'runbookUrl: must be 1 to 400 characters without spaces or "#"',
    ],
  ])('fails when %s', (_name, raw, expected) => {
    expect(problemsOf(raw)).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it('lists every problem at once, each with its field path', () => {
    const raw = sample((raw) => {
      raw.alarmEmail = 'ops';
      raw.targets[0]!.durationSeconds = 7200;
      raw.targets[1]!.sandboxName = 'Prod';
      raw.targets[2]!.durationSeconds = 100;
    });

    expect(problemsOf(raw).map((problem) => problem.split(':')[0])).toEqual([
      'alarmEmail',
      'targets[0].durationSeconds',
      'targets[1].sandboxName',
      'targets[2].durationSeconds',
    ]);
  });

  it('prints the problems under the source of the configuration', () => {
    expect(() => parseRotatorConfig(single({}))).toThrow(/^Invalid rotator configuration \(cdk.json context "rotator"\):\n {2}- targets\[0\]: needs roleArn/);
  });
});

describe('loadRotatorConfig', () => {
  const context = (values: Record<string, unknown>) => (key: string) => values[key];

  it('reads the rotator context key', () => {
    expect(loadRotatorConfig(context({ rotator: rawSampleConfig() })).targets).toHaveLength(3);
  });

  it('reads a JSON string passed with -c rotator=...', () => {
    expect(loadRotatorConfig(context({ rotator: JSON.stringify(rawSampleConfig()) })).targets).toHaveLength(3);
  });

  it('prefers the file named by rotatorConfigFile and names it in problems', () => {
    const files: Record<string, string> = { 'prod.json': JSON.stringify(single({})) };

    expect(() => loadRotatorConfig(context({ rotator: rawSampleConfig(), rotatorConfigFile: 'prod.json' }), (path) => files[path]!)).toThrow(
      'Invalid rotator configuration (file "prod.json" (context "rotatorConfigFile")):\n  - targets[0]: needs roleArn',
    );
  });

  it.each([
    ['the configuration is missing', {}, 'rotator: is required; add it to the "context" of cdk.json, or pass -c rotatorConfigFile=<file.json>'],
    ['the configuration file cannot be read', { rotatorConfigFile: 'missing.json' }, 'rotatorConfigFile: cannot read "missing.json" (ENOENT)'],
    ['the configuration file is not JSON', { rotatorConfigFile: 'broken.json' }, 'rotatorConfigFile: broken.json:1:2: is not valid JSON ('],
    ['the -c rotator string is not JSON', { rotator: '{targets:' }, 'rotator: is a string but not valid JSON: at 1:2, '],
  ])('fails when %s', (_name, values, expected) => {
    const readFile = (path: string) => {
      if (path === 'broken.json') return '{';
      throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    };
    expect(() => loadRotatorConfig(context(values), readFile)).toThrow(expected);
  });
});

describe('configWarnings', () => {
  it('warns, naming the connection and the fix, for each target whose credentials give Adobe more than its bucket', () => {
    const config = parseRotatorConfig({
      targets: [
        { connectionId: ID, sandboxName: 'prod', roleArn: 'arn:aws:iam::123456789012:role/r' },
        { connectionId: '1b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b', sandboxName: 'prod', userCredentialsSecret: 'u' },
        { connectionId: '2b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b', sandboxName: 'prod', roleArn: 'arn:aws:iam::123456789012:role/r', bucketName: 'acme' },
        { connectionId: '3b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b', sandboxName: 'prod', createRole: { bucketName: 'acme' } },
      ],
    });

    expect(configWarnings(config)).toEqual([
      `targets[0]: connection ${ID}: Adobe receives everything this role allows; add bucketName (and folderPath) so its credentials are narrowed to what Adobe reads`,
      'targets[1]: connection 1b8f2f4e-6a34-4c1e-9d1b-6f0c8f3f1a2b: GetSessionToken credentials cannot be narrowed, so Adobe receives everything this IAM user allows; ' +
        'use "method": "get-federation-token" with bucketName (and folderPath): the same keys, narrowed to what Adobe reads',
    ]);
  });

  it('says what a fleet gives up with connectionMetrics false, as synth does', () => {
    const config = parseRotatorConfig({
      connectionMetrics: false,
      ticketTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-tickets',
      targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: 'arn:aws:iam::123456789012:role/r', bucketName: 'acme' }],
    });

    expect(config).toMatchObject({ connectionMetrics: false, ticketTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-tickets' });
    expect(configWarnings(config)).toEqual([expect.stringMatching(/^connectionMetrics: false: metrics carry no connectionId: .*notifies no one/)]);
  });
});
