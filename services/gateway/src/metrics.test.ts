import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Counter, Registry } from "prom-client";
import { negotiate } from "./metrics/exposition.js";
import { RESPONSE_TIME_BUCKETS } from "./metrics/gateway-metrics.js";
import { makeTestPki, type TestPki } from "./testing/certs.js";
import { h2request } from "./testing/client.js";
import { startTestGateway, type TestGateway } from "./testing/harness.js";

/** /v1/metrics read the way kes-go's Metrics() reads it (kes-api.md §8.2). */

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}
interface Family {
  type: string;
  readonly samples: Sample[];
}

/** A strict parser of the Prometheus text format 0.0.4 (what kes-go's expfmt decodes). */
function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const familyOf = (sample: string) => {
    for (const suffix of ["_bucket", "_sum", "_count", ""]) {
      const base = suffix === "" ? sample : sample.slice(0, -suffix.length);
      if (sample.endsWith(suffix) && families.has(base)) return families.get(base) as Family;
    }
    throw new Error(`sample ${sample} before its # TYPE line`);
  };
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ")) continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type !== null) {
      assert.ok(!families.has(type[1] as string), `family ${type[1]} declared twice`);
      families.set(type[1] as string, { type: type[2] as string, samples: [] });
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m !== null, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? "").split(",").filter((p) => p !== "")) {
      const l = /^([a-zA-Z_][a-zA-Z0-9_]*)="(.*)"$/.exec(pair);
      assert.ok(l !== null, `bad label ${pair}`);
      labels[l[1] as string] = l[2] as string;
    }
    const value = m[3] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[3]);
    assert.ok(!Number.isNaN(value), `bad value in ${line}`);
    familyOf(m[1] as string).samples.push({ name: m[1] as string, labels, value });
  }
  return families;
}

const COUNTERS_BY_CODE = [
  "kes_http_request_success",
  "kes_http_request_error",
  "kes_http_request_failure",
];
const SINGLE_SAMPLE = [
  "kes_http_request_active",
  "kes_log_error_events",
  "kes_log_audit_events",
  "kes_system_up_time",
  "kes_system_num_cpu",
  "kes_system_num_cpu_used",
  "kes_system_num_threads",
  "kes_system_mem_heap_used",
  "kes_system_mem_heap_objects",
  "kes_system_mem_stack_used",
];

describe("GET /v1/metrics", () => {
  let pki: TestPki;
  let gw: TestGateway;
  const registry = new Registry();
  const admin = (method: string, path: string, headers?: Record<string, string>) =>
    h2request(gw.port, pki.admin, { method, path, ...(headers === undefined ? {} : { headers }) });

  before(async () => {
    pki = await makeTestPki();
    // Another service's metric on the same registry, as under `kes server`.
    new Counter({
      name: "kes_ts_crypto_cache_hits_total",
      help: "test",
      registers: [registry],
    }).inc(3);
    gw = await startTestGateway(pki, { extra: { metrics: registry } });
  });
  after(async () => {
    await gw?.close();
    await pki?.cleanup();
  });

  it("every KES family as kes-go reads it: counters per code, one sample elsewhere, KES's buckets", async () => {
    assert.equal((await admin("POST", "/v1/key/create/m1")).status, 200);
    assert.equal((await admin("GET", "/v1/key/describe/m1")).status, 200);
    assert.equal((await admin("GET", "/v1/key/describe/none")).status, 404);
    assert.equal((await admin("GET", "/v1/nothing")).status, 501);
    assert.equal((await admin("GET", "/v1/status")).status, 200);
    assert.equal(
      (await admin("GET", "/v1/key/create")).status,
      301,
      "not a KES answer: not counted",
    );
    assert.equal((await admin("GET", "/v1/metrics")).status, 200, "not counted (KES)");

    const res = await admin("GET", "/v1/metrics");
    assert.equal(res.status, 200);
    assert.equal(res.contentType, "text/plain; version=0.0.4; charset=utf-8");
    const families = parseExposition(res.body);

    const byCode = (name: string) =>
      Object.fromEntries((families.get(name)?.samples ?? []).map((s) => [s.labels.code, s.value]));
    for (const name of COUNTERS_BY_CODE) {
      assert.equal(families.get(name)?.type, "counter", name);
      for (const s of families.get(name)?.samples ?? [])
        assert.deepEqual(Object.keys(s.labels), ["code"]);
    }
    assert.deepEqual(byCode("kes_http_request_success"), { "200": 3 });
    assert.deepEqual(byCode("kes_http_request_error"), { "404": 1 });
    assert.deepEqual(byCode("kes_http_request_failure"), { "501": 1 });

    for (const name of SINGLE_SAMPLE) {
      const family = families.get(name);
      assert.ok(family !== undefined, `${name} is missing`);
      assert.equal(family.samples.length, 1, `${name}: exactly one sample (kes-go rejects others)`);
      assert.deepEqual(family.samples[0]?.labels, {}, `${name}: no labels`);
    }
    const value = (name: string) => families.get(name)?.samples[0]?.value;
    assert.equal(families.get("kes_http_request_active")?.type, "gauge");
    assert.equal(value("kes_http_request_active"), 0, "/v1/metrics itself is not counted");
    assert.equal(
      value("kes_log_audit_events"),
      3,
      "create, describe, describe (status is not audited)",
    );
    assert.ok((value("kes_system_up_time") ?? 0) > 0);
    assert.ok((value("kes_system_num_cpu") ?? 0) >= 1);
    assert.ok((value("kes_system_num_threads") ?? 0) >= 1);
    assert.ok((value("kes_system_mem_heap_used") ?? 0) > 0);

    const histogram = families.get("kes_http_response_time");
    assert.equal(histogram?.type, "histogram");
    const buckets = histogram?.samples.filter((s) => s.name.endsWith("_bucket")) ?? [];
    for (const s of histogram?.samples ?? []) {
      assert.deepEqual(
        Object.keys(s.labels).filter((l) => l !== "le"),
        [],
        "no labels but le",
      );
    }
    assert.deepEqual(
      buckets.map((b) => b.labels.le),
      [...RESPONSE_TIME_BUCKETS.map(String), "+Inf"],
    );
    const count = histogram?.samples.find((s) => s.name === "kes_http_response_time_count")?.value;
    assert.equal(count, 5, "every counted request is timed");
    assert.equal(buckets.at(-1)?.value, 5);

    // Our own families are there too, under their own prefix, and KES's parser ignores them.
    assert.equal(value("kes_ts_crypto_cache_hits_total"), 3);
    const calls = families.get("kes_ts_crypto_call_duration_seconds");
    assert.equal(calls?.type, "histogram");
    const methods = new Set(calls?.samples.map((s) => s.labels.method));
    assert.ok(
      methods.has("createKey") && methods.has("describeKey") && methods.has("keyStoreStatus"),
    );
    for (const name of families.keys()) assert.match(name, /^kes_(http|log|system|ts)_/);
  });

  it("OpenMetrics when the client asks for it, counters with _total, then text again", async () => {
    const res = await admin("GET", "/v1/metrics", {
      accept: "application/openmetrics-text; version=1.0.0",
    });
    assert.equal(res.contentType, "application/openmetrics-text; version=1.0.0; charset=utf-8");
    assert.match(res.body, /^# TYPE kes_http_request_success counter$/m);
    assert.match(res.body, /^kes_http_request_success_total\{code="200"\} \d+$/m);
    assert.match(res.body, /^kes_ts_crypto_cache_hits_total 3$/m);
    assert.ok(res.body.endsWith("# EOF\n"));
    const text = await admin("GET", "/v1/metrics");
    assert.match(text.body, /^kes_http_request_success\{code="200"\} \d+$/m);
    assert.match(text.body, /^kes_ts_crypto_cache_hits_total 3$/m);
  });

  it("needs a policy", async () => {
    const res = await h2request(gw.port, pki.app, { method: "GET", path: "/v1/metrics" });
    assert.equal(res.status, 403);
  });
});

describe("metrics content negotiation", () => {
  it("text by default and for anything else; OpenMetrics only when asked for with q > 0", () => {
    assert.equal(negotiate(undefined), "text");
    assert.equal(negotiate("*/*"), "text");
    assert.equal(
      negotiate(
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
      ),
      "text",
    );
    assert.equal(
      negotiate("application/openmetrics-text;version=1.0.0,text/plain;q=0.5"),
      "openmetrics",
    );
    assert.equal(negotiate("text/plain, application/openmetrics-text; q=0"), "text");
  });
});
