import type { Logger } from "@kes/core";

export interface RefusalLogOptions {
  /** At most one line per remote IP per this many ms. Default 10 s. */
  readonly intervalMs?: number;
  /** At most this many lines in all per interval, whatever the number of IPs. Default 20. */
  readonly maxLinesPerInterval?: number;
  /** The clock (ms); tests pass their own. Default performance.now. */
  readonly now?: () => number;
}

/** Logs one refused client certificate: who (IP) and why (a verification code). */
export type RefusalLog = (remoteAddress: string | undefined, reason: string) => void;

/** Remote IPs remembered at most; older entries go first (a scanner must not grow the map). */
const MAX_TRACKED = 4_096;

/**
 * Refused client certificates as warn lines, `{"remote","reason"}` and nothing of the
 * certificate, rate-limited so a scanner cannot flood the log: at most one line per remote IP
 * per interval and a fixed number of lines per interval in all. What was left out is not lost:
 * the next line logged carries `"unlogged": n`, the refusals since the previous line.
 */
export function createRefusalLog(logger: Logger, options: RefusalLogOptions = {}): RefusalLog {
  const intervalMs = options.intervalMs ?? 10_000;
  const maxLines = options.maxLinesPerInterval ?? 20;
  const now = options.now ?? (() => performance.now());
  /** Remote IP → when it may be logged again. */
  const quietUntil = new Map<string, number>();
  let windowEnds = Number.NEGATIVE_INFINITY;
  let linesInWindow = 0;
  let unlogged = 0;
  return (remoteAddress, reason) => {
    const t = now();
    const remote = remoteAddress ?? "unknown";
    if (t >= windowEnds) {
      windowEnds = t + intervalMs;
      linesInWindow = 0;
    }
    const until = quietUntil.get(remote);
    if ((until !== undefined && t < until) || linesInWindow >= maxLines) {
      unlogged += 1;
      return;
    }
    quietUntil.delete(remote); // re-inserted last: the map stays in order of last logging
    quietUntil.set(remote, t + intervalMs);
    if (quietUntil.size > MAX_TRACKED) {
      const oldest = quietUntil.keys().next();
      if (oldest.done !== true) quietUntil.delete(oldest.value);
    }
    linesInWindow += 1;
    logger.warn(
      { remote, reason, ...(unlogged > 0 ? { unlogged } : {}) },
      "client certificate refused",
    );
    unlogged = 0;
  };
}
