/**
 * What the operator CLI learns from the rotator function alone, in any deployment of the construct
 * (a stack of this repository, or the construct in another app, which has no stack outputs):
 *
 * - from the function's environment (lambda:GetFunctionConfiguration): the ledger table
 *   (`LEDGER_TABLE_NAME`), the Adobe secret, the targets when they travel in the environment;
 * - from the tags the construct sets on the function (lambda:ListTags): the schedule's group (the
 *   schedule is the one in it whose target is the function), the alarm topics, the dead-letter
 *   queues and the Adobe secret rotation's log group. A function cannot name what names it (the
 *   schedule, the alarms) without a dependency cycle; the rest it can;
 * - the alarms by name: the construct names each `<function name>-<construct id>`
 *   ({@link alarmNameFor}), so they are found with DescribeAlarms' `AlarmNamePrefix`.
 *
 * Pure: the construct writes these, the CLI reads them, the sandbox's stand-ins hold them.
 */

/** The tags the construct sets on the rotator function, by what they hold. */
export const FUNCTION_TAG = {
  /** The schedule group; the rotation schedule is the one in it whose target is the function. */
  scheduleGroup: 'aep-s3-rotator:schedule-group',
  /** The topic the alarms page. */
  alarmTopic: 'aep-s3-rotator:alarm-topic',
  /** The topic the ticket-routed alarms notify, when it is not the alarm topic. */
  ticketTopic: 'aep-s3-rotator:ticket-topic',
  /** The queue URL of scheduled runs EventBridge Scheduler could not invoke. */
  scheduleDeadLetterQueue: 'aep-s3-rotator:schedule-dead-letter-queue',
  /** The queue URL of asynchronous runs that failed after Lambda's retries. */
  failureDeadLetterQueue: 'aep-s3-rotator:failure-dead-letter-queue',
  /** With `adobeSecretRotation`: the rotation function's log group (`rotate-adobe-secret` reads it). */
  adobeSecretRotationLogGroup: 'aep-s3-rotator:adobe-secret-rotation-log-group',
} as const;

/** Lambda takes tag values of at most 256 characters. */
export const MAX_TAG_VALUE_CHARS = 256;

/** The name the construct gives an alarm: the function's name, a hyphen, the alarm's construct id. */
export function alarmNameFor(functionName: string, constructId: string): string {
  return `${functionName}-${constructId}`;
}

/**
 * The construct id of an alarm the construct named for `functionName`, or undefined for any other
 * name (an alarm of a function whose name merely starts with the same characters included).
 *
 * @param ids the construct ids a rotator's alarms have (core/alarm-rules.ts `STACK_ALARM_IDS`, and
 * `AdobeSecretRotationFailedAlarm`); a per-connection alarm beyond the first shard ends in `Shard<n>`.
 */
export function alarmIdOf(alarmName: string, functionName: string, ids: readonly string[]): string | undefined {
  const prefix = `${functionName}-`;
  if (!alarmName.startsWith(prefix)) return undefined;
  const id = alarmName.slice(prefix.length);
  return ids.includes(id.replace(/Shard\d+$/, '')) ? id : undefined;
}
