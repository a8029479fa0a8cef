/**
 * The Adobe secret's rotation in a deployed stack's stand-ins (`adobeSecretRotation`): the rotation
 * function in Lambda under its own role, Secrets Manager's rotation of the secret invoking it
 * through Lambda (signed as its service, one synchronous invocation per step), and CloudWatch Logs
 * holding each invocation's log in the function's log group, as Lambda writes it.
 */
import { randomUUID } from 'node:crypto';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { createAdobeSecretRotationHandler } from '../lambda/adobe-secret-rotation.js';
import type { HttpPolicy } from '../lambda/http-policy.js';
import type { CloudWatchLogsEmulator } from './cloudwatch-logs.js';
import {
  ACCOUNT_ID,
  ROTATION_EVERY_DAYS,
  ROTATION_FUNCTION_NAME,
  ROTATION_LOG_GROUP_NAME,
} from './deployed-stack-names.js';
import { EMULATOR_REGION } from './index.js';
import type { LambdaHandler, LambdaInvokeEmulator } from './lambda-invoke.js';
import type { World } from './world.js';

/** Lambda's stream names: the date, the version, one id per execution environment. */
const logStreamName = () =>
  `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomUUID().replaceAll('-', '')}`;

/**
 * Register the rotation function, its log group, and Secrets Manager's rotation of the world's
 * Adobe secret with it. Returns what stops the invoker's client.
 */
export function deployAdobeSecretRotation(
  world: World,
  standIns: { readonly lambda: LambdaInvokeEmulator; readonly cloudWatchLogs: CloudWatchLogsEmulator },
  options: { readonly httpPolicy?: HttpPolicy } = {},
): { destroy(): void } {
  const { lambda, cloudWatchLogs } = standIns;
  const rotationFunctionArn = lambda.registerFunction(
    ROTATION_FUNCTION_NAME,
    createAdobeSecretRotationHandler({
      env: world.rotationEnv,
      httpPolicy: options.httpPolicy,
      secretsManager: {
        endpoint: world.emulators.secretsManager.url,
        region: EMULATOR_REGION,
        credentials: {
          accessKeyId: world.rotationFunctionCredentials.accessKeyId,
          secretAccessKey: world.rotationFunctionCredentials.secretAccessKey,
          sessionToken: world.rotationFunctionCredentials.sessionToken!,
        },
      },
    }) as LambdaHandler,
  );
  cloudWatchLogs.createLogGroup(ROTATION_LOG_GROUP_NAME);
  const secretsManagerCredentials = world.emulators.sts.issueRoleSession(
    `arn:aws:iam::${ACCOUNT_ID}:role/aws-service-role/secretsmanager`,
    'secretsmanager',
    12 * 3600,
  );
  const rotationInvoker = new LambdaClient({
    region: EMULATOR_REGION,
    endpoint: lambda.url,
    maxAttempts: 1,
    credentials: {
      accessKeyId: secretsManagerCredentials.accessKeyId,
      secretAccessKey: secretsManagerCredentials.secretAccessKey,
      sessionToken: secretsManagerCredentials.sessionToken!,
    },
  });
  world.emulators.secretsManager.setRotationInvoker(async (functionArn, event) => {
    const before = lambda.invocations.length;
    const response = await rotationInvoker.send(
      new InvokeCommand({
        FunctionName: functionArn,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    const invocation = lambda.invocations.slice(before).find((entry) => entry.functionName === ROTATION_FUNCTION_NAME);
    if (invocation) {
      cloudWatchLogs.putLogEvents(ROTATION_LOG_GROUP_NAME, logStreamName(), invocation.log.split('\n').filter(Boolean));
    }
    if (response.FunctionError) {
      const payload = JSON.parse(new TextDecoder().decode(response.Payload)) as { errorMessage?: string };
      throw new Error(payload.errorMessage ?? 'the rotation function failed');
    }
  });
  world.emulators.secretsManager.configureRotation(world.adobe.secretId, {
    lambdaArn: rotationFunctionArn,
    everyDays: ROTATION_EVERY_DAYS,
  });
  return { destroy: () => rotationInvoker.destroy() };
}
