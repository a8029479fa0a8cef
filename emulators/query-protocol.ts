/**
 * The AWS Query protocol as STS, SNS, IAM and CloudFormation speak it: `Action=...&Version=...`
 * form-encoded in a `POST /` (or in the query string), SigV4-signed, answered in XML with the
 * service's namespace. What differs between those emulators is only what each action does; the
 * signature check, the parameters, the answer's envelope and the error body are here, once.
 *
 * Protocol reference: https://smithy.io/2.0/aws/protocols/aws-query-protocol.html
 */
import { randomUUID } from 'node:crypto';
import type { AwsCredentials } from './aws-types.js';
import type { Emulator, RecordedRequest } from './emulator.js';
import { startEmulatorServer, type EmulatorResponse } from './http-server.js';
import { verifySigV4 } from './sigv4.js';

/** Text-node escaping, as AWS does it (quotes stay as they are). */
export const escapeXml = (value: string) =>
  value.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);

/** Escaping of quotes too, as IAM and CloudFormation write some of their answers. */
export const escapeXmlWithQuotes = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

/** Query protocol parameters: the query string, plus a form body on POST. */
export function queryParams(request: Pick<RecordedRequest, 'method' | 'query' | 'body'>): Record<string, string> {
  return {
    ...request.query,
    ...(request.method === 'POST' ? Object.fromEntries(new URLSearchParams(request.body)) : {}),
  };
}

/** An error body exactly as a Query-protocol service sends it; the SDK names the error after `code`. */
export function queryErrorXml(
  xmlns: string,
  code: string,
  message: string,
  options: { type?: 'Sender' | 'Receiver'; requestId?: string; escapeMessage?: (value: string) => string } = {},
): string {
  const { type = 'Sender', requestId = randomUUID(), escapeMessage = escapeXml } = options;
  return (
    `<ErrorResponse xmlns="${xmlns}"><Error><Type>${type}</Type><Code>${escapeMessage(code)}</Code>` +
    `<Message>${escapeMessage(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

/** One request to a Query-protocol emulator, signed and parsed, and the ways to answer it. */
export interface QueryRequest<C extends AwsCredentials> {
  readonly params: Record<string, string>;
  /** The credentials the request was signed with. */
  readonly credentials: C;
  readonly requestId: string;
  /** `<{action}Response>` holding `result` (an action's `<{action}Result>`, or nothing), and the request id. */
  ok(action: string, result?: string): EmulatorResponse;
  /** An error: `Sender` below 500, `Receiver` from 500 on. */
  error(status: number, code: string, message: string): EmulatorResponse;
  /** `InvalidAction`, as AWS answers an action the service does not have. */
  invalidAction(): EmulatorResponse;
}

export interface QueryEmulatorOptions<C extends AwsCredentials> {
  /** The namespace of the service's answers, e.g. `https://sts.amazonaws.com/doc/2011-06-15/`. */
  readonly xmlns: string;
  /** The signing name the credential scope must carry (`sts`, `sns`, `iam`, `cloudformation`). */
  readonly service: string;
  readonly region: string;
  /** The credentials the service knows, by access key id. */
  readonly lookup: (accessKeyId: string) => C | undefined;
  /** The clock credential expiry is checked against. */
  readonly now: () => number;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** How an error's code and message are escaped. @default escapeXml */
  readonly escapeMessage?: (value: string) => string;
}

/**
 * Start a Query-protocol emulator on 127.0.0.1: a request whose signature fails gets AWS's answer
 * (`IncompleteSignature` 400, the others 403); every other is handed to `perform`.
 */
export function startQueryEmulator<C extends AwsCredentials>(
  options: QueryEmulatorOptions<C>,
  perform: (request: QueryRequest<C>) => EmulatorResponse | Promise<EmulatorResponse>,
): Promise<Emulator> {
  const { xmlns, escapeMessage } = options;
  async function handle(request: RecordedRequest): Promise<EmulatorResponse> {
    const requestId = randomUUID();
    const headers = { 'content-type': 'text/xml', 'x-amzn-requestid': requestId };
    const error = (status: number, code: string, message: string): EmulatorResponse => ({
      status,
      headers,
      body: queryErrorXml(xmlns, code, message, {
        type: status >= 500 ? 'Receiver' : 'Sender',
        requestId,
        escapeMessage,
      }),
    });
    const auth = await verifySigV4(request, {
      service: options.service,
      region: options.region,
      lookup: options.lookup,
      now: options.now,
    });
    if (!auth.ok) return error(auth.code === 'IncompleteSignature' ? 400 : 403, auth.code, auth.message);
    const params = queryParams(request);
    return perform({
      params,
      credentials: auth.credentials,
      requestId,
      ok: (action, result = '') => ({
        status: 200,
        headers,
        body:
          `<${action}Response xmlns="${xmlns}">${result}` +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
      }),
      error,
      invalidAction: () =>
        error(
          400,
          'InvalidAction',
          `Could not find operation ${params.Action ?? ''} for version ${params.Version ?? ''}`,
        ),
    });
  }
  return startEmulatorServer(handle, { port: options.port, actionOf: (request) => queryParams(request).Action });
}
