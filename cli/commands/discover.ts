/**
 * `discover`: every S3 base connection in the sandboxes (the deployed targets' by default),
 * each marked managed, unmanaged with temporary credentials (it stops ingesting when they expire),
 * unmanaged with permanent keys, or role-based; and a ready-to-paste `targets` entry for each
 * unmanaged temporary one. The function lists them with its own Adobe credential (an inspect
 * request with `discover`): the operator needs `lambda:InvokeFunction`, never the Adobe secret.
 */
import { SANDBOX_NAME } from '../../core/contract.js';
import { bucketNameProblem } from '../../core/rotation-rules.js';
import { folderPathProblem, normalizeFolderPath } from '../../core/session-policy.js';
import type { ConnectionKind, FoundConnection } from '../../lambda/connection-inventory.js';
import { RUN, type CommandOptions } from '../args.js';
import { deployCommand } from '../deployment.js';
import { openDeployment } from '../context.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import {
  formatClock,
  painterFor,
  printJson,
  Progress,
  renderTable,
  shortIds,
  TABLE_WIDTH,
  wantsJson,
  wrap,
  type Io,
  type Tone,
} from '../output.js';
import { invokeInspect } from '../targets.js';

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
export function targetEntryFor(
  found: Pick<FoundConnection, 'connectionId' | 'sandboxName' | 'bucketName' | 'folderPath'>,
): Record<string, unknown> {
  const folder =
    found.folderPath && !folderPathProblem(found.folderPath) ? normalizeFolderPath(found.folderPath) : undefined;
  if (found.bucketName && !bucketNameProblem(found.bucketName)) {
    return {
      connectionId: found.connectionId,
      sandboxName: found.sandboxName,
      createRole: { bucketName: found.bucketName, ...(folder ? { folderPath: folder } : {}) },
    };
  }
  // No bucket the stack could scope a role to: a role of yours that can read it.
  return {
    connectionId: found.connectionId,
    sandboxName: found.sandboxName,
    roleArn: 'arn:aws:iam::<account>:role/<a role that can read the bucket>',
  };
}

export async function discoverCommand(options: CommandOptions, io: Io): Promise<number> {
  for (const sandbox of options.sandbox ?? []) {
    if (!SANDBOX_NAME.test(sandbox))
      throw new UsageError(
        `--sandbox "${sandbox}" is not a sandbox name: lower-case letters, digits and hyphens (e.g. "prod").`,
      );
  }
  const opened = await openDeployment(options, io);
  const progress = new Progress(io);
  progress.update(`asking ${opened.deployment.functionName} to list the S3 connections…`);
  const answer = await invokeInspect(
    opened.deployment,
    { discover: true, ...(options.sandbox?.length ? { sandboxes: options.sandbox } : {}) },
    opened.aws,
  ).finally(() => progress.done());
  if (answer.adobe)
    throw new CliError(
      `The function could not ask Adobe (${answer.adobe.errorCode}: ${answer.adobe.error}); ` +
        'the rotator uses the same credentials.',
      EXIT.FAILED,
    );
  if (!answer.discovered) {
    throw new CliError(
      `Function ${opened.deployment.functionName} answered without the connections: it was deployed by a version ` +
        `of the rotator from before discover existed; deploy it again: ${deployCommand(options)}`,
      EXIT.FAILED,
    );
  }
  const { sandboxes, connections, problems } = answer.discovered;

  const unmanaged = connections.filter((connection) => connection.kind === 'unmanaged-temporary');
  const targets = unmanaged.map(targetEntryFor);
  const ok = unmanaged.length === 0 && problems.length === 0;
  if (wantsJson(io, options.json)) {
    printJson(io, {
      ok,
      sandboxes,
      connections,
      unmanagedTemporary: unmanaged.length,
      targets,
      ...(problems.length ? { problems } : {}),
    });
    return ok ? EXIT.OK : EXIT.FAILED;
  }

  const paint = painterFor(io, 'stdout');
  const short = shortIds(connections.map((connection) => connection.connectionId));
  const rows = connections.map((connection) => [
    short.get(connection.connectionId),
    connection.name,
    connection.sandboxName,
    KIND_LABEL[connection.kind],
    connection.bucketName
      ? `s3://${connection.bucketName}/${connection.folderPath ? `${normalizeFolderPath(connection.folderPath)}/` : ''}`
      : undefined,
    formatClock(connection.updatedAt, io.now()),
  ]);
  const columns = [
    'ID',
    { header: 'NAME', shrinkTo: 8, first: true },
    'SANDBOX',
    'KIND',
    { header: 'READS', shrinkTo: 12 },
    'UPDATED',
  ];
  if (rows.length > 0) io.stdout.write(`${renderTable(columns, rows, { paint }).text}\n`);
  for (const problem of problems) {
    io.stdout.write(
      `\n${wrap(`${paint('ERROR', 'failure')}: sandbox ${problem.sandboxName}: ${problem.error}`, TABLE_WIDTH, 2)}\n`,
    );
  }
  if (unmanaged.length > 0) {
    io.stdout.write(
      `\n${wrap(
        `${unmanaged.length} connection${unmanaged.length === 1 ? ' holds' : 's hold'} temporary credentials ` +
          'that nothing rotates: each stops ingesting when they expire. Add to "targets" in the configuration ' +
          '(docs/DEPLOY.md, "Configuration"), deploy, then rotate:',
        TABLE_WIDTH,
      )}\n\n`,
    );
    for (const entry of targets) io.stdout.write(`  ${JSON.stringify(entry)},\n`);
    io.stdout.write(`\nThen: \`${deployCommand(options)}\` and \`${RUN} rotate --connection <id>\`.\n`);
  }
  const counts = (['managed', 'unmanaged-temporary', 'unmanaged-permanent', 'role-based'] as const)
    .map((kind) => [kind, connections.filter((connection) => connection.kind === kind).length] as const)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${KIND_LABEL[kind].text.toLowerCase()}`);
  const summary =
    `${ok ? 'OK' : 'NOT OK'}: ${connections.length} S3 connection${connections.length === 1 ? '' : 's'} ` +
    `in ${sandboxes.join(', ')}${counts.length ? ` (${counts.join(', ')})` : ''}.`;
  io.stdout.write(
    `\n${wrap(summary, TABLE_WIDTH).replace(/^(NOT OK|OK)/, (word) => paint(word, ok ? 'ok' : 'failure'))}\n`,
  );
  return ok ? EXIT.OK : EXIT.FAILED;
}
