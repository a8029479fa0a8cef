/**
 * `npm run demo`: one rotation against the local emulators, printed for a person.
 *
 * Starts the emulators, seeds one Adobe org with S3 base connections in two sandboxes (and one
 * IAMRole Based connection, which has nothing to rotate), runs the real Lambda handler with a
 * scheduled event, and shows each connection's old etag → new etag, expiry and outcome. A
 * concurrent edit is injected on one connection so the If-Match/412 recovery is visible.
 * Then it proves the result: each rotated connection's new credentials answer GetCallerIdentity,
 * Adobe listed and read (a file preview) each connection's folder with them, and the dataflows that
 * read two of the connections run once with what those connections now hold.
 *
 * Last, the one long-lived secret rotates too: Secrets Manager's RotateSecret runs the Adobe client
 * secret's rotation function (createSecret, setSecret, testSecret, finishSecret) against Adobe's
 * I/O Management API, and the rotator's next run uses the new secret.
 *
 * `npm run demo -- --verbose` also prints the function's JSON log lines.
 * `npm run demo -- --with-failure` adds what a real org throws at it: a connection in a sandbox
 * where the Adobe credential may read but not write (refused with Adobe's `2118-403`, and the run
 * still succeeds for the others), and a brief Flow Service outage that the one more attempt at the
 * end of the run rides out.
 */
import { pathToFileURL } from 'node:url';
import { RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { flowProblem } from '../emulators/flow-service.js';
import { startWorld, type World, type WorldConnectionSpec } from '../emulators/world.js';

const CONNECTIONS: WorldConnectionSpec[] = [
  {
    sandboxName: 'prod',
    name: 'Orders export',
    method: 'assume-role-chained',
    externalId: 'aep-orders-7f3a',
    objects: ['orders-2026-12-01.csv'],
    flows: 1,
  },
  {
    sandboxName: 'prod',
    name: 'Loyalty events',
    method: 'assume-role-user-keys',
    durationSeconds: 21_600,
    objects: ['events.json'],
  },
  {
    sandboxName: 'prod',
    name: 'Catalog feed',
    method: 'get-session-token',
    durationSeconds: 43_200,
    objects: ['catalog.parquet'],
    flows: 1,
  },
  { sandboxName: 'dev', name: 'Orders export (dev)', method: 'assume-role-chained', objects: ['orders.csv'] },
  // An empty folder: Adobe can list it, and there is no file to prove it can read.
  { sandboxName: 'dev', name: 'Clickstream (dev)', method: 'assume-role-chained', withSessionToken: false },
  { sandboxName: 'dev', name: 'Role-based bucket', specName: 'IAMRole Based' },
];

/** With `--with-failure`: a connection in a sandbox where the rotator may only read. */
const READ_ONLY_CONNECTION: WorldConnectionSpec = {
  sandboxName: 'partner',
  name: 'Partner drop (read-only)',
  method: 'assume-role-chained',
};

const METHOD_LABEL: Record<string, string> = {
  'assume-role-chained': 'AssumeRole (function role)',
  'assume-role-user-keys': 'AssumeRole (IAM-user keys)',
  'get-session-token': 'GetSessionToken',
};

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** What Adobe answered, in one cell: listed and read, listed with nothing to read, or refused. */
function adobeAnswer(
  result: { status: string; adobeVerified?: boolean; adobeCanRead?: boolean; adobeReadUnproven?: string } | undefined,
): string {
  if (!result || (result.status !== 'rotated' && result.status !== 'failed')) return '-';
  if (!result.adobeVerified) return 'NO';
  if (result.adobeCanRead === false) return 'lists, cannot READ';
  return result.adobeCanRead ? 'lists, reads' : 'lists (no file)';
}

const shortEtag = (etag: string | undefined) => (etag ? etag.replaceAll('"', '').slice(0, 8) : '-');

/** What a demo run gives back: its exit code and every secret it used (for the leak test). */
export interface DemoOutcome {
  readonly exitCode: number;
  readonly secrets: string[];
}

/**
 * Run the demo, printing with console.log; `verbose` lets the function's logs and metrics through,
 * `withFailure` adds a connection Adobe refuses to let the rotator write, and a brief outage.
 */
export async function runDemo({
  verbose = false,
  withFailure = false,
}: {
  verbose?: boolean;
  withFailure?: boolean;
} = {}): Promise<DemoOutcome> {
  const started = Date.now();
  const connections = withFailure ? [...CONNECTIONS, READ_ONLY_CONNECTION] : CONNECTIONS;
  const world = await startWorld({ connections });
  const restore = world.applyEnv({
    POWERTOOLS_LOG_LEVEL: verbose ? 'INFO' : 'SILENT',
    POWERTOOLS_METRICS_DISABLED: verbose ? 'false' : 'true',
  });
  try {
    // Another writer edits "Loyalty events" between our GET and PATCH: watch the 412 recovery.
    world.emulators.flowService.concurrentEditBeforePatch(world.connectionIds[1]!, 1);
    if (withFailure) {
      // The Developer Console credential's product profile grants only "View Sources" in sandbox partner.
      world.emulators.flowService.setSourcesPermission(world.adobe.clientId, READ_ONLY_CONNECTION.sandboxName, 'view');
      // "Catalog feed": every PATCH of its first attempt meets 503 (got's three retries, each after
      // Flow Service's Retry-After of 0 s), then Flow Service is back.
      world.emulators.flowService.injectFault({
        match: { method: 'PATCH', path: `/connections/${world.connectionIds[2]}` },
        kind: 'respond',
        status: 503,
        headers: { 'retry-after': '0' },
        body: flowProblem(503, '1103-503', 'The service is temporarily unavailable. Please try again.'),
        times: 4,
      });
    }
    const before = new Map(world.connectionIds.map((id) => [id, world.connection(id)]));

    // Imported after the environment is set: Powertools reads it when the module loads.
    const { createHandler } = await import('../lambda/handler.js');
    // A fresh "container" for this world (its targets and endpoints), as Lambda would start one.
    const handler = createHandler();
    console.log(
      `Emulators up (IMS ${world.emulators.ims.url}, Flow Service ${world.emulators.flowService.url}, ` +
        `STS ${world.emulators.sts.url}, Secrets Manager ${world.emulators.secretsManager.url})`,
    );
    const sandboxes = [...new Set(connections.map((connection) => connection.sandboxName))];
    console.log(
      `Rotating ${connections.length} connections in sandboxes ${sandboxes.join(', ')} with a scheduled event...\n`,
    );

    let summary: Awaited<ReturnType<typeof handler>> | undefined;
    let failure: Error | undefined;
    try {
      summary = await handler({ version: '0', source: 'aws.scheduler', 'detail-type': 'Scheduled Event', detail: {} });
    } catch (error) {
      failure = error as Error;
    }

    const rows = [
      [
        'connection',
        'sandbox',
        'name',
        'minted with',
        'etag before → after',
        'expires (UTC)',
        'Adobe lists / reads',
        'outcome',
      ],
    ];
    const results = summary?.results ?? [];
    world.connectionIds.forEach((id, index) => {
      const result = results.find((entry) => entry.connectionId === id);
      const spec = connections[index]!;
      const notes = [
        result?.etagConflicts ? `after ${result.etagConflicts} etag conflict` : '',
        (result?.attempts ?? 1) > 1 ? `on attempt ${result!.attempts}` : '',
      ].filter(Boolean);
      const outcome =
        result?.status === 'rotated'
          ? `rotated${notes.length ? ` (${notes.join(', ')})` : ''}`
          : result?.status === 'failed'
            ? `FAILED (${result.errorCode})`
            : `${result?.status ?? 'failed'}: ${result?.error ?? failure?.message ?? ''}`;
      rows.push([
        id.slice(0, 8),
        spec.sandboxName,
        spec.name ?? '',
        spec.specName === 'IAMRole Based' ? '-' : METHOD_LABEL[spec.method ?? 'assume-role-chained']!,
        result?.etag
          ? `${shortEtag(before.get(id)!.etag)} → ${shortEtag(result.etag)}`
          : shortEtag(before.get(id)!.etag),
        result?.expiresAt ? result.expiresAt.slice(0, 19).replace('T', ' ') : '-',
        adobeAnswer(result),
        outcome,
      ]);
    });
    console.log(table(rows));
    const failed = results.filter((entry) => entry.status === 'failed');
    for (const entry of failed) {
      console.log(
        `\nFAILED ${entry.connectionId} (sandbox ${entry.sandboxName}), Adobe code ${entry.errorCode}:\n  ` +
          `${entry.error}`,
      );
      console.log(
        '  It keeps the credentials it had; the others rotated, so the scheduled run resolves (no Lambda retry of ' +
          'the whole event).',
      );
    }

    // Proof: the credentials now stored in each rotated connection work, and are new.
    let proven = 0;
    for (const result of results.filter((entry) => entry.status === 'rotated')) {
      const isNew =
        world.connection(result.connectionId).params.s3AccessKey !==
        before.get(result.connectionId)!.params.s3AccessKey;
      if (isNew && (await world.callerIdentityOf(result.connectionId))) proven += 1;
    }
    const rotated = results.filter((entry) => entry.status === 'rotated').length;
    const verified = results.filter((entry) => entry.status === 'rotated' && entry.adobeVerified).length;
    const read = results.filter((entry) => entry.status === 'rotated' && entry.adobeCanRead).length;
    console.log(
      `\n${rotated} rotated, ${summary?.failed ?? '?'} failed, ${summary?.skipped ?? '?'} ` +
        `skipped in ${Date.now() - started} ms.`,
    );
    console.log(
      `${proven} of ${rotated} connections hold new credentials that STS GetCallerIdentity accepts; ` +
        'each PATCH sent If-Match with the etag its GET returned.',
    );
    console.log(
      `${verified} of ${rotated} were then explored by Flow Service with their new credentials: ` +
        `Adobe itself listed their folders (adobeCanList), and read a file in ${read} of them (adobeCanRead: ` +
        'a preview, S3 GetObject); the others listed no file to read.',
    );
    // Adobe's dataflows ingest on their own schedule: each runs now, with what its connection holds.
    const runs = world.flowIds.flatMap((flowIds) =>
      flowIds.map((flowId) => world.emulators.flowService.runFlow(flowId)),
    );
    const ingested = runs.filter((run) => run.status === 'success').length;
    console.log(
      `${ingested} of ${runs.length} dataflow runs ingested with the new credentials; the rotator's next run ` +
        'reads them (base connection → source connections → flows → runs) and counts any that failed in ' +
        'DataflowRunFailed.',
    );
    if (failure) console.log(`\nThe invocation failed: ${failure.message}`);
    // Expected: every access-key connection rotated, but the read-only one with --with-failure.
    const expectedRotated = CONNECTIONS.length - 1;
    const expectedFailed = withFailure ? 1 : 0;
    const asExpected =
      !failure &&
      proven === rotated &&
      verified === rotated &&
      read === rotated - 1 &&
      ingested === runs.length &&
      rotated === expectedRotated &&
      failed.length === expectedFailed;

    const secretRotated = await showAdobeSecretRotation(world);
    // The same warm container: its IMS token was issued with the deleted secret, so it asks again with the new one.
    const after = await handler({
      version: '0',
      source: 'aws.scheduler',
      'detail-type': 'Scheduled Event',
      detail: {},
    }).catch(() => undefined);
    console.log(
      `The rotator's next run, in the same container: ${after?.rotated ?? 0} rotated, with an IMS token issued for ` +
        'the new client secret.',
    );
    const rotatorKeptWorking = after?.rotated === expectedRotated;
    return { exitCode: asExpected && secretRotated && rotatorKeptWorking ? 0 : 1, secrets: world.secretValues() };
  } finally {
    restore();
    await world.close();
  }
}

/**
 * Rotate the Adobe client secret as Secrets Manager would on its schedule, and print each step and
 * what Adobe holds before and after. Resolves whether the rotation succeeded.
 */
async function showAdobeSecretRotation(world: World): Promise<boolean> {
  const { ims, secretsManager, sts } = world.emulators;
  const short = (uuid: string | undefined) => (uuid ? uuid.slice(0, 8) : '-');
  const before = ims.clientSecrets(world.adobe.clientId);
  console.log(
    '\nRotating the Adobe client secret: Secrets Manager RotateSecret → the rotation function → Adobe I/O ' +
      'Management API...',
  );
  console.log(
    `Adobe holds ${before.length} client secret (${before.map((secret) => short(secret.uuid)).join(', ')}), ` +
      'the one AWSCURRENT holds.',
  );
  const operator = sts.issueRoleSession('arn:aws:iam::123456789012:role/aep-ops', 'demo', 3600);
  const client = new SecretsManagerClient({
    endpoint: secretsManager.url,
    region: world.emulators.endpointEnv.AWS_REGION,
    credentials: {
      accessKeyId: operator.accessKeyId,
      secretAccessKey: operator.secretAccessKey,
      sessionToken: operator.sessionToken!,
    },
  });
  try {
    const { VersionId } = await client.send(new RotateSecretCommand({ SecretId: world.adobe.secretId }));
    await secretsManager.rotationsSettled();
    const rotation = secretsManager.rotations.find((entry) => entry.token === VersionId)!;
    const held = ims.clientSecrets(world.adobe.clientId);
    const current = JSON.parse(secretsManager.currentValue(world.adobe.secretId)!) as { clientSecretUuid?: string };
    const said: Record<string, string> = {
      createSecret: `added ${short(held.at(-1)?.uuid)} at Adobe, stored as AWSPENDING of version ${short(VersionId)}`,
      setSecret: 'nothing to set: Adobe already holds both',
      testSecret: "IMS issued a token for the new secret with the rotator's scopes",
      finishSecret:
        `AWSCURRENT moved to version ${short(VersionId)}; deleted ` +
        `${before.map((secret) => short(secret.uuid)).join(', ')} at Adobe`,
    };
    for (const step of rotation.steps)
      console.log(
        `  ${step.step.padEnd(12)} ${step.ok ? 'ok    ' : 'FAILED'} ${step.ok ? said[step.step] : step.error}`,
      );
    const oldRefused = !held.some((secret) => before.some((old) => old.uuid === secret.uuid));
    console.log(
      `Adobe now holds ${held.length} client secret (${held.map((secret) => short(secret.uuid)).join(', ')}), ` +
        `the one AWSCURRENT holds (clientSecretUuid ${short(current.clientSecretUuid)}); ` +
        `${oldRefused ? 'the old one is gone, and IMS refuses it' : 'the old one is STILL THERE'}.`,
    );
    return (
      rotation.outcome === 'succeeded' && held.length === 1 && held[0]!.uuid === current.clientSecretUuid && oldRefused
    );
  } finally {
    client.destroy();
  }
}

// `tsx scripts/demo.ts` (npm run demo) runs it; the leak test imports runDemo instead.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runDemo({ verbose: process.argv.includes('--verbose'), withFailure: process.argv.includes('--with-failure') }).then(
    (outcome) => {
      process.exitCode = outcome.exitCode;
    },
    (error: unknown) => {
      console.error(`demo failed: ${(error as Error).message}`);
      process.exitCode = 1;
    },
  );
}
