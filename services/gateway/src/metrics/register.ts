import type { Metric } from "prom-client";

/** What FastCounter and FastHistogram need of a prom-client registry. */
export interface MetricRegistry {
  getSingleMetric(name: string): unknown;
  registerMetric(metric: Metric): void;
}

/**
 * The metric registered under `options.name` if it is of `Kind` (several gateways may share a
 * registry), or a new one registered now. Our metrics honour prom-client's metric contract
 * (name, help, type, aggregator, get()) without extending its classes, hence the cast.
 */
export function registerOnce<T extends object, O extends { readonly name: string }>(
  registry: MetricRegistry,
  Kind: new (options: O) => T,
  options: O,
): T {
  const existing = registry.getSingleMetric(options.name);
  if (existing instanceof Kind) return existing;
  const metric = new Kind(options);
  registry.registerMetric(metric as unknown as Metric);
  return metric;
}
