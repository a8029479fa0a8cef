/**
 * The AWS calls the CLI makes itself: read the deployed stack's outputs (CloudFormation
 * DescribeStacks) and invoke the rotator function synchronously (Lambda Invoke). Credentials,
 * region and endpoints come from the SDK's defaults (`AWS_PROFILE`, `AWS_REGION`,
 * `AWS_ENDPOINT_URL_CLOUDFORMATION`, `AWS_ENDPOINT_URL_LAMBDA`, ...).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient, LogType } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { STACK_OUTPUT } from '../core/stack-outputs.js';
import { RUN } from './args.js';
import { describeAwsError, EnvironmentError, firstSentence } from './errors.js';

/** The stack's output names (core/stack-outputs.ts, the table the stack writes them from). */
export { STACK_OUTPUT };

export interface AwsOptions {
  /** The configuration's region, when it pins one; else the SDK's default. */
  readonly region?: string;
}

/** Every output of a deployed stack, by key. Throws {@link EnvironmentError} for a stack that does not exist. */
export async function stackOutputs(stackName: string, options: AwsOptions = {}): Promise<Record<string, string>> {
  const client = new CloudFormationClient({ ...(options.region ? { region: options.region } : {}) });
  try {
    const response = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = response.Stacks?.[0];
    if (!stack) throw notDeployed(stackName, await regionOf(client));
    return Object.fromEntries(
      (stack.Outputs ?? []).flatMap((output) =>
        output.OutputKey && output.OutputValue !== undefined ? [[output.OutputKey, output.OutputValue]] : [],
      ),
    );
  } catch (error) {
    if (error instanceof EnvironmentError) throw error;
    // CloudFormation answers 400 ValidationError "Stack with id X does not exist": the text is the only sign (the
    // same error name covers every bad parameter).
    if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message))
      throw notDeployed(stackName, await regionOf(client));
    throw describeAwsError(error, `describe stack ${stackName}`) ?? error;
  } finally {
    client.destroy();
  }
}

/** CloudFormation has no stack of that name (in that region). */
export class StackNotDeployedError extends EnvironmentError {
  /** The fact without the advice: `Stack <name> is not deployed in <region>`. */
  readonly summary: string;

  constructor(
    readonly stackName: string,
    readonly region: string | undefined,
  ) {
    const summary = `Stack ${stackName} is not deployed${region ? ` in ${region}` : ''}`;
    super(
      `${summary}: check AWS_REGION and the stack name (--stack, or "stackName" in the configuration), ` +
        'or name the rotator function with --function <name>.',
    );
    this.name = 'StackNotDeployedError';
    this.summary = summary;
  }
}

function notDeployed(stackName: string, region: string | undefined): StackNotDeployedError {
  return new StackNotDeployedError(stackName, region);
}

async function regionOf(client: { config: { region: () => Promise<string> } }): Promise<string | undefined> {
  return client.config.region().catch(() => undefined);
}

/** A run may take Lambda's 15-minute maximum; wait a minute more for the answer. */
const INVOKE_READ_TIMEOUT_MS = 16 * 60_000;

/** What a synchronous invocation answered. */
export interface InvocationOutcome {
  /** `Unhandled` (or `Handled`) when the function threw; undefined on success. */
  readonly functionError?: string;
  /** The parsed JSON payload: the function's result, or `{errorType, errorMessage, trace}`. */
  readonly payload: unknown;
  /** The last 4 KB of the invocation's log (decoded), when Lambda returned it. */
  readonly logTail?: string;
}

/**
 * Invoke `functionName` with `RequestResponse` and `LogType: Tail`.
 * Throws {@link EnvironmentError} for a function that does not exist, no credentials, throttling, etc.
 */
export async function invokeFunction(
  functionName: string,
  event: unknown,
  options: AwsOptions = {},
): Promise<InvocationOutcome> {
  // One attempt: a retried synchronous invoke after a lost answer would start a second run.
  const client = new LambdaClient({
    ...(options.region ? { region: options.region } : {}),
    maxAttempts: 1,
    // The answer comes when the run ends: a long idle socket, kept alive for NATs and proxies.
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 10_000,
      socketTimeout: INVOKE_READ_TIMEOUT_MS,
      httpsAgent: { keepAlive: true, keepAliveMsecs: 60_000 },
    }),
  });
  try {
    const response = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        LogType: LogType.Tail,
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    const text = response.Payload ? new TextDecoder().decode(response.Payload) : '';
    let payload: unknown = text;
    try {
      payload = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (should not happen): keep the text.
    }
    return {
      functionError: response.FunctionError,
      payload,
      logTail: response.LogResult ? Buffer.from(response.LogResult, 'base64').toString('utf8') : undefined,
    };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ResourceNotFoundException') {
      const region = await regionOf(client);
      throw new EnvironmentError(
        `Function ${functionName} was not found${region ? ` in ${region}` : ''}: check --function, AWS_REGION, ` +
          'or deploy the stack.',
      );
    }
    if (name === 'TooManyRequestsException') {
      throw new EnvironmentError(
        `Function ${functionName} is busy (it runs one rotation at a time, and a scheduled run is probably in ` +
          'progress): try again in a few minutes.',
      );
    }
    // The SDK's socket timeout and an aborted request share the name; only the text tells them apart.
    if (name === 'TimeoutError' && /of inactivity/.test((error as Error).message)) {
      throw new EnvironmentError(
        `Function ${functionName} did not answer within ${INVOKE_READ_TIMEOUT_MS / 60_000} minutes; ` +
          `the run may still have finished: check \`${RUN} status\` and the function's log.`,
      );
    }
    if (name === 'ResourceConflictException' || name === 'ResourceNotReadyException') {
      throw new EnvironmentError(
        `Function ${functionName} is being updated or is not ready: ${firstSentence((error as Error).message)}`,
      );
    }
    throw describeAwsError(error, `invoke function ${functionName}`) ?? error;
  } finally {
    client.destroy();
  }
}
