/**
 * Did ingestion run? Adobe's chain behind a base connection (FLOW-SERVICE.md, "Listing connections,
 * flows and runs"): the base connection feeds source connections
 * (`GET /sourceConnections?property=baseConnectionId==<id>`), each feeds flows
 * (`GET /flows?property=sourceConnectionIds==<id>`), and each flow has runs
 * (`GET /runs?property=flowId==<id>`) whose `metrics.statusSummary` says whether it ingested, and
 * with which error codes when it did not: where ingestion that broke on credentials shows up.
 *
 * The function asks it after each rotation, `status` (issue 21) for each connection it shows.
 */
import type { CallOptions, FlowServiceCollection, ListPage, ListQuery } from './flow-service-client.js';

/** The listing the chain needs (the Flow Service client, narrowed). */
export interface ListingClient {
  listPage(
    collection: FlowServiceCollection,
    sandboxName: string,
    query: ListQuery,
    call?: CallOptions,
    subject?: string,
  ): Promise<ListPage>;
}

/** Pages followed at most for one listing: a chain that long is not a connection's dataflows. */
export const MAX_PAGES = 20;

/**
 * Every item of a listing, following `continuationToken` (at most {@link MAX_PAGES} pages).
 * @param subject names what is listed in errors and retries.
 */
export async function listAll(
  client: ListingClient,
  collection: FlowServiceCollection,
  sandboxName: string,
  query: Omit<ListQuery, 'continuationToken'>,
  call: CallOptions = {},
  subject?: string,
): Promise<unknown[]> {
  const items: unknown[] = [];
  let continuationToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await client.listPage(
      collection,
      sandboxName,
      { ...query, ...(continuationToken ? { continuationToken } : {}) },
      call,
      subject,
    );
    items.push(...answer.items);
    continuationToken = answer.continuationToken;
    if (!continuationToken) break;
  }
  return items;
}

/** One run of a flow, as far as it says whether it ingested. */
export interface FlowRun {
  readonly id: string;
  /** ISO 8601: when the run started (`metrics.durationSummary.startedAtUTC`, else `createdAt`). */
  readonly startedAt?: string;
  /** `success`, `failed`, `inProgress`, ... (`metrics.statusSummary.status`). */
  readonly status?: string;
  /** The codes of its errors (`CONNECTOR-1001-500`, ...), each once. */
  readonly errorCodes: readonly string[];
}

/** A dataflow reading the connection, and its last run. */
export interface DataflowReading {
  readonly flowId: string;
  readonly name?: string;
  readonly state?: string;
  /** Undefined when the flow has not run yet. */
  readonly lastRun?: FlowRun;
}

const record = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
const epoch = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** The codes of every error a run lists: in its status summary, its extensions, and its activities'. */
function errorCodesOf(run: Record<string, unknown>): string[] {
  const summaries = [
    record(record(run.metrics).statusSummary),
    ...(Array.isArray(run.activities) ? run.activities : Array.isArray(run.activites) ? run.activites : []).map(
      (activity) => record(record(activity).statusSummary),
    ),
  ];
  const codes = new Set<string>();
  for (const summary of summaries) {
    for (const list of [summary.errors, record(summary.extensions).errors]) {
      if (!Array.isArray(list)) continue;
      for (const error of list) {
        const code = text(record(error).code);
        if (code) codes.add(code);
      }
    }
  }
  return [...codes];
}

/** A run as the chain reports it, or undefined for an item that is not one. */
export function toFlowRun(item: unknown): FlowRun | undefined {
  const run = record(item);
  const id = text(run.id);
  if (!id) return undefined;
  const metrics = record(run.metrics);
  const started = epoch(record(metrics.durationSummary).startedAtUTC) ?? epoch(run.createdAt);
  const status = text(record(metrics.statusSummary).status);
  return {
    id,
    ...(started !== undefined ? { startedAt: new Date(started).toISOString() } : {}),
    ...(status ? { status } : {}),
    errorCodes: errorCodesOf(run),
  };
}

/** The newest of a flow's runs (the listing's order is not documented: the start decides). */
function newest(runs: readonly FlowRun[]): FlowRun | undefined {
  return runs.reduce<FlowRun | undefined>(
    (best, run) => (!best || (run.startedAt ?? '') > (best.startedAt ?? '') ? run : best),
    undefined,
  );
}

const idsOf = (items: readonly unknown[]) => [
  ...new Set(items.map((item) => text(record(item).id)).filter((id): id is string => id !== undefined)),
];

/**
 * The dataflows that read a base connection, each with its last run: source connections, their
 * flows (each once), then each flow's newest run.
 */
export async function flowsReading(
  client: ListingClient,
  baseConnectionId: string,
  sandboxName: string,
  call: CallOptions = {},
): Promise<DataflowReading[]> {
  const sources = idsOf(
    await listAll(
      client,
      'sourceConnections',
      sandboxName,
      { property: `baseConnectionId==${baseConnectionId}` },
      call,
      baseConnectionId,
    ),
  );
  const flowLists = await Promise.all(
    sources.map((source) =>
      listAll(client, 'flows', sandboxName, { property: `sourceConnectionIds==${source}` }, call, baseConnectionId),
    ),
  );
  const flows = new Map<string, Record<string, unknown>>();
  for (const item of flowLists.flat()) {
    const id = text(record(item).id);
    if (id && !flows.has(id)) flows.set(id, record(item));
  }
  return Promise.all(
    [...flows].map(async ([flowId, flow]) => {
      // Newest first where Adobe honours `orderby`; the newest start wins either way.
      const page = await client.listPage(
        'runs',
        sandboxName,
        { property: `flowId==${flowId}`, orderby: '-createdAt', limit: 5 },
        call,
        baseConnectionId,
      );
      const lastRun = newest(page.items.map(toFlowRun).filter((run): run is FlowRun => run !== undefined));
      return {
        flowId,
        ...(text(flow.name) ? { name: text(flow.name) } : {}),
        ...(text(flow.state) ? { state: text(flow.state) } : {}),
        ...(lastRun ? { lastRun } : {}),
      };
    }),
  );
}

/** What one connection's dataflows say about ingestion since a moment. */
export interface IngestionSince {
  /** Flows reading the connection. */
  readonly flows: number;
  /** Flows whose last run started at or after `since` and failed. */
  readonly failed: number;
  /** The error codes of those failed runs, each once. */
  readonly errorCodes: readonly string[];
}

/**
 * Count the flows whose last run failed, among those that ran since `since` (epoch ms; the rotator's
 * previous run for the connection, so a failed run is counted by one run of the rotator); with no
 * `since`, every flow's last run counts.
 */
export function ingestionSince(readings: readonly DataflowReading[], since?: number): IngestionSince {
  const failedRuns = readings
    .map((reading) => reading.lastRun)
    .filter(
      (run): run is FlowRun =>
        run?.status === 'failed' &&
        (since === undefined || (run.startedAt !== undefined && Date.parse(run.startedAt) >= since)),
    );
  return {
    flows: readings.length,
    failed: failedRuns.length,
    errorCodes: [...new Set(failedRuns.flatMap((run) => run.errorCodes))],
  };
}
