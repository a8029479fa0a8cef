/**
 * Wires configuration to clients (the composition root) and runs one invocation: select the
 * targets, rotate them, log and count each outcome, and summarize.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { RotatorConfig, RotationTarget } from './config.js';
import { CredentialMinter } from './credential-minter.js';
import { RequestValidationError } from './errors.js';
import { FlowServiceClient } from './flow-service-client.js';
import { DEFAULT_HTTP_POLICY, type HttpPolicy } from './http-policy.js';
import { ImsTokenProvider } from './ims-client.js';
import { connectionLogger, logger, recordEtagConflict, recordResult, recordRunOutcome, type ConnectionLog } from './observability.js';
import { forgetInvocationSecrets } from './redaction.js';
import type { RotationRequest } from './request.js';
import { rotateTargets } from './rotate-connection.js';
import { SecretStore } from './secrets.js';
import { summarize, type RotationSummary } from './summary.js';

/** When an invocation stops starting connections, and when it stops the ones still running. */
export interface DeadlineMargins {
  /**
   * A connection is not started with less than this left: most finish well within it (about
   * four HTTP attempts of 10 s with backoff on the slowest request), and one that is started
   * only to be stopped has minted credentials for nothing.
   * @default 30_000
   */
  readonly startMs: number;
  /**
   * With this much left, every request still running is aborted, and its connection reported
   * `OUT_OF_TIME`: a `Retry-After` or the 412 loop can outlast any start margin, and Lambda
   * stopping the function would lose the invocation's report and metrics.
   * @default 3_000
   */
  readonly stopMs: number;
}

export const DEFAULT_DEADLINE_MARGINS: DeadlineMargins = { startMs: 30_000, stopMs: 3_000 };

export interface RotatorOptions {
  /** @default DEFAULT_HTTP_POLICY */
  readonly httpPolicy?: HttpPolicy;
  /** Clock for token expiry. @default Date.now */
  readonly now?: () => number;
  /** @default DEFAULT_DEADLINE_MARGINS */
  readonly deadlineMargins?: DeadlineMargins;
}

/**
 * Long-lived per container: caches the IMS token and SDK clients. Secrets (the Adobe credentials,
 * IAM-user keys) are read once per invocation, so a secret the operator rotated is used from the
 * next run on, not when Lambda happens to recycle the container.
 */
export class Rotator {
  private readonly minter: CredentialMinter;
  private readonly flowService: FlowServiceClient;
  private readonly secrets: SecretStore;
  private readonly tokens: ImsTokenProvider;
  private readonly margins: DeadlineMargins;

  constructor(readonly config: RotatorConfig, options: RotatorOptions = {}) {
    const policy = options.httpPolicy ?? DEFAULT_HTTP_POLICY;
    this.margins = options.deadlineMargins ?? DEFAULT_DEADLINE_MARGINS;
    // One socket pool for every AWS SDK client, sized to the rotation concurrency.
    const requestHandler = new NodeHttpHandler({
      connectionTimeout: policy.timeoutMs,
      requestTimeout: policy.timeoutMs,
      httpAgent: { keepAlive: true, maxSockets: config.concurrency * 2 },
      httpsAgent: { keepAlive: true, maxSockets: config.concurrency * 2 },
    });
    const secrets = new SecretStore(new SecretsManagerClient({ requestHandler }));
    this.secrets = secrets;
    const adobeCredentials = () => secrets.adobeCredentials(config.adobeCredentialsSecretId);
    const tokens = new ImsTokenProvider({
      imsUrl: config.imsUrl,
      credentials: adobeCredentials,
      policy,
      now: options.now,
    });
    this.tokens = tokens;
    this.flowService = new FlowServiceClient({
      baseUrl: config.flowServiceUrl,
      tokens,
      credentials: adobeCredentials,
      policy,
      onRetry: (details) => logger.warn('retrying Flow Service request', { ...details }),
    });
    this.minter = new CredentialMinter({ secrets, clientConfig: { requestHandler } });
  }

  /** The targets a request selects; an id that is not configured rejects the whole request. */
  selectTargets(request: RotationRequest): readonly RotationTarget[] {
    if (!request.connectionIds) return this.config.targets;
    const byId = new Map(this.config.targets.map((target) => [target.connectionId.toLowerCase(), target]));
    const unknown = request.connectionIds.filter((id) => !byId.has(id.toLowerCase()));
    if (unknown.length > 0) {
      throw new RequestValidationError([`connectionIds: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in the configured targets; nothing was rotated`]);
    }
    return request.connectionIds.map((id) => byId.get(id.toLowerCase())!);
  }

  /**
   * Rotate what the request selects, and summarize: every connection is attempted, and a failure
   * is a result, never a throw (see {@link invocationFailure} for when the invocation rejects).
   * `remainingTimeMs` (Lambda's clock) sets the deadlines ({@link DeadlineMargins}): no connection
   * starts too close to the function's timeout, and none still running is left for Lambda to cut off.
   */
  async run(request: RotationRequest, remainingTimeMs?: () => number): Promise<RotationSummary> {
    const targets = this.selectTargets(request);
    // What the last invocation read or was refused is not this one's answer.
    this.secrets.forgetAll();
    this.tokens.forgetFailure();
    const deadline = new AbortController();
    const stopTimer = remainingTimeMs && setTimeout(() => deadline.abort(), Math.max(0, remainingTimeMs() - this.margins.stopMs));
    const logs = new Map<string, ConnectionLog>();
    const logFor = (target: RotationTarget) => {
      let log = logs.get(target.connectionId);
      if (!log) logs.set(target.connectionId, (log = connectionLogger(target)));
      return log;
    };
    try {
      const results = await rotateTargets(
        targets,
        { flowService: this.flowService, minter: this.minter, onEtagConflict: () => recordEtagConflict() },
        {
          dryRun: request.dryRun,
          verifyWithAdobe: this.config.verifyWithAdobe,
          concurrency: this.config.concurrency,
          signal: deadline.signal,
          logFor,
          ownClientId: () => this.secrets.adobeCredentials(this.config.adobeCredentialsSecretId).then((credentials) => credentials.clientId),
          onResult: (result) => recordResult(result, logs.get(result.connectionId)),
          hasTimeToStart: remainingTimeMs && (() => remainingTimeMs() > this.margins.startMs),
        },
      );
      const summary = summarize(results, request.dryRun);
      recordRunOutcome({ failed: summary.failed, everyTarget: !request.connectionIds && !request.dryRun });
      const retried = results.filter((result) => result.attempts > 1).length;
      logger[summary.failed > 0 ? 'warn' : 'info']('rotation finished', {
        rotated: summary.rotated,
        failed: summary.failed,
        skipped: summary.skipped,
        retried,
        dryRun: request.dryRun,
        targets: targets.length,
        ...(summary.failed > 0 ? { failedConnectionIds: results.filter((result) => result.status === 'failed').map((result) => result.connectionId) } : {}),
      });
      return summary;
    } finally {
      clearTimeout(stopTimer);
      forgetInvocationSecrets();
    }
  }
}

