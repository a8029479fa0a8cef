/**
 * The Lambda Invoke and CloudFormation stand-ins answer the way AWS does, as the real SDK clients
 * parse it; and the stack outputs the CLI reads are the ones the stack defines.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STACK_OUTPUT } from '../../../cli/aws.js';
import { startCloudFormationEmulator, type CloudFormationEmulator } from '../../../emulators/cloudformation.js';
import { startLambdaInvokeEmulator, type LambdaInvokeEmulator } from '../../../emulators/lambda-invoke.js';
import { startStsEmulator } from '../../../emulators/sts.js';
import type { StsEmulator } from '../../../emulators/types.js';

let sts: StsEmulator;
let lambda: LambdaInvokeEmulator;
let cloudFormation: CloudFormationEmulator;
let lambdaClient: LambdaClient;
let cfnClient: CloudFormationClient;

beforeAll(async () => {
  sts = await startStsEmulator();
  lambda = await startLambdaInvokeEmulator({ sts });
  cloudFormation = await startCloudFormationEmulator({ sts });
  const credentials = sts.issueRoleSession('arn:aws:iam::123456789012:role/operator');
  const config = {
    region: 'us-east-1',
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken!,
    },
  };
  lambdaClient = new LambdaClient({ ...config, endpoint: lambda.url, maxAttempts: 1 });
  cfnClient = new CloudFormationClient({ ...config, endpoint: cloudFormation.url });
  lambda.registerFunction('ok-fn', async (event) => {
    // As Powertools writes its log lines (vitest intercepts console.* itself).
    process.stdout.write(`${JSON.stringify({ level: 'INFO', message: 'hello' })}\n`);
    return { echoed: event };
  });
  lambda.registerFunction('failing-fn', async () => {
    process.stdout.write(`${'y'.repeat(5000)}\n`);
    throw new TypeError('1 of 1 connections failed to rotate');
  });
});
afterAll(async () => {
  lambdaClient.destroy();
  cfnClient.destroy();
  await Promise.all([lambda.close(), cloudFormation.close(), sts.close()]);
});

const invoke = (name: string, payload: unknown, logType?: 'Tail') =>
  lambdaClient.send(
    new InvokeCommand({
      FunctionName: name,
      InvocationType: 'RequestResponse',
      LogType: logType,
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }),
  );

describe('Lambda Invoke stand-in', () => {
  it('returns the handler result with the executed version, and the log tail on request', async () => {
    const response = await invoke('ok-fn', { a: 1 }, 'Tail');

    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBeUndefined();
    expect(response.ExecutedVersion).toBe('$LATEST');
    expect(JSON.parse(new TextDecoder().decode(response.Payload))).toEqual({ echoed: { a: 1 } });
    const log = Buffer.from(response.LogResult!, 'base64').toString('utf8');
    expect(log).toMatch(
      new RegExp(
        String.raw`^START RequestId: \S+ Version: \$LATEST\n\{"level":"INFO","message":"hello"\}\nEND RequestId: ` +
          String.raw`\S+\nREPORT RequestId: `,
      ),
    );
  });

  it(
    'answers a thrown error with 200, X-Amz-Function-Error: Unhandled and the runtime error shape; the tail is the ' +
      'last 4 KB',
    async () => {
      const response = await invoke('failing-fn', {}, 'Tail');

      expect(response.StatusCode).toBe(200);
      expect(response.FunctionError).toBe('Unhandled');
      expect(JSON.parse(new TextDecoder().decode(response.Payload))).toMatchObject({
        errorType: 'TypeError',
        errorMessage: '1 of 1 connections failed to rotate',
        trace: expect.any(Array),
      });
      expect(Buffer.from(response.LogResult!, 'base64').length).toBe(4096);
    },
  );

  it('omits the log without LogType Tail, and accepts the function ARN', async () => {
    const response = await invoke('arn:aws:lambda:us-east-1:123456789012:function:ok-fn', {});

    expect(response.LogResult).toBeUndefined();
  });

  it('answers an unknown function with ResourceNotFoundException', async () => {
    const error = await invoke('missing-fn', {}).catch(
      (thrown: Error & { $metadata: { httpStatusCode: number } }) => thrown,
    );

    expect(error).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing-fn',
    });
    expect((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(404);
  });

  it('refuses unsigned or wrongly signed requests', async () => {
    const stranger = new LambdaClient({
      region: 'us-east-1',
      endpoint: lambda.url,
      credentials: { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) },
    });
    const error = await stranger.send(new InvokeCommand({ FunctionName: 'ok-fn' })).catch((thrown: Error) => thrown);
    stranger.destroy();

    expect(error).toMatchObject({ name: 'UnrecognizedClientException' });
  });
});

describe('CloudFormation stand-in', () => {
  it('describes a stack and its outputs as DescribeStacks does', async () => {
    cloudFormation.putStack({
      stackName: 'S',
      outputs: [{ key: 'RotatorFunctionName', value: 'fn', exportName: 'S-RotatorFunctionName', description: 'd' }],
    });

    const response = await cfnClient.send(new DescribeStacksCommand({ StackName: 'S' }));

    expect(response.Stacks).toHaveLength(1);
    expect(response.Stacks![0]).toMatchObject({
      StackName: 'S',
      StackStatus: 'CREATE_COMPLETE',
      Outputs: [
        { OutputKey: 'RotatorFunctionName', OutputValue: 'fn', ExportName: 'S-RotatorFunctionName', Description: 'd' },
      ],
    });
    expect(response.Stacks![0]!.CreationTime).toBeInstanceOf(Date);
  });

  it('answers a missing stack with 400 ValidationError "Stack with id X does not exist"', async () => {
    const error = await cfnClient
      .send(new DescribeStacksCommand({ StackName: 'Nope' }))
      .catch((thrown: Error) => thrown);

    expect(error).toMatchObject({ name: 'ValidationError', message: 'Stack with id Nope does not exist' });
  });
});

describe('the deployed stack in stand-ins', () => {
  it('serves every output the stack writes, and names a schedule, alarms and a ledger table that exist', async () => {
    const { startWorld } = await import('../../../emulators/world.js');
    const { startDeployedStack, STACK_NAME } = await import('../../../emulators/deployed-stack.js');
    const world = await startWorld({ connections: [{ sandboxName: 'prod' }] });
    const stack = await startDeployedStack(world);
    const restore = world.applyEnv(stack.endpointEnv);
    try {
      const { stackOutputs } = await import('../../../cli/aws.js');
      const outputs = await stackOutputs(STACK_NAME);

      expect(Object.keys(outputs).sort()).toEqual(Object.values(STACK_OUTPUT).sort());
      expect(stack.scheduler.getSchedule(outputs.ScheduleName!, outputs.ScheduleGroupName)).toMatchObject({
        State: 'ENABLED',
      });
      for (const name of outputs.AlarmNames!.split(','))
        expect(stack.cloudWatch.getAlarm(name)).toMatchObject({ actionsEnabled: true });
      expect(outputs.LedgerTableName).toBe(world.env.LEDGER_TABLE_NAME);
    } finally {
      restore();
      await stack.close();
      await world.close();
    }
  });

  it("has the stack's alarms: one per alarm section of the runbook (tied to the stack in stack.test.ts)", async () => {
    const { readFileSync } = await import('node:fs');
    const { ALARM_IDS } = await import('../../../emulators/deployed-stack.js');
    const runbook = readFileSync(new URL('../../../docs/RUNBOOK.md', import.meta.url), 'utf8');

    // AdobeSecretRotationFailedAlarm is not in AlarmNames (pause leaves it alone): it has its section, not a stand-in
    // of its own.
    expect([...ALARM_IDS, 'AdobeSecretRotationFailedAlarm'].sort()).toEqual(
      [...runbook.matchAll(/^### `(\w+Alarm)`$/gm)].map((match) => match[1]).sort(),
    );
  });
});
