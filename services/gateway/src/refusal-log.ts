import { createLogLimiter, type Logger, type LogLimiterOptions } from "@kes/core";

/** Logs one refused client certificate: who (IP) and why (a verification code). */
export type RefusalLog = (remoteAddress: string | undefined, reason: string) => void;

/**
 * Refused client certificates as warn lines, `{"remote","reason"}` and nothing of the
 * certificate, rate-limited so a scanner cannot flood the log: at most one line per remote IP
 * per 10 s and 20 lines in all per 10 s. What was left out is counted: an IP's next line
 * carries `"unlogged": n`, its refusals not logged since its previous line.
 */
export function createRefusalLog(logger: Logger, options: LogLimiterOptions = {}): RefusalLog {
  const limit = createLogLimiter(options);
  return (remoteAddress, reason) => {
    const remote = remoteAddress ?? "unknown";
    const unlogged = limit(remote);
    if (unlogged === undefined) return;
    logger.warn(
      { remote, reason, ...(unlogged > 0 ? { unlogged } : {}) },
      "client certificate refused",
    );
  };
}
