/**
 * The AWS JSON 1.1 protocol as Secrets Manager and CloudWatch Logs speak it: `POST /` with
 * `X-Amz-Target: <prefix>.<Action>` and a JSON body, SigV4-signed with the keys the STS emulator
 * issued, answered in JSON, errors as `{ __type, message }`. What differs between those emulators
 * is what each action does; the signature check, the target, the body and the error shape are here.
 * Lambda and Scheduler speak REST-JSON instead (a route per action): {@link verifyRestJson} is
 * what their handlers share.
 *
 * Protocol references: https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html,
 * https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html
 */
import { randomUUID } from 'node:crypto';
import type { SignedServiceOptions } from './aws-types.js';
import type { Emulator, RecordedRequest } from './emulator.js';
import { startEmulatorServer, type EmulatorResponse } from './http-server.js';
import { JSON_AUTH_ERRORS, keysIssuedBy, verifySigV4, type SigV4ErrorCode } from './sigv4.js';

/** A request's JSON body. */
export type JsonInput = Record<string, unknown>;

/** A string field of the input, or undefined when it is absent or not a string. */
export const optionalString = (input: JsonInput, field: string): string | undefined =>
  typeof input[field] === 'string' ? (input[field] as string) : undefined;

/** One signed request for one of the service's actions, and the ways to answer it. */
export interface JsonRequest {
  readonly action: string;
  readonly input: JsonInput;
  ok(body: unknown): EmulatorResponse;
  error(type: string, message: string, status?: number): EmulatorResponse;
}

export interface JsonEmulatorOptions {
  /** The signing name the credential scope must carry (`secretsmanager`, `logs`). */
  readonly service: string;
  /** What `X-Amz-Target` starts with, the dot included: `secretsmanager.`. */
  readonly targetPrefix: string;
  readonly actions: readonly string[];
  readonly sts: SignedServiceOptions['sts'];
  readonly region: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Signature failures the service words its own way. @default the signer's words */
  readonly authMessages?: Partial<Record<SigV4ErrorCode, string>>;
}

/**
 * Start a JSON 1.1 emulator on 127.0.0.1: a request whose signature fails, whose target is not one
 * of `actions` or whose body is not JSON gets the service's answer; every other is handed to `perform`.
 */
export function startJsonEmulator(
  options: JsonEmulatorOptions,
  perform: (request: JsonRequest) => EmulatorResponse,
): Promise<Emulator> {
  const actionOf = (request: Pick<RecordedRequest, 'headers'>): string | undefined => {
    const target = request.headers['x-amz-target'];
    return target?.startsWith(options.targetPrefix) ? target.slice(options.targetPrefix.length) : undefined;
  };

  async function handle(request: RecordedRequest): Promise<EmulatorResponse> {
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() };
    const error = (type: string, message: string, status = 400): EmulatorResponse => ({
      status,
      headers,
      body: { __type: type, message },
    });

    const auth = await verifySigV4(request, {
      service: options.service,
      region: options.region,
      ...keysIssuedBy(options.sts),
    });
    if (!auth.ok) return error(JSON_AUTH_ERRORS[auth.code], options.authMessages?.[auth.code] ?? auth.message);
    const action = actionOf(request);
    if (request.method !== 'POST' || action === undefined || !options.actions.includes(action)) {
      return error(
        'UnknownOperationException',
        `Unknown operation ${request.headers['x-amz-target'] ?? '(no X-Amz-Target)'}`,
      );
    }
    let input: JsonInput;
    try {
      input = JSON.parse(request.body || '{}') as JsonInput;
    } catch {
      return error('SerializationException', 'Start of structure or map found where not expected.');
    }
    return perform({ action, input, ok: (body) => ({ status: 200, headers, body }), error });
  }

  return startEmulatorServer(handle, { port: options.port, actionOf });
}

/** How a REST-JSON service answers one request: with its request id, errors named in `x-amzn-errortype`. */
export interface RestJsonReply {
  readonly requestId: string;
  readonly headers: Record<string, string>;
  error(status: number, type: string, message: string): EmulatorResponse;
  /** The answer to a request whose signature failed (403); undefined when it is signed. */
  readonly refusal?: EmulatorResponse;
}

/**
 * Check a REST-JSON request's signature against the keys the STS emulator issued, and give the
 * service's way to answer it; `errorBody` is the service's error shape.
 */
export async function verifyRestJson(
  request: RecordedRequest,
  options: {
    readonly service: string;
    readonly region: string;
    readonly sts: SignedServiceOptions['sts'];
    readonly errorBody: (status: number, message: string) => unknown;
  },
): Promise<RestJsonReply> {
  const requestId = randomUUID();
  const headers = { 'content-type': 'application/json', 'x-amzn-requestid': requestId };
  const error = (status: number, type: string, message: string): EmulatorResponse => ({
    status,
    headers: { ...headers, 'x-amzn-errortype': type },
    body: options.errorBody(status, message),
  });
  const auth = await verifySigV4(request, {
    service: options.service,
    region: options.region,
    ...keysIssuedBy(options.sts),
  });
  return {
    requestId,
    headers,
    error,
    ...(auth.ok ? {} : { refusal: error(403, JSON_AUTH_ERRORS[auth.code], auth.message) }),
  };
}
