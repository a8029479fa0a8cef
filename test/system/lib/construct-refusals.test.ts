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
} from '../../support/index.js';

afterAll(removeTestOutdirs);

describe('S3CredentialRotator refusals', () => {
  it.each<[string, (stack: Stack) => void, string]>([
    [
      'a chained AssumeRole lasts more than an hour',
      (stack) =>
        rotator(
          { targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: ROLE, duration: Duration.hours(2) }] },
          stack,
        ),
      "targets[0].duration: 7200 is above 3600, the cap AWS sets on role chaining (AssumeRole from the function's " +
        'own role); lower it or give the target userCredentialsSecret so AssumeRole is signed with IAM-user keys',
    ],
    [
      'AssumeRole with IAM-user keys lasts more than 12 hours',
      (stack) =>
        rotator(
          {
            targets: [
              {
                connectionId: ID,
                sandboxName: 'prod',
                roleArn: ROLE,
                userCredentialsSecret: userSecret(stack),
                duration: Duration.hours(13),
              },
            ],
          },
          stack,
        ),
      'targets[0].duration: 46800 is above 43200, the most AssumeRole signed with IAM-user keys allows',
    ],
    [
      'GetSessionToken lasts less than 15 minutes',
      (stack) =>
        rotator(
          {
            targets: [
              {
                connectionId: ID,
                sandboxName: 'prod',
                userCredentialsSecret: userSecret(stack),
                duration: Duration.minutes(10),
              },
            ],
          },
          stack,
        ),
      'targets[0].duration: 600 is outside 900 to 129600, the range GetSessionToken accepts',
    ],
    [
      'GetSessionToken lasts more than 36 hours',
      (stack) =>
        rotator(
          {
            targets: [
              {
                connectionId: ID,
                sandboxName: 'prod',
                userCredentialsSecret: userSecret(stack),
                duration: Duration.hours(37),
              },
            ],
          },
          stack,
        ),
      'targets[0].duration: 133200 is outside 900 to 129600',
    ],
    [
      'the schedule interval is more than half the shortest credential lifetime',
      (stack) => rotator({ schedule: scheduler.ScheduleExpression.rate(Duration.minutes(31)) }, stack),
      'schedule: "rate(31 minutes)" leaves up to 1860 s between runs, more than half the shortest credential ' +
        'lifetime (3600 s, targets[0].duration)',
    ],
    [
      'the schedule does not run every day',
      (stack) => rotator({ schedule: scheduler.ScheduleExpression.cron({ minute: '0', weekDay: 'MON' }) }, stack),
      'does not run every day, so the gap between runs cannot be checked',
    ],
    [
      'a created role’s bucket name breaks Adobe’s rules',
      (stack) =>
        rotator(
          { targets: [{ connectionId: ID, sandboxName: 'prod', createRole: { bucketName: 'ACME_landing' } }] },
          stack,
        ),
      'targets[0].createRole.bucketName: "ACME_landing" is not a valid bucket name; ' +
        'Adobe requires 3 to 63 lower-case letters',
    ],
    [
      'a created role’s bucket name is an IP address',
      (stack) =>
        rotator(
          { targets: [{ connectionId: ID, sandboxName: 'prod', createRole: { bucketName: '10.1.2.3' } }] },
          stack,
        ),
      'targets[0].createRole.bucketName: "10.1.2.3" is shaped like an IP address',
    ],
    [
      'a created role’s folder path has a wildcard',
      (stack) =>
        rotator(
          {
            targets: [
              { connectionId: ID, sandboxName: 'prod', createRole: { bucketName: 'acme', folderPath: 'in/?' } },
            ],
          },
          stack,
        ),
      'targets[0].createRole.folderPath: "in/?" contains a character',
    ],
    [
      'a created role would be assumed with IAM-user keys',
      (stack) =>
        rotator(
          {
            targets: [
              {
                connectionId: ID,
                sandboxName: 'prod',
                createRole: { bucketName: 'acme' },
                userCredentialsSecret: userSecret(stack),
              },
            ],
          },
          stack,
        ),
      "targets[0].userCredentialsSecret: a role the stack creates trusts only the function's role",
    ],
    [
      'a target has both roleArn and createRole',
      (stack) =>
        rotator(
          { targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: ROLE, createRole: { bucketName: 'acme' } }] },
          stack,
        ),
      'targets[0]: has both roleArn and createRole',
    ],
    [
      'a target has no way to mint credentials',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'prod' }] }, stack),
      'targets[0]: needs roleArn (an existing role), createRole (a role the stack creates) or userCredentialsSecret',
    ],
    [
      'an external id is given for GetSessionToken',
      (stack) =>
        rotator(
          {
            targets: [
              { connectionId: ID, sandboxName: 'prod', userCredentialsSecret: userSecret(stack), externalId: 'x1' },
            ],
          },
          stack,
        ),
      'targets[0].externalId: only applies to AssumeRole',
    ],
    [
      'a bucket name breaks S3’s rules',
      (stack) =>
        rotator(
          { targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: ROLE, bucketName: 'acme..landing' }] },
          stack,
        ),
      'targets[0].bucketName: "acme..landing" has two adjacent dots',
    ],
    [
      'a folder path names no bucket',
      (stack) =>
        rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: ROLE, folderPath: 'crm' }] }, stack),
      'targets[0].folderPath: needs bucketName',
    ],
    [
      'a folder path is so long the session policy would pass STS’s 2048 characters',
      (stack) =>
        rotator(
          {
            targets: [
              { connectionId: ID, sandboxName: 'prod', roleArn: ROLE, bucketName: 'acme', folderPath: 'f'.repeat(700) },
            ],
          },
          stack,
        ),
      `targets[0].folderPath: "${'f'.repeat(700)}" makes the session policy`,
    ],
    [
      'a created role’s target also names a bucket',
      (stack) =>
        rotator(
          {
            targets: [
              { connectionId: ID, sandboxName: 'prod', createRole: { bucketName: 'acme' }, bucketName: 'other' },
            ],
          },
          stack,
        ),
      "targets[0].bucketName: a created role's sessions are narrowed to createRole.bucketName",
    ],
    [
      'GetSessionToken names a bucket it cannot narrow to',
      (stack) =>
        rotator(
          {
            targets: [
              { connectionId: ID, sandboxName: 'prod', userCredentialsSecret: userSecret(stack), bucketName: 'acme' },
            ],
          },
          stack,
        ),
      'targets[0].bucketName: GetSessionToken takes no session policy, so its credentials cannot be narrowed to a ' +
        'bucket; add "method": "get-federation-token"',
    ],
    [
      'GetFederationToken names no bucket',
      (stack) =>
        rotator(
          {
            targets: [
              {
                connectionId: ID,
                sandboxName: 'prod',
                userCredentialsSecret: userSecret(stack),
                method: 'get-federation-token',
              },
            ],
          },
          stack,
        ),
      'targets[0].bucketName: is required with "method": "get-federation-token"',
    ],
    [
      'GetFederationToken has no IAM-user keys',
      (stack) =>
        rotator(
          { targets: [{ connectionId: ID, sandboxName: 'prod', method: 'get-federation-token', bucketName: 'acme' }] },
          stack,
        ),
      'targets[0].userCredentialsSecret: is required with "method": "get-federation-token"',
    ],
    [
      'GetFederationToken is asked for with a role',
      (stack) =>
        rotator(
          {
            targets: [
              {
                connectionId: ID,
                sandboxName: 'prod',
                roleArn: ROLE,
                userCredentialsSecret: userSecret(stack),
                method: 'get-federation-token',
                bucketName: 'acme',
              },
            ],
          },
          stack,
        ),
      'targets[0].method: "get-federation-token" is signed with the IAM user\'s own keys and assumes no role; ' +
        'remove roleArn',
    ],
    [
      'GetFederationToken lasts more than 36 hours',
      (stack) =>
        rotator(
          {
            targets: [
              {
                connectionId: ID,
                sandboxName: 'prod',
                userCredentialsSecret: userSecret(stack),
                method: 'get-federation-token',
                bucketName: 'acme',
                duration: Duration.hours(37),
              },
            ],
          },
          stack,
        ),
      'targets[0].duration: 133200 is outside 900 to 129600, the range GetFederationToken accepts',
    ],
    [
      'two targets name the same connection',
      (stack) =>
        rotator(
          {
            targets: [
              { connectionId: ID, sandboxName: 'prod', roleArn: ROLE },
              { connectionId: ID.toUpperCase(), sandboxName: 'dev', roleArn: ROLE },
            ],
          },
          stack,
        ),
      `targets[1].connectionId: duplicates targets[0] (${ID.toUpperCase()})`,
    ],
    [
      'a connection id is not a uuid',
      (stack) => rotator({ targets: [{ connectionId: 'conn-1', sandboxName: 'prod', roleArn: ROLE }] }, stack),
      'targets[0].connectionId: must be a Flow Service connection id (a uuid like ' +
        '4cb0c374-d3bb-4557-b139-5712880adc55); got "conn-1"',
    ],
    [
      'a sandbox name has upper case',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'Prod', roleArn: ROLE }] }, stack),
      'targets[0].sandboxName: must be a sandbox name: lower-case letters, digits and hyphens (e.g. "prod"); ' +
        'got "Prod"',
    ],
    [
      'a role ARN is an IAM user ARN',
      (stack) =>
        rotator(
          {
            targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: 'arn:aws:iam::123456789012:user/aep-reader' }],
          },
          stack,
        ),
      'targets[0].roleArn: must be an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>; ' +
        'got "arn:aws:iam::123456789012:user/aep-reader"',
    ],
    [
      'a role ARN is a role name',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: 'aep-reader' }] }, stack),
      'targets[0].roleArn: must be an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>; got "aep-reader"',
    ],
    [
      'an external id has a space',
      (stack) =>
        rotator(
          { targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: ROLE, externalId: 'acme prod' }] },
          stack,
        ),
      'targets[0].externalId: must be 2 to 1224 characters of letters, digits and +=,.@:/-; got "acme prod"',
    ],
    ['there are no targets', (stack) => rotator({ targets: [] }, stack), 'targets: must list at least one target'],
    [
      'concurrency is out of range',
      (stack) => rotator({ concurrency: 0 }, stack),
      'concurrency: 0 is not a whole number from 1 to 64',
    ],
    [
      'the memory size is below Lambda’s 128 MB',
      (stack) => rotator({ memorySize: 100 }, stack),
      'memorySize: 100 is not a whole number of MB from 128 to 10240, the range Lambda accepts',
    ],
    [
      'the memory size is above Lambda’s 10240 MB',
      (stack) => rotator({ memorySize: 10_241 }, stack),
      'memorySize: 10241 is not a whole number of MB from 128 to 10240',
    ],
    [
      'the memory size is not a whole number',
      (stack) => rotator({ memorySize: 256.5 }, stack),
      'memorySize: 256.5 is not a whole number of MB from 128 to 10240',
    ],
    [
      'a service URL is plain http to a remote host',
      (stack) => rotator({ imsUrl: 'http://ims.example.com' }, stack),
      'imsUrl: must use https://',
    ],
    [
      'the targets cannot be rotated within Lambda’s 15 minutes',
      (stack) => rotator({ targets: manyTargets(200, { roleArn: ROLE }), concurrency: 8 }, stack),
      'targets: 200 targets at concurrency 8 need an estimated 1155 s (30 s + 45 s per batch of 8), ' +
        "more than Lambda's 900 s limit",
    ],
    [
      'a bundled targets file would need a created role ARN known only at deploy time',
      (stack) =>
        rotator(
          {
            targetsDelivery: TargetsDelivery.FILE,
            targets: [{ connectionId: ID, sandboxName: 'prod', createRole: { bucketName: 'acme' } }],
          },
          stack,
        ),
      "targets[0].createRole: the targets go to a bundled file, which is written at synth, but this role's ARN is " +
        'known only at deploy time; give createRole.roleName and deploy the stack to an explicit account and region',
    ],
    [
      'a bundled targets file would need a secret ARN known only at deploy time',
      (stack) =>
        rotator(
          {
            targetsDelivery: TargetsDelivery.FILE,
            targets: [
              {
                connectionId: ID,
                sandboxName: 'prod',
                userCredentialsSecret: new secretsmanager.Secret(stack, 'UserKeys'),
              },
            ],
          },
          stack,
        ),
      'targets[0].userCredentialsSecret: is only known at deploy time, but the targets go to a bundled file ' +
        'written at synth',
    ],
    [
      'the expiry alarm threshold would let a stuck connection expire before the alarm fires',
      (stack) => rotator({ expiryAlarmThreshold: Duration.minutes(20) }, stack),
      "expiryAlarmThreshold: 1200 is below 1380 s, the alarm's 20-minute window plus 120 s (the minute of the last " +
        "datapoint, and CloudWatch's evaluation) plus 60 s of warning",
    ],
    [
      'the expiry alarm threshold is above what a healthy run reports',
      (stack) => rotator({ expiryAlarmThreshold: Duration.hours(1) }, stack),
      'expiryAlarmThreshold: 3600 is above 3525 s, the least a healthy run reports (the shortest credential ' +
        'lifetime, 3600 s (targets[0].duration), minus the 75 s function timeout)',
    ],
    [
      'the schedule leaves the expiry alarms no room before 15-minute credentials expire (even with the timeout at ' +
        'its minimum)',
      (stack) =>
        rotator(
          {
            schedule: scheduler.ScheduleExpression.rate(Duration.minutes(7)),
            targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: ROLE, duration: Duration.minutes(15) }],
          },
          stack,
        ),
      'schedule: "rate(7 minutes)" runs up to 420 s apart plus a 75 s function timeout need a 12-minute window for ' +
        'the expiry alarms to tell a healthy schedule from a stopped one, but a healthy run may report only 825 s ' +
        'left',
    ],
    [
      'an explicit timeout leaves the expiry alarms no room',
      (stack) =>
        rotator(
          { schedule: scheduler.ScheduleExpression.rate(Duration.minutes(30)), timeout: Duration.minutes(15) },
          stack,
        ),
      'schedule: "rate(30 minutes)" runs up to 1800 s apart plus a 900 s function timeout need a 48-minute window',
    ],
    [
      'the function role name has a space',
      (stack) => rotator({ functionRoleName: 'aep rotator' }, stack),
      'functionRoleName: must be an IAM role name: 1 to 64 letters, digits and +=,.@_-; got "aep rotator"',
    ],
    [
      'the function role name is longer than 64 characters',
      (stack) => rotator({ functionRoleName: 'r'.repeat(65) }, stack),
      'functionRoleName: must be an IAM role name: 1 to 64 letters, digits and +=,.@_-; got "rrrr',
    ],
    [
      'the runbook URL has an anchor of its own',
      (stack) => rotator({ runbookUrl: 'https://wiki.example.com/rotator#alarms' }, stack),
      'runbookUrl: "https://wiki.example.com/rotator#alarms" must be 1 to 400 characters without spaces or "#"',
    ],
  ])('fails when %s', (_name, build, expected) => {
    expect(problemsOf(build)).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it('fails before creating any resource, naming the construct path', () => {
    const stack = newStack();
    expect(() => rotator({ targets: [] }, stack)).toThrow(
      /^Test\/Rotator: invalid S3CredentialRotator props:\n {2}- targets: must list/,
    );
    expect(stack.node.findAll().filter((construct) => construct.node.path.startsWith('Test/Rotator/'))).toEqual([]);
  });
});
