/**
 * `npm run demo`: one rotation against the local emulators, printed for a person.
 *
 * Starts the emulators, seeds one Adobe org with S3 base connections in two sandboxes (and one
 * IAMRole Based connection, which has nothing to rotate), runs the real Lambda handler with a
 * scheduled event, and shows each connection's old etag → new etag, expiry and outcome. A
 * concurrent edit is injected on one connection so the If-Match/412 recovery is visible.
 * Then it proves the result: each rotated connection's new credentials answer GetCallerIdentity.
 *
 * `npm run demo -- --verbose` also prints the function's JSON log lines.
 */
import { startWorld, type WorldConnectionSpec } from '../emulators/world.js';

import { pathToFileURL } from 'node:url';

const CONNECTIONS: WorldConnectionSpec[] = [
  { sandboxName: 'prod', name: 'Orders export', method: 'assume-role-chained', externalId: 'aep-orders-7f3a' },
  { sandboxName: 'prod', name: 'Loyalty events', method: 'assume-role-user-keys', durationSeconds: 21_600 },
  { sandboxName: 'prod', name: 'Catalog feed', method: 'get-session-token', durationSeconds: 43_200 },
  { sandboxName: 'dev', name: 'Orders export (dev)', method: 'assume-role-chained' },
  { sandboxName: 'dev', name: 'Clickstream (dev)', method: 'assume-role-chained', withSessionToken: false },
  { sandboxName: 'dev', name: 'Role-based bucket', specName: 'IAMRole Based' },
];

const METHOD_LABEL: Record<string, string> = {
  'assume-role-chained': 'AssumeRole (function role)',
  'assume-role-user-keys': 'AssumeRole (IAM-user keys)',
  'get-session-token': 'GetSessionToken',
};

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

const shortEtag = (etag: string | undefined) => (etag ? etag.replaceAll('"', '').slice(0, 8) : '-');

/** What a demo run gives back: its exit code and every secret it used (for the leak test). */
export interface DemoOutcome {
  readonly exitCode: number;
  readonly secrets: string[];
}

/** Run the demo, printing with console.log; `verbose` lets the function's logs and metrics through. */
export async function runDemo({ verbose = false }: { verbose?: boolean } = {}): Promise<DemoOutcome> {
  const started = Date.now();
  const world = await startWorld({ connections: CONNECTIONS });
  const restore = world.applyEnv({
    POWERTOOLS_LOG_LEVEL: verbose ? 'INFO' : 'SILENT',
    POWERTOOLS_METRICS_DISABLED: verbose ? 'false' : 'true',
  });
  try {
    // Another writer edits "Loyalty events" between our GET and PATCH: watch the 412 recovery.
    world.emulators.flowService.concurrentEditBeforePatch(world.connectionIds[1]!, 1);
    const before = new Map(world.connectionIds.map((id) => [id, world.connection(id)]));

    // Imported after the environment is set: Powertools reads it when the module loads.
    const { handler } = await import('../lambda/handler.js');
    console.log(`Emulators up (IMS ${world.emulators.ims.url}, Flow Service ${world.emulators.flowService.url}, STS ${world.emulators.sts.url}, Secrets Manager ${world.emulators.secretsManager.url})`);
    console.log(`Rotating ${CONNECTIONS.length} connections in sandboxes prod and dev with a scheduled event...\n`);

    let summary;
    let failure: Error | undefined;
    try {
      summary = await handler({ version: '0', source: 'aws.scheduler', 'detail-type': 'Scheduled Event', detail: {} });
    } catch (error) {
      failure = error as Error;
    }

    const rows = [['connection', 'sandbox', 'name', 'minted with', 'etag before → after', 'expires (UTC)', 'outcome']];
    const results = summary?.results ?? [];
    world.connectionIds.forEach((id, index) => {
      const result = results.find((entry) => entry.connectionId === id);
      const spec = CONNECTIONS[index]!;
      const outcome =
        result?.status === 'rotated'
          ? `rotated${result.etagConflicts ? ` (after ${result.etagConflicts} etag conflict)` : ''}`
          : `${result?.status ?? 'failed'}: ${result?.error ?? failure?.message ?? ''}`;
      rows.push([
        id.slice(0, 8),
        spec.sandboxName,
        spec.name ?? '',
        spec.specName === 'IAMRole Based' ? '-' : METHOD_LABEL[spec.method ?? 'assume-role-chained']!,
        result?.etag ? `${shortEtag(before.get(id)!.etag)} → ${shortEtag(result.etag)}` : shortEtag(before.get(id)!.etag),
        result?.expiresAt ? result.expiresAt.slice(0, 19).replace('T', ' ') : '-',
        outcome,
      ]);
    });
    console.log(table(rows));

    // Proof: the credentials now stored in each rotated connection work, and are new.
    let proven = 0;
    for (const result of results.filter((entry) => entry.status === 'rotated')) {
      const isNew = world.connection(result.connectionId).params.s3AccessKey !== before.get(result.connectionId)!.params.s3AccessKey;
      if (isNew && (await world.callerIdentityOf(result.connectionId))) proven += 1;
    }
    const rotated = results.filter((entry) => entry.status === 'rotated').length;
    console.log(`\n${rotated} rotated, ${summary?.failed ?? '?'} failed, ${summary?.skipped ?? '?'} skipped in ${Date.now() - started} ms.`);
    console.log(`${proven} of ${rotated} connections hold new credentials that STS GetCallerIdentity accepts; each PATCH sent If-Match with the etag its GET returned.`);
    if (failure) console.log(`\nThe invocation failed: ${failure.message}`);
    return { exitCode: failure || proven !== rotated || rotated !== CONNECTIONS.length - 1 ? 1 : 0, secrets: world.secretValues() };
  } finally {
    restore();
    await world.close();
  }
}

// `tsx scripts/demo.ts` (npm run demo) runs it; the leak test imports runDemo instead.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runDemo({ verbose: process.argv.includes('--verbose') }).then(
    (outcome) => {
      process.exitCode = outcome.exitCode;
    },
    (error: unknown) => {
      console.error(`demo failed: ${(error as Error).message}`);
      process.exitCode = 1;
    },
  );
}
