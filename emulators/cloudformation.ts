/**
 * AWS CloudFormation emulator, for `DescribeStacks` and `ListStacks`: the Query protocol (`POST /`,
 * form-encoded `Action=DescribeStacks&StackName=...&Version=2010-05-15`, XML answers), SigV4
 * checked against the keys the STS emulator issued. Tests seed deployed stacks and their outputs;
 * a stack that is not there gets AWS's `400 ValidationError "Stack with id X does not exist"`.
 *
 * API reference: https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
 */
import { randomUUID } from 'node:crypto';
import { escapeXmlWithQuotes as escapeXml, startQueryEmulator } from './query-protocol.js';
import { keysIssuedBy } from './sigv4.js';
import type { Emulator, SignedServiceOptions } from './types.js';

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
          `<member><OutputKey>${escapeXml(output.key)}</OutputKey>` +
          `<OutputValue>${escapeXml(output.value)}</OutputValue>` +
          (output.description ? `<Description>${escapeXml(output.description)}</Description>` : '') +
          (output.exportName ? `<ExportName>${escapeXml(output.exportName)}</ExportName>` : '') +
          '</member>',
      )
      .join('');
    return (
      `<member><StackId>${stack.stackId}</StackId><StackName>${escapeXml(stack.stackName)}</StackName>` +
      `<CreationTime>${new Date(stack.createdAt).toISOString()}</CreationTime>` +
      `<StackStatus>${stack.status ?? 'CREATE_COMPLETE'}</StackStatus>` +
      `<DisableRollback>false</DisableRollback><Capabilities><member>CAPABILITY_IAM</member></Capabilities>` +
      `<Outputs>${outputs}</Outputs><Tags/><EnableTerminationProtection>false</EnableTerminationProtection>` +
      `<DriftInformation><StackDriftStatus>NOT_CHECKED</StackDriftStatus></DriftInformation></member>`
    );
  }

  const server = await startQueryEmulator(
    {
      xmlns: XMLNS,
      service: 'cloudformation',
      region,
      ...keysIssuedBy(options.sts),
      port: options.port,
      escapeMessage: escapeXml,
    },
    ({ params, ok, error, invalidAction }) => {
      if (params.Action === 'ListStacks') {
        // One page holds them all; every stack here is live (ListStacks lists deleted ones too, by status).
        const summaries = [...stacks.values()]
          .map(
            (stack) =>
              `<member><StackId>${stack.stackId}</StackId><StackName>${escapeXml(stack.stackName)}</StackName>` +
              `<CreationTime>${new Date(stack.createdAt).toISOString()}</CreationTime>` +
              `<StackStatus>${stack.status ?? 'CREATE_COMPLETE'}</StackStatus></member>`,
          )
          .join('');
        return ok('ListStacks', `<ListStacksResult><StackSummaries>${summaries}</StackSummaries></ListStacksResult>`);
      }
      if (params.Action !== 'DescribeStacks') return invalidAction();
      const name = params.StackName;
      let selected: Array<SeedStack & { stackId: string; createdAt: number }>;
      if (name === undefined) {
        selected = [...stacks.values()];
      } else {
        const stack = stacks.get(name) ?? [...stacks.values()].find((candidate) => candidate.stackId === name);
        if (!stack) return error(400, 'ValidationError', `Stack with id ${name} does not exist`);
        selected = [stack];
      }
      const described = selected.map(stackXml).join('');
      return ok('DescribeStacks', `<DescribeStacksResult><Stacks>${described}</Stacks></DescribeStacksResult>`);
    },
  );
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
