/**
 * `status`: read every configured connection from Flow Service with the rotator's own clients and
 * Adobe credentials, and judge how close its credentials are to expiring.
 *
 * Credentials written at `updatedAt` with the target's lifetime (`durationSeconds`) are at risk
 * once their age exceeds the lifetime minus one schedule interval: the next scheduled run may come
 * too late. Not found, not enabled, not rotatable and unreadable connections are at risk too.
 * With `--probe`, Flow Service also explores each connection it found with the credentials it holds
 * now (as the function does after each PATCH): a refusal means ingestion fails at the next dataflow
 * run, so the connection is at risk whatever its age.
 * Only the names of `auth.params` are shown, never their values.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pLimit from 'p-limit';
import { describeExploreQuery, exploreQueryFor } from '../../lambda/adobe-verification.js';
import { FlowServiceError, RotatorError, SecretError, ConnectionNotRotatableError, describeFailure } from '../../lambda/errors.js';
import { FlowServiceClient, type BaseConnection } from '../../lambda/flow-service-client.js';
import { DEFAULT_HTTP_POLICY } from '../../lambda/http-policy.js';
import { writtenByRotator as isWrittenByRotator } from '../../lambda/held-credentials.js';
import { ImsTokenProvider } from '../../lambda/ims-client.js';
import { checkRotatable } from '../../lambda/rotate-connection.js';
import { SecretStore, type AdobeCredentials } from '../../lambda/secrets.js';
import type { TargetConfig } from '../../lib/config.js';
import { scheduleInterval } from '../../lib/rotation-rules.js';
import { connectionIdsOf, notTargets, RUN, type CommandOptions } from '../args.js';
import { stackOutputs } from '../aws.js';
import { requireConfig } from '../config-source.js';
import { CliError, describeAwsError, EnvironmentError, EXIT, UsageError } from '../errors.js';
import { adobeSecretIdOf } from '../local-run.js';
import { formatClock, formatDuration, painterFor, printJson, Progress, renderTable, shortIds, TABLE_WIDTH, wantsJson, wrap, type Io, type Tone } from '../output.js';

export type Risk =
  | 'ok'
  | 'expiring'
  | 'expired'
  | 'not-found'
  | 'not-enabled'
  | 'not-rotatable'
  | 'unreadable'
  | 'no-update-time'
  /** An `IAMRole Based` connection: Adobe assumes the role itself, nothing expires here. */
  | 'nothing-to-rotate'
  /** `--probe`: Flow Service could not list the bucket with the credentials the connection holds. */
  | 'adobe-cannot-read';

const NOT_AT_RISK = new Set<Risk>(['ok', 'nothing-to-rotate']);

/** One connection as `status` reports it. */
export interface ConnectionStatus {
  readonly connectionId: string;
  readonly sandboxName: string;
  readonly name?: string;
  readonly state?: string;
  readonly specName?: string;
  /** Names of the auth params the connection holds (never their values). */
  readonly params?: string[];
  readonly updatedAt?: string;
  readonly updatedBy?: string;
  /** The last update was made with the rotator's Adobe client (so it wrote the credentials). */
  readonly writtenByRotator?: boolean;
  readonly ageSeconds?: number;
  readonly lifetimeSeconds: number;
  /** Lifetime minus age, if the credentials were written at `updatedAt`. */
  readonly remainingSeconds?: number;
  readonly risk: Risk;
  readonly atRisk: boolean;
  /** Why it is at risk, or what to know. */
  readonly warning?: string;
  /** `--probe`: what Flow Service was asked to list, e.g. `s3://acme-landing/crm/` or "the bucket's root". */
  readonly explored?: string;
  /** `--probe`: Flow Service listed it with the credentials the connection holds now. */
  readonly adobeVerified?: boolean;
  /** `--probe`, refused: Adobe's code (`1100-400`, `2118-403`, ...) or the rotator's (`FLOW_SERVICE_UNREACHABLE`). */
  readonly adobeErrorCode?: string;
  /** `--probe`, refused: Flow Service's answer, with Adobe's own detail (never a secret). */
  readonly adobeError?: string;
}

/** The target's bucket and folder: its own, or those of the role the stack creates for it. */
function bucketOf(target: TargetConfig): { bucketName?: string; folderPath?: string } {
  return target.createRole ? { bucketName: target.createRole.bucketName, folderPath: target.createRole.folderPath } : { bucketName: target.bucketName, folderPath: target.folderPath };
}

export async function statusCommand(options: CommandOptions, io: Io): Promise<number> {
  const config = requireConfig(io.cwd, options.config, 'status');
  const requested = connectionIdsOf(options);
  const byId = new Map(config.targets.map((target) => [target.connectionId.toLowerCase(), target]));
  const unknown = (requested ?? []).filter((id) => !byId.has(id.toLowerCase()));
  if (unknown.length > 0) throw new UsageError(`${notTargets(unknown, config.targets.map((target) => target.connectionId))}.`);
  const targets = requested ? requested.map((id) => byId.get(id.toLowerCase())!) : config.targets;
  const probe = Boolean(options.probe);
  // A valid configuration always has a schedule whose interval is known.
  const intervalSeconds = scheduleInterval(config.schedule).seconds ?? 0;

  const stackName = options.stack ?? config.stackName;
  const region = config.region;
  const secretId = await adobeSecretIdOf(config, () => stackOutputs(stackName, { region }), stackName);
  const adobe = await readAdobeCredentials(new SecretStore(new SecretsManagerClient({ ...(region ? { region } : {}) })), secretId);
  const credentials = () => Promise.resolve(adobe);
  const tokens = new ImsTokenProvider({ imsUrl: config.imsUrl, credentials, policy: DEFAULT_HTTP_POLICY });
  try {
    await tokens.getToken();
  } catch (error) {
    throw new CliError(`${(error as Error).message}; the rotator uses the same credentials, so every connection is at risk.`, EXIT.FAILED);
  }
  const flowService = new FlowServiceClient({ baseUrl: config.flowServiceUrl, tokens, credentials, policy: DEFAULT_HTTP_POLICY });

  const progress = new Progress(io);
  const limit = pLimit(config.concurrency);
  let done = 0;
  progress.update(`checking 0/${targets.length}…`);
  const statuses = await Promise.all(
    targets.map((target) =>
      limit(async () => {
        const status = await inspect(target, flowService, adobe.clientId, intervalSeconds, io.now(), { probe });
        progress.update(`checking ${++done}/${targets.length}…`);
        return status;
      }),
    ),
  );
  progress.done();

  const atRisk = statuses.filter((status) => status.atRisk).length;
  if (wantsJson(io, options.json)) {
    printJson(io, {
      ok: atRisk === 0,
      checkedAt: new Date(io.now()).toISOString(),
      schedule: config.schedule,
      scheduleIntervalSeconds: intervalSeconds,
      atRisk,
      connections: statuses,
    });
  } else {
    printTable(io, statuses, config.schedule, intervalSeconds, options);
  }
  return atRisk === 0 ? EXIT.OK : EXIT.FAILED;
}

/** The Adobe secret, or one sentence: an AWS access problem (exit 3) or a bad secret (exit 1). */
async function readAdobeCredentials(secrets: SecretStore, secretId: string): Promise<AdobeCredentials> {
  try {
    return await secrets.adobeCredentials(secretId);
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
    const aws = describeAwsError(error.cause, `read the Adobe credentials secret ${secretId}`);
    if (aws) throw aws;
    if (error.code === 'SECRET_UNAVAILABLE') throw new EnvironmentError(`${error.message}: check AWS_REGION and the secret id in the configuration.`);
    throw new CliError(`${error.message}; the rotator reads the same secret, so every connection is at risk.`, EXIT.FAILED);
  }
}

/**
 * GET one connection and judge it; with `probe`, also have Flow Service explore it. Never throws:
 * a failure is a status.
 */
export async function inspect(
  target: TargetConfig,
  flowService: Pick<FlowServiceClient, 'getConnection' | 'exploreConnection'>,
  rotatorClientId: string,
  intervalSeconds: number,
  now: number,
  { probe = false }: { probe?: boolean } = {},
): Promise<ConnectionStatus> {
  const status = await judge(target, flowService, rotatorClientId, intervalSeconds, now);
  // Not found or unreadable: Flow Service would refuse the explore for the same reason.
  if (!probe || status.risk === 'not-found' || status.risk === 'unreadable') return status;
  const adobe = await probeAdobe(target, flowService);
  if (adobe.adobeVerified || status.atRisk) return { ...status, ...adobe };
  return { ...status, ...adobe, risk: 'adobe-cannot-read', atRisk: true, warning: adobeWarning(adobe) };
}

/**
 * `GET /connections/{id}/explore` with what the connection holds now: the target's folder when it
 * names its bucket, else the root (the query the function explores after each PATCH).
 */
async function probeAdobe(
  target: TargetConfig,
  flowService: Pick<FlowServiceClient, 'exploreConnection'>,
): Promise<Required<Pick<ConnectionStatus, 'explored' | 'adobeVerified'>> & Pick<ConnectionStatus, 'adobeErrorCode' | 'adobeError'>> {
  const query = exploreQueryFor(bucketOf(target));
  const explored = describeExploreQuery(query);
  try {
    await flowService.exploreConnection(target.connectionId, target.sandboxName, query);
    return { explored, adobeVerified: true };
  } catch (error) {
    const { message, code } = describeFailure(error);
    return { explored, adobeVerified: false, adobeErrorCode: code, adobeError: message };
  }
}

function adobeWarning(status: Pick<ConnectionStatus, 'explored' | 'adobeError'>): string {
  return `Adobe cannot read ${status.explored} with the credentials the connection holds now, so ingestion fails at the next dataflow run: ${status.adobeError}`;
}

async function judge(
  target: TargetConfig,
  flowService: Pick<FlowServiceClient, 'getConnection'>,
  rotatorClientId: string,
  intervalSeconds: number,
  now: number,
): Promise<ConnectionStatus> {
  const base = { connectionId: target.connectionId, sandboxName: target.sandboxName, lifetimeSeconds: target.durationSeconds };
  let connection: BaseConnection;
  try {
    connection = await flowService.getConnection(target.connectionId, target.sandboxName);
  } catch (error) {
    if (error instanceof FlowServiceError && error.statusCode === 404) {
      return { ...base, risk: 'not-found', atRisk: true, warning: `not found in sandbox ${target.sandboxName}${error.errorCode ? ` (${error.errorCode})` : ''}: check connectionId and sandboxName in the configuration` };
    }
    const message = error instanceof RotatorError ? error.message : `unexpected error: ${(error as Error)?.name ?? 'error'}`;
    return { ...base, risk: 'unreadable', atRisk: true, warning: message };
  }

  const updatedAt = typeof connection.updatedAt === 'number' ? connection.updatedAt : undefined;
  const writtenByRotator = isWrittenByRotator(connection, rotatorClientId);
  const ageSeconds = updatedAt === undefined ? undefined : Math.max(0, Math.round((now - updatedAt) / 1000));
  const facts = {
    ...base,
    name: connection.name,
    state: connection.state,
    specName: connection.auth?.specName,
    params: Object.keys(connection.auth?.params ?? {}).sort(),
    updatedAt: updatedAt === undefined ? undefined : new Date(updatedAt).toISOString(),
    updatedBy: connection.updatedBy,
    writtenByRotator,
    ageSeconds,
    remainingSeconds: ageSeconds === undefined ? undefined : target.durationSeconds - ageSeconds,
  };
  const judged = (risk: Risk, warning?: string): ConnectionStatus => ({ ...facts, risk, atRisk: !NOT_AT_RISK.has(risk), ...(warning ? { warning } : {}) });

  try {
    checkRotatable(connection);
  } catch (error) {
    if (error instanceof ConnectionNotRotatableError && error.reason === 'iam-role-auth') return judged('nothing-to-rotate', 'IAMRole Based: Adobe assumes the role itself, there are no credentials to rotate; remove it from the targets');
    return judged('not-rotatable', `${(error as Error).message}: every rotation of it fails`);
  }
  if (connection.state !== 'enabled') return judged('not-enabled', `state is "${connection.state ?? '(none)'}", not enabled`);
  if (ageSeconds === undefined) return judged('no-update-time', 'Flow Service gave no updatedAt, so the age of its credentials is unknown');

  const lifetime = target.durationSeconds;
  const byWhom = writtenByRotator ? '' : ` (last written by ${connection.updatedBy ?? 'someone else'}, not the rotator: the credentials may be older still)`;
  if (ageSeconds >= lifetime) {
    return judged('expired', `credentials written ${formatDuration(ageSeconds)} ago with a ${formatDuration(lifetime)} lifetime have likely expired${byWhom}`);
  }
  if (ageSeconds > lifetime - intervalSeconds) {
    return judged('expiring', `credentials expire in about ${formatDuration(lifetime - ageSeconds)}, before the next scheduled run (every ${formatDuration(intervalSeconds)}) can be relied on${byWhom}`);
  }
  return judged('ok', writtenByRotator ? undefined : `last written by ${connection.updatedBy ?? 'someone else'}, not the rotator`);
}

/** How each risk is coloured on a terminal. */
const RISK_TONE: Record<Risk, Tone | undefined> = {
  ok: 'ok',
  expiring: 'warning',
  expired: 'failure',
  'not-found': 'failure',
  'not-enabled': 'failure',
  'not-rotatable': 'failure',
  unreadable: 'failure',
  'no-update-time': 'warning',
  'nothing-to-rotate': undefined,
  'adobe-cannot-read': 'failure',
};

const RISK_LABEL: Record<Risk, string> = {
  ok: 'ok',
  expiring: 'EXPIRING',
  expired: 'EXPIRED',
  'not-found': 'NOT FOUND',
  'not-enabled': 'NOT ENABLED',
  'not-rotatable': 'NOT ROTATABLE',
  unreadable: 'UNREADABLE',
  'no-update-time': 'AGE UNKNOWN',
  'nothing-to-rotate': 'n/a (IAM role)',
  'adobe-cannot-read': 'ADOBE REFUSED',
};

/** What to do about each kind of risk, and the command to paste, if one helps. */
function advice(status: ConnectionStatus, options: CommandOptions): { text: string; command?: string } {
  // The suggested command reads the same configuration and stack as this one.
  const same = `${options.config ? ` --config ${options.config}` : ''}${options.stack ? ` --stack ${options.stack}` : ''}`;
  switch (status.risk) {
    case 'expired':
    case 'expiring':
    case 'no-update-time':
      return { text: 'rotate it now', command: `${RUN} rotate --connection ${status.connectionId}${same}` };
    case 'not-found':
    case 'not-rotatable':
    case 'nothing-to-rotate':
      return { text: 'fix the target, then check the configuration', command: `${RUN} check-config${options.config ? ` --config ${options.config}` : ''}` };
    case 'not-enabled':
      return { text: 'enable the connection in Experience Platform, or remove it from the targets' };
    case 'adobe-cannot-read':
      return {
        text:
          "check the role's S3 permissions, the bucket policy, the bucket's KMS key and the session policy's folder " +
          '(docs/RUNBOOK.md, "Adobe cannot read the bucket"), then try a dry run',
        command: `${RUN} rotate --dry-run --connection ${status.connectionId}${same}`,
      };
    default:
      return { text: 'try again', command: `${RUN} status --connection ${status.connectionId}${same}` };
  }
}

/**
 * One row per connection, within {@link TABLE_WIDTH} columns (short ids; the name, sandbox and
 * author cut when they must be), then a note or WARNING per connection that has one, wrapped, with
 * the command to paste on a line of its own.
 */
function printTable(io: Io, statuses: readonly ConnectionStatus[], schedule: string, intervalSeconds: number, options: CommandOptions): void {
  const paint = painterFor(io, 'stdout');
  const probe = Boolean(options.probe);
  const now = io.now();
  const short = shortIds(statuses.map((status) => status.connectionId));
  const rows = statuses.map((status) => [
    short.get(status.connectionId),
    status.name,
    status.sandboxName,
    formatClock(status.updatedAt, now),
    status.writtenByRotator ? 'rotator' : status.updatedBy,
    status.ageSeconds === undefined ? undefined : `${formatDuration(status.ageSeconds)} / ${formatDuration(status.lifetimeSeconds)}`,
    { text: RISK_LABEL[status.risk], tone: RISK_TONE[status.risk] },
    ...(probe ? [status.adobeVerified === undefined ? undefined : status.adobeVerified ? { text: 'reads', tone: 'ok' as const } : { text: 'REFUSED', tone: 'failure' as const }] : []),
  ]);
  const columns = [
    'ID',
    { header: 'NAME', shrinkTo: 8 },
    { header: 'SANDBOX', shrinkTo: 8 },
    'UPDATED',
    { header: 'BY', shrinkTo: 8 },
    'AGE / LIFETIME',
    'RISK',
    ...(probe ? ['ADOBE'] : []),
  ];
  io.stdout.write(`${renderTable(columns, rows, { paint }).text}\n`);
  const notes = statuses.filter((status) => status.warning);
  if (notes.length > 0) io.stdout.write('\n');
  for (const status of notes) {
    // A connection at risk for another reason may also be refused by Adobe (expired credentials are).
    const adobe = status.adobeVerified === false && status.risk !== 'adobe-cannot-read' ? adobeWarning(status) : undefined;
    const next = status.atRisk ? advice(status, options) : undefined;
    const said = [status.warning!, ...(adobe ? [adobe] : []), ...(next ? [next.text] : [])].map((part) => part.replace(/\.$/, '')).join('; ');
    const label = status.atRisk ? 'WARNING' : 'note';
    const line = wrap(`${label}: ${short.get(status.connectionId)} (sandbox ${status.sandboxName}): ${said}${next?.command ? ':' : '.'}`, TABLE_WIDTH, 2);
    io.stdout.write(`${status.atRisk ? line.replace(label, paint(label, 'warning')) : line}\n`);
    if (next?.command) io.stdout.write(`    ${next.command}\n`);
  }
  const atRisk = statuses.filter((status) => status.atRisk).length;
  const probed = statuses.filter((status) => status.adobeVerified !== undefined);
  const adobe = probe ? `; Adobe could read ${probed.filter((status) => status.adobeVerified).length} of ${probed.length}` : '';
  const summary = `${atRisk === 0 ? 'OK' : 'AT RISK'}: ${statuses.length - atRisk} of ${statuses.length} connection${statuses.length === 1 ? '' : 's'} healthy${adobe} (schedule ${schedule}, every ${formatDuration(intervalSeconds)}).`;
  const wrapped = wrap(summary, TABLE_WIDTH, 2);
  io.stdout.write(`\n${atRisk === 0 ? wrapped.replace('OK', paint('OK', 'ok')) : wrapped.replace('AT RISK', paint('AT RISK', 'failure'))}\n`);
}
