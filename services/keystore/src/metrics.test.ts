import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { errors } from "@kes/core";
import { Registry } from "prom-client";
import { createMemoryKeyStore } from "./backends/memory.js";
import { instrumentKeyStore } from "./metrics.js";

describe("keystore metrics", () => {
  it("counts calls by op and backend, and failures that are not answers", async () => {
    const registry = new Registry();
    const inner = createMemoryKeyStore();
    const store = instrumentKeyStore(inner, registry);
    await store.create("a", new Uint8Array([1]));
    await assert.rejects(store.create("a", new Uint8Array([1])), { name: "KesError" });
    await assert.rejects(store.get("missing"));
    assert.deepEqual(await store.get("a"), new Uint8Array([1]));
    const broken = instrumentKeyStore(
      { ...inner, kind: "broken", list: () => Promise.reject(errors.keystoreFailure("down")) },
      registry,
    );
    await assert.rejects(broken.list({ prefix: "" }));
    const json = await registry.getMetricsAsJSON();
    const values = (name: string) =>
      Object.fromEntries(
        (json.find((m) => m.name === name)?.values ?? [])
          .filter((v) => !("le" in v.labels))
          .map((v) => [`${v.labels.op}/${v.labels.backend}`, v.value]),
      );
    assert.deepEqual(values("kes_ts_keystore_calls_total"), {
      "create/memory": 2,
      "get/memory": 2,
      "list/broken": 1,
    });
    assert.deepEqual(values("kes_ts_keystore_errors_total"), { "list/broken": 1 });
    const text = await registry.metrics();
    assert.match(
      text,
      /^kes_ts_keystore_call_duration_seconds_count\{op="get",backend="memory"\} 2$/m,
    );
  });
});
