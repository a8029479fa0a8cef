/**
 * Runs the real handler against a seeded emulator world, with the AWS SDK pointed at the
 * emulators through process.env (as in a deployed function) and fast, jitter-free retries.
 */
import { afterEach } from 'vitest';
import { createHandler, type HandlerOptions } from '../../lambda/handler.js';
import type { HttpPolicy } from '../../lambda/http-policy.js';
import { startWorld, type World, type WorldOptions } from '../../emulators/world.js';

/** Deterministic retries for tests: immediate backoff, no jitter, short timeouts. */
export const FAST_HTTP_POLICY: HttpPolicy = {
  timeoutMs: 1500,
  retryLimit: 2,
  backoffLimitMs: 0,
  noiseMs: 0,
  maxRetryAfterMs: 5000,
};

export interface Harness {
  readonly world: World;
  /** A fresh handler (a new "container"): its own config, caches and clients. */
  newHandler(
    options?: Omit<HandlerOptions, 'env'> & { env?: Record<string, string | undefined> },
  ): ReturnType<typeof createHandler>;
  close(): Promise<void>;
}

export async function startHarness(options: WorldOptions): Promise<Harness> {
  // The rotation function the world runs gets the same fast retries as the handler.
  const world = await startWorld({ httpPolicy: FAST_HTTP_POLICY, ...options });
  const restore = world.applyEnv({ POWERTOOLS_LOG_LEVEL: 'DEBUG' });
  return {
    world,
    newHandler: (handlerOptions = {}) =>
      createHandler({
        ...handlerOptions,
        env: { ...world.env, ...handlerOptions.env },
        httpPolicy: handlerOptions.httpPolicy ?? FAST_HTTP_POLICY,
      }),
    async close() {
      restore();
      await world.close();
    },
  };
}

/** Run `fn`, returning its result or the error it threw (so a test can assert on both). */
export async function settle<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: Error }> {
  try {
    return { value: await fn() };
  } catch (error) {
    return { error: error as Error };
  }
}

/**
 * For a test file whose tests each start their own harness: returns `start`, and closes the
 * harness the test started after each test (vitest's `afterEach`, registered here).
 */
export function useHarness(): (options: WorldOptions) => Promise<Harness> {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });
  return async (options) => {
    harness = await startHarness(options);
    return harness;
  };
}

/**
 * The requests a rotation makes of a connection itself (`/connections/{id}` and its explore), not
 * the run's listings beside it (`/connections`, `/sourceConnections`, `/flows`, `/runs`).
 */
export function connectionRequests<T extends { readonly path: string }>(requests: readonly T[]): T[] {
  return requests.filter((request) => /\/connections\/[^/]+(?:\/explore)?$/.test(request.path));
}
