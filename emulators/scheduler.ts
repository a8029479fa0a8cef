/**
 * Amazon EventBridge Scheduler emulator, for `GetSchedule`, `UpdateSchedule` and `ListSchedules`:
 * REST-JSON (`GET` and `PUT /schedules/{Name}`, the group in `?groupName=` or the body's
 * `GroupName`; `GET /schedules?ScheduleGroup=&NamePrefix=&State=`), SigV4
 * checked against the keys the STS emulator issued, and AWS's errors: `ResourceNotFoundException`
 * (404) for a schedule that is not in the group, `ValidationException` (400) for an update that
 * lacks what the API requires.
 *
 * As the real service, UpdateSchedule REPLACES the whole definition: an optional field the
 * request leaves out is reset to its default (`State` to `ENABLED`, no description, the default
 * retry policy, ...). A caller must send back everything GetSchedule returned.
 *
 * {@link SchedulerEmulator.fire} plays the clock: each ENABLED schedule invokes its target once, with
 * its `Input` and the context attributes (`<aws.scheduler.scheduled-time>`, ...) filled in.
 *
 * API reference: https://docs.aws.amazon.com/scheduler/latest/APIReference/API_UpdateSchedule.html
 */
import { randomUUID } from 'node:crypto';
import { startEmulatorServer, type EmulatorResponse } from './http-server.js';
import { verifyRestJson } from './json-protocol.js';
import type { Emulator, RecordedRequest, SignedServiceOptions } from './types.js';

/** A schedule's definition, as GetSchedule returns it (dates as Date). */
export interface ScheduleDefinition {
  readonly Name: string;
  readonly GroupName: string;
  readonly Arn: string;
  readonly ScheduleExpression: string;
  readonly ScheduleExpressionTimezone?: string;
  readonly StartDate?: Date;
  readonly EndDate?: Date;
  readonly Description?: string;
  readonly State: 'ENABLED' | 'DISABLED';
  readonly KmsKeyArn?: string;
  readonly FlexibleTimeWindow: { readonly Mode: 'OFF' | 'FLEXIBLE'; readonly MaximumWindowInMinutes?: number };
  readonly Target: ScheduleTarget;
  readonly ActionAfterCompletion: 'NONE' | 'DELETE';
  readonly CreationDate: Date;
  readonly LastModificationDate: Date;
}

export interface ScheduleTarget {
  readonly Arn: string;
  readonly RoleArn: string;
  readonly Input?: string;
  readonly RetryPolicy?: { readonly MaximumEventAgeInSeconds?: number; readonly MaximumRetryAttempts?: number };
  readonly DeadLetterConfig?: { readonly Arn?: string };
  readonly [other: string]: unknown;
}

/** A schedule to seed: the fields CreateSchedule would take. */
export type SeedSchedule = Pick<ScheduleDefinition, 'Name' | 'ScheduleExpression' | 'Target'> &
  Partial<
    Pick<
      ScheduleDefinition,
      'GroupName' | 'Description' | 'State' | 'FlexibleTimeWindow' | 'KmsKeyArn' | 'ScheduleExpressionTimezone'
    >
  >;

export interface SchedulerEmulator extends Emulator {
  /** Create (or replace) a schedule; returns its ARN. */
  putSchedule(seed: SeedSchedule): string;
  getSchedule(name: string, groupName?: string): ScheduleDefinition | undefined;
  /**
   * Fire every ENABLED schedule once, now (as its rate would): resolves with how many invoked
   * their target (`invokeTarget`, which handles its own failures).
   */
  fire(): Promise<number>;
}

export interface SchedulerEmulatorOptions extends SignedServiceOptions {
  /** Invokes a schedule's target with its input (context attributes filled in). @default nothing is invoked */
  readonly invokeTarget?: (target: ScheduleTarget, payload: string, schedule: ScheduleDefinition) => Promise<void>;
}

/** When the request leaves RetryPolicy out (API_RetryPolicy: 24 h, 185 retries). */
const DEFAULT_RETRY_POLICY = { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 };
const SCHEDULE_PATH = /^\/schedules\/([^/]+)$/;

/** The Scheduler API action of a request (for the IAM actions an operator needs). */
export function schedulerActionOf(request: Pick<RecordedRequest, 'method' | 'path'>): string | undefined {
  if (request.path === '/schedules' && request.method === 'GET') return 'ListSchedules';
  if (!SCHEDULE_PATH.test(request.path)) return undefined;
  return request.method === 'GET' ? 'GetSchedule' : request.method === 'PUT' ? 'UpdateSchedule' : undefined;
}
/** `at(...)`, `rate(<n> <unit>)` or `cron(<6 fields>)`, as the API's ScheduleExpression. */
const EXPRESSION = new RegExp(
  `^(?:${[
    /at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\)/,
    /rate\([1-9]\d* (?:minute|minutes|hour|hours|day|days)\)/,
    /cron\((?:\S+ ){5}\S+\)/,
  ]
    .map((form) => form.source)
    .join('|')})$`,
);
const NAME = /^[0-9a-zA-Z-_.]{1,64}$/;

class Invalid extends Error {}

/** Coral's wording for a constraint a member fails. */
const notNull = (field: string) =>
  new Invalid(
    `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
  );
const constraint = (value: unknown, field: string, rule: string) =>
  new Invalid(
    `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ${rule}`,
  );

/** The body of an UpdateSchedule, checked as the API checks it; what it leaves out takes its default. */
function parseUpdate(
  body: Record<string, unknown>,
): Omit<ScheduleDefinition, 'Name' | 'GroupName' | 'Arn' | 'CreationDate' | 'LastModificationDate'> {
  const expression = body.ScheduleExpression;
  if (expression === undefined || expression === null) throw notNull('scheduleExpression');
  if (typeof expression !== 'string' || expression.length > 256 || !EXPRESSION.test(expression))
    throw new Invalid(`Invalid Schedule Expression ${String(expression)}.`);
  const window = body.FlexibleTimeWindow as ScheduleDefinition['FlexibleTimeWindow'] | undefined;
  if (!window) throw notNull('flexibleTimeWindow');
  if (window.Mode !== 'OFF' && window.Mode !== 'FLEXIBLE')
    throw constraint(window.Mode, 'flexibleTimeWindow.mode', 'Member must satisfy enum value set: [OFF, FLEXIBLE]');
  if (
    window.Mode === 'FLEXIBLE' &&
    !(
      Number.isInteger(window.MaximumWindowInMinutes) &&
      window.MaximumWindowInMinutes! >= 1 &&
      window.MaximumWindowInMinutes! <= 1440
    )
  ) {
    throw new Invalid('MaximumWindowInMinutes must be between 1 and 1440 when FlexibleTimeWindow mode is FLEXIBLE.');
  }
  const target = body.Target as ScheduleTarget | undefined;
  if (!target) throw notNull('target');
  if (!target.Arn) throw notNull('target.arn');
  if (!target.RoleArn) throw notNull('target.roleArn');
  const state = body.State ?? 'ENABLED';
  if (state !== 'ENABLED' && state !== 'DISABLED')
    throw constraint(state, 'state', 'Member must satisfy enum value set: [ENABLED, DISABLED]');
  const description = body.Description;
  if (typeof description === 'string' && description.length > 512)
    throw constraint(description, 'description', 'Member must have length less than or equal to 512');
  const after = body.ActionAfterCompletion ?? 'NONE';
  if (after !== 'NONE' && after !== 'DELETE')
    throw constraint(after, 'actionAfterCompletion', 'Member must satisfy enum value set: [NONE, DELETE]');
  const date = (value: unknown) => (typeof value === 'number' ? new Date(value * 1000) : undefined);
  return {
    ScheduleExpression: expression,
    ...(typeof body.ScheduleExpressionTimezone === 'string'
      ? { ScheduleExpressionTimezone: body.ScheduleExpressionTimezone }
      : {}),
    ...(date(body.StartDate) ? { StartDate: date(body.StartDate) } : {}),
    ...(date(body.EndDate) ? { EndDate: date(body.EndDate) } : {}),
    ...(typeof description === 'string' ? { Description: description } : {}),
    State: state,
    ...(typeof body.KmsKeyArn === 'string' ? { KmsKeyArn: body.KmsKeyArn } : {}),
    FlexibleTimeWindow: window,
    Target: { ...target, RetryPolicy: { ...DEFAULT_RETRY_POLICY, ...target.RetryPolicy } },
    ActionAfterCompletion: after,
  };
}

/** REST-JSON carries timestamps as epoch seconds. */
function toWire(schedule: ScheduleDefinition): Record<string, unknown> {
  const seconds = (date: Date | undefined) => (date ? date.getTime() / 1000 : undefined);
  return JSON.parse(
    JSON.stringify({
      ...schedule,
      StartDate: seconds(schedule.StartDate),
      EndDate: seconds(schedule.EndDate),
      CreationDate: seconds(schedule.CreationDate),
      LastModificationDate: seconds(schedule.LastModificationDate),
    }),
  ) as Record<string, unknown>;
}

/**
 * Start a Scheduler emulator on 127.0.0.1.
 *
 * @param options.region - of schedule ARNs and the signature scope. @default 'us-east-1'
 * @param options.accountId - of schedule ARNs. @default '123456789012'
 */
export async function startSchedulerEmulator(options: SchedulerEmulatorOptions): Promise<SchedulerEmulator> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const schedules = new Map<string, ScheduleDefinition>();
  const keyOf = (name: string, group = 'default') => `${group}\u0000${name}`;

  async function handle(request: RecordedRequest): Promise<EmulatorResponse> {
    const { headers, error, refusal } = await verifyRestJson(request, {
      service: 'scheduler',
      region,
      sts: options.sts,
      errorBody: (_status, message) => ({ Message: message }),
    });
    if (refusal) return refusal;

    if (schedulerActionOf(request) === 'ListSchedules') {
      const { ScheduleGroup: group, NamePrefix: prefix, State: state } = request.query;
      const listed = [...schedules.values()].filter(
        (schedule) =>
          (!group || schedule.GroupName === group) &&
          (!prefix || schedule.Name.startsWith(prefix)) &&
          (!state || schedule.State === state),
      );
      return {
        status: 200,
        headers,
        body: {
          Schedules: listed.map((schedule) => ({
            Arn: schedule.Arn,
            Name: schedule.Name,
            GroupName: schedule.GroupName,
            State: schedule.State,
            Target: { Arn: schedule.Target.Arn },
            CreationDate: schedule.CreationDate.getTime() / 1000,
            LastModificationDate: schedule.LastModificationDate.getTime() / 1000,
          })),
        },
      };
    }
    const match = SCHEDULE_PATH.exec(request.path);
    if (!match || (request.method !== 'GET' && request.method !== 'PUT'))
      return error(404, 'UnknownOperationException', `Unknown operation ${request.method} ${request.path}`);
    const name = decodeURIComponent(match[1]!);
    if (!NAME.test(name))
      return error(
        400,
        'ValidationException',
        constraint(name, 'name', 'Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+').message,
      );

    if (request.method === 'GET') {
      const schedule = schedules.get(keyOf(name, request.query.groupName));
      if (!schedule) return error(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
      return { status: 200, headers, body: toWire(schedule) };
    }

    let body: Record<string, unknown>;
    try {
      body = JSON.parse(request.body || '{}') as Record<string, unknown>;
    } catch {
      return error(400, 'ValidationException', 'Could not parse the request body as JSON.');
    }
    const group = typeof body.GroupName === 'string' ? body.GroupName : 'default';
    let update: ReturnType<typeof parseUpdate>;
    try {
      update = parseUpdate(body);
    } catch (thrown) {
      if (thrown instanceof Invalid) return error(400, 'ValidationException', thrown.message);
      throw thrown;
    }
    const existing = schedules.get(keyOf(name, group));
    if (!existing) return error(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    schedules.set(keyOf(name, group), {
      Name: name,
      GroupName: group,
      Arn: existing.Arn,
      CreationDate: existing.CreationDate,
      LastModificationDate: new Date(),
      ...update,
    });
    return { status: 200, headers, body: { ScheduleArn: existing.Arn } };
  }

  /** The target's input with the context attributes Scheduler fills in at each invocation. */
  function payloadOf(schedule: ScheduleDefinition): string {
    const values: Record<string, string> = {
      'schedule-arn': schedule.Arn,
      'scheduled-time': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'execution-id': randomUUID(),
      'attempt-number': '1',
    };
    return (schedule.Target.Input ?? '{}').replace(
      /<aws\.scheduler\.([a-z-]+)>/g,
      (whole, attribute: string) => values[attribute] ?? whole,
    );
  }

  const server = await startEmulatorServer(handle, { port: options.port, actionOf: schedulerActionOf });
  return {
    ...server,
    putSchedule(seed) {
      const group = seed.GroupName ?? 'default';
      const now = new Date();
      const arn = `arn:aws:scheduler:${region}:${accountId}:schedule/${group}/${seed.Name}`;
      schedules.set(keyOf(seed.Name, group), {
        Name: seed.Name,
        GroupName: group,
        Arn: arn,
        CreationDate: now,
        LastModificationDate: now,
        ...parseUpdate({ FlexibleTimeWindow: { Mode: 'OFF' }, ...seed }),
      });
      return arn;
    },
    getSchedule(name, groupName) {
      const schedule = schedules.get(keyOf(name, groupName));
      return schedule && structuredClone(schedule);
    },
    async fire() {
      const due = [...schedules.values()].filter((schedule) => schedule.State === 'ENABLED');
      await Promise.all(
        due.map((schedule) => options.invokeTarget?.(schedule.Target, payloadOf(schedule), structuredClone(schedule))),
      );
      return due.length;
    },
  };
}
