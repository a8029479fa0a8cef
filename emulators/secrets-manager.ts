/**
 * AWS Secrets Manager emulator: `GetSecretValue` and `PutSecretValue` (an operator putting new
 * Adobe credentials) over the JSON 1.1 protocol (`POST /`, `X-Amz-Target: secretsmanager.<Action>`),
 * SigV4-verified against the keys the STS emulator issued, so a function whose credentials
 * expired or were revoked cannot read secrets.
 *
 * API reference: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html,
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html
 */
import { randomInt, randomUUID } from 'node:crypto';
import { startEmulatorServer, type EmulatorResponse } from './http-server.js';
import { verifySigV4, type SigV4ErrorCode } from './sigv4.js';
import type { RecordedRequest, SecretsManagerEmulator, SignedServiceOptions } from './types.js';

const TARGET_PREFIX = 'secretsmanager.';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** JSON-protocol services name the signature failures differently from Query-protocol ones. */
const AUTH_ERRORS: Record<SigV4ErrorCode, { type: string; message?: string }> = {
  MissingAuthenticationToken: { type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
  IncompleteSignature: { type: 'IncompleteSignatureException' },
  InvalidClientTokenId: { type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' },
  SignatureDoesNotMatch: { type: 'InvalidSignatureException' },
  ExpiredToken: { type: 'ExpiredTokenException', message: 'The security token included in the request is expired' },
};

interface StoredSecret {
  readonly arn: string;
  readonly name: string;
  versionId: string;
  secretString: string;
  readonly createdDate: number;
}

/** `secretsmanager.GetSecretValue` → `GetSecretValue`. */
function actionOf(request: Pick<RecordedRequest, 'headers'>): string | undefined {
  const target = request.headers['x-amz-target'];
  return target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
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

  function findSecret(secretId: string): StoredSecret | undefined {
    if (!secretId.startsWith('arn:')) return secrets.get(secretId);
    // A full ARN, or a partial one without the random 6-character suffix (AWS accepts both).
    return [...secrets.values()].find((secret) => secret.arn === secretId || secret.arn.slice(0, -7) === secretId);
  }

  async function handle(request: RecordedRequest): Promise<EmulatorResponse> {
    const requestId = randomUUID();
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId };
    const error = (type: string, message: string, status = 400): EmulatorResponse => ({ status, headers, body: { __type: type, message } });

    const auth = await verifySigV4(request, { service: 'secretsmanager', region, lookup: (id) => sts.credentialsFor(id), now });
    if (!auth.ok) {
      const mapped = AUTH_ERRORS[auth.code];
      return error(mapped.type, mapped.message ?? auth.message);
    }

    const action = actionOf(request);
    if (request.method !== 'POST' || (action !== 'GetSecretValue' && action !== 'PutSecretValue')) {
      return error('UnknownOperationException', `Unknown operation ${request.headers['x-amz-target'] ?? '(no X-Amz-Target)'}`);
    }
    let input: { SecretId?: unknown; SecretString?: unknown; SecretBinary?: unknown };
    try {
      input = JSON.parse(request.body || '{}') as typeof input;
    } catch {
      return error('SerializationException', 'Start of structure or map found where not expected.');
    }
    if (typeof input.SecretId !== 'string' || input.SecretId === '') {
      return error('ValidationException', "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null");
    }
    const secret = findSecret(input.SecretId);
    if (!secret) return error('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    if (action === 'PutSecretValue') {
      if (typeof input.SecretString !== 'string') return error('InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
      // A new version, now AWSCURRENT, under the same ARN.
      secret.versionId = randomUUID();
      secret.secretString = input.SecretString;
      return { status: 200, headers, body: { ARN: secret.arn, Name: secret.name, VersionId: secret.versionId, VersionStages: ['AWSCURRENT'] } };
    }
    return {
      status: 200,
      headers,
      body: {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: secret.versionId,
        SecretString: secret.secretString,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: secret.createdDate,
      },
    };
  }

  const server = await startEmulatorServer(handle, { port: options.port, actionOf });

  return {
    ...server,
    putSecret(name, secretString) {
      const existing = secrets.get(name);
      if (existing) {
        // A new value is a new version under the same ARN, as PutSecretValue makes.
        existing.versionId = randomUUID();
        existing.secretString = secretString;
        return existing.arn;
      }
      const suffix = Array.from({ length: 6 }, () => ALNUM[randomInt(ALNUM.length)]).join('');
      const arn = `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${suffix}`;
      // AWS sends CreatedDate as epoch seconds with a fraction (milliseconds).
      secrets.set(name, { arn, name, versionId: randomUUID(), secretString, createdDate: Date.now() / 1000 });
      return arn;
    },
  };
}
