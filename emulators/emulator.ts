/**
 * What every emulator is: a loopback HTTP server that records each request it receives and takes
 * injected faults (canned answers, delays, resets) and a fixed latency.
 */

/** One request as the emulator received it (headers lower-cased, body as raw text). */
export interface RecordedRequest {
  readonly method: string;
  /** Path without the query string, e.g. `/connections/4cb0...` or `/`. */
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** For AWS Query / JSON protocol emulators: `AssumeRole`, `GetSecretValue`, ...; else undefined. */
  readonly action?: string;
  /** Epoch ms when the request arrived. */
  readonly receivedAt: number;
}

/** Which requests a fault applies to. Every given field must match. */
export interface FaultMatch {
  readonly method?: string;
  /** Exact path, or a RegExp tested against the path. */
  readonly path?: string | RegExp;
  /** AWS action name (STS `Action=...`, Secrets Manager `X-Amz-Target` suffix). */
  readonly action?: string;
}

/**
 * A fault to inject. Faults are consulted in the order they were added; the first matching
 * fault with `times` left is used and its count decremented.
 */
export type Fault = {
  readonly match?: FaultMatch;
  /** How many matching requests it applies to. @default 1 */
  readonly times?: number;
} & (
  | {
      /** Answer with this instead of handling the request (the request has no effect). */
      readonly kind: 'respond';
      readonly status: number;
      readonly headers?: Record<string, string>;
      /** Object bodies are sent as JSON; strings as-is; a function is called with the request. */
      readonly body?: unknown;
    }
  | {
      /**
       * Wait this long, then handle the request normally; if the client gave up meanwhile (a
       * timeout shorter than `ms`), the request has no effect.
       */
      readonly kind: 'delay';
      readonly ms: number;
    }
  | {
      /** Handle the request normally (its effect lands), then wait this long before answering. */
      readonly kind: 'delay-after-effect';
      readonly ms: number;
    }
  | {
      /** Destroy the socket without answering (ECONNRESET at the client); no effect. */
      readonly kind: 'reset';
    }
);

/** What every emulator has. */
export interface Emulator {
  /** e.g. `http://127.0.0.1:40123` (no trailing slash). */
  readonly url: string;
  /** Every request received, in arrival order (including faulted ones). */
  readonly requests: RecordedRequest[];
  injectFault(fault: Fault): void;
  /** Remove this fault alone (the object given to `injectFault`); `clearFaults` removes every one. */
  removeFault(fault: Fault): void;
  clearFaults(): void;
  /**
   * A fixed round trip for every request, as a network would add it: the request reaches the
   * service `ms / 2` after it arrived, and the answer leaves `ms` after it arrived (plus any
   * injected delay). Kept to within a fraction of a millisecond, so a benchmark's floor of
   * `hops × ms` is what the emulators really impose. @default 0
   */
  setLatency(ms: number): void;
  /** Requests received and not yet answered (or abandoned): 0 once every client has its answer. */
  requestsInFlight(): number;
  close(): Promise<void>;
}
