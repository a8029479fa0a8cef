/**
 * How the CloudWatch stand-in evaluates alarms: on a metric (a namespace, a name, one exact set of
 * dimensions, a statistic) or on a Metrics Insights query of the shape the construct writes
 * (`SELECT FN(metric) FROM SCHEMA("ns", dims...) WHERE k = 'v' [AND ...] GROUP BY key ...`), whose
 * every group is a contributor with a state of its own, as a multi-time-series alarm's.
 *
 * Time is compressed: one evaluation stands for one alarm window, over the datapoints received
 * since the previous evaluation (the deployed stack's stand-ins evaluate after each scheduled tick,
 * and the windows the construct sizes hold one run of each connection). An alarm that needs
 * several periods in a row to breach (`LedgerWriteFailedAlarm`) needs as many evaluations.
 * A contributor without data in a window is treated as the alarm treats missing data; a contributor
 * is only ever OK or ALARM, never INSUFFICIENT_DATA (a time series exists only with data).
 */

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export type Comparison =
  | 'GreaterThanOrEqualToThreshold'
  | 'GreaterThanThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';
export type MissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

/** One value of one metric, as `PutMetricData` or an embedded-metric-format document gives it. */
export interface Datapoint {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly value: number;
}

interface Condition {
  readonly comparison: Comparison;
  readonly threshold: number;
  readonly treatMissingData: MissingData;
  /** Windows in a row that must breach (evaluation periods). @default 1 */
  readonly evaluations?: number;
}

/** What an alarm watches. */
export type AlarmDefinition =
  | (Condition & {
      readonly kind: 'metric';
      readonly namespace: string;
      readonly metricName: string;
      readonly dimensions: Readonly<Record<string, string>>;
      readonly statistic: 'Sum' | 'Maximum' | 'Minimum' | 'SampleCount' | 'Average';
    })
  | (Condition & { readonly kind: 'query'; readonly query: string });

/** A Metrics Insights query as the stand-in understands it. */
export interface ParsedQuery {
  readonly function: 'MAX' | 'MIN' | 'SUM' | 'AVG' | 'COUNT';
  readonly metricName: string;
  readonly namespace: string;
  /** SCHEMA's dimensions: a metric matches only with exactly these. */
  readonly schema: readonly string[];
  readonly where: Readonly<Record<string, string>>;
  readonly groupBy: string;
}

const QUERY = new RegExp(
  /^SELECT (MAX|MIN|SUM|AVG|COUNT)\((\w+)\) FROM SCHEMA\("((?:[^"\\]|\\.)+)", ([\w, ]+)\)/.source +
    /(?: WHERE (.+?))? GROUP BY (\w+)/.source +
    /(?: ORDER BY (?:MAX|MIN|SUM|AVG|COUNT)\(\) (?:ASC|DESC))?(?: LIMIT \d+)?$/.source,
);

/**
 * Parse a query of the construct's shape.
 * @throws Error for anything else: the stand-in evaluates only what it understands.
 */
export function parseQuery(query: string): ParsedQuery {
  const match = QUERY.exec(query.trim());
  if (!match) throw new Error(`the CloudWatch stand-in does not understand this Metrics Insights query: ${query}`);
  const [, fn, metricName, namespace, schema, where, groupBy] = match;
  const conditions: Record<string, string> = {};
  for (const condition of where ? where.split(' AND ') : []) {
    const equality = /^(\w+) = '([^']*)'$/.exec(condition.trim());
    if (!equality) throw new Error(`the CloudWatch stand-in understands only "key = 'value'" conditions: ${condition}`);
    conditions[equality[1]!] = equality[2]!;
  }
  return {
    function: fn as ParsedQuery['function'],
    metricName: metricName!,
    namespace: namespace!.replace(/\\(.)/g, '$1'),
    schema: schema!.split(',').map((key) => key.trim()),
    where: conditions,
    groupBy: groupBy!,
  };
}

/** Every datapoint an embedded-metric-format document carries: each metric, for each dimension set. */
export function datapointsOfEmf(document: Record<string, unknown>): Datapoint[] {
  const directives = (
    document._aws as {
      CloudWatchMetrics?: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }>;
    }
  )?.CloudWatchMetrics;
  if (!Array.isArray(directives)) return [];
  return directives.flatMap(({ Namespace, Dimensions, Metrics }) =>
    Dimensions.flatMap((set) => {
      const dimensions = Object.fromEntries(set.map((key) => [key, String(document[key])]));
      return Metrics.flatMap(({ Name }) =>
        [document[Name]]
          .flat()
          .map((value) => ({ namespace: Namespace, metricName: Name, dimensions, value: Number(value) })),
      );
    }),
  );
}

function reduce(
  values: readonly number[],
  fn: ParsedQuery['function'] | 'Sum' | 'Maximum' | 'Minimum' | 'SampleCount' | 'Average',
): number {
  switch (fn) {
    case 'MAX':
    case 'Maximum':
      return Math.max(...values);
    case 'MIN':
    case 'Minimum':
      return Math.min(...values);
    case 'SUM':
    case 'Sum':
      return values.reduce((sum, value) => sum + value, 0);
    case 'COUNT':
    case 'SampleCount':
      return values.length;
    case 'AVG':
    case 'Average':
      return values.reduce((sum, value) => sum + value, 0) / values.length;
  }
}

function breaches(value: number, { comparison, threshold }: Condition): boolean {
  switch (comparison) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

const sameDimensions = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([key, value]) => a[key] === value);

/** One series' verdict in a window: breaching, not, or no data (undefined). */
function verdict(
  values: readonly number[],
  definition: AlarmDefinition,
  fn: Parameters<typeof reduce>[1],
): boolean | undefined {
  if (values.length === 0) {
    if (definition.treatMissingData === 'breaching') return true;
    if (definition.treatMissingData === 'notBreaching') return false;
    return undefined;
  }
  return breaches(reduce(values, fn), definition);
}

/** Where an alarm stands between evaluations. */
export interface AlarmMemory {
  state: AlarmState;
  /** Windows in a row that breached. */
  breached: number;
  /** Each contributor's state, by its group value (query alarms), and when it last changed (epoch ms). */
  contributors: Map<string, { state: 'OK' | 'ALARM'; breached: number; since?: number }>;
}

/** A change of state one evaluation made: the alarm's own, or one contributor's. */
export interface Transition {
  readonly state: AlarmState;
  readonly reason: string;
  /** The contributor's attributes (its group, e.g. `{ connectionId }`), for a contributor's change. */
  readonly contributor?: Readonly<Record<string, string>>;
}

/** The next state of a series that has breached `breached` windows in a row (or not at all, this time). */
function next(
  current: AlarmState,
  breach: boolean | undefined,
  breached: number,
  needed: number,
  missing: MissingData,
): { state: AlarmState; breached: number } {
  if (breach === undefined) return { state: missing === 'missing' ? 'INSUFFICIENT_DATA' : current, breached };
  if (!breach) return { state: 'OK', breached: 0 };
  const count = breached + 1;
  return { state: count >= needed ? 'ALARM' : current, breached: count };
}

/**
 * Evaluate one alarm on one window's datapoints, updating `memory`; returns the transitions (the
 * alarm's own first, then each contributor's).
 */
export function evaluateAlarm(
  definition: AlarmDefinition,
  memory: AlarmMemory,
  window: readonly Datapoint[],
): Transition[] {
  const needed = definition.evaluations ?? 1;
  const transitions: Transition[] = [];
  if (definition.kind === 'metric') {
    const values = window
      .filter(
        (point) =>
          point.namespace === definition.namespace &&
          point.metricName === definition.metricName &&
          sameDimensions(point.dimensions, definition.dimensions),
      )
      .map((point) => point.value);
    const outcome = next(
      memory.state,
      verdict(values, definition, definition.statistic),
      memory.breached,
      needed,
      definition.treatMissingData,
    );
    memory.breached = outcome.breached;
    if (outcome.state !== memory.state) {
      memory.state = outcome.state;
      const shown = values.length ? `[${reduce(values, definition.statistic)}]` : 'no datapoint';
      transitions.push({
        state: outcome.state,
        reason:
          `Threshold Crossed: ${shown} (${definition.statistic} of ${definition.metricName}) ` +
          `${outcome.state === 'ALARM' ? 'breached' : 'within'} ${definition.threshold}`,
      });
    }
    return transitions;
  }

  const query = parseQuery(definition.query);
  const groups = new Map<string, number[]>();
  for (const point of window) {
    if (point.namespace !== query.namespace || point.metricName !== query.metricName) continue;
    const keys = Object.keys(point.dimensions);
    if (keys.length !== query.schema.length || !query.schema.every((key) => key in point.dimensions)) continue;
    if (!Object.entries(query.where).every(([key, value]) => point.dimensions[key] === value)) continue;
    const group = point.dimensions[query.groupBy]!;
    groups.set(group, [...(groups.get(group) ?? []), point.value]);
  }
  for (const group of new Set([...groups.keys(), ...memory.contributors.keys()])) {
    const before = memory.contributors.get(group) ?? { state: 'OK' as const, breached: 0 };
    const values = groups.get(group) ?? [];
    // A contributor exists only while it has data: without any, it is OK or keeps its state.
    const missing = definition.treatMissingData === 'missing' ? 'ignore' : definition.treatMissingData;
    const outcome = next(
      before.state,
      verdict(values, { ...definition, treatMissingData: missing }, query.function),
      before.breached,
      needed,
      missing,
    );
    const state = outcome.state === 'ALARM' ? 'ALARM' : 'OK';
    memory.contributors.set(group, {
      state,
      breached: outcome.breached,
      since: state !== before.state ? Date.now() : (before.since ?? Date.now()),
    });
    if (state !== before.state) {
      const shown = values.length ? `[${reduce(values, query.function)}]` : 'no datapoint';
      transitions.push({
        state,
        reason:
          `Threshold Crossed: ${query.groupBy} ${group}: ${shown} (${query.function} of ${query.metricName}) ` +
          `${state === 'ALARM' ? 'breached' : 'within'} ${definition.threshold}`,
        contributor: { [query.groupBy]: group },
      });
    }
  }
  const inAlarm = [...memory.contributors.values()].filter((contributor) => contributor.state === 'ALARM').length;
  const state: AlarmState = inAlarm > 0 ? 'ALARM' : 'OK';
  if (state !== memory.state) {
    memory.state = state;
    transitions.unshift({
      state,
      reason: `${inAlarm} out of ${memory.contributors.size} time series evaluated to ALARM`,
    });
  }
  return transitions;
}
