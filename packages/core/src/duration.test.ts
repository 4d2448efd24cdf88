import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatDuration, parseDuration } from "./duration.js";

describe("Go durations", () => {
  it("parses what KES configs write", () => {
    assert.equal(parseDuration("15s"), 15_000);
    assert.equal(parseDuration("5m"), 300_000);
    assert.equal(parseDuration("1h30m"), 5_400_000);
    assert.equal(parseDuration("250ms"), 250);
    assert.equal(parseDuration("1.5s"), 1500);
    assert.equal(parseDuration("0s"), 0);
    assert.equal(parseDuration("0"), 0);
  });
  it("refuses what Go refuses", () => {
    for (const bad of ["", "15", "s", "1x", "1 s", "1s2", "--1s"]) {
      assert.throws(() => parseDuration(bad), /invalid duration/, bad);
    }
  });
  it("formats like Go", () => {
    assert.equal(formatDuration(0), "0s");
    assert.equal(formatDuration(90_000), "1m30s");
    assert.equal(formatDuration(250), "250ms");
    assert.equal(formatDuration(3_600_000), "1h0m0s");
  });
});
