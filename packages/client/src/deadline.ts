import { KesNetworkError } from "./errors.js";

/** The time budget of one client call (all attempts, retries and body reading included). */
export class Deadline {
  /** Fires when the caller aborts or the time is up. */
  readonly signal: AbortSignal;
  private readonly timer: AbortSignal;

  constructor(
    readonly timeoutMs: number,
    private readonly caller?: AbortSignal,
  ) {
    this.timer = AbortSignal.timeout(timeoutMs);
    this.signal = caller === undefined ? this.timer : AbortSignal.any([caller, this.timer]);
  }

  /** Why the call must stop, or undefined while it may go on. */
  stopError(endpoint: string, cause?: unknown): Error | undefined {
    if (this.caller?.aborted) {
      const reason: unknown = this.caller.reason;
      return reason instanceof Error ? reason : new Error(`request aborted: ${String(reason)}`);
    }
    if (this.timer.aborted) {
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
