import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { summarize } from "../load/latency.js";
import type { RunResult, ScenarioResult } from "./results.js";
import { median, mergeRounds } from "./rounds.js";

function run(
  concurrency: number,
  pairsPerSecond: number,
  status: RunResult["status"] = "ok",
): RunResult {
  const l = summarize([1]);
  return {
    protocol: "h2",
    concurrency,
    status,
    pairs: 10,
    mismatches: 0,
    errors: status === "ok" ? 0 : 1,
    errorKinds: {},
    seconds: 1,
    pairsPerSecond,
    latencyMs: { pair: l, generate: l, decrypt: l },
    cpu: {
      processes: {},
      totalSeconds: 0,
      perThousandPairs: 0,
      perThousandPairsByProcess: {},
      loadGeneratorSeconds: 0,
    },
    memory: { peakRss: {}, peakMethod: "window" },
    loadavg: [0, 0, 0],
  };
}

const scenario = (
  runs: RunResult[],
  startupMs: number,
  idle: number,
  status: ScenarioResult["status"] = "ok",
): ScenarioResult => ({
  id: "kes-fs",
  label: "kes",
  description: "",
  status,
  startupMs,
  idleRss: { "kes server": idle },
  runs,
});

describe("rounds", () => {
  it("median: the lower middle value, ignoring NaN", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2);
    assert.equal(median([Number.NaN, 5]), 5);
    assert.equal(median([]), undefined);
  });

  it("reports each cell from the round with the median pairs/s; startup and idle RSS are medians", () => {
    const merged = mergeRounds([
      [scenario([run(1, 100), run(16, 900)], 2000, 90)],
      [scenario([run(1, 300), run(16, 700)], 1000, 110)],
      [scenario([run(1, 200), run(16, 800)], 3000, 100)],
    ]);
    assert.equal(merged.length, 1);
    assert.deepEqual(
      merged[0]?.runs.map((r) => r.pairsPerSecond),
      [200, 800],
    );
    assert.equal(merged[0]?.startupMs, 2000);
    assert.deepEqual(merged[0]?.idleRss, { "kes server": 100 });
  });

  it("never hides a run with errors or a failed round", () => {
    const withErrors = mergeRounds([
      [scenario([run(1, 100)], 1, 1)],
      [scenario([run(1, 150, "errors")], 1, 1)],
      [scenario([run(1, 200)], 1, 1)],
    ]);
    assert.equal(withErrors[0]?.runs[0]?.status, "errors");
    const failed = mergeRounds([[scenario([run(1, 100)], 1, 1)], [scenario([], 1, 1, "failed")]]);
    assert.equal(failed[0]?.status, "failed");
  });
});
