/**
 * What some sandbox faults do, played as the person or service behind them would: somebody pastes
 * expired credentials into a connection in the Experience Platform UI (a real GET and PATCH, as
 * Adobe's own client `exc_app`), the client secret is rotated in Developer Console (the new
 * credentials written to a file only the owner may read), the ledger says a connection's
 * credentials expire soon (a real DynamoDB write).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { FlowServiceClient } from '../lambda/flow-service-client.js';
import { DEFAULT_HTTP_POLICY } from '../lambda/http-policy.js';
import { ImsTokenProvider } from '../lambda/ims-client.js';
import { WORLD_LEDGER_TABLE, type World } from './world.js';

/** The Experience Platform UI's client id (Flow Service's `createdClient`/`updatedClient` for edits made there). */
export const UI_CLIENT_ID = 'exc_app';

/**
 * The ledger says what the connection holds expires `seconds` from now (what a connection failing for most of its
 * lifetime shows).
 */
export async function expireLedgerSoon(world: World, connectionId: string, seconds: number): Promise<void> {
  const client = new DynamoDBClient({
    endpoint: world.emulators.dynamodb.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIALOCALDYNALITE000', secretAccessKey: 'local' },
  });
  const now = Date.now();
  try {
    await client.send(
      new UpdateItemCommand({
        TableName: world.env.LEDGER_TABLE_NAME ?? WORLD_LEDGER_TABLE,
        Key: { connectionId: { S: connectionId } },
        UpdateExpression: 'SET sandboxName = :sandbox, lastRotation = :rotation',
        ExpressionAttributeValues: {
          ':sandbox': { S: world.connection(connectionId).sandboxName },
          ':rotation': {
            M: {
              at: { S: new Date(now - 3000_000).toISOString() },
              expiresAt: { S: new Date(now + seconds * 1000).toISOString() },
              etag: { S: world.connection(connectionId).etag ?? '"0"' },
              method: { S: 'assume-role-chained' },
              adobeVerified: { BOOL: true },
            },
          },
        },
      }),
    );
  } finally {
    client.destroy();
  }
}

/**
 * Somebody in the Experience Platform UI replaces the connection's keys with expired ones: GET, then PATCH with
 * If-Match.
 */
export async function pasteExpiredCredentials(world: World, connectionId: string): Promise<void> {
  const { ims, sts } = world.emulators;
  const uiSecret = randomBytes(24).toString('base64url');
  ims.registerClient({ clientId: UI_CLIENT_ID, clientSecret: uiSecret, orgId: world.adobe.orgId });
  const credentials = () =>
    Promise.resolve({
      clientId: UI_CLIENT_ID,
      clientSecret: uiSecret,
      orgId: world.adobe.orgId,
      scopes: 'openid,AdobeID',
    });
  const tokens = new ImsTokenProvider({ imsUrl: ims.url, credentials, policy: DEFAULT_HTTP_POLICY });
  const flowService = new FlowServiceClient({
    baseUrl: world.emulators.flowService.url,
    tokens,
    credentials,
    policy: DEFAULT_HTTP_POLICY,
  });
  const expired = sts.issueRoleSession('arn:aws:iam::123456789012:role/aep-s3-ingest-by-hand', 'pasted-by-hand', -60);
  const { sandboxName } = world.connection(connectionId);
  const { etag } = await flowService.getConnection(connectionId, sandboxName);
  await flowService.patchConnection(connectionId, sandboxName, etag!, [
    { op: 'replace', path: '/auth/params/s3AccessKey', value: expired.accessKeyId },
    { op: 'replace', path: '/auth/params/s3SecretKey', value: expired.secretAccessKey },
    {
      op: world.connection(connectionId).params.s3SessionToken ? 'replace' : 'add',
      path: '/auth/params/s3SessionToken',
      value: expired.sessionToken!,
    },
  ]);
}

/** Where `ims-401` writes the new Adobe credentials. */
export function newCredentialsFile(dir: string): string {
  return join(dir, 'new-adobe-credentials.json');
}

/** The client secret rotated in Developer Console; the new credentials in a file only the owner may read. */
export function rotateClientSecret(world: World, dir: string): string {
  const { clientId, orgId, secretId, consoleOrgId, credentialId } = world.adobe;
  const clientSecret = `p8e-${randomBytes(24).toString('base64url')}`;
  world.emulators.ims.registerClient({ clientId, clientSecret, orgId });
  world.emulators.ims.revokeAllTokens();
  const file = newCredentialsFile(dir);
  // The whole credential, the console ids included, so the secret's own rotation keeps working once it is put.
  writeFileSync(file, `${JSON.stringify({ clientId, clientSecret, orgId, consoleOrgId, credentialId }, null, 2)}\n`, {
    mode: 0o600,
  });
  return (
    'The client secret was rotated in Developer Console: IMS refuses the one in Secrets Manager ' +
    `(401 invalid_client) and the tokens it issued are revoked. The new credentials are in ${file}; ` +
    `put them with: aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string file://${file}`
  );
}
