import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { kesMetricsFromFamilies, MetricsShapeError } from "./metrics.js";
import { parsePrometheusText } from "./prometheus.js";
import {
  KES_2023_METRICS,
  KES_2023_METRICS_LATER,
  PROM_CLIENT_METRICS,
} from "./testing/metrics-fixtures.js";

const metricsOf = (text: string) => kesMetricsFromFamilies(parsePrometheusText(text));

describe("KES metrics", () => {
  it("sums the request counters over their codes and reads every gauge", () => {
    assert.deepEqual(metricsOf(KES_2023_METRICS), {
      requestSuccess: 5,
      requestError: 2,
      requestFailure: 0,
      auditEvents: 6,
      errorEvents: 0,
      requestActive: 1,
      uptimeSeconds: 3725.31,
      numCpu: 2,
      numCpuUsed: 2,
      numThreads: 14,
      memHeapUsed: 2_744_000,
      memHeapObjects: 13421,
      memStackUsed: 688128,
      responseTime: {
        buckets: [
          { le: 0.01, count: 6 },
          { le: 0.05, count: 6 },
          { le: 0.1, count: 7 },
          { le: 0.25, count: 7 },
          { le: 0.5, count: 7 },
          { le: 1, count: 7 },
          { le: 1.5, count: 7 },
          { le: 3, count: 7 },
          { le: 5, count: 7 },
          { le: 10, count: 7 },
        ],
        sum: 0.0853196,
        count: 7,
      },
    });
    const later = metricsOf(KES_2023_METRICS_LATER);
    assert.equal(later.requestSuccess, 15);
    assert.equal(later.requestFailure, 2);
    assert.equal(later.responseTime?.count, 19);
  });

  it("leaves out gauges a server does not export and ignores families of our own", () => {
    const m = metricsOf(PROM_CLIENT_METRICS);
    assert.equal(m.requestSuccess, 3);
    assert.equal(m.requestError, 0);
    assert.equal(m.uptimeSeconds, 12.5);
    assert.equal(m.numThreads, undefined);
    assert.equal(m.memHeapUsed, undefined);
    assert.equal(m.responseTime?.count, 3);
    assert.deepEqual(metricsOf(""), {
      requestSuccess: 0,
      requestError: 0,
      requestFailure: 0,
      auditEvents: 0,
      errorEvents: 0,
    });
  });

  it("refuses gauges with labels and buckets without a bound, as kes-go does", () => {
    assert.throws(
      () =>
        metricsOf(
          '# TYPE kes_system_up_time gauge\nkes_system_up_time{a="1"} 1\nkes_system_up_time{a="2"} 2',
        ),
      (err: unknown) =>
        err instanceof MetricsShapeError && /has 2 samples, expected one/.test(err.message),
    );
    assert.throws(
      () => metricsOf("# TYPE kes_http_response_time histogram\nkes_http_response_time_bucket 1"),
      /without a numeric "le" label/,
    );
  });

  it("takes the count from the +Inf bucket when _count is missing", () => {
    const m = metricsOf(
      '# TYPE kes_http_response_time histogram\nkes_http_response_time_bucket{le="0.1"} 2\nkes_http_response_time_bucket{le="+Inf"} 3',
    );
    assert.deepEqual(m.responseTime, { buckets: [{ le: 0.1, count: 2 }], sum: 0, count: 3 });
  });
});
