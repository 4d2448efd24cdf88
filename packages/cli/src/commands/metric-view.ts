/** What `kes metric` shows: a live view redrawn in place, or one JSON object per sample. */
import { type KesMetrics, type LatencyHistogram, latencyQuantile } from "@kes/client";
import type { OutputStream } from "../io.js";
import { formatBytes, formatLatency, formatUptime, table } from "../output.js";

/** A sample and when it was taken (monotonic ms), for rates between two samples. */
export interface TimedSample {
  readonly metrics: KesMetrics;
  readonly atMs: number;
}

const BAR_WIDTH = 30;

function rate(now: TimedSample, before: TimedSample | undefined, pick: (m: KesMetrics) => number) {
  if (before === undefined) return "-";
  const seconds = (now.atMs - before.atMs) / 1000;
  if (seconds <= 0) return "-";
  // A restarted server starts its counters from zero again: no negative rates.
  return Math.max(0, (pick(now.metrics) - pick(before.metrics)) / seconds).toFixed(1);
}

function requests(now: TimedSample, before: TimedSample | undefined): string {
  const m = now.metrics;
  const row = (label: string, pick: (m: KesMetrics) => number) => [
    `  ${label}`,
    String(pick(m)).padStart(7),
    rate(now, before, pick).padStart(10),
  ];
  return table(
    ["Requests", "  Total", "Per second"],
    [
      row("Success 2xx", (x) => x.requestSuccess),
      row("Error   4xx", (x) => x.requestError),
      row("Failure 5xx", (x) => x.requestFailure),
      ["  Active", String(m.requestActive ?? "-").padStart(7), ""],
    ],
  );
}

function bound(le: number): string {
  return Number.isFinite(le) ? formatLatency(le * 1000) : "more";
}

/** Percentiles and a bar per bucket, up to the slowest bucket that has requests. */
function responseTime(h: LatencyHistogram | undefined): string {
  if (h === undefined) return "Response time    -\n";
  if (h.count === 0) return "Response time    no requests yet\n";
  const q = (p: number) => {
    const le = latencyQuantile(h, p);
    return le === undefined
      ? "-"
      : Number.isFinite(le)
        ? `≤ ${bound(le)}`
        : `> ${bound(h.buckets.at(-1)?.le ?? 0)}`;
  };
  const mean = formatLatency((h.sum / h.count) * 1000);
  let out = `Response time    p50 ${q(0.5)}  p90 ${q(0.9)}  p99 ${q(0.99)}  mean ${mean}\n`;
  const shares: [string, number][] = [];
  let below = 0;
  for (const b of h.buckets) {
    shares.push([`≤ ${bound(b.le)}`, b.count - below]);
    below = b.count;
  }
  shares.push([`> ${bound(h.buckets.at(-1)?.le ?? 0)}`, h.count - below]);
  const last = Math.max(
    2,
    shares.findLastIndex(([, n]) => n > 0),
  );
  for (const [label, n] of shares.slice(0, last + 1)) {
    // Clamped: a histogram read mid-update may be off by a request or two.
    const share = Math.min(1, Math.max(0, n / h.count));
    const bar = "█".repeat(Math.round(share * BAR_WIDTH));
    out += `  ${label.padEnd(9)}${bar.padEnd(BAR_WIDTH)} ${(share * 100).toFixed(1).padStart(5)}%\n`;
  }
  return out;
}

function system(m: KesMetrics): string {
  const cpus =
    m.numCpu === undefined ? undefined : `${m.numCpuUsed ?? m.numCpu} of ${m.numCpu} CPUs`;
  const up = m.uptimeSeconds === undefined ? undefined : `up ${formatUptime(m.uptimeSeconds)}`;
  const threads = m.numThreads === undefined ? undefined : `${m.numThreads} threads`;
  // Node has no count of heap objects nor a stack size: servers that send 0 for them get
  // neither shown.
  const objects = m.memHeapObjects ? ` (${m.memHeapObjects.toLocaleString("en-US")} objects)` : "";
  const heap =
    m.memHeapUsed === undefined ? undefined : `heap ${formatBytes(m.memHeapUsed)}${objects}`;
  const stack = m.memStackUsed ? `stack ${formatBytes(m.memStackUsed)}` : undefined;
  const join = (parts: (string | undefined)[]) =>
    parts.filter((p) => p !== undefined).join("  ") || "-";
  return (
    `System           ${join([up, cpus, threads])}\n` +
    `Memory           ${join([heap, stack])}\n` +
    `Logs             ${m.auditEvents} audit events  ${m.errorEvents} error events\n`
  );
}

export function metricView(
  endpoint: string,
  rateText: string,
  now: TimedSample,
  before: TimedSample | undefined,
): string {
  return [
    `KES metrics  ${endpoint}  every ${rateText}  (Ctrl-C to stop)\n`,
    requests(now, before),
    responseTime(now.metrics.responseTime),
    system(now.metrics),
  ].join("\n");
}

/**
 * One sample as JSON, keyed by KES's metric names (as kes-go's Metric type names its fields);
 * the histogram as cumulative counts per upper bound in seconds, ascending.
 */
export function metricJson(m: KesMetrics, time: Date): string {
  const h = m.responseTime;
  const gauges: [string, number | undefined][] = [
    ["kes_http_request_active", m.requestActive],
    ["kes_system_up_time", m.uptimeSeconds],
    ["kes_system_num_cpu", m.numCpu],
    ["kes_system_num_cpu_used", m.numCpuUsed],
    ["kes_system_num_threads", m.numThreads],
    ["kes_system_mem_heap_used", m.memHeapUsed],
    ["kes_system_mem_heap_objects", m.memHeapObjects],
    ["kes_system_mem_stack_used", m.memStackUsed],
  ];
  return `${JSON.stringify({
    time: time.toISOString(),
    kes_http_request_success: m.requestSuccess,
    kes_http_request_error: m.requestError,
    kes_http_request_failure: m.requestFailure,
    kes_log_audit_events: m.auditEvents,
    kes_log_error_events: m.errorEvents,
    ...Object.fromEntries(gauges.filter(([, v]) => v !== undefined)),
    ...(h === undefined
      ? {}
      : {
          kes_http_response_time: {
            buckets: h.buckets.map((b) => ({ le: b.le, count: b.count })),
            sum: h.sum,
            count: h.count,
          },
        }),
  })}\n`;
}

/**
 * Redraws a block of lines in place: the cursor goes back up over the previous block, which is
 * erased, and the new one is written. The cursor is hidden meanwhile and shown again at close.
 */
export class Screen {
  private lines = 0;

  constructor(private readonly out: OutputStream) {}

  draw(text: string): void {
    const up = this.lines === 0 ? "\x1b[?25l" : `\x1b[${this.lines}F\x1b[J`;
    this.out.write(up + text);
    this.lines = text.split("\n").length - 1;
  }

  close(): void {
    if (this.lines > 0) this.out.write("\x1b[?25h");
  }
}
