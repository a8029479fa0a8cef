/**
 * A seeded world for tests, the demo and the benchmark: one Adobe org with S3 base connections in
 * sandboxes, the AWS roles and IAM users behind them, the secrets the function reads, and the
 * environment a deployed function would have (including its own role-session credentials).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { toAdobeSecretRotationEnv } from '../core/adobe-secret-rotation.js';
import {
  DEFAULT_DURATION_SECONDS,
  toFunctionEnv,
  toTargetEntry,
  type FunctionTargetEntry,
  type MintMethod,
} from '../core/contract.js';
import { createAdobeSecretRotationHandler } from '../lambda/adobe-secret-rotation.js';
import type { HttpPolicy } from '../lambda/http-policy.js';
import { startEmulators } from './index.js';
import type { AwsCredentials, Emulators, StoredConnection } from './types.js';

/** How a world connection's credentials are minted: the function's own methods. */
export type WorldMintMethod = MintMethod;

export interface WorldConnectionSpec {
  readonly sandboxName: string;
  /**
   * How the function mints this connection's credentials. `get-federation-token` targets carry
   * `"method": "get-federation-token"` and always a bucket (the connection's, unless `bucketName` says).
   * @default 'assume-role-chained'
   */
  readonly method?: WorldMintMethod;
  /**
   * The bucket the connection reads, put in the target (`bucketName`) so its credentials are narrowed to it.
   * @default - the target names no bucket (the connection itself reads `acme-ingest-<index>`)
   */
  readonly bucketName?: string;
  /**
   * The folder the connection reads, put in the target (`folderPath`) with `bucketName`.
   * @default - none in the target (the connection itself reads `exports/<sandbox>`)
   */
  readonly folderPath?: string;
  /** The account the target says owns its bucket (`bucketAccount`), with `bucketName`. @default none in the target */
  readonly bucketAccount?: string;
  /**
   * The account that really owns the connection's bucket in the emulated S3.
   * @default DEFAULT_BUCKET_OWNER (the world's account)
   */
  readonly bucketOwner?: string;
  /** `false`: the target's entry switches Adobe's check off for this connection alone. @default none in the entry */
  readonly verifyWithAdobe?: false;
  /** @default 3600 */
  readonly durationSeconds?: number;
  readonly externalId?: string;
  /** Seed as another kind of connection (to test refusals). */
  readonly specName?: string;
  readonly connectionSpecId?: string;
  /** @default true: the connection starts with (stale) s3SessionToken */
  readonly withSessionToken?: boolean;
  /** @default 'enabled' */
  readonly state?: string;
  /** When false, Flow Service answers PATCH with `1445-400`. @default true */
  readonly patchEnabled?: boolean;
  readonly name?: string;
  /**
   * The bucket the connection itself declares in its `bucketName` param; `null`: it declares none.
   * @default the target's bucketName, else `acme-ingest-<index>`
   */
  readonly connectionBucketName?: string | null;
  /**
   * The folder the connection itself declares in its `folderPath` param; `null`: none.
   * @default the target's folderPath, else `exports/<sandbox>`
   */
  readonly connectionFolderPath?: string | null;
  /** Keys of objects in the connection's folder (relative to it), for explore to list and preview. @default none */
  readonly objects?: readonly string[];
  /** Encrypt {@link objects} with SSE-KMS under this key. @default SSE-S3 */
  readonly objectsKmsKeyArn?: string;
  /** How Flow Service reads this connection's explore paths. @default 'absolute' */
  readonly explorePaths?: 'absolute' | 'relative';
  /** Which `s3:prefix` Flow Service lists this connection's folder with. @default 'with-slash' */
  readonly listPrefix?: 'with-slash' | 'without-slash';
  /**
   * The permissions of the role its credentials are a session of (JSON policy).
   * @default none modelled: S3 allows what the session policy allows
   */
  readonly rolePermissions?: string;
  /** Dataflows reading the connection (the emulator creates a source connection for each). @default 0 */
  readonly flows?: number;
}

export interface WorldOptions {
  readonly connections: readonly WorldConnectionSpec[];
  /** @default 'aaaabbbbccccdddd0000111122223333@AdobeOrg' */
  readonly orgId?: string;
  /** Give the function a rotation ledger (a table in the local DynamoDB, `LEDGER_TABLE_NAME`). @default true */
  readonly ledger?: boolean;
  /**
   * The Adobe secret's rotation, as a deployed `RotationSchedule` leaves it: rotation on, every this
   * many days, with the rotation function running in this process under its own role; `false`: the
   * secret has no rotation (RotateSecret needs a function ARN). @default 30
   */
  readonly adobeSecretRotationDays?: number | false;
  /** The HTTP policy of the rotation function the world runs. @default the function's own */
  readonly httpPolicy?: HttpPolicy;
}

/** The Developer Console's ids of the world's credential (numeric, as in its page's URL). */
export const WORLD_CONSOLE_ORG_ID = '53444';
export const WORLD_CREDENTIAL_ID = '1122334';
/** The Adobe secret's rotation function, as Secrets Manager names it. */
export const WORLD_ROTATION_FUNCTION_ARN =
  'arn:aws:lambda:us-east-1:123456789012:function:aep-s3-rotator-adobe-secret-rotation';

export interface World {
  readonly emulators: Emulators;
  readonly adobe: {
    readonly clientId: string;
    /** The client secret the world started with (a rotation replaces it: see `secretsManager.currentValue`). */
    readonly clientSecret: string;
    readonly orgId: string;
    readonly secretId: string;
    readonly consoleOrgId: string;
    readonly credentialId: string;
  };
  readonly functionRoleArn: string;
  readonly functionCredentials: AwsCredentials;
  /** The rotation function's role session (it signs its Secrets Manager calls with it). */
  readonly rotationFunctionCredentials: AwsCredentials;
  /** The rotation function's environment (`ADOBE_IMS_URL`, `ADOBE_CONSOLE_API_URL`). */
  readonly rotationEnv: Record<string, string>;
  /** The rotation function's handler as Secrets Manager invokes it here (tests wrap it to pause between steps). */
  readonly rotationHandler: (event: unknown) => Promise<void>;
  /** The `ROTATION_TARGETS` entries, in the order of `options.connections`. */
  readonly targets: FunctionTargetEntry[];
  readonly connectionIds: string[];
  /** The ids of the dataflows reading each connection, in the order of `options.connections`. */
  readonly flowIds: string[][];
  /** Everything the function's environment holds: rotator variables, endpoints and AWS credentials. */
  readonly env: Record<string, string>;
  connection(id: string): StoredConnection;
  /**
   * `GetCallerIdentity` signed with the credentials a connection holds now (the proof that they
   * are one working set); returns the ARN STS answers, or throws the SDK's error.
   */
  callerIdentityOf(connectionId: string): Promise<string>;
  /** Every secret value the emulators issued or hold, to search captured output for. */
  secretValues(): string[];
  /** Set `env` on process.env (the AWS SDK reads it there); returns a function that restores it. */
  applyEnv(extra?: Record<string, string | undefined>): () => void;
  close(): Promise<void>;
}

const ACCOUNT_ID = '123456789012';
/** The ledger table a world's function writes (in the world's own dynalite). */
export const WORLD_LEDGER_TABLE = 'aep-s3-rotator-ledger';

export async function startWorld(options: WorldOptions): Promise<World> {
  const emulators = await startEmulators();
  const { ims, flowService, sts, secretsManager } = emulators;
  const orgId = options.orgId ?? 'AAAABBBBCCCCDDDD0000111122223333@AdobeOrg';

  const clientId = `rotator-${randomBytes(6).toString('hex')}`;
  const clientSecret = `p8e-${randomBytes(24).toString('base64url')}`;
  // The project has the I/O Management API added, so the credential may rotate its own secret.
  ims.registerClient({ clientId, clientSecret, orgId, ioManagementApi: true });
  emulators.adobeConsole.registerCredential({
    consoleOrgId: WORLD_CONSOLE_ORG_ID,
    credentialId: WORLD_CREDENTIAL_ID,
    clientId,
  });
  const adobeSecretId = secretsManager.putSecret(
    'aep-s3-rotator/adobe-credentials',
    JSON.stringify({
      clientId,
      clientSecret,
      orgId,
      consoleOrgId: WORLD_CONSOLE_ORG_ID,
      credentialId: WORLD_CREDENTIAL_ID,
    }),
  );
  const ledgerTableName = options.ledger === false ? undefined : WORLD_LEDGER_TABLE;
  if (ledgerTableName) await emulators.dynamodb.createLedgerTable(ledgerTableName);

  const functionRoleArn = `arn:aws:iam::${ACCOUNT_ID}:role/aep-s3-rotator-function`;
  const functionCredentials = sts.issueRoleSession(functionRoleArn, 'aep-s3-rotator-function', 12 * 3600);

  // The rotation function: its own role, its own environment, invoked by Secrets Manager per step.
  const rotationFunctionCredentials = sts.issueRoleSession(
    `arn:aws:iam::${ACCOUNT_ID}:role/aep-s3-rotator-adobe-secret-rotation`,
    'rotation',
    12 * 3600,
  );
  const rotationEnv = toAdobeSecretRotationEnv({ imsUrl: ims.url, consoleApiUrl: emulators.adobeConsole.url });
  // Made at its first invocation, as Lambda starts a container: it reads the environment then.
  let rotationContainer: ((event: unknown) => Promise<void>) | undefined;
  const rotationHandler = (event: unknown) => {
    rotationContainer ??= makeRotationHandler();
    return rotationContainer(event);
  };
  const makeRotationHandler = () =>
    createAdobeSecretRotationHandler({
      env: rotationEnv,
      httpPolicy: options.httpPolicy,
      secretsManager: {
        endpoint: secretsManager.url,
        region: emulators.endpointEnv.AWS_REGION,
        credentials: {
          accessKeyId: rotationFunctionCredentials.accessKeyId,
          secretAccessKey: rotationFunctionCredentials.secretAccessKey,
          sessionToken: rotationFunctionCredentials.sessionToken!,
        },
      },
    });
  secretsManager.setRotationInvoker((functionArn, event) =>
    functionArn === WORLD_ROTATION_FUNCTION_ARN
      ? rotationHandler(event)
      : Promise.reject(new Error(`Function not found: ${functionArn}`)),
  );
  const rotationDays = options.adobeSecretRotationDays ?? 30;
  if (rotationDays !== false)
    secretsManager.configureRotation(adobeSecretId, {
      lambdaArn: WORLD_ROTATION_FUNCTION_ARN,
      everyDays: rotationDays,
    });

  const user = sts.createUser('aep-s3-rotator-user', ACCOUNT_ID);
  const userSecretId = secretsManager.putSecret(
    'aep-s3-rotator/iam-user',
    JSON.stringify({ accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey }),
  );

  const targets: FunctionTargetEntry[] = [];
  const connectionIds: string[] = [];
  const flowIds: string[][] = [];
  options.connections.forEach((spec, index) => {
    const method = spec.method ?? 'assume-role-chained';
    const roleArn = `arn:aws:iam::${ACCOUNT_ID}:role/aep-s3-ingest-${index}`;
    const assumesRole = method === 'assume-role-chained' || method === 'assume-role-user-keys';
    const bucketName = spec.bucketName ?? (method === 'get-federation-token' ? `acme-ingest-${index}` : undefined);
    if (assumesRole) {
      sts.createRole({
        roleArn,
        maxSessionDurationSeconds: 43_200,
        trustedPrincipalArns: [method === 'assume-role-chained' ? functionRoleArn : user.arn],
        externalId: spec.externalId,
        ...(spec.rolePermissions ? { permissionsPolicy: spec.rolePermissions } : {}),
      });
    }
    const ownBucket =
      spec.connectionBucketName === undefined ? (bucketName ?? `acme-ingest-${index}`) : spec.connectionBucketName;
    const ownFolder =
      spec.connectionFolderPath === undefined
        ? (spec.folderPath ?? `exports/${spec.sandboxName}`)
        : spec.connectionFolderPath;
    // The connection starts with credentials from an earlier (now stale) rotation.
    const initial = sts.issueRoleSession(`arn:aws:iam::${ACCOUNT_ID}:role/previous-rotation`, 'initial', 900);
    const id = randomUUID();
    flowService.seedConnection({
      id,
      orgId,
      sandboxName: spec.sandboxName,
      name: spec.name ?? `S3 ingest ${index + 1}`,
      specName: spec.specName,
      connectionSpecId: spec.connectionSpecId,
      state: spec.state,
      patchEnabled: spec.patchEnabled,
      explorePaths: spec.explorePaths,
      listPrefix: spec.listPrefix,
      params:
        spec.specName === 'IAMRole Based'
          ? { bucketName: `acme-ingest-${index}`, roleArn }
          : {
              s3AccessKey: initial.accessKeyId,
              s3SecretKey: initial.secretAccessKey,
              ...(spec.withSessionToken === false ? {} : { s3SessionToken: initial.sessionToken! }),
              ...(ownBucket ? { bucketName: ownBucket } : {}),
              ...(ownBucket && ownFolder ? { folderPath: ownFolder } : {}),
            },
    });
    if (spec.objects?.length) {
      const bucket = ownBucket ?? bucketName ?? `acme-ingest-${index}`;
      const prefix = ownBucket && ownFolder ? `${ownFolder.replace(/^\/+|\/+$/g, '')}/` : '';
      flowService.putObjects(
        bucket,
        spec.objects.map((key) => `${prefix}${key}`),
        spec.objectsKmsKeyArn ? { kmsKeyArn: spec.objectsKmsKeyArn } : {},
      );
    }
    flowIds.push(
      Array.from({ length: spec.flows ?? 0 }, (_, flow) =>
        flowService.seedFlow({
          baseConnectionId: id,
          name: `${spec.name ?? `S3 ingest ${index + 1}`} flow ${flow + 1}`,
        }),
      ),
    );
    connectionIds.push(id);
    targets.push(
      toTargetEntry({
        connectionId: id,
        sandboxName: spec.sandboxName,
        method,
        ...(assumesRole ? { roleArn } : {}),
        externalId: spec.externalId,
        ...(method !== 'assume-role-chained' ? { userCredentialsSecretId: userSecretId } : {}),
        durationSeconds: spec.durationSeconds ?? DEFAULT_DURATION_SECONDS,
        bucketName,
        ...(bucketName ? { folderPath: spec.folderPath, bucketAccount: spec.bucketAccount } : {}),
        ...(spec.verifyWithAdobe === false ? { verifyWithAdobe: false } : {}),
      }),
    );
    if (spec.bucketOwner) flowService.setBucketOwner(bucketName ?? `acme-ingest-${index}`, spec.bucketOwner);
  });

  const env: Record<string, string> = {
    ...emulators.endpointEnv,
    ...toFunctionEnv({
      adobeCredentialsSecretId: adobeSecretId,
      targets,
      ...(ledgerTableName ? { ledgerTableName } : {}),
    }),
    AWS_ACCESS_KEY_ID: functionCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: functionCredentials.secretAccessKey,
    AWS_SESSION_TOKEN: functionCredentials.sessionToken!,
  };

  return {
    emulators,
    adobe: {
      clientId,
      clientSecret,
      orgId,
      secretId: adobeSecretId,
      consoleOrgId: WORLD_CONSOLE_ORG_ID,
      credentialId: WORLD_CREDENTIAL_ID,
    },
    functionRoleArn,
    functionCredentials,
    rotationFunctionCredentials,
    rotationEnv,
    rotationHandler,
    targets,
    connectionIds,
    flowIds,
    env,
    connection(id) {
      const connection = flowService.getConnection(id);
      if (!connection) throw new Error(`no connection ${id} in the emulator`);
      return connection;
    },
    async callerIdentityOf(connectionId) {
      const params = flowService.getConnection(connectionId)?.params;
      if (!params) throw new Error(`no connection ${connectionId} in the emulator`);
      const client = new STSClient({
        region: emulators.endpointEnv.AWS_REGION,
        endpoint: sts.url,
        maxAttempts: 1,
        credentials: {
          accessKeyId: params.s3AccessKey ?? '',
          secretAccessKey: params.s3SecretKey ?? '',
          sessionToken: params.s3SessionToken,
        },
      });
      try {
        return (await client.send(new GetCallerIdentityCommand({}))).Arn ?? '';
      } finally {
        client.destroy();
      }
    },
    secretValues() {
      // Every Adobe client secret IMS ever knew: the first, and each one a rotation added.
      const values = new Set<string>([clientSecret, ...ims.issuedClientSecrets, user.secretAccessKey]);
      for (const token of ims.issuedTokens) values.add(token.accessToken);
      for (const credentials of sts.issuedCredentials) {
        values.add(credentials.secretAccessKey);
        if (credentials.sessionToken) values.add(credentials.sessionToken);
      }
      for (const connection of flowService.listConnections()) {
        for (const key of ['s3SecretKey', 's3SessionToken'])
          if (connection.params[key]) values.add(connection.params[key]);
      }
      return [...values];
    },
    applyEnv(extra = {}) {
      const merged = { ...env, ...extra };
      const saved = new Map(Object.keys(merged).map((key) => [key, process.env[key]]));
      for (const [key, value] of Object.entries(merged)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      return () => {
        for (const [key, value] of saved) {
          if (value === undefined) delete process.env[key];
          else process.env[key] = value;
        }
      };
    },
    close: () => emulators.close(),
  };
}
