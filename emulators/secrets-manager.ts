/**
 * AWS Secrets Manager emulator over the JSON 1.1 protocol (`POST /`, `X-Amz-Target:
 * secretsmanager.<Action>`), SigV4-verified against the keys the STS emulator issued, so a function
 * whose credentials expired or were revoked cannot read secrets.
 *
 * Secrets have versions and staging labels (secrets-manager-versions.ts): `GetSecretValue` by
 * label or version, `PutSecretValue`, `DescribeSecret`, `UpdateSecretVersionStage`, and
 * `RotateSecret`, which makes the token's version, answers at once and then invokes the rotation
 * function once per step, as Secrets Manager does (secrets-manager-rotation.ts). `GetResourcePolicy`,
 * `PutResourcePolicy` and `DeleteResourcePolicy` keep a secret's resource policy. A deferred rotation
 * (`RotateImmediately: false`) only stores the configuration: AWS's test of it is not emulated.
 *
 * API reference: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html,
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda.html
 */
import { randomInt } from 'node:crypto';
import { optionalString, startJsonEmulator, type JsonInput } from './json-protocol.js';
import { Rotations } from './secrets-manager-rotation.js';
import {
  AWSCURRENT,
  newSecret,
  nextRotationDate,
  putValue,
  readValue,
  SecretsManagerFailure,
  updateStage,
  versionIdsToStages,
  versionWithStage,
  type StoredSecret,
} from './secrets-manager-versions.js';
import type { SecretsManagerEmulator, SignedServiceOptions } from './types.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ACTIONS = [
  'GetSecretValue',
  'PutSecretValue',
  'DescribeSecret',
  'UpdateSecretVersionStage',
  'RotateSecret',
  'GetResourcePolicy',
  'PutResourcePolicy',
  'DeleteResourcePolicy',
] as const;
type Action = (typeof ACTIONS)[number];

/** AWS sends dates as epoch seconds with a fraction (milliseconds). */
const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

/**
 * A resource policy as PutResourcePolicy takes it: JSON text of an object with a `Statement`
 * (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutResourcePolicy.html).
 */
function resourcePolicy(input: JsonInput): string {
  const policy = input.ResourcePolicy;
  if (typeof policy !== 'string' || policy.length < 1 || policy.length > 20_480) {
    throw new SecretsManagerFailure(
      'InvalidParameterException',
      'ResourcePolicy must be a JSON policy document of 1 to 20480 characters.',
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(policy);
  } catch {
    throw new SecretsManagerFailure(
      'MalformedPolicyDocumentException',
      'This resource policy contains a syntax error.',
    );
  }
  if (typeof document !== 'object' || document === null || !('Statement' in document)) {
    throw new SecretsManagerFailure(
      'MalformedPolicyDocumentException',
      'This resource policy contains an unsupported or missing element: Statement.',
    );
  }
  return policy;
}

/**
 * Start a Secrets Manager emulator on 127.0.0.1 that accepts requests signed with credentials
 * `options.sts` knows (and honours its clock for their expiry).
 *
 * @param options.region - region of secret ARNs and of the signature scope. @default 'us-east-1'
 * @param options.accountId - account of secret ARNs. @default '123456789012'
 */
export async function startSecretsManagerEmulator(options: SignedServiceOptions): Promise<SecretsManagerEmulator> {
  const { sts } = options;
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const secrets = new Map<string, StoredSecret>(); // by name
  // Credential expiry follows the STS emulator's clock, so setClock() affects both services.
  const now = () => sts.now();
  const rotations = new Rotations(now);

  function findSecret(secretId: string): StoredSecret | undefined {
    if (!secretId.startsWith('arn:')) return secrets.get(secretId);
    // A full ARN, or a partial one without the random 6-character suffix (AWS accepts both).
    return [...secrets.values()].find((secret) => secret.arn === secretId || secret.arn.slice(0, -7) === secretId);
  }

  function perform(action: Action, secret: StoredSecret, input: JsonInput): Record<string, unknown> {
    switch (action) {
      case 'GetSecretValue': {
        const version = readValue(secret, {
          versionId: optionalString(input, 'VersionId'),
          stage: optionalString(input, 'VersionStage'),
        });
        secret.lastAccessedDate = now();
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: version.id,
          SecretString: version.value,
          VersionStages: [...version.stages],
          CreatedDate: seconds(version.createdDate),
        };
      }
      case 'PutSecretValue': {
        if (typeof input.SecretString !== 'string')
          throw new SecretsManagerFailure(
            'InvalidRequestException',
            'You must provide either SecretString or SecretBinary.',
          );
        const stages = Array.isArray(input.VersionStages) ? input.VersionStages.map(String) : undefined;
        const version = putValue(secret, {
          token: optionalString(input, 'ClientRequestToken'),
          value: input.SecretString,
          stages,
          now: now(),
        });
        return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages] };
      }
      case 'UpdateSecretVersionStage': {
        const stage = optionalString(input, 'VersionStage');
        if (!stage) throw new SecretsManagerFailure('InvalidParameterException', 'VersionStage is required.');
        updateStage(
          secret,
          {
            stage,
            moveTo: optionalString(input, 'MoveToVersionId'),
            removeFrom: optionalString(input, 'RemoveFromVersionId'),
          },
          now(),
        );
        return { ARN: secret.arn, Name: secret.name };
      }
      case 'DescribeSecret':
        return {
          ARN: secret.arn,
          Name: secret.name,
          CreatedDate: seconds(secret.createdDate),
          LastChangedDate: seconds(secret.lastChangedDate),
          LastAccessedDate: seconds(secret.lastAccessedDate),
          ...(secret.rotation
            ? {
                RotationEnabled: secret.rotationEnabled,
                RotationLambdaARN: secret.rotation.lambdaArn,
                RotationRules:
                  secret.rotation.scheduleExpression !== undefined
                    ? { ScheduleExpression: secret.rotation.scheduleExpression }
                    : { AutomaticallyAfterDays: secret.rotation.everyDays },
                LastRotatedDate: seconds(secret.lastRotatedDate),
                NextRotationDate: seconds(nextRotationDate(secret)),
              }
            : { RotationEnabled: false }),
          VersionIdsToStages: versionIdsToStages(secret),
        };
      case 'RotateSecret':
        return rotations.rotateSecret(secret, input);
      case 'GetResourcePolicy':
        // A secret without a policy is answered without the field, as AWS does.
        return {
          ARN: secret.arn,
          Name: secret.name,
          ...(secret.resourcePolicy === undefined ? {} : { ResourcePolicy: secret.resourcePolicy }),
        };
      case 'PutResourcePolicy':
        secret.resourcePolicy = resourcePolicy(input);
        return { ARN: secret.arn, Name: secret.name };
      case 'DeleteResourcePolicy':
        secret.resourcePolicy = undefined;
        return { ARN: secret.arn, Name: secret.name };
    }
  }

  const server = await startJsonEmulator(
    {
      service: 'secretsmanager',
      targetPrefix: 'secretsmanager.',
      actions: ACTIONS,
      sts,
      region,
      port: options.port,
      // Secrets Manager words this one failure its own way.
      authMessages: { MissingAuthenticationToken: 'Missing Authentication Token' },
    },
    ({ action, input, ok, error }) => {
      if (typeof input.SecretId !== 'string' || input.SecretId === '') {
        return error(
          'ValidationException',
          "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: " +
            'Member must not be null',
        );
      }
      const secret = findSecret(input.SecretId);
      if (!secret) return error('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      try {
        return ok(perform(action as Action, secret, input));
      } catch (failure) {
        if (failure instanceof SecretsManagerFailure) return error(failure.type, failure.message);
        throw failure;
      }
    },
  );

  return {
    ...server,
    rotations: rotations.records,
    putSecret(name, secretString) {
      const existing = secrets.get(name);
      if (existing) {
        // A new value is a new version under the same ARN, as PutSecretValue makes.
        putValue(existing, { value: secretString, now: now() });
        return existing.arn;
      }
      const suffix = Array.from({ length: 6 }, () => ALNUM[randomInt(ALNUM.length)]).join('');
      const arn = `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${suffix}`;
      secrets.set(name, newSecret(arn, name, secretString, Date.now()));
      return arn;
    },
    setRotationInvoker(invoker) {
      rotations.setInvoker(invoker);
    },
    configureRotation(secretId, config) {
      const secret = findSecret(secretId);
      if (!secret) throw new Error(`no secret ${secretId}`);
      secret.rotation = { lambdaArn: config.lambdaArn, everyDays: config.everyDays };
      secret.rotationEnabled = true;
    },
    versions(secretId) {
      const secret = findSecret(secretId);
      if (!secret) throw new Error(`no secret ${secretId}`);
      return [...secret.versions.values()].map((version) => ({
        id: version.id,
        value: version.value,
        stages: [...version.stages],
      }));
    },
    currentValue(secretId) {
      const secret = findSecret(secretId);
      return secret && versionWithStage(secret, AWSCURRENT)?.value;
    },
    rotationsSettled: () => rotations.settled(),
  };
}
