/**
 * The construct's refusals: every impossible configuration of its props fails synth, each a
 * `fails when` test, listing every problem with its prop path.
 */
import { Duration, type Stack } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, describe, expect, it } from 'vitest';
import { TargetsDelivery } from '../../../lib/s3-credential-rotator.js';
import {
  constructProblems as problemsOf,
  importedUserSecret as userSecret,
  manyTargets,
  newTestStack as newStack,
  removeTestOutdirs,
  TEST_CONNECTION_ID as ID,
  TEST_ROLE_ARN as ROLE,
  testRotator as rotator,
  testTarget as target,
} from '../../support/index.js';

afterAll(removeTestOutdirs);

type Props = Parameters<typeof rotator>[0];

describe('S3CredentialRotator refusals', () => {
  // The props, or how to make them in the test's stack (an imported secret is a construct of it).
  it.each<[string, Props | ((stack: Stack) => Props), string]>([
    [
      'a chained AssumeRole lasts more than an hour',
      { targets: [target({ roleArn: ROLE, duration: Duration.hours(2) })] },
      "targets[0].duration: 7200 is above 3600, the cap AWS sets on role chaining (AssumeRole from the function's " +
        'own role); lower it or give the target userCredentialsSecret so AssumeRole is signed with IAM-user keys',
    ],
    [
      'AssumeRole with IAM-user keys lasts more than 12 hours',
      (stack) => ({
        targets: [target({ roleArn: ROLE, userCredentialsSecret: userSecret(stack), duration: Duration.hours(13) })],
      }),
      'targets[0].duration: 46800 is above 43200, the most AssumeRole signed with IAM-user keys allows',
    ],
    [
      'GetSessionToken lasts less than 15 minutes',
      (stack) => ({ targets: [target({ userCredentialsSecret: userSecret(stack), duration: Duration.minutes(10) })] }),
      'targets[0].duration: 600 is outside 900 to 129600, the range GetSessionToken accepts',
    ],
    [
      'GetSessionToken lasts more than 36 hours',
      (stack) => ({ targets: [target({ userCredentialsSecret: userSecret(stack), duration: Duration.hours(37) })] }),
      'targets[0].duration: 133200 is outside 900 to 129600',
    ],
    [
      'the schedule interval is more than half the shortest credential lifetime',
      { schedule: scheduler.ScheduleExpression.rate(Duration.minutes(31)) },
      'schedule: "rate(31 minutes)" leaves up to 1860 s between runs, more than half the shortest credential ' +
        'lifetime (3600 s, targets[0].duration)',
    ],
    [
      'the schedule does not run every day',
      { schedule: scheduler.ScheduleExpression.cron({ minute: '0', weekDay: 'MON' }) },
      'does not run every day, so the gap between runs cannot be checked',
    ],
    [
      'a created role’s bucket name breaks Adobe’s rules',
      { targets: [target({ createRole: { bucketName: 'ACME_landing' } })] },
      'targets[0].createRole.bucketName: "ACME_landing" is not a valid bucket name; ' +
        'Adobe requires 3 to 63 lower-case letters',
    ],
    [
      'a created role’s bucket name is an IP address',
      { targets: [target({ createRole: { bucketName: '10.1.2.3' } })] },
      'targets[0].createRole.bucketName: "10.1.2.3" is shaped like an IP address',
    ],
    [
      'a created role’s folder path has a wildcard',
      { targets: [target({ createRole: { bucketName: 'acme', folderPath: 'in/?' } })] },
      'targets[0].createRole.folderPath: "in/?" contains a character',
    ],
    [
      'a created role would be assumed with IAM-user keys',
      (stack) => ({
        targets: [target({ createRole: { bucketName: 'acme' }, userCredentialsSecret: userSecret(stack) })],
      }),
      "targets[0].userCredentialsSecret: a role the stack creates trusts only the function's role",
    ],
    [
      'a target has both roleArn and createRole',
      { targets: [target({ roleArn: ROLE, createRole: { bucketName: 'acme' } })] },
      'targets[0]: has both roleArn and createRole',
    ],
    [
      'a target has no way to mint credentials',
      { targets: [target()] },
      'targets[0]: needs roleArn (an existing role), createRole (a role the stack creates) or userCredentialsSecret',
    ],
    [
      'an external id is given for GetSessionToken',
      (stack) => ({ targets: [target({ userCredentialsSecret: userSecret(stack), externalId: 'x1' })] }),
      'targets[0].externalId: only applies to AssumeRole',
    ],
    [
      'a bucket name breaks S3’s rules',
      { targets: [target({ roleArn: ROLE, bucketName: 'acme..landing' })] },
      'targets[0].bucketName: "acme..landing" has two adjacent dots',
    ],
    [
      'a folder path names no bucket',
      { targets: [target({ roleArn: ROLE, folderPath: 'crm' })] },
      'targets[0].folderPath: needs bucketName',
    ],
    [
      'a folder path is so long the session policy would pass STS’s 2048 characters',
      { targets: [target({ roleArn: ROLE, bucketName: 'acme', folderPath: 'f'.repeat(700) })] },
      `targets[0].folderPath: "${'f'.repeat(700)}" makes the session policy`,
    ],
    [
      'a created role’s target also names a bucket',
      { targets: [target({ createRole: { bucketName: 'acme' }, bucketName: 'other' })] },
      "targets[0].bucketName: a created role's sessions are narrowed to createRole.bucketName",
    ],
    [
      'GetSessionToken names a bucket it cannot narrow to',
      (stack) => ({ targets: [target({ userCredentialsSecret: userSecret(stack), bucketName: 'acme' })] }),
      'targets[0].bucketName: GetSessionToken takes no session policy, so its credentials cannot be narrowed to a ' +
        'bucket; add "method": "get-federation-token"',
    ],
    [
      'GetFederationToken names no bucket',
      (stack) => ({ targets: [target({ userCredentialsSecret: userSecret(stack), method: 'get-federation-token' })] }),
      'targets[0].bucketName: is required with "method": "get-federation-token"',
    ],
    [
      'GetFederationToken has no IAM-user keys',
      { targets: [target({ method: 'get-federation-token', bucketName: 'acme' })] },
      'targets[0].userCredentialsSecret: is required with "method": "get-federation-token"',
    ],
    [
      'GetFederationToken is asked for with a role',
      (stack) => ({
        targets: [
          target({
            roleArn: ROLE,
            userCredentialsSecret: userSecret(stack),
            method: 'get-federation-token',
            bucketName: 'acme',
          }),
        ],
      }),
      'targets[0].method: "get-federation-token" is signed with the IAM user\'s own keys and assumes no role; ' +
        'remove roleArn',
    ],
    [
      'GetFederationToken lasts more than 36 hours',
      (stack) => ({
        targets: [
          target({
            userCredentialsSecret: userSecret(stack),
            method: 'get-federation-token',
            bucketName: 'acme',
            duration: Duration.hours(37),
          }),
        ],
      }),
      'targets[0].duration: 133200 is outside 900 to 129600, the range GetFederationToken accepts',
    ],
    [
      'two targets name the same connection',
      {
        targets: [
          target({ roleArn: ROLE }),
          target({ connectionId: ID.toUpperCase(), sandboxName: 'dev', roleArn: ROLE }),
        ],
      },
      `targets[1].connectionId: duplicates targets[0] (${ID.toUpperCase()})`,
    ],
    [
      'a connection id is not a uuid',
      { targets: [target({ connectionId: 'conn-1', roleArn: ROLE })] },
      'targets[0].connectionId: must be a Flow Service connection id (a uuid like ' +
        '4cb0c374-d3bb-4557-b139-5712880adc55); got "conn-1"',
    ],
    [
      'a sandbox name has upper case',
      { targets: [target({ sandboxName: 'Prod', roleArn: ROLE })] },
      'targets[0].sandboxName: must be a sandbox name: lower-case letters, digits and hyphens (e.g. "prod"); ' +
        'got "Prod"',
    ],
    [
      'a role ARN is an IAM user ARN',
      { targets: [target({ roleArn: 'arn:aws:iam::123456789012:user/aep-reader' })] },
      'targets[0].roleArn: must be an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>; ' +
        'got "arn:aws:iam::123456789012:user/aep-reader"',
    ],
    [
      'a role ARN is a role name',
      { targets: [target({ roleArn: 'aep-reader' })] },
      'targets[0].roleArn: must be an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>; got "aep-reader"',
    ],
    [
      'an external id has a space',
      { targets: [target({ roleArn: ROLE, externalId: 'acme prod' })] },
      'targets[0].externalId: must be 2 to 1224 characters of letters, digits and +=,.@:/-; got "acme prod"',
    ],
    ['there are no targets', { targets: [] }, 'targets: must list at least one target'],
    ['concurrency is out of range', { concurrency: 0 }, 'concurrency: 0 is not a whole number from 1 to 64'],
    [
      'the memory size is below Lambda’s 128 MB',
      { memorySize: 100 },
      'memorySize: 100 is not a whole number of MB from 128 to 10240, the range Lambda accepts',
    ],
    [
      'the memory size is above Lambda’s 10240 MB',
      { memorySize: 10_241 },
      'memorySize: 10241 is not a whole number of MB from 128 to 10240',
    ],
    [
      'the memory size is not a whole number',
      { memorySize: 256.5 },
      'memorySize: 256.5 is not a whole number of MB from 128 to 10240',
    ],
    ['a service URL is plain http to a remote host', { imsUrl: 'http://ims.example.com' }, 'imsUrl: must use https://'],
    [
      'the targets cannot be rotated within Lambda’s 15 minutes',
      { targets: manyTargets(200, { roleArn: ROLE }), concurrency: 8 },
      'targets: 200 targets at concurrency 8 need an estimated 1155 s (30 s + 45 s per batch of 8), ' +
        "more than Lambda's 900 s limit",
    ],
    [
      'a bundled targets file would need a created role ARN known only at deploy time',
      { targetsDelivery: TargetsDelivery.FILE, targets: [target({ createRole: { bucketName: 'acme' } })] },
      "targets[0].createRole: the targets go to a bundled file, which is written at synth, but this role's ARN is " +
        'known only at deploy time; give createRole.roleName and deploy the stack to an explicit account and region',
    ],
    [
      'a bundled targets file would need a secret ARN known only at deploy time',
      (stack) => ({
        targetsDelivery: TargetsDelivery.FILE,
        targets: [target({ userCredentialsSecret: new secretsmanager.Secret(stack, 'UserKeys') })],
      }),
      'targets[0].userCredentialsSecret: is only known at deploy time, but the targets go to a bundled file ' +
        'written at synth',
    ],
    [
      'the expiry alarm threshold would let a stuck connection expire before the alarm fires',
      { expiryAlarmThreshold: Duration.minutes(20) },
      "expiryAlarmThreshold: 1200 is below 1380 s, the alarm's 20-minute window plus 120 s (the minute of the last " +
        "datapoint, and CloudWatch's evaluation) plus 60 s of warning",
    ],
    [
      'the expiry alarm threshold is above what a healthy run reports',
      { expiryAlarmThreshold: Duration.hours(1) },
      'expiryAlarmThreshold: 3600 is above 3525 s, the least a healthy run reports (the shortest credential ' +
        'lifetime, 3600 s (targets[0].duration), minus the 75 s function timeout)',
    ],
    [
      'the schedule leaves the expiry alarms no room before 15-minute credentials expire (even with the timeout at ' +
        'its minimum)',
      {
        schedule: scheduler.ScheduleExpression.rate(Duration.minutes(7)),
        targets: [target({ roleArn: ROLE, duration: Duration.minutes(15) })],
      },
      'schedule: "rate(7 minutes)" runs up to 420 s apart plus a 75 s function timeout need a 12-minute window for ' +
        'the expiry alarms to tell a healthy schedule from a stopped one, but a healthy run may report only 825 s ' +
        'left',
    ],
    [
      'an explicit timeout leaves the expiry alarms no room',
      { schedule: scheduler.ScheduleExpression.rate(Duration.minutes(30)), timeout: Duration.minutes(15) },
      'schedule: "rate(30 minutes)" runs up to 1800 s apart plus a 900 s function timeout need a 48-minute window',
    ],
    [
      'the function role name has a space',
      { functionRoleName: 'aep rotator' },
      'functionRoleName: must be an IAM role name: 1 to 64 letters, digits and +=,.@_-; got "aep rotator"',
    ],
    [
      'the function role name is longer than 64 characters',
      { functionRoleName: 'r'.repeat(65) },
      'functionRoleName: must be an IAM role name: 1 to 64 letters, digits and +=,.@_-; got "rrrr',
    ],
    [
      'the runbook URL has an anchor of its own',
      { runbookUrl: 'https://wiki.example.com/rotator#alarms' },
      'runbookUrl: "https://wiki.example.com/rotator#alarms" must be 1 to 400 characters without spaces or "#"',
    ],
  ])('fails when %s', (_name, props, expected) => {
    const problems = problemsOf((stack) => rotator(typeof props === 'function' ? props(stack) : props, stack));
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it('fails before creating any resource, naming the construct path', () => {
    const stack = newStack();
    expect(() => rotator({ targets: [] }, stack)).toThrow(
      /^Test\/Rotator: invalid S3CredentialRotator props:\n {2}- targets: must list/,
    );
    expect(stack.node.findAll().filter((construct) => construct.node.path.startsWith('Test/Rotator/'))).toEqual([]);
  });
});
