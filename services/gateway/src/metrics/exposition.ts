import { type Metric, type OpenMetricsContentType, Registry } from "prom-client";

/**
 * The exposition formats of /v1/metrics, chosen from the Accept header as Go's expfmt does:
 * Prometheus text 0.0.4 unless the client asks for OpenMetrics. (KES, with promhttp's
 * defaults, also offered the protobuf format; a client asking only for that gets text, which
 * is what Go answers for any format it does not offer.)
 */
export type ExpositionFormat = "text" | "openmetrics";

export function negotiate(accept: string | undefined): ExpositionFormat {
  if (accept === undefined) return "text";
  for (const part of accept.split(",")) {
    const [type = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    if (type !== "application/openmetrics-text") continue;
    const q = params.find((p) => p.startsWith("q="));
    if (q === undefined || Number(q.slice(2)) > 0) return "openmetrics";
  }
  return "text";
}

export async function render(
  registry: Registry,
  format: ExpositionFormat,
): Promise<{ contentType: string; body: string }> {
  if (format === "text") {
    return { contentType: Registry.PROMETHEUS_CONTENT_TYPE, body: await registry.metrics() };
  }
  // prom-client renames counters in place when a registry renders OpenMetrics, which would
  // change their text-format names for good; so a throwaway registry renders views of them.
  const view = new Registry<OpenMetricsContentType>();
  view.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  // The typings describe getMetricsAsArray() as plain objects; at run time they are the metrics.
  for (const metric of registry.getMetricsAsArray() as unknown as Metric[]) {
    view.registerMetric(viewOf(metric));
  }
  return { contentType: Registry.OPENMETRICS_CONTENT_TYPE, body: await view.metrics() };
}

/** OpenMetrics names a counter family without `_total` (its samples get it back). */
function viewOf(metric: Metric): Metric {
  const { name, type } = metric as unknown as { name: string; type: string };
  const get = async () => {
    const data = await metric.get();
    const counter = (data.type as unknown) === "counter";
    return counter ? { ...data, name: data.name.replace(/_total$/, "") } : data;
  };
  return { name, type, get } as unknown as Metric;
}
