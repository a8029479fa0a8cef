/**
 * AWS Lambda emulator, for `Invoke` (`POST /2015-03-31/functions/{FunctionName}/invocations`,
 * REST-JSON), running registered handlers in-process, and the reads an operator makes of a function:
 * `GetFunctionConfiguration` (its environment), `ListTags` (by ARN, as the API takes it) and
 * `ListFunctions`. It answers the way Lambda does, so `@aws-sdk/client-lambda` pointed at it
 * (`AWS_ENDPOINT_URL_LAMBDA`) sees AWS's shapes:
 *
 * - success: 200, the handler's JSON result, `X-Amz-Executed-Version: $LATEST`;
 * - the handler threw: still 200, `X-Amz-Function-Error: Unhandled` and `{"errorType","errorMessage","trace"}`;
 * - `X-Amz-Log-Type: Tail`: `X-Amz-Log-Result` is base64 of the last 4 KB of the invocation's log
 *   (START/END/REPORT lines and everything the handler wrote to stdout/stderr);
 * - unknown function: 404 `ResourceNotFoundException` (`x-amzn-ErrorType` header and `{"Type","Message"}`);
 * - SigV4 checked against the keys the STS emulator issued;
 * - an asynchronous invocation (`Event`) that fails is retried as its function's configuration
 *   says (Lambda's `MaximumRetryAttempts`, 2 by default on AWS; none unless registered so here),
 *   each retry with the same event, then handed to its on-failure destination.
 *
 * API reference: https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 */
import { randomUUID } from 'node:crypto';
import { startEmulatorServer, type EmulatorResponse } from './http-server.js';
import { verifyRestJson } from './json-protocol.js';
import type { Emulator, RecordedRequest, SignedServiceOptions } from './types.js';

/** Lambda returns at most the last 4 KB of the log with `LogType: Tail`. */
export const LOG_TAIL_BYTES = 4096;

export type LambdaHandler = (event: unknown) => unknown | Promise<unknown>;

/** One invocation as the emulator ran it. */
export interface RecordedInvocation {
  readonly functionName: string;
  readonly invocationType: string;
  readonly logType?: string;
  readonly event: unknown;
  /** The whole log of the invocation (not just the tail). */
  readonly log: string;
  readonly functionError?: 'Unhandled';
  /** What the handler returned (undefined when it threw). */
  readonly result?: unknown;
  /** The error the handler threw, as Lambda reports it (`errorMessage`). */
  readonly errorMessage?: string;
}

/** What Lambda does with a failed asynchronous invocation (`EventInvokeConfig`). */
export interface AsyncInvokeConfig {
  /** Retries after the first attempt. @default 0 */
  readonly maximumRetryAttempts?: number;
  /**
   * The on-failure destination: receives the event and the last error once the retries are spent;
   * resolves false when it could not take the record (Lambda's `DestinationDeliveryFailures`).
   */
  readonly onFailure?: (record: {
    readonly event: unknown;
    readonly errorMessage: string;
    readonly attempts: number;
  }) => boolean | Promise<boolean>;
}

/** What GetFunctionConfiguration and ListTags show of a function. */
export interface FunctionFacts {
  /** Its environment variables. @default none */
  readonly environment?: Readonly<Record<string, string>>;
  /** Its tags. @default none */
  readonly tags?: Readonly<Record<string, string>>;
  /** Its execution role. @default a role named after the function */
  readonly role?: string;
  /** @default 900 */
  readonly timeoutSeconds?: number;
}

export interface LambdaInvokeEmulator extends Emulator {
  /** Register a function; returns its ARN. Invocations of the name or the ARN run `handler`. */
  registerFunction(
    name: string,
    handler: LambdaHandler,
    asyncConfig?: AsyncInvokeConfig,
    facts?: FunctionFacts,
  ): string;
  /**
   * What GetFunctionConfiguration and ListTags show of a registered function, replaced (a deploy of another version).
   */
  setFunctionFacts(name: string, facts: FunctionFacts): void;
  functionFacts(name: string): FunctionFacts | undefined;
  readonly invocations: RecordedInvocation[];
  /** Resolves when every invocation received so far (asynchronous ones too) has finished. */
  settled(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const CONFIGURATION_PATH = /^\/2015-03-31\/functions\/([^/]+)\/configuration$/;
const TAGS_PATH = /^\/2017-03-31\/tags\/(.+)$/;
const FUNCTIONS_PATH = /^\/2015-03-31\/functions\/?$/;

/** The Lambda API action of a request (for the IAM actions an operator needs, and fault matching). */
export function lambdaActionOf(request: Pick<RecordedRequest, 'method' | 'path'>): string | undefined {
  if (request.method === 'POST' && INVOKE_PATH.test(request.path)) return 'InvokeFunction';
  if (request.method === 'GET' && CONFIGURATION_PATH.test(request.path)) return 'GetFunctionConfiguration';
  if (request.method === 'GET' && TAGS_PATH.test(request.path)) return 'ListTags';
  if (request.method === 'GET' && FUNCTIONS_PATH.test(request.path)) return 'ListFunctions';
  return undefined;
}

/**
 * `name`, `name:qualifier`, `123456789012:function:name[:q]` or
 * `arn:aws:lambda:<region>:<account>:function:name[:q]` → name.
 */
function functionNameOf(raw: string): string {
  const arn = /^arn:[\w-]+:lambda:[a-z0-9-]+:\d{12}:function:([^:]+)(?::[^:]+)?$/.exec(raw);
  if (arn) return arn[1]!;
  const partial = /^\d{12}:function:([^:]+)(?::[^:]+)?$/.exec(raw);
  if (partial) return partial[1]!;
  return raw.split(':')[0]!;
}

/** Lambda's Node.js runtime reports a thrown error like this. */
function errorPayload(error: unknown) {
  if (error instanceof Error)
    return { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

/** What a recorded invocation keeps of a run's outcome. */
function outcomeOf(outcome: {
  failed: boolean;
  result: unknown;
  error: unknown;
}): Pick<RecordedInvocation, 'functionError' | 'result' | 'errorMessage'> {
  return outcome.failed
    ? { functionError: 'Unhandled', errorMessage: errorPayload(outcome.error).errorMessage }
    : { result: outcome.result };
}

/**
 * Start a Lambda Invoke emulator on 127.0.0.1 that accepts requests signed with credentials
 * `options.sts` knows.
 *
 * @param options.region - of function ARNs and the signature scope. @default 'us-east-1'
 * @param options.accountId - of function ARNs. @default '123456789012'
 */
export async function startLambdaInvokeEmulator(options: SignedServiceOptions): Promise<LambdaInvokeEmulator> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const functions = new Map<string, LambdaHandler>();
  const asyncConfigs = new Map<string, AsyncInvokeConfig>();
  const facts = new Map<string, FunctionFacts>();
  const invocations: RecordedInvocation[] = [];
  const arnOf = (name: string) => `arn:aws:lambda:${region}:${accountId}:function:${name}`;
  // Handlers write their log to process.stdout/stderr, captured per invocation: one at a time.
  let queue: Promise<unknown> = Promise.resolve();

  /** Run `handler`, capturing everything written to process.stdout/stderr meanwhile. */
  async function runCaptured(handler: LambdaHandler, event: unknown, requestId: string) {
    const chunks: string[] = [`START RequestId: ${requestId} Version: $LATEST\n`];
    const capture = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      (rest.find((arg) => typeof arg === 'function') as (() => void) | undefined)?.();
      return true;
    }) as typeof process.stdout.write;
    const saved = { stdout: process.stdout.write, stderr: process.stderr.write };
    const started = performance.now();
    process.stdout.write = capture;
    process.stderr.write = capture;
    let result: unknown;
    let error: unknown;
    let failed = false;
    try {
      result = await handler(event);
    } catch (thrown) {
      failed = true;
      error = thrown;
      // The runtime logs the error it reports.
      chunks.push(
        `${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify(errorPayload(thrown))}\n`,
      );
    } finally {
      process.stdout.write = saved.stdout;
      process.stderr.write = saved.stderr;
    }
    const ms = (performance.now() - started).toFixed(2);
    chunks.push(
      `END RequestId: ${requestId}\n`,
      `REPORT RequestId: ${requestId}\tDuration: ${ms} ms\tBilled Duration: ${Math.ceil(Number(ms))} ` +
        'ms\tMemory Size: 256 MB\tMax Memory Used: 100 MB\t\n',
    );
    return { failed, result, error, log: chunks.join('') };
  }

  async function handle(request: RecordedRequest): Promise<EmulatorResponse> {
    const { requestId, headers, error, refusal } = await verifyRestJson(request, {
      service: 'lambda',
      region,
      sts: options.sts,
      errorBody: (status, message) => ({ Type: status >= 500 ? 'Service' : 'User', Message: message }),
    });
    if (refusal) return refusal;

    const read = readFunction(request);
    if (read) return read;
    const match = INVOKE_PATH.exec(request.path);
    if (!match || request.method !== 'POST')
      return error(404, 'UnknownOperationException', `Unknown operation ${request.method} ${request.path}`);
    const rawName = decodeURIComponent(match[1]!);
    const name = functionNameOf(rawName);
    const handler = functions.get(name);
    if (!handler)
      return error(
        404,
        'ResourceNotFoundException',
        `Function not found: ${rawName.startsWith('arn:') ? rawName : arnOf(name)}`,
      );

    let event: unknown = {};
    if (request.body.trim()) {
      try {
        event = JSON.parse(request.body);
      } catch (thrown) {
        return error(
          400,
          'InvalidRequestContentException',
          `Could not parse request body into json: ${(thrown as Error).message}`,
        );
      }
    }
    const invocationType = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
    const logType = request.headers['x-amz-log-type'];
    if (invocationType === 'DryRun') return { status: 204, headers };

    if (invocationType === 'Event') {
      // Queued, as Lambda's asynchronous queue: the first attempt, then its retries, one at a time.
      const config = asyncConfigs.get(name) ?? {};
      const attempts = 1 + (config.maximumRetryAttempts ?? 0);
      const run = queue.then(async () => {
        for (let attempt = 1; ; attempt += 1) {
          const outcome = await runCaptured(handler, event, attempt === 1 ? requestId : randomUUID());
          invocations.push({ functionName: name, invocationType, event, log: outcome.log, ...outcomeOf(outcome) });
          if (!outcome.failed) return;
          if (attempt >= attempts) {
            await config.onFailure?.({
              event,
              errorMessage: errorPayload(outcome.error).errorMessage,
              attempts: attempt,
            });
            return;
          }
        }
      });
      queue = run.catch(() => undefined);
      return { status: 202, headers };
    }
    const run = queue.then(() => runCaptured(handler, event, requestId));
    queue = run.catch(() => undefined);
    const outcome = await run;
    invocations.push({ functionName: name, invocationType, logType, event, log: outcome.log, ...outcomeOf(outcome) });

    const responseHeaders: Record<string, string> = { ...headers, 'x-amz-executed-version': '$LATEST' };
    if (logType === 'Tail')
      responseHeaders['x-amz-log-result'] = Buffer.from(outcome.log).subarray(-LOG_TAIL_BYTES).toString('base64');
    if (outcome.failed) {
      responseHeaders['x-amz-function-error'] = 'Unhandled';
      return { status: 200, headers: responseHeaders, body: JSON.stringify(errorPayload(outcome.error)) };
    }
    return { status: 200, headers: responseHeaders, body: JSON.stringify(outcome.result ?? null) };
  }

  /** The function's configuration, as GetFunctionConfiguration and ListFunctions answer. */
  function configurationOf(name: string) {
    const known = facts.get(name) ?? {};
    return {
      FunctionName: name,
      FunctionArn: arnOf(name),
      Runtime: 'nodejs24.x',
      Role: known.role ?? `arn:aws:iam::${accountId}:role/${name}-role`,
      Handler: 'index.handler',
      Timeout: known.timeoutSeconds ?? 900,
      MemorySize: 1769,
      Architectures: ['arm64'],
      State: 'Active',
      LastUpdateStatus: 'Successful',
      ...(known.environment ? { Environment: { Variables: { ...known.environment } } } : {}),
    };
  }

  /** GetFunctionConfiguration, ListTags and ListFunctions; undefined for any other request. */
  function readFunction(request: RecordedRequest): EmulatorResponse | undefined {
    const headers = { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() };
    const notFound = (what: string): EmulatorResponse => ({
      status: 404,
      headers: { ...headers, 'x-amzn-errortype': 'ResourceNotFoundException' },
      body: { Type: 'User', Message: `Function not found: ${what}` },
    });
    const action = lambdaActionOf(request);
    if (action === 'GetFunctionConfiguration') {
      const raw = decodeURIComponent(CONFIGURATION_PATH.exec(request.path)![1]!);
      const name = functionNameOf(raw);
      return functions.has(name)
        ? { status: 200, headers, body: configurationOf(name) }
        : notFound(raw.startsWith('arn:') ? raw : arnOf(name));
    }
    if (action === 'ListTags') {
      const resource = decodeURIComponent(TAGS_PATH.exec(request.path)![1]!);
      if (!resource.startsWith('arn:')) {
        return {
          status: 400,
          headers: { ...headers, 'x-amzn-errortype': 'ValidationException' },
          body: { Type: 'User', Message: `Invalid ARN: ${resource}` },
        };
      }
      const name = functionNameOf(resource);
      return functions.has(name)
        ? { status: 200, headers, body: { Tags: { ...facts.get(name)?.tags } } }
        : notFound(resource);
    }
    if (action === 'ListFunctions')
      return { status: 200, headers, body: { Functions: [...functions.keys()].map(configurationOf) } };
    return undefined;
  }

  const server = await startEmulatorServer(handle, { actionOf: lambdaActionOf });
  return {
    ...server,
    invocations,
    // An asynchronous invocation (with its retries) is recorded as each attempt ends.
    settled: () => queue.then(() => new Promise<void>((resolve) => setImmediate(resolve))),
    registerFunction(name, handler, asyncConfig, functionFacts) {
      functions.set(name, handler);
      if (asyncConfig) asyncConfigs.set(name, asyncConfig);
      if (functionFacts) facts.set(name, functionFacts);
      return arnOf(name);
    },
    setFunctionFacts(name, functionFacts) {
      facts.set(name, functionFacts);
    },
    functionFacts: (name) => facts.get(name),
  };
}
