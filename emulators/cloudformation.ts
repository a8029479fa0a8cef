/**
 * AWS CloudFormation emulator, for `DescribeStacks` and `ListStacks`: the Query protocol (`POST /`,
 * form-encoded `Action=DescribeStacks&StackName=...&Version=2010-05-15`, XML answers), SigV4
 * checked against the keys the STS emulator issued. Tests seed deployed stacks and their outputs;
 * a stack that is not there gets AWS's `400 ValidationError "Stack with id X does not exist"`.
 *
 * API reference: https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
 */
import { randomUUID } from 'node:crypto';
import { startEmulatorServer, type EmulatorResponse } from './http-server.js';
import { verifySigV4 } from './sigv4.js';
import type { Emulator, RecordedRequest, SignedServiceOptions } from './types.js';

const XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

export interface SeedStackOutput {
  readonly key: string;
  readonly value: string;
  readonly description?: string;
  readonly exportName?: string;
}

export interface SeedStack {
  readonly stackName: string;
  /** @default 'CREATE_COMPLETE' */
  readonly status?: string;
  readonly outputs?: readonly SeedStackOutput[];
}

export interface CloudFormationEmulator extends Emulator {
  /** Create (or replace) a deployed stack; returns its stack id (an ARN). */
  putStack(stack: SeedStack): string;
  deleteStack(stackName: string): void;
}

const escapeXml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

/** A Query-protocol error body, as CloudFormation sends it. */
function errorXml(code: string, message: string, requestId: string, type: 'Sender' | 'Receiver' = 'Sender'): string {
  return `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

function paramsOf(request: Pick<RecordedRequest, 'method' | 'query' | 'body'>): Record<string, string> {
  return {
    ...request.query,
    ...(request.method === 'POST' ? Object.fromEntries(new URLSearchParams(request.body)) : {}),
  };
}

/**
 * Start a CloudFormation emulator on 127.0.0.1.
 *
 * @param options.region - of stack ids and the signature scope. @default 'us-east-1'
 * @param options.accountId - of stack ids. @default '123456789012'
 */
export async function startCloudFormationEmulator(options: SignedServiceOptions): Promise<CloudFormationEmulator> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const stacks = new Map<string, SeedStack & { stackId: string; createdAt: number }>();

  function stackXml(stack: SeedStack & { stackId: string; createdAt: number }): string {
    const outputs = (stack.outputs ?? [])
      .map(
        (output) =>
          `<member><OutputKey>${escapeXml(output.key)}</OutputKey><OutputValue>${escapeXml(output.value)}</OutputValue>` +
          (output.description ? `<Description>${escapeXml(output.description)}</Description>` : '') +
          (output.exportName ? `<ExportName>${escapeXml(output.exportName)}</ExportName>` : '') +
          '</member>',
      )
      .join('');
    return (
      `<member><StackId>${stack.stackId}</StackId><StackName>${escapeXml(stack.stackName)}</StackName>` +
      `<CreationTime>${new Date(stack.createdAt).toISOString()}</CreationTime><StackStatus>${stack.status ?? 'CREATE_COMPLETE'}</StackStatus>` +
      `<DisableRollback>false</DisableRollback><Capabilities><member>CAPABILITY_IAM</member></Capabilities>` +
      `<Outputs>${outputs}</Outputs><Tags/><EnableTerminationProtection>false</EnableTerminationProtection>` +
      `<DriftInformation><StackDriftStatus>NOT_CHECKED</StackDriftStatus></DriftInformation></member>`
    );
  }

  async function handle(request: RecordedRequest): Promise<EmulatorResponse> {
    const requestId = randomUUID();
    const headers = { 'content-type': 'text/xml', 'x-amzn-requestid': requestId };
    const error = (status: number, code: string, message: string): EmulatorResponse => ({
      status,
      headers,
      body: errorXml(code, message, requestId),
    });

    const auth = await verifySigV4(request, {
      service: 'cloudformation',
      region,
      lookup: (id) => options.sts.credentialsFor(id),
      now: () => options.sts.now(),
    });
    if (!auth.ok) return error(auth.code === 'IncompleteSignature' ? 400 : 403, auth.code, auth.message);

    const params = paramsOf(request);
    if (params.Action === 'ListStacks') {
      // One page holds them all; every stack here is live (ListStacks lists deleted ones too, by status).
      const summaries = [...stacks.values()]
        .map(
          (stack) =>
            `<member><StackId>${stack.stackId}</StackId><StackName>${escapeXml(stack.stackName)}</StackName>` +
            `<CreationTime>${new Date(stack.createdAt).toISOString()}</CreationTime><StackStatus>${stack.status ?? 'CREATE_COMPLETE'}</StackStatus></member>`,
        )
        .join('');
      return {
        status: 200,
        headers,
        body:
          `<ListStacksResponse xmlns="${XMLNS}"><ListStacksResult><StackSummaries>${summaries}</StackSummaries></ListStacksResult>` +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></ListStacksResponse>`,
      };
    }
    if (params.Action !== 'DescribeStacks')
      return error(
        400,
        'InvalidAction',
        `Could not find operation ${params.Action ?? ''} for version ${params.Version ?? ''}`,
      );
    const name = params.StackName;
    let selected: Array<SeedStack & { stackId: string; createdAt: number }>;
    if (name === undefined) {
      selected = [...stacks.values()];
    } else {
      const stack = stacks.get(name) ?? [...stacks.values()].find((candidate) => candidate.stackId === name);
      if (!stack) return error(400, 'ValidationError', `Stack with id ${name} does not exist`);
      selected = [stack];
    }
    return {
      status: 200,
      headers,
      body:
        `<DescribeStacksResponse xmlns="${XMLNS}"><DescribeStacksResult><Stacks>${selected.map(stackXml).join('')}</Stacks></DescribeStacksResult>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
    };
  }

  const server = await startEmulatorServer(handle, {
    port: options.port,
    actionOf: (request) => paramsOf(request).Action,
  });
  return {
    ...server,
    putStack(stack) {
      const stackId = `arn:aws:cloudformation:${region}:${accountId}:stack/${stack.stackName}/${randomUUID()}`;
      stacks.set(stack.stackName, { ...stack, stackId, createdAt: Date.now() });
      return stackId;
    },
    deleteStack(stackName) {
      stacks.delete(stackName);
    },
  };
}
