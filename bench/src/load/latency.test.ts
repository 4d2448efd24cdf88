import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LatencyRecorder, percentile, summarize } from "./latency.js";

describe("percentile (nearest rank)", () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  it("is the smallest value with at least p % of the sample at or below it", () => {
    assert.equal(percentile(hundred, 50), 50);
    assert.equal(percentile(hundred, 99), 99);
    assert.equal(percentile(hundred, 99.9), 100);
    assert.equal(percentile(hundred, 100), 100);
    assert.equal(percentile(hundred, 1), 1);
    assert.equal(percentile(hundred, 0.5), 1);
  });

  it("does not round an exact rank up (99.9 % of 1000 values is the 999th)", () => {
    const thousand = Array.from({ length: 1000 }, (_, i) => i + 1);
    assert.equal(percentile(thousand, 99.9), 999);
    assert.equal(percentile(thousand, 99), 990);
  });

  it("handles a single value and an empty sample", () => {
    assert.equal(percentile([7], 50), 7);
    assert.equal(percentile([7], 99.9), 7);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it("refuses percentiles outside (0, 100]", () => {
    assert.throws(() => percentile(hundred, 0), RangeError);
    assert.throws(() => percentile(hundred, 100.1), RangeError);
    assert.throws(() => percentile(hundred, Number.NaN), RangeError);
  });
});

describe("summarize", () => {
  it("sorts numerically (not as strings) and reports min, mean, percentiles, max", () => {
    const s = summarize([10, 9, 100, 2, 1]);
    assert.deepEqual(
      { min: s.min, max: s.max, p50: s.p50, mean: s.mean, count: s.count },
      { min: 1, max: 100, p50: 9, mean: 24.4, count: 5 },
    );
  });

  it("puts a rare slow request in p99.9 but not in p99", () => {
    const values = [...Array.from({ length: 999 }, () => 1), 500];
    const s = summarize(values);
    assert.equal(s.p99, 1);
    assert.equal(s.p999, 1);
    const more = summarize([...values, 500]); // 2 in 1000: now inside p99.9
    assert.equal(more.p999, 500);
    assert.equal(more.p99, 1);
  });

  it("gives NaN statistics for an empty sample", () => {
    const s = summarize([]);
    assert.equal(s.count, 0);
    assert.ok(Number.isNaN(s.p50) && Number.isNaN(s.mean) && Number.isNaN(s.max));
  });
});

describe("LatencyRecorder", () => {
  it("keeps every value in order across growth, and clears", () => {
    const r = new LatencyRecorder();
    for (let i = 0; i < 5000; i++) r.record(i / 10);
    assert.equal(r.count, 5000);
    const values = r.toArray();
    assert.equal(values[0], 0);
    assert.equal(values[4999], 499.9);
    r.clear();
    assert.equal(r.count, 0);
    assert.deepEqual(r.toArray(), []);
  });

  it("refuses negative and non-finite latencies", () => {
    const r = new LatencyRecorder();
    assert.throws(() => r.record(-1), RangeError);
    assert.throws(() => r.record(Number.POSITIVE_INFINITY), RangeError);
  });
});
