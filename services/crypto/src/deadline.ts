import { errors, type RequestOptions } from "@kes/core";

/**
 * The signal a keystore call runs under: the caller's signal and/or its timeout, or, when the
 * caller gave neither, `fallbackMs`, so that no keystore call can hang.
 */
export function callSignal(options: RequestOptions | undefined, fallbackMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(options?.timeoutMs ?? fallbackMs);
  const signal = options?.signal;
  return signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
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
