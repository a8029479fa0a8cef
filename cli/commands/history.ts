/**
 * `history --connection <id>`: a connection's recent rotation attempts, as its ledger item keeps
 * them (lambda/ledger.ts, `history`), newest first: when, the outcome, the mint method, the
 * AccessKeyId of the set issued (to match CloudTrail's AssumeRole/GetFederationToken/GetSessionToken
 * event and S3's logs), Adobe's code, and what started it (the schedule, or a manual request and
 * the caller it named).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RotationLedger } from '../../lambda/ledger.js';
import type { LedgerHistoryEntry, LedgerRecord } from '../../lambda/ledger-item.js';
import type { CommandOptions } from '../args.js';
import { openDeployment } from '../context.js';
import { describeAwsError, EnvironmentError, EXIT } from '../errors.js';
import {
  formatClock,
  formatEtag,
  painterFor,
  printJson,
  renderTable,
  TABLE_WIDTH,
  wantsJson,
  wrap,
  type Io,
} from '../output.js';
import { oneConnection } from '../targets.js';

/** Who asked, short: the session name of an assumed role's ARN, or the ARN's last part. */
function shortCaller(caller: string | undefined): string | undefined {
  if (!caller) return undefined;
  return caller.split('/').slice(-1)[0] ?? caller;
}

export async function historyCommand(options: CommandOptions, io: Io): Promise<number> {
  const opened = await openDeployment(options, io);
  const { deployment, aws } = opened;
  const { connectionId, target } = await oneConnection(options, opened, 'history');
  const table = deployment.ledgerTableName;
  if (!table)
    throw new EnvironmentError(
      `Function ${deployment.functionName} keeps no rotation ledger (no LEDGER_TABLE_NAME): there is no history.`,
    );
  const client = new DynamoDBClient(aws.region ? { region: aws.region } : {});
  let record: LedgerRecord | undefined;
  try {
    record = (await new RotationLedger(client, table).records([connectionId])).get(connectionId);
  } catch (error) {
    throw describeAwsError(error, `read the rotation ledger table ${table} (dynamodb:BatchGetItem)`) ?? error;
  } finally {
    client.destroy();
  }
  const history: LedgerHistoryEntry[] = [...(record?.history ?? [])].reverse();

  if (wantsJson(io, options.json)) {
    printJson(io, {
      connectionId,
      sandboxName: record?.sandboxName ?? target?.sandboxName,
      function: deployment.functionName,
      ...(record?.lastRotation ? { lastRotation: record.lastRotation } : {}),
      history,
    });
    return EXIT.OK;
  }
  const now = io.now();
  const paint = painterFor(io, 'stdout');
  if (history.length === 0) {
    io.stdout.write(
      `${connectionId}: no rotation in the ledger ` +
        `yet${record ? ' (its item was written before the ledger kept a history)' : ''}.\n`,
    );
    return EXIT.OK;
  }
  const rows = history.map((entry) => [
    formatClock(entry.at, now),
    {
      text: entry.outcome === 'rotated' ? 'rotated' : 'FAILED',
      tone: entry.outcome === 'rotated' ? ('ok' as const) : ('failure' as const),
    },
    entry.method,
    entry.accessKeyId,
    entry.errorCode,
    formatEtag(entry.etag),
    entry.trigger === 'schedule' ? 'schedule' : `manual${entry.caller ? ` (${shortCaller(entry.caller)})` : ''}`,
  ]);
  const rendered = renderTable(
    ['AT', 'OUTCOME', 'METHOD', 'ACCESS KEY ID', 'CODE', 'ETAG', { header: 'TRIGGER', shrinkTo: 10 }],
    rows,
    { paint },
  );
  io.stdout.write(
    `${connectionId} (sandbox ${record?.sandboxName ?? '?'}): the last ${history.length} ` +
      `attempts, newest first.\n\n${rendered.text}\n`,
  );
  const callers = [...new Set(history.flatMap((entry) => (entry.caller ? [entry.caller] : [])))];
  if (callers.length > 0)
    io.stdout.write(
      `\n${wrap(`Manual requests by: ${callers.join(', ')} (as the caller named itself).`, TABLE_WIDTH, 2)}\n`,
    );
  return EXIT.OK;
}
