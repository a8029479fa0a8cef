/**
 * What a run asks beside the rotations themselves, none of which may fail one: what the ledger
 * remembers of each connection, whether each connection's dataflows ingested since the rotator's
 * previous run, and which S3 connections in the sandboxes the run touches nobody rotates. Each
 * failure is logged and leaves its answer out.
 */
import type { RotationTarget } from './config.js';
import { s3ConnectionsIn } from './connection-inventory.js';
import { flowsReading, ingestionSince, type ListingClient } from './dataflow-runs.js';
import type { RetryDetails } from './flow-service-client.js';
import type { RememberedConnection } from './ledger.js';
import { flowServiceCall } from './rotate-connection.js';
import type { RotationSession } from './session.js';
import type { ConnectionResult, UnmanagedTemporaryConnections } from './summary.js';

/** How long the ledger's memory may take to read: hints are not worth waiting for. */
const MEMORY_READ_BUDGET_MS = 3_000;

const errorFields = (error: unknown, session: RotationSession) => ({
  errorName: (error as Error)?.name ?? 'Error',
  error: session.redactor.redact(String((error as Error)?.message ?? error)).slice(0, 300),
});

/**
 * What the ledger remembers of each target, read once at the start of the run (one `BatchGetItem`
 * per 100). Without a ledger, or when the read fails or takes too long (logged), every connection is
 * treated as new. Never rejects.
 */
export async function readMemory(
  targets: readonly RotationTarget[],
  session: RotationSession,
): Promise<ReadonlyMap<string, RememberedConnection>> {
  if (!session.ledger || targets.length === 0) return new Map();
  try {
    return await session.ledger.remembered(
      targets.map((target) => target.connectionId),
      { signal: AbortSignal.any([session.deadline.signal, AbortSignal.timeout(MEMORY_READ_BUDGET_MS)]) },
    );
  } catch (error) {
    session.log.warn(
      'rotation ledger read failed; every connection tries the absolute explore path first and counts every failed ' +
        'dataflow run',
      {
        table: session.ledger.tableName,
        ...errorFields(error, session),
      },
    );
    return new Map();
  }
}

/** What a result says of the connection's dataflows. */
export type IngestionFields = Pick<ConnectionResult, 'dataflows' | 'dataflowRunsFailed' | 'dataflowRunErrorCodes'>;

/**
 * Did ingestion run: the dataflows reading the connection, and how many of them have a last run,
 * started since `since` (the rotator's previous attempt), that failed. Never rejects: a failure is
 * logged and answers undefined.
 */
export async function checkIngestion(
  target: RotationTarget,
  client: ListingClient,
  session: RotationSession,
  since: string | undefined,
): Promise<IngestionFields | undefined> {
  try {
    const readings = await flowsReading(
      client,
      target.connectionId,
      target.sandboxName,
      flowServiceCall(target, session),
    );
    const { flows, failed, errorCodes } = ingestionSince(readings, since === undefined ? undefined : Date.parse(since));
    if (failed > 0) {
      session.loggerFor(target).warn('a dataflow reading the connection failed its last run', {
        failedFlowIds: readings
          .filter((reading) => reading.lastRun?.status === 'failed')
          .map((reading) => reading.flowId),
        dataflowRunErrorCodes: errorCodes,
      });
    }
    return {
      dataflows: flows,
      dataflowRunsFailed: failed,
      ...(errorCodes.length ? { dataflowRunErrorCodes: errorCodes } : {}),
    };
  } catch (error) {
    session
      .loggerFor(target)
      .warn('dataflow runs could not be read; the rotation itself is unaffected', errorFields(error, session));
    return undefined;
  }
}

/**
 * The S3 connections with temporary credentials that no target rotates, in each sandbox the
 * targets are in: they stop ingesting when their credentials expire. Never rejects: a sandbox
 * whose listing fails is logged and left out.
 */
export async function findUnmanagedTemporary(
  targets: readonly RotationTarget[],
  client: ListingClient,
  session: RotationSession,
): Promise<UnmanagedTemporaryConnections[]> {
  const managed = new Set(targets.map((target) => target.connectionId.toLowerCase()));
  const sandboxes = [...new Set(targets.map((target) => target.sandboxName))];
  const found = await Promise.all(
    sandboxes.map(async (sandboxName): Promise<UnmanagedTemporaryConnections | undefined> => {
      const call = {
        auth: session.adobe,
        signal: session.deadline.signal,
        redactor: session.redactor,
        onRetry: (details: RetryDetails) =>
          session.log.warn('retrying Flow Service request', { ...details, sandboxName }),
      };
      try {
        const connections = await s3ConnectionsIn(client, sandboxName, managed, call);
        const connectionIds = connections
          .filter((connection) => connection.kind === 'unmanaged-temporary')
          .map((connection) => connection.connectionId);
        if (connectionIds.length > 0) {
          session.log.warn(
            'S3 connections with temporary credentials that no target rotates: they stop ingesting when the ' +
              'credentials expire',
            {
              sandboxName,
              unmanagedTemporaryConnectionIds: connectionIds,
            },
          );
        }
        return { sandboxName, connectionIds };
      } catch (error) {
        session.log.warn('S3 connections could not be listed; the rotations are unaffected', {
          sandboxName,
          ...errorFields(error, session),
        });
        return undefined;
      }
    }),
  );
  return found.filter((entry): entry is UnmanagedTemporaryConnections => entry !== undefined);
}
