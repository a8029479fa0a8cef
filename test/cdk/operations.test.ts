/**
 * What the 3 a.m. operator works with (issue 14): the rotation ledger's table and the one grant
 * the function has on it.
 */
import { Stack, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEDGER_KEY } from '../../lambda/contract.js';
import { parseRotatorConfig } from '../../lib/config.js';
import { rawSampleConfig, removeTestOutdirs, synthRotatorStack, type Synthesized } from './support.js';

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const LEDGER_LOGICAL_ID = 'RotatorLedger57A32117';

let sample: Synthesized;

beforeAll(() => {
  sample = synthRotatorStack();
});

afterAll(removeTestOutdirs);

function id(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
}
const refOf = (construct: IConstruct) => ({ Ref: id(construct) });
const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [id(construct), 'Arn'] });

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Every statement of the function role's policy. */
function functionStatements({ template, stack }: Synthesized): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [refOf(stack.rotator.functionRole)] } }));
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
        // No SSESpecification: DynamoDB's default encryption, with an AWS owned key.
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    sample.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    expect(id(sample.stack.rotator.ledgerTable)).toBe(LEDGER_LOGICAL_ID);
  });

  it('is keyed by what the function writes with (lambda/contract.ts LEDGER_KEY)', () => {
    const { Properties } = sample.template.toJSON().Resources[LEDGER_LOGICAL_ID];
    expect(Properties.KeySchema).toEqual([{ AttributeName: LEDGER_KEY, KeyType: 'HASH' }]);
    expect(Properties.AttributeDefinitions).toEqual([{ AttributeName: LEDGER_KEY, AttributeType: 'S' }]);
  });

  it('is named to the function in LEDGER_TABLE_NAME', () => {
    sample.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { LEDGER_TABLE_NAME: refOf(sample.stack.rotator.ledgerTable) } },
    });
  });

  it('may only be updated by the function: UpdateItem on exactly that table, and no KMS permission without a key', () => {
    expect(ledgerStatements(sample)).toEqual([{ Sid: 'WriteLedger', Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: arnOf(sample.stack.rotator.ledgerTable) }]);
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
        { Sid: 'WriteLedger', Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: arnOf(keyed.stack.rotator.ledgerTable) },
        {
          Sid: 'EncryptLedger',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: KEY,
          Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
        },
      ]);
    });
  });
});
