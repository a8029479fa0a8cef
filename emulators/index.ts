/**
 * Start all the emulators, wired together: Flow Service accepts the tokens IMS issued, the I/O
 * Management API manages the client secrets IMS checks, and Secrets Manager verifies signatures
 * against the keys STS issued; and a local DynamoDB (dynalite) for the rotation ledger.
 */
import { startAdobeConsoleEmulator } from './adobe-console.js';
import { startDynamoDbEmulator } from './dynamodb.js';
import { startFlowServiceEmulator } from './flow-service.js';
import { startImsEmulator } from './ims.js';
import { startSecretsManagerEmulator } from './secrets-manager.js';
import { startStsEmulator } from './sts.js';
import type { Emulators } from './types.js';

export * from './types.js';

export const EMULATOR_REGION = 'us-east-1';

export async function startEmulators(): Promise<Emulators> {
  const ims = await startImsEmulator();
  const sts = await startStsEmulator({ region: EMULATOR_REGION });
  // Flow Service explores S3 with the credentials a connection holds: STS knows which are live.
  const flowService = await startFlowServiceEmulator({ ims, sts });
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
    endpointEnv: {
      FLOW_SERVICE_URL: flowService.url,
      ADOBE_IMS_URL: ims.url,
      ADOBE_CONSOLE_API_URL: adobeConsole.url,
      AWS_ENDPOINT_URL_STS: sts.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
      AWS_REGION: EMULATOR_REGION,
    },
    async close() {
      await Promise.all([ims.close(), flowService.close(), adobeConsole.close(), sts.close(), secretsManager.close(), dynamodb.close()]);
    },
  };
}
