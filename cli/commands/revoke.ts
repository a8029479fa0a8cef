/**
 * `revoke --connection <id>`: for credentials that leaked. First a rotation through the function,
 * so Adobe holds a new set; then every session issued before that set is made useless:
 *
 * - a role target (AssumeRole): the inline policy `AWSRevokeOlderSessions` on the role denies every
 *   action to sessions whose `aws:TokenIssueTime` is earlier than the new set's issue time (what the
 *   IAM console's "Revoke active sessions" attaches; IAM evaluates it on every request, so it takes
 *   effect within seconds). The CLI attaches it with the operator's credentials
 *   (`iam:PutRolePolicy`), or prints the exact command when it may not;
 * - an IAM-user target (GetSessionToken, GetFederationToken): no role policy reaches those
 *   sessions, and deleting the user's keys does not end them either; the same deny, attached to the
 *   IAM user whose keys the target's secret holds, does. The CLI cannot name that user without
 *   reading the secret, so it prints the command to complete.
 *
 * The cutoff is the new set's issue time (its expiry less its lifetime, as STS counts them, less a
 * second): every older session is denied, the new one is not, whatever the laptop's clock says.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html
 */
import { IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { isRotationSummary, rowsFromSummary, type RotationRow } from '../rotation-rows.js';
import { shellWord, type CommandOptions } from '../args.js';
import { invokeFunction } from '../aws.js';
import { openDeployment } from '../context.js';
import { callerArn, deployCommand, suggest } from '../deployment.js';
import { CliError, describeAwsError, EnvironmentError, EXIT, withoutFullStop } from '../errors.js';
import { formatClock, painterFor, printJson, Progress, TABLE_WIDTH, wantsJson, wrap, type Io } from '../output.js';
import { invokeInspect, oneConnection } from '../targets.js';

/** The inline policy's name, as the IAM console names the one it attaches. */
export const REVOKE_POLICY_NAME = 'AWSRevokeOlderSessions';

/** The policy that denies every action to sessions issued before `cutoff`. */
export function revokePolicy(cutoff: Date): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Action: ['*'],
        Resource: ['*'],
        Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff.toISOString().replace(/\.\d{3}Z$/, 'Z') } },
      },
    ],
  });
}

/** `arn:aws:iam::123456789012:role/path/Name` → its account and name. */
function roleOf(roleArn: string): { account: string; name: string } | undefined {
  const match = /^arn:[\w-]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  return match ? { account: match[1]!, name: match[2]! } : undefined;
}

/** What `revoke` did, for the report. */
interface Revocation {
  readonly connectionId: string;
  readonly row: RotationRow;
  readonly cutoff: string;
  /** `revoked`: the policy is on the role; `left-to-you`: the command to run is in `command`. */
  readonly outcome: 'revoked' | 'left-to-you';
  readonly roleArn?: string;
  readonly command?: string;
  readonly why?: string;
}

export async function revokeCommand(options: CommandOptions, io: Io): Promise<number> {
  const opened = await openDeployment(options, io);
  const { deployment, aws } = opened;
  const { connectionId } = await oneConnection(options, opened, 'revoke');
  // The deployed function's own view of the target: how it is minted, from which role, for how long.
  const [target] = (
    await invokeInspect(deployment, { connectionIds: [connectionId], targetsOnly: true }, aws, deployCommand(options))
  ).inspected;
  if (!target)
    throw new EnvironmentError(
      `Function ${deployment.functionName} does not rotate ${connectionId}: it is not among its targets.`,
    );
  const caller = await callerArn(aws);

  const progress = new Progress(io);
  progress.update(`rotating ${connectionId}…`);
  let outcome: Awaited<ReturnType<typeof invokeFunction>>;
  try {
    outcome = await invokeFunction(
      deployment.functionName,
      { connectionIds: [connectionId], dryRun: false, caller, unknownConnections: 'report' },
      aws,
    );
  } finally {
    progress.done();
  }
  if (outcome.functionError || !isRotationSummary(outcome.payload)) {
    const failure = outcome.payload as { errorMessage?: unknown } | undefined;
    throw new CliError(
      `Function ${deployment.functionName} failed ` +
        `(${withoutFullStop(String(failure?.errorMessage ?? 'no rotation summary'))}): nothing was revoked, ` +
        'and Adobe still holds the old credentials.',
      EXIT.FAILED,
    );
  }
  const row = rowsFromSummary(outcome.payload).find((candidate) => candidate.connectionId === connectionId);
  // The new set is in place when the PATCH landed (rotated, or failed only at Adobe's check of it).
  if (!row?.etag || !row.expiresAt || !row.accessKeyId || (row.status !== 'rotated' && row.status !== 'failed')) {
    throw new CliError(
      `${connectionId} was not rotated (${row?.errorCode ?? row?.status ?? 'no result'}: ` +
        `${withoutFullStop(row?.error ?? 'no detail')}), so nothing was revoked: Adobe still holds the leaked ` +
        'credentials, and revoking them now would stop ingestion. Fix the rotation ' +
        `(\`${suggest(`rotate --connection ${connectionId}`, options)}\`), then revoke again.`,
      EXIT.FAILED,
    );
  }
  const issuedAt = Date.parse(row.expiresAt) - (target.durationSeconds ?? 3600) * 1000;
  const cutoff = new Date(Math.floor(issuedAt / 1000) * 1000 - 1000);
  const policy = revokePolicy(cutoff);
  const base = { connectionId, row, cutoff: cutoff.toISOString() };
  let revocation: Revocation;
  if (target.method === 'assume-role-chained' || target.method === 'assume-role-user-keys') {
    revocation = await revokeRoleSessions(target.roleArn!, policy, caller, aws, base);
  } else {
    const command =
      'aws iam put-user-policy --user-name <the IAM user whose keys ' +
      `${target.userCredentialsSecretId ?? 'the target'} holds> --policy-name ${REVOKE_POLICY_NAME} ` +
      `--policy-document ${shellWord(policy)}`;
    revocation = {
      ...base,
      outcome: 'left-to-you',
      command,
      why:
        `${target.method === 'get-federation-token' ? 'GetFederationToken' : 'GetSessionToken'} sessions belong to ` +
        "an IAM user, not a role: no role policy reaches them, and deleting the user's access keys does not end " +
        "sessions already issued. AWS's way is the same deny on the user: a session can do only what the user " +
        "may, and the deny leaves the user's own keys (and so the rotator's next sessions) alone. " +
        "If the user's long-term keys may have leaked as well, also create new ones, " +
        `put them in ${target.userCredentialsSecretId ?? 'the secret'}, and delete the old ones.`,
    };
  }
  report(io, options, revocation);
  return revocation.outcome === 'revoked' && row.status === 'rotated' ? EXIT.OK : EXIT.FAILED;
}

/** Attach the deny to the role, or say why not and what to run. */
async function revokeRoleSessions(
  roleArn: string,
  policy: string,
  caller: string,
  aws: { region?: string },
  base: Pick<Revocation, 'connectionId' | 'row' | 'cutoff'>,
): Promise<Revocation> {
  const role = roleOf(roleArn);
  if (!role) throw new EnvironmentError(`${roleArn} is not a role ARN.`);
  const command =
    `aws iam put-role-policy --role-name ${role.name} --policy-name ${REVOKE_POLICY_NAME} ` +
    `--policy-document ${shellWord(policy)}`;
  const callerAccount = /^arn:[\w-]+:(?:sts|iam)::(\d{12}):/.exec(caller)?.[1];
  if (callerAccount && callerAccount !== role.account) {
    return {
      ...base,
      outcome: 'left-to-you',
      roleArn,
      command,
      why:
        `the role is in account ${role.account}, and your credentials are account ${callerAccount}'s: ` +
        'run this there',
    };
  }
  const client = new IAMClient(aws.region ? { region: aws.region } : {});
  try {
    await client.send(
      new PutRolePolicyCommand({ RoleName: role.name, PolicyName: REVOKE_POLICY_NAME, PolicyDocument: policy }),
    );
    return { ...base, outcome: 'revoked', roleArn };
  } catch (error) {
    const known = describeAwsError(error, `attach ${REVOKE_POLICY_NAME} to role ${role.name} (iam:PutRolePolicy)`);
    if (
      known?.problem === 'access-denied' ||
      (error as Error).name === 'NoSuchEntityException' ||
      (error as Error).name === 'NoSuchEntity'
    ) {
      return {
        ...base,
        outcome: 'left-to-you',
        roleArn,
        command,
        why: withoutFullStop(known?.message ?? `role ${role.name} was not found in your account`),
      };
    }
    throw known ?? error;
  } finally {
    client.destroy();
  }
}

function report(io: Io, options: CommandOptions, revocation: Revocation): void {
  const { connectionId, row, cutoff } = revocation;
  if (wantsJson(io, options.json)) {
    printJson(io, {
      ok: revocation.outcome === 'revoked' && row.status === 'rotated',
      connectionId,
      rotation: row,
      revokedBefore: cutoff,
      outcome: revocation.outcome,
      ...(revocation.roleArn ? { roleArn: revocation.roleArn, policyName: REVOKE_POLICY_NAME } : {}),
      ...(revocation.command ? { command: revocation.command } : {}),
      ...(revocation.why ? { why: revocation.why } : {}),
    });
    return;
  }
  const now = io.now();
  const paint = painterFor(io, 'stdout');
  const say = (label: string, tone: 'ok' | 'warning' | 'failure', text: string) =>
    io.stdout.write(`${wrap(`${label}: ${text}`, TABLE_WIDTH, 2).replace(label, paint(label, tone))}\n`);
  const adobe =
    row.status === 'rotated'
      ? ''
      : ` (but Adobe cannot read with it: ${row.errorCode ?? ''} ${withoutFullStop(row.error ?? '')}; ` +
        'see docs/RUNBOOK.md, "Adobe cannot read the bucket")';
  say(
    'Rotated',
    row.status === 'rotated' ? 'ok' : 'warning',
    `${connectionId} now holds a new set, AccessKeyId ${row.accessKeyId}, until ` +
      `${formatClock(row.expiresAt, now)}${adobe}.`,
  );
  if (revocation.outcome === 'revoked') {
    say(
      'Revoked',
      'ok',
      `${REVOKE_POLICY_NAME} on ${revocation.roleArn} denies every action to the role's sessions issued before ` +
        `${cutoff}: the leaked set, and every other session of that role issued until then (the new set is not). ` +
        'It can be deleted once the longest of those sessions has expired (12 h at most).',
    );
    return;
  }
  say(
    'NOT REVOKED YET',
    'failure',
    `${withoutFullStop(revocation.why ?? '')}. Run (or have someone who may run) this, exactly:`,
  );
  io.stdout.write(`    ${revocation.command}\n`);
}
