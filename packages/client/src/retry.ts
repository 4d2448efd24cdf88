/** How often and how patiently a request is sent again (kes-go: twice, 200 ms + 0–800 ms). */
export interface RetryPolicy {
  /** Additional attempts after the first. */
  readonly retries: number;
  /** Fixed part of the pause before a retry, ms. */
  readonly minDelayMs: number;
  /** Upper bound of the random part added to the pause, ms. */
  readonly jitterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 2, minDelayMs: 200, jitterMs: 800 };

/** The pause before the next attempt: min + a random share of the jitter. */
export function retryDelay(policy: RetryPolicy, random: () => number = Math.random): number {
  return policy.minDelayMs + Math.floor(random() * policy.jitterMs);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
