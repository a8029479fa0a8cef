/**
 * The deployed stack's alarms in the CloudWatch stand-in: the construct's eight (emulators/stack-alarms.ts)
 * and `AdobeSecretRotationFailedAlarm`, each notifying the alarm topic, evaluated at each scheduled
 * tick on what CloudWatch would have received since the last: the function's embedded metrics,
 * Lambda's `Errors` (both functions') and `DestinationDeliveryFailures`, the queues' messages.
 */
import type { AlarmState, Datapoint } from './cloudwatch-alarms.js';
import type { CloudWatchEmulator } from './cloudwatch.js';
import {
  ADOBE_SECRET_ROTATION_ALARM_ID,
  ALARM_NAMES,
  FUNCTION_NAME,
  QUEUE_NAMES,
  ROTATION_FUNCTION_NAME,
  SCHEDULE_EXPRESSION,
  type SandboxAlarmId,
} from './deployed-stack-names.js';
import type { LambdaInvokeEmulator } from './lambda-invoke.js';
import { ALARM_IDS, stackAlarmDefinitions } from './stack-alarms.js';
import type { World } from './world.js';

/** One alarm's (or one contributor's) change of state in a tick, and whether it notified the topic. */
export interface AlarmMove {
  readonly id: SandboxAlarmId;
  readonly state: AlarmState;
  readonly notified: boolean;
  /** The connection whose contributor moved, for a per-connection alarm. */
  readonly connectionId?: string;
}

/** The stack's alarms, put in CloudWatch on construction, and what each tick moves. */
export class SandboxAlarms {
  private readonly definitions: ReturnType<typeof stackAlarmDefinitions>;
  /** Invocations whose metrics CloudWatch has received. */
  private ingested = 0;
  /** Lambda's failed deliveries to the failure queue since the last tick. */
  private deliveryFailures = 0;

  constructor(
    world: World,
    private readonly standIns: {
      readonly cloudWatch: CloudWatchEmulator;
      readonly lambda: LambdaInvokeEmulator;
      readonly queues: { readonly schedule: readonly string[]; readonly failure: readonly string[] };
    },
    alarmTopicArn: string,
  ) {
    const { cloudWatch } = standIns;
    this.definitions = stackAlarmDefinitions({
      functionName: FUNCTION_NAME,
      schedule: SCHEDULE_EXPRESSION,
      durationsSeconds: world.targets.map((target) => target.durationSeconds ?? 3600),
      scheduleQueueName: QUEUE_NAMES.schedule,
      failureQueueName: QUEUE_NAMES.failure,
    });
    for (const id of ALARM_IDS) {
      cloudWatch.putAlarm({
        alarmName: ALARM_NAMES[id],
        alarmActions: [alarmTopicArn],
        state: 'OK',
        description: `Runbook: docs/RUNBOOK.md#${id.toLowerCase()}`,
        definition: this.definitions[id],
      });
    }
    // Lambda's Errors of the rotation function, as lib/rotator/adobe-secret-rotation.ts defines the alarm.
    cloudWatch.putAlarm({
      alarmName: ALARM_NAMES[ADOBE_SECRET_ROTATION_ALARM_ID],
      alarmActions: [alarmTopicArn],
      state: 'OK',
      description: `Runbook: docs/RUNBOOK.md#${ADOBE_SECRET_ROTATION_ALARM_ID.toLowerCase()}`,
      definition: {
        kind: 'metric',
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: { FunctionName: ROTATION_FUNCTION_NAME },
        statistic: 'Sum',
        comparison: 'GreaterThanOrEqualToThreshold',
        threshold: 1,
        treatMissingData: 'ignore',
      },
    });
  }

  /** Lambda could not deliver a failed run to the failure queue (its `DestinationDeliveryFailures`). */
  deliveryFailed(): void {
    this.deliveryFailures += 1;
  }

  /** Hand CloudWatch what it received since the last tick, and evaluate: the alarms that moved. */
  tick(): AlarmMove[] {
    this.ingestSinceLastTick();
    return this.evaluate();
  }

  /**
   * What CloudWatch would have received since the last tick: every invocation's embedded metrics
   * (manual ones too) and Lambda's `Errors`, the failed deliveries, the queues' depth.
   */
  private ingestSinceLastTick(): void {
    const { cloudWatch, lambda, queues } = this.standIns;
    for (const invocation of lambda.invocations.slice(this.ingested)) {
      // The rotator's embedded metrics; the Adobe secret's rotation function has only Lambda's.
      if (invocation.functionName === FUNCTION_NAME) cloudWatch.ingestLog(invocation.log);
      const errors = {
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: { FunctionName: invocation.functionName },
      };
      cloudWatch.ingest([{ ...errors, value: invocation.functionError ? 1 : 0 }]);
    }
    this.ingested = lambda.invocations.length;
    const points: Datapoint[] = [
      {
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: QUEUE_NAMES.schedule },
        value: queues.schedule.length,
      },
      {
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: QUEUE_NAMES.failure },
        value: queues.failure.length,
      },
    ];
    // Lambda publishes this one only when a delivery fails.
    if (this.deliveryFailures > 0) {
      points.push({
        namespace: 'AWS/Lambda',
        metricName: 'DestinationDeliveryFailures',
        dimensions: { FunctionName: FUNCTION_NAME },
        value: this.deliveryFailures,
      });
    }
    this.deliveryFailures = 0;
    cloudWatch.ingest(points);
  }

  /** The tick's alarm moves: each metric alarm's, each contributor's of a per-connection alarm. */
  private evaluate(): AlarmMove[] {
    const idOf = new Map(Object.entries(ALARM_NAMES).map(([id, name]) => [name, id as SandboxAlarmId]));
    return this.standIns.cloudWatch.evaluate().flatMap(({ alarmName, transitions }) => {
      const id = idOf.get(alarmName)!;
      const query = id !== ADOBE_SECRET_ROTATION_ALARM_ID && this.definitions[id].kind === 'query';
      return transitions
        .filter((transition) => (query ? transition.contributor : !transition.contributor))
        .map((transition) => ({
          id,
          state: transition.state,
          notified: transition.notified,
          ...(transition.contributor?.connectionId ? { connectionId: transition.contributor.connectionId } : {}),
        }));
    });
  }
}
