import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createMemoryKeyStore } from "@kes/keystore-service";
import { Registry } from "prom-client";
import { createCryptoService } from "./crypto-service.js";

describe("crypto service metrics", () => {
  it("counts key-cache hits and misses, and its keystore calls, on the registry given", async () => {
    const registry = new Registry();
    const crypto = createCryptoService({ keystore: createMemoryKeyStore(), metrics: registry });
    try {
      await crypto.createKey("k", "");
      const context = new Uint8Array(0);
      await crypto.generate("k", context); // miss: loaded from the keystore
      await crypto.generate("k", context); // hit
      await crypto.encrypt("k", new Uint8Array([1]), context); // hit
      await assert.rejects(crypto.generate("missing", context)); // miss
      const text = await registry.metrics();
      const value = (line: RegExp) => Number(line.exec(text)?.[1]);
      assert.equal(value(/^kes_ts_crypto_cache_hits_total (\d+)$/m), 2);
      assert.equal(value(/^kes_ts_crypto_cache_misses_total (\d+)$/m), 2);
      assert.equal(value(/^kes_ts_keystore_calls_total\{op="get",backend="memory"\} (\d+)$/m), 2);
      assert.equal(
        value(/^kes_ts_keystore_calls_total\{op="create",backend="memory"\} (\d+)$/m),
        1,
      );
      assert.doesNotMatch(text, /kes_ts_keystore_errors_total\{/, "a missing key is an answer");
    } finally {
      await crypto.close();
    }
  });
});
