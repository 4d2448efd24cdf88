/** The whole harness, tiny: the ceiling scenario through run → JSON → docs. Asserts shape, not speed. */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseOptions } from "./options.js";
import { RESULTS_BEGIN, RESULTS_END } from "./report/markdown.js";
import type { BenchResults } from "./report/results.js";
import { runBench } from "./run.js";
import { SCENARIOS } from "./scenarios/index.js";

describe("pnpm bench, smoke run against the ceiling", () => {
  let dir: string;
  let results: BenchResults;
  let file: string;
  let docs: string;
  const lines: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-bench-smoke-"));
    docs = join(dir, "performance.md");
    await writeFile(docs, "# Performance\n\nhand-written prose\n");
    const options = parseOptions(
      [
        "--scenarios=ceiling",
        "--concurrency=1,4",
        "--protocols=h2,h1",
        "--duration=5s",
        "--pairs=20",
        "--warmup=1s",
        "--warmup-pairs=5",
        "--idle=0s",
      ],
      SCENARIOS.map((s) => s.id),
      { scenarios: ["ceiling"], outDir: dir, docs },
    );
    assert.ok(options !== "help");
    ({ results, file } = await runBench(options, "pnpm bench (smoke)", (l) => lines.push(l)));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("measures every protocol × concurrency with matched pairs and no errors", () => {
    const ceiling = results.scenarios[0];
    assert.equal(ceiling?.id, "ceiling");
    assert.equal(ceiling.status, "ok", ceiling.reason);
    assert.ok(typeof ceiling.startupMs === "number" && ceiling.startupMs > 0);
    assert.ok((ceiling.idleRss?.ceiling ?? 0) > 0);
    assert.deepEqual(
      ceiling.runs.map((r) => `${r.protocol}/${r.concurrency}`),
      ["h2/1", "h2/4", "h1/1", "h1/4"],
    );
    for (const r of ceiling.runs) {
      assert.equal(r.status, "ok", JSON.stringify(r.errorKinds));
      assert.equal(r.pairs, 20, "the count bound came first");
      assert.equal(r.errors + r.mismatches, 0);
      assert.ok(r.pairsPerSecond > 0 && r.seconds > 0);
      for (const l of [r.latencyMs.pair, r.latencyMs.generate, r.latencyMs.decrypt]) {
        assert.equal(l.count, 20);
        assert.ok(l.p50 > 0 && l.p50 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max);
      }
      assert.ok(r.cpu.totalSeconds >= 0 && Number.isFinite(r.cpu.perThousandPairs));
      assert.deepEqual(Object.keys(r.cpu.processes), ["ceiling"]);
      assert.ok((r.memory.peakRss.ceiling ?? 0) > 10e6);
      assert.equal(r.loadavg.length, 3);
    }
  });

  it("writes the JSON with the machine, command and date, and the ratios", async () => {
    const written = JSON.parse(await readFile(file, "utf8")) as BenchResults;
    assert.equal(written.command, "pnpm bench (smoke)");
    assert.ok(!Number.isNaN(Date.parse(written.date)));
    assert.ok(written.machine.cores > 0 && written.machine.cpuModel !== "");
    assert.equal(written.machine.loadavgEnd.length, 3);
    assert.equal(written.scenarios[0]?.runs.length, 4);
    const startup = written.ratios.find((r) => r.name === "kes server startup to ready");
    assert.equal(startup?.verdict, "n/a", "kes server did not run");
  });

  it("regenerates the table in the docs page and keeps its prose", async () => {
    const page = await readFile(docs, "utf8");
    assert.match(page, /hand-written prose/);
    assert.ok(page.includes(RESULTS_BEGIN) && page.includes(RESULTS_END));
    assert.match(page, /\| ceiling \| 4 \| \d+ \|/);
    assert.match(page, /#### HTTP\/1\.1/);
  });
});
