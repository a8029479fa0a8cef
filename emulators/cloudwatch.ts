/**
 * Amazon CloudWatch emulator: the stack's alarms, as the operator CLI reads and switches them
 * (`DescribeAlarms`, `DisableAlarmActions`, `EnableAlarmActions`, `SetAlarmState`,
 * `DescribeAlarmContributors`), and as CloudWatch evaluates them on the function's metrics.
 *
 * It speaks what `@aws-sdk/client-cloudwatch` (3.1164) sends: the AWS JSON 1.0 protocol (`POST /`,
 * `X-Amz-Target: GraniteServiceVersion20100801.<Action>`, `application/x-amz-json-1.0`) in
 * Query-compatible mode (`x-amzn-query-mode: true`), so errors carry both the JSON `__type` and
 * the Query code in `x-amzn-query-error` (`ValidationError;Sender`). Signatures are SigV4-checked
 * (signing name `monitoring`) against the keys the STS emulator issued.
 *
 * As CloudWatch does, DescribeAlarms leaves out names it does not know, and Disable/EnableAlarmActions
 * ignore them; no `AlarmNames` is `MissingParameter`, more than 100 `ValidationError`; SetAlarmState
 * and DescribeAlarmContributors refuse an unknown alarm (`ResourceNotFound`).
 *
 * An alarm seeded with a definition (a metric, or a Metrics Insights query: emulators/cloudwatch-alarms.ts)
 * is evaluated by {@link CloudWatchEmulator.evaluate} on the datapoints received since the last
 * evaluation ({@link CloudWatchEmulator.ingestLog} reads them from the function's embedded-metric
 * documents); a query's every contributor has its own state. A change of state, the alarm's or a
 * contributor's, notifies the alarm's actions while they are enabled (recorded in `notifications`,
 * and delivered to the SNS stand-in's topic when one is given).
 *
 * API reference: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html
 */
import { randomUUID } from 'node:crypto';
import {
  datapointsOfEmf,
  evaluateAlarm,
  type AlarmMemory,
  type AlarmState,
  type Datapoint,
  type Transition,
} from './cloudwatch-alarms.js';
import { alarmNamesOf, groupKeyOf, metricAlarm, type SeedAlarm, type StoredAlarm } from './cloudwatch-describe.js';
import { startEmulatorServer, type EmulatorResponse } from './http-server.js';
import type { SnsEmulator } from './sns.js';
import { JSON_AUTH_ERRORS, keysIssuedBy, verifySigV4, type SigV4ErrorCode } from './sigv4.js';
import type { Emulator, RecordedRequest, SignedServiceOptions } from './types.js';

const TARGET_PREFIX = 'GraniteServiceVersion20100801.';
const ACTIONS = [
  'DescribeAlarms',
  'DisableAlarmActions',
  'EnableAlarmActions',
  'SetAlarmState',
  'DescribeAlarmContributors',
];
const NAMESPACE = 'com.amazonaws.cloudwatch';

export type { AlarmDefinition, AlarmState, Datapoint } from './cloudwatch-alarms.js';
export type { SeedAlarm, StoredAlarm } from './cloudwatch-describe.js';
/** The states SetAlarmState takes. */
const STATES: readonly AlarmState[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];
/** StateReason: at most 1023 characters. */
const MAX_STATE_REASON = 1023;

/** A notification an alarm's state change sent to its actions. */
export interface AlarmNotification {
  readonly alarmName: string;
  readonly state: AlarmState;
  readonly reason: string;
  readonly actions: readonly string[];
  /** For a contributor's change of state: its attributes (`{ connectionId }`). */
  readonly contributor?: Readonly<Record<string, string>>;
  readonly at: Date;
}

/** One alarm's changes in one evaluation, and whether they notified. */
export interface AlarmEvaluation {
  readonly alarmName: string;
  readonly transitions: ReadonlyArray<Transition & { readonly notified: boolean }>;
}

export interface CloudWatchEmulator extends Emulator {
  putAlarm(seed: SeedAlarm): string;
  getAlarm(alarmName: string): StoredAlarm | undefined;
  /**
   * Move an alarm to `state`, as its evaluation would. Resolves whether the change notified its
   * actions (a change of state, with actions enabled); false for an unknown alarm or no change.
   */
  setAlarmState(alarmName: string, state: AlarmState, reason: string): boolean;
  readonly notifications: AlarmNotification[];
  /** Take the datapoints of every embedded-metric-format document in a function's log. */
  ingestLog(log: string): void;
  /** Take datapoints (as Lambda's and SQS's own metrics reach CloudWatch). */
  ingest(datapoints: readonly Datapoint[]): void;
  /** Evaluate every alarm with a definition on what was received since the last evaluation: one window. */
  evaluate(): AlarmEvaluation[];
  /** The attributes of each contributor of `alarmName` in ALARM. */
  contributorsInAlarm(alarmName: string): Array<Readonly<Record<string, string>>>;
}

/** The Query codes of the JSON error shapes (the SDK's `awsQueryError` traits). */
const QUERY_CODES: Record<string, string> = {
  MissingRequiredParameterException: 'MissingParameter',
  ValidationException: 'ValidationError',
  InvalidParameterValueException: 'InvalidParameterValue',
  InvalidNextToken: 'InvalidNextToken',
  ResourceNotFound: 'ResourceNotFound',
  ResourceNotFoundException: 'ResourceNotFoundException',
};
/** Signature failures: the JSON `__type`, and the Query code the query-compatible header names. */
const AUTH_QUERY_CODES: Record<SigV4ErrorCode, string> = {
  MissingAuthenticationToken: 'MissingAuthenticationToken',
  IncompleteSignature: 'IncompleteSignature',
  InvalidClientTokenId: 'InvalidClientTokenId',
  SignatureDoesNotMatch: 'SignatureDoesNotMatch',
  ExpiredToken: 'ExpiredToken',
};

function actionOf(request: Pick<RecordedRequest, 'headers'>): string | undefined {
  const target = request.headers['x-amz-target'];
  return target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
}

/**
 * Start a CloudWatch emulator on 127.0.0.1.
 *
 * @param options.region - of alarm ARNs and the signature scope. @default 'us-east-1'
 * @param options.accountId - of alarm ARNs. @default '123456789012'
 */
export async function startCloudWatchEmulator(
  options: SignedServiceOptions & { sns?: Pick<SnsEmulator, 'deliver'> },
): Promise<CloudWatchEmulator> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const alarms = new Map<string, StoredAlarm>();
  const memories = new Map<string, AlarmMemory>();
  const notifications: AlarmNotification[] = [];
  let window: Datapoint[] = [];

  /** Notify the alarm's actions of a change (when enabled); true when they were notified. */
  function notify(
    alarm: StoredAlarm,
    state: AlarmState,
    reason: string,
    contributor?: Readonly<Record<string, string>>,
  ): boolean {
    if (!alarm.actionsEnabled || alarm.alarmActions.length === 0) return false;
    const at = new Date();
    notifications.push({
      alarmName: alarm.alarmName,
      state,
      reason,
      actions: [...alarm.alarmActions],
      ...(contributor ? { contributor } : {}),
      at,
    });
    const message = JSON.stringify({
      AlarmName: alarm.alarmName,
      AlarmDescription: alarm.description ?? null,
      NewStateValue: state,
      NewStateReason: reason,
      StateChangeTime: at.toISOString(),
      Region: region,
      AlarmArn: alarm.alarmArn,
      ...(contributor ? { AlarmContributorAttributes: contributor } : {}),
    });
    for (const action of alarm.alarmActions)
      if (action.startsWith('arn:aws:sns:')) options.sns?.deliver(action, message, `${state}: "${alarm.alarmName}"`);
    return true;
  }

  async function handle(request: RecordedRequest): Promise<EmulatorResponse> {
    const requestId = randomUUID();
    const queryMode = request.headers['x-amzn-query-mode'] === 'true';
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId };
    const error = (
      status: number,
      type: string,
      message: string,
      queryCode = QUERY_CODES[type] ?? type,
    ): EmulatorResponse => ({
      status,
      headers: {
        ...headers,
        ...(queryMode ? { 'x-amzn-query-error': `${queryCode};${status >= 500 ? 'Receiver' : 'Sender'}` } : {}),
      },
      body: { __type: `${NAMESPACE}#${type}`, message },
    });

    const auth = await verifySigV4(request, {
      service: 'monitoring',
      region,
      ...keysIssuedBy(options.sts),
    });
    if (!auth.ok)
      return error(
        auth.code === 'IncompleteSignature' ? 400 : 403,
        JSON_AUTH_ERRORS[auth.code],
        auth.message,
        AUTH_QUERY_CODES[auth.code],
      );

    const action = actionOf(request);
    if (request.method !== 'POST' || !ACTIONS.includes(action ?? '')) {
      return error(
        400,
        'UnknownOperationException',
        `Unknown operation ${request.headers['x-amz-target'] ?? '(no X-Amz-Target)'}`,
      );
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(request.body || '{}') as Record<string, unknown>;
    } catch {
      return error(400, 'SerializationException', 'Start of structure or map found where not expected.');
    }
    if (action === 'SetAlarmState' || action === 'DescribeAlarmContributors') {
      const name = input.AlarmName;
      if (typeof name !== 'string' || name.length < 1 || name.length > 255) {
        return error(400, 'MissingRequiredParameterException', 'The parameter AlarmName is required.');
      }
      const alarm = alarms.get(name);
      if (action === 'DescribeAlarmContributors') {
        if (!alarm) return error(404, 'ResourceNotFoundException', `Alarm ${name} does not exist.`);
        const contributors = [...(memories.get(name)?.contributors ?? new Map())].filter(
          ([, contributor]) => contributor.state === 'ALARM',
        );
        return {
          status: 200,
          headers,
          body: {
            AlarmContributors: contributors.map(([group, contributor]) => ({
              ContributorId: group.replace(/-/g, '').slice(0, 16),
              ContributorAttributes: { [groupKeyOf(alarm)]: group },
              StateReason: `breached in ${contributor.breached} evaluation(s) in a row`,
              ...(contributor.since ? { StateTransitionedTimestamp: contributor.since / 1000 } : {}),
            })),
          },
        };
      }
      const state = input.StateValue;
      if (typeof state !== 'string' || !(STATES as readonly string[]).includes(state)) {
        return error(
          400,
          'ValidationException',
          `1 validation error detected: Value '${String(state)}' at 'stateValue' failed to satisfy constraint: ` +
            'Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]',
        );
      }
      const reason = input.StateReason;
      if (typeof reason !== 'string' || reason.length > MAX_STATE_REASON) {
        return error(
          400,
          'ValidationException',
          `The parameter StateReason is required and must be at most ${MAX_STATE_REASON} characters.`,
        );
      }
      if (!alarm) return error(404, 'ResourceNotFound', `Alarm ${name} not found`, 'ResourceNotFound');
      setState(alarm, state as AlarmState, reason);
      return { status: 200, headers, body: {} };
    }
    const names = alarmNamesOf(input, action !== 'DescribeAlarms');
    if (!Array.isArray(names)) return error(400, names.type, names.message);

    if (action === 'DescribeAlarms') {
      const prefix = typeof input.AlarmNamePrefix === 'string' ? input.AlarmNamePrefix : undefined;
      if (prefix !== undefined && names.length > 0)
        return error(
          400,
          'InvalidParameterCombinationException',
          'AlarmNames and AlarmNamePrefix cannot be used together.',
          'InvalidParameterCombination',
        );
      const types = Array.isArray(input.AlarmTypes) ? (input.AlarmTypes as string[]) : ['MetricAlarm'];
      const selected = [...alarms.values()].filter((alarm) =>
        names.length > 0 ? names.includes(alarm.alarmName) : prefix === undefined || alarm.alarmName.startsWith(prefix),
      );
      // Every alarm here is a metric alarm; one page holds them all (MaxRecords defaults to 50).
      return {
        status: 200,
        headers,
        body: { MetricAlarms: types.includes('MetricAlarm') ? selected.map(metricAlarm) : [], CompositeAlarms: [] },
      };
    }
    const enabled = action === 'EnableAlarmActions';
    for (const name of names) {
      const alarm = alarms.get(name);
      if (alarm) alarms.set(name, { ...alarm, actionsEnabled: enabled });
    }
    return { status: 200, headers, body: {} };
  }

  /** Move an alarm to `state` (SetAlarmState, or its evaluation): true when that notified its actions. */
  function setState(alarm: StoredAlarm, state: AlarmState, reason: string): boolean {
    if (alarm.state === state) return false;
    const updated = { ...alarm, state, stateReason: reason, stateUpdatedAt: new Date() };
    alarms.set(alarm.alarmName, updated);
    const memory = memories.get(alarm.alarmName);
    if (memory) memory.state = state;
    return notify(updated, state, reason);
  }

  const server = await startEmulatorServer(handle, { port: options.port, actionOf });
  return {
    ...server,
    notifications,
    putAlarm(seed) {
      const alarmArn = `arn:aws:cloudwatch:${region}:${accountId}:alarm:${seed.alarmName}`;
      const now = new Date();
      const state = seed.state ?? 'INSUFFICIENT_DATA';
      alarms.set(seed.alarmName, {
        alarmName: seed.alarmName,
        alarmArn,
        ...(seed.description ? { description: seed.description } : {}),
        actionsEnabled: seed.actionsEnabled ?? true,
        alarmActions: [...(seed.alarmActions ?? [])],
        state,
        stateReason: 'Unchecked: Initial alarm creation',
        stateUpdatedAt: now,
        configurationUpdatedAt: now,
        namespace: seed.namespace ?? 'AepS3CredentialRotator',
        metricName: seed.metricName ?? 'RotationFailed',
        ...(seed.definition ? { definition: seed.definition } : {}),
      });
      // A configuration update keeps what CloudWatch knows of the contributors.
      const memory = memories.get(seed.alarmName);
      memories.set(seed.alarmName, {
        state,
        breached: memory?.breached ?? 0,
        contributors: memory?.contributors ?? new Map(),
      });
      return alarmArn;
    },
    getAlarm(alarmName) {
      const alarm = alarms.get(alarmName);
      return alarm && { ...alarm, alarmActions: [...alarm.alarmActions] };
    },
    setAlarmState(alarmName, state, reason) {
      const alarm = alarms.get(alarmName);
      return alarm ? setState(alarm, state, reason) : false;
    },
    ingestLog(log) {
      for (const line of log.split('\n')) {
        // The Lambda stand-in's lines are the function's own: JSON documents, or the runtime's text.
        const start = line.indexOf('{"_aws"');
        if (start < 0) continue;
        try {
          window.push(...datapointsOfEmf(JSON.parse(line.slice(start)) as Record<string, unknown>));
        } catch {
          // Not a whole document: CloudWatch Logs would not extract it either.
        }
      }
    },
    ingest(datapoints) {
      window.push(...datapoints);
    },
    evaluate() {
      const evaluated: AlarmEvaluation[] = [];
      for (const alarm of alarms.values()) {
        if (!alarm.definition) continue;
        const memory = memories.get(alarm.alarmName)!;
        const transitions = evaluateAlarm(alarm.definition, memory, window);
        if (transitions.length === 0) continue;
        let current = alarms.get(alarm.alarmName)!;
        const notified = transitions.map((transition) => {
          if (!transition.contributor) {
            current = {
              ...current,
              state: transition.state,
              stateReason: transition.reason,
              stateUpdatedAt: new Date(),
            };
            alarms.set(alarm.alarmName, current);
          }
          return {
            ...transition,
            notified: notify(current, transition.state, transition.reason, transition.contributor),
          };
        });
        evaluated.push({ alarmName: alarm.alarmName, transitions: notified });
      }
      window = [];
      return evaluated;
    },
    contributorsInAlarm(alarmName) {
      const alarm = alarms.get(alarmName);
      if (!alarm) return [];
      const key = groupKeyOf(alarm);
      return [...(memories.get(alarmName)?.contributors ?? new Map())]
        .filter(([, contributor]) => contributor.state === 'ALARM')
        .map(([group]) => ({ [key]: group }));
    },
  };
}
