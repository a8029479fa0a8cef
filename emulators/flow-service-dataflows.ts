/**
 * Flow Service's collections, as the emulator lists them (FLOW-SERVICE.md, "Listing connections,
 * flows and runs"; SPEC `listConnections`, `/sourceConnections`, `/flows`, `/runs`): filtered with
 * `property=<name>==<value>` (comma-separated, all must hold; a list property matches when it holds
 * the value), paged with `limit` and the `continuationToken` that `_links.next.href` carries.
 *
 * And the chain behind ingestion: a base connection feeds source connections, a source connection
 * feeds flows, a flow has runs whose `metrics.statusSummary` says whether it ingested, and with
 * which error codes when it did not.
 */
import { randomUUID } from 'node:crypto';
import { flowError } from './flow-service-errors.js';
import type { EmulatorResponse } from './http-server.js';

/** Items a page holds when the request gives no `limit`. */
export const DEFAULT_PAGE_SIZE = 20;
/** The most items a page holds, whatever `limit` asks (SPEC's filter requests allow up to 1000). */
export const MAX_PAGE_SIZE = 1000;

/** A property filter Flow Service takes: `name==value`, a dotted name reaching into objects. */
function parseFilters(property: string | undefined): Array<{ path: string[]; value: string }> | EmulatorResponse {
  if (property === undefined || property === '') return [];
  const filters: Array<{ path: string[]; value: string }> = [];
  for (const clause of property.split(',')) {
    const match = /^([\w.]+)==(.*)$/.exec(clause.trim());
    if (!match)
      return flowError(
        400,
        '1100-400',
        `Invalid request: property ${JSON.stringify(clause)} is not a filter of the form name==value.`,
      );
    filters.push({ path: match[1]!.split('.'), value: match[2]! });
  }
  return filters;
}

function valueAt(item: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>(
    (value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined),
    item,
  );
}

const matchesFilter = (item: unknown, filter: { path: string[]; value: string }) => {
  const value = valueAt(item, filter.path);
  return Array.isArray(value)
    ? value.map(String).includes(filter.value)
    : value !== undefined && String(value) === filter.value;
};

/**
 * One page of `items` for a collection request: the filters of `property`, `limit` (else
 * {@link DEFAULT_PAGE_SIZE}, and never more than `maxPageSize`), and the offset an earlier page's
 * `continuationToken` carries.
 */
export function listPage(
  collection: string,
  items: readonly unknown[],
  query: Readonly<Record<string, string>>,
  maxPageSize: number = MAX_PAGE_SIZE,
): EmulatorResponse {
  const filters = parseFilters(query.property);
  if (!Array.isArray(filters)) return filters;
  const asked = query.limit === undefined ? DEFAULT_PAGE_SIZE : Number(query.limit);
  if (!Number.isInteger(asked) || asked < 1)
    return flowError(400, '1100-400', `Invalid request: limit must be a positive whole number; got ${query.limit}.`);
  const limit = Math.min(asked, maxPageSize);
  let offset = 0;
  if (query.continuationToken !== undefined) {
    const decoded = Number(Buffer.from(query.continuationToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0)
      return flowError(400, '1100-400', 'Invalid request: the continuationToken is not one this service issued.');
    offset = decoded;
  }
  const matching = items.filter((item) => filters.every((filter) => matchesFilter(item, filter)));
  // SPEC `orderby`: a field, descending with a leading dash.
  const orderby = /^(-?)([\w.]+)$/.exec(query.orderby ?? '');
  if (orderby) {
    const [, descending, field] = orderby;
    const key = (item: unknown) => valueAt(item, field!.split('.')) as number | string;
    matching.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (descending ? -1 : 1));
  }
  const page = matching.slice(offset, offset + limit);
  const next = offset + limit < matching.length ? Buffer.from(String(offset + limit)).toString('base64url') : undefined;
  const nextQuery = new URLSearchParams({
    ...(query.property ? { property: query.property } : {}),
    ...(query.orderby ? { orderby: query.orderby } : {}),
    limit: String(limit),
    ...(next ? { continuationToken: next } : {}),
  });
  return {
    status: 200,
    body: { items: page, ...(next ? { _links: { next: { href: `/${collection}?${nextQuery}` } } } : {}) },
  };
}

/** Where a resource lives: Flow Service scopes everything to an org and a sandbox. */
interface Scoped {
  readonly orgId: string;
  readonly sandboxName: string;
}

/**
 * What every stored resource starts with: its id and scope, the org under both names (`orgId` is
 * the emulator's filter, `imsOrgId` what Adobe returns).
 */
function scopedFields(id: string, scope: Scoped) {
  return { id, orgId: scope.orgId, imsOrgId: scope.orgId, sandboxName: scope.sandboxName };
}

export interface SeedSourceConnection extends Scoped {
  readonly id?: string;
  readonly baseConnectionId: string;
  /** @default 'S3 source connection' */
  readonly name?: string;
}

export interface SeedFlow extends Scoped {
  readonly id?: string;
  readonly sourceConnectionIds: readonly string[];
  /** @default 'S3 dataflow' */
  readonly name?: string;
  /** @default 'enabled' */
  readonly state?: string;
}

/** An error of a failed run, as `metrics.statusSummary.errors` lists it. */
export interface RunError {
  readonly code: string;
  readonly message: string;
}

export interface SeedRun {
  readonly id?: string;
  readonly flowId: string;
  /** @default 'success' */
  readonly status?: 'success' | 'failed' | 'inProgress';
  readonly errors?: readonly RunError[];
  /** Epoch ms when the run started. @default now */
  readonly startedAt?: number;
}

/** The error code of a run that could not read its files: the example code of Adobe's dataflow monitoring tutorial. */
export const RUN_COPY_FAILED = 'CONNECTOR-1001-500';

/** The stored chain behind ingestion, in one org's sandboxes. */
export class Dataflows {
  private readonly sourceConnections = new Map<string, Record<string, unknown> & Scoped>();
  private readonly flows = new Map<string, Record<string, unknown> & Scoped & { sourceConnectionIds: string[] }>();
  private readonly runs = new Map<string, Record<string, unknown> & Scoped & { flowId: string }>();

  seedSourceConnection(seed: SeedSourceConnection): string {
    const id = seed.id ?? randomUUID();
    const now = Date.now();
    this.sourceConnections.set(id, {
      ...scopedFields(id, seed),
      name: seed.name ?? 'S3 source connection',
      baseConnectionId: seed.baseConnectionId,
      state: 'enabled',
      connectionSpec: { id: 'ecadc60c-7455-4d87-84dc-2a0e293d997b', version: '1.0' },
      createdAt: now,
      updatedAt: now,
    });
    return id;
  }

  seedFlow(seed: SeedFlow): string {
    const id = seed.id ?? randomUUID();
    const now = Date.now();
    this.flows.set(id, {
      ...scopedFields(id, seed),
      name: seed.name ?? 'S3 dataflow',
      state: seed.state ?? 'enabled',
      sourceConnectionIds: [...seed.sourceConnectionIds],
      targetConnectionIds: [],
      runs: `/runs?property=flowId==${id}`,
      createdAt: now,
      updatedAt: now,
    });
    return id;
  }

  /** Record a run of a flow (the flow must exist); its scope is the flow's. */
  seedRun(seed: SeedRun): string {
    const flow = this.flows.get(seed.flowId);
    if (!flow) throw new Error(`no flow ${seed.flowId} is seeded`);
    const id = seed.id ?? randomUUID();
    const startedAt = seed.startedAt ?? Date.now();
    const status = seed.status ?? 'success';
    this.runs.set(id, {
      ...scopedFields(id, flow),
      flowId: seed.flowId,
      createdAt: startedAt,
      updatedAt: startedAt + 30_000,
      metrics: {
        durationSummary: {
          startedAtUTC: startedAt,
          ...(status === 'inProgress' ? {} : { completedAtUTC: startedAt + 30_000 }),
        },
        statusSummary: {
          status,
          ...(seed.errors?.length ? { errors: seed.errors.map((error) => ({ ...error })) } : {}),
        },
      },
    });
    return id;
  }

  /** The flows reading a base connection, through its source connections (for the emulator's own runs). */
  flowsOf(baseConnectionId: string): string[] {
    const sources = new Set(
      [...this.sourceConnections.values()]
        .filter((source) => source.baseConnectionId === baseConnectionId)
        .map((source) => source.id),
    );
    return [...this.flows.values()]
      .filter((flow) => flow.sourceConnectionIds.some((id) => sources.has(id)))
      .map((flow) => String(flow.id));
  }

  /** The base connection a flow reads, through its first source connection. */
  baseConnectionOf(flowId: string): string | undefined {
    const flow = this.flows.get(flowId);
    const source = flow && this.sourceConnections.get(flow.sourceConnectionIds[0] ?? '');
    return source ? String(source.baseConnectionId) : undefined;
  }

  /**
   * `GET /sourceConnections`, `/flows` or `/runs` in one org and sandbox; undefined for another path.
   */
  handle(
    path: string,
    query: Readonly<Record<string, string>>,
    scope: Scoped,
    pageSize: number,
  ): EmulatorResponse | undefined {
    const inScope = <T extends Scoped>(items: Iterable<T>) =>
      [...items]
        .filter((item) => item.orgId === scope.orgId && item.sandboxName === scope.sandboxName)
        .map(({ orgId: _org, ...item }) => item);
    if (path === '/sourceConnections')
      return listPage('sourceConnections', inScope(this.sourceConnections.values()), query, pageSize);
    if (path === '/flows') return listPage('flows', inScope(this.flows.values()), query, pageSize);
    if (path === '/runs') return listPage('runs', inScope(this.runs.values()), query, pageSize);
    return undefined;
  }
}
