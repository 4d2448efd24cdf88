import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_RETRY, retryDelay, sleep } from "./retry.js";

describe("retry policy", () => {
  it("is kes-go's: two retries after 200 ms plus up to 800 ms", () => {
    assert.deepEqual(DEFAULT_RETRY, { retries: 2, minDelayMs: 200, jitterMs: 800 });
    assert.equal(
      retryDelay(DEFAULT_RETRY, () => 0),
      200,
    );
    assert.equal(
      retryDelay(DEFAULT_RETRY, () => 0.5),
      600,
    );
    assert.equal(
      retryDelay(DEFAULT_RETRY, () => 0.9999),
      999,
    );
  });

  it("stops sleeping when the signal aborts, with the signal's reason", async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort(new Error("stop"));
    await assert.rejects(pending, /stop/);
    await assert.rejects(sleep(1, AbortSignal.abort(new Error("already"))), /already/);
  });
});
