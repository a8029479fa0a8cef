/**
 * The construct on its own: the refusals props can trigger (each a `fails when` test), tokens
 * that postpone a check, the targets file for long lists, and values derived from the schedule.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Annotations as CdkAnnotations, CfnParameter, Duration, Stack, type CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lambda/config.js';
import {
  S3CredentialRotator,
  S3CredentialRotatorValidationError,
  TARGETS_FILE_NAME,
  TARGETS_FILE_PATH,
  TargetsDelivery,
  type RotationTargetProps,
  type S3CredentialRotatorProps,
} from '../../../lib/s3-credential-rotator.js';
import { removeTestOutdirs, testOutdir } from '../../support/index.js';

const ID = '4cb0c374-d3bb-4557-b139-5712880adc55';
const ROLE = 'arn:aws:iam::123456789012:role/aep-reader';

afterAll(removeTestOutdirs);

/** A stack whose bundling is skipped (as `cdk synth --exclusively` does for other stacks). */
function newStack(options: { bundle?: boolean; env?: { account: string; region: string } } = {}): Stack {
  const app = new App({ outdir: testOutdir(), context: options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'Test', { env: options.env });
}

function rotator(props: Partial<S3CredentialRotatorProps> & { targets?: RotationTargetProps[] }, stack = newStack()): S3CredentialRotator {
  return new S3CredentialRotator(stack, 'Rotator', { targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: ROLE }], ...props });
}

function userSecret(stack: Stack, name = 'aep/user'): secretsmanager.ISecret {
  return secretsmanager.Secret.fromSecretNameV2(stack, `Secret-${name}`, name);
}

/** Problems of the props `build` passes (the test fails if the construct accepts them). */
function problemsOf(build: (stack: Stack) => void): string[] {
  try {
    build(newStack());
  } catch (error) {
    expect(error).toBeInstanceOf(S3CredentialRotatorValidationError);
    return [...(error as S3CredentialRotatorValidationError).problems];
  }
  throw new Error('expected an S3CredentialRotatorValidationError');
}

const manyTargets = (count: number, extra: Partial<RotationTargetProps> = {}): RotationTargetProps[] =>
  Array.from({ length: count }, (_, index) => ({
    connectionId: `${String(index).padStart(8, '0')}-d3bb-4557-b139-5712880adc55`,
    sandboxName: 'prod',
    ...extra,
  }));

describe('S3CredentialRotator refusals', () => {
  it.each<[string, (stack: Stack) => void, string]>([
    [
      'a chained AssumeRole lasts more than an hour',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: ROLE, duration: Duration.hours(2) }] }, stack),
      "targets[0].duration: 7200 is above 3600, the cap AWS sets on role chaining (AssumeRole from the function's own role); lower it or give the target userCredentialsSecret so AssumeRole is signed with IAM-user keys",
    ],
    [
      'AssumeRole with IAM-user keys lasts more than 12 hours',
      (stack) =>
        rotator(
          { targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: ROLE, userCredentialsSecret: userSecret(stack), duration: Duration.hours(13) }] },
          stack,
        ),
      'targets[0].duration: 46800 is above 43200, the most AssumeRole signed with IAM-user keys allows',
    ],
    [
      'GetSessionToken lasts less than 15 minutes',
      (stack) =>
        rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', userCredentialsSecret: userSecret(stack), duration: Duration.minutes(10) }] }, stack),
      'targets[0].duration: 600 is outside 900 to 129600, the range GetSessionToken accepts',
    ],
    [
      'GetSessionToken lasts more than 36 hours',
      (stack) =>
        rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', userCredentialsSecret: userSecret(stack), duration: Duration.hours(37) }] }, stack),
      'targets[0].duration: 133200 is outside 900 to 129600',
    ],
    [
      'the schedule interval is more than half the shortest credential lifetime',
      (stack) => rotator({ schedule: scheduler.ScheduleExpression.rate(Duration.minutes(31)) }, stack),
      'schedule: "rate(31 minutes)" leaves up to 1860 s between runs, more than half the shortest credential lifetime (3600 s, targets[0].duration)',
    ],
    [
      'the schedule does not run every day',
      (stack) => rotator({ schedule: scheduler.ScheduleExpression.cron({ minute: '0', weekDay: 'MON' }) }, stack),
      'does not run every day, so the gap between runs cannot be checked',
    ],
    [
      'a created role’s bucket name breaks Adobe’s rules',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', createRole: { bucketName: 'ACME_landing' } }] }, stack),
      'targets[0].createRole.bucketName: "ACME_landing" is not a valid bucket name; Adobe requires 3 to 63 lower-case letters',
    ],
    [
      'a created role’s bucket name is an IP address',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', createRole: { bucketName: '10.1.2.3' } }] }, stack),
      'targets[0].createRole.bucketName: "10.1.2.3" is shaped like an IP address',
    ],
    [
      'a created role’s folder path has a wildcard',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', createRole: { bucketName: 'acme', folderPath: 'in/?' } }] }, stack),
      'targets[0].createRole.folderPath: "in/?" contains a character',
    ],
    [
      'a created role would be assumed with IAM-user keys',
      (stack) =>
        rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', createRole: { bucketName: 'acme' }, userCredentialsSecret: userSecret(stack) }] }, stack),
      "targets[0].userCredentialsSecret: a created role trusts only the function's role",
    ],
    [
      'a target has both roleArn and createRole',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: ROLE, createRole: { bucketName: 'acme' } }] }, stack),
      'targets[0]: has both roleArn and createRole',
    ],
    [
      'a target has no way to mint credentials',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'prod' }] }, stack),
      'targets[0]: needs roleArn, createRole or userCredentialsSecret',
    ],
    [
      'an external id is given for GetSessionToken',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', userCredentialsSecret: userSecret(stack), externalId: 'x1' }] }, stack),
      'targets[0].externalId: only applies to AssumeRole',
    ],
    [
      'a bucket name breaks S3’s rules',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: ROLE, bucketName: 'acme..landing' }] }, stack),
      'targets[0].bucketName: "acme..landing" has two adjacent dots',
    ],
    [
      'a folder path names no bucket',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: ROLE, folderPath: 'crm' }] }, stack),
      'targets[0].folderPath: needs bucketName',
    ],
    [
      'a folder path is so long the session policy would pass STS’s 2048 characters',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: ROLE, bucketName: 'acme', folderPath: 'f'.repeat(700) }] }, stack),
      `targets[0].folderPath: "${'f'.repeat(700)}" makes the session policy`,
    ],
    [
      'a created role’s target also names a bucket',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', createRole: { bucketName: 'acme' }, bucketName: 'other' }] }, stack),
      "targets[0].bucketName: a created role's sessions are narrowed to createRole.bucketName",
    ],
    [
      'GetSessionToken names a bucket it cannot narrow to',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', userCredentialsSecret: userSecret(stack), bucketName: 'acme' }] }, stack),
      'targets[0].bucketName: GetSessionToken takes no session policy, so its credentials cannot be narrowed to a bucket; add "method": "get-federation-token"',
    ],
    [
      'GetFederationToken names no bucket',
      (stack) =>
        rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', userCredentialsSecret: userSecret(stack), method: 'get-federation-token' }] }, stack),
      'targets[0].bucketName: is required with "method": "get-federation-token"',
    ],
    [
      'GetFederationToken has no IAM-user keys',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', method: 'get-federation-token', bucketName: 'acme' }] }, stack),
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
      'targets[0].method: "get-federation-token" is signed with the IAM user\'s own keys and assumes no role; remove roleArn',
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
      'targets[0].connectionId: "conn-1" is not a Flow Service connection id',
    ],
    [
      'a sandbox name has upper case',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'Prod', roleArn: ROLE }] }, stack),
      'targets[0].sandboxName: "Prod" is not a sandbox name',
    ],
    [
      'a role ARN is an IAM user ARN',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: 'arn:aws:iam::123456789012:user/aep-reader' }] }, stack),
      'targets[0].roleArn: "arn:aws:iam::123456789012:user/aep-reader" is not an IAM role ARN',
    ],
    [
      'a role ARN is a role name',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: 'aep-reader' }] }, stack),
      'targets[0].roleArn: "aep-reader" is not an IAM role ARN',
    ],
    [
      'an external id has a space',
      (stack) => rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: ROLE, externalId: 'acme prod' }] }, stack),
      'targets[0].externalId: "acme prod" is not 2 to 1224 characters of letters, digits and +=,.@:/-',
    ],
    ['there are no targets', (stack) => rotator({ targets: [] }, stack), 'targets: must list at least one target'],
    ['concurrency is out of range', (stack) => rotator({ concurrency: 0 }, stack), 'concurrency: 0 is not a whole number from 1 to 64'],
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
    ['a service URL is plain http to a remote host', (stack) => rotator({ imsUrl: 'http://ims.example.com' }, stack), 'imsUrl: must use https://'],
    [
      'the targets cannot be rotated within Lambda’s 15 minutes',
      (stack) => rotator({ targets: manyTargets(200, { roleArn: ROLE }), concurrency: 8 }, stack),
      "targets: 200 targets at concurrency 8 need an estimated 1155 s (30 s + 45 s per batch of 8), more than Lambda's 900 s limit",
    ],
    [
      'a bundled targets file would need a created role ARN known only at deploy time',
      (stack) =>
        rotator({ targetsDelivery: TargetsDelivery.FILE, targets: [{ connectionId: ID, sandboxName: 'prod', createRole: { bucketName: 'acme' } }] }, stack),
      "targets[0].createRole: the targets go to a bundled file, which is written at synth, but this role's ARN is known only at deploy time; give createRole.roleName and deploy the stack to an explicit account and region",
    ],
    [
      'a bundled targets file would need a secret ARN known only at deploy time',
      (stack) =>
        rotator(
          {
            targetsDelivery: TargetsDelivery.FILE,
            targets: [{ connectionId: ID, sandboxName: 'prod', userCredentialsSecret: new secretsmanager.Secret(stack, 'UserKeys') }],
          },
          stack,
        ),
      'targets[0].userCredentialsSecret: is only known at deploy time, but the targets go to a bundled file written at synth',
    ],
    [
      'the expiry alarm threshold would let a stuck connection expire before the alarm fires',
      (stack) => rotator({ expiryAlarmThreshold: Duration.minutes(20) }, stack),
      "expiryAlarmThreshold: 1200 is below 1380 s, the alarm's 20-minute window plus 120 s (the minute of the last datapoint, and CloudWatch's evaluation) plus 60 s of warning",
    ],
    [
      'the expiry alarm threshold is above what a healthy run reports',
      (stack) => rotator({ expiryAlarmThreshold: Duration.hours(1) }, stack),
      'expiryAlarmThreshold: 3600 is above 3525 s, the least a healthy run reports (the shortest credential lifetime, 3600 s (targets[0].duration), minus the 75 s function timeout)',
    ],
    [
      'the schedule leaves the expiry alarms no room before 15-minute credentials expire (even with the timeout at its minimum)',
      (stack) =>
        rotator(
          {
            schedule: scheduler.ScheduleExpression.rate(Duration.minutes(7)),
            targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: ROLE, duration: Duration.minutes(15) }],
          },
          stack,
        ),
      'schedule: "rate(7 minutes)" runs up to 420 s apart plus a 75 s function timeout need a 12-minute window for the expiry alarms to tell a healthy schedule from a stopped one, but a healthy run may report only 825 s left',
    ],
    [
      'an explicit timeout leaves the expiry alarms no room',
      (stack) => rotator({ schedule: scheduler.ScheduleExpression.rate(Duration.minutes(30)), timeout: Duration.minutes(15) }, stack),
      'schedule: "rate(30 minutes)" runs up to 1800 s apart plus a 900 s function timeout need a 48-minute window',
    ],
    [
      'the function role name has a space',
      (stack) => rotator({ functionRoleName: 'aep rotator' }, stack),
      'functionRoleName: "aep rotator" is not an IAM role name: 1 to 64 letters, digits and +=,.@_-',
    ],
    ['the function role name is longer than 64 characters', (stack) => rotator({ functionRoleName: 'r'.repeat(65) }, stack), 'functionRoleName: "rrrr'],
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
    expect(() => rotator({ targets: [] }, stack)).toThrow(/^Test\/Rotator: invalid S3CredentialRotator props:\n {2}- targets: must list/);
    expect(stack.node.findAll().filter((construct) => construct.node.path.startsWith('Test/Rotator/'))).toEqual([]);
  });
});

describe('S3CredentialRotator with unresolved tokens', () => {
  it('postpones the checks of values known only at deploy time', () => {
    const stack = newStack();
    const hours = new CfnParameter(stack, 'DurationSeconds', { type: 'Number' });
    const schedule = new CfnParameter(stack, 'Schedule', { type: 'String' });
    const bucket = new CfnParameter(stack, 'Bucket', { type: 'String' });
    const connection = new CfnParameter(stack, 'ConnectionId', { type: 'String' });
    const memory = new CfnParameter(stack, 'MemorySize', { type: 'Number' });
    const threshold = new CfnParameter(stack, 'ExpiryThreshold', { type: 'Number' });

    expect(() =>
      rotator(
        {
          schedule: scheduler.ScheduleExpression.expression(schedule.valueAsString),
          memorySize: memory.valueAsNumber,
          expiryAlarmThreshold: Duration.seconds(threshold.valueAsNumber),
          targets: [
            { connectionId: connection.valueAsString, sandboxName: 'prod', roleArn: ROLE, duration: Duration.seconds(hours.valueAsNumber) },
            { connectionId: ID, sandboxName: 'prod', createRole: { bucketName: bucket.valueAsString } },
          ],
        },
        stack,
      ),
    ).not.toThrow();
    Template.fromStack(stack).hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: { Ref: 'Schedule' } });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { MemorySize: { Ref: 'MemorySize' } });
    // The per-connection expiry alarm takes the threshold as it is; its description says so in words.
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [Match.objectLike({ Expression: Match.anyValue() })],
      Threshold: { Ref: 'ExpiryThreshold' },
      AlarmDescription: Match.stringLikeRegexp('^A connection reported less than the alarm threshold left on its credentials'),
    });
  });
});

describe('S3CredentialRotator function role name', () => {
  const roleOf = (stack: Stack, construct: S3CredentialRotator) => {
    const logicalId = stack.getLogicalId(construct.functionRole.node.defaultChild as CfnElement);
    return { logicalId, properties: Template.fromStack(stack).toJSON().Resources[logicalId].Properties as Record<string, unknown> };
  };

  it('lets CloudFormation name the role by default', () => {
    const stack = newStack();
    const role = roleOf(stack, rotator({}, stack));
    expect(role.properties).not.toHaveProperty('RoleName');
    expect(role.logicalId).toBe('RotatorFunctionRole46F50AFB');
  });

  it('gives the role a fixed name, for trust policies in other accounts, under the same logical id', () => {
    const stack = newStack();
    const construct = rotator({ functionRoleName: 'aep-s3-rotator-prod' }, stack);
    const role = roleOf(stack, construct);
    expect(role.properties.RoleName).toBe('aep-s3-rotator-prod');
    expect(role.logicalId).toBe('RotatorFunctionRole46F50AFB');
  });
});

describe('S3CredentialRotator memory', () => {
  it('gives the function 1769 MB, one full vCPU, by default', () => {
    const stack = newStack();
    rotator({}, stack);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1769 });
  });

  it('honours an explicit memory size', () => {
    const stack = newStack();
    rotator({ memorySize: 512 }, stack);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { MemorySize: 512 });
  });
});

describe('S3CredentialRotator reserved concurrency', () => {
  const reservedOf = (stack: ReturnType<typeof newStack>) => {
    const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } });
    const [fn] = Object.values(functions) as Array<{ Properties: { ReservedConcurrentExecutions?: number } }>;
    return fn!.Properties.ReservedConcurrentExecutions;
  };

  it('reserves one execution by default, so two runs never overlap', () => {
    const stack = newStack();
    rotator({}, stack);
    expect(reservedOf(stack)).toBe(1);
  });

  it('reserves none with reserveConcurrency false (accounts whose quota is 100 or less cannot reserve any)', () => {
    const stack = newStack();
    rotator({ reserveConcurrency: false }, stack);
    expect(reservedOf(stack)).toBeUndefined();
  });
});

describe('S3CredentialRotator schedule-derived values', () => {
  it('sizes the expiry alarms, the per-run alarm periods and event ages from the schedule, the timeout and the shortest lifetime', () => {
    const stack = newStack();
    const construct = rotator(
      {
        schedule: scheduler.ScheduleExpression.rate(Duration.minutes(5)),
        targets: [
          { connectionId: ID, sandboxName: 'prod', roleArn: ROLE, duration: Duration.minutes(30) },
          { connectionId: '5cb0c374-d3bb-4557-b139-5712880adc55', sandboxName: 'prod', userCredentialsSecret: userSecret(stack), duration: Duration.hours(12) },
        ],
      },
      stack,
    );
    const template = Template.fromStack(stack);

    // 5 min + the 383 s timeout (which still leaves the alarms room with 30-minute credentials):
    // window M = ceil((300 + 383) / 60) + 3 = 15 minutes; threshold = window + one interval = 1200 s,
    // below the 1417 s a healthy run reports (1800 s - 383 s).
    const timeout = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(construct.function.node.defaultChild as CfnElement)].Properties
      .Timeout as number;
    const windowMinutes = Math.ceil((300 + timeout) / 60) + 3;
    expect(timeout).toBe(383);
    expect(windowMinutes).toBe(15);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SecondsUntilCredentialExpiry',
      Statistic: 'SampleCount',
      Period: 60,
      EvaluationPeriods: windowMinutes,
      DatapointsToAlarm: windowMinutes,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Metrics: [Match.objectLike({ Period: windowMinutes * 60 })], Threshold: 1200 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'LedgerWriteFailed', Period: 300 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Period: 300 });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumEventAgeInSeconds: 300 });
    template.hasResourceProperties('AWS::Scheduler::Schedule', { Target: { RetryPolicy: { MaximumEventAgeInSeconds: 300 } } });
  });

  it('takes an explicit expiry alarm threshold and runbook URL', () => {
    const stack = newStack();
    const construct = rotator({ expiryAlarmThreshold: Duration.minutes(45), runbookUrl: 'https://github.com/acme/rotator/blob/main/docs/RUNBOOK.md' }, stack);
    const template = Template.fromStack(stack);

    // 15 minutes and a 383 s timeout: a 25-minute window.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Metrics: [Match.objectLike({ Period: 1500 })], Threshold: 2700 });
    expect(construct.expiryAlarm).toMatchObject({ thresholdSeconds: 2700, evaluationPeriods: 25, warningSeconds: 2700 - 1500 - 120 });
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmDescription).toMatch(/ Runbook: https:\/\/github\.com\/acme\/rotator\/blob\/main\/docs\/RUNBOOK\.md#[a-z]+alarm$/);
    }
  });

  it('sizes the expiry alarm from an explicit timeout', () => {
    const stack = newStack();
    rotator({ timeout: Duration.minutes(10) }, stack);
    // 15 min + 10 min = 25 minutes, plus 3 of slack.
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'SecondsUntilCredentialExpiry', EvaluationPeriods: 28 });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { Metrics: [Match.objectLike({ Period: 28 * 60 })], Threshold: 28 * 60 + 900 });
  });

  it('honours an explicit timeout and its own service name and namespace', () => {
    const stack = newStack();
    rotator({ timeout: Duration.minutes(10), serviceName: 'rotator-eu', metricsNamespace: 'Ops/Rotator' }, stack);
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 600,
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'rotator-eu', POWERTOOLS_METRICS_NAMESPACE: 'Ops/Rotator' }) },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Ops/Rotator',
      Dimensions: [
        { Name: 'rotator', Value: Match.anyValue() },
        { Name: 'service', Value: 'rotator-eu' },
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [Match.objectLike({ Expression: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('FROM SCHEMA\\("Ops/Rotator", ')])] } })],
    });
  });
});

describe('S3CredentialRotator targets delivery', () => {
  it('keeps a short list in ROTATION_TARGETS', () => {
    const construct = rotator({});
    expect(construct.targetsDelivery).toBe(TargetsDelivery.ENVIRONMENT);
  });

  it('bundles a list too long for the environment as a file the function reads, and only that', () => {
    const stack = newStack({ bundle: true, env: { account: '123456789012', region: 'eu-west-1' } });
    const targets = [
      ...manyTargets(30, { roleArn: ROLE, externalId: 'aep-external-id-0123456789' }),
      {
        connectionId: ID,
        sandboxName: 'prod',
        createRole: { bucketName: 'acme-landing', roleName: 'aep-acme-landing-reader' },
        duration: Duration.minutes(45),
      },
      { connectionId: '5cb0c374-d3bb-4557-b139-5712880adc55', sandboxName: 'dev', userCredentialsSecret: userSecret(stack, 'aep/dev-user') },
    ];

    const construct = rotator({ targets }, stack);
    const assembly = (stack.node.root as App).synth();

    expect(construct.targetsDelivery).toBe(TargetsDelivery.FILE);
    const template = Template.fromStack(stack);
    const variables = Object.values(template.findResources('AWS::Lambda::Function'))[0]!.Properties.Environment.Variables as Record<string, string>;
    expect(variables.ROTATION_TARGETS_FILE).toBe(TARGETS_FILE_PATH);
    expect(variables.ROTATION_TARGETS).toBeUndefined();

    const code = Object.values(template.findResources('AWS::Lambda::Function'))[0]!.Properties.Code.S3Key as string;
    const assetDir = join(assembly.directory, `asset.${code.replace(/\.zip$/, '')}`);
    expect(existsSync(join(assetDir, 'index.mjs'))).toBe(true);
    const file = join(assetDir, TARGETS_FILE_NAME);
    const config = loadConfig({
      env: { ...deployedEnv(variables), ADOBE_CREDENTIALS_SECRET_ID: 'aep/adobe' },
      readFile: (path) => readFileSync(path === TARGETS_FILE_PATH ? file : path, 'utf8'),
    });
    expect(config.targets).toHaveLength(32);
    expect(config.targets[30]).toMatchObject({
      connectionId: ID,
      roleArn: 'arn:aws:iam::123456789012:role/aep-acme-landing-reader',
      method: 'assume-role-chained',
      durationSeconds: 2700,
    });
    expect(config.targets[31]).toMatchObject({ method: 'get-session-token', userCredentialsSecretId: 'aep/dev-user' });
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'aep-acme-landing-reader' });
  });
});

describe('S3CredentialRotator narrowing', () => {
  it('passes each target’s bucket and folder (normalized), a created role’s own, and method only for get-federation-token', () => {
    const stack = newStack();
    rotator(
      {
        targets: [
          { connectionId: ID, sandboxName: 'prod', roleArn: ROLE, bucketName: 'acme-landing', folderPath: '/crm/daily/' },
          {
            connectionId: '5cb0c374-d3bb-4557-b139-5712880adc55',
            sandboxName: 'prod',
            userCredentialsSecret: userSecret(stack),
            method: 'get-federation-token',
            bucketName: 'acme-dev',
          },
          { connectionId: '6cb0c374-d3bb-4557-b139-5712880adc55', sandboxName: 'prod', roleArn: ROLE, method: 'assume-role' },
        ],
      },
      stack,
    );

    const variables = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0]!.Properties.Environment.Variables as Record<
      string,
      string
    >;
    const config = loadConfig({ env: { ...deployedEnv(variables), ADOBE_CREDENTIALS_SECRET_ID: 'aep/adobe' } });
    expect(config.targets).toEqual([
      expect.objectContaining({ method: 'assume-role-chained', bucketName: 'acme-landing', folderPath: 'crm/daily' }),
      expect.objectContaining({ method: 'get-federation-token', bucketName: 'acme-dev', userCredentialsSecretId: 'aep/user' }),
      expect.objectContaining({ method: 'assume-role-chained' }),
    ]);
    const entries = JSON.parse(variables.ROTATION_TARGETS!) as Array<Record<string, unknown>>;
    expect(entries.map((entry) => entry.method)).toEqual([undefined, 'get-federation-token', undefined]);
    expect(entries[2]).not.toHaveProperty('bucketName');
  });

  it('narrows a created role’s sessions to its bucket and folder', () => {
    const stack = newStack({ env: { account: '123456789012', region: 'eu-west-1' } });
    rotator(
      {
        targetsDelivery: TargetsDelivery.FILE,
        targets: [{ connectionId: ID, sandboxName: 'prod', createRole: { bucketName: 'acme', folderPath: 'crm/daily/', roleName: 'aep-reader' } }],
      },
      stack,
    );

    const folder = join((stack.node.root as App).outdir, 'rotator-targets');
    const written = readdirSync(folder);
    expect(written).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(folder, written[0]!), 'utf8'))).toEqual([
      {
        connectionId: ID,
        sandboxName: 'prod',
        roleArn: 'arn:aws:iam::123456789012:role/aep-reader',
        durationSeconds: 3600,
        bucketName: 'acme',
        folderPath: 'crm/daily',
      },
    ]);
  });

  it('needs no permission of the function’s role for GetFederationToken: the IAM user’s keys sign it', () => {
    const stack = newStack();
    rotator(
      { targets: [{ connectionId: ID, sandboxName: 'prod', userCredentialsSecret: userSecret(stack), method: 'get-federation-token', bucketName: 'acme' }] },
      stack,
    );

    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: unknown }>,
    );
    expect(statements.flatMap((statement) => [statement.Action].flat()).filter((action) => String(action).startsWith('sts:'))).toEqual([]);
  });

  it('warns at synth, per target, when Adobe would receive more than its bucket, and not otherwise', () => {
    const stack = newStack();
    rotator(
      {
        targets: [
          { connectionId: ID, sandboxName: 'prod', roleArn: ROLE },
          { connectionId: '5cb0c374-d3bb-4557-b139-5712880adc55', sandboxName: 'prod', userCredentialsSecret: userSecret(stack) },
          { connectionId: '6cb0c374-d3bb-4557-b139-5712880adc55', sandboxName: 'prod', roleArn: ROLE, bucketName: 'acme' },
          { connectionId: '7cb0c374-d3bb-4557-b139-5712880adc55', sandboxName: 'prod', createRole: { bucketName: 'acme' } },
        ],
      },
      stack,
    );

    const warnings = Annotations.fromStack(stack)
      .findWarning('*', Match.anyValue())
      .map((warning) => String(warning.entry.data));
    expect(warnings).toEqual([
      `targets[0]: connection ${ID}: Adobe receives everything this role allows; add bucketName (and folderPath) so its credentials are narrowed to what Adobe reads [ack: aep-s3-rotator:unnarrowed-credentials:${ID}]`,
      'targets[1]: connection 5cb0c374-d3bb-4557-b139-5712880adc55: GetSessionToken credentials cannot be narrowed, so Adobe receives everything this IAM user allows; ' +
        'use "method": "get-federation-token" with bucketName (and folderPath): the same keys, narrowed to what Adobe reads [ack: aep-s3-rotator:unnarrowed-credentials:5cb0c374-d3bb-4557-b139-5712880adc55]',
    ]);
  });

  it('lets a construct user acknowledge the warning of one target by its connection id', () => {
    const stack = newStack();
    const construct = rotator({ targets: [{ connectionId: ID, sandboxName: 'prod', roleArn: ROLE }] }, stack);

    CdkAnnotations.of(construct).acknowledgeWarning(`aep-s3-rotator:unnarrowed-credentials:${ID}`, 'the role is ours and reads only the landing bucket');

    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  it('keeps in the environment a list that fitted there before created roles were narrowed, leaving out what only repeats the roles', () => {
    // 10 created roles without roleName: a bundled file is impossible (their ARNs are known only at deploy).
    const targets = manyTargets(10, { createRole: { bucketName: 'acme-aep-landing-bucket-0123456789', folderPath: 'exports/crm/daily' } });
    const stack = newStack();

    const construct = rotator({ targets }, stack);

    expect(construct.targetsDelivery).toBe(TargetsDelivery.ENVIRONMENT);
    const variables = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0]!.Properties.Environment.Variables as Record<
      string,
      unknown
    >;
    expect(JSON.stringify(variables.ROTATION_TARGETS)).not.toContain('bucketName');
    // A shorter list keeps the created roles' narrowing.
    const short = newStack();
    rotator({ targets: targets.slice(0, 3) }, short);
    const shortVariables = Object.values(Template.fromStack(short).findResources('AWS::Lambda::Function'))[0]!.Properties.Environment.Variables as Record<
      string,
      unknown
    >;
    expect(JSON.stringify(shortVariables.ROTATION_TARGETS)).toContain(
      '\\"bucketName\\":\\"acme-aep-landing-bucket-0123456789\\",\\"folderPath\\":\\"exports/crm/daily\\"',
    );
  });
});

describe('verifyWithAdobe', () => {
  it("leaves VERIFY_WITH_ADOBE to the function's default (on), and writes false only when turned off", () => {
    const synth = (verifyWithAdobe?: boolean) => {
      const stack = new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
      new S3CredentialRotator(stack, 'Rotator', {
        targets: [
          {
            connectionId: '4cb0c374-d3bb-4557-b139-5712880adc55',
            sandboxName: 'prod',
            roleArn: 'arn:aws:iam::123456789012:role/r',
            bucketName: 'acme-aep-landing',
          },
        ],
        ...(verifyWithAdobe === undefined ? {} : { verifyWithAdobe }),
      });
      const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')) as Array<{
        Properties: { Environment: { Variables: Record<string, unknown> } };
      }>;
      return fn!.Properties.Environment.Variables;
    };

    expect(synth()).not.toHaveProperty('VERIFY_WITH_ADOBE');
    expect(synth(true)).not.toHaveProperty('VERIFY_WITH_ADOBE');
    expect(synth(false)).toMatchObject({ VERIFY_WITH_ADOBE: 'false' });
  });
});

/** The function's environment as a deploy resolves it: CloudFormation references (the ledger table's name) become their values. */
function deployedEnv(variables: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : `resolved-${name.toLowerCase()}`]));
}
