/**
 * The construct's props validation applies the rule tables (core/target-rules.ts,
 * core/setting-rules.ts): each mistake is refused with the table's words, under the props' names
 * (`duration` a Duration).
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { afterAll, describe, expect, it } from 'vitest';
import { S3CredentialRotator, S3CredentialRotatorValidationError, type RotationTargetProps } from '../../../lib/s3-credential-rotator.js';
import { SCHEDULE_DOORS, scheduleVerdict } from '../../../core/schedule-rules.js';
import { SETTING_DOORS, settingProblems } from '../../../core/setting-rules.js';
import { CASE_ID, CASE_ROLE, removeTestOutdirs, TARGET_DOORS, TARGET_RULE_CASES, tableLines, testOutdir, type TargetCase } from '../../support/index.js';

afterAll(removeTestOutdirs);

function problemsOf({ userCredentialsSecret, durationSeconds, ...target }: TargetCase): readonly string[] {
  const stack = new Stack(new App({ outdir: testOutdir(), context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');
  const props: RotationTargetProps = {
    ...target,
    ...(userCredentialsSecret ? { userCredentialsSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'User', userCredentialsSecret) } : {}),
    ...(durationSeconds === undefined ? {} : { duration: Duration.seconds(durationSeconds) }),
  };
  try {
    new S3CredentialRotator(stack, 'Rotator', { targets: [props], schedule: scheduler.ScheduleExpression.rate(Duration.minutes(5)) });
  } catch (error) {
    expect(error).toBeInstanceOf(S3CredentialRotatorValidationError);
    return (error as S3CredentialRotatorValidationError).problems;
  }
  throw new Error('expected an S3CredentialRotatorValidationError');
}

describe('the construct door', () => {
  it.each(TARGET_RULE_CASES)('refuses %s in the table’s words', (_mistake, target) => {
    const expected = tableLines(target, TARGET_DOORS.props, 'targets');

    expect(expected.length).toBeGreaterThan(0);
    expect(problemsOf(target)).toEqual(expect.arrayContaining(expected));
  });
});

describe('the construct door, for settings', () => {
  it('refuses a KMS alias construct for encryptionKey (an IAlias passes for an IKey by type), as cdk.json refuses an alias ARN', () => {
    const stack = new Stack(new App({ outdir: testOutdir(), context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');
    let refused: unknown;

    try {
      new S3CredentialRotator(stack, 'Rotator', {
        targets: [{ connectionId: CASE_ID, sandboxName: 'prod', roleArn: CASE_ROLE }],
        encryptionKey: kms.Alias.fromAliasName(stack, 'Alias', 'alias/aep'),
      });
    } catch (error) {
      refused = error;
    }

    expect(refused).toBeInstanceOf(S3CredentialRotatorValidationError);
    expect((refused as S3CredentialRotatorValidationError).problems).toContain(
      `encryptionKey: ${settingProblems({ encryptionKeyAlias: 'alias/aep' }, SETTING_DOORS.props)[0]!.message}`,
    );
  });
});

describe('the construct door, for schedules', () => {
  it('refuses a schedule too slow for the shortest lifetime in the schedule rules’ words, naming duration', () => {
    const stack = new Stack(new App({ outdir: testOutdir(), context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');
    const expected = scheduleVerdict({ schedule: 'rate(1 hour)', lifetimes: [3600], concurrency: 8 }, SCHEDULE_DOORS.props).problems;

    const build = () =>
      new S3CredentialRotator(stack, 'Rotator', {
        targets: [{ connectionId: CASE_ID, sandboxName: 'prod', roleArn: CASE_ROLE, bucketName: 'acme-aep' }],
        schedule: scheduler.ScheduleExpression.rate(Duration.hours(1)),
        runbookUrl: 'https://wiki.example.com/rotator',
      });

    expect(expected).toHaveLength(1);
    expect(build).toThrow(expected[0]);
  });
});
