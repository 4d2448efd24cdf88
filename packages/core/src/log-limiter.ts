export interface LogLimiterOptions {
  /** At most one line per key per this many ms. Default 10 s. */
  readonly intervalMs?: number;
  /** At most this many lines in all per interval, whatever the keys. Default 20. */
  readonly maxLinesPerInterval?: number;
  /** Keys remembered at most; the least recently logged go first. Default 4096. */
  readonly maxKeys?: number;
  /** The clock (ms); tests pass their own. Default performance.now. */
  readonly now?: () => number;
}

/**
 * Decides whether a log line about `key` (a remote IP, an operation and its error...) is
 * written now: undefined when it is left out, else how many lines about the key were left out
 * since its last one (to log with it). Lines that repeat during an outage or a scan then cost
 * one line per key per interval, and a fixed number in all, without losing the count.
 */
export type LogLimiter = (key: string) => number | undefined;

export function createLogLimiter(options: LogLimiterOptions = {}): LogLimiter {
  const intervalMs = options.intervalMs ?? 10_000;
  const maxLines = options.maxLinesPerInterval ?? 20;
  const maxKeys = options.maxKeys ?? 4_096;
  const now = options.now ?? (() => performance.now());
  /** key → when it may be logged again and what was left out since; in order of last logging. */
  const keys = new Map<string, { until: number; unlogged: number }>();
  let windowEnds = Number.NEGATIVE_INFINITY;
  let linesInWindow = 0;
  return (key) => {
    const t = now();
    if (t >= windowEnds) {
      windowEnds = t + intervalMs;
      linesInWindow = 0;
    }
    const entry = keys.get(key);
    if ((entry !== undefined && t < entry.until) || linesInWindow >= maxLines) {
      if (entry !== undefined) entry.unlogged += 1;
      else remember(key, { until: Number.NEGATIVE_INFINITY, unlogged: 1 });
      return undefined;
    }
    linesInWindow += 1;
    remember(key, { until: t + intervalMs, unlogged: 0 });
    return entry?.unlogged ?? 0;
  };

  function remember(key: string, entry: { until: number; unlogged: number }): void {
    keys.delete(key);
    keys.set(key, entry);
    if (keys.size > maxKeys) {
      const oldest = keys.keys().next();
      if (oldest.done !== true) keys.delete(oldest.value);
    }
  }
}
