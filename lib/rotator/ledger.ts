/**
 * The rotation ledger's table: one item per connection (partition key `connectionId`), written by
 * the function after each connection's outcome (lambda/ledger.ts) and read by operators and the
 * operator CLI. Like the Adobe secret, it holds what nothing else can recreate (when each
 * connection was last rotated, what it holds until when, how many runs in a row failed), so it
 * outlives the stack and any replacement, and `test/system/lib/stack.test.ts` pins the whole resource.
 */
import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { LEDGER_KEY } from '../../core/contract.js';

/**
 * The ledger table (construct id `Ledger`): on-demand (a few writes per schedule interval),
 * point-in-time recovery for the 35 days DynamoDB keeps, encrypted with `encryptionKey` when given
 * (else DynamoDB's default, an AWS owned key), retained on stack deletion and replacement, and
 * protected from deletion outside CloudFormation too (`DeletionProtectionEnabled`: Retain only
 * keeps CloudFormation from deleting it). The name is CloudFormation's (output `LedgerTableName`),
 * or `tableName`, which makes a change of the construct's id or nesting a name conflict at deploy
 * instead of an empty ledger (setting or changing it replaces the table; the old one is retained).
 */
export function createLedgerTable(
  scope: Construct,
  encryptionKey: kms.IKey | undefined,
  tableName?: string,
): dynamodb.Table {
  return new dynamodb.Table(scope, 'Ledger', {
    tableName,
    partitionKey: { name: LEDGER_KEY, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    // Adding or changing the key later updates the table in place (UpdateTable), never replaces it.
    ...(encryptionKey ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey } : {}),
    removalPolicy: RemovalPolicy.RETAIN,
    // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.Basics.html
    // (its section on deletion protection).
    deletionProtection: true,
  });
}

/**
 * Let `role` use the ledger exactly as lambda/ledger.ts does: `dynamodb:UpdateItem` on the table
 * (its `ReturnValues: ALL_OLD` needs no read permission), `dynamodb:BatchGetItem` to read, at the
 * start of a run, what it remembers of each connection (the explore form Adobe accepted, when it
 * last tried it) and, on a scheduled run, what an earlier delivery of the same tick already
 * rotated, and with a customer-managed key the two KMS actions DynamoDB performs with the caller's permissions, only
 * through DynamoDB (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html).
 * Not `grantReadWriteData`: it adds PutItem, DeleteItem, Query, Scan, BatchWriteItem and `kms:*` wildcards.
 */
export function grantLedgerWrite(role: iam.IRole, table: dynamodb.ITable): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: 'WriteLedger', actions: ['dynamodb:UpdateItem'], resources: [table.tableArn] }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadLedgerForDuplicateDeliveries',
      actions: ['dynamodb:BatchGetItem'],
      resources: [table.tableArn],
    }),
  );
  if (table.encryptionKey) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptLedger',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [table.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com` } },
      }),
    );
  }
}
