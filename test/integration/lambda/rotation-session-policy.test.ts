/**
 * The rotation engine end to end, step 3: credentials narrowed by a session policy to what Adobe
 * reads (the target's bucket and folder, or the connection's own), whatever STS call mints them.
 */
import { describe, expect, it } from 'vitest';
import { RotationFailedError } from '../../../lambda/errors.js';
import { stsErrorXml } from '../../../emulators/sts.js';
import { byAction, byMethod, formOf, SCHEDULED_EVENT, settle, signerKeyOf, useHarness } from '../../support/index.js';

const start = useHarness();

describe('step 3: credentials narrowed to what Adobe reads', () => {
  const ACCOUNT = '123456789012';
  /** The session policy a target with this bucket and folder must carry, written out in full. */
  const narrowedTo = (bucket: string, folder?: string) => ({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: `arn:aws:s3:::${bucket}/${folder ? `${folder}/` : ''}*`,
      },
      {
        Sid: 'ListFolder',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: `arn:aws:s3:::${bucket}`,
        ...(folder ? { Condition: { StringLike: { 's3:prefix': [folder, `${folder}/`, `${folder}/*`] } } } : {}),
      },
      { Sid: 'LocateBucket', Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: `arn:aws:s3:::${bucket}` },
      {
        Sid: 'DecryptViaS3',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: 'arn:aws:kms:*:*:key/*',
        // Objects of this bucket and folder only: S3's encryption context is the object's ARN (the bucket's with a
        // Bucket Key).
        Condition: {
          StringLike: {
            'kms:ViaService': 's3.*',
            'kms:EncryptionContext:aws:s3:arn': [
              `arn:aws:s3:::${bucket}`,
              `arn:aws:s3:::${bucket}/${folder ? `${folder}/` : ''}*`,
            ],
          },
        },
      },
    ],
  });

  it(
    "passes exactly the narrowed session policy to AssumeRole: the target's bucket and folder, or the connection's " +
      'own when the target names none, or none',
    async () => {
      const { world, newHandler } = await start({
        connections: [
          { sandboxName: 'prod', bucketName: 'acme-aep-landing', folderPath: 'crm/daily' },
          { sandboxName: 'prod' },
          { sandboxName: 'prod', connectionBucketName: null },
        ],
      });

      const summary = await newHandler()(SCHEDULED_EVENT);

      expect(summary.rotated).toBe(3);
      const [targetKey, ownKey, plainKey] = world.connectionIds.map((id) => world.connection(id).params.s3AccessKey!);
      const policy = world.emulators.sts.policyOf(targetKey!);
      expect(JSON.parse(policy!)).toEqual(narrowedTo('acme-aep-landing', 'crm/daily'));
      expect(JSON.parse(world.emulators.sts.policyOf(ownKey!)!)).toEqual(narrowedTo('acme-ingest-1', 'exports/prod'));
      expect(world.emulators.sts.policyOf(plainKey!)).toBeUndefined();
      const assumes = byAction(world.emulators.sts.requests, 'AssumeRole').map(formOf);
      expect(assumes.find((params) => params.RoleArn === world.targets[0]!.roleArn)!.Policy).toBe(policy);
      expect(assumes.find((params) => params.RoleArn === world.targets[2]!.roleArn)).not.toHaveProperty('Policy');
      expect(summary.results.map((result) => [result.narrowedTo, result.narrowedFrom])).toEqual([
        ['s3://acme-aep-landing/crm/daily/', 'target'],
        ['s3://acme-ingest-1/exports/prod/', 'connection'],
        [undefined, undefined],
      ]);
    },
  );

  it("narrows AssumeRole signed with the IAM user's keys to the whole bucket if the target has no folder", async () => {
    const { world, newHandler } = await start({
      connections: [{ sandboxName: 'prod', method: 'assume-role-user-keys', bucketName: 'acme-aep-landing' }],
    });

    await newHandler()(SCHEDULED_EVENT);

    const key = world.connection(world.connectionIds[0]!).params.s3AccessKey!;
    expect(JSON.parse(world.emulators.sts.policyOf(key)!)).toEqual(narrowedTo('acme-aep-landing'));
  });

  it('rotates a get-federation-token target: narrowed federated credentials, verified, then patched', async () => {
    const { world, newHandler } = await start({
      connections: [
        {
          sandboxName: 'prod',
          method: 'get-federation-token',
          bucketName: 'acme-aep-landing',
          folderPath: 'crm/daily',
          durationSeconds: 43_200,
        },
      ],
    });
    const id = world.connectionIds[0]!;
    const name = `aep-${id.replace(/-/g, '').slice(0, 28)}`;
    const federatedArn = `arn:aws:sts::${ACCOUNT}:federated-user/${name}`;

    const summary = await newHandler()(SCHEDULED_EVENT);

    expect(summary).toMatchObject({ rotated: 1, failed: 0, results: [{ connectionId: id, status: 'rotated' }] });
    const [federation] = byAction(world.emulators.sts.requests, 'GetFederationToken');
    expect(signerKeyOf(federation!)).toMatch(/^AKIA/);
    expect(formOf(federation!)).toMatchObject({ Action: 'GetFederationToken', Name: name, DurationSeconds: '43200' });
    expect(name).toHaveLength(32);
    const params = world.connection(id).params;
    expect(JSON.parse(world.emulators.sts.policyOf(params.s3AccessKey!)!)).toEqual(
      narrowedTo('acme-aep-landing', 'crm/daily'),
    );
    expect(formOf(federation!).Policy).toBe(world.emulators.sts.policyOf(params.s3AccessKey!));
    // Verified before the PATCH, signed with the new credentials, as the federated user.
    const verification = byAction(world.emulators.sts.requests, 'GetCallerIdentity').find(
      (request) => signerKeyOf(request) === params.s3AccessKey,
    );
    expect(verification!.receivedAt).toBeLessThanOrEqual(
      byMethod(world.emulators.flowService.requests, 'PATCH')[0]!.receivedAt,
    );
    await expect(world.callerIdentityOf(id)).resolves.toBe(federatedArn);
    const expiresIn = Date.parse(summary.results[0]!.expiresAt!) - Date.now();
    expect(expiresIn).toBeGreaterThan(43_100_000);
  });

  it("asks the IAM user's identity once per key pair for GetFederationToken, across runs and connections", async () => {
    const { world, newHandler } = await start({
      connections: [
        { sandboxName: 'prod', method: 'get-federation-token' },
        { sandboxName: 'dev', method: 'get-federation-token', folderPath: 'exports/dev' },
      ],
    });
    const handler = newHandler();

    await handler(SCHEDULED_EVENT);
    await handler(SCHEDULED_EVENT);

    const byUserKeys = byAction(world.emulators.sts.requests, 'GetCallerIdentity').filter((request) =>
      signerKeyOf(request)!.startsWith('AKIA'),
    );
    expect(byUserKeys).toHaveLength(1);
    expect(byAction(world.emulators.sts.requests, 'GetFederationToken')).toHaveLength(4);
  });

  it(
    'fails a get-federation-token target whose policy STS refuses (PackedPolicyTooLarge), naming it, and leaves ' +
      'the connection as it was',
    async () => {
      const { world, newHandler } = await start({
        connections: [{ sandboxName: 'prod', method: 'get-federation-token' }],
      });
      world.emulators.sts.injectFault({
        match: { action: 'GetFederationToken' },
        kind: 'respond',
        status: 400,
        headers: { 'content-type': 'text/xml' },
        body: stsErrorXml(
          'PackedPolicyTooLarge',
          'Packed policy consumes 104% of allotted space, please use smaller policy.',
        ),
      });
      const before = world.connection(world.connectionIds[0]!);

      const { error } = await settle(() => newHandler()(SCHEDULED_EVENT));

      expect(error).toBeInstanceOf(RotationFailedError);
      expect(error!.message).toContain('STS GetFederationToken for the IAM user in secret');
      expect(error!.message).toContain('PackedPolicyTooLarge');
      expect(world.connection(before.id).params).toEqual(before.params);
      expect(byMethod(world.emulators.flowService.requests, 'PATCH')).toHaveLength(0);
    },
  );
});
