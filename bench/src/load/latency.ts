/**
 * Latency statistics from the FULL sample: every latency is kept (8 bytes each; a run is
 * bounded in count and time, so at most a few hundred thousand values) and percentiles are
 * exact nearest-rank values of the sorted sample, with no bucketing error. Samples from
 * several load processes merge by concatenation.
 */

export interface LatencySummary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** A growable buffer of latencies in milliseconds. */
export class LatencyRecorder {
  private values = new Float64Array(1024);
  private length = 0;

  get count(): number {
    return this.length;
  }

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency must be ≥ 0 ms, got ${ms}`);
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = ms;
  }

  /** The recorded values, in recording order (a copy). */
  toArray(): number[] {
    return Array.from(this.values.subarray(0, this.length));
  }

  clear(): void {
    this.length = 0;
  }
}

/**
 * The nearest-rank percentile of an ascending sample: the smallest value with at least p % of
 * the sample at or below it. p is in (0, 100].
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (sorted.length === 0) return Number.NaN;
  // The epsilon keeps p·n that is an integer in exact arithmetic (99.9 % of 1000) from
  // rounding up past it in floating point.
  const rank = Math.ceil((p / 100) * sorted.length - 1e-9);
  return sorted[Math.max(1, rank) - 1] as number;
}

/** Summary of a sample in any order; NaN statistics for an empty one. */
export function summarize(values: readonly number[] | Float64Array): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: n,
    min: n === 0 ? Number.NaN : (sorted[0] as number),
    mean: n === 0 ? Number.NaN : sum / n,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: n === 0 ? Number.NaN : (sorted[n - 1] as number),
  };
}
