/**
 * One invocation's state, in one object: it begins in {@link openSession} and ends in
 * {@link RotationSession.close}. The run and the rotation of each connection take the session as an
 * argument and pass it down; nothing of an invocation lives in a module or in the composition root.
 */
import type { RotationTarget } from './config.js';
import type { Composition } from './composition.js';
import { Deadline } from './deadline.js';
import type { AdobeAuth, ImsTokenProvider } from './ims-client.js';
import type { RotationLedger } from './ledger.js';
import { connectionLogger, logger, OutcomeRecorder, type ConnectionLog, type RotatorMetrics } from './observability.js';
import { invocationRedactor, type Redactor } from './redaction.js';
import { InvocationSecrets } from './secrets.js';

export class RotationSession {
  /** The invocation's lines (the Lambda request id is on every one, from the handler's `addContext`). */
  readonly log: ConnectionLog = logger;
  /** Where each connection's outcome is logged and counted, and the run's. */
  readonly recorder: OutcomeRecorder;
  /** Who this invocation's Flow Service calls are made as: its Adobe credentials, and IMS tokens for them. */
  readonly adobe: AdobeAuth;
  /** Scrubs what this invocation mints (and the container's secrets) from its words. */
  readonly redactor: Redactor = invocationRedactor();
  private readonly connectionLogs = new Map<string, ConnectionLog>();

  constructor(
    /** The Adobe credentials and IAM-user keys this invocation reads, each once. */
    readonly secrets: InvocationSecrets,
    /** The container's IMS token cache, which this invocation's token requests go through. */
    tokens: ImsTokenProvider,
    /** When connections stop starting, and the signal that stops the ones still running. */
    readonly deadline: Deadline,
    /** The container's metrics, which the recorder writes to. */
    metrics: RotatorMetrics,
    /** Where each connection's outcome is kept, if the function has a ledger. */
    readonly ledger?: RotationLedger,
  ) {
    this.adobe = tokens.authFor(() => secrets.adobeCredentials());
    this.recorder = new OutcomeRecorder(metrics);
  }

  /** One connection's logger: each of its lines carries its `connectionId` and `sandboxName`. */
  loggerFor(target: Pick<RotationTarget, 'connectionId' | 'sandboxName'>): ConnectionLog {
    let log = this.connectionLogs.get(target.connectionId);
    if (!log) {
      log = connectionLogger(target);
      this.connectionLogs.set(target.connectionId, log);
    }
    return log;
  }

  /**
   * The invocation is over: stop its deadline and write its metrics. What it read and minted goes
   * with the session object; nothing outside it holds any of it.
   */
  close(): void {
    this.deadline.stop();
    this.recorder.flush();
  }
}

/**
 * Begin an invocation.
 * @param remainingTimeMs Lambda's clock (`context.getRemainingTimeInMillis`); without it there is no deadline.
 */
export function openSession(
  composition: Pick<Composition, 'config' | 'secrets' | 'tokens' | 'deadlineMargins' | 'ledger' | 'metrics'>,
  remainingTimeMs?: () => number,
): RotationSession {
  const deadline = new Deadline(remainingTimeMs, composition.deadlineMargins);
  return new RotationSession(
    new InvocationSecrets(composition.secrets, composition.config.adobeCredentialsSecretId, deadline.signal),
    composition.tokens,
    deadline,
    composition.metrics,
    composition.ledger,
  );
}
