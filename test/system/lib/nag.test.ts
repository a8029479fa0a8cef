/**
 * cdk-nag's AwsSolutions and Serverless checks pass on the stack bin/app.ts builds, and every
 * finding that is acknowledged is acknowledged on purpose: narrowly, with a specific reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRotatorConfig } from '../../../lib/config/config.js';
import { ADOBE_SECRET_ROTATION_REASON } from '../../../lib/rotator/nag.js';
import { rawSampleConfig, removeTestOutdirs, sampleGuardrails, synthRotatorStack } from '../../support/index.js';

afterAll(removeTestOutdirs);

interface Acknowledgment {
  readonly id: string;
  readonly reason: string;
}

/** Every acknowledgment recorded in the construct tree (metadata maps rule id to reason), by construct path. */
function acknowledgments(root: IConstruct): [string, Acknowledgment][] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .map(([id, reason]): [string, Acknowledgment] => [construct.node.path, { id, reason }]),
  );
}

interface Report {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: unknown[];
    suppressedViolations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

function readReport(outdir: string): Report {
  return JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as Report;
}

/** `<construct path> <rule>` of every suppressed finding, over both packs. */
function suppressedFindings(report: Report): string[] {
  return report.pluginReports
    .flatMap(({ suppressedViolations }) => suppressedViolations)
    .flatMap(({ ruleName, violatingConstructs }) =>
      violatingConstructs.map(({ constructPath }) => `${constructPath} ${ruleName}`),
    )
    .sort();
}

/**
 * What both packs report for the sample configuration, acknowledged. Nothing on the ledger table
 * (point-in-time recovery on: AwsSolutions-DDB3 passes) or on LedgerWriteFailedAlarm.
 */
const SAMPLE_FINDINGS = [
  'AepS3CredentialRotator/Rotator/FailureDeadLetterQueue/Resource AwsSolutions-SQS3',
  'AepS3CredentialRotator/Rotator/ScheduleDeadLetterQueue/Resource AwsSolutions-SQS3',
  'AepS3CredentialRotator/Rotator/SourceRole-4cb0c374-d3bb-4557-b139-5712880adc55/Resource ' +
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::acme-aep-landing/crm/daily/*]',
  'AepS3CredentialRotator/Rotator/FailureDeadLetterQueue/Resource Serverless-SQSRedrivePolicy',
  'AepS3CredentialRotator/Rotator/ScheduleDeadLetterQueue/Resource Serverless-SQSRedrivePolicy',
  'AepS3CredentialRotator/Rotator/Function/Resource Serverless-LambdaDLQ',
  'AepS3CredentialRotator/Rotator/Function/Resource Serverless-LambdaTracing',
  'AepS3CredentialRotator/Rotator/AlarmTopic/aep-ops@example.com/Resource Serverless-SNSRedrivePolicy',
  // The sample rotates the Adobe secret (adobeSecretRotation): SMG4 passes; its function is invoked synchronously.
  'AepS3CredentialRotator/Rotator/AdobeSecretRotation/Function/Resource Serverless-LambdaDLQ',
  'AepS3CredentialRotator/Rotator/AdobeSecretRotation/Function/Resource Serverless-LambdaTracing',
  // Secrets Manager's rotation events go to the alarm topic, with EventBridge's retries and no dead-letter queue.
  'AepS3CredentialRotator/Rotator/AdobeSecretRotationEventsRule/Resource Serverless-EventBusDLQ',
];

describe('cdk-nag AwsSolutions and Serverless checks', () => {
  it('report nothing unacknowledged for the sample configuration, and use every acknowledgment', () => {
    const { outdir } = synthRotatorStack({ nag: true });

    const report = readReport(outdir);
    expect(
      report.pluginReports.map(({ pluginName, conclusion, violations }) => ({ pluginName, conclusion, violations })),
    ).toEqual([
      { pluginName: 'AwsSolutions', conclusion: 'success', violations: [] },
      { pluginName: 'Serverless', conclusion: 'success', violations: [] },
    ]);
    expect(suppressedFindings(report)).toEqual([...SAMPLE_FINDINGS].sort());
  });

  it('report nothing with imported secrets, an imported topic and a whole-bucket role', () => {
    const raw = rawSampleConfig();
    raw.adobeCredentialsSecret = 'aep/adobe';
    raw.alarmTopicArn = 'arn:aws:sns:eu-west-1:123456789012:ops-alarms';
    raw.targets[0]!.createRole = { bucketName: 'acme-aep-landing' };

    const { outdir } = synthRotatorStack({ nag: true, config: parseRotatorConfig(raw) });

    expect(readReport(outdir).pluginReports.map(({ violations }) => violations)).toEqual([[], []]);
  });

  it('report nothing with every guardrail on, acknowledging only the VPC permissions EC2 cannot narrow', () => {
    const raw = rawSampleConfig();
    Object.assign(raw, sampleGuardrails());

    const { outdir } = synthRotatorStack({ nag: true, config: parseRotatorConfig(raw) });

    const report = readReport(outdir);
    expect(report.pluginReports.map(({ violations }) => violations)).toEqual([[], []]);
    expect(suppressedFindings(report)).toEqual(
      [
        ...SAMPLE_FINDINGS,
        'AepS3CredentialRotator/Rotator/FunctionRole/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::*]',
        'AepS3CredentialRotator/Rotator/FunctionRole/DefaultPolicy/Resource ' +
          'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:*/*]',
        'AepS3CredentialRotator/Rotator/FunctionRole/DefaultPolicy/Resource ' +
          'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*]',
        'AepS3CredentialRotator/Rotator/AdobeSecretRotation/Role/DefaultPolicy/Resource AwsSolutions-IAM5[Resource::*]',
        'AepS3CredentialRotator/Rotator/AdobeSecretRotation/Role/DefaultPolicy/Resource ' +
          'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:*/*]',
        'AepS3CredentialRotator/Rotator/AdobeSecretRotation/Role/DefaultPolicy/Resource ' +
          'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*]',
      ].sort(),
    );
  });

  it('report nothing more for a paused stack: the disabled schedule and silent alarms need no acknowledgment', () => {
    const raw = rawSampleConfig();
    raw.enabled = false;

    const { outdir } = synthRotatorStack({ nag: true, config: parseRotatorConfig(raw) });

    const report = readReport(outdir);
    expect(report.pluginReports.map(({ violations }) => violations)).toEqual([[], []]);
    expect(suppressedFindings(report)).toEqual([...SAMPLE_FINDINGS].sort());
  });

  it('acknowledges exactly the expected findings, each with a specific reason', () => {
    const { stack } = synthRotatorStack();

    const found = acknowledgments(stack);

    // The exact set, so the reason check below cannot pass by finding nothing to check.
    expect(found.map(([path, { id }]) => `${path} ${id}`).sort()).toEqual(
      [
        'AepS3CredentialRotator/Rotator/FailureDeadLetterQueue AwsSolutions::AwsSolutions-SQS3',
        'AepS3CredentialRotator/Rotator/ScheduleDeadLetterQueue AwsSolutions::AwsSolutions-SQS3',
        'AepS3CredentialRotator/Rotator/SourceRole-4cb0c374-d3bb-4557-b139-5712880adc55 ' +
          'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::acme-aep-landing/crm/daily/*]',
        'AepS3CredentialRotator/Rotator/FailureDeadLetterQueue Serverless::Serverless-SQSRedrivePolicy',
        'AepS3CredentialRotator/Rotator/ScheduleDeadLetterQueue Serverless::Serverless-SQSRedrivePolicy',
        'AepS3CredentialRotator/Rotator/Function Serverless::Serverless-LambdaDLQ',
        'AepS3CredentialRotator/Rotator/Function Serverless::Serverless-LambdaTracing',
        // Found only with an aws-cdk-lib that knows a newer Node.js runtime than the bundle's (2.278 and later).
        'AepS3CredentialRotator/Rotator/Function AwsSolutions::AwsSolutions-L1',
        'AepS3CredentialRotator/Rotator/Function Serverless::Serverless-LambdaLatestVersion',
        // Every subscription of the construct's own topic: the app's e-mail address included.
        'AepS3CredentialRotator/Rotator/AlarmTopic Serverless::Serverless-SNSRedrivePolicy',
        'AepS3CredentialRotator/Rotator/AdobeSecretRotation/Function Serverless::Serverless-LambdaDLQ',
        'AepS3CredentialRotator/Rotator/AdobeSecretRotation/Function Serverless::Serverless-LambdaTracing',
        'AepS3CredentialRotator/Rotator/AdobeSecretRotation/Function AwsSolutions::AwsSolutions-L1',
        'AepS3CredentialRotator/Rotator/AdobeSecretRotation/Function Serverless::Serverless-LambdaLatestVersion',
        'AepS3CredentialRotator/Rotator/AdobeSecretRotationEventsRule Serverless::Serverless-EventBusDLQ',
      ].sort(),
    );
    for (const [path, { id, reason }] of found) expect(reason.length, `reason of ${id} on ${path}`).toBeGreaterThan(80);
  });

  it('acknowledges SMG4 on a created secret only while adobeSecretRotation is off, saying how to turn it on', () => {
    const raw = rawSampleConfig();
    delete raw.adobeSecretRotation;

    const { stack, outdir } = synthRotatorStack({ nag: true, config: parseRotatorConfig(raw) });

    expect(readReport(outdir).pluginReports.map(({ violations }) => violations)).toEqual([[], []]);
    const smg4 = acknowledgments(stack).filter(([, { id }]) => id === 'AwsSolutions::AwsSolutions-SMG4');
    expect(smg4.map(([path]) => path)).toEqual(['AepS3CredentialRotator/Rotator/AdobeCredentials']);
    expect(smg4[0]![1].reason).toBe(ADOBE_SECRET_ROTATION_REASON);
    expect(ADOBE_SECRET_ROTATION_REASON).toContain('"adobeSecretRotation": { "everyDays": 30 }');
  });

  it('says why the Adobe secret is not rotated by Secrets Manager, without claiming Adobe cannot rotate it', () => {
    // Adobe documents rotating OAuth Server-to-Server client secrets (Developer Console, I/O Management API).
    expect(ADOBE_SECRET_ROTATION_REASON).toMatch(
      /^Adobe rotates OAuth Server-to-Server client secrets in Developer Console or through its I\/O Management API/,
    );
    expect(ADOBE_SECRET_ROTATION_REASON).toContain('manage_client_secrets');
    expect(ADOBE_SECRET_ROTATION_REASON).not.toMatch(/cannot do that/);
  });
});
