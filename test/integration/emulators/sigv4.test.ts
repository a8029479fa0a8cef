/**
 * The SigV4 checks every AWS emulator shares (emulators/sigv4.ts), driven over HTTP through the STS
 * and Secrets Manager emulators: by the real SDK clients (with middleware that changes the request
 * after it was signed), and by `@smithy/signature-v4` signing hand-made requests that list other
 * headers than the SDK does. sts.test.ts and secrets-manager.test.ts cover the answers each service
 * gives for unknown keys, wrong secrets, expiry, revocation, region and missing signatures.
 */
import { createHash } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSecretsManagerEmulator } from '../../../emulators/secrets-manager.js';
import { startStsEmulator } from '../../../emulators/sts.js';
import type { AwsCredentials, SecretsManagerEmulator, StsEmulator } from '../../../emulators/types.js';
import { afterSigning, bodyText, type RequestMiddleware } from '../../support/sts-clients.js';

const ACCOUNT = '123456789012';
const TARGET_ROLE = `arn:aws:iam::${ACCOUNT}:role/s3-ingest`;
const SECRET_NAME = 'aep-s3-rotator/adobe-credentials';
const GET_CALLER_IDENTITY = 'Action=GetCallerIdentity&Version=2011-06-15';

type Client = STSClient | SecretsManagerClient;

let sts: StsEmulator;
let secretsManager: SecretsManagerEmulator;
let user: AwsCredentials & { arn: string };
let session: AwsCredentials;
const clients: Client[] = [];

beforeEach(async () => {
  sts = await startStsEmulator({ region: 'us-east-1' });
  secretsManager = await startSecretsManagerEmulator({ sts, region: 'us-east-1', accountId: ACCOUNT });
  user = sts.createUser('rotator-user', ACCOUNT);
  session = sts.issueRoleSession(`arn:aws:iam::${ACCOUNT}:role/rotator-function`, 'rotator-function');
  secretsManager.putSecret(SECRET_NAME, '{"clientId":"rotator"}');
});

afterEach(async () => {
  for (const created of clients.splice(0)) created.destroy();
  await Promise.all([secretsManager.close(), sts.close()]);
});

/** The real SDK clients, pointed at the emulators, without retries so each call is one request. */
function stsClient(credentials: AwsCredentials = user): STSClient {
  const created = new STSClient({ region: 'us-east-1', endpoint: sts.url, credentials, maxAttempts: 1 });
  clients.push(created);
  return created;
}

function secretsManagerClient(credentials: AwsCredentials = session): SecretsManagerClient {
  const created = new SecretsManagerClient({
    region: 'us-east-1',
    endpoint: secretsManager.url,
    credentials,
    maxAttempts: 1,
  });
  clients.push(created);
  return created;
}

interface SignedFetch {
  readonly method?: string;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly credentials?: AwsCredentials;
  /** The service the signature is scoped to. @default 'sts' */
  readonly service?: string;
  /** Headers @smithy/signature-v4 must (not) sign besides its own choice. */
  readonly signableHeaders?: Set<string>;
  readonly unsignableHeaders?: Set<string>;
  readonly signingDate?: Date;
  /** Change the signed request before it is sent. */
  readonly tamper?: (request: { query: Record<string, string>; headers: Record<string, string> }) => void;
}

/** Sign a request to the STS emulator with @smithy/signature-v4 (no X-Amz-Content-SHA256) and send it with fetch. */
async function signedFetch({
  method = 'POST',
  query = {},
  headers = {},
  body,
  credentials = user,
  service = 'sts',
  tamper,
  ...signing
}: SignedFetch) {
  const url = new URL(sts.url);
  const signer = new SignatureV4({ service, region: 'us-east-1', credentials, sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign(
    new HttpRequest({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      query,
      headers: { host: url.host, ...headers },
      body,
    }),
    signing,
  );
  const sent = { query: { ...(signed.query as Record<string, string>) }, headers: { ...signed.headers } };
  tamper?.(sent);
  delete sent.headers.host; // fetch sets it (to the same value)
  const response = await fetch(`${sts.url}/?${new URLSearchParams(sent.query)}`, {
    method,
    headers: sent.headers,
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1],
    message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1],
    text,
  };
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const signedHeadersOf = (authorization: string | undefined) => /SignedHeaders=([^,]+)/.exec(authorization ?? '')?.[1];

describe('SigV4 verification of requests the SDK signed', () => {
  it('refuses a signed header changed after signing, before acting on it', async () => {
    // Prepare: the SDK signs GetSecretValue, then X-Amz-Target is switched to another operation.
    const tampering = afterSigning(secretsManagerClient(), (request) => {
      request.headers['x-amz-target'] = 'secretsmanager.DeleteSecret';
    });

    // Act / Assess
    await expect(tampering.send(new GetSecretValueCommand({ SecretId: SECRET_NAME }))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      message: expect.stringContaining('The request signature we calculated does not match'),
    });
    expect(signedHeadersOf(secretsManager.requests[0]!.headers.authorization)).toContain('x-amz-target');
  });

  it('refuses a request missing a header it signed', async () => {
    // Prepare
    const tampering = afterSigning(stsClient(), (request) => {
      delete request.headers['x-amz-user-agent'];
    });

    // Act / Assess
    await expect(tampering.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      $metadata: { httpStatusCode: 403 },
    });
    expect(signedHeadersOf(sts.requests[0]!.headers.authorization)).toContain('x-amz-user-agent');
  });

  it('refuses a changed body sent with the hash of the new body', async () => {
    // Prepare: the man in the middle also recomputes X-Amz-Content-SHA256, which the SDK signed.
    sts.createRole({ roleArn: TARGET_ROLE });
    const tampering = afterSigning(stsClient(), (request) => {
      request.body = bodyText(request.body).replace('RoleSessionName=rotation', 'RoleSessionName=attacker');
    });
    const hashOfNewBody = (body: string) => createHash('sha256').update(body).digest('hex');
    const rehash: RequestMiddleware = (next) => async (args) => {
      args.request.headers['x-amz-content-sha256'] = hashOfNewBody(bodyText(args.request.body));
      return next(args);
    };
    tampering.middlewareStack.addRelativeTo(rehash as never, {
      relation: 'after',
      toMiddleware: 'after-signing',
      name: 'rehash',
    });

    // Act
    const call = tampering.send(new AssumeRoleCommand({ RoleArn: TARGET_ROLE, RoleSessionName: 'rotation' }));

    // Assess
    await expect(call).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    const received = sts.requests[0]!;
    expect(received.body).toContain('RoleSessionName=attacker');
    expect(received.headers['x-amz-content-sha256']).toBe(hashOfNewBody(received.body));
    // None by AssumeRole: the one issued is the test's own session.
    expect(sts.issuedCredentials.map(({ accessKeyId }) => accessKeyId)).toEqual([session.accessKeyId]);
  });

  it('ignores headers that were not signed, as a proxy adds or rewrites them', async () => {
    // Prepare: User-Agent is never signed by the SDK; X-Forwarded-For arrives after signing.
    const proxied = afterSigning(stsClient(session), (request) => {
      request.headers['user-agent'] = 'rewritten-by-proxy/1.0';
      request.headers['x-forwarded-for'] = '203.0.113.7';
    });

    // Act
    const identity = await proxied.send(new GetCallerIdentityCommand({}));

    // Assess
    expect(identity.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/rotator-function/rotator-function`);
    const received = sts.requests[0]!;
    expect(received.headers['x-forwarded-for']).toBe('203.0.113.7');
    expect(signedHeadersOf(received.headers.authorization)!.split(';')).not.toContain('user-agent');
  });
});

describe('SigV4 verification of requests signed with other header sets', () => {
  it('accepts a signature over only Host and X-Amz-Date, with the session token and body hash unsigned', async () => {
    // Act
    const response = await signedFetch({
      headers: FORM,
      body: GET_CALLER_IDENTITY,
      credentials: session,
      unsignableHeaders: new Set(['content-type', 'x-amz-security-token']),
    });

    // Assess
    expect(response).toMatchObject({
      status: 200,
      text: expect.stringContaining(
        '<Arn>arn:aws:sts::123456789012:assumed-role/rotator-function/rotator-function</Arn>',
      ),
    });
    const received = sts.requests[0]!;
    expect(signedHeadersOf(received.headers.authorization)).toBe('host;x-amz-date');
    expect(received.headers['x-amz-security-token']).toBe(session.sessionToken);
    expect(received.headers['x-amz-content-sha256']).toBeUndefined();
  });

  it('accepts headers @smithy/signature-v4 skips when the client signed them, and refuses them altered', async () => {
    // Prepare: User-Agent and a sec- header are in the signer's never-sign lists unless asked for.
    const headers = { ...FORM, 'user-agent': 'custom-client/1.0', 'sec-purpose': 'audit' };
    const signableHeaders = new Set(['user-agent', 'sec-purpose']);

    // Act
    const accepted = await signedFetch({ headers, body: GET_CALLER_IDENTITY, signableHeaders });
    const altered = await signedFetch({
      headers,
      body: GET_CALLER_IDENTITY,
      signableHeaders,
      tamper: (request) => {
        request.headers['user-agent'] = 'custom-client/2.0';
      },
    });

    // Assess
    expect(accepted.status).toBe(200);
    expect(signedHeadersOf(sts.requests[0]!.headers.authorization)).toBe(
      'content-type;host;sec-purpose;user-agent;x-amz-date',
    );
    expect(altered).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('accepts a signed query string and refuses one changed after signing', async () => {
    // Act
    const accepted = await signedFetch({
      method: 'GET',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    });
    const changed = await signedFetch({
      method: 'GET',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      tamper: (request) => {
        request.query.Version = '2011-06-16';
      },
    });

    // Assess
    expect(accepted.status).toBe(200);
    expect(sts.requests[0]).toMatchObject({ method: 'GET', query: { Action: 'GetCallerIdentity' } });
    expect(changed).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('refuses a signature scoped to another service with SignatureDoesNotMatch', async () => {
    // Act
    const response = await signedFetch({ headers: FORM, body: GET_CALLER_IDENTITY, service: 'secretsmanager' });

    // Assess
    expect(response).toMatchObject({
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: expect.stringContaining("Credential should be scoped to correct service: 'sts'"),
    });
  });

  it('refuses a request signed more than 15 minutes ahead with "Signature expired"', async () => {
    // Act
    const response = await signedFetch({
      headers: FORM,
      body: GET_CALLER_IDENTITY,
      signingDate: new Date(Date.now() + 16 * 60 * 1000),
    });

    // Assess
    expect(response).toMatchObject({
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: expect.stringMatching(/^Signature expired: \d{8}T\d{6}Z is now later than/),
    });
  });

  it('answers an X-Amz-Date that is no real date with IncompleteSignature', async () => {
    // Act: 31 February, signed and sent as given.
    const response = await signedFetch({
      headers: FORM,
      body: GET_CALLER_IDENTITY,
      tamper: (request) => {
        request.headers['x-amz-date'] = `${new Date().getUTCFullYear()}0231T000000Z`;
      },
    });

    // Assess
    expect(response).toMatchObject({ status: 400, code: 'IncompleteSignature' });
  });
});
