import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { latencyQuantile } from "./metrics.js";
import { PrometheusParseError, parsePrometheusText } from "./prometheus.js";
import { KES_2023_METRICS, PROM_CLIENT_METRICS } from "./testing/metrics-fixtures.js";

describe("Prometheus text parser", () => {
  it("reads a KES exposition: families, types, help, labels and histogram samples", () => {
    const families = parsePrometheusText(KES_2023_METRICS);
    assert.equal(families.length, 14);
    const byName = new Map(families.map((f) => [f.name, f]));
    assert.deepEqual(byName.get("kes_http_request_error"), {
      name: "kes_http_request_error",
      type: "counter",
      help: "Requests answered with a 4xx status.",
      samples: [
        { name: "kes_http_request_error", labels: { code: "403" }, value: 1 },
        { name: "kes_http_request_error", labels: { code: "404" }, value: 1 },
      ],
    });
    assert.deepEqual(byName.get("kes_http_request_failure")?.samples, []);
    const histogram = byName.get("kes_http_response_time");
    assert.equal(histogram?.type, "histogram");
    assert.equal(histogram?.samples.length, 13);
    assert.deepEqual(histogram?.samples.at(10), {
      name: "kes_http_response_time_bucket",
      labels: { le: "+Inf" },
      value: 7,
    });
    assert.equal(histogram?.samples.at(11)?.value, 0.0853196);
    assert.equal(byName.get("kes_system_mem_heap_used")?.samples[0]?.value, 2_744_000);
    assert.equal(byName.get("kes_system_up_time")?.samples[0]?.value, 3725.31);
  });

  it("reads prom-client's output with blank lines and labelled families of our own", () => {
    const families = parsePrometheusText(PROM_CLIENT_METRICS);
    const grpc = families.find((f) => f.name === "kes_ts_grpc_client_duration_seconds");
    assert.equal(grpc?.samples.length, 4);
    assert.deepEqual(grpc?.samples[0]?.labels, {
      le: "0.005",
      service: "crypto",
      method: "Generate",
    });
    // A counter named with its `_total` suffix is its own family.
    assert.equal(families.find((f) => f.name === "kes_ts_keystore_calls_total")?.type, "counter");
  });

  it("unescapes label values and help text, and accepts a trailing comma", () => {
    const [f] = parsePrometheusText(
      [
        "# HELP m A \\\\ backslash and a\\nnew line; \\q stays",
        "# TYPE m gauge",
        'm{path="/v1/\\"x\\"\\\\y\\nz",b="",} 1',
      ].join("\n"),
    );
    assert.equal(f?.help, "A \\ backslash and a\nnew line; \\q stays");
    assert.deepEqual(f?.samples[0]?.labels, { path: '/v1/"x"\\y\nz', b: "" });
  });

  it("reads Go floats, special values, timestamps, tabs and CRLF line ends", () => {
    const text = [
      "a 1.5e+06",
      "b\t-Inf",
      "c NaN",
      "d +Inf 1700000000000",
      "e .5",
      'f { x = "1" } 2\r',
      "g -3 -12",
    ].join("\n");
    const values = parsePrometheusText(text).map((f) => f.samples[0]);
    assert.deepEqual(
      values.map((s) => s?.value),
      [1_500_000, Number.NEGATIVE_INFINITY, Number.NaN, Number.POSITIVE_INFINITY, 0.5, 2, -3],
    );
    assert.equal(values[3]?.timestampMs, 1_700_000_000_000);
    assert.equal(values[6]?.timestampMs, -12);
    assert.deepEqual(values[5]?.labels, { x: "1" });
    // Families without TYPE are untyped.
    assert.ok(parsePrometheusText(text).every((f) => f.type === "untyped"));
  });

  it("groups _bucket/_sum/_count under a histogram and _sum/_count under a summary only", () => {
    const families = parsePrometheusText(
      [
        "# TYPE s summary",
        's{quantile="0.5"} 1',
        "s_sum 3",
        "s_count 2",
        "s_bucket 9",
        "# TYPE h histogram",
        'h_bucket{le="1"} 1',
        "h_count 1",
      ].join("\n"),
    );
    assert.deepEqual(
      families.map((f) => [f.name, f.samples.map((s) => s.name)]),
      [
        ["s", ["s", "s_sum", "s_count"]],
        ["s_bucket", ["s_bucket"]],
        ["h", ["h_bucket", "h_count"]],
      ],
    );
  });

  it("rejects malformed lines, naming the line and the problem", () => {
    const cases: [string, RegExp][] = [
      ["ok 1\n1bad 2", /^metrics line 2: invalid metric name "1bad"$/],
      ["m", /line 1: no value for m/],
      ["m one", /line 1: invalid value "one" for m/],
      ["m 1 2 3", /line 1: unexpected text after the sample of m/],
      ["m 1 1.5", /line 1: invalid timestamp "1.5"/],
      ['m{a="1" 2', /line 1: expected "," or "}" after label a/],
      ['m{a="1} 2', /line 1: unterminated value of label a/],
      ["m{a=1} 2", /line 1: expected a quoted value for label a/],
      ['m{1a="x"} 2', /line 1: invalid label name "1a"/],
      ['m{a="1",a="2"} 2', /line 1: label "a" given twice/],
      ['m{a="1"} 2\nm{a="1"} 3', /line 2: duplicate sample m\{a="1"\}/],
      ["# TYPE m gauges", /line 1: unknown metric type "gauges" for m/],
      ["# TYPE m gauge\n# TYPE m counter", /line 2: second TYPE for m/],
      ["# HELP m x\n# HELP m y", /line 2: second HELP for m/],
      ["m 1\n# TYPE m gauge", /line 2: TYPE for m comes after its samples/],
      ["# TYPE", /line 1: TYPE without a valid metric name/],
      ['m{a="x\\"} 1', /line 1: unterminated value of label a/],
    ];
    for (const [text, message] of cases) {
      assert.throws(
        () => parsePrometheusText(text),
        (err: unknown) => err instanceof PrometheusParseError && message.test(err.message),
        text,
      );
    }
  });

  it("ignores plain comments and blank input", () => {
    assert.deepEqual(parsePrometheusText(""), []);
    assert.deepEqual(parsePrometheusText("# just a comment\n#HELP not metadata\n\n"), []);
  });
});

describe("latency quantiles", () => {
  const h = {
    buckets: [
      { le: 0.01, count: 6 },
      { le: 0.1, count: 9 },
      { le: 1, count: 10 },
    ],
    sum: 1,
    count: 11,
  };

  it("answers the first bucket bound that holds the quantile", () => {
    assert.equal(latencyQuantile(h, 0.5), 0.01);
    assert.equal(latencyQuantile(h, 0.8), 0.1);
    assert.equal(latencyQuantile(h, 0.9), 1);
    assert.equal(latencyQuantile(h, 0.99), Number.POSITIVE_INFINITY);
    assert.equal(latencyQuantile({ buckets: [], sum: 0, count: 0 }, 0.5), undefined);
  });
});
