/**
 * The construct on its own: tokens that postpone a check, the targets file for long lists, and values derived from the
 * schedule.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnParameter, Duration, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lambda/config.js';
import {
  S3CredentialRotator,
  TARGETS_FILE_NAME,
  TARGETS_FILE_PATH,
  TargetsDelivery,
} from '../../../lib/s3-credential-rotator.js';
import {
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
            {
              connectionId: connection.valueAsString,
              sandboxName: 'prod',
              roleArn: ROLE,
              duration: Duration.seconds(hours.valueAsNumber),
            },
            target({ createRole: { bucketName: bucket.valueAsString } }),
          ],
        },
        stack,
      ),
    ).not.toThrow();
    Template.fromStack(stack).hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: { Ref: 'Schedule' },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { MemorySize: { Ref: 'MemorySize' } });
    // The per-connection expiry alarm takes the threshold as it is; its description says so in words.
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [Match.objectLike({ Expression: Match.anyValue() })],
      Threshold: { Ref: 'ExpiryThreshold' },
      AlarmDescription: Match.stringLikeRegexp(
        '^A connection reported less than the alarm threshold left on its credentials',
      ),
    });
  });
});

describe('S3CredentialRotator function role name', () => {
  const roleOf = (stack: Stack, construct: S3CredentialRotator) => {
    const logicalId = stack.getLogicalId(construct.functionRole.node.defaultChild as CfnElement);
    return {
      logicalId,
      properties: Template.fromStack(stack).toJSON().Resources[logicalId].Properties as Record<string, unknown>,
    };
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
    const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function', {
      Properties: { Handler: 'index.handler' },
    });
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
  it('sizes expiry alarms, run alarm periods and event ages from schedule, timeout and shortest lifetime', () => {
    const stack = newStack();
    const construct = rotator(
      {
        schedule: scheduler.ScheduleExpression.rate(Duration.minutes(5)),
        targets: [
          target({ roleArn: ROLE, duration: Duration.minutes(30) }),
          {
            connectionId: '5cb0c374-d3bb-4557-b139-5712880adc55',
            sandboxName: 'prod',
            userCredentialsSecret: userSecret(stack),
            duration: Duration.hours(12),
          },
        ],
      },
      stack,
    );
    const template = Template.fromStack(stack);

    // 5 min + the 383 s timeout (which still leaves the alarms room with 30-minute credentials):
    // window M = ceil((300 + 383) / 60) + 3 = 15 minutes; threshold = window + one interval = 1200 s,
    // below the 1417 s a healthy run reports (1800 s - 383 s).
    const timeout = Template.fromStack(stack).toJSON().Resources[
      stack.getLogicalId(construct.function.node.defaultChild as CfnElement)
    ].Properties.Timeout as number;
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
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [Match.objectLike({ Period: windowMinutes * 60 })],
      Threshold: 1200,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'LedgerWriteFailed', Period: 300 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Period: 300 });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumEventAgeInSeconds: 300 });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: { RetryPolicy: { MaximumEventAgeInSeconds: 300 } },
    });
  });

  it('takes an explicit expiry alarm threshold and runbook URL', () => {
    const stack = newStack();
    const construct = rotator(
      {
        expiryAlarmThreshold: Duration.minutes(45),
        runbookUrl: 'https://github.com/acme/rotator/blob/main/docs/RUNBOOK.md',
      },
      stack,
    );
    const template = Template.fromStack(stack);

    // 15 minutes and a 383 s timeout: a 25-minute window.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [Match.objectLike({ Period: 1500 })],
      Threshold: 2700,
    });
    expect(construct.expiryAlarm).toMatchObject({
      thresholdSeconds: 2700,
      evaluationPeriods: 25,
      warningSeconds: 2700 - 1500 - 120,
    });
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmDescription).toMatch(
        / Runbook: https:\/\/github\.com\/acme\/rotator\/blob\/main\/docs\/RUNBOOK\.md#[a-z]+alarm$/,
      );
    }
  });

  it('sizes the expiry alarm from an explicit timeout', () => {
    const stack = newStack();
    rotator({ timeout: Duration.minutes(10) }, stack);
    // 15 min + 10 min = 25 minutes, plus 3 of slack.
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SecondsUntilCredentialExpiry',
      EvaluationPeriods: 28,
    });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [Match.objectLike({ Period: 28 * 60 })],
      Threshold: 28 * 60 + 900,
    });
  });

  it('honours an explicit timeout and its own service name and namespace', () => {
    const stack = newStack();
    rotator({ timeout: Duration.minutes(10), serviceName: 'rotator-eu', metricsNamespace: 'Ops/Rotator' }, stack);
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 600,
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'rotator-eu',
          POWERTOOLS_METRICS_NAMESPACE: 'Ops/Rotator',
        }),
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Ops/Rotator',
      Dimensions: [
        { Name: 'rotator', Value: Match.anyValue() },
        { Name: 'service', Value: 'rotator-eu' },
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [
        Match.objectLike({
          Expression: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('FROM SCHEMA\\("Ops/Rotator", ')])] },
        }),
      ],
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
      target({
        createRole: { bucketName: 'acme-landing', roleName: 'aep-acme-landing-reader' },
        duration: Duration.minutes(45),
      }),
      {
        connectionId: '5cb0c374-d3bb-4557-b139-5712880adc55',
        sandboxName: 'dev',
        userCredentialsSecret: userSecret(stack, 'aep/dev-user'),
      },
    ];

    const construct = rotator({ targets }, stack);
    const assembly = (stack.node.root as App).synth();

    expect(construct.targetsDelivery).toBe(TargetsDelivery.FILE);
    const template = Template.fromStack(stack);
    const variables = Object.values(template.findResources('AWS::Lambda::Function'))[0]!.Properties.Environment
      .Variables as Record<string, string>;
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

/**
 * The function's environment as a deploy resolves it: CloudFormation references (the ledger table's name) become their
 * values.
 */
function deployedEnv(variables: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : `resolved-${name.toLowerCase()}`,
    ]),
  );
}
