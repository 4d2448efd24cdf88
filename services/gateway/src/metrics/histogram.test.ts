import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Histogram, type OpenMetricsContentType, Registry } from "prom-client";
import { FastHistogram } from "./histogram.js";

const BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1];
const VALUES = [0.001, 0.01, 0.0100001, 0.07, 0.3, 0.3, 1, 2.5, 42];

async function both(format: "text" | "openmetrics", labelled: boolean) {
  const ours = new Registry<OpenMetricsContentType>();
  const theirs = new Registry<OpenMetricsContentType>();
  if (format === "openmetrics") {
    ours.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    theirs.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  }
  const spec = { name: "t_seconds", help: "Some help.", buckets: BUCKETS };
  const fast = FastHistogram.register(ours, labelled ? { ...spec, labelName: "method" } : spec);
  const reference = new Histogram({
    ...spec,
    labelNames: labelled ? ["method"] : [],
    registers: [theirs],
  });
  for (const [i, value] of VALUES.entries()) {
    const method = i % 3 === 0 ? "generate" : "decrypt";
    if (labelled) {
      fast.series(method).observe(value);
      reference.labels(method).observe(value);
    } else {
      fast.series().observe(value);
      reference.observe(value);
    }
  }
  return { ours: await ours.metrics(), theirs: await theirs.metrics() };
}

describe("FastHistogram", () => {
  for (const format of ["text", "openmetrics"] as const) {
    for (const labelled of [false, true]) {
      it(`renders exactly as prom-client's Histogram (${format}, ${labelled ? "one label" : "no labels"})`, async () => {
        const { ours, theirs } = await both(format, labelled);
        assert.equal(ours, theirs);
        assert.match(ours, /t_seconds_count/);
      });
    }
  }

  it("shows no sample of a labelled histogram before its first observation, as prom-client", async () => {
    const registry = new Registry();
    FastHistogram.register(registry, { name: "x", help: "h", buckets: [1], labelName: "m" });
    assert.equal(await registry.metrics(), "# HELP x h\n# TYPE x histogram\n");
  });

  it("is shared by whoever registers the same name on one registry; reset empties it", async () => {
    const registry = new Registry();
    const a = FastHistogram.register(registry, { name: "y", help: "h", buckets: [1] });
    const b = FastHistogram.register(registry, { name: "y", help: "h", buckets: [1] });
    assert.equal(a, b);
    a.series().observe(0.5);
    b.series().observe(Number.NaN); // ignored, as prom-client refuses it
    assert.match(await registry.metrics(), /y_count 1/);
    a.reset();
    assert.match(await registry.metrics(), /y_count 0/);
  });
});
