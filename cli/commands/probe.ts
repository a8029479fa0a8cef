/**
 * `probe --record <file> --connection <id>`: record what Flow Service really answers, against a real
 * org, with the rotator's Adobe credential: the connection's GET, explore (its root, a folder, a
 * file preview), one page of the org's S3 connections, and one deliberate error (an unknown
 * connection id). Secrets and tokens are redacted and ids hashed (cli/probe-recording.ts); the
 * suite replays every recording in `test/contract/` (CONTRIBUTING.md says how to add one).
 *
 * The requests are made with got directly, not through the rotator's client, so that the file holds
 * Adobe's answers as they came, including the error's.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import got from 'got';
import { CONNECTION_ID, SANDBOX_NAME } from '../../core/contract.js';
import { declaredScope } from '../../lambda/connection-scope.js';
import { firstPreviewable, listingQuery } from '../../lambda/explore-paths.js';
import type { ExploreEntry } from '../../lambda/flow-service-client.js';
import { S3_CONNECTION_SPEC_ID } from '../../lambda/rotate-connection.js';
import { connectionIdsOf, type CommandOptions } from '../args.js';
import { resolveConnectionIds } from '../connection-ids.js';
import { openAdobeSession } from '../adobe-session.js';
import { EnvironmentError, EXIT, UsageError } from '../errors.js';
import { printJson, Progress, wantsJson, type Io } from '../output.js';
import { sanitize, type ExchangeName, type RecordedExchange, type Recording } from '../probe-recording.js';

/** A connection id no org has: the deliberate error. */
export const UNKNOWN_CONNECTION_ID = '00000000-0000-4000-8000-000000000000';

/** A preview's values are the customer's data: only the shape is kept. */
function scrubValues(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrubValues);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, scrubValues(child)]));
  if (typeof value === 'string') return '<data>';
  return typeof value === 'number' ? 0 : value;
}

export async function probeCommand(options: CommandOptions, io: Io): Promise<number> {
  const [given, ...more] = options.connection ?? [];
  if (!given || more.length > 0)
    throw new UsageError('probe records one connection: give exactly one --connection <id>.');
  if (!options.record) throw new UsageError('probe needs --record <file>: where to write the recording.');
  // A whole id may name any connection; the start of one, a target's.
  const whole = CONNECTION_ID.test(given);
  if (whole) connectionIdsOf(options);
  const session = await openAdobeSession(options, io.cwd, 'probe');
  const connectionId: string = whole
    ? given
    : resolveConnectionIds(
        [given],
        session.config.targets.map((target) => target.connectionId),
        'the configuration (give the whole id of a connection that is not a target)',
      )![0]!;
  const target = session.config.targets.find(
    (candidate) => candidate.connectionId.toLowerCase() === connectionId.toLowerCase(),
  );
  const sandboxName = options.sandbox?.[0] ?? target?.sandboxName;
  if (!sandboxName)
    throw new UsageError(`${connectionId} is not a configured target: give its sandbox with --sandbox <name>.`);
  if (!SANDBOX_NAME.test(sandboxName))
    throw new UsageError(`--sandbox "${sandboxName}" is not a sandbox name: lower-case letters, digits and hyphens.`);

  const token = await session.tokens.getToken();
  const { clientId, orgId, clientSecret } = session.credentials;
  const http = got.extend({
    prefixUrl: session.config.flowServiceUrl,
    headers: {
      authorization: `Bearer ${token}`,
      'x-api-key': clientId,
      'x-gw-ims-org-id': orgId,
      'x-sandbox-name': sandboxName,
    },
    throwHttpErrors: false,
    retry: { limit: 2 },
    timeout: { request: 30_000 },
  });
  const exchanges: RecordedExchange[] = [];
  const progress = new Progress(io);
  const ask = async (
    name: ExchangeName,
    path: string,
    query: Record<string, string> = {},
  ): Promise<RecordedExchange> => {
    progress.update(`recording ${name}…`);
    let response: { statusCode: number; headers: Record<string, string | string[] | undefined>; body: string };
    try {
      response = await http.get(path.replace(/^\//, ''), { searchParams: query, responseType: 'text' });
    } catch (error) {
      throw new EnvironmentError(
        `Flow Service could not be reached at ${session.config.flowServiceUrl} (${(error as Error).name}): ` +
          'nothing was recorded.',
      );
    }
    let body: unknown = response.body;
    try {
      body = JSON.parse(response.body);
    } catch {
      // Not JSON (a proxy's HTML page): kept as text.
    }
    const exchange: RecordedExchange = {
      name,
      request: { method: 'GET', path, query, sandboxName },
      response: {
        status: response.statusCode,
        ...(response.headers['content-type'] ? { contentType: String(response.headers['content-type']) } : {}),
        body: name === 'explore-file' && response.statusCode === 200 ? scrubValues(body) : body,
      },
    };
    exchanges.push(exchange);
    return exchange;
  };

  const connectionPath = `/connections/${encodeURIComponent(connectionId)}`;
  const got1 = await ask('get-connection', connectionPath);
  const item = (got1.response.body as { items?: Array<{ auth?: { params?: Record<string, unknown> } }> })?.items?.[0];
  if (got1.response.status === 200 && item) {
    const root = await ask('explore-root', `${connectionPath}/explore`, { objectType: 'root' });
    const rootEntries = Array.isArray(root.response.body) ? (root.response.body as ExploreEntry[]) : [];
    // The folder the connection declares, as the rotator asks for it; else the first folder the root shows.
    const declared = declaredScope(item);
    const listing = declared ? listingQuery(declared, 'absolute') : undefined;
    const object =
      listing?.objectType === 'folder'
        ? listing.object
        : rootEntries.find((entry) => entry.type?.toLowerCase() === 'folder' && entry.path)?.path;
    let folderEntries: ExploreEntry[] = [];
    if (object) {
      const folder = await ask('explore-folder', `${connectionPath}/explore`, { objectType: 'folder', object });
      folderEntries = Array.isArray(folder.response.body) ? (folder.response.body as ExploreEntry[]) : [];
    }
    const preview = firstPreviewable(folderEntries) ?? firstPreviewable(rootEntries);
    if (preview) await ask('explore-file', `${connectionPath}/explore`, { ...preview });
  }
  await ask('list-connections', '/connections', {
    property: `connectionSpec.id==${S3_CONNECTION_SPEC_ID}`,
    limit: '1',
  });
  await ask('error-unknown-connection', `/connections/${UNKNOWN_CONNECTION_ID}`);
  progress.done();

  const recording: Recording = sanitize(
    {
      source: 'probe',
      description:
        "Flow Service's answers for one S3 base connection, recorded by `aep-s3-rotator probe` (secrets and tokens " +
        'redacted, ids hashed).',
      recordedAt: new Date(io.now()).toISOString(),
      exchanges,
    },
    [clientSecret, token],
  );
  const file = resolve(io.cwd, options.record);
  writeFileSync(file, `${JSON.stringify(recording, null, 2)}\n`);
  const ok = got1.response.status === 200;
  const summary = exchanges.map((exchange) => ({ name: exchange.name, status: exchange.response.status }));
  if (wantsJson(io, options.json)) {
    printJson(io, { ok, file, exchanges: summary });
  } else {
    for (const { name, status } of summary) io.stdout.write(`${name.padEnd(26)} HTTP ${status}\n`);
    const missing = ['explore-root', 'explore-folder', 'explore-file'].filter(
      (name) => !summary.some((exchange) => exchange.name === name),
    );
    if (missing.length > 0)
      io.stdout.write(`not recorded: ${missing.join(', ')} (the connection showed nothing to explore there)\n`);
    io.stdout.write(
      `\nWrote ${file}. Secrets and tokens are redacted and ids hashed; bucket, folder and file names are kept: ` +
        'review them before sharing (CONTRIBUTING.md, "Recordings of Flow Service").\n',
    );
  }
  return ok ? EXIT.OK : EXIT.FAILED;
}
