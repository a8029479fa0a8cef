/**
 * How runs start and where the ones that fail go: the schedule (in a group of its own, invoking
 * exactly the function, with retries) and the encrypted dead-letter queues that catch what
 * EventBridge Scheduler could not deliver and what Lambda could not run.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ExactLambdaInvoke } from './permissions.js';

/** A dead-letter queue: encrypted (with `key`, or SSE-SQS), TLS only, kept for the longest SQS allows. */
export function createDeadLetterQueue(scope: Construct, id: string, key: kms.IKey | undefined): sqs.Queue {
  return new sqs.Queue(scope, id, {
    ...(key
      ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key }
      : { encryption: sqs.QueueEncryption.SQS_MANAGED }),
    enforceSSL: true,
    // The longest SQS allows: time to read what failed after a holiday.
    retentionPeriod: Duration.days(14),
  });
}

/** What the schedule invokes, when, and where what it cannot deliver goes. */
export interface ScheduleOptions {
  readonly function: lambda.IFunction;
  readonly schedule: scheduler.ScheduleExpression;
  /** @default - a group of the construct's own (construct id `ScheduleGroup`) */
  readonly scheduleGroup?: scheduler.IScheduleGroup;
  /** An event older than this is superseded by the next scheduled run. */
  readonly maxEventAge: Duration;
  readonly deadLetterQueue: sqs.IQueue;
  /** False: the schedule stays, disabled (State DISABLED); manual runs still work. */
  readonly enabled: boolean;
}

/** The schedule (construct id `Schedule`), its group, and the role Scheduler invokes the function with. */
export function createSchedule(
  scope: Construct,
  options: ScheduleOptions,
): { schedule: scheduler.Schedule; scheduleGroup: scheduler.IScheduleGroup; schedulerRole: iam.IRole } {
  // A group of its own: Scheduler's role then trusts only this rotator's schedules, not every
  // schedule of the account's default group. Nothing else is in it, so it goes with the stack.
  const scheduleGroup =
    options.scheduleGroup ??
    new scheduler.ScheduleGroup(scope, 'ScheduleGroup', { removalPolicy: RemovalPolicy.DESTROY });
  const target = new ExactLambdaInvoke(options.function, {
    input: scheduler.ScheduleTargetInput.fromObject({
      source: 'aep-s3-rotator.schedule',
      scheduleArn: scheduler.ContextAttribute.scheduleArn,
      scheduledTime: scheduler.ContextAttribute.scheduledTime,
      executionId: scheduler.ContextAttribute.executionId,
      attemptNumber: scheduler.ContextAttribute.attemptNumber,
    }),
    // Retries cover failures to deliver (Lambda throttling the Invoke call, service errors).
    retryAttempts: 3,
    maxEventAge: options.maxEventAge,
    deadLetterQueue: options.deadLetterQueue,
  });
  const schedule = new scheduler.Schedule(scope, 'Schedule', {
    schedule: options.schedule,
    scheduleGroup,
    description: 'Rotates the credentials of Flow Service S3 connections',
    timeWindow: scheduler.TimeWindow.off(),
    target,
    enabled: options.enabled,
  });
  return { schedule, scheduleGroup, schedulerRole: target.role! };
}
