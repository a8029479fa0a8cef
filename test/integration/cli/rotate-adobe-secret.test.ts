/**
 * `rotate-adobe-secret`: RotateSecret through the Secrets Manager emulator, whose rotation invokes
 * the real rotation function in the Lambda stand-in; the steps are read back from its log group
 * (the CloudWatch Logs stand-in), as an operator would see them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeAdobeSecretRotation } from '../../../cli/adobe-secret-rotation.js';
import { FUNCTION_TAG } from '../../../core/operator-facts.js';
import {
  findSecrets,
  flat,
  FUNCTION_NAME,
  STACK_NAME,
  STACK_TRACE,
  startCliWorld,
  type CliWorld,
} from '../../support/index.js';

let t: CliWorld;
const currentSecret = () =>
  JSON.parse(t.world.emulators.secretsManager.currentValue(t.world.adobe.secretId)!) as Record<string, string>;

beforeAll(async () => {
  t = await startCliWorld({ connections: [{ sandboxName: 'prod' }] });
});
afterAll(() => t.close());

describe('rotate-adobe-secret', () => {
  it('rotates through Secrets Manager and reports each step as the rotation function logged it', async () => {
    const before = currentSecret();

    const result = await t.cli(['rotate-adobe-secret'], { tty: true });

    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toMatch(STACK_TRACE);
    const text = flat(result.stdout);
    expect(text).toMatch(/Rotating arn:aws:secretsmanager:\S+ Secrets Manager started version [0-9a-f-]{36}\./);
    for (const step of [
      'createSecret ok added client secret',
      'setSecret ok nothing to set',
      'testSecret ok IMS issued a token',
      'finishSecret ok moved AWSCURRENT',
    ]) {
      expect(text).toContain(step);
    }
    expect(text.indexOf('createSecret')).toBeLessThan(text.indexOf('finishSecret'));
    expect(text).toContain('OK: AWSCURRENT now holds the new client secret');
    const after = currentSecret();
    expect(after.clientSecret).not.toBe(before.clientSecret);
    expect(t.world.emulators.ims.clientSecrets(t.world.adobe.clientId).map((secret) => secret.uuid)).toEqual([
      after.clientSecretUuid,
    ]);
    expect(findSecrets(result.stdout + result.stderr, t.world.secretValues())).toEqual([]);
  });

  it('prints the steps and the next rotation as JSON, and the rotator keeps rotating', async () => {
    const result = await t.cli(['rotate-adobe-secret', '--json']);

    expect(result.code).toBe(0);
    const report = result.json();
    expect(report).toMatchObject({ ok: true, secretId: t.world.adobe.secretId, retried: false, outcome: 'succeeded' });
    expect(report.steps.map((line: { step: string; ok: boolean }) => `${line.step}:${line.ok}`)).toEqual([
      'createSecret:true',
      'setSecret:true',
      'testSecret:true',
      'finishSecret:true',
    ]);
    expect(Date.parse(report.nextRotationDate) - Date.parse(report.lastRotatedDate)).toBe(30 * 86_400_000);
    await expect(t.cli(['rotate', '--json'])).resolves.toMatchObject({ code: 0 });
  });

  it('reports the failing step and its reason (exit 1); run again after the fix, finishes that rotation', async () => {
    // The project loses the I/O Management API: Adobe answers 403.
    t.world.emulators.ims.setIoManagementApi(t.world.adobe.clientId, false);
    const before = currentSecret();

    const failed = await t.cli(['rotate-adobe-secret'], { tty: true });

    expect(failed.code).toBe(1);
    expect(failed.stdout).not.toMatch(STACK_TRACE);
    const text = flat(failed.stdout);
    expect(text).toContain('createSecret FAILED ADOBE_CONSOLE_FORBIDDEN');
    expect(text).toContain('add "I/O Management API"');
    expect(text).toContain(
      'NOT OK: the rotation failed at createSecret: AWSCURRENT still holds the old secret, which works',
    );
    expect(currentSecret()).toEqual(before);

    t.world.emulators.ims.setIoManagementApi(t.world.adobe.clientId, true);
    const retried = await t.cli(['rotate-adobe-secret', '--json']);

    expect(retried.code, retried.stdout + retried.stderr).toBe(0);
    expect(retried.json()).toMatchObject({ ok: true, retried: true, outcome: 'succeeded' });
    expect(findSecrets(failed.stdout + retried.stdout, t.world.secretValues())).toEqual([]);
  });

  it('says how to turn rotation on when the secret has none (exit 3)', async () => {
    const { clientId, clientSecret, orgId } = t.world.adobe;
    const unrotated = t.world.emulators.secretsManager.putSecret(
      'aep-s3-rotator/unrotated',
      JSON.stringify({ clientId, clientSecret, orgId }),
    );
    t.writeConfig({ adobeCredentialsSecret: unrotated });
    try {
      const result = await t.cli(['rotate-adobe-secret']);

      expect(result.code).toBe(3);
      expect(flat(result.stderr)).toContain(
        'has no rotation: set "adobeSecretRotation": { "everyDays": 30 } in the configuration and deploy',
      );
    } finally {
      t.writeConfig({ adobeCredentialsSecret: t.world.adobe.secretId });
    }
  });

  it(
    'reports the end from DescribeSecret alone when the function names no log group (a deployment from before the ' +
      "tag, without the stack's output)",
    async () => {
      const { stackOutputs } = await import('../../../cli/aws.js');
      const outputs = await stackOutputs(STACK_NAME);
      const { AdobeSecretRotationLogGroupName: _dropped, ...rest } = outputs;
      t.cloudFormation.putStack({
        stackName: STACK_NAME,
        outputs: Object.entries(rest).map(([key, value]) => ({ key, value })),
      });
      const facts = t.lambda.functionFacts(FUNCTION_NAME)!;
      const { [FUNCTION_TAG.adobeSecretRotationLogGroup]: _tag, ...tags } = facts.tags ?? {};
      t.lambda.setFunctionFacts(FUNCTION_NAME, { ...facts, tags });
      try {
        const result = await t.cli(['rotate-adobe-secret', '--json']);

        expect(result.code).toBe(0);
        expect(result.json()).toMatchObject({
          ok: true,
          steps: [],
          logUnavailable: expect.stringContaining('the rotator function names no rotation log group'),
        });
      } finally {
        t.cloudFormation.putStack({
          stackName: STACK_NAME,
          outputs: Object.entries(outputs).map(([key, value]) => ({ key, value })),
        });
        t.lambda.setFunctionFacts(FUNCTION_NAME, facts);
      }
    },
  );
});

describe('the Adobe secret rotation status (DescribeSecret), for status', () => {
  it('reads whether the secret rotates, how often, the last and the next rotation, and no value', async () => {
    const status = await describeAdobeSecretRotation(t.world.adobe.secretId);

    expect(status).toMatchObject({ secretId: t.world.adobe.secretId, rotationEnabled: true, everyDays: 30 });
    expect(Date.parse(status.nextRotationDate!) - Date.parse(status.lastRotatedDate!)).toBe(30 * 86_400_000);
    expect(status.pendingVersionId).toBeUndefined();
    expect(findSecrets(JSON.stringify(status), t.world.secretValues())).toEqual([]);
  });
});
