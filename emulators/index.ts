/**
 * Start all the emulators, wired together: Flow Service accepts the tokens IMS issued, the I/O
 * Management API manages the client secrets IMS checks, and Secrets Manager verifies signatures
 * against the keys STS issued; IAM holds the roles' inline policies (`revoke`'s); and a local
 * DynamoDB (dynalite) for the rotation ledger.
 */
import { startAdobeConsoleEmulator } from './adobe-console.js';
import { startDynamoDbEmulator } from './dynamodb.js';
import { startFlowServiceEmulator } from './flow-service.js';
import { startIamEmulator } from './iam.js';
import { startImsEmulator } from './ims.js';
import { startSecretsManagerEmulator } from './secrets-manager.js';
import { startStsEmulator } from './sts.js';
import type { Emulators } from './types.js';

export * from './types.js';

export const EMULATOR_REGION = 'us-east-1';

export async function startEmulators(): Promise<Emulators> {
  const ims = await startImsEmulator();
  const sts = await startStsEmulator({ region: EMULATOR_REGION });
  const iam = await startIamEmulator({ sts });
  // Flow Service explores S3 with the credentials a connection holds: STS knows which are live,
  // and IAM whether a role policy has since revoked the session.
  const sessionDenied = (accessKeyId: string) => {
    const session = sts.sessionOf(accessKeyId);
    return Boolean(session?.roleArn && iam.deniesSession(session.roleArn, session.issuedAt));
  };
  const flowService = await startFlowServiceEmulator({
    ims,
    sts: {
      credentialsFor: (id) => sts.credentialsFor(id),
      now: () => sts.now(),
      policyOf: (id) => sts.policyOf(id),
      identityPolicyOf: (id) => sts.identityPolicyOf(id),
      sessionDenied,
    },
  });
  const adobeConsole = await startAdobeConsoleEmulator({ ims });
  const secretsManager = await startSecretsManagerEmulator({ sts, region: EMULATOR_REGION });
  const dynamodb = await startDynamoDbEmulator({ region: EMULATOR_REGION });
  return {
    ims,
    flowService,
    adobeConsole,
    sts,
    secretsManager,
    dynamodb,
    iam,
    endpointEnv: {
      FLOW_SERVICE_URL: flowService.url,
      ADOBE_IMS_URL: ims.url,
      ADOBE_CONSOLE_API_URL: adobeConsole.url,
      AWS_ENDPOINT_URL_STS: sts.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
      AWS_ENDPOINT_URL_IAM: iam.url,
      AWS_REGION: EMULATOR_REGION,
    },
    async close() {
      await Promise.all([
        ims.close(),
        flowService.close(),
        adobeConsole.close(),
        sts.close(),
        secretsManager.close(),
        dynamodb.close(),
        iam.close(),
      ]);
    },
  };
}
