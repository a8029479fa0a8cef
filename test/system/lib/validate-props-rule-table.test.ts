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
import {
  S3CredentialRotator,
  S3CredentialRotatorValidationError,
  type RotationTargetProps,
  type S3CredentialRotatorProps,
} from '../../../lib/s3-credential-rotator.js';
import { SCHEDULE_DOORS, scheduleVerdict } from '../../../core/schedule-rules.js';
import { SETTING_DOORS, settingProblems } from '../../../core/setting-rules.js';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import {
  CASE_ID,
  CASE_ROLE,
  removeTestOutdirs,
  TARGET_DOORS,
  TARGET_RULE_CASES,
  tableLines,
  testOutdir,
  UNNARROWED_CASES,
  warningLines,
  type TargetCase,
} from '../../support/index.js';

afterAll(removeTestOutdirs);

function propsOf(stack: Stack, { userCredentialsSecret, durationSeconds, ...target }: TargetCase): RotationTargetProps {
  return {
    ...target,
    ...(userCredentialsSecret
      ? { userCredentialsSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'User', userCredentialsSecret) }
      : {}),
    ...(durationSeconds === undefined ? {} : { duration: Duration.seconds(durationSeconds) }),
  };
}

function problemsOf(target: TargetCase, extra: Partial<S3CredentialRotatorProps> = {}): readonly string[] {
  const stack = new Stack(new App({ outdir: testOutdir(), context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');
  try {
    new S3CredentialRotator(stack, 'Rotator', {
      targets: [propsOf(stack, target)],
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(5)),
      ...extra,
    });
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

describe('the construct door, with requireNarrowedCredentials', () => {
  it.each(UNNARROWED_CASES)(
    'refuses %s in the table’s words, which synth warns about otherwise, with the warning table’s words',
    (_kind, target) => {
      const expected = tableLines(target, TARGET_DOORS.props, 'targets', { requireNarrowedCredentials: true });
      const stack = new Stack(new App({ outdir: testOutdir(), context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');
      new S3CredentialRotator(stack, 'Rotator', {
        targets: [propsOf(stack, target)],
        runbookUrl: 'https://wiki.example.com/rotator',
      });
      const warnings = Annotations.fromStack(stack)
        .findWarning('*', Match.anyValue())
        .map((warning) => String(warning.entry.data).replace(/ \[ack: [^\]]+\]$/, ''));

      expect(expected).toHaveLength(1);
      expect(problemsOf(target, { requireNarrowedCredentials: true })).toEqual(expected);
      expect(warnings).toEqual(warningLines(target, TARGET_DOORS.props, 'targets'));
    },
  );
});

describe('the construct door, for settings', () => {
  it('refuses adobeSecretName beside adobeCredentialsSecret in the setting rules’ words', () => {
    const build = () => {
      const stack = new Stack(new App({ outdir: testOutdir(), context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');
      return new S3CredentialRotator(stack, 'Rotator', {
        targets: [{ connectionId: CASE_ID, sandboxName: 'prod', roleArn: CASE_ROLE }],
        adobeCredentialsSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Adobe', 'aep/existing'),
        adobeSecretName: 'aep/adobe',
        ledgerTableName: 'l',
      });
    };

    expect(build).toThrow(
      settingProblems({ adobeSecretName: 'aep/adobe', adobeCredentialsSecretGiven: true }, SETTING_DOORS.props)[0]!
        .line,
    );
    expect(build).toThrow('ledgerTableName: must be a DynamoDB table name: 3 to 255 letters, digits and _.-; got "l"');
  });

  it('refuses a KMS alias construct for encryptionKey (an IAlias types as an IKey), as cdk.json an alias ARN', () => {
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
    const expected = scheduleVerdict(
      { schedule: 'rate(1 hour)', lifetimes: [3600], concurrency: 8 },
      SCHEDULE_DOORS.props,
    ).problems;

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
