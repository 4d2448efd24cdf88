/**
 * KES's metrics (kes-api.md §8.2) from the families of a `/v1/metrics` exposition. Request
 * counters are summed over their `code` label as kes-go does. Unlike kes-go, a missing gauge is
 * left out instead of failing the whole call: an operator watching `kes metric` is better served
 * by a dash than by no view at all. Families of our own (`kes_ts_*`) are ignored here.
 */
import { type MetricFamily, parseValue, type Sample } from "./prometheus.js";
import type { KesMetrics, LatencyHistogram } from "./types.js";

const GAUGES = {
  requestActive: "kes_http_request_active",
  uptimeSeconds: "kes_system_up_time",
  numCpu: "kes_system_num_cpu",
  numCpuUsed: "kes_system_num_cpu_used",
  numThreads: "kes_system_num_threads",
  memHeapUsed: "kes_system_mem_heap_used",
  memHeapObjects: "kes_system_mem_heap_objects",
  memStackUsed: "kes_system_mem_stack_used",
} as const;

const RESPONSE_TIME = "kes_http_response_time";

/** Thrown when a KES family is there but not in the shape KES gives it. */
export class MetricsShapeError extends Error {
  override readonly name = "MetricsShapeError";
}

export function kesMetricsFromFamilies(families: readonly MetricFamily[]): KesMetrics {
  const byName = new Map(families.map((f) => [f.name, f]));
  const sum = (name: string) =>
    (byName.get(name)?.samples ?? []).reduce((total, s) => total + s.value, 0);
  const gauges: Partial<Record<keyof typeof GAUGES, number>> = {};
  for (const [field, name] of Object.entries(GAUGES) as [keyof typeof GAUGES, string][]) {
    const family = byName.get(name);
    if (family === undefined) continue;
    if (family.samples.length !== 1) {
      throw new MetricsShapeError(`${name} has ${family.samples.length} samples, expected one`);
    }
    gauges[field] = (family.samples[0] as Sample).value;
  }
  const histogram = byName.get(RESPONSE_TIME);
  return {
    requestSuccess: sum("kes_http_request_success"),
    requestError: sum("kes_http_request_error"),
    requestFailure: sum("kes_http_request_failure"),
    auditEvents: sum("kes_log_audit_events"),
    errorEvents: sum("kes_log_error_events"),
    ...gauges,
    ...(histogram === undefined ? {} : { responseTime: latencyHistogram(histogram) }),
  };
}

/** The response-time histogram: cumulative finite buckets in ascending order, sum and count. */
function latencyHistogram(family: MetricFamily): LatencyHistogram {
  const buckets: { le: number; count: number }[] = [];
  let sum = 0;
  let count: number | undefined;
  let infinite: number | undefined;
  for (const s of family.samples) {
    if (s.name === `${family.name}_sum`) sum = s.value;
    else if (s.name === `${family.name}_count`) count = s.value;
    else if (s.name === `${family.name}_bucket`) {
      const le = parseValue(s.labels["le"] ?? "");
      if (le === undefined || Number.isNaN(le)) {
        throw new MetricsShapeError(`${family.name}_bucket without a numeric "le" label`);
      }
      if (le === Number.POSITIVE_INFINITY) infinite = s.value;
      else buckets.push({ le, count: s.value });
    }
  }
  buckets.sort((a, b) => a.le - b.le);
  return { buckets, sum, count: count ?? infinite ?? buckets.at(-1)?.count ?? 0 };
}

/**
 * The smallest bucket bound under which at least `quantile` of the requests finished, in
 * seconds; Infinity when they are beyond the last bound, undefined without requests.
 */
export function latencyQuantile(h: LatencyHistogram, quantile: number): number | undefined {
  if (h.count <= 0) return undefined;
  const wanted = quantile * h.count;
  for (const b of h.buckets) if (b.count >= wanted) return b.le;
  return Number.POSITIVE_INFINITY;
}
