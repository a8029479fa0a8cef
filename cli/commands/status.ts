/**
 * `status`: every configured connection, judged from the rotation ledger the function keeps (with
 * Flow Service's `updatedAt`/`updatedBy` as a cross-check), read with the rotator's own clients and
 * Adobe credentials; whether the rotator is paused (and by whom) or its schedule is off.
 *
 * The ledger table comes from the stack output `LedgerTableName`. Without a deployed stack (the
 * configuration names the Adobe secret) or without the output, `status` judges from Flow Service
 * alone, as before the ledger existed, and says so. Secret values are never printed.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pLimit from 'p-limit';
import { SecretError } from '../../lambda/errors.js';
import { FlowServiceClient } from '../../lambda/flow-service-client.js';
import { DEFAULT_HTTP_POLICY } from '../../lambda/http-policy.js';
import { ImsTokenProvider } from '../../lambda/ims-client.js';
import { RotationLedger, type LedgerRecord } from '../../lambda/ledger.js';
import { SecretStore, type AdobeCredentials } from '../../lambda/secrets.js';
import type { RotatorConfig } from '../../lib/config/config.js';
import { scheduleInterval } from '../../core/rotation-rules.js';
import { connectionIdsOf, notTargets, type CommandOptions } from '../args.js';
import { STACK_OUTPUT, StackNotDeployedError, stackOutputs } from '../aws.js';
import { requireConfig } from '../config-source.js';
import { deploymentOf, describeAlarms, getSchedule } from '../deployment.js';
import { CliError, describeAwsError, EnvironmentError, EXIT, UsageError, withoutFullStop } from '../errors.js';
import { adobeSecretIdOf } from '../local-run.js';
import { printJson, Progress, wantsJson, type Io } from '../output.js';
import { readPauseRecord, type PauseRecord } from '../pause-record.js';
import { inspect } from '../status-judgement.js';
import { printStatusTable, rotatorWarning, type RotatorState } from '../status-table.js';

export type { ConnectionStatus, Risk } from '../status-judgement.js';

export async function statusCommand(options: CommandOptions, io: Io): Promise<number> {
  const config = requireConfig(io.cwd, options.config, 'status');
  const requested = connectionIdsOf(options);
  const byId = new Map(config.targets.map((target) => [target.connectionId.toLowerCase(), target]));
  const unknown = (requested ?? []).filter((id) => !byId.has(id.toLowerCase()));
  if (unknown.length > 0)
    throw new UsageError(
      `${notTargets(
        unknown,
        config.targets.map((target) => target.connectionId),
      )}.`,
    );
  const targets = requested ? requested.map((id) => byId.get(id.toLowerCase())!) : config.targets;
  // A valid configuration always has a schedule whose interval is known.
  const intervalSeconds = scheduleInterval(config.schedule).seconds ?? 0;

  const stackName = options.stack ?? config.stackName;
  const region = config.region;
  const stack = await stackOutputs(stackName, { region }).then(
    (outputs) => ({ outputs }),
    (error: unknown) => ({ error }),
  );
  const outputs = () => ('outputs' in stack ? Promise.resolve(stack.outputs) : Promise.reject(stack.error));
  const secretId = await adobeSecretIdOf(config, outputs, stackName);
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
  progress.update('reading the rotation ledger…');
  const { state, entries } = await readRotatorState(
    'outputs' in stack ? stack.outputs : undefined,
    'error' in stack ? stack.error : undefined,
    stackName,
    config,
    targets.map((target) => target.connectionId),
  );
  const limit = pLimit(config.concurrency);
  let done = 0;
  progress.update(`checking 0/${targets.length}…`);
  const statuses = await Promise.all(
    targets.map((target) =>
      limit(async () => {
        const judging = {
          rotatorClientId: adobe.clientId,
          intervalSeconds,
          now: io.now(),
          probe: Boolean(options.probe),
          ledger: entries.get(target.connectionId),
        };
        const status = await inspect(target, flowService, judging);
        progress.update(`checking ${++done}/${targets.length}…`);
        return status;
      }),
    ),
  );
  progress.done();

  const atRisk = statuses.filter((status) => status.atRisk).length;
  const stopped = rotatorWarning(state, options, io.now());
  if (wantsJson(io, options.json)) {
    printJson(io, {
      ok: atRisk === 0 && !stopped,
      checkedAt: new Date(io.now()).toISOString(),
      schedule: config.schedule,
      scheduleIntervalSeconds: intervalSeconds,
      ...(state.scheduleState ? { scheduleState: state.scheduleState } : {}),
      ...(state.deployedPaused ? { deployedPaused: true } : {}),
      ...(state.alarms ? { alarms: state.alarms } : {}),
      ledger: state.ledger,
      ...(state.ledger.table !== null ? { pause: state.pause ?? null } : {}),
      atRisk,
      connections: statuses,
    });
  } else {
    printStatusTable(io, statuses, state, config.schedule, intervalSeconds, options);
  }
  return atRisk === 0 && !stopped ? EXIT.OK : EXIT.FAILED;
}

/**
 * The ledger's entries for `connectionIds`, the pause record and the schedule's state, from what
 * the stack's outputs name. Never throws: what cannot be read is a reason in {@link RotatorState}.
 */
async function readRotatorState(
  outputs: Record<string, string> | undefined,
  stackError: unknown,
  stackName: string,
  config: RotatorConfig,
  connectionIds: readonly string[],
): Promise<{ state: RotatorState; entries: Map<string, LedgerRecord> }> {
  const aws = { region: config.region };
  const entries = new Map<string, LedgerRecord>();
  const noLedger = (reason: string) => ({ state: { ledger: { table: null, reason } } as RotatorState, entries });
  if (!outputs) {
    const known = stackError instanceof CliError ? stackError : describeAwsError(stackError, `describe stack ${stackName}`);
    if (!known) throw stackError;
    return noLedger(known instanceof StackNotDeployedError ? known.summary : known.message);
  }
  const table = outputs[STACK_OUTPUT.ledgerTableName];
  if (!table) return noLedger(`stack ${stackName} has no output ${STACK_OUTPUT.ledgerTableName}: it was deployed by an older version of the rotator`);

  let pause: PauseRecord | undefined;
  const client = new DynamoDBClient({ ...(config.region ? { region: config.region } : {}) });
  try {
    pause = await readPauseRecord(table, aws);
    const ledger = new RotationLedger(client, table);
    const limit = pLimit(config.concurrency);
    await Promise.all(
      connectionIds.map((id) =>
        limit(async () => {
          const entry = await ledger.get(id);
          if (entry) entries.set(id, entry);
        }),
      ),
    );
  } catch (error) {
    const known = error instanceof CliError ? error : describeAwsError(error, `read the rotation ledger table ${table}`);
    if (!known) throw error;
    entries.clear();
    return noLedger(known.message);
  } finally {
    client.destroy();
  }

  const state: { -readonly [K in keyof RotatorState]: RotatorState[K] } = {
    ledger: { table },
    ...(pause ? { pause } : {}),
    ...(config.enabled === false ? { deployedPaused: true } : {}),
  };
  const scheduleName = outputs[STACK_OUTPUT.scheduleName];
  const scheduleGroupName = outputs[STACK_OUTPUT.scheduleGroupName];
  if (scheduleName && scheduleGroupName) {
    try {
      const schedule = await getSchedule({ stackName, scheduleName, scheduleGroupName }, aws);
      if (schedule.State === 'ENABLED' || schedule.State === 'DISABLED') state.scheduleState = schedule.State;
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      state.scheduleProblem = error.message;
    }
  }
  // Whether the alarms would page: a pause silences them, a deploy or a hand may switch them back.
  if (outputs[STACK_OUTPUT.alarmNames] && scheduleName && scheduleGroupName) {
    try {
      const alarms = await describeAlarms(deploymentOf(stackName, outputs), aws);
      state.alarms = { total: alarms.length, silenced: alarms.filter((alarm) => !alarm.actionsEnabled).length };
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      state.alarmsProblem = error.message;
    }
  }
  return { state, entries };
}

/** The Adobe secret, or one sentence: an AWS access problem (exit 3) or a bad secret (exit 1). */
async function readAdobeCredentials(secrets: SecretStore, secretId: string): Promise<AdobeCredentials> {
  try {
    return await secrets.adobeCredentials(secretId);
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
    const aws = describeAwsError(error.cause, `read the Adobe credentials secret ${secretId} (secretsmanager:GetSecretValue)`);
    // The secret the stack creates denies reading to everyone but the function's role and secretReaders.
    if (aws?.problem === 'access-denied') {
      throw new EnvironmentError(
        `${withoutFullStop(aws.message)}; status reads Flow Service with the rotator's Adobe credentials, so your role must be allowed to read that secret ` +
          '(the one the stack creates: add your role to "secretReaders" in the configuration and deploy; docs/DEPLOY.md, "What an operator needs").',
      );
    }
    if (aws) throw aws;
    if (error.code === 'SECRET_UNAVAILABLE') throw new EnvironmentError(`${error.message}: check AWS_REGION and the secret id in the configuration.`);
    throw new CliError(`${error.message}; the rotator reads the same secret, so every connection is at risk.`, EXIT.FAILED);
  }
}
