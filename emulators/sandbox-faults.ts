/**
 * The incidents the runbook covers, injected into a running sandbox's emulators, each as a real
 * org would meet it:
 *
 * - `412-storm`: another writer keeps editing a connection until the fault is cleared, so every
 *   PATCH of it meets a stale etag (`1404-412`) and Flow Service's `updatedBy` names the other writer;
 * - `patch-refused`: Flow Service refuses every PATCH of a connection with `1445-400` (PATCH not
 *   enabled for it) until the fault is cleared, as until Adobe enables it;
 * - `expired-credentials`: somebody pastes credentials that have already expired into a connection
 *   in the Experience Platform UI (a real PATCH, as Adobe's own client `exc_app`);
 * - `ims-401`: the client secret is rotated in Adobe Developer Console: IMS refuses the one in
 *   Secrets Manager (`401 invalid_client`) and revokes the tokens it issued; the new credentials
 *   are written to a file (mode 0600) as Developer Console would show them, for the operator to put;
 * - `io-management-403`: the Developer Console project loses the I/O Management API: Adobe refuses
 *   the client secret's rotation (403) until the fault is cleared; the rotator itself is unaffected;
 * - `expiring`: a connection that has been failing for most of its credentials' lifetime: its PATCH
 *   is refused (`1445-400`) and the ledger says what it holds expires in 10 minutes;
 * - `scheduler-denied`: EventBridge Scheduler's role may no longer invoke the function: no run
 *   happens, and each tick's event goes to the schedule's dead-letter queue;
 * - `failure-queue-denied`: the failure dead-letter queue refuses Lambda's records: a run that
 *   fails as a whole (after `ims-401`, say) is lost;
 * - `ledger-denied`: the function's role loses `dynamodb:UpdateItem` on the ledger;
 * - `access-denied`: a connection's role may no longer list its bucket (an IAM deny on the role):
 *   its PATCH lands, and Adobe's check of the new credentials meets S3's `AccessDenied`;
 * - `trust-broken`: a connection's role no longer trusts the function's role: AssumeRole is
 *   refused (`AccessDenied`, `STS_MINT_FAILED`) and the connection keeps what it holds;
 * - `throttling`: Adobe rate-limits the org: every Flow Service request is answered 429 until
 *   cleared, so every connection fails for a reason that may pass and the run fails as a whole.
 * - `dataflow-run-failed`: a dataflow reading a connection fails every run (files it cannot parse)
 *   until the fault is cleared;
 * - `unmanaged-connection`: somebody creates an S3 connection by hand, with temporary credentials
 *   that nothing rotates, in a sandbox of the targets; clearing the faults deletes it.
 *
 * Together they move every alarm of the stack (see {@link FAULT_ALARMS}). `fault clear` undoes them
 * all; `fault clear <name>` only that one.
 */
import type { DeployedStack, SandboxAlarmId } from './deployed-stack.js';
import { dynamoDbAccessDenied } from './dynamodb.js';
import { flowProblem } from './flow-service.js';
import { RUN_COPY_FAILED } from './flow-service-dataflows.js';
import { expireLedgerSoon, pasteExpiredCredentials, rotateClientSecret, UI_CLIENT_ID } from './sandbox-incidents.js';
import { WORLD_LEDGER_TABLE, type World } from './world.js';

export { newCredentialsFile } from './sandbox-incidents.js';

export const FAULT_NAMES = [
  '412-storm',
  'patch-refused',
  'expired-credentials',
  'ims-401',
  'io-management-403',
  'expiring',
  'scheduler-denied',
  'failure-queue-denied',
  'ledger-denied',
  'access-denied',
  'trust-broken',
  'throttling',
  'dataflow-run-failed',
  'unmanaged-connection',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/** Faults about one connection need its id (`--connection`). */
export const CONNECTION_FAULTS: ReadonlySet<FaultName> = new Set([
  '412-storm',
  'patch-refused',
  'expired-credentials',
  'expiring',
  'dataflow-run-failed',
  'access-denied',
  'trust-broken',
]);

/**
 * Which alarms each fault moves at the next scheduled run (`failure-queue-denied` with a run that
 * fails as a whole, `io-management-403` with a rotation of the Adobe secret;
 * `LedgerWriteFailedAlarm` after two runs). Every alarm of the stack is here.
 */
export const FAULT_ALARMS: Readonly<Record<FaultName, readonly SandboxAlarmId[]>> = {
  '412-storm': ['ConnectionFailingAlarm'],
  'patch-refused': ['ConnectionFailingAlarm'],
  'expired-credentials': [],
  'ims-401': ['ErrorsAlarm', 'FailureDeadLetterQueueAlarm', 'ConnectionFailingAlarm'],
  // The Adobe secret's rotation fails (its own alarm, outside the rotator's); the rotator is unaffected.
  'io-management-403': ['AdobeSecretRotationFailedAlarm'],
  expiring: ['CredentialsExpiringAlarm', 'ConnectionFailingAlarm'],
  'scheduler-denied': ['ScheduleDeadLetterQueueAlarm', 'RotatorNotReportingAlarm'],
  'failure-queue-denied': ['DestinationDeliveryFailuresAlarm'],
  'ledger-denied': ['LedgerWriteFailedAlarm'],
  'access-denied': ['ConnectionFailingAlarm'],
  'trust-broken': ['ConnectionFailingAlarm'],
  throttling: ['ErrorsAlarm', 'FailureDeadLetterQueueAlarm', 'ConnectionFailingAlarm'],
  'dataflow-run-failed': ['DataflowRunFailedAlarm'],
  'unmanaged-connection': ['UnmanagedTemporaryConnectionsAlarm'],
};

/** The name of the connection `unmanaged-connection` creates (and clearing the faults deletes). */
export const HAND_MADE_CONNECTION_NAME = 'Made by hand in the UI (sandbox fault)';

/** A fault that lasts until it is cleared. */
const UNTIL_CLEARED = Number.POSITIVE_INFINITY;

export interface FaultContext {
  readonly world: World;
  /** The deployed stack's stand-ins (Scheduler's role, the failure queue, the function's way to the ledger). */
  readonly stack: DeployedStack;
  /** Where `ims-401` writes the new Adobe credentials. */
  readonly dir: string;
  /** How to undo each fault injected (by name), for `fault clear <name>`. */
  readonly undo?: Map<FaultName, Array<() => void>>;
}

/** Remember how to undo one injection of `fault`. */
function undoable(context: FaultContext, fault: FaultName, undo: () => void): void {
  if (!context.undo) return;
  context.undo.set(fault, [...(context.undo.get(fault) ?? []), undo]);
}

/** What a person should know about the fault just injected, in one paragraph. */
export type FaultMessage = string;

/**
 * Inject `name` (into `connectionId` for the connection faults); resolves with what happened.
 * @throws Error for an unknown fault, or a connection fault without a connection the world has.
 */
export async function injectFault(context: FaultContext, name: string, given?: string): Promise<FaultMessage> {
  if (!(FAULT_NAMES as readonly string[]).includes(name))
    throw new Error(`there is no fault "${name}"; the faults are ${FAULT_NAMES.join(', ')} (and clear)`);
  const fault = name as FaultName;
  const { world } = context;
  const { flowService } = world.emulators;
  let connectionId: string | undefined;
  if (CONNECTION_FAULTS.has(fault)) {
    if (!given) throw new Error(`${fault} needs --connection <id>`);
    // The whole id, or the first 8 (or more) characters a table shows.
    const matching = given.length >= 8 ? world.connectionIds.filter((id) => id.startsWith(given.toLowerCase())) : [];
    if (matching.length !== 1)
      throw new Error(
        `${given} is not a connection of this sandbox; its connections are ${world.connectionIds.join(', ')}`,
      );
    connectionId = matching[0];
  }
  switch (fault) {
    case '412-storm':
      flowService.concurrentEditBeforePatch(connectionId!, UNTIL_CLEARED);
      undoable(context, fault, () => flowService.stopConcurrentEdits(connectionId!));
      return (
        `Another writer (concurrent-editor@AdobeID) now edits ${connectionId} before every PATCH of it, ` +
        'so each meets a stale etag (1404-412), until they stop: `npm run sandbox -- fault clear` plays that part.'
      );
    case 'patch-refused':
      undoable(context, fault, refusePatches(world, connectionId!));
      return (
        `Flow Service now refuses every PATCH of ${connectionId} with 1445-400 (PATCH connection feature not ` +
        'enabled), until Adobe enables it: `npm run sandbox -- fault clear` plays that part.'
      );
    case 'expired-credentials':
      await pasteExpiredCredentials(world, connectionId!);
      return (
        `${connectionId} now holds credentials that expired a minute ago, pasted in the Experience Platform UI ` +
        `(updatedBy ${UI_CLIENT_ID}@AdobeID): Adobe's next read of the bucket fails with ExpiredToken.`
      );
    case 'ims-401':
      return rotateClientSecret(world, context.dir);
    case 'expiring':
      undoable(context, fault, refusePatches(world, connectionId!));
      await expireLedgerSoon(world, connectionId!, 600);
      return (
        `Flow Service refuses every PATCH of ${connectionId} (1445-400), and what it holds expires in 10 minutes: ` +
        "the next run reports about 600 s left, below CredentialsExpiringAlarm's threshold. " +
        '`npm run sandbox -- fault clear` lets its PATCHes through again.'
      );
    case 'scheduler-denied':
      context.stack.faults.schedulerDenied = true;
      undoable(context, fault, () => {
        context.stack.faults.schedulerDenied = false;
        context.stack.queues.schedule.length = 0;
      });
      return (
        "EventBridge Scheduler's role may no longer invoke the function (lambda:InvokeFunction removed): " +
        "no scheduled run happens, and each tick's event goes to the schedule's dead-letter queue. " +
        '`npm run sandbox -- fault clear` restores the permission (as `npx cdk deploy` would) and empties the ' +
        'queue.'
      );
    case 'failure-queue-denied':
      context.stack.faults.failureQueueDenied = true;
      undoable(context, fault, () => {
        context.stack.faults.failureQueueDenied = false;
      });
      return (
        "The failure dead-letter queue refuses Lambda's records: a run that fails as a whole, and both its retries " +
        '(after `fault ims-401`, say), is lost. `npm run sandbox -- fault clear` restores it.'
      );
    case 'ledger-denied':
      {
        const denied = {
          match: { action: 'UpdateItem' },
          kind: 'respond' as const,
          times: UNTIL_CLEARED,
          ...dynamoDbAccessDenied(
            'UpdateItem',
            `arn:aws:dynamodb:us-east-1:123456789012:table/${world.env.LEDGER_TABLE_NAME ?? WORLD_LEDGER_TABLE}`,
          ),
        };
        context.stack.ledgerFront.injectFault(denied);
        undoable(context, fault, () => context.stack.ledgerFront.removeFault(denied));
      }
      return (
        "The function's role lost dynamodb:UpdateItem on the ledger: rotations go on, every ledger write fails, " +
        'and after two runs LedgerWriteFailedAlarm fires. `npm run sandbox -- fault clear` gives the permission ' +
        'back.'
      );
    case 'dataflow-run-failed': {
      const flowId =
        world.flowIds[world.connectionIds.indexOf(connectionId!)]?.[0] ??
        flowService.seedFlow({ baseConnectionId: connectionId!, name: 'Dataflow' });
      flowService.failFlowRuns(flowId);
      undoable(context, fault, () => flowService.failFlowRuns(flowId, false));
      return (
        `Dataflow ${flowId}, reading ${connectionId}, now fails every run (${RUN_COPY_FAILED}): ` +
        'each scheduled run counts it in DataflowRunFailed, and DataflowRunFailedAlarm names the connection. ' +
        '`npm run sandbox -- fault clear` lets it ingest again.'
      );
    }
    case 'unmanaged-connection': {
      const made = world.emulators.sts.issueRoleSession(
        'arn:aws:iam::123456789012:role/made-by-hand',
        'made-by-hand',
        3600,
      );
      const { sandboxName } = world.connection(world.connectionIds[0]!);
      const { id } = flowService.seedConnection({
        orgId: world.adobe.orgId,
        sandboxName,
        name: HAND_MADE_CONNECTION_NAME,
        params: {
          s3AccessKey: made.accessKeyId,
          s3SecretKey: made.secretAccessKey,
          s3SessionToken: made.sessionToken!,
          bucketName: 'acme-hand-made',
        },
      });
      undoable(context, fault, () => flowService.deleteConnection(id));
      return (
        `Somebody created S3 connection ${id} by hand in sandbox ${sandboxName}, with temporary credentials that ` +
        'nothing rotates: the next scheduled run counts it and UnmanagedTemporaryConnectionsAlarm opens a ' +
        'ticket; `npx aep-s3-rotator discover` prints its targets entry. `npm run sandbox -- fault clear` ' +
        'deletes it.'
      );
    }
    case 'io-management-403':
      world.emulators.ims.setIoManagementApi(world.adobe.clientId, false);
      undoable(context, fault, () => world.emulators.ims.setIoManagementApi(world.adobe.clientId, true));
      return (
        "The Developer Console project no longer has the I/O Management API: Adobe refuses the client secret's " +
        'rotation with 403 until it is added back (`npm run sandbox -- fault clear` plays that part); ' +
        'the rotator itself is unaffected.'
      );
    case 'access-denied': {
      const roleArn = roleOf(world, connectionId!, fault);
      const roleName = roleArn.split('/').pop()!;
      world.emulators.iam.putRolePolicy(
        roleName,
        'DenyS3BySandboxFault',
        JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: ['s3:*'], Resource: ['*'] }] }),
      );
      undoable(context, fault, () => world.emulators.iam.deleteRolePolicy(roleName, 'DenyS3BySandboxFault'));
      return (
        `Role ${roleName} may no longer read its bucket (an IAM deny of s3:* on it): ${connectionId}'s next PATCH ` +
        "lands, and Adobe's check of the new credentials meets S3's AccessDenied (1100-400). " +
        '`npm run sandbox -- fault clear access-denied` takes the deny off.'
      );
    }
    case 'trust-broken': {
      const roleArn = roleOf(world, connectionId!, fault);
      const before = world.emulators.sts.setRoleTrust(roleArn, [`arn:aws:iam::123456789012:role/someone-else`]);
      undoable(context, fault, () => world.emulators.sts.setRoleTrust(roleArn, before));
      return (
        `Role ${roleArn.split('/').pop()} no longer trusts the function's role (its trust policy was edited): ` +
        `AssumeRole for ${connectionId} is refused (AccessDenied, STS_MINT_FAILED), and the connection keeps ` +
        'what it holds until it expires. `npm run sandbox -- fault clear trust-broken` puts the trust back.'
      );
    }
    case 'throttling': {
      const limited = {
        match: { path: /^\/connections\// },
        kind: 'respond' as const,
        status: 429,
        times: UNTIL_CLEARED,
        headers: { 'retry-after': '0' },
        body: { error_code: '429050', message: 'Too many requests' },
      };
      flowService.injectFault(limited);
      undoable(context, fault, () => flowService.removeFault(limited));
      return (
        'Adobe rate-limits the org: Flow Service answers every request 429 (429050) until `npm run sandbox -- ' +
        'fault clear throttling`: every connection fails for a reason that may pass, and the run fails as a whole.'
      );
    }
  }
}

/** The role a connection's credentials come from, or an error for a connection minted from an IAM user. */
function roleOf(world: World, connectionId: string, fault: FaultName): string {
  const target = world.targets.find((entry) => entry.connectionId === connectionId);
  if (!target?.roleArn)
    throw new Error(
      `${fault} needs a connection whose credentials come from a role; ${connectionId}'s come from an IAM user`,
    );
  return target.roleArn;
}

/**
 * Flow Service refuses every PATCH of the connection (`1445-400`) until the faults are cleared; returns what stops it.
 */
function refusePatches(world: World, connectionId: string): () => void {
  const refusal = {
    match: { method: 'PATCH', path: `/connections/${connectionId}` },
    kind: 'respond' as const,
    status: 400,
    times: UNTIL_CLEARED,
    body: flowProblem(400, '1445-400', 'PATCH connection feature not enabled.'),
  };
  world.emulators.flowService.injectFault(refusal);
  return () => world.emulators.flowService.removeFault(refusal);
}

/**
 * Stop Flow Service's refusals and the other writer's edits, give Scheduler, Lambda and the
 * function back what the stack grants them, and empty the dead-letter queues (as
 * `aws sqs purge-queue` would). After ims-401, the fix is the operator's: put the new credentials.
 */
export function clearFaults(context: FaultContext): FaultMessage {
  for (const undos of context.undo?.values() ?? []) for (const undo of undos) undo();
  context.undo?.clear();
  context.world.emulators.flowService.clearFaults();
  for (const connection of context.world.emulators.flowService.listConnections()) {
    if (connection.name === HAND_MADE_CONNECTION_NAME)
      context.world.emulators.flowService.deleteConnection(connection.id);
  }
  context.world.emulators.ims.setIoManagementApi(context.world.adobe.clientId, true);
  context.stack.clearFaults();
  return (
    'Flow Service takes PATCHes again, no other writer edits the connections, the hand-made connection is deleted, ' +
    'the project has the I/O Management API, Scheduler, the failure queue and the ledger work again, ' +
    'and both dead-letter queues are empty (after ims-401, the fix is yours: put the new credentials).'
  );
}

/**
 * Undo one fault (every injection of it): `fault clear <name>`. `ims-401` and `expired-credentials`
 * have nothing to undo: their fix is the operator's (put the new secret; rotate the connection).
 * @throws Error for an unknown fault.
 */
export function clearFault(context: FaultContext, name: string): FaultMessage {
  if (!(FAULT_NAMES as readonly string[]).includes(name))
    throw new Error(`there is no fault "${name}"; the faults are ${FAULT_NAMES.join(', ')}`);
  const fault = name as FaultName;
  if (fault === 'ims-401')
    return (
      'ims-401 has nothing to clear: the fix is yours, put the new credentials in the secret (aws secretsmanager ' +
      'put-secret-value).'
    );
  if (fault === 'expired-credentials')
    return (
      'expired-credentials has nothing to clear: the fix is yours, rotate the connection (npx aep-s3-rotator ' +
      'rotate --connection <id>).'
    );
  const undos = context.undo?.get(fault) ?? [];
  for (const undo of undos) undo();
  context.undo?.delete(fault);
  return undos.length > 0
    ? `${fault} cleared (${undos.length === 1 ? 'one injection' : `${undos.length} injections`}); ` +
        'the other faults stay.'
    : `${fault} was not injected: nothing to clear.`;
}
