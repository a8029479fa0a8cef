/**
 * `S3CredentialRotator`: a scheduled Lambda function that keeps the temporary AWS credentials of
 * Adobe Experience Platform Flow Service S3 base connections fresh, with least-privilege IAM,
 * dead-letter queues, alarms and a dashboard.
 *
 * This file wires the parts together; each part is a module of its own in lib/rotator/: the props
 * and their validation, the function and its bundling, the roles it creates, how the targets reach
 * it, its permissions, its schedule, and its monitoring. The function's contract (environment,
 * metric names) is core/contract.ts. Construct ids are part of the contract with deployed stacks:
 * every resource is created in this construct's scope with the id it has always had
 * (test/system/lib/stack.test.ts pins the logical ids).
 */
import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_FLOW_SERVICE_URL,
  DEFAULT_IMS_URL,
  DEFAULT_METRICS_NAMESPACE,
  DEFAULT_SERVICE_NAME,
  toFunctionEnv,
} from '../core/contract.js';
import { DEFAULT_MEMORY_MB } from '../core/rotation-rules.js';
import type { ExpiryAlarmPlan } from '../core/alarm-rules.js';
import { DEFAULT_ADOBE_CONSOLE_API_URL } from '../core/adobe-secret-rotation.js';
import {
  alarmOnAdobeSecretRotation,
  createAdobeSecretRotation,
  type AdobeSecretRotation,
} from './rotator/adobe-secret-rotation.js';
import { allowServicesToUseKey, topicKeyPolicyWarning } from './rotator/encryption.js';
import { createRotatorFunction } from './rotator/function.js';
import { applyBoundaryAndTags } from './rotator/guardrails.js';
import { createLedgerTable, grantLedgerWrite } from './rotator/ledger.js';
import { createMonitoring, watchEachConnection } from './rotator/monitoring.js';
import { acknowledgeNagFindings } from './rotator/nag.js';
import { grantFunctionPermissions, QueueDestination } from './rotator/permissions.js';
import { placeInVpc } from './rotator/network.js';
import { describeForOperators } from './rotator/operator-facts.js';
import type { S3CredentialRotatorProps } from './rotator/props.js';
import { publishedRunbookUrl, RUNBOOK_PATH, runbookUrlFor } from './rotator/runbook.js';
import { createDeadLetterQueue, createSchedule } from './rotator/schedule.js';
import { createAdobeCredentialsSecret, restrictSecretReaders, secretIdOf } from './rotator/secrets.js';
import { createSourceRole } from './rotator/source-roles.js';
import { adobeCheckOf, deliverTargets, TARGETS_FILE_PATH, TargetsDelivery } from './rotator/targets-delivery.js';
import { validateProps, warnAboutTargets } from './rotator/validate-props.js';

export {
  S3CredentialRotatorValidationError,
  type AdobeSecretRotationProps,
  type CreatedRoleOptions,
  type FunctionVpcProps,
  type RotationTargetProps,
  type S3CredentialRotatorProps,
} from './rotator/props.js';
export { secretIdOf } from './rotator/secrets.js';

/**
 * Where alarm descriptions point without `runbookUrl`: the runbook of this installed version of the
 * package (`https://unpkg.com/aep-s3-credential-rotator@<version>/docs/RUNBOOK.md`), or, run from
 * source, `docs/RUNBOOK.md`. Each description appends `#<alarm construct id, lower case>`.
 */
export const DEFAULT_RUNBOOK_URL: string = publishedRunbookUrl() ?? RUNBOOK_PATH;
export {
  MAX_TARGETS_ENV_BYTES,
  TARGETS_FILE_NAME,
  TARGETS_FILE_PATH,
  TargetsDelivery,
} from './rotator/targets-delivery.js';

/**
 * A scheduled, least-privilege, observable rotator of Flow Service S3 connection credentials.
 *
 * Its id and where it sits in the app are part of the contract with a deployed stack: two
 * resources hold data nothing else can recreate, the Adobe secret it creates and the rotation
 * ledger, and both are retained. Renaming the construct, or nesting it in another construct,
 * changes their logical ids: CloudFormation then creates a new placeholder secret and an empty
 * ledger, orphans the retained ones, and the function follows the new ones, so every run fails
 * until the credentials are put again. Keep the id and the nesting; `adobeSecretName` and
 * `ledgerTableName` make such a change fail at deploy with a name conflict instead, and
 * `cdk import` adopts a retained resource again (docs/DEPLOY.md, "Data that outlives the stack").
 *
 * @example
 * new S3CredentialRotator(this, 'Rotator', {
 *   schedule: ScheduleExpression.rate(Duration.minutes(15)),
 *   targets: [{ connectionId: '4cb0c374-d3bb-4557-b139-5712880adc55', sandboxName: 'prod',
 *               createRole: { bucketName: 'acme-aep-landing', folderPath: 'daily' } }],
 * });
 */
export class S3CredentialRotator extends Construct {
  /** The rotation function. */
  readonly function: lambda.Function;
  /** The function's execution role (roles assumed by chaining must trust it). */
  readonly functionRole: iam.Role;
  /** The secret the function reads the Adobe credentials from. */
  readonly adobeCredentialsSecret: secretsmanager.ISecret;
  /** Roles created for targets, by connection id. */
  readonly createdRoles: ReadonlyMap<string, iam.Role>;
  readonly schedule: scheduler.Schedule;
  /** The group the schedule belongs to; Scheduler's role trusts only its schedules. */
  readonly scheduleGroup: scheduler.IScheduleGroup;
  /**
   * The role EventBridge Scheduler invokes the function with (created in the stack, shared by schedules of this
   * function).
   */
  readonly schedulerRole: iam.IRole;
  /** The function's log group (its JSON log lines and embedded metrics). */
  readonly logGroup: logs.LogGroup;
  /** The rotation ledger: one item per connection, written by the function (retained with the stack's deletion). */
  readonly ledgerTable: dynamodb.Table;
  /** Catches invocations EventBridge Scheduler could not deliver. */
  readonly scheduleDeadLetterQueue: sqs.Queue;
  /** Catches asynchronous invocations that failed after Lambda's retries. */
  readonly failureDeadLetterQueue: sqs.Queue;
  readonly alarmTopic: sns.ITopic;
  /** Where the alarms routed to tickets notify: `ticketTopic`, else the alarm topic. */
  readonly ticketTopic: sns.ITopic;
  /** A connection failed to rotate in the expiry window; one contributor per connection (the first shard's alarm). */
  readonly connectionFailingAlarm: cloudwatch.Alarm;
  /**
   * A connection's credentials have less than the threshold left; one contributor per connection (the first shard's
   * alarm).
   */
  readonly credentialsExpiringAlarm: cloudwatch.Alarm;
  /** Every per-connection alarm: each of `CONNECTION_ALARMS`, for each shard of 500 connections. */
  readonly connectionAlarms: readonly cloudwatch.Alarm[];
  /** No run has reported any connection's expiry for the expiry alarms' window: the rotator-level guard. */
  readonly rotatorNotReportingAlarm: cloudwatch.Alarm;
  /** A whole run failed (the invocation returned an error). */
  readonly errorsAlarm: cloudwatch.Alarm;
  /** Lambda could not hand a failed asynchronous run to the failure dead-letter queue. */
  readonly destinationDeliveryFailuresAlarm: cloudwatch.Alarm;
  readonly scheduleDeadLetterQueueAlarm: cloudwatch.Alarm;
  readonly failureDeadLetterQueueAlarm: cloudwatch.Alarm;
  /** The function could not write the ledger in two schedule intervals in a row. */
  readonly ledgerWriteFailedAlarm: cloudwatch.Alarm;
  /** A dataflow reading a connection failed its last run; one contributor per connection (the first shard's alarm). */
  readonly dataflowRunFailedAlarm: cloudwatch.Alarm;
  /** A scheduled run found S3 connections with temporary credentials that no target rotates. */
  readonly unmanagedTemporaryConnectionsAlarm: cloudwatch.Alarm;
  /** Every alarm above, in the order the dashboard shows them. */
  readonly alarms: readonly cloudwatch.Alarm[];
  /** How `CredentialsExpiringAlarm` was sized (threshold, window, the warning it guarantees). */
  readonly expiryAlarm: ExpiryAlarmPlan;
  readonly dashboard: cloudwatch.Dashboard;
  /** How the targets reached the function (AUTO resolved). */
  readonly targetsDelivery: TargetsDelivery.ENVIRONMENT | TargetsDelivery.FILE;
  /**
   * Whether the function asks Adobe to explore connections after their PATCH (`VERIFY_WITH_ADOBE`):
   * `verifyWithAdobe`, unless a created role reaches the function without its bucket and folder in
   * a list that fits the environment only without the per-connection flags (synth then warns).
   */
  readonly verifiesWithAdobe: boolean;
  /**
   * The connections Adobe's check is off for: those whose created role reaches the function without
   * its bucket and folder (their entries carry `verifyWithAdobe: false`; synth warns), or every one
   * when `verifyWithAdobe` is false.
   */
  readonly connectionsWithoutAdobeCheck: readonly string[];
  /**
   * Secrets Manager's rotation of the Adobe client secret (`adobeSecretRotation`): its function, role, log group and
   * schedule.
   */
  readonly adobeSecretRotation?: AdobeSecretRotation;
  /** A step of the Adobe client secret's rotation failed (not in `alarms`: `pause` does not silence it). */
  readonly adobeSecretRotationFailedAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: S3CredentialRotatorProps) {
    super(scope, id);
    const schedule = props.schedule ?? scheduler.ScheduleExpression.rate(Duration.minutes(15));
    const concurrency = props.concurrency ?? DEFAULT_CONCURRENCY;
    const serviceName = props.serviceName ?? DEFAULT_SERVICE_NAME;
    const metricsNamespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;

    // Every check runs before any resource exists: an impossible configuration fails synth here.
    const { targets, intervalSeconds, timeoutSeconds, expiryAlarm, warnings } = validateProps(
      this,
      props,
      schedule,
      concurrency,
    );
    this.expiryAlarm = expiryAlarm;
    warnAboutTargets(this, props, warnings);
    const connectionMetrics = props.connectionMetrics !== false;
    const perConnectionAlarms = watchEachConnection(this, connectionMetrics, expiryAlarm);

    this.adobeCredentialsSecret =
      props.adobeCredentialsSecret ?? createAdobeCredentialsSecret(this, props.encryptionKey, props.adobeSecretName);

    this.functionRole = new iam.Role(this, 'FunctionRole', {
      roleName: props.functionRoleName,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        'Rotates the temporary AWS credentials held by Adobe Experience Platform Flow Service S3 connections',
    });

    const createdRoles = new Map<string, iam.Role>();
    targets.forEach(({ props: target, index }) => {
      if (target.createRole)
        createdRoles.set(
          target.connectionId,
          createSourceRole(this, this.functionRole, target, target.createRole, index),
        );
    });
    this.createdRoles = createdRoles;

    const verifyWithAdobe = props.verifyWithAdobe !== false;
    const delivered = deliverTargets(
      this,
      props.targetsDelivery ?? TargetsDelivery.AUTO,
      targets,
      createdRoles,
      verifyWithAdobe,
    );
    this.targetsDelivery = delivered.delivery;
    const connectionIds = targets.map(({ props: target }) => target.connectionId);
    const adobeCheck = adobeCheckOf(this, delivered, verifyWithAdobe, connectionIds);
    this.verifiesWithAdobe = adobeCheck.verifiesWithAdobe;
    this.connectionsWithoutAdobeCheck = adobeCheck.connectionsWithoutAdobeCheck;

    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.encryptionKey,
    });
    this.logGroup = logGroup;
    this.ledgerTable = createLedgerTable(this, props.encryptionKey, props.ledgerTableName);
    this.failureDeadLetterQueue = createDeadLetterQueue(this, 'FailureDeadLetterQueue', props.encryptionKey);
    this.scheduleDeadLetterQueue = createDeadLetterQueue(this, 'ScheduleDeadLetterQueue', props.encryptionKey);
    // An imported key's policy is its owner's: synth names the statement CloudWatch needs to publish to the created
    // topic.
    if (props.encryptionKey && !allowServicesToUseKey(props.encryptionKey) && !props.alarmTopic) {
      Annotations.of(this).addWarningV2(
        'aep-s3-rotator:alarm-topic-key-policy',
        `encryptionKey: ${topicKeyPolicyWarning(props.encryptionKey, Boolean(props.adobeSecretRotation))}`,
      );
    }

    const consoleApiUrl = props.adobeSecretRotation?.consoleApiUrl?.replace(/\/+$/, '');
    // An event older than one interval is superseded by the next scheduled run.
    const maxEventAge = Duration.seconds(Math.min(6 * 3600, Math.max(60, intervalSeconds ?? 3600)));

    this.function = createRotatorFunction(this, {
      runtime: props.runtime,
      role: this.functionRole,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_MB,
      timeout: props.timeout ?? Duration.seconds(timeoutSeconds),
      reserveConcurrency: props.reserveConcurrency !== false,
      logGroup,
      description: `Rotates the credentials of ${targets.length} Flow Service S3 connection(s)`,
      environment: toFunctionEnv(
        {
          adobeCredentialsSecretId: secretIdOf(this.adobeCredentialsSecret),
          targets: delivered.file ? { file: TARGETS_FILE_PATH } : delivered.entries,
          flowServiceUrl: props.flowServiceUrl ?? DEFAULT_FLOW_SERVICE_URL,
          imsUrl: props.imsUrl ?? DEFAULT_IMS_URL,
          // Only when not the default (the function's own): every environment deployed before stays as it was.
          ...(consoleApiUrl && consoleApiUrl !== DEFAULT_ADOBE_CONSOLE_API_URL
            ? { adobeConsoleApiUrl: consoleApiUrl }
            : {}),
          concurrency,
          ...(this.verifiesWithAdobe ? {} : { verifyWithAdobe: false }),
          ledgerTableName: this.ledgerTable.tableName,
          serviceName,
          metricsNamespace,
          connectionMetrics,
        },
        // Created roles' ARNs resolve at deploy time.
        { stringify: (value) => Stack.of(this).toJsonString(value) },
      ),
      maxEventAge,
      onFailure: new QueueDestination(this.failureDeadLetterQueue),
      targetsFile: delivered.file,
    });

    grantFunctionPermissions(this.functionRole, {
      logGroup,
      adobeCredentialsSecret: this.adobeCredentialsSecret,
      targets,
      createdRoles,
    });
    grantLedgerWrite(this.functionRole, this.ledgerTable);

    // The client secret's own rotation (lib/rotator/adobe-secret-rotation.ts): its role reads the secret too.
    if (props.adobeSecretRotation) {
      this.adobeSecretRotation = createAdobeSecretRotation(this, {
        secret: this.adobeCredentialsSecret,
        rotation: props.adobeSecretRotation,
        imsUrl: props.imsUrl ?? DEFAULT_IMS_URL,
        serviceName,
        logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
        encryptionKey: props.encryptionKey,
      });
    }
    const rotationReaders = this.adobeSecretRotation ? [this.adobeSecretRotation.role.roleArn] : [];

    // Only the function's role (and the named readers) may read the Adobe secret, when its policy is ours to set.
    restrictSecretReaders(this.adobeCredentialsSecret, this.functionRole, [
      ...(props.secretReaders ?? []),
      ...rotationReaders,
    ]);

    if (props.vpc) placeInVpc(this.function, this.functionRole, props.vpc);
    // The rotation function too, in the same subnets: it reaches IMS, api.adobe.io and Secrets Manager.
    if (props.vpc && this.adobeSecretRotation)
      placeInVpc(this.adobeSecretRotation.function, this.adobeSecretRotation.role, props.vpc);

    const scheduled = createSchedule(this, {
      function: this.function,
      schedule,
      scheduleGroup: props.scheduleGroup,
      maxEventAge,
      deadLetterQueue: this.scheduleDeadLetterQueue,
      // Paused: the schedule stays, disabled; manual runs still work.
      enabled: props.enabled !== false,
    });
    this.schedule = scheduled.schedule;
    this.scheduleGroup = scheduled.scheduleGroup;
    this.schedulerRole = scheduled.schedulerRole;

    const monitoring = createMonitoring(this, {
      function: this.function,
      scheduleDeadLetterQueue: this.scheduleDeadLetterQueue,
      failureDeadLetterQueue: this.failureDeadLetterQueue,
      serviceName,
      metricsNamespace,
      intervalSeconds,
      expiryAlarm,
      expiryThresholdSeconds: props.expiryAlarmThreshold?.toSeconds(),
      targetCount: targets.length,
      perConnectionAlarms,
      runbookUrl: runbookUrlFor(this, props.runbookUrl),
      alarmTopic: props.alarmTopic,
      ticketTopic: props.ticketTopic,
      encryptionKey: props.encryptionKey,
      actionsEnabled: props.enabled !== false,
    });
    this.alarmTopic = monitoring.alarmTopic;
    this.ticketTopic = monitoring.ticketTopic;
    this.connectionFailingAlarm = monitoring.connectionFailingAlarm;
    this.credentialsExpiringAlarm = monitoring.credentialsExpiringAlarm;
    this.connectionAlarms = monitoring.connectionAlarms;
    this.rotatorNotReportingAlarm = monitoring.rotatorNotReportingAlarm;
    this.errorsAlarm = monitoring.errorsAlarm;
    this.destinationDeliveryFailuresAlarm = monitoring.destinationDeliveryFailuresAlarm;
    this.scheduleDeadLetterQueueAlarm = monitoring.scheduleDeadLetterQueueAlarm;
    this.failureDeadLetterQueueAlarm = monitoring.failureDeadLetterQueueAlarm;
    this.ledgerWriteFailedAlarm = monitoring.ledgerWriteFailedAlarm;
    this.dataflowRunFailedAlarm = monitoring.dataflowRunFailedAlarm;
    this.unmanagedTemporaryConnectionsAlarm = monitoring.unmanagedTemporaryConnectionsAlarm;
    this.alarms = monitoring.alarms;
    this.dashboard = monitoring.dashboard;
    if (this.adobeSecretRotation) {
      this.adobeSecretRotationFailedAlarm = alarmOnAdobeSecretRotation(this, this.adobeSecretRotation, {
        alarmTopic: this.alarmTopic,
        topicCreated: !props.alarmTopic,
        runbookUrl: props.runbookUrl ?? DEFAULT_RUNBOOK_URL,
      });
    }

    describeForOperators({
      function: this.function,
      alarms: [...this.alarms, ...(this.adobeSecretRotationFailedAlarm ? [this.adobeSecretRotationFailedAlarm] : [])],
      scheduleGroup: this.scheduleGroup,
      alarmTopic: this.alarmTopic,
      ticketTopic: this.ticketTopic,
      scheduleDeadLetterQueue: this.scheduleDeadLetterQueue,
      failureDeadLetterQueue: this.failureDeadLetterQueue,
      adobeSecretRotationLogGroup: this.adobeSecretRotation?.logGroup,
    });

    acknowledgeNagFindings({
      function: this.function,
      defaultRuntime: props.runtime === undefined,
      deadLetterQueues: [this.scheduleDeadLetterQueue, this.failureDeadLetterQueue],
      // A rotated secret satisfies AwsSolutions-SMG4: only one left unrotated is acknowledged.
      createdSecret: props.adobeCredentialsSecret || this.adobeSecretRotation ? undefined : this.adobeCredentialsSecret,
      createdAlarmTopic: props.alarmTopic ? undefined : this.alarmTopic,
    });
    // Scheduler's role is the stack's (one per function), outside this construct: named explicitly.
    applyBoundaryAndTags([this, this.schedulerRole], props);
  }
}
