/**
 * The Adobe client secret's rotation as the operator sees it, with their own AWS credentials and
 * never the secret's value:
 *
 * - {@link describeAdobeSecretRotation}: Secrets Manager's `DescribeSecret` (rotation on, how
 *   often, last and next rotation, a rotation still pending), for `rotate-adobe-secret` and `status`;
 * - {@link startAdobeSecretRotation}: `RotateSecret` (or, when a previous rotation is unfinished,
 *   the retry of that one, which Secrets Manager starts itself);
 * - {@link rotationSteps}: the rotation function's line for each step (CloudWatch Logs
 *   `FilterLogEvents` on its log group, by the rotation's token);
 * - {@link waitForAdobeSecretRotation}: both, until the rotation has finished or failed.
 *
 * Every AWS failure a person can fix is one sentence and exit 3 ({@link EnvironmentError}).
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeSecretCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ROTATION_STEP_LOG, ROTATION_STEPS, type RotationStepName } from '../core/adobe-secret-rotation.js';
import type { AwsOptions } from './aws.js';
import { describeAwsError, EnvironmentError } from './errors.js';
import { formatClock } from './output.js';

/** What DescribeSecret says about the secret's rotation (no value, no version's content). */
export interface AdobeSecretRotationStatus {
  readonly secretId: string;
  readonly rotationEnabled: boolean;
  /** From `RotationRules`: `AutomaticallyAfterDays`, or the days of a `rate(N days)` expression. */
  readonly everyDays?: number;
  readonly scheduleExpression?: string;
  /** ISO 8601. */
  readonly lastRotatedDate?: string;
  readonly nextRotationDate?: string;
  /** When a value was last put (a rotation, or `put-secret-value`). */
  readonly lastChangedDate?: string;
  /** The version `AWSCURRENT` is on. */
  readonly currentVersionId?: string;
  /** A rotation not finished: the version `AWSPENDING` is on while it is not `AWSCURRENT`. */
  readonly pendingVersionId?: string;
}

/** One step as the rotation function logged it. */
export interface RotationStepLine {
  readonly step: RotationStepName;
  readonly ok: boolean;
  /** Epoch ms of the line. */
  readonly at: number;
  /** CloudWatch Logs' id of the line. */
  readonly eventId?: string;
  /** What it did (ids and words only). */
  readonly detail?: string;
  readonly errorCode?: string;
  readonly error?: string;
}

const regional = (options: AwsOptions) => (options.region ? { region: options.region } : {});
const iso = (date: Date | undefined) => date?.toISOString();

/** `DescribeSecret` of the Adobe credentials secret, read as a rotation's status. */
export async function describeAdobeSecretRotation(
  secretId: string,
  options: AwsOptions = {},
): Promise<AdobeSecretRotationStatus> {
  const client = new SecretsManagerClient(regional(options));
  try {
    const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
    const versions = Object.entries(described.VersionIdsToStages ?? {});
    const current = versions.find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
    const pending = versions.find(([, stages]) => stages.includes('AWSPENDING') && !stages.includes('AWSCURRENT'))?.[0];
    const rules = described.RotationRules;
    const rate = /^rate\((\d+) days?\)$/.exec(rules?.ScheduleExpression ?? '');
    const everyDays = rules?.AutomaticallyAfterDays ?? (rate ? Number(rate[1]) : undefined);
    return {
      secretId: described.ARN ?? secretId,
      rotationEnabled: described.RotationEnabled === true,
      ...(everyDays !== undefined ? { everyDays } : {}),
      ...(rules?.ScheduleExpression ? { scheduleExpression: rules.ScheduleExpression } : {}),
      ...(described.LastRotatedDate ? { lastRotatedDate: iso(described.LastRotatedDate) } : {}),
      ...(described.NextRotationDate ? { nextRotationDate: iso(described.NextRotationDate) } : {}),
      ...(described.LastChangedDate ? { lastChangedDate: iso(described.LastChangedDate) } : {}),
      ...(current ? { currentVersionId: current } : {}),
      ...(pending ? { pendingVersionId: pending } : {}),
    };
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException')
      throw new EnvironmentError(
        `The Adobe credentials secret ${secretId} does not exist (check AWS_REGION and the configuration).`,
      );
    throw describeAwsError(error, `describe secret ${secretId}`) ?? error;
  } finally {
    client.destroy();
  }
}

/** Secrets Manager's words when AWSPENDING is on a version a rotation left unfinished. */
const PREVIOUS_ROTATION_UNFINISHED = /previous rotation isn.t complete/i;

/**
 * Start a rotation: `RotateSecret` with the secret's own configuration. When a previous rotation
 * is unfinished, Secrets Manager refuses and attempts that one again with its own token: that is
 * the rotation to follow (`retried`).
 *
 * @throws EnvironmentError when the secret has no rotation configured (deploy with `adobeSecretRotation`).
 */
export async function startAdobeSecretRotation(
  secretId: string,
  options: AwsOptions = {},
): Promise<{ readonly token: string; readonly retried: boolean }> {
  const client = new SecretsManagerClient(regional(options));
  try {
    const started = await client.send(new RotateSecretCommand({ SecretId: secretId }));
    if (!started.VersionId)
      throw new EnvironmentError(
        `Secrets Manager started no rotation of ${secretId} (RotateSecret returned no VersionId).`,
      );
    return { token: started.VersionId, retried: false };
  } catch (error) {
    const { name, message } = error as Error;
    // Secrets Manager gives both refusals the one code InvalidRequestException; only the text tells them apart.
    if (name === 'InvalidRequestException' && PREVIOUS_ROTATION_UNFINISHED.test(message)) {
      const pending = (await describeAdobeSecretRotation(secretId, options)).pendingVersionId;
      if (pending) return { token: pending, retried: true };
    }
    if (name === 'InvalidRequestException' && /No Lambda rotation function/i.test(message)) {
      throw new EnvironmentError(
        `The Adobe credentials secret ${secretId} has no rotation: set "adobeSecretRotation": { "everyDays": ` +
          '30 } in the configuration and deploy (docs/DEPLOY.md, "Rotating the Adobe client secret").',
      );
    }
    if (name === 'ResourceNotFoundException')
      throw new EnvironmentError(
        `The Adobe credentials secret ${secretId} does not exist (check AWS_REGION and the configuration).`,
      );
    throw describeAwsError(error, `rotate secret ${secretId}`) ?? error;
  } finally {
    client.destroy();
  }
}

/** A step line of the rotation function, if `message` is one of `token`'s. */
function stepLineOf(
  message: string,
  token: string,
  at: number,
  eventId: string | undefined,
): RotationStepLine | undefined {
  let line: Record<string, unknown>;
  try {
    line = JSON.parse(message.slice(message.indexOf('{'))) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const ok = line.message === ROTATION_STEP_LOG.succeeded;
  if ((!ok && line.message !== ROTATION_STEP_LOG.failed) || line.clientRequestToken !== token) return undefined;
  if (!(ROTATION_STEPS as readonly unknown[]).includes(line.step)) return undefined;
  const text = (field: string) => (typeof line[field] === 'string' ? { [field]: line[field] as string } : {});
  return {
    step: line.step as RotationStepName,
    ok,
    at,
    ...(eventId ? { eventId } : {}),
    ...text('detail'),
    ...text('errorCode'),
    ...text('error'),
  };
}

/**
 * The step lines of the rotation `token` in the function's log group since `since` (epoch ms),
 * oldest first.
 * @throws EnvironmentError when the log group cannot be read (its name, the permission).
 */
export async function rotationSteps(
  logGroupName: string,
  token: string,
  since: number,
  options: AwsOptions = {},
): Promise<RotationStepLine[]> {
  const client = new CloudWatchLogsClient(regional(options));
  const lines: RotationStepLine[] = [];
  try {
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new FilterLogEventsCommand({ logGroupName, startTime: since, filterPattern: `"${token}"`, nextToken }),
      );
      for (const event of page.events ?? []) {
        const line = event.message ? stepLineOf(event.message, token, event.timestamp ?? 0, event.eventId) : undefined;
        if (line) lines.push(line);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return lines.sort((a, b) => a.at - b.at);
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException')
      throw new EnvironmentError(`The rotation function's log group ${logGroupName} does not exist.`);
    throw describeAwsError(error, `read log group ${logGroupName}`) ?? error;
  } finally {
    client.destroy();
  }
}

/** How a rotation the CLI waited for ended. */
export interface RotationOutcome {
  readonly outcome: 'succeeded' | 'failed' | 'timed-out';
  /** Each step as logged, in order (empty when the log could not be read). */
  readonly steps: RotationStepLine[];
  /** Why the steps are missing, when the log could not be read. */
  readonly logUnavailable?: string;
  readonly status: AdobeSecretRotationStatus;
}

export interface WaitOptions extends AwsOptions {
  readonly secretId: string;
  readonly token: string;
  /**
   * The function's log group (stack output `AdobeSecretRotationLogGroupName`); undefined: steps from DescribeSecret
   * only.
   */
  readonly logGroupName?: string;
  /** Epoch ms the rotation was started at (log lines from then on). */
  readonly since: number;
  readonly now: () => number;
  /** Told about each step line once, as it appears. */
  readonly onStep?: (line: RotationStepLine) => void;
  /** Lines of an earlier attempt of the same rotation (read before it was started again), not this attempt's. */
  readonly earlier?: readonly RotationStepLine[];
  /** @default 15 minutes: four steps of at most three minutes each, and Secrets Manager's start */
  readonly timeoutMs?: number;
}

const POLL_DELAYS_MS = [250, 500, 1000, 2000];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Wait until the rotation `token` has finished (`AWSCURRENT` on its version and, when the log can be
 * read, finishSecret's line) or a step failed, telling `onStep` about each step as it is logged.
 */
export async function waitForAdobeSecretRotation(options: WaitOptions): Promise<RotationOutcome> {
  const deadline = options.now() + (options.timeoutMs ?? 15 * 60_000);
  const keyOf = (line: RotationStepLine) => line.eventId ?? `${line.step}:${line.ok}:${line.at}`;
  const earlier = new Set((options.earlier ?? []).map(keyOf));
  const seen = new Set<string>();
  let steps: RotationStepLine[] = [];
  let logUnavailable: string | undefined = options.logGroupName
    ? undefined
    : 'the rotator function names no rotation log group (tag aep-s3-rotator:adobe-secret-rotation-log-group, ' +
      'or the stack output AdobeSecretRotationLogGroupName)';
  for (let attempt = 0; ; attempt += 1) {
    const status = await describeAdobeSecretRotation(options.secretId, options);
    if (!logUnavailable && options.logGroupName) {
      try {
        steps = (await rotationSteps(options.logGroupName, options.token, options.since, options)).filter(
          (line) => !earlier.has(keyOf(line)),
        );
      } catch (error) {
        if (!(error instanceof EnvironmentError)) throw error;
        logUnavailable = error.message;
      }
    }
    for (const line of steps) {
      const key = keyOf(line);
      if (!seen.has(key)) {
        seen.add(key);
        options.onStep?.(line);
      }
    }
    const failed = steps.some((line) => !line.ok);
    const promoted = status.currentVersionId === options.token;
    const finished = steps.some((line) => line.step === 'finishSecret');
    if (failed) return { outcome: 'failed', steps, status, ...(logUnavailable ? { logUnavailable } : {}) };
    if (promoted && (finished || logUnavailable))
      return { outcome: 'succeeded', steps, status, ...(logUnavailable ? { logUnavailable } : {}) };
    if (options.now() >= deadline)
      return { outcome: 'timed-out', steps, status, ...(logUnavailable ? { logUnavailable } : {}) };
    await sleep(POLL_DELAYS_MS[Math.min(attempt, POLL_DELAYS_MS.length - 1)]!);
  }
}

/**
 * What the function's `inspect` says Adobe holds (lambda/adobe-client-secrets.ts `AdobeClientSecretsReport`), as far as
 * `status` shows it.
 */
export interface HeldClientSecrets {
  readonly count: number;
  /** Whether the secret's own `clientSecret` is known among them. */
  readonly currentUuid?: string;
  /** `stale`: Adobe's last-used times contradict the secret's `clientSecretUuid` (the rotation refuses to delete). */
  readonly record?: string;
}

/**
 * One line for `status` about the Adobe client secret, and whether it needs the operator:
 * `Adobe client secret: rotated Jan 3 09:00Z, next Feb 2 09:00Z (every 30 days); Adobe holds 1 secret`.
 * Attention when rotation is off, a rotation is unfinished, the next one is overdue, or Adobe holds
 * two secrets (the last rotation could not delete the old one).
 */
export function describeAdobeSecretLine(
  status: AdobeSecretRotationStatus,
  now: number,
  held?: HeldClientSecrets,
): { readonly text: string; readonly attention: boolean } {
  // One secret: the next rotation records its uuid, nothing to do.
  const stale = held !== undefined && held.count > 1 && held.record === 'stale';
  const heldText = held
    ? `; Adobe holds ${held.count} ` +
      `secret${held.count === 1 ? '' : 's'}${held.count > 1 && !stale ? ' (the old one was not deleted)' : ''}` +
      (stale ? " (the secret's clientSecretUuid is not the one in use: docs/RUNBOOK.md)" : '')
    : '';
  if (!status.rotationEnabled) {
    return {
      text: `Adobe client secret: not rotated by Secrets Manager (adobeSecretRotation is off)${heldText}`,
      attention: true,
    };
  }
  const every =
    status.everyDays !== undefined
      ? ` (every ${status.everyDays} days)`
      : status.scheduleExpression
        ? ` (${status.scheduleExpression})`
        : '';
  const last = status.lastRotatedDate ? `rotated ${formatClock(status.lastRotatedDate, now)}` : 'never rotated';
  const next = status.nextRotationDate ? `, next ${formatClock(status.nextRotationDate, now)}` : '';
  const overdue = status.nextRotationDate !== undefined && Date.parse(status.nextRotationDate) < now;
  const pending = status.pendingVersionId
    ? `; a rotation is unfinished (version ${status.pendingVersionId}): run \`rotate-adobe-secret\``
    : '';
  return {
    text: `Adobe client secret: ${last}${next}${every}${overdue ? ' OVERDUE' : ''}${pending}${heldText}`,
    attention: overdue || Boolean(status.pendingVersionId) || (held !== undefined && held.count !== 1) || stale,
  };
}
