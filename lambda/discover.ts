/**
 * The inspect request's `discover`: every S3 base connection in some sandboxes (the targets' by
 * default), each classified (rotated by a target, temporary credentials nothing rotates, permanent
 * keys, IAM-role based) with the bucket and folder it declares, never a credential value. The
 * function asks, with its own Adobe credential, so that the operator CLI's `discover` needs
 * `lambda:InvokeFunction` and never the Adobe secret.
 */
import type { RotationTarget } from './config.js';
import type { Composition } from './composition.js';
import { s3ConnectionsIn, type FoundConnection } from './connection-inventory.js';
import { describeFailure } from './errors.js';
import type { CallOptions } from './flow-service-client.js';
import type { RotationSession } from './session.js';

/** What a discover request answers with (beside `inspected`, the targets as configured). */
export interface Discovery {
  /** The sandboxes listed, in the order asked. */
  readonly sandboxes: readonly string[];
  readonly connections: readonly FoundConnection[];
  /** A sandbox Adobe would not list (unknown, refused), with Adobe's code and words. */
  readonly problems: ReadonlyArray<{
    readonly sandboxName: string;
    readonly errorCode: string;
    readonly error: string;
  }>;
}

/**
 * List every S3 connection of each sandbox, one sandbox at a time (each may be many pages). Never throws for a sandbox
 * Adobe refuses.
 */
export async function discoverConnections(
  targets: readonly RotationTarget[],
  sandboxes: readonly string[],
  { flowService }: Pick<Composition, 'flowService'>,
  session: RotationSession,
): Promise<Discovery> {
  const listed = sandboxes.length > 0 ? sandboxes : [...new Set(targets.map((target) => target.sandboxName))];
  const managed = new Set(targets.map((target) => target.connectionId.toLowerCase()));
  const call: CallOptions = { auth: session.adobe, signal: session.deadline.signal, redactor: session.redactor };
  const connections: FoundConnection[] = [];
  const problems: Discovery['problems'][number][] = [];
  for (const sandboxName of listed) {
    try {
      connections.push(...(await s3ConnectionsIn(flowService, sandboxName, managed, call)));
    } catch (error) {
      const { code, message } = describeFailure(error);
      problems.push({ sandboxName, errorCode: code, error: session.redactor.redact(message) });
    }
  }
  return { sandboxes: listed, connections, problems };
}
