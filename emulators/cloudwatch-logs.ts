/**
 * Amazon CloudWatch Logs emulator, for the one call the operator CLI makes: `FilterLogEvents`
 * (`rotate-adobe-secret` reads the rotation function's step lines), over the JSON 1.1 protocol
 * (`POST /`, `X-Amz-Target: Logs_20140328.FilterLogEvents`), SigV4-checked (signing name `logs`)
 * against the keys the STS emulator issued. The stand-in of a deployed stack writes each Lambda
 * invocation's log into it, as Lambda writes to the function's log group.
 *
 * Filter patterns: empty (every event) or terms, each either a bare word or a quoted phrase, all of
 * which an event must contain (CloudWatch's term matching, case-sensitive); the JSON and metric
 * patterns are not emulated and are refused with `InvalidParameterException`.
 *
 * API reference: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html
 */
import { randomUUID } from 'node:crypto';
import { startJsonEmulator } from './json-protocol.js';
import type { Emulator, SignedServiceOptions } from './types.js';

/** FilterLogEvents returns at most 10,000 events per call (and 1 MB). */
const MAX_LIMIT = 10_000;

interface StoredEvent {
  readonly logStreamName: string;
  readonly timestamp: number;
  readonly ingestionTime: number;
  readonly message: string;
  readonly eventId: string;
}

export interface CloudWatchLogsEmulator extends Emulator {
  /** Create a log group (as the stack does); a group that exists is kept. */
  createLogGroup(name: string): void;
  /** Append one event per line to a stream of the group (created if needed). */
  putLogEvents(groupName: string, streamName: string, lines: readonly string[], timestamp?: number): void;
}

/** The terms of a pattern, or undefined when it is not a term pattern. */
function termsOf(pattern: string): string[] | undefined {
  const trimmed = pattern.trim();
  if (trimmed === '') return [];
  if (/^[{[]/.test(trimmed)) return undefined;
  const terms = [...trimmed.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map(([, quoted, bare]) => quoted ?? bare!);
  return terms.some((term) => /^[?-]/.test(term)) ? undefined : terms;
}

/**
 * Start a CloudWatch Logs emulator on 127.0.0.1 accepting requests signed with credentials
 * `options.sts` knows.
 *
 * @param options.region - the signature scope's region. @default 'us-east-1'
 */
export async function startCloudWatchLogsEmulator(options: SignedServiceOptions): Promise<CloudWatchLogsEmulator> {
  const region = options.region ?? 'us-east-1';
  const groups = new Map<string, StoredEvent[]>();

  const server = await startJsonEmulator(
    {
      service: 'logs',
      targetPrefix: 'Logs_20140328.',
      actions: ['FilterLogEvents'],
      sts: options.sts,
      region,
      port: options.port,
    },
    ({ input: body, ok, error }) => {
      const input = body as {
        logGroupName?: unknown;
        startTime?: unknown;
        endTime?: unknown;
        filterPattern?: unknown;
        nextToken?: unknown;
        limit?: unknown;
      };
      if (typeof input.logGroupName !== 'string' || input.logGroupName === '') {
        return error('InvalidParameterException', 'Either logGroupName or logGroupIdentifier must be specified.');
      }
      const events = groups.get(input.logGroupName);
      if (!events) return error('ResourceNotFoundException', 'The specified log group does not exist.');
      const terms = termsOf(typeof input.filterPattern === 'string' ? input.filterPattern : '');
      if (!terms) return error('InvalidParameterException', 'Invalid filter pattern');
      const limit = typeof input.limit === 'number' ? input.limit : MAX_LIMIT;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
        return error('InvalidParameterException', `limit must be from 1 to ${MAX_LIMIT}`);
      const from = typeof input.nextToken === 'string' ? Number(input.nextToken) : 0;
      if (!Number.isInteger(from) || from < 0)
        return error('InvalidParameterException', 'The specified nextToken is invalid.');
      const matching = events.filter(
        (event) =>
          (typeof input.startTime !== 'number' || event.timestamp >= input.startTime) &&
          (typeof input.endTime !== 'number' || event.timestamp <= input.endTime) &&
          terms.every((term) => event.message.includes(term)),
      );
      const page = matching.slice(from, from + limit);
      return ok({
        events: page,
        searchedLogStreams: [],
        ...(from + limit < matching.length ? { nextToken: String(from + limit) } : {}),
      });
    },
  );
  return {
    ...server,
    createLogGroup(name) {
      if (!groups.has(name)) groups.set(name, []);
    },
    putLogEvents(groupName, streamName, lines, timestamp = Date.now()) {
      const events = groups.get(groupName) ?? [];
      groups.set(groupName, events);
      for (const message of lines)
        events.push({
          logStreamName: streamName,
          timestamp,
          ingestionTime: Date.now(),
          message,
          eventId: randomUUID(),
        });
    },
  };
}
