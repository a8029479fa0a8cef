/**
 * The construct's side of core/operator-facts.ts: what the operator CLI needs to find from the
 * function alone (see docs/RUNBOOK.md), written into the template: each alarm named
 * `<function name>-<construct id>`, and tags on the function naming what it can name without a
 * dependency cycle (the schedule's group, the topics, the queues, the rotation's log group).
 */
import { Fn, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { FUNCTION_TAG, MAX_TAG_VALUE_CHARS } from '../../core/operator-facts.js';

/** What a rotator tells the operator CLI about itself. */
export interface OperatorFacts {
  readonly function: lambda.Function;
  /** Every alarm of the rotator, the Adobe secret rotation's included. */
  readonly alarms: readonly cloudwatch.Alarm[];
  readonly scheduleGroup: scheduler.IScheduleGroup;
  readonly alarmTopic: sns.ITopic;
  readonly ticketTopic: sns.ITopic;
  readonly scheduleDeadLetterQueue: sqs.IQueue;
  readonly failureDeadLetterQueue: sqs.IQueue;
  /** The Adobe secret rotation's log group, when the construct rotates the secret. */
  readonly adobeSecretRotationLogGroup?: logs.ILogGroup;
}

/** Name the alarms after the function and tag the function with what it can name (core/operator-facts.ts). */
export function describeForOperators(facts: OperatorFacts): void {
  const functionName = facts.function.functionName;
  for (const alarm of facts.alarms) {
    (alarm.node.defaultChild as cloudwatch.CfnAlarm).alarmName = Fn.join('-', [functionName, alarm.node.id]);
  }
  const tags = (facts.function.node.defaultChild as lambda.CfnFunction).tags;
  const tag = (key: string, value: string) => {
    // A literal too long for a tag (an imported topic's ARN, at worst) is left out: the CLI then asks the stack's
    // outputs.
    if (Token.isUnresolved(value) || value.length <= MAX_TAG_VALUE_CHARS) tags.setTag(key, value);
  };
  tag(FUNCTION_TAG.scheduleGroup, facts.scheduleGroup.scheduleGroupName);
  tag(FUNCTION_TAG.alarmTopic, facts.alarmTopic.topicArn);
  if (facts.ticketTopic !== facts.alarmTopic) tag(FUNCTION_TAG.ticketTopic, facts.ticketTopic.topicArn);
  tag(FUNCTION_TAG.scheduleDeadLetterQueue, facts.scheduleDeadLetterQueue.queueUrl);
  tag(FUNCTION_TAG.failureDeadLetterQueue, facts.failureDeadLetterQueue.queueUrl);
  if (facts.adobeSecretRotationLogGroup)
    tag(FUNCTION_TAG.adobeSecretRotationLogGroup, facts.adobeSecretRotationLogGroup.logGroupName);
}
