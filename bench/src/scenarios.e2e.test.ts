/**
 * The multi-process scenarios through the whole harness, tiny: the split deployment and the
 * CipherTrust backend, warm and cold. Asserts what each scenario promises (processes, CM calls
 * per window), not speeds.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseOptions } from "./options.js";
import type { BenchResults, ScenarioResult } from "./report/results.js";
import { runBench } from "./run.js";
import { SCENARIOS } from "./scenarios/index.js";

describe("bench scenarios: split deployment and CipherTrust (warm, cold)", () => {
  let dir: string;
  let results: BenchResults;
  const lines: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-bench-e2e-"));
    const options = parseOptions(
      [
        "--scenarios=split,cm-warm,cm-cold",
        "--concurrency=4",
        "--protocols=h2",
        "--duration=20s",
        "--pairs=20",
        "--cold-keys=12",
        "--warmup=5s",
        "--warmup-pairs=8",
        "--idle=0s",
        "--no-docs",
      ],
      SCENARIOS.map((s) => s.id),
      { scenarios: [], outDir: dir, docs: join(dir, "unused.md") },
    );
    assert.ok(options !== "help");
    ({ results } = await runBench(options, "pnpm bench (e2e)", (l) => lines.push(l)));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const scenario = (id: string): ScenarioResult => {
    const s = results.scenarios.find((x) => x.id === id);
    assert.ok(s, `no ${id} in the results`);
    assert.equal(s.status, "ok", `${id}: ${s.reason}\n${lines.join("\n")}`);
    assert.equal(s.runs.length, 1);
    assert.equal(s.runs[0]?.status, "ok", JSON.stringify(s.runs[0]?.errorKinds));
    return s;
  };

  it("split: three processes, each accounted, answering through the gateway", () => {
    const s = scenario("split");
    const run = s.runs[0]!;
    assert.equal(run.pairs, 20);
    assert.deepEqual(Object.keys(run.cpu.processes).sort(), ["crypto", "gateway", "keystore"]);
    assert.deepEqual(Object.keys(s.idleRss ?? {}).sort(), ["crypto", "gateway", "keystore"]);
    assert.ok((s.startupMs ?? 0) > 0);
    const hop = results.ratios.find((r) => r.name === "gRPC hop CPU per request, c=16, h2");
    assert.equal(hop?.verdict, "n/a", "c=16 was not measured");
  });

  it("CipherTrust warm: no CM request during the measured window", () => {
    const run = scenario("cm-warm").runs[0]!;
    assert.equal(run.pairs, 20);
    assert.deepEqual(run.backendCalls, {});
    assert.ok("ciphertrust-sim" in run.cpu.processes && "kes server" in run.cpu.processes);
  });

  it("CipherTrust cold: one key export per pair, and the run ends when the keys run out", () => {
    const run = scenario("cm-cold").runs[0]!;
    assert.equal(run.pairs, 12, "bounded by --cold-keys");
    assert.deepEqual(run.backendCalls, { "secrets.export": 12 });
  });
});
