/**
 * `discover`: every S3 base connection in the sandboxes (the configured targets' by default),
 * each marked managed, unmanaged with temporary credentials (it stops ingesting when they expire),
 * unmanaged with permanent keys, or role-based; and a ready-to-paste `targets` entry for each
 * unmanaged temporary one.
 */
import { SANDBOX_NAME } from '../../core/contract.js';
import { bucketNameProblem } from '../../core/rotation-rules.js';
import { folderPathProblem, normalizeFolderPath } from '../../core/session-policy.js';
import { s3ConnectionsIn, type ConnectionKind, type FoundConnection } from '../../lambda/connection-inventory.js';
import { describeFailure, FlowServiceError } from '../../lambda/errors.js';
import { RUN, type CommandOptions } from '../args.js';
import { openAdobeSession } from '../adobe-session.js';
import { EXIT, UsageError } from '../errors.js';
import { formatClock, painterFor, printJson, Progress, renderTable, shortIds, TABLE_WIDTH, wantsJson, wrap, type Io, type Tone } from '../output.js';

const KIND_LABEL: Record<ConnectionKind, { text: string; tone: Tone }> = {
  managed: { text: 'managed', tone: 'ok' },
  'unmanaged-temporary': { text: 'UNMANAGED TEMPORARY', tone: 'failure' },
  'unmanaged-permanent': { text: 'unmanaged, keys', tone: 'warning' },
  'role-based': { text: 'role-based', tone: 'ok' },
};

/**
 * The `targets` entry that has the stack rotate a connection: a role the stack creates, read-only
 * on the bucket (and folder) the connection declares; without a declared bucket, a role to name.
 */
export function targetEntryFor(found: Pick<FoundConnection, 'connectionId' | 'sandboxName' | 'bucketName' | 'folderPath'>): Record<string, unknown> {
  const folder = found.folderPath && !folderPathProblem(found.folderPath) ? normalizeFolderPath(found.folderPath) : undefined;
  if (found.bucketName && !bucketNameProblem(found.bucketName)) {
    return {
      connectionId: found.connectionId,
      sandboxName: found.sandboxName,
      createRole: { bucketName: found.bucketName, ...(folder ? { folderPath: folder } : {}) },
    };
  }
  // No bucket the stack could scope a role to: a role of yours that can read it.
  return { connectionId: found.connectionId, sandboxName: found.sandboxName, roleArn: 'arn:aws:iam::<account>:role/<a role that can read the bucket>' };
}

export async function discoverCommand(options: CommandOptions, io: Io): Promise<number> {
  for (const sandbox of options.sandbox ?? []) {
    if (!SANDBOX_NAME.test(sandbox))
      throw new UsageError(`--sandbox "${sandbox}" is not a sandbox name: lower-case letters, digits and hyphens (e.g. "prod").`);
  }
  const session = await openAdobeSession(options, io.cwd, 'discover');
  const { config, flowService } = session;
  const sandboxes = options.sandbox?.length ? [...new Set(options.sandbox)] : [...new Set(config.targets.map((target) => target.sandboxName))];
  const managed = new Set(config.targets.map((target) => target.connectionId.toLowerCase()));

  const progress = new Progress(io);
  const connections: FoundConnection[] = [];
  const problems: Array<{ sandboxName: string; errorCode: string; error: string }> = [];
  for (const [index, sandboxName] of sandboxes.entries()) {
    progress.update(`listing S3 connections in sandbox ${sandboxName} (${index + 1}/${sandboxes.length})…`);
    try {
      connections.push(...(await s3ConnectionsIn(flowService, sandboxName, managed)));
    } catch (error) {
      if (!(error instanceof FlowServiceError)) throw error;
      const { message, code } = describeFailure(error);
      problems.push({ sandboxName, errorCode: code, error: message });
    }
  }
  progress.done();

  const unmanaged = connections.filter((connection) => connection.kind === 'unmanaged-temporary');
  const targets = unmanaged.map(targetEntryFor);
  const ok = unmanaged.length === 0 && problems.length === 0;
  if (wantsJson(io, options.json)) {
    printJson(io, { ok, sandboxes, connections, unmanagedTemporary: unmanaged.length, targets, ...(problems.length ? { problems } : {}) });
    return ok ? EXIT.OK : EXIT.FAILED;
  }

  const paint = painterFor(io, 'stdout');
  const short = shortIds(connections.map((connection) => connection.connectionId));
  const rows = connections.map((connection) => [
    short.get(connection.connectionId),
    connection.name,
    connection.sandboxName,
    KIND_LABEL[connection.kind],
    connection.bucketName ? `s3://${connection.bucketName}/${connection.folderPath ? `${normalizeFolderPath(connection.folderPath)}/` : ''}` : undefined,
    formatClock(connection.updatedAt, io.now()),
  ]);
  const columns = ['ID', { header: 'NAME', shrinkTo: 8, first: true }, 'SANDBOX', 'KIND', { header: 'READS', shrinkTo: 12 }, 'UPDATED'];
  if (rows.length > 0) io.stdout.write(`${renderTable(columns, rows, { paint }).text}\n`);
  for (const problem of problems) {
    io.stdout.write(`\n${wrap(`${paint('ERROR', 'failure')}: sandbox ${problem.sandboxName}: ${problem.error}`, TABLE_WIDTH, 2)}\n`);
  }
  if (unmanaged.length > 0) {
    io.stdout.write(
      `\n${wrap(
        `${unmanaged.length} connection${unmanaged.length === 1 ? ' holds' : 's hold'} temporary credentials that nothing rotates: ` +
          'each stops ingesting when they expire. Add to "targets" in the configuration (docs/DEPLOY.md, "Configuration"), deploy, then rotate:',
        TABLE_WIDTH,
      )}\n\n`,
    );
    for (const entry of targets) io.stdout.write(`  ${JSON.stringify(entry)},\n`);
    io.stdout.write(`\nThen: \`npx cdk deploy\` and \`${RUN} rotate --connection <id>\`.\n`);
  }
  const counts = (['managed', 'unmanaged-temporary', 'unmanaged-permanent', 'role-based'] as const)
    .map((kind) => [kind, connections.filter((connection) => connection.kind === kind).length] as const)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${KIND_LABEL[kind].text.toLowerCase()}`);
  const summary = `${ok ? 'OK' : 'NOT OK'}: ${connections.length} S3 connection${connections.length === 1 ? '' : 's'} in ${sandboxes.join(', ')}${counts.length ? ` (${counts.join(', ')})` : ''}.`;
  io.stdout.write(`\n${wrap(summary, TABLE_WIDTH).replace(/^(NOT OK|OK)/, (word) => paint(word, ok ? 'ok' : 'failure'))}\n`);
  return ok ? EXIT.OK : EXIT.FAILED;
}
