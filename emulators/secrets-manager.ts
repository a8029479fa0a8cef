/**
 * AWS Secrets Manager emulator over the JSON 1.1 protocol (`POST /`, `X-Amz-Target:
 * secretsmanager.<Action>`), SigV4-verified against the keys the STS emulator issued, so a function
 * whose credentials expired or were revoked cannot read secrets.
 *
 * Secrets have versions and staging labels (secrets-manager-versions.ts): `GetSecretValue` by
 * label or version, `PutSecretValue`, `DescribeSecret`, `UpdateSecretVersionStage`, and
 * `RotateSecret`, which makes the token's version (empty, labelled `AWSPENDING`), answers at once,
 * and then invokes the rotation function once per step, `createSecret`, `setSecret`, `testSecret`,
 * `finishSecret`, as Secrets Manager does. `GetResourcePolicy`, `PutResourcePolicy` and
 * `DeleteResourcePolicy` keep a secret's resource policy. A step that fails stops the rotation and leaves
 * `AWSPENDING` where it was; the next `RotateSecret` is refused with AWS's "A previous rotation
 * isn't complete" and that rotation is attempted again, with its own token. A deferred rotation
 * (`RotateImmediately: false`) only stores the configuration: AWS's test of it is not emulated.
 *
 * API reference: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html,
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda.html
 */
import { randomInt, randomUUID } from 'node:crypto';
import { ROTATION_STEPS } from '../core/adobe-secret-rotation.js';
import { startEmulatorServer, type EmulatorResponse } from './http-server.js';
import {
  addPendingVersion,
  AWSCURRENT,
  AWSPENDING,
  newSecret,
  nextRotationDate,
  putValue,
  readValue,
  SecretsManagerFailure,
  unfinishedRotation,
  updateStage,
  versionIdsToStages,
  versionWithStage,
  type RotationConfig,
  type StoredSecret,
} from './secrets-manager-versions.js';
import { verifySigV4, type SigV4ErrorCode } from './sigv4.js';
import type { RecordedRequest, RotationRecord, SecretsManagerEmulator, SignedServiceOptions } from './types.js';

const TARGET_PREFIX = 'secretsmanager.';
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
const LAMBDA_ARN = /^arn:[\w-]+:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(?::[\w$-]+)?$/;

/** JSON-protocol services name the signature failures differently from Query-protocol ones. */
const AUTH_ERRORS: Record<SigV4ErrorCode, { type: string; message?: string }> = {
  MissingAuthenticationToken: { type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
  IncompleteSignature: { type: 'IncompleteSignatureException' },
  InvalidClientTokenId: {
    type: 'UnrecognizedClientException',
    message: 'The security token included in the request is invalid.',
  },
  SignatureDoesNotMatch: { type: 'InvalidSignatureException' },
  ExpiredToken: { type: 'ExpiredTokenException', message: 'The security token included in the request is expired' },
};

/** `secretsmanager.GetSecretValue` → `GetSecretValue`. */
function actionOf(request: Pick<RecordedRequest, 'headers'>): string | undefined {
  const target = request.headers['x-amz-target'];
  return target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
}

/** AWS sends dates as epoch seconds with a fraction (milliseconds). */
const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

type Input = Record<string, unknown>;
const optionalString = (input: Input, field: string): string | undefined =>
  typeof input[field] === 'string' ? (input[field] as string) : undefined;

/**
 * A resource policy as PutResourcePolicy takes it: JSON text of an object with a `Statement`
 * (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutResourcePolicy.html).
 */
function resourcePolicy(input: Input): string {
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

/** `RotationRules` → how often, or a refusal. */
function rotationRules(rules: unknown): Pick<RotationConfig, 'everyDays' | 'scheduleExpression'> {
  const { AutomaticallyAfterDays: days, ScheduleExpression: expression } = (rules ?? {}) as {
    AutomaticallyAfterDays?: unknown;
    ScheduleExpression?: unknown;
  };
  if (days !== undefined && expression !== undefined) {
    throw new SecretsManagerFailure(
      'InvalidParameterException',
      'You can specify either AutomaticallyAfterDays or ScheduleExpression, but not both.',
    );
  }
  if (days !== undefined) {
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 1000) {
      throw new SecretsManagerFailure(
        'InvalidParameterException',
        'AutomaticallyAfterDays must be a whole number from 1 to 1000.',
      );
    }
    return { everyDays: days };
  }
  if (typeof expression !== 'string')
    throw new SecretsManagerFailure(
      'InvalidParameterException',
      'RotationRules needs AutomaticallyAfterDays or ScheduleExpression.',
    );
  const rate = /^rate\((\d+) (hours?|days?)\)$/.exec(expression);
  if (rate) {
    const days = rate[2]!.startsWith('day') ? Number(rate[1]) : Number(rate[1]) / 24;
    if (days < 4 / 24 || days > 1000)
      throw new SecretsManagerFailure(
        'InvalidParameterException',
        'A rotation rate must be from 4 hours to 1000 days.',
      );
    return { everyDays: days, scheduleExpression: expression };
  }
  if (/^cron\(.+\)$/.test(expression)) return { scheduleExpression: expression };
  throw new SecretsManagerFailure('InvalidParameterException', `Invalid ScheduleExpression: ${expression}`);
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
  const rotations: RotationRecord[] = [];
  const running = new Set<string>(); // tokens of rotations under way
  let inFlight: Promise<unknown> = Promise.resolve();
  let invoke: ((functionArn: string, event: Record<string, string>) => Promise<unknown>) | undefined;
  // Credential expiry follows the STS emulator's clock, so setClock() affects both services.
  const now = () => sts.now();

  function findSecret(secretId: string): StoredSecret | undefined {
    if (!secretId.startsWith('arn:')) return secrets.get(secretId);
    // A full ARN, or a partial one without the random 6-character suffix (AWS accepts both).
    return [...secrets.values()].find((secret) => secret.arn === secretId || secret.arn.slice(0, -7) === secretId);
  }

  /** Invoke the rotation function for each step of `token`'s rotation, in order; the first failure stops it. */
  function rotate(secret: StoredSecret, token: string): void {
    const record: RotationRecord = {
      secretArn: secret.arn,
      token,
      startedAt: Date.now(),
      steps: [],
      outcome: 'running',
    };
    rotations.push(record);
    running.add(token);
    const run = (async () => {
      for (const step of ROTATION_STEPS) {
        try {
          if (!invoke)
            throw new Error('no rotation function can be invoked: the emulator has no invoker (setRotationInvoker)');
          await invoke(secret.rotation!.lambdaArn, { Step: step, SecretId: secret.arn, ClientRequestToken: token });
          record.steps.push({ step, ok: true });
        } catch (error) {
          record.steps.push({ step, ok: false, error: (error as Error).message });
          record.outcome = 'failed';
          return;
        }
      }
      const version = secret.versions.get(token);
      // A rotation is complete when AWSCURRENT is on its version; AWSPENDING may then be dropped.
      if (version?.stages.has(AWSCURRENT)) {
        version.stages.delete(AWSPENDING);
        secret.lastRotatedDate = now();
        record.outcome = 'succeeded';
      } else {
        record.steps.push({
          step: 'finishSecret',
          ok: false,
          error: `the function returned, but ${AWSCURRENT} is not on version ${token}`,
        });
        record.outcome = 'failed';
      }
    })().finally(() => running.delete(token));
    inFlight = Promise.all([inFlight, run]);
  }

  function rotateSecret(secret: StoredSecret, input: Input): EmulatorResponse['body'] {
    const lambdaArn = optionalString(input, 'RotationLambdaARN') ?? secret.rotation?.lambdaArn;
    if (!lambdaArn)
      throw new SecretsManagerFailure(
        'InvalidRequestException',
        'No Lambda rotation function ARN is associated with this secret.',
      );
    if (!LAMBDA_ARN.test(lambdaArn))
      throw new SecretsManagerFailure('InvalidParameterException', `Invalid RotationLambdaARN: ${lambdaArn}`);
    const rules = input.RotationRules === undefined ? secret.rotation : rotationRules(input.RotationRules);
    const unfinished = unfinishedRotation(secret);
    if (unfinished) {
      // AWS takes the label for a rotation still under way, and tries it again with its own token.
      if (!running.has(unfinished.id)) rotate(secret, unfinished.id);
      throw new SecretsManagerFailure(
        'InvalidRequestException',
        "A previous rotation isn't complete. That rotation will be reattempted.",
      );
    }
    secret.rotation = { lambdaArn, everyDays: rules?.everyDays, scheduleExpression: rules?.scheduleExpression };
    secret.rotationEnabled = true;
    if (input.RotateImmediately === false) return { ARN: secret.arn, Name: secret.name };
    const token = optionalString(input, 'ClientRequestToken') ?? randomUUID();
    if (secret.versions.has(token)) {
      throw new SecretsManagerFailure(
        'InvalidRequestException',
        `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ` +
          `${secret.arn}.`,
      );
    }
    // A finished rotation may have left AWSPENDING on the current version: the new one takes it.
    addPendingVersion(secret, token, now());
    rotate(secret, token);
    return { ARN: secret.arn, Name: secret.name, VersionId: token };
  }

  function perform(action: Action, secret: StoredSecret, input: Input): EmulatorResponse['body'] {
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
        return rotateSecret(secret, input);
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

  async function handle(request: RecordedRequest): Promise<EmulatorResponse> {
    const requestId = randomUUID();
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId };
    const error = (type: string, message: string, status = 400): EmulatorResponse => ({
      status,
      headers,
      body: { __type: type, message },
    });

    const auth = await verifySigV4(request, {
      service: 'secretsmanager',
      region,
      lookup: (id) => sts.credentialsFor(id),
      now,
    });
    if (!auth.ok) {
      const mapped = AUTH_ERRORS[auth.code];
      return error(mapped.type, mapped.message ?? auth.message);
    }

    const action = actionOf(request);
    if (request.method !== 'POST' || !(ACTIONS as readonly (string | undefined)[]).includes(action)) {
      return error(
        'UnknownOperationException',
        `Unknown operation ${request.headers['x-amz-target'] ?? '(no X-Amz-Target)'}`,
      );
    }
    let input: Input;
    try {
      input = JSON.parse(request.body || '{}') as Input;
    } catch {
      return error('SerializationException', 'Start of structure or map found where not expected.');
    }
    if (typeof input.SecretId !== 'string' || input.SecretId === '') {
      return error(
        'ValidationException',
        "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null",
      );
    }
    const secret = findSecret(input.SecretId);
    if (!secret) return error('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    try {
      return { status: 200, headers, body: perform(action as Action, secret, input) };
    } catch (failure) {
      if (failure instanceof SecretsManagerFailure) return error(failure.type, failure.message);
      throw failure;
    }
  }

  const server = await startEmulatorServer(handle, { port: options.port, actionOf });

  return {
    ...server,
    rotations,
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
      invoke = invoker;
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
    rotationsSettled: async () => {
      // A rotation started while waiting is waited for too.
      let seen: Promise<unknown> | undefined;
      while (seen !== inFlight) {
        seen = inFlight;
        await seen;
      }
    },
  };
}
