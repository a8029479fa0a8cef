/**
 * What the cdk.json parser refuses: each mistake a `fails when` row, naming its field, the value it
 * got and what to change.
 */
import { describe, expect, it } from 'vitest';
import { configProblems as problemsOf, editedSample as sample, singleTarget as single } from '../../support/index.js';

describe('parseRotatorConfig refusals', () => {
  it.each([
    [
      'a chained AssumeRole lasts more than an hour',
      sample((raw) => (raw.targets[1]!.durationSeconds = 7200)),
      'targets[1].durationSeconds: 7200 is above 3600, the cap AWS sets on role chaining (AssumeRole from the ' +
        "function's own role); lower it or give the target userCredentialsSecret so AssumeRole is signed with " +
        'IAM-user keys',
    ],
    [
      'a created role is asked for more than an hour',
      sample((raw) => (raw.targets[0]!.durationSeconds = 3601)),
      'targets[0].durationSeconds: 3601 is above 3600, the cap AWS sets on role chaining (AssumeRole from the ' +
        "function's own role); lower it (a role this stack creates trusts only the function's role, " +
        'so its sessions are always chained)',
    ],
    [
      'AssumeRole with IAM-user keys lasts more than 12 hours',
      single({ roleArn: 'arn:aws:iam::123456789012:role/r', userCredentialsSecret: 'u', durationSeconds: 43_201 }),
      'targets[0].durationSeconds: 43201 is above 43200, the most AssumeRole signed with IAM-user keys allows ' +
        "(12 h, and no more than the role's MaxSessionDuration); lower it",
    ],
    [
      'AssumeRole lasts less than 15 minutes',
      single({ roleArn: 'arn:aws:iam::123456789012:role/r', durationSeconds: 899 }),
      'targets[0].durationSeconds: 899 is below 900, the shortest session AssumeRole grants; raise it',
    ],
    [
      'GetSessionToken lasts more than 36 hours',
      single({ userCredentialsSecret: 'u', durationSeconds: 129_601 }),
      'targets[0].durationSeconds: 129601 is outside 900 to 129600, the range GetSessionToken accepts; ' +
        'choose a value in it',
    ],
    [
      'GetSessionToken lasts less than 15 minutes',
      single({ userCredentialsSecret: 'u', durationSeconds: 600 }),
      'targets[0].durationSeconds: 600 is outside 900 to 129600, the range GetSessionToken accepts; ' +
        'choose a value in it',
    ],
    [
      'the schedule leaves no room for a failed run before credentials expire',
      sample((raw) => (raw.schedule = 'rate(45 minutes)')),
      'schedule: "rate(45 minutes)" leaves up to 2700 s between runs, more than half the shortest credential ' +
        'lifetime (3600 s, targets[0].durationSeconds), so a failed run and its retries would not fit before the ' +
        'credentials expire; run at least every 1800 s (e.g. "rate(30 minutes)") or raise the duration',
    ],
    [
      'a cron schedule leaves too long a gap overnight',
      single({ userCredentialsSecret: 'u', durationSeconds: 7200 }, { schedule: 'cron(0/15 8-17 * * ? *)' }),
      'schedule: "cron(0/15 8-17 * * ? *)" leaves up to 51300 s between runs, more than half the shortest ' +
        'credential lifetime (7200 s',
    ],
    [
      'the schedule does not run every day',
      sample((raw) => (raw.schedule = 'cron(0 * ? * MON-FRI *)')),
      'schedule: "cron(0 * ? * MON-FRI *)" does not run every day, so the gap between runs cannot be checked',
    ],
    [
      'the schedule runs once',
      sample((raw) => (raw.schedule = 'at(2030-01-01T00:00:00)')),
      'schedule: "at(2030-01-01T00:00:00)" is not a repeating schedule',
    ],
    [
      'a bucket name is shaped like an IP address',
      sample((raw) => ((raw.targets[0]!.createRole as Record<string, unknown>).bucketName = '192.168.10.1')),
      'targets[0].createRole.bucketName: "192.168.10.1" is shaped like an IP address, which Adobe does not accept ' +
        'as a bucket name',
    ],
    [
      'a bucket name has upper-case letters or dots',
      sample((raw) => ((raw.targets[0]!.createRole as Record<string, unknown>).bucketName = 'Acme.Landing')),
      'targets[0].createRole.bucketName: "Acme.Landing" is not a valid bucket name; ' +
        'Adobe requires 3 to 63 lower-case letters, digits and hyphens, starting and ending with a letter or digit',
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
      'targets: 20 targets at concurrency 1 need an estimated 930 s (30 s + 45 s per batch of 1), ' +
        "more than Lambda's 900 s limit; raise concurrency (up to 64) or split the targets across stacks",
    ],
    [
      'two targets name the same connection',
      sample((raw) => (raw.targets[2]!.connectionId = String(raw.targets[0]!.connectionId).toUpperCase())),
      'targets[2].connectionId: duplicates targets[0] (4CB0C374-D3BB-4557-B139-5712880ADC55); ' +
        'each connection needs exactly one target',
    ],
    [
      'a created role would be assumed with IAM-user keys',
      sample((raw) => (raw.targets[0]!.userCredentialsSecret = 'u')),
      "targets[0].userCredentialsSecret: a role the stack creates trusts only the function's role",
    ],
    [
      'a target has both roleArn and createRole',
      sample((raw) => (raw.targets[1]!.createRole = { bucketName: 'abc' })),
      'targets[1]: has both roleArn and createRole',
    ],
    [
      'a target has no way to mint credentials',
      single({}),
      'targets[0]: needs roleArn (an existing role), createRole (a role the stack creates) ' +
        'or userCredentialsSecret (GetSessionToken); it has none',
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
    [
      'a sandbox name has upper case',
      sample((raw) => (raw.targets[1]!.sandboxName = 'Prod')),
      'targets[1].sandboxName: must be a sandbox name',
    ],
    [
      'a sandbox name is missing',
      sample((raw) => delete raw.targets[1]!.sandboxName),
      'targets[1].sandboxName: is required',
    ],
    [
      'a role ARN is malformed',
      sample((raw) => (raw.targets[1]!.roleArn = 'aep-web-events-reader')),
      'targets[1].roleArn: must be an IAM role ARN',
    ],
    [
      'a duration is not a whole number',
      sample((raw) => (raw.targets[1]!.durationSeconds = 1800.5)),
      'targets[1].durationSeconds: must be a whole number of seconds',
    ],
    [
      'a target has an unknown field',
      sample((raw) => (raw.targets[1]!.role = 'x')),
      'targets[1]: unknown field(s) role; allowed: connectionId, sandboxName, roleArn, createRole, externalId, ' +
        'userCredentialsSecret, durationSeconds, method, bucketName, folderPath',
    ],
    [
      'a method is unknown',
      single({ roleArn: 'arn:aws:iam::123456789012:role/r', method: 'federation' }),
      'targets[0].method: "federation" is not a method; use one of "assume-role", "get-session-token", ' +
        '"get-federation-token"',
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
    [
      'a folder path names no bucket',
      single({ roleArn: 'arn:aws:iam::123456789012:role/r', folderPath: 'crm' }),
      'targets[0].folderPath: needs bucketName',
    ],
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
      single({
        method: 'get-federation-token',
        roleArn: 'arn:aws:iam::123456789012:role/r',
        userCredentialsSecret: 'u',
        bucketName: 'acme',
      }),
      'targets[0].method: "get-federation-token" is signed with the IAM user\'s own keys and assumes no role; ' +
        'remove roleArn',
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
      single({
        method: 'get-federation-token',
        userCredentialsSecret: 'u',
        bucketName: 'acme',
        durationSeconds: 129_601,
      }),
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
      "targets[0].bucketName: a created role's sessions are narrowed to createRole.bucketName",
    ],
    [
      'a createRole target also names folderPath',
      sample((raw) => (raw.targets[0]!.folderPath = 'other')),
      "targets[0].folderPath: a created role's sessions are narrowed to createRole.folderPath",
    ],
    [
      'the configuration has an unknown field',
      sample((raw) => (raw.alarmEmails = ['a@b.c'])),
      '(top level): unknown field(s) alarmEmails (did you mean alarmEmail?); allowed: stackName',
    ],
    ['there are no targets', sample((raw) => (raw.targets = [])), 'targets: must list at least one target'],
    ['targets are missing', sample((raw) => delete (raw as Record<string, unknown>).targets), 'targets: is required'],
    [
      'the alarm e-mail is malformed',
      sample((raw) => (raw.alarmEmail = 'ops')),
      'alarmEmail: must be an e-mail address',
    ],
    [
      'the alarm topic is not an SNS ARN',
      sample((raw) => (raw.alarmTopicArn = 'ops-alarms')),
      'alarmTopicArn: must be an SNS topic ARN',
    ],
    [
      'the ticket topic is not an SNS ARN',
      sample((raw) => (raw.ticketTopicArn = 'ops-tickets')),
      'ticketTopicArn: must be an SNS topic ARN',
    ],
    [
      'connectionMetrics is not a boolean',
      sample((raw) => (raw.connectionMetrics = 'off')),
      'connectionMetrics: must be true or false',
    ],
    [
      'the Adobe secret id is malformed',
      sample((raw) => (raw.adobeCredentialsSecret = 'arn:aws:s3:::bucket')),
      'adobeCredentialsSecret.secretId: must be a Secrets Manager secret name',
    ],
    [
      'a secret KMS key is not a key ARN',
      sample(
        (raw) => (raw.targets[2]!.userCredentialsSecret = { secretId: 'u', kmsKeyArn: 'alias/aws/secretsmanager' }),
      ),
      'targets[2].userCredentialsSecret.kmsKeyArn: must be a KMS key ARN',
    ],
    [
      'concurrency is out of range',
      sample((raw) => (raw.concurrency = 65)),
      'concurrency: 65 is not a whole number from 1 to 64',
    ],
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
    [
      'the memory size is not a whole number',
      sample((raw) => (raw.memorySize = 256.5)),
      'memorySize: 256.5 is not a whole number of MB from 128 to 10240',
    ],
    [
      'the memory size is not a number',
      sample((raw) => (raw.memorySize = '1769')),
      'memorySize: must be a whole number of MB from 128 to 10240',
    ],
    [
      'reserveConcurrency is not a boolean',
      sample((raw) => (raw.reserveConcurrency = 'no')),
      'reserveConcurrency: must be true or false',
    ],
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
    [
      'the account id is malformed',
      sample((raw) => (raw.account = '1234')),
      'account: must be a 12-digit AWS account id',
    ],
    [
      'the stack name is not a CloudFormation name',
      sample((raw) => (raw.stackName = 'aep_rotator')),
      'stackName: must be a CloudFormation stack name',
    ],
    [
      'the expiry alarm threshold would let a stuck connection expire before the alarm fires',
      sample((raw) => (raw.expiryAlarmThresholdSeconds = 1200)),
      "expiryAlarmThresholdSeconds: 1200 is below 1380 s, the alarm's 20-minute window plus 120 s (the minute of " +
        "the last datapoint, and CloudWatch's evaluation) plus 60 s of warning: a stuck connection's credentials " +
        'could expire before the alarm fires; use a whole number of seconds from 1380 to 3525',
    ],
    [
      'the expiry alarm threshold is at or above the shortest lifetime',
      sample((raw) => (raw.expiryAlarmThresholdSeconds = 3600)),
      'expiryAlarmThresholdSeconds: 3600 is above 3525 s, the least a healthy run reports (the shortest credential ' +
        'lifetime, 3600 s (targets[0].durationSeconds), minus the 75 s function timeout): ' +
        'the alarm would fire after healthy runs',
    ],
    [
      'the expiry alarm threshold is not a whole number',
      sample((raw) => (raw.expiryAlarmThresholdSeconds = 1800.5)),
      'expiryAlarmThresholdSeconds: must be a whole number of seconds',
    ],
    [
      'the schedule leaves the expiry alarms no room before 15-minute credentials expire',
      single({ roleArn: 'arn:aws:iam::123456789012:role/r', durationSeconds: 900 }, { schedule: 'rate(7 minutes)' }),
      'schedule: "rate(7 minutes)" runs up to 420 s apart plus a 75 s function timeout need a 12-minute window for ' +
        'the expiry alarms to tell a healthy schedule from a stopped one, but a healthy run may report only 825 s ' +
        'left (the shortest credential lifetime, 900 s (targets[0].durationSeconds), minus the timeout)',
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
      'runbookUrl: "https://wiki.example.com/rotator#alarms" must be 1 to 400 characters without spaces or "#"',
    ],
  ])('fails when %s', (_name, raw, expected) => {
    expect(problemsOf(raw)).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });
});
