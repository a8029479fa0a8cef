/**
 * One invocation's deadline, from Lambda's clock: when it stops starting connections, and when it
 * aborts the requests still running so that it reports (and flushes its metrics) before Lambda
 * stops the function.
 */

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
  /**
   * With this much left, what the run still records after its connections stopped (the ledger
   * writes, which the stop does not abort so that a stopped run still records what it did) is
   * abandoned: the handler must return its summary and flush its metrics before Lambda stops the
   * function. Less than `stopMs`.
   * @default a third of `stopMs` (1_000)
   */
  readonly recordMs?: number;
}

export const DEFAULT_DEADLINE_MARGINS: DeadlineMargins = { startMs: 30_000, stopMs: 3_000, recordMs: 1_000 };

/**
 * The longest a read that gates a run's start may take (the pauses): a ledger that does not answer must not cost the
 * run.
 */
export const GATE_READ_BUDGET_MS = 5_000;

/**
 * The deadline of one invocation. Without Lambda's clock (a test, `rotate --local`) there is none:
 * every connection starts and nothing is aborted.
 */
export class Deadline {
  /** Aborted `stopMs` before the function's timeout: every request still running stops. */
  readonly signal: AbortSignal;
  /** Aborted `recordMs` before the function's timeout: the ledger writes still running are abandoned. */
  readonly recordSignal: AbortSignal;
  private readonly timers: Array<ReturnType<typeof setTimeout>> = [];

  /**
   * @param remainingTimeMs Lambda's clock (`context.getRemainingTimeInMillis`).
   * @param margins @default DEFAULT_DEADLINE_MARGINS
   */
  constructor(
    private readonly remainingTimeMs: (() => number) | undefined,
    private readonly margins: DeadlineMargins = DEFAULT_DEADLINE_MARGINS,
  ) {
    const stop = new AbortController();
    const record = new AbortController();
    this.signal = stop.signal;
    this.recordSignal = record.signal;
    if (remainingTimeMs) {
      const remaining = remainingTimeMs();
      const recordMs = margins.recordMs ?? margins.stopMs / 3;
      this.timers.push(setTimeout(() => stop.abort(), Math.max(0, remaining - margins.stopMs)));
      this.timers.push(setTimeout(() => record.abort(), Math.max(0, remaining - recordMs)));
    }
  }

  /** Whether a connection may start now: nothing was aborted yet, and more than `startMs` is left. */
  hasTimeToStart(): boolean {
    return !this.signal.aborted && (!this.remainingTimeMs || this.remainingTimeMs() > this.margins.startMs);
  }

  /**
   * For a read the run waits for before it starts any connection (the pauses): aborted at the stop,
   * or after {@link GATE_READ_BUDGET_MS}, or after a quarter of the time left before connections
   * stop starting, whichever comes first; the run then goes on without what it read.
   */
  gateSignal(): AbortSignal {
    const left = this.remainingTimeMs
      ? Math.max(0, (this.remainingTimeMs() - this.margins.startMs) / 4)
      : GATE_READ_BUDGET_MS;
    return AbortSignal.any([this.signal, AbortSignal.timeout(Math.min(GATE_READ_BUDGET_MS, left))]);
  }

  /** The invocation is over: nothing is aborted after it. */
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }
}
