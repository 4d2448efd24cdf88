import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Counter, Gauge, type OpenMetricsContentType, Registry } from "prom-client";
import { FastCounter } from "./counter.js";

function registries(format: "text" | "openmetrics") {
  const ours = new Registry<OpenMetricsContentType>();
  const theirs = new Registry<OpenMetricsContentType>();
  if (format === "openmetrics") {
    ours.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    theirs.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  }
  return { ours, theirs };
}

describe("FastCounter", () => {
  for (const format of ["text", "openmetrics"] as const) {
    it(`renders exactly as prom-client's Counter and Gauge (${format})`, async () => {
      const { ours, theirs } = registries(format);
      const byCode = FastCounter.register(ours, {
        name: "req",
        help: "Requests.",
        labelName: "code",
      });
      const refByCode = new Counter({
        name: "req",
        help: "Requests.",
        labelNames: ["code"],
        registers: [theirs],
      });
      const plain = FastCounter.register(ours, { name: "events", help: "Events." });
      const refPlain = new Counter({ name: "events", help: "Events.", registers: [theirs] });
      const active = FastCounter.register(ours, { name: "active", help: "Active.", type: "gauge" });
      const refActive = new Gauge({ name: "active", help: "Active.", registers: [theirs] });
      for (const code of ["200", "404", "200", "503", "200"]) {
        byCode.series(code).inc();
        refByCode.labels(code).inc();
      }
      plain.series().inc();
      refPlain.inc();
      for (let i = 0; i < 3; i++) {
        active.series().inc();
        refActive.inc();
      }
      active.series().dec();
      refActive.dec();
      const text = await ours.metrics();
      assert.equal(text, await theirs.metrics());
      assert.match(text, /req(_total)?\{code="200"\} 3/);
    });
  }

  it("shows the one series of an unlabelled counter from the start, none of a labelled one", async () => {
    const registry = new Registry();
    FastCounter.register(registry, { name: "a", help: "h" });
    FastCounter.register(registry, { name: "b", help: "h", labelName: "code" });
    assert.equal(
      await registry.metrics(),
      "# HELP a h\n# TYPE a counter\na 0\n\n# HELP b h\n# TYPE b counter\n",
    );
  });

  it("is shared by whoever registers the same name; reset zeroes it", async () => {
    const registry = new Registry();
    const a = FastCounter.register(registry, { name: "c", help: "h" });
    assert.equal(FastCounter.register(registry, { name: "c", help: "h" }), a);
    a.series().inc();
    a.reset();
    assert.match(await registry.metrics(), /^c 0$/m);
  });
});
