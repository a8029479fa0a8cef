/**
 * What the 3 a.m. operator works with (issue 14): the rotation ledger's table and the one grant
 * the function has on it, a rotator deployed paused (`enabled: false`), and the stack outputs the
 * runbook's commands and the operator CLI read names from.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEDGER_KEY } from '../../../core/contract.js';
import { ConfigValidationError, parseRotatorConfig } from '../../../lib/config/config.js';
import { OUTPUT } from '../../../lib/rotator-stack.js';
import { S3CredentialRotator } from '../../../lib/s3-credential-rotator.js';
import {
  logicalIdOf,
  rawSampleConfig,
  removeTestOutdirs,
  type Synthesized,
  synthRotatorStack,
  testOutdir,
} from '../../support/index.js';

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const LEDGER_LOGICAL_ID = 'RotatorLedger57A32117';

let sample: Synthesized;

beforeAll(() => {
  sample = synthRotatorStack();
});

afterAll(removeTestOutdirs);

const id = logicalIdOf;
const refOf = (construct: IConstruct) => ({ Ref: id(construct) });
const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [id(construct), 'Arn'] });

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Every statement of the function role's policy. */
function functionStatements({ template, stack }: Synthesized): Statement[] {
  const policies = Object.values(
    template.findResources('AWS::IAM::Policy', { Properties: { Roles: [refOf(stack.rotator.functionRole)] } }),
  );
  expect(policies).toHaveLength(1);
  return policies[0]!.Properties.PolicyDocument.Statement as Statement[];
}

/** The statements that mention DynamoDB: by action, or by a KMS condition naming it. */
function ledgerStatements(synthesized: Synthesized): Statement[] {
  return functionStatements(synthesized).filter((statement) => JSON.stringify(statement).includes('dynamodb'));
}

describe('rotation ledger', () => {
  it('is retained on stack deletion and on replacement, and never changes by accident', () => {
    // What the ledger remembers cannot be recreated, and a replacement (a new key schema, a fixed
    // name) would start an empty table: change this only on purpose.
    const { Metadata: _metadata, ...table } = sample.template.toJSON().Resources[LEDGER_LOGICAL_ID];
    expect(table).toEqual({
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        // One item per connection: partition key LEDGER_KEY, no sort key.
        KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'connectionId', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        // Retain protects it from CloudFormation only; this, from a DeleteTable of anyone (an update in place).
        DeletionProtectionEnabled: true,
        // No SSESpecification: DynamoDB's default encryption, with an AWS owned key.
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    sample.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    expect(id(sample.stack.rotator.ledgerTable)).toBe(LEDGER_LOGICAL_ID);
  });

  it('is keyed by what the function writes with (core/contract.ts LEDGER_KEY)', () => {
    const { Properties } = sample.template.toJSON().Resources[LEDGER_LOGICAL_ID];
    expect(Properties.KeySchema).toEqual([{ AttributeName: LEDGER_KEY, KeyType: 'HASH' }]);
    expect(Properties.AttributeDefinitions).toEqual([{ AttributeName: LEDGER_KEY, AttributeType: 'S' }]);
  });

  it('is named to the function in LEDGER_TABLE_NAME', () => {
    sample.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { LEDGER_TABLE_NAME: refOf(sample.stack.rotator.ledgerTable) } },
    });
  });

  /** The function's two statements on the ledger: it writes it, and reads it only to find what a tick rotated. */
  const ledgerGrants = ({ stack }: Synthesized) => [
    {
      Sid: 'WriteLedger',
      Effect: 'Allow',
      Action: 'dynamodb:UpdateItem',
      Resource: arnOf(stack.rotator.ledgerTable),
    },
    {
      Sid: 'ReadLedgerForDuplicateDeliveries',
      Effect: 'Allow',
      Action: 'dynamodb:BatchGetItem',
      Resource: arnOf(stack.rotator.ledgerTable),
    },
  ];

  it("is the function's: UpdateItem and BatchGetItem (what a tick rotated) on that table, no KMS without a key", () => {
    expect(ledgerStatements(sample)).toEqual(ledgerGrants(sample));
  });

  describe('with encryptionKeyArn in cdk.json', () => {
    let keyed: Synthesized;

    beforeAll(() => {
      const raw = rawSampleConfig();
      Object.assign(raw, { account: '123456789012', region: 'eu-west-1', encryptionKeyArn: KEY });
      keyed = synthRotatorStack({ config: parseRotatorConfig(raw) });
    });

    it('is encrypted with the customer-managed key, under the same logical id, still retained', () => {
      const table = keyed.template.toJSON().Resources[LEDGER_LOGICAL_ID];
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: KEY });
      expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    it('lets the function use the key for the ledger only through DynamoDB, with the two actions it needs', () => {
      expect(ledgerStatements(keyed)).toEqual([
        ...ledgerGrants(keyed),
        {
          Sid: 'EncryptLedger',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: KEY,
          Condition: {
            StringEquals: {
              'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
            },
          },
        },
      ]);
    });
  });
});

describe('paused: enabled false', () => {
  it('is a boolean in cdk.json, true unless set', () => {
    expect(parseRotatorConfig(rawSampleConfig()).enabled).toBe(true);
    expect(parseRotatorConfig({ ...rawSampleConfig(), enabled: false }).enabled).toBe(false);
  });

  it('fails when enabled is not a boolean, naming the field and showing the value', () => {
    const parse = () => parseRotatorConfig({ ...rawSampleConfig(), enabled: 'false' });

    expect(parse).toThrow(ConfigValidationError);
    expect(parse).toThrow(
      'enabled: must be true (run on the schedule) or false (deploy paused: schedule disabled, alarms silent); ' +
        'got "false" (did you mean false, without quotes?)',
    );
  });

  describe('from cdk.json', () => {
    let paused: Synthesized;

    beforeAll(() => {
      paused = synthRotatorStack({ config: parseRotatorConfig({ ...rawSampleConfig(), enabled: false }) });
    });

    it('keeps the schedule, disabled', () => {
      paused.template.resourceCountIs('AWS::Scheduler::Schedule', 1);
      paused.template.hasResourceProperties('AWS::Scheduler::Schedule', {
        State: 'DISABLED',
        ScheduleExpression: 'rate(15 minutes)',
      });
    });

    it('keeps every alarm, with its actions disabled: a paused rotator pages no one', () => {
      // The Adobe secret's rotation is Secrets Manager's and does not pause: its alarm still pages.
      const rotationAlarm = id(paused.stack.rotator.adobeSecretRotationFailedAlarm!);
      const alarms = Object.entries(paused.template.findResources('AWS::CloudWatch::Alarm')).filter(
        ([logicalId]) => logicalId !== rotationAlarm,
      );
      expect(alarms).toHaveLength(10);
      expect(paused.template.toJSON().Resources[rotationAlarm].Properties).not.toHaveProperty('ActionsEnabled');
      for (const [logicalId, alarm] of alarms) {
        expect(alarm.Properties, logicalId).toMatchObject({
          ActionsEnabled: false,
          AlarmActions: [refOf(paused.stack.rotator.alarmTopic)],
        });
      }
    });

    it('changes nothing else: the same resources, and only the schedule and the alarms differ', () => {
      const before = sample.template.toJSON().Resources as Record<string, unknown>;
      const after = paused.template.toJSON().Resources as Record<string, unknown>;

      expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
      const changed = Object.keys(before).filter(
        (logicalId) => JSON.stringify(before[logicalId]) !== JSON.stringify(after[logicalId]),
      );
      expect(changed.sort()).toEqual(
        [id(sample.stack.rotator.schedule), ...sample.stack.rotator.alarms.map(id)].sort(),
      );
    });

    it('runs again when enabled is back to true: the schedule enabled, no ActionsEnabled property at all', () => {
      sample.template.hasResourceProperties('AWS::Scheduler::Schedule', { State: 'ENABLED' });
      for (const alarm of Object.values(sample.template.findResources('AWS::CloudWatch::Alarm')))
        expect(alarm.Properties).not.toHaveProperty('ActionsEnabled');
    });
  });

  it('pauses the construct the same way through its enabled prop, and runs it by default', () => {
    const build = (enabled?: boolean) => {
      const stack = new Stack(new App({ outdir: testOutdir(), context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');
      new S3CredentialRotator(stack, 'Rotator', {
        targets: [
          {
            connectionId: '4cb0c374-d3bb-4557-b139-5712880adc55',
            sandboxName: 'prod',
            roleArn: 'arn:aws:iam::123456789012:role/aep-reader',
            bucketName: 'acme-web',
          },
        ],
        ...(enabled === undefined ? {} : { enabled }),
      });
      return Template.fromStack(stack);
    };
    const states = (template: Template) => ({
      schedule: Object.values(template.findResources('AWS::Scheduler::Schedule')).map(
        (schedule) => schedule.Properties.State,
      ),
      actions: [
        ...new Set(
          Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
            (alarm) => alarm.Properties.ActionsEnabled,
          ),
        ),
      ],
    });

    expect(states(build(false))).toEqual({ schedule: ['DISABLED'], actions: [false] });
    expect(states(build(true))).toEqual({ schedule: ['ENABLED'], actions: [undefined] });
    expect(states(build())).toEqual({ schedule: ['ENABLED'], actions: [undefined] });
  });
});

describe('operator outputs', () => {
  it('name what the runbook commands and the operator CLI look up, each saying what to do with it', () => {
    const { rotator } = sample.stack;
    const outputs = sample.template.toJSON().Outputs as Record<string, { Description: string; Value: unknown }>;
    const expected: Record<string, [unknown, RegExp]> = {
      LogGroupName: [refOf(rotator.logGroup), /^The function's log group: aws logs tail <this> --since 1h/],
      ScheduleDeadLetterQueueUrl: [
        refOf(rotator.scheduleDeadLetterQueue),
        /aws sqs receive-message --queue-url <this> --attribute-names All; purge once fixed/,
      ],
      FailureDeadLetterQueueUrl: [
        refOf(rotator.failureDeadLetterQueue),
        /aws sqs receive-message --queue-url <this> --attribute-names All; purge once rotated/,
      ],
      ScheduleName: [
        refOf(rotator.schedule),
        /aws scheduler get-schedule --group-name <ScheduleGroupName> --name <this>/,
      ],
      // The group's name is generated at synth (ScheduleGroup's own physical name).
      ScheduleGroupName: [
        sample.stack.resolve(rotator.scheduleGroup.scheduleGroupName),
        /pass it as --group-name with ScheduleName/,
      ],
      LedgerTableName: [refOf(rotator.ledgerTable), /aws dynamodb get-item --table-name <this> --key/],
      // Comma-separated, in the order of `alarms`, for the CLI to split.
      AlarmNames: [
        { 'Fn::Join': [',', rotator.alarms.map(refOf)] },
        /disable-alarm-actions \/ enable-alarm-actions --alarm-names/,
      ],
    };
    for (const [key, [value, description]] of Object.entries(expected)) {
      expect(outputs[key], key).toEqual({ Description: expect.stringMatching(description), Value: value });
    }
  });

  it('are every output there is, each under its OUTPUT name (the per-role ones aside)', () => {
    const keys = Object.keys(sample.template.toJSON().Outputs as object);

    expect(keys.filter((key) => !/^SourceRoleArn\d+$/.test(key)).sort()).toEqual(Object.values(OUTPUT).sort());
    expect(keys.filter((key) => /^SourceRoleArn\d+$/.test(key))).toEqual(['SourceRoleArn0']);
  });
});
