/**
 * Amazon CloudWatch emulator, for the alarm calls the operator CLI makes: `DescribeAlarms`,
 * `DisableAlarmActions` and `EnableAlarmActions`.
 *
 * It speaks what `@aws-sdk/client-cloudwatch` (3.1164) sends: the AWS JSON 1.0 protocol (`POST /`,
 * `X-Amz-Target: GraniteServiceVersion20100801.<Action>`, `application/x-amz-json-1.0`) in
 * Query-compatible mode (`x-amzn-query-mode: true`), so errors carry both the JSON `__type` and
 * the Query code in `x-amzn-query-error` (`ValidationError;Sender`). Signatures are SigV4-checked
 * (signing name `monitoring`) against the keys the STS emulator issued.
 *
 * As CloudWatch does, DescribeAlarms leaves out names it does not know, and Disable/EnableAlarmActions
 * ignore them (both document only the common errors); a request without `AlarmNames` is refused
 * with `MissingParameter`, more than 100 names with `ValidationError`.
 *
 * {@link CloudWatchEmulator.setAlarmState} plays the alarm's evaluation: a change of state notifies
 * the alarm's actions only while they are enabled (recorded in `notifications`).
 *
 * API reference: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DisableAlarmActions.html
 */
import { randomUUID } from 'node:crypto';
import { startEmulatorServer, type EmulatorResponse } from './http-server.js';
import { JSON_AUTH_ERRORS, verifySigV4, type SigV4ErrorCode } from './sigv4.js';
import type { Emulator, RecordedRequest, SignedServiceOptions } from './types.js';

const TARGET_PREFIX = 'GraniteServiceVersion20100801.';
const NAMESPACE = 'com.amazonaws.cloudwatch';
/** AlarmNames: at most 100 names of 1 to 255 characters. */
const MAX_ALARM_NAMES = 100;

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface SeedAlarm {
  readonly alarmName: string;
  readonly description?: string;
  /** @default true */
  readonly actionsEnabled?: boolean;
  /** e.g. the alarm topic's ARN. @default [] */
  readonly alarmActions?: readonly string[];
  /** @default 'INSUFFICIENT_DATA' */
  readonly state?: AlarmState;
  /** @default 'AepS3CredentialRotator' / 'RotationFailed' */
  readonly namespace?: string;
  readonly metricName?: string;
}

/** An alarm as the emulator keeps it. */
export interface StoredAlarm {
  readonly alarmName: string;
  readonly alarmArn: string;
  readonly description?: string;
  readonly actionsEnabled: boolean;
  readonly alarmActions: readonly string[];
  readonly state: AlarmState;
  readonly stateReason: string;
  readonly stateUpdatedAt: Date;
  readonly configurationUpdatedAt: Date;
  readonly namespace: string;
  readonly metricName: string;
}

/** A notification an alarm's state change sent to its actions. */
export interface AlarmNotification {
  readonly alarmName: string;
  readonly state: AlarmState;
  readonly reason: string;
  readonly actions: readonly string[];
  readonly at: Date;
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
}

/** The Query codes of the JSON error shapes (the SDK's `awsQueryError` traits). */
const QUERY_CODES: Record<string, string> = {
  MissingRequiredParameterException: 'MissingParameter',
  ValidationException: 'ValidationError',
  InvalidParameterValueException: 'InvalidParameterValue',
  InvalidNextToken: 'InvalidNextToken',
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

/** AWS JSON carries timestamps as epoch seconds. */
const seconds = (date: Date) => date.getTime() / 1000;

/**
 * Start a CloudWatch emulator on 127.0.0.1.
 *
 * @param options.region - of alarm ARNs and the signature scope. @default 'us-east-1'
 * @param options.accountId - of alarm ARNs. @default '123456789012'
 */
export async function startCloudWatchEmulator(options: SignedServiceOptions): Promise<CloudWatchEmulator> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const alarms = new Map<string, StoredAlarm>();
  const notifications: AlarmNotification[] = [];

  function metricAlarm(alarm: StoredAlarm) {
    return {
      AlarmName: alarm.alarmName,
      AlarmArn: alarm.alarmArn,
      ...(alarm.description ? { AlarmDescription: alarm.description } : {}),
      AlarmConfigurationUpdatedTimestamp: seconds(alarm.configurationUpdatedAt),
      ActionsEnabled: alarm.actionsEnabled,
      OKActions: [...alarm.alarmActions],
      AlarmActions: [...alarm.alarmActions],
      InsufficientDataActions: [],
      StateValue: alarm.state,
      StateReason: alarm.stateReason,
      StateUpdatedTimestamp: seconds(alarm.stateUpdatedAt),
      StateTransitionedTimestamp: seconds(alarm.stateUpdatedAt),
      MetricName: alarm.metricName,
      Namespace: alarm.namespace,
      Statistic: 'Sum',
      Dimensions: [],
      Period: 900,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'ignore',
    };
  }

  /** `AlarmNames` as the API requires it, or the error to answer with. */
  function alarmNamesOf(input: Record<string, unknown>, required: boolean): string[] | { type: string; message: string } {
    const names = input.AlarmNames;
    if (names === undefined) {
      return required ? { type: 'MissingRequiredParameterException', message: 'The parameter AlarmNames is required.' } : [];
    }
    if (!Array.isArray(names) || names.some((name) => typeof name !== 'string' || name.length < 1 || name.length > 255)) {
      return {
        type: 'ValidationException',
        message:
          "1 validation error detected: Value at 'alarmNames' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 1]",
      };
    }
    if (names.length > MAX_ALARM_NAMES) {
      return {
        type: 'ValidationException',
        message: `1 validation error detected: Value at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ALARM_NAMES}`,
      };
    }
    return names as string[];
  }

  async function handle(request: RecordedRequest): Promise<EmulatorResponse> {
    const requestId = randomUUID();
    const queryMode = request.headers['x-amzn-query-mode'] === 'true';
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId };
    const error = (status: number, type: string, message: string, queryCode = QUERY_CODES[type] ?? type): EmulatorResponse => ({
      status,
      headers: { ...headers, ...(queryMode ? { 'x-amzn-query-error': `${queryCode};${status >= 500 ? 'Receiver' : 'Sender'}` } : {}) },
      body: { __type: `${NAMESPACE}#${type}`, message },
    });

    const auth = await verifySigV4(request, { service: 'monitoring', region, lookup: (id) => options.sts.credentialsFor(id), now: () => options.sts.now() });
    if (!auth.ok) return error(auth.code === 'IncompleteSignature' ? 400 : 403, JSON_AUTH_ERRORS[auth.code], auth.message, AUTH_QUERY_CODES[auth.code]);

    const action = actionOf(request);
    if (request.method !== 'POST' || !['DescribeAlarms', 'DisableAlarmActions', 'EnableAlarmActions'].includes(action ?? '')) {
      return error(400, 'UnknownOperationException', `Unknown operation ${request.headers['x-amz-target'] ?? '(no X-Amz-Target)'}`);
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(request.body || '{}') as Record<string, unknown>;
    } catch {
      return error(400, 'SerializationException', 'Start of structure or map found where not expected.');
    }
    const names = alarmNamesOf(input, action !== 'DescribeAlarms');
    if (!Array.isArray(names)) return error(400, names.type, names.message);

    if (action === 'DescribeAlarms') {
      const prefix = typeof input.AlarmNamePrefix === 'string' ? input.AlarmNamePrefix : undefined;
      if (prefix !== undefined && names.length > 0)
        return error(400, 'InvalidParameterCombinationException', 'AlarmNames and AlarmNamePrefix cannot be used together.', 'InvalidParameterCombination');
      const types = Array.isArray(input.AlarmTypes) ? (input.AlarmTypes as string[]) : ['MetricAlarm'];
      const selected = [...alarms.values()].filter((alarm) =>
        names.length > 0 ? names.includes(alarm.alarmName) : prefix === undefined || alarm.alarmName.startsWith(prefix),
      );
      // Every alarm here is a metric alarm; one page holds them all (MaxRecords defaults to 50).
      return { status: 200, headers, body: { MetricAlarms: types.includes('MetricAlarm') ? selected.map(metricAlarm) : [], CompositeAlarms: [] } };
    }
    const enabled = action === 'EnableAlarmActions';
    for (const name of names) {
      const alarm = alarms.get(name);
      if (alarm) alarms.set(name, { ...alarm, actionsEnabled: enabled });
    }
    return { status: 200, headers, body: {} };
  }

  const server = await startEmulatorServer(handle, { port: options.port, actionOf });
  return {
    ...server,
    notifications,
    putAlarm(seed) {
      const alarmArn = `arn:aws:cloudwatch:${region}:${accountId}:alarm:${seed.alarmName}`;
      const now = new Date();
      alarms.set(seed.alarmName, {
        alarmName: seed.alarmName,
        alarmArn,
        ...(seed.description ? { description: seed.description } : {}),
        actionsEnabled: seed.actionsEnabled ?? true,
        alarmActions: [...(seed.alarmActions ?? [])],
        state: seed.state ?? 'INSUFFICIENT_DATA',
        stateReason: 'Unchecked: Initial alarm creation',
        stateUpdatedAt: now,
        configurationUpdatedAt: now,
        namespace: seed.namespace ?? 'AepS3CredentialRotator',
        metricName: seed.metricName ?? 'RotationFailed',
      });
      return alarmArn;
    },
    getAlarm(alarmName) {
      const alarm = alarms.get(alarmName);
      return alarm && { ...alarm, alarmActions: [...alarm.alarmActions] };
    },
    setAlarmState(alarmName, state, reason) {
      const alarm = alarms.get(alarmName);
      if (!alarm || alarm.state === state) return false;
      const at = new Date();
      alarms.set(alarmName, { ...alarm, state, stateReason: reason, stateUpdatedAt: at });
      if (!alarm.actionsEnabled || alarm.alarmActions.length === 0) return false;
      notifications.push({ alarmName, state, reason, actions: [...alarm.alarmActions], at });
      return true;
    },
  };
}
