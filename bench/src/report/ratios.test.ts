import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { summarize } from "../load/latency.js";
import { computeRatios } from "./ratios.js";
import type { RunResult, ScenarioResult } from "./results.js";

function run(
  concurrency: number,
  pairsPerSecond: number,
  p99: number,
  extra: Partial<RunResult> = {},
): RunResult {
  const latency = { ...summarize([1]), p99 };
  return {
    protocol: "h2",
    concurrency,
    status: "ok",
    pairs: 1000,
    mismatches: 0,
    errors: 0,
    errorKinds: {},
    seconds: 1,
    pairsPerSecond,
    latencyMs: { pair: latency, generate: latency, decrypt: latency },
    cpu: {
      processes: {},
      totalSeconds: 1,
      perThousandPairs: 1,
      perThousandPairsByProcess: {},
      loadGeneratorSeconds: 0,
    },
    memory: { peakRss: { "kes server": 120e6 }, peakMethod: "window" },
    loadavg: [0, 0, 0],
    ...extra,
  };
}

function scenario(
  id: string,
  runs: RunResult[],
  extra: Partial<ScenarioResult> = {},
): ScenarioResult {
  return { id, label: id, description: id, status: "ok", runs, ...extra };
}

const byName = (ratios: ReturnType<typeof computeRatios>, name: string) => {
  const r = ratios.find((x) => x.name === name);
  assert.ok(r, `no ratio named ${name}`);
  return r;
};

describe("issue #5 ratios", () => {
  const ceiling = scenario("ceiling", [run(16, 1000, 10), run(64, 1000, 40)]);

  it("judges kes server against the ceiling: throughput ≥ 0.9, p99 ≤ 1.5", () => {
    const kes = scenario("kes-fs", [run(16, 950, 16), run(64, 800, 50)], {
      startupMs: 700,
      idleRss: { "kes server": 90e6 },
    });
    const ratios = computeRatios([ceiling, kes], ["h2"]);
    const t16 = byName(ratios, "kes server / ceiling pairs/s, c=16, h2");
    assert.deepEqual([t16.value, t16.verdict], [0.95, "PASS"]);
    const t64 = byName(ratios, "kes server / ceiling pairs/s, c=64, h2");
    assert.deepEqual([t64.value, t64.verdict], [0.8, "FAIL"]);
    const p16 = byName(ratios, "kes server / ceiling p99 pair latency, c=16, h2");
    assert.deepEqual([p16.value, p16.verdict], [1.6, "FAIL"]);
    const p64 = byName(ratios, "kes server / ceiling p99 pair latency, c=64, h2");
    assert.deepEqual([p64.value, p64.verdict], [1.25, "PASS"]);
    assert.equal(byName(ratios, "kes server startup to ready").verdict, "PASS");
    assert.equal(byName(ratios, "kes server RSS idle after startup").value, 90);
    assert.equal(byName(ratios, "kes server RSS under load (peak over its runs)").verdict, "PASS");
  });

  it("does not judge a ratio whose input run had errors, and says n/a for what was not run", () => {
    const kes = scenario("kes-fs", [
      run(16, 950, 10, { status: "errors", errors: 3 }),
      run(64, 1000, 40),
    ]);
    const ratios = computeRatios([ceiling, kes], ["h2"]);
    const bad = byName(ratios, "kes server / ceiling pairs/s, c=16, h2");
    assert.equal(bad.verdict, "INVALID");
    assert.equal(byName(ratios, "split / kes server pairs/s, c=16, h2").verdict, "n/a");
    assert.equal(byName(ratios, "CipherTrust warm / fs pairs/s, c=64, h2").verdict, "n/a");
    assert.equal(byName(ratios, "gRPC hop CPU per request (split − kes server)").verdict, "n/a");
    assert.equal(
      byName(ratios, "kes server RSS under load (peak over its runs)").verdict,
      "INVALID",
    );
  });

  it("computes CipherTrust warm / fs, split / kes server and the hop's CPU per request", () => {
    const kes = scenario("kes-fs", [run(16, 1000, 10), run(64, 1000, 40)]);
    const warm = scenario("cm-warm", [run(16, 960, 10), run(64, 900, 40)]);
    const split = scenario("split", [
      run(16, 700, 10, { cpu: { ...run(16, 0, 0).cpu, perThousandPairs: 1.6 } }),
      run(64, 500, 40),
    ]);
    const ratios = computeRatios([ceiling, kes, warm, split], ["h2"]);
    assert.equal(byName(ratios, "CipherTrust warm / fs pairs/s, c=16, h2").verdict, "PASS");
    assert.equal(byName(ratios, "CipherTrust warm / fs pairs/s, c=64, h2").verdict, "FAIL");
    assert.equal(byName(ratios, "split / kes server pairs/s, c=16, h2").verdict, "PASS");
    assert.equal(byName(ratios, "split / kes server pairs/s, c=64, h2").verdict, "FAIL");
    const cpu = byName(ratios, "split / kes server CPU per pair, c=16, h2");
    assert.deepEqual([cpu.value, cpu.verdict, cpu.target], [1.6, "info", "—"]);
    assert.equal(byName(ratios, "ceiling-compat / ceiling CPU per pair, c=16, h2").verdict, "n/a");
    const hop = byName(ratios, "gRPC hop CPU per request, c=16, h2");
    assert.equal(hop.verdict, "info");
    assert.ok(Math.abs((hop.value ?? 0) - 0.3) < 1e-9); // (1.6 − 1.0) ms per pair / 2 requests
  });

  it("fails the memory and startup targets when over", () => {
    const kes = scenario(
      "kes-fs",
      [run(16, 1000, 10, { memory: { peakRss: { "kes server": 151e6 }, peakMethod: "window" } })],
      {
        startupMs: 1600,
        idleRss: { "kes server": 101e6 },
      },
    );
    const ratios = computeRatios([kes], ["h2"]);
    assert.equal(byName(ratios, "kes server RSS under load (peak over its runs)").verdict, "FAIL");
    assert.equal(byName(ratios, "kes server RSS idle after startup").verdict, "FAIL");
    assert.equal(byName(ratios, "kes server startup to ready").verdict, "FAIL");
  });
});
