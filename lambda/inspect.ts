/**
 * The read-only request `{"inspect": true, "connectionIds"?, "probe"?, "targetsOnly"?}`: Adobe's own
 * view of each connection (its state, auth, etag and who updated it last, what it reads and whether
 * the target's bucket and folder contain it, the dataflows reading it and their last run), and with
 * `probe` whether Adobe can list and read what the connection reads with the credentials it holds
 * now, as the function checks it after each PATCH (lambda/adobe-verification.ts). Nothing is minted
 * or patched, nothing is written to the ledger or counted in the metrics, and no credential value
 * is in the answer: only the names of `auth.params`.
 *
 * It answers whatever fails on Adobe's side: a connection Flow Service does not show carries
 * Adobe's code and words, and when the Adobe secret or IMS fails, every connection carries that
 * (and `adobe` says it once), so the operator CLI's `status` always has a row per connection. It
 * exists so that an operator needs `lambda:InvokeFunction`, never the Adobe client secret.
 */
import pLimit from 'p-limit';
import type { AdobeConsoleClient } from './adobe-console-client.js';
import { describeAdobeClientSecrets, type AdobeClientSecretsReport } from './adobe-client-secrets.js';
import type { Composition } from './composition.js';
import { discoverConnections, type Discovery } from './discover.js';
import { describeFailure } from './errors.js';
import { failureOf, inspectOne, targetFacts, type InspectedConnection } from './inspect-connection.js';
import type { RememberedConnection } from './ledger.js';
import type { InspectRequest } from './request.js';
import { readMemory } from './run-checks.js';
import { selectTargets } from './run-rotation.js';
import type { RotationSession } from './session.js';

/** Codes that mean Adobe could not be asked at all (the Adobe secret, IMS), not that a connection is wrong. */
const UNASKABLE = /^(?:IMS_AUTH_FAILED|IMS_UNAVAILABLE|SECRET_INVALID|SECRET_UNAVAILABLE)$/;

/** What Adobe holds for the rotator's credential (lambda/adobe-client-secrets.ts), or why that is unknown. */
export type AdobeClientSecretsView =
  | AdobeClientSecretsReport
  | { readonly unavailable: { readonly code: string; readonly message: string } };

/** What an inspect request resolves with. */
export interface InspectResult {
  readonly inspected: readonly InspectedConnection[];
  /** ISO 8601: when the function answered. */
  readonly checkedAt: string;
  readonly probe: boolean;
  /** Only the configured targets: nothing was asked of Adobe. */
  readonly targetsOnly?: true;
  /** Adobe could not be asked at all (the Adobe secret or IMS failed): every connection carries the same. */
  readonly adobe?: { readonly errorCode: string; readonly error: string };
  /** The Adobe credential's client secrets: how many Adobe holds, which one the secret holds. */
  readonly adobeClientSecrets?: AdobeClientSecretsView;
  /**
   * The requested ids that are not targets, when the request asked for them to be reported
   * (`"unknownConnections": "report"`).
   */
  readonly unknownConnectionIds?: readonly string[];
  /** `discover`: every S3 connection in the sandboxes asked for (`inspected` is then the targets as configured). */
  readonly discovered?: Discovery;
}

/** Whether a value the function answered is an inspect result (for callers that get JSON). */
export function isInspectResult(value: unknown): value is InspectResult {
  const inspected = (value as { inspected?: unknown } | undefined)?.inspected;
  return (
    Array.isArray(inspected) &&
    inspected.every((entry) => typeof entry?.connectionId === 'string' && typeof entry?.sandboxName === 'string')
  );
}

/** Adobe's client secrets of the credential, or why they are unknown. Never throws. */
async function clientSecretsOf(
  session: RotationSession,
  {
    config,
    console,
    policy,
  }: { config: Composition['config']; console: AdobeConsoleClient; policy: Composition['policy'] },
): Promise<AdobeClientSecretsView> {
  try {
    return await describeAdobeClientSecrets(await session.secrets.adobeCredentials(), {
      console,
      imsUrl: config.imsUrl,
      policy,
    });
  } catch (error) {
    const { code, message } = describeFailure(error);
    return { unavailable: { code, message: session.redactor.redact(message) } };
  }
}

/**
 * Answer an inspect request: every target it names (or every target), in the configuration's
 * order. An id that is not a target rejects the request, as for a rotation (or, asked to report
 * them, answers with them and nothing else).
 */
export async function runInspect(
  request: InspectRequest,
  composition: Pick<Composition, 'config' | 'flowService' | 'console' | 'policy'>,
  session: RotationSession,
  now: () => number = Date.now,
): Promise<InspectResult> {
  const { config } = composition;
  const { targets, unknown } = selectTargets(config.targets, request);
  if (unknown.length > 0) {
    // Reported, not rejected (the caller asked): nothing was asked of Adobe.
    return {
      inspected: [],
      checkedAt: new Date(now()).toISOString(),
      probe: request.probe,
      unknownConnectionIds: unknown,
    };
  }
  session.log.info('inspect started', {
    requested: request.connectionIds?.length ?? 'all',
    probe: request.probe,
    targetsOnly: request.targetsOnly,
  });
  if (request.targetsOnly) {
    return {
      inspected: targets.map(targetFacts),
      checkedAt: new Date(now()).toISOString(),
      probe: false,
      targetsOnly: true,
    };
  }
  // Read first: without the Adobe secret nothing can be asked, and every connection says why.
  let rotatorClientId: string | undefined;
  let adobe: InspectResult['adobe'];
  try {
    rotatorClientId = (await session.secrets.adobeCredentials()).clientId;
    await session.adobe.getToken(session.deadline.signal);
  } catch (error) {
    const failure = failureOf(error, session);
    adobe = { errorCode: failure.errorCode, error: failure.error };
  }
  if (request.discover) {
    const discovered = adobe
      ? { sandboxes: request.discover, connections: [], problems: [] }
      : await discoverConnections(targets, request.discover, composition, session);
    session.log.info('discover finished', {
      sandboxes: discovered.sandboxes.length,
      connections: discovered.connections.length,
      problems: discovered.problems.length,
    });
    return {
      inspected: targets.map(targetFacts),
      checkedAt: new Date(now()).toISOString(),
      probe: false,
      targetsOnly: true,
      ...(adobe ? { adobe } : {}),
      discovered,
    };
  }
  const limit = pLimit(config.concurrency);
  const unaskable = adobe;
  // The explore form Adobe accepted last time, for each connection: the probe asks in it first.
  const memory = unaskable ? new Map<string, RememberedConnection>() : await readMemory(targets, session);
  const [inspected, adobeClientSecrets] = await Promise.all([
    unaskable
      ? Promise.resolve(
          targets.map((target) => ({ ...targetFacts(target), errorCode: unaskable.errorCode, error: unaskable.error })),
        )
      : Promise.all(
          targets.map((target) =>
            limit(() =>
              inspectOne(target, composition, session, {
                probe: request.probe,
                rotatorClientId,
                remembered: memory.get(target.connectionId),
              }),
            ),
          ),
        ),
    unaskable ? Promise.resolve(undefined) : clientSecretsOf(session, composition),
  ]);
  // Every connection refused for the same reason Adobe could not be asked at all (a token revoked and refused again):
  // say it once.
  const [first] = inspected;
  if (
    !adobe &&
    first?.errorCode &&
    UNASKABLE.test(first.errorCode) &&
    inspected.every((entry) => entry.errorCode === first.errorCode)
  ) {
    adobe = { errorCode: first.errorCode, error: first.error ?? '' };
  }
  const result: InspectResult = {
    inspected,
    checkedAt: new Date(now()).toISOString(),
    probe: request.probe,
    ...(adobe ? { adobe } : {}),
    ...(adobeClientSecrets ? { adobeClientSecrets } : {}),
  };
  session.log.info('inspect finished', {
    connections: inspected.length,
    unreadable: inspected.filter((entry) => entry.errorCode).length,
    ...(request.probe ? { adobeRefused: inspected.filter((entry) => entry.adobeVerified === false).length } : {}),
  });
  return result;
}
