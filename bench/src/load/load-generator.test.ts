import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type LoadJob, mergeResults, share, splitJob } from "./load-generator.js";
import type { PhaseResult } from "./load-run.js";

const tls = { ca: "", cert: "", key: "" };
const job = (processes: number, concurrency: number): LoadJob => ({
  endpoint: "https://127.0.0.1:1",
  protocol: "h2",
  tls,
  concurrency,
  processes,
  sessions: 1,
  warmup: { durationMs: 1000, maxPairs: 10, keys: { name: "k" } },
  measure: { durationMs: 1000, maxPairs: 101, keys: { names: ["a", "b", "c", "d", "e"] } },
  requestTimeoutMs: 1000,
  maxErrors: 10,
});

describe("splitting a load job over processes", () => {
  it("shares concurrency and bounds with no loss, and gives each process distinct keys", () => {
    const parts = splitJob(job(3, 16));
    assert.equal(parts.length, 3);
    assert.deepEqual(
      parts.map((p) => p.plan.concurrency),
      [6, 5, 5],
    );
    assert.deepEqual(
      parts.map((p) => p.plan.measure.maxPairs),
      [34, 34, 33],
    );
    const keys = parts.flatMap((p) =>
      "names" in p.plan.measure.keys ? p.plan.measure.keys.names : [],
    );
    assert.deepEqual([...keys].sort(), ["a", "b", "c", "d", "e"]);
    assert.deepEqual(parts[0]?.plan.warmup.keys, { name: "k" });
  });

  it("never starts more processes than there are concurrent pairs", () => {
    assert.equal(splitJob(job(4, 2)).length, 2);
    assert.equal(splitJob(job(1, 64)).length, 1);
  });

  it("share() splits integers and leaves Infinity alone", () => {
    assert.deepEqual(
      [0, 1, 2].map((i) => share(7, 3, i)),
      [3, 2, 2],
    );
    assert.equal(share(Number.POSITIVE_INFINITY, 3, 1), Number.POSITIVE_INFINITY);
  });
});

describe("merging results", () => {
  const part = (ok: number, elapsedMs: number, kinds: Record<string, number>): PhaseResult => ({
    ok,
    mismatches: 1,
    errors: Object.values(kinds).reduce((a, b) => a + b, 0),
    errorKinds: kinds,
    elapsedMs,
    pairMs: Array(ok).fill(elapsedMs),
    generateMs: [1],
    decryptMs: [2],
  });

  it("adds counts, concatenates samples and takes the longest window", () => {
    const merged = mergeResults([
      part(3, 100, { "x: 500": 1 }),
      part(2, 120, { "x: 500": 2, y: 1 }),
    ]);
    assert.equal(merged.ok, 5);
    assert.equal(merged.mismatches, 2);
    assert.equal(merged.errors, 4);
    assert.deepEqual(merged.errorKinds, { "x: 500": 3, y: 1 });
    assert.equal(merged.elapsedMs, 120);
    assert.equal(merged.pairMs.length, 5);
    assert.deepEqual(merged.decryptMs, [2, 2]);
  });
});
