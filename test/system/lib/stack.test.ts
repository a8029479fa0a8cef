/**
 * The stack synthesized from the sample configuration in cdk.json, bundled once for the file:
 * schedule, alarms, dashboard and outputs. The function, IAM and the guardrails from cdk.json are
 * in stack-function, stack-iam and stack-imports.test.ts.
 * The ledger, the operator outputs and a paused stack are test/system/lib/operations.test.ts's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { STACK_ALARM_IDS } from '../../../core/alarm-rules.js';
import { anchorsOf } from '../../support/markdown-anchors.js';
import { parseRotatorConfig } from '../../../lib/config/config.js';
import {
  arnOf,
  fakeAttribute,
  logicalIdOf as id,
  PROJECT_ROOT,
  rawSampleConfig,
  refOf,
  resolveIntrinsics,
  synthRotatorStack,
  SAMPLE_CREATED_ROLE_CONNECTION as CREATED,
  sampleStackPerFile,
} from '../../support/index.js';

const sample = sampleStackPerFile({ bundle: true });

describe('schedule', () => {
  it('runs every 15 minutes without a flexible window, retrying into an encrypted dead-letter queue', () => {
    const { rotator } = sample.stack;
    sample.template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    sample.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: arnOf(rotator.function),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 900 },
        DeadLetterConfig: { Arn: arnOf(rotator.scheduleDeadLetterQueue) },
        Input: Match.serializedJson({
          source: 'aep-s3-rotator.schedule',
          scheduleArn: '<aws.scheduler.schedule-arn>',
          scheduledTime: '<aws.scheduler.scheduled-time>',
          executionId: '<aws.scheduler.execution-id>',
          attemptNumber: '<aws.scheduler.attempt-number>',
        }),
      },
    });
  });

  it('keeps both dead-letter queues encrypted, TLS-only and for 14 days', () => {
    sample.template.resourceCountIs('AWS::SQS::Queue', 2);
    for (const queue of [sample.stack.rotator.scheduleDeadLetterQueue, sample.stack.rotator.failureDeadLetterQueue]) {
      expect(sample.template.toJSON().Resources[id(queue)].Properties).toEqual({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
      });
    }
    sample.template.allResourcesProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Deny',
            Action: 'sqs:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: Match.anyValue(),
          },
        ],
        Version: '2012-10-17',
      },
    });
  });
});

describe('alarms', () => {
  const toTopic = () => ({
    AlarmActions: [refOf(sample.stack.rotator.alarmTopic)],
    OKActions: [refOf(sample.stack.rotator.alarmTopic)],
  });

  /** The alarm resource of a construct, as synthesized. */
  const alarmOf = (alarm: IConstruct) =>
    sample.template.toJSON().Resources[id(alarm)].Properties as Record<string, unknown>;

  it("has exactly ten alarms and the Adobe secret rotation's, each notifying the topic on ALARM and OK", () => {
    sample.template.resourceCountIs('AWS::CloudWatch::Alarm', 11);
    sample.template.allResourcesProperties('AWS::CloudWatch::Alarm', toTopic());
    // Enabled: the property is left out, as before `enabled` existed.
    for (const alarm of sample.stack.rotator.alarms) expect(alarmOf(alarm)).not.toHaveProperty('ActionsEnabled');
    // In the order the operator CLI finds them by (the stack's AlarmNames output).
    expect(sample.stack.rotator.alarms.map((alarm) => alarm.node.id)).toEqual([...STACK_ALARM_IDS]);
  });

  it('ends every description with the runbook section of that alarm', () => {
    for (const alarm of sample.stack.rotator.alarms) {
      const description = alarmOf(alarm).AlarmDescription as string;
      expect(description).toMatch(new RegExp(`\\. Runbook: docs/RUNBOOK\\.md#${alarm.node.id.toLowerCase()}$`));
      // CloudWatch's limit on AlarmDescription.
      expect(description.length).toBeLessThanOrEqual(1024);
    }
  });

  it('points every description at a section docs/RUNBOOK.md has', () => {
    const anchors = anchorsOf(readFileSync(join(PROJECT_ROOT, 'docs', 'RUNBOOK.md'), 'utf8'));
    for (const alarm of sample.stack.rotator.alarms) {
      const anchor = /#([a-z]+)$/.exec(alarmOf(alarm).AlarmDescription as string)![1]!;
      expect(anchors, `docs/RUNBOOK.md has no section for ${anchor}`).toContain(anchor);
    }
  });

  /** A Metrics Insights query as the template holds it, with the function's name in place of its Ref. */
  const queryOf = (alarm: IConstruct) => {
    const [query] = alarmOf(alarm).Metrics as Array<{ Expression: unknown }>;
    return resolveIntrinsics(query!.Expression, fakeAttribute) as string;
  };
  const functionName = () => resolveIntrinsics(refOf(sample.stack.rotator.function), fakeAttribute) as string;

  it('alarms on each connection failed in the window, a contributor per connectionId, of this rotator only', () => {
    const alarm = alarmOf(sample.stack.rotator.connectionFailingAlarm);
    expect(alarm).toMatchObject({
      Metrics: [{ Id: 'expr_1', Period: 1500, ReturnData: true }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      // A connection without data is the guard's concern (RotatorNotReportingAlarm), or no longer a target.
      TreatMissingData: 'notBreaching',
    });
    expect(alarm).not.toHaveProperty('MetricName');
    expect(queryOf(sample.stack.rotator.connectionFailingAlarm)).toBe(
      'SELECT MAX(RotationFailed) FROM SCHEMA("AepS3CredentialRotator", connectionId, rotator, service) ' +
        `WHERE rotator = '${functionName()}' GROUP BY connectionId ORDER BY MAX() DESC LIMIT 500`,
    );
  });

  /** A run-level alarm on one of Lambda's metrics of the function: any 1 in one schedule interval. */
  const onLambdaMetric = (MetricName: string, TreatMissingData: string) => ({
    Namespace: 'AWS/Lambda',
    MetricName,
    Dimensions: [{ Name: 'FunctionName', Value: refOf(sample.stack.rotator.function) }],
    Statistic: 'Sum',
    Period: 900,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    EvaluationPeriods: 1,
    TreatMissingData,
  });
  /** One of the function's own metrics, with this rotator's dimensions. */
  const rotatorMetric = (MetricName: string) => ({
    Namespace: 'AepS3CredentialRotator',
    MetricName,
    Dimensions: [
      { Name: 'rotator', Value: refOf(sample.stack.rotator.function) },
      { Name: 'service', Value: 'aep-s3-credential-rotator' },
    ],
  });

  it('alarms when a whole run failed, over one schedule interval, holding the state between runs', () => {
    expect(alarmOf(sample.stack.rotator.errorsAlarm)).toMatchObject(onLambdaMetric('Errors', 'ignore'));
  });

  it("alarms 40 minutes before a connection's credentials expire, one contributor per connectionId", () => {
    // 15-minute schedule, 383 s timeout, 1 h credentials: see expiryAlarmPlan (a 25-minute window).
    expect(alarmOf(sample.stack.rotator.credentialsExpiringAlarm)).toMatchObject({
      Metrics: [{ Id: 'expr_1', Period: 1500, ReturnData: true }],
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 2400,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(queryOf(sample.stack.rotator.credentialsExpiringAlarm)).toBe(
      'SELECT MIN(SecondsUntilCredentialExpiry) FROM SCHEMA("AepS3CredentialRotator", connectionId, rotator, ' +
        `service) WHERE rotator = '${functionName()}' GROUP BY connectionId ORDER BY MIN() ASC LIMIT 500`,
    );
    expect(alarmOf(sample.stack.rotator.credentialsExpiringAlarm).AlarmDescription).toContain(
      'less than 2400 s (40 min) left on its credentials in the last 25 min',
    );
  });

  it('alarms after 25 minutes without a run reporting: the rotator-level guard, missing data breaching', () => {
    expect(alarmOf(sample.stack.rotator.rotatorNotReportingAlarm)).toMatchObject({
      ...rotatorMetric('SecondsUntilCredentialExpiry'),
      Statistic: 'SampleCount',
      Period: 60,
      EvaluationPeriods: 25,
      DatapointsToAlarm: 25,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('alarms when Lambda could not deliver a failed run to the failure dead-letter queue', () => {
    expect(alarmOf(sample.stack.rotator.destinationDeliveryFailuresAlarm)).toMatchObject(
      onLambdaMetric('DestinationDeliveryFailures', 'notBreaching'),
    );
  });

  it('alarms when ledger writes failed in two schedule intervals in a row, and clears when they stop', () => {
    expect(alarmOf(sample.stack.rotator.ledgerWriteFailedAlarm)).toMatchObject({
      ...rotatorMetric('LedgerWriteFailed'),
      Statistic: 'Sum',
      Period: 900,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      // The function counts failed writes only: a period without any is a healthy one.
      TreatMissingData: 'notBreaching',
    });
  });

  it.each([['scheduleDeadLetterQueue'], ['failureDeadLetterQueue']] as const)(
    'alarms on any message in the %s, and stays in ALARM while it waits',
    (queue) => {
      sample.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(sample.stack.rotator[queue]), 'QueueName'] } }],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'ignore',
      });
    },
  );

  it('takes the expiry threshold and runbook URL configured in cdk.json', () => {
    const raw = rawSampleConfig();
    Object.assign(raw, { expiryAlarmThresholdSeconds: 3000, runbookUrl: 'https://wiki.example.com/rotator' });
    const configured = synthRotatorStack({ config: parseRotatorConfig(raw) });

    configured.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [
        Match.objectLike({
          Expression: Match.objectLike({
            'Fn::Join': [
              '',
              Match.arrayWith([Match.stringLikeRegexp('^SELECT MIN\\(SecondsUntilCredentialExpiry\\)')]),
            ],
          }),
        }),
      ],
      Threshold: 3000,
      AlarmDescription: Match.stringLikeRegexp('Runbook: https://wiki.example.com/rotator#credentialsexpiringalarm$'),
    });
  });

  it("routes failing connections to cdk.json's ticket topic, and keeps connectionMetrics on by default", () => {
    const raw = rawSampleConfig();
    const TICKETS = 'arn:aws:sns:eu-west-1:123456789012:aep-ops-tickets';
    Object.assign(raw, { ticketTopicArn: TICKETS });
    const configured = synthRotatorStack({ config: parseRotatorConfig(raw) });
    const resources = configured.template.toJSON().Resources;
    const actionsOf = (alarm: IConstruct) => resources[id(alarm)].Properties.AlarmActions;

    expect(actionsOf(configured.stack.rotator.connectionFailingAlarm)).toEqual([TICKETS]);
    expect(actionsOf(configured.stack.rotator.credentialsExpiringAlarm)).toEqual([
      refOf(configured.stack.rotator.alarmTopic),
    ]);
    expect(resources[id(sample.stack.rotator.function)].Properties.Environment.Variables).not.toHaveProperty(
      'CONNECTION_METRICS',
    );
  });

  it('subscribes the configured e-mail address to the alarm topic', () => {
    sample.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'aep-ops@example.com',
      TopicArn: refOf(sample.stack.rotator.alarmTopic),
    });
  });
});

describe('dashboard', () => {
  it('shows rotations, 412s, expiry, duration, errors, ledger writes, dataflow runs, unmanaged connections', () => {
    const dashboard = Object.values(sample.template.findResources('AWS::CloudWatch::Dashboard'))[0]!;
    const body = JSON.parse(resolveIntrinsics(dashboard.Properties.DashboardBody, fakeAttribute) as string) as {
      widgets: { properties: { title: string; metrics?: unknown[][]; alarms?: string[] } }[];
    };
    const graphs = Object.fromEntries(
      body.widgets.map(({ properties }) => [
        properties.title,
        (properties.metrics ?? []).map(
          (line) => `${line[1]}/${(line[line.length - 1] as { stat?: string }).stat ?? 'Average'}`,
        ),
      ]),
    );

    expect(graphs).toEqual({
      Alarms: [],
      'Failing connections (RotationFailed by connectionId, the 10 highest)': ['undefined/Average'],
      'Seconds until expiry by connectionId (the 10 lowest)': ['undefined/Average'],
      'Failed dataflow runs (DataflowRunFailed by connectionId, the 10 highest)': ['undefined/Average'],
      Rotations: ['RotationSucceeded/Sum', 'RotationFailed/Sum'],
      'Etag conflicts (412 from Flow Service)': ['EtagConflict/Sum'],
      'Seconds until credential expiry (minimum over every connection tried)': ['SecondsUntilCredentialExpiry/Minimum'],
      'Run duration (ms)': ['Duration/Maximum', 'Duration/Average'],
      'Invocations, errors and throttles': ['Invocations/Sum', 'Errors/Sum', 'Throttles/Sum'],
      'Dead-letter queues (messages visible)': [
        'ApproximateNumberOfMessagesVisible/Maximum',
        'ApproximateNumberOfMessagesVisible/Maximum',
      ],
      'Ledger writes failed (rotations unaffected)': ['LedgerWriteFailed/Sum'],
      'Ingestion and connections nobody rotates': ['DataflowRunFailed/Sum', 'UnmanagedTemporaryConnections/Maximum'],
    });
    const shown = body.widgets[0]!.properties.alarms!;
    expect(shown).toHaveLength(10);
    const queries = body.widgets.flatMap(({ properties }) =>
      (properties.metrics ?? []).map((line) => (line[0] as { expression?: string }).expression).filter(Boolean),
    );
    expect(queries).toEqual([
      expect.stringMatching(/^SELECT MAX\(RotationFailed\) .* GROUP BY connectionId ORDER BY MAX\(\) DESC LIMIT 10$/),
      expect.stringMatching(
        /^SELECT MIN\(SecondsUntilCredentialExpiry\) .* GROUP BY connectionId ORDER BY MIN\(\) ASC LIMIT 10$/,
      ),
      expect.stringMatching(
        /^SELECT MAX\(DataflowRunFailed\) .* GROUP BY connectionId ORDER BY MAX\(\) DESC LIMIT 10$/,
      ),
    ]);
    for (const [index, alarm] of sample.stack.rotator.alarms.entries()) expect(shown[index]).toContain(id(alarm));
  });
});

describe('outputs', () => {
  it('exports the function name for the operator CLI and names everything an operator needs', () => {
    sample.template.hasOutput('RotatorFunctionName', {
      Value: refOf(sample.stack.rotator.function),
      Export: { Name: 'AepS3CredentialRotator-RotatorFunctionName' },
    });
    sample.template.hasOutput('RotatorFunctionRoleArn', { Value: arnOf(sample.stack.rotator.functionRole) });
    sample.template.hasOutput('AdobeCredentialsSecretId', {
      Value: refOf(sample.stack.rotator.adobeCredentialsSecret),
    });
    sample.template.hasOutput('AlarmTopicArn', { Value: refOf(sample.stack.rotator.alarmTopic) });
    sample.template.hasOutput('DashboardName', { Value: refOf(sample.stack.rotator.dashboard) });
    sample.template.hasOutput('SchedulerRoleArn', { Value: arnOf(sample.stack.rotator.schedulerRole) });
    sample.template.hasOutput('SourceRoleArn0', { Value: arnOf(sample.stack.rotator.createdRoles.get(CREATED)!) });
  });
});
