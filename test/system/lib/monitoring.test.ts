/**
 * The construct's alarms, per connection: Metrics Insights queries grouped by `connectionId` and
 * scoped to this rotator, so two rotators never share one; one alarm per shard beyond 500
 * connections; the aggregate fallback (switched off, or a window too long for query alarms) with
 * its synth warning; the second topic for tickets. The sample stack's alarms are stack.test.ts's.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Duration } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  S3CredentialRotator,
  type RotationTargetProps,
  type S3CredentialRotatorProps,
} from '../../../lib/s3-credential-rotator.js';
import { fakeAttribute, logicalIdOf, removeTestOutdirs, resolveIntrinsics, testOutdir } from '../../support/index.js';

const ROLE = 'arn:aws:iam::123456789012:role/aep-reader';

afterAll(removeTestOutdirs);

function newStack(
  app = new App({ outdir: testOutdir(), context: { 'aws:cdk:bundling-stacks': [] } }),
  id = 'Test',
): Stack {
  return new Stack(app, id, { env: { account: '123456789012', region: 'eu-west-1' } });
}

const targets = (count: number): RotationTargetProps[] =>
  Array.from({ length: count }, (_, index) => ({
    connectionId: `${index.toString(16).padStart(8, '0')}-d3bb-4557-b139-5712880adc55`,
    sandboxName: 'prod',
    roleArn: ROLE,
  }));

function rotator(stack: Stack, props: Partial<S3CredentialRotatorProps> = {}, id = 'Rotator'): S3CredentialRotator {
  return new S3CredentialRotator(stack, id, { targets: targets(2), ...props });
}

const logicalId = logicalIdOf;
const propertiesOf = (construct: IConstruct) =>
  Template.fromStack(Stack.of(construct)).toJSON().Resources[logicalId(construct)].Properties;
/** The query of an alarm on a Metrics Insights query, with `Ref`s written as `<logical id>`. */
const queryOf = (alarm: IConstruct) =>
  resolveIntrinsics(propertiesOf(alarm).Metrics[0].Expression, fakeAttribute) as string;
const warningsOf = (stack: Stack) =>
  Annotations.fromStack(stack)
    .findWarning('*', Match.anyValue())
    .map((warning) => String(warning.entry.data));

describe('two rotators', () => {
  it('in one app have disjoint queries: each is scoped to its own function, which names its metrics', () => {
    const stack = newStack();
    const first = rotator(stack, {}, 'First');
    const second = rotator(stack, {}, 'Second');

    for (const pick of [
      (r: S3CredentialRotator) => r.connectionFailingAlarm,
      (r: S3CredentialRotator) => r.credentialsExpiringAlarm,
    ]) {
      const [a, b] = [queryOf(pick(first)), queryOf(pick(second))];
      expect(a).not.toBe(b);
      expect(a).toContain(`WHERE rotator = '${resolveIntrinsics({ Ref: logicalId(first.function) }, fakeAttribute)}'`);
      expect(b).toContain(`WHERE rotator = '${resolveIntrinsics({ Ref: logicalId(second.function) }, fakeAttribute)}'`);
    }
    // And the guard and the other metrics of the rotator: the rotator dimension is each function's name.
    for (const r of [first, second]) {
      expect(propertiesOf(r.rotatorNotReportingAlarm).Dimensions).toContainEqual({
        Name: 'rotator',
        Value: { Ref: logicalId(r.function) },
      });
    }
  });
});

describe('a fleet beyond one query', () => {
  // 501 targets: 8 batches of 64, and one shard more than a query holds.
  const stack = newStack();
  const construct = rotator(stack, { targets: targets(501), concurrency: 64 });

  it('gets one alarm per rule and shard of 500 connections, each querying its shard', () => {
    expect(construct.connectionAlarms.map((alarm) => alarm.node.id)).toEqual([
      'ConnectionFailingAlarm',
      'ConnectionFailingAlarmShard1',
      'CredentialsExpiringAlarm',
      'CredentialsExpiringAlarmShard1',
      'DataflowRunFailedAlarm',
      'DataflowRunFailedAlarmShard1',
    ]);
    expect(
      construct.connectionAlarms.map((alarm) => /FROM SCHEMA\([^)]*\) WHERE .*? GROUP BY/.exec(queryOf(alarm))![0]),
    ).toEqual([
      expect.stringMatching(
        new RegExp(
          '^FROM SCHEMA\\("AepS3CredentialRotator", connectionId, rotator, service, shard\\) ' +
            "WHERE rotator = '.+' AND shard = '0' GROUP BY$",
        ),
      ),
      expect.stringMatching(/ AND shard = '1' GROUP BY$/),
      expect.stringMatching(/ AND shard = '0' GROUP BY$/),
      expect.stringMatching(/ AND shard = '1' GROUP BY$/),
      expect.stringMatching(/ AND shard = '0' GROUP BY$/),
      expect.stringMatching(/ AND shard = '1' GROUP BY$/),
    ]);
    expect(construct.connectionFailingAlarm.node.id).toBe('ConnectionFailingAlarm');
  });

  it('lets every shard publish to the topic and shows it on the dashboard', () => {
    const template = Template.fromStack(stack);
    const [policy] = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    const sources = policy!.Properties.PolicyDocument.Statement[1].Condition.ArnEquals['aws:SourceArn'] as unknown[];
    for (const alarm of construct.connectionAlarms)
      expect(sources).toContainEqual({ 'Fn::GetAtt': [logicalId(alarm), 'Arn'] });
    expect(construct.alarms).toHaveLength(6 + 7);
    // The dashboard's top 10 over every shard.
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(resolveIntrinsics(dashboard!.Properties.DashboardBody, fakeAttribute));
    expect(body).toContain('GROUP BY connectionId ORDER BY MAX() DESC LIMIT 10');
    expect(body).not.toContain("shard = '");
  });
});

describe('aggregate alarms', () => {
  it('are what connectionMetrics: false gives, with a warning of what is lost, and the function told so', () => {
    const stack = newStack();
    const construct = rotator(stack, { connectionMetrics: false });

    // Besides the targets' own (their roles are not narrowed to a bucket), and the runbook link's (run from source).
    expect(
      warningsOf(stack).filter((warning) => !warning.startsWith('targets[') && !warning.startsWith('runbookUrl:')),
    ).toEqual([
      expect.stringMatching(
        new RegExp(
          '^connectionMetrics: false: metrics carry no connectionId: .*' +
            'a second failing or expiring connection notifies no one',
        ),
      ),
    ]);
    expect(propertiesOf(construct.connectionFailingAlarm)).toMatchObject({
      MetricName: 'RotationFailed',
      Statistic: 'Maximum',
      Dimensions: [
        { Name: 'rotator', Value: { Ref: logicalId(construct.function) } },
        { Name: 'service', Value: 'aep-s3-credential-rotator' },
      ],
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(propertiesOf(construct.credentialsExpiringAlarm)).toMatchObject({
      MetricName: 'SecondsUntilCredentialExpiry',
      Statistic: 'Minimum',
      Period: 1500,
    });
    expect(propertiesOf(construct.credentialsExpiringAlarm).AlarmDescription).toContain(
      'the alarm names no connection',
    );
    expect(propertiesOf(construct.function).Environment.Variables.CONNECTION_METRICS).toBe('false');
  });

  it('leave CONNECTION_METRICS unset by default, as before the switch existed', () => {
    const construct = rotator(newStack());
    expect(propertiesOf(construct.function).Environment.Variables).not.toHaveProperty('CONNECTION_METRICS');
  });

  it('are what a schedule gets whose window passes the 3 hours query alarms evaluate, with a warning', () => {
    const stack = newStack();
    const construct = rotator(stack, {
      schedule: scheduler.ScheduleExpression.rate(Duration.hours(6)),
      targets: [
        {
          connectionId: targets(1)[0]!.connectionId,
          sandboxName: 'prod',
          userCredentialsSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'User', 'aep/user'),
          duration: Duration.hours(36),
        },
      ],
    });

    expect(warningsOf(stack)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(
            '^schedule: the expiry alarms need a \\d+-minute window, ' +
              'and alarms on Metrics Insights queries evaluate at most 180 minutes',
          ),
        ),
      ]),
    );
    expect(propertiesOf(construct.connectionFailingAlarm)).toMatchObject({
      MetricName: 'RotationFailed',
      Statistic: 'Maximum',
    });
    expect(propertiesOf(construct.connectionFailingAlarm)).not.toHaveProperty('Metrics');
  });
});

describe('ticketTopic', () => {
  it('takes failing connections, failed dataflow runs and unmanaged ones; the others page the alarm topic', () => {
    const stack = newStack();
    const tickets = new sns.Topic(stack, 'Tickets', { enforceSSL: true });
    const construct = rotator(stack, { ticketTopic: tickets });

    const actions = (alarm: IConstruct) => [propertiesOf(alarm).AlarmActions, propertiesOf(alarm).OKActions];
    expect(construct.ticketTopic).toBe(tickets);
    const ticketed = [
      construct.connectionFailingAlarm,
      construct.dataflowRunFailedAlarm,
      construct.unmanagedTemporaryConnectionsAlarm,
    ];
    for (const alarm of ticketed)
      expect(actions(alarm), alarm.node.id).toEqual([[{ Ref: logicalId(tickets) }], [{ Ref: logicalId(tickets) }]]);
    for (const alarm of construct.alarms.filter((candidate) => !ticketed.includes(candidate))) {
      expect(actions(alarm), alarm.node.id).toEqual([
        [{ Ref: logicalId(construct.alarmTopic) }],
        [{ Ref: logicalId(construct.alarmTopic) }],
      ]);
    }
    // Each topic lets exactly its own alarms publish (a ticket topic of this app gets the statement too).
    const policies = Template.fromStack(stack).findResources('AWS::SNS::TopicPolicy');
    const allowed = Object.values(policies).map((policy) => {
      const statement = (
        policy.Properties.PolicyDocument.Statement as Array<{
          Sid: string;
          Condition?: { ArnEquals: { 'aws:SourceArn': unknown } };
        }>
      ).find((s) => s.Sid.startsWith('AllowRotator'))!;
      return [statement.Sid, [statement.Condition!.ArnEquals['aws:SourceArn']].flat().length];
    });
    expect(allowed.sort()).toEqual([
      ['AllowRotatorAlarms', construct.alarms.length - 3],
      ['AllowRotatorTicketAlarms', 3],
    ]);
  });

  it('is the alarm topic by default: one topic, as before', () => {
    const construct = rotator(newStack());
    expect(construct.ticketTopic).toBe(construct.alarmTopic);
  });
});
