/**
 * `history` and `revoke` against the deployed stack's stand-ins: a connection's recent rotations
 * from its ledger item (AccessKeyIds matching what STS issued and the connection holds, schedule or
 * caller), and for leaked credentials a rotation followed by the deny of every older session on
 * the role (the IAM stand-in's policy, which Flow Service's explore honours), or the exact command
 * when the operator may not attach it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { injectFault } from '../../../emulators/sandbox-faults.js';
import { findSecrets, flat, startCliWorld, type CliWorld } from '../../support/index.js';

const worlds: CliWorld[] = [];
async function world(): Promise<CliWorld> {
  const t = await startCliWorld({
    connections: [
      { sandboxName: 'prod' },
      { sandboxName: 'dev', method: 'get-federation-token', bucketName: 'acme-feed' },
    ],
  });
  worlds.push(t);
  t.asOperator();
  return t;
}
afterEach(async () => {
  for (const t of worlds.splice(0)) await t.close();
});
const ROLE = 'arn:aws:iam::123456789012:role/aep-s3-ingest-0';

describe('history', () => {
  it(
    "lists a connection's rotations newest first: outcome, method, the AccessKeyId issued, and the schedule or who " +
      'asked',
    async () => {
      const t = await world();
      const id = t.world.connectionIds[0]!;
      await t.stack.runSchedule();
      const scheduledKey = t.world.connection(id).params.s3AccessKey;
      await injectFault({ world: t.world, stack: t.stack, dir: t.dir }, 'patch-refused', id);
      await t.stack.runSchedule();
      t.world.emulators.flowService.clearFaults();
      await t.cli(['rotate', '--connection', id.slice(0, 8)]);

      const json = await t.cli(['history', '--connection', id.slice(0, 8), '--json']);
      const table = await t.cli(['history', '--connection', id.slice(0, 8)], { tty: true });

      expect(json.code).toBe(0);
      const { history } = json.json();
      expect(history).toMatchObject([
        {
          outcome: 'rotated',
          method: 'assume-role-chained',
          accessKeyId: t.world.connection(id).params.s3AccessKey,
          trigger: 'manual',
          caller: 'arn:aws:sts::123456789012:assumed-role/aep-s3-rotator-operator/operator',
        },
        {
          outcome: 'failed',
          errorCode: '1445-400',
          trigger: 'schedule',
          executionId: expect.any(String),
          accessKeyId: expect.stringMatching(/^ASIA/),
        },
        { outcome: 'rotated', accessKeyId: scheduledKey, trigger: 'schedule' },
      ]);
      // Every AccessKeyId is one STS issued; CloudTrail names the set by it.
      for (const entry of history)
        expect(t.world.emulators.sts.issuedCredentials.map((issued) => issued.accessKeyId)).toContain(
          entry.accessKeyId,
        );
      expect(table.stdout.split('\n')).toContainEqual(
        expect.stringMatching(/^AT\s+OUTCOME\s+METHOD\s+ACCESS KEY ID\s+CODE\s+ETAG\s+TRIGGER$/),
      );
      expect(table.stdout).toMatch(/FAILED\s+assume-role-chained\s+ASIA\w+\s+1445-400\s+-\s+schedule/);
      expect(flat(table.stdout)).toContain(
        'Manual requests by: arn:aws:sts::123456789012:assumed-role/aep-s3-rotator-operator/operator',
      );
      expect(
        table.stdout.split('\n').filter((line) => line.length > 100),
        table.stdout,
      ).toEqual([]);
      expect(findSecrets(json.stdout + table.stdout, t.world.secretValues())).toEqual([]);
    },
  );

  it("logs each rotation's AccessKeyId in the function's line for it, never the secret key or token", async () => {
    const t = await world();
    const id = t.world.connectionIds[0]!;

    await t.stack.runSchedule();

    const log = t.lambda.invocations.at(-1)!.log;
    const line = log
      .split('\n')
      .find((entry) => entry.includes('"message":"connection rotated"') && entry.includes(id))!;
    expect(JSON.parse(line)).toMatchObject({
      connectionId: id,
      accessKeyId: t.world.connection(id).params.s3AccessKey,
    });
    expect(findSecrets(log, t.world.secretValues())).toEqual([]);
  });

  it('needs one --connection (exit 2)', async () => {
    const t = await world();
    expect((await t.cli(['history'])).code).toBe(2);
    expect((await t.cli(['history', '--connection', 'ffffffff'])).stderr).toContain(
      'ffffffff is not a target in the local configuration',
    );
  });
});

describe('revoke', () => {
  it(
    "rotates, then denies the role's sessions issued before the new set: the leaked set stops working, the new one " +
      'does not',
    async () => {
      const t = await world();
      const id = t.world.connectionIds[0]!;
      await t.stack.runSchedule();
      const leaked = t.world.connection(id).params.s3AccessKey!;
      const { sts, iam } = t.world.emulators;
      // The leak is found a while after the set was issued (STS counts issue times in whole seconds).
      sts.setClock(() => Date.now() + 10_000);

      const result = await t.cli(['revoke', '--connection', id.slice(0, 8)], { tty: true });

      expect(result.code).toBe(0);
      const fresh = t.world.connection(id).params.s3AccessKey!;
      expect(fresh).not.toBe(leaked);
      expect(flat(result.stdout)).toContain(`Rotated: ${id} now holds a new set, AccessKeyId ${fresh}`);
      expect(flat(result.stdout)).toContain(
        `Revoked: AWSRevokeOlderSessions on ${ROLE} denies every action to the role's sessions issued before`,
      );
      const policy = JSON.parse(iam.rolePolicies('aep-s3-ingest-0').AWSRevokeOlderSessions!);
      expect(policy.Statement).toEqual([
        {
          Effect: 'Deny',
          Action: ['*'],
          Resource: ['*'],
          Condition: { DateLessThan: { 'aws:TokenIssueTime': expect.any(String) } },
        },
      ]);
      expect(iam.deniesSession(ROLE, sts.sessionOf(leaked)!.issuedAt)).toBe(true);
      expect(iam.deniesSession(ROLE, sts.sessionOf(fresh)!.issuedAt)).toBe(false);
      // Adobe reads with what the connection holds now.
      const probe = await t.cli(['status', '--probe', '--connection', id.slice(0, 8), '--json']);
      expect(probe.json().connections[0]).toMatchObject({ adobeVerified: true });
    },
  );

  it('prints the exact command when AWS denies the operator iam:PutRolePolicy (exit 1)', async () => {
    const t = await world();
    const id = t.world.connectionIds[0]!;
    await t.stack.runSchedule();
    t.world.emulators.iam.injectFault({
      match: { action: 'PutRolePolicy' },
      kind: 'respond',
      status: 403,
      headers: { 'content-type': 'text/xml' },
      body:
        '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: ' +
        'operator is not authorized to perform: ' +
        'iam:PutRolePolicy</Message></Error><RequestId>1</RequestId></ErrorResponse>',
    });

    const result = await t.cli(['revoke', '--connection', id, '--json']);

    expect(result.code).toBe(1);
    expect(result.json()).toMatchObject({
      ok: false,
      outcome: 'left-to-you',
      rotation: { status: 'rotated' },
      command: expect.stringMatching(
        new RegExp(
          '^aws iam put-role-policy --role-name aep-s3-ingest-0 --policy-name AWSRevokeOlderSessions ' +
            String.raw`--policy-document '\{"Version":"2012-10-17","Statement":\[\{"Effect":"Deny"`,
        ),
      ),
      why: expect.stringContaining('AWS denied permission to attach AWSRevokeOlderSessions to role aep-s3-ingest-0'),
    });
    expect(t.world.emulators.iam.rolePolicies('aep-s3-ingest-0')).toEqual({});
  });

  it('says what AWS offers instead for an IAM-user method, with the command to complete (exit 1)', async () => {
    const t = await world();
    const id = t.world.connectionIds[1]!;
    await t.stack.runSchedule();

    const result = await t.cli(['revoke', '--connection', id.slice(0, 8)], { tty: true });

    expect(result.code).toBe(1);
    expect(flat(result.stdout)).toContain('GetFederationToken sessions belong to an IAM user, not a role');
    expect(result.stdout).toMatch(
      new RegExp(
        String.raw` {4}aws iam put-user-policy --user-name <the IAM user whose keys arn:aws:secretsmanager:\S+ ` +
          'holds> --policy-name AWSRevokeOlderSessions',
      ),
    );
  });

  it('revokes nothing when the rotation fails: Adobe still holds the leaked set (exit 1)', async () => {
    const t = await world();
    const id = t.world.connectionIds[0]!;
    await t.stack.runSchedule();
    await injectFault({ world: t.world, stack: t.stack, dir: t.dir }, 'patch-refused', id);

    const result = await t.cli(['revoke', '--connection', id]);

    expect(result.code).toBe(1);
    expect(flat(result.stderr)).toContain('was not rotated (1445-400');
    expect(flat(result.stderr)).toContain('so nothing was revoked');
    expect(t.world.emulators.iam.rolePolicies('aep-s3-ingest-0')).toEqual({});
  });
});
