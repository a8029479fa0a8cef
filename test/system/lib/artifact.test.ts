/**
 * Proves the artifact, not just the source: the real `cdk synth` writes the bundle `cdk deploy`
 * would upload; a fresh Node.js process (as Lambda starts one) loads that `index.mjs` with the
 * environment from the synthesized template, and is invoked with the event the synthesized
 * EventBridge Scheduler target sends. The connections in the emulators must end rotated. The Adobe
 * secret's rotation function is proved the same way: Secrets Manager's RotateSecret invokes its
 * bundle, one fresh process per step.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../../../emulators/world.js';
import { fakeAttribute, findSynthesizedFunction, PROJECT_ROOT, resolveIntrinsics } from '../../support/index.js';

const run = promisify(execFile);

/**
 * Run `script` (an ES module) in a fresh Node.js process the way Lambda runs the bundle `fn`: in its
 * directory, with its environment `environment`, `HANDLER_FILE` (the bundled handler) and `env`.
 */
function runBundle(
  fn: { readonly assetDir: string; readonly handlerFile: string },
  environment: Record<string, string>,
  script: string,
  env: Record<string, string>,
) {
  return run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fn.assetDir,
    timeout: 60_000,
    env: { PATH: process.env.PATH, ...environment, HANDLER_FILE: fn.handlerFile, ...env },
  });
}

const STACK = 'RotatorArtifactTest';

let world: World;
let workDir: string;
let createdConnectionId: string;
/** The cloud assembly the first test synthesizes (both functions' bundles). */
let cdkOut: string;

beforeAll(async () => {
  world = await startWorld({
    connections: [
      { sandboxName: 'prod', externalId: 'aep-artifact-ext' },
      { sandboxName: 'prod', method: 'assume-role-user-keys', durationSeconds: 7200 },
      { sandboxName: 'dev', method: 'get-session-token', durationSeconds: 7200 },
    ],
  });
  // A fourth connection whose role the stack itself creates.
  const initial = world.emulators.sts.issueRoleSession(
    'arn:aws:iam::123456789012:role/previous-rotation',
    'initial',
    900,
  );
  createdConnectionId = randomUUID();
  world.emulators.flowService.seedConnection({
    id: createdConnectionId,
    orgId: world.adobe.orgId,
    sandboxName: 'dev',
    params: {
      s3AccessKey: initial.accessKeyId,
      s3SecretKey: initial.secretAccessKey,
      s3SessionToken: initial.sessionToken!,
      // What the connection reads: inside what its created role (createRole below) may read.
      bucketName: 'acme-landing',
      folderPath: 'exports',
    },
  });
  workDir = mkdtempSync(join(tmpdir(), 'rotator-artifact-'));
}, 60_000);

afterAll(async () => {
  await world?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

function substituteSchedulerContext(input: string): string {
  // The placeholders EventBridge Scheduler fills in at run time (aws-scheduler ContextAttribute).
  return input
    .replaceAll(
      '<aws.scheduler.schedule-arn>',
      `arn:aws:scheduler:eu-west-1:111122223333:schedule/default/${STACK}-Schedule`,
    )
    .replaceAll('<aws.scheduler.scheduled-time>', new Date().toISOString().replace(/\.\d+Z$/, 'Z'))
    .replaceAll('<aws.scheduler.execution-id>', randomUUID())
    .replaceAll('<aws.scheduler.attempt-number>', '1');
}

describe('the synthesized function bundle', () => {
  it('rotates every configured connection when invoked with the schedule event, in a fresh process', async () => {
    // Prepare: a configuration pointing at the emulators, synthesized by the real CDK CLI.
    const [chained, userKeys, sessionToken] = world.targets as unknown as Array<Record<string, string | number>>;
    const config = {
      stackName: STACK,
      schedule: 'rate(15 minutes)',
      adobeCredentialsSecret: world.adobe.secretId,
      flowServiceUrl: world.emulators.flowService.url,
      imsUrl: world.emulators.ims.url,
      adobeSecretRotation: { everyDays: 30, consoleApiUrl: world.emulators.adobeConsole.url },
      targets: [
        {
          connectionId: chained!.connectionId,
          sandboxName: 'prod',
          roleArn: chained!.roleArn,
          externalId: 'aep-artifact-ext',
        },
        {
          connectionId: userKeys!.connectionId,
          sandboxName: 'prod',
          roleArn: userKeys!.roleArn,
          userCredentialsSecret: userKeys!.userCredentialsSecretId,
          durationSeconds: 7200,
        },
        {
          connectionId: sessionToken!.connectionId,
          sandboxName: 'dev',
          userCredentialsSecret: sessionToken!.userCredentialsSecretId,
          durationSeconds: 7200,
        },
        {
          connectionId: createdConnectionId,
          sandboxName: 'dev',
          createRole: { bucketName: 'acme-landing', folderPath: 'exports' },
        },
      ],
    };
    const configFile = join(workDir, 'rotator.json');
    writeFileSync(configFile, JSON.stringify(config));
    cdkOut = join(workDir, 'cdk.out');
    await run(
      process.execPath,
      [
        join(PROJECT_ROOT, 'node_modules/aws-cdk/bin/cdk'),
        'synth',
        '--quiet',
        '-c',
        `rotatorConfigFile=${configFile}`,
        '--output',
        cdkOut,
      ],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
        timeout: 120_000,
      },
    );

    const fn = findSynthesizedFunction(cdkOut, STACK);
    const environment = resolveIntrinsics(fn.environment, fakeAttribute) as Record<string, string>;
    const template = JSON.parse(readFileSync(join(cdkOut, `${STACK}.template.json`), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: any }>;
    };
    const schedule = Object.values(template.Resources).find(
      (resource) => resource.Type === 'AWS::Scheduler::Schedule',
    )!;
    const event = substituteSchedulerContext(schedule.Properties.Target.Input as string);

    // The role the stack creates trusts exactly the function's role: give the emulator that role.
    const createdTarget = (
      JSON.parse(environment.ROTATION_TARGETS!) as Array<{ connectionId: string; roleArn?: string }>
    ).find((target) => target.connectionId === createdConnectionId)!;
    world.emulators.sts.createRole({ roleArn: createdTarget.roleArn!, trustedPrincipalArns: [world.functionRoleArn] });
    const before = [...world.connectionIds, createdConnectionId].map((id) => world.connection(id));

    // Act: a fresh process, the Lambda-like environment, the bundled file.
    const { stdout } = await runBundle(
      fn,
      environment,
      `const { handler } = await import(process.env.HANDLER_FILE);
         const result = await handler(JSON.parse(process.env.SCHEDULER_EVENT), {
           getRemainingTimeInMillis: () => 300000,
         });
         process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');
         const refused = await handler({ connectionIds: ['not-a-configured-connection'] }).catch((error) => error);
         const { name, constructor } = refused;
         process.stdout.write('REFUSED ' + JSON.stringify({ name, errorType: constructor.name }) + '\\n');`,
      {
        AWS_REGION: world.env.AWS_REGION!,
        AWS_ACCESS_KEY_ID: world.env.AWS_ACCESS_KEY_ID!,
        AWS_SECRET_ACCESS_KEY: world.env.AWS_SECRET_ACCESS_KEY!,
        AWS_SESSION_TOKEN: world.env.AWS_SESSION_TOKEN!,
        AWS_ENDPOINT_URL_STS: world.env.AWS_ENDPOINT_URL_STS!,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: world.env.AWS_ENDPOINT_URL_SECRETS_MANAGER!,
        AWS_LAMBDA_FUNCTION_NAME: `${STACK}-Function`,
        SCHEDULER_EVENT: event,
      },
    );

    // Assess
    expect(JSON.parse(event)).toMatchObject({ source: 'aep-s3-rotator.schedule', attemptNumber: '1' });
    const resultLine = stdout.split('\n').find((line) => line.startsWith('RESULT '));
    const result = JSON.parse(resultLine!.slice('RESULT '.length)) as {
      rotated: number;
      failed: number;
      results: Array<{ connectionId: string; status: string; etag: string }>;
    };
    expect(result).toMatchObject({ rotated: 4, failed: 0 });
    for (const connection of before) {
      const after = world.connection(connection.id);
      expect(after.params.s3AccessKey).not.toBe(connection.params.s3AccessKey);
      expect(after.params.s3AccessKey).toMatch(/^ASIA/);
      expect(result.results.find((entry) => entry.connectionId === connection.id)).toMatchObject({
        status: 'rotated',
        etag: after.etag,
      });
    }
    // Error names survive bundling: Lambda reports them as `errorType`, in the invoke response and the log.
    const refusedLine = stdout.split('\n').find((line) => line.startsWith('REFUSED '));
    expect(JSON.parse(refusedLine!.slice('REFUSED '.length))).toEqual({
      name: 'RequestValidationError',
      errorType: 'RequestValidationError',
    });
    // The function logged structured JSON, and nothing secret.
    expect(stdout).toContain('"message":"connection rotated"');
    for (const secret of world.secretValues()) expect(stdout.includes(secret)).toBe(false);
  }, 180_000);

  it('rotates the Adobe client secret as Secrets Manager invokes its bundle, one fresh process per step', async () => {
    // Prepare: the rotation function as synthesized, under its own role's credentials.
    const fn = findSynthesizedFunction(cdkOut, STACK, 'ADOBE_CONSOLE_API_URL', 'ADOBE_CREDENTIALS_SECRET_ID');
    const environment = resolveIntrinsics(fn.environment, fakeAttribute) as Record<string, string>;
    const credentials = world.rotationFunctionCredentials;
    let logs = '';
    world.emulators.secretsManager.setRotationInvoker(async (_arn, event) => {
      const { stdout } = await runBundle(
        fn,
        environment,
        'const { handler } = await import(process.env.HANDLER_FILE); await ' +
          'handler(JSON.parse(process.env.ROTATION_EVENT));',
        {
          AWS_REGION: world.env.AWS_REGION!,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_SESSION_TOKEN: credentials.sessionToken!,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: world.env.AWS_ENDPOINT_URL_SECRETS_MANAGER!,
          ROTATION_EVENT: JSON.stringify(event),
        },
      );
      logs += stdout;
    });
    const before = JSON.parse(world.emulators.secretsManager.currentValue(world.adobe.secretId)!) as Record<
      string,
      string
    >;

    // Act
    const { RotateSecretCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
    const operator = world.emulators.sts.issueRoleSession('arn:aws:iam::123456789012:role/operator', 'operator', 3600);
    const client = new SecretsManagerClient({
      endpoint: world.emulators.secretsManager.url,
      region: world.env.AWS_REGION,
      credentials: {
        accessKeyId: operator.accessKeyId,
        secretAccessKey: operator.secretAccessKey,
        sessionToken: operator.sessionToken!,
      },
    });
    await client.send(new RotateSecretCommand({ SecretId: world.adobe.secretId }));
    client.destroy();
    await world.emulators.secretsManager.rotationsSettled();

    // Assess
    expect(environment).toMatchObject({
      ADOBE_IMS_URL: world.emulators.ims.url,
      ADOBE_CONSOLE_API_URL: world.emulators.adobeConsole.url,
    });
    expect(world.emulators.secretsManager.rotations.at(-1)).toMatchObject({ outcome: 'succeeded' });
    const after = JSON.parse(world.emulators.secretsManager.currentValue(world.adobe.secretId)!) as Record<
      string,
      string
    >;
    expect(after.clientSecret).not.toBe(before.clientSecret);
    expect(world.emulators.ims.clientSecrets(world.adobe.clientId).map((secret) => secret.uuid)).toEqual([
      after.clientSecretUuid,
    ]);
    expect(logs.match(/"message":"adobe secret rotation step succeeded"/g)).toHaveLength(4);
    for (const secret of world.secretValues()) expect(logs.includes(secret)).toBe(false);
  }, 120_000);
});
