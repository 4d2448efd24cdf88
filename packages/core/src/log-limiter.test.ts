import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogLimiter } from "./log-limiter.js";

describe("log limiter", () => {
  it("one line per key per interval, with the count of those left out", () => {
    let clock = 0;
    const limit = createLogLimiter({ intervalMs: 100, now: () => clock });
    assert.equal(limit("a"), 0);
    assert.equal(limit("a"), undefined);
    assert.equal(limit("b"), 0);
    clock = 99;
    assert.equal(limit("a"), undefined);
    clock = 100;
    assert.equal(limit("a"), 2);
    assert.equal(limit("a"), undefined);
  });

  it("a fixed number of lines per interval in all; the keys remembered are bounded", () => {
    let clock = 0;
    const limit = createLogLimiter({
      intervalMs: 100,
      maxLinesPerInterval: 2,
      maxKeys: 3,
      now: () => clock,
    });
    const first = ["k1", "k2", "k3", "k4", "k5"].map((k) => limit(k));
    assert.deepEqual(first, [0, 0, undefined, undefined, undefined]);
    clock = 100;
    // k1 and k2 were pushed out by k3..k5 (at most 3 remembered): their count is gone.
    assert.equal(limit("k5"), 1);
    assert.equal(limit("k1"), 0);
  });
});
