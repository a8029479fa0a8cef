import { describe, expect, it } from 'vitest';
import type { MintedCredentials } from '../../../lambda/credential-minter.js';
import { assumedRoleArn, roleSessionName } from '../../../lambda/credential-minter.js';
import { ConnectionNotRotatableError } from '../../../lambda/errors.js';
import type { BaseConnection } from '../../../lambda/flow-service-client.js';
import { buildCredentialPatch, checkRotatable, S3_CONNECTION_SPEC_ID } from '../../../lambda/rotate-connection.js';

const credentials: MintedCredentials = {
  accessKeyId: 'ASIAEXAMPLEEXAMPLE01',
  secretAccessKey: 'secret-key-value-0123456789',
  sessionToken: 'session-token-value-0123456789',
  expiration: new Date('2026-11-23T13:00:00Z'),
  identityArn: 'arn:aws:sts::123456789012:assumed-role/r/s',
};

function connection(overrides: Partial<BaseConnection> = {}): BaseConnection {
  return {
    id: 'c1',
    etag: '"1400dd53-0000-0200-0000-5f3f23450000"',
    connectionSpec: { id: S3_CONNECTION_SPEC_ID, version: '1.0' },
    auth: {
      specName: 'Access Key',
      params: { s3AccessKey: 'ASIAOLD', s3SecretKey: '***', s3SessionToken: '***', bucketName: 'b' },
    },
    ...overrides,
  };
}

describe('buildCredentialPatch', () => {
  it('replaces all three params the GET showed, in one patch', () => {
    expect(buildCredentialPatch(connection().auth!.params, credentials)).toEqual([
      { op: 'replace', path: '/auth/params/s3AccessKey', value: 'ASIAEXAMPLEEXAMPLE01' },
      { op: 'replace', path: '/auth/params/s3SecretKey', value: 'secret-key-value-0123456789' },
      { op: 'replace', path: '/auth/params/s3SessionToken', value: 'session-token-value-0123456789' },
    ]);
  });

  it('adds the params the GET did not show (a connection created without a session token, or secrets omitted)', () => {
    expect(buildCredentialPatch({ s3AccessKey: 'ASIAOLD' }, credentials).map((op) => `${op.op} ${op.path}`)).toEqual([
      'replace /auth/params/s3AccessKey',
      'add /auth/params/s3SecretKey',
      'add /auth/params/s3SessionToken',
    ]);
    expect(buildCredentialPatch(undefined, credentials).every((op) => op.op === 'add')).toBe(true);
  });
});

describe('checkRotatable', () => {
  it('accepts an S3 access-key connection', () => {
    expect(() => checkRotatable(connection())).not.toThrow();
  });

  it.each([
    [
      'another source',
      connection({ connectionSpec: { id: 'b7bf2577-4520-42c9-bae9-cad01560f7bc' } }),
      'wrong-connection-spec',
      'not the Amazon S3 spec',
    ],
    [
      'no connection spec',
      connection({ connectionSpec: undefined }),
      'wrong-connection-spec',
      'connection spec (none)',
    ],
    [
      'IAMRole Based auth',
      connection({ auth: { specName: 'IAMRole Based', params: { bucketName: 'b' } } }),
      'iam-role-auth',
      'there are no credentials to rotate',
    ],
    ['an unknown auth', connection({ auth: { specName: 'Basic' } }), 'unexpected-auth', 'uses auth "Basic"'],
  ])('refuses %s', (_name, item, reason, message) => {
    let error: unknown;
    try {
      checkRotatable(item);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConnectionNotRotatableError);
    expect((error as ConnectionNotRotatableError).reason).toBe(reason);
    expect((error as Error).message).toContain(message);
  });
});

describe('role session naming', () => {
  it('names the tool and the connection within the 64 characters AWS allows', () => {
    const name = roleSessionName('4cb0c374-d3bb-4557-b139-5712880adc55');
    expect(name).toBe('aep-s3-rotator-4cb0c374-d3bb-4557-b139-5712880adc55');
    expect(name.length).toBeLessThanOrEqual(64);
  });

  it('derives the assumed-role ARN STS will report, including role paths', () => {
    expect(assumedRoleArn('arn:aws:iam::123456789012:role/path/to/ingest', 's')).toBe(
      'arn:aws:sts::123456789012:assumed-role/ingest/s',
    );
  });
});
