import { errors, type RequestOptions } from "@kes/core";

/**
 * Deadlines of keystore calls and of waits for a key, with timers that are cleared as soon as
 * the call settles. (AbortSignal.timeout() cannot be cleared: each keystore call left a timer,
 * a WeakRef and a signal behind for the whole fallback period, 15 s, which at a thousand cold
 * keys a second is thousands of objects; AbortSignal.any() adds its own bookkeeping.)
 */

/** The signal a keystore call runs under, until release(). */
export interface CallSignal {
  /** Aborts when the caller's signal does, or at the caller's timeout (else `fallbackMs`). */
  readonly signal: AbortSignal;
  /** The call settled: stops the timer and stops listening to the caller's signal. */
  release(): void;
}

/** What AbortSignal.timeout() aborts with, for backends that look at the reason. */
function timeoutReason(): DOMException {
  return new DOMException("The operation was aborted due to timeout", "TimeoutError");
}

/**
 * The signal a keystore call runs under: the caller's signal and/or its timeout, or, when the
 * caller gave neither, `fallbackMs`, so that no keystore call can hang.
 */
export function callSignal(options: RequestOptions | undefined, fallbackMs: number): CallSignal {
  const controller = new AbortController();
  // Unref'd: a pending call's deadline alone must not keep the process alive.
  const timer = setTimeout(
    () => controller.abort(timeoutReason()),
    options?.timeoutMs ?? fallbackMs,
  );
  timer.unref();
  const caller = options?.signal;
  const onAbort = () => controller.abort(caller?.reason);
  if (caller?.aborted) controller.abort(caller.reason);
  else caller?.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    release() {
      clearTimeout(timer);
      caller?.removeEventListener("abort", onAbort);
    },
  };
}

/**
 * Settles with `promise`, or with a timeout error as soon as `signal` fires, whichever is
 * first: a backend that ignores its signal still cannot hold the caller.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => {}); // settled later, nobody listens
    return Promise.reject(errors.timeout());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(errors.timeout());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

/**
 * Waits for `promise` (a load others may share) at most until the caller's signal aborts or
 * its timeout passes (else `fallbackMs`); then fails with a timeout error. The load itself
 * goes on for whoever else waits.
 */
export function waitAtMost<T>(
  promise: Promise<T>,
  options: RequestOptions | undefined,
  fallbackMs: number,
): Promise<T> {
  const caller = options?.signal;
  if (caller?.aborted) {
    promise.catch(() => {});
    return Promise.reject(errors.timeout());
  }
  return new Promise<T>((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      caller?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      stop();
      reject(errors.timeout());
    };
    const timer = setTimeout(onAbort, options?.timeoutMs ?? fallbackMs);
    timer.unref();
    caller?.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        stop();
        resolve(value);
      },
      (err: unknown) => {
        stop();
        reject(err);
      },
    );
  });
}
