/**
 * The names of the stack's outputs, in one table: the stack writes each `CfnOutput` under its
 * name here (lib/rotator-stack.ts), and operators, the runbook's commands and the operator CLI
 * (cli/aws.ts) look resources up by them, so no one copies a generated name from the console.
 * Names are part of the contract with deployed stacks: add, never rename.
 */
export const STACK_OUTPUT = {
  /** The rotator function's name (also exported as `<stackName>-RotatorFunctionName`). */
  functionName: 'RotatorFunctionName',
  /** The function's role: existing roles assumed by chaining must trust it. */
  functionRoleArn: 'RotatorFunctionRoleArn',
  /** The Adobe credentials secret's id (the CLI needs it when the stack created the secret). */
  adobeCredentialsSecret: 'AdobeCredentialsSecretId',
  /** The topic alarms notify. */
  alarmTopicArn: 'AlarmTopicArn',
  dashboardName: 'DashboardName',
  /** EventBridge Scheduler's role (a key policy that does not defer to IAM must let it use the key). */
  schedulerRoleArn: 'SchedulerRoleArn',
  /** The function's log group. */
  logGroupName: 'LogGroupName',
  /** The queue of scheduled runs EventBridge Scheduler could not invoke. */
  scheduleDeadLetterQueueUrl: 'ScheduleDeadLetterQueueUrl',
  /** The queue of asynchronous runs that failed after Lambda's retries. */
  failureDeadLetterQueueUrl: 'FailureDeadLetterQueueUrl',
  /** The rotation schedule's name (with `scheduleGroupName`, for GetSchedule and UpdateSchedule). */
  scheduleName: 'ScheduleName',
  scheduleGroupName: 'ScheduleGroupName',
  /** The rotation ledger's DynamoDB table. */
  ledgerTableName: 'LedgerTableName',
  /** Every alarm's name, comma-separated (DescribeAlarms, DisableAlarmActions, EnableAlarmActions). */
  alarmNames: 'AlarmNames',
  /**
   * With `adobeSecretRotation` only: the Adobe secret's rotation function, its log group (`rotate-adobe-secret` reads
   * it) and role.
   */
  adobeSecretRotationFunctionName: 'AdobeSecretRotationFunctionName',
  adobeSecretRotationLogGroupName: 'AdobeSecretRotationLogGroupName',
  adobeSecretRotationRoleArn: 'AdobeSecretRotationRoleArn',
} as const;
