/**
 * Lambda entry point. An EventBridge / Scheduler event rotates every configured target (but the
 * paused ones); a manual request `{"connectionIds"?: [...], "dryRun"?: boolean, "caller"?: string}`
 * rotates only those, or plans without patching; `{"inspect": true, "connectionIds"?, "probe"?,
 * "targetsOnly"?}` reads Adobe's view of each connection and changes nothing (`inspect.ts`).
 *
 * Every connection is attempted, and the summary says what happened to each. A manual request
 * resolves with it whatever failed; a scheduled run rejects only when something failed and nothing
 * rotated (see `invocationFailure`). An inspect request resolves whatever Adobe answers. An invalid
 * request or configuration always rejects.
 */
import type { Context } from 'aws-lambda';
import { compose, type Composition } from './composition.js';
import { loadConfig } from './config.js';
import type { DeadlineMargins } from './deadline.js';
import type { HttpPolicy } from './http-policy.js';
import { logger } from './observability.js';
import { redactSecrets } from './redaction.js';
import { runInspect, type InspectResult } from './inspect.js';
import { parseInvocation } from './request.js';
import { runRotation } from './run-rotation.js';
import { openSession, type RotationSession } from './session.js';
import { invocationFailure, type RotationSummary } from './summary.js';

export type { InspectResult } from './inspect.js';
export type { RotationSummary } from './summary.js';

export interface HandlerOptions {
  /** The rotator's own variables (not the AWS SDK's, which it reads itself). @default process.env */
  readonly env?: Record<string, string | undefined>;
  /** @default DEFAULT_HTTP_POLICY */
  readonly httpPolicy?: HttpPolicy;
  /** Clock for token expiry (tests). @default Date.now */
  readonly now?: () => number;
  /** When an invocation stops starting and stops running connections (tests). @default DEFAULT_DEADLINE_MARGINS */
  readonly deadlineMargins?: DeadlineMargins;
}

/** An inspect request as written (lambda/request.ts validates it). */
export interface InspectEvent {
  readonly inspect: true;
  readonly connectionIds?: readonly string[];
  readonly probe?: boolean;
  readonly targetsOnly?: boolean;
}

/**
 * The handler: an inspect request resolves with an {@link InspectResult}, anything else with a {@link RotationSummary}.
 */
export interface RotatorHandler {
  (event: InspectEvent, context?: Partial<Context>): Promise<InspectResult>;
  (event: unknown, context?: Partial<Context>): Promise<RotationSummary>;
}

/** A handler with its own container-lifetime state (config, caches, clients). */
export function createHandler(options: HandlerOptions = {}): RotatorHandler {
  // Built now, at INIT for the exported handler (as AWS advises: configuration read and SDK
  // clients created before the first event, not on its clock). A bad configuration is kept and
  // thrown by every invocation instead, so it is reported where operators look (the invocation's
  // error and log) rather than as an INIT failure.
  let composition: Composition | undefined;
  let configError: unknown;
  try {
    composition = compose(loadConfig({ env: options.env ?? process.env }), options);
  } catch (error) {
    configError = error;
  }

  return async function handler(event: unknown, context?: Partial<Context>): Promise<RotationSummary | InspectResult> {
    // Every line of this invocation, the connections' child loggers' too, carries its request id.
    if (context?.awsRequestId) logger.addContext(context as Context);
    let session: RotationSession | undefined;
    try {
      const invocation = parseInvocation(event);
      if (!composition) throw configError;
      session = openSession(
        composition,
        context?.getRemainingTimeInMillis && (() => context.getRemainingTimeInMillis!()),
      );
      if (invocation.kind === 'inspect') return await runInspect(invocation.request, composition, session, options.now);
      const { request } = invocation;
      const summary = await runRotation(request, composition, session);
      const failure = invocationFailure(summary, request);
      if (failure) throw failure;
      return summary;
    } catch (error) {
      const message = String((error as Error)?.message);
      logger.error('invocation failed', {
        errorCode: (error as { code?: string }).code,
        error: session ? session.redactor.redact(message) : redactSecrets(message),
      });
      throw error;
    } finally {
      session?.close();
    }
  } as RotatorHandler;
}

export const handler = createHandler();
