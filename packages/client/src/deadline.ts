import { KesNetworkError } from "./errors.js";

/** The time budget of one client call (all attempts, retries and body reading included). */
export class Deadline {
  /** Fires when the caller aborts or the time is up. */
  readonly signal: AbortSignal;
  private readonly expired = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly timeoutMs: number,
    private readonly caller?: AbortSignal,
  ) {
    this.timer = setTimeout(
      () => this.expired.abort(new Error(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    // Like AbortSignal.timeout: a pending deadline alone does not keep the process alive.
    this.timer.unref();
    const expired = this.expired.signal;
    this.signal = caller === undefined ? expired : AbortSignal.any([caller, expired]);
  }

  /**
   * Stops the clock: from now on only the caller's signal ends the call. For endless streams
   * (the log APIs), whose deadline covers getting the answer, not reading it.
   */
  release(): void {
    clearTimeout(this.timer);
  }

  /** Why the call must stop, or undefined while it may go on. */
  stopError(endpoint: string, cause?: unknown): Error | undefined {
    if (this.caller?.aborted) {
      const reason: unknown = this.caller.reason;
      return reason instanceof Error ? reason : new Error(`request aborted: ${String(reason)}`);
    }
    if (this.expired.signal.aborted) {
      const detail = `no answer within ${this.timeoutMs} ms`;
      return new KesNetworkError(
        "timeout",
        endpoint,
        `no answer from ${endpoint} within ${this.timeoutMs} ms`,
        { detail, ...(cause === undefined ? {} : { cause }) },
      );
    }
    return undefined;
  }
}
