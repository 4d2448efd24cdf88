import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isKesError } from "@kes/core";
import { parseOptions } from "./options.js";

const KNOWN = ["ceiling", "kes-fs", "cm-cold"];
const DEFAULTS = { scenarios: ["ceiling", "kes-fs"], outDir: "/out", docs: "/docs/performance.md" };
const parse = (...argv: string[]) => parseOptions(argv, KNOWN, DEFAULTS);

function refused(argv: string[], pattern: RegExp) {
  assert.throws(
    () => parse(...argv),
    (err: unknown) => isKesError(err, "invalid_argument") && pattern.test((err as Error).message),
  );
}

describe("bench options", () => {
  it("defaults: both protocols, 1/16/64, 6 s runs after a 2 s warm-up, docs updated", () => {
    const o = parse();
    assert.ok(o !== "help");
    assert.deepEqual(o.protocols, ["h2", "h1"]);
    assert.deepEqual(o.concurrency, [1, 16, 64]);
    assert.deepEqual([o.durationMs, o.warmupMs, o.coldKeys], [6000, 2000, 2000]);
    assert.deepEqual(o.scenarios, ["ceiling", "kes-fs"]);
    assert.equal(o.docs, "/docs/performance.md");
    assert.equal(o.cpuProf, false);
  });

  it("--quick shortens the runs; explicit flags still win", () => {
    const o = parse("--quick", "--duration", "3s");
    assert.ok(o !== "help");
    assert.deepEqual([o.durationMs, o.warmupMs, o.coldKeys, o.quick], [3000, 1000, 600, true]);
    assert.deepEqual(o.protocols, ["h2"]);
  });

  it("reads lists, Go durations and numbers", () => {
    const o = parse(
      "--scenarios=kes-fs,cm-cold",
      "--concurrency",
      "64, 8,64",
      "--protocols=h1",
      "--duration=1m30s",
      "--pairs=500",
      "--no-docs",
      "--cpu-prof",
    );
    assert.ok(o !== "help");
    assert.deepEqual(o.scenarios, ["kes-fs", "cm-cold"]);
    assert.deepEqual(o.concurrency, [64, 8]);
    assert.deepEqual(o.protocols, ["h1"]);
    assert.equal(o.durationMs, 90_000);
    assert.equal(o.maxPairs, 500);
    assert.equal(o.docs, undefined);
    assert.equal(o.cpuProf, true);
  });

  it("returns help for -h", () => {
    assert.equal(parse("-h"), "help");
  });

  it("refuses bad values, naming the flag and the problem", () => {
    refused(
      ["--scenarios", "kes-fs,nope"],
      /--scenarios: unknown scenario 'nope' \(known: ceiling/,
    );
    refused(
      ["--concurrency", "0"],
      /--concurrency: expected a whole number from 1 to 1024, got '0'/,
    );
    refused(["--concurrency", "1.5"], /--concurrency/);
    refused(["--concurrency", ","], /--concurrency: the list is empty/);
    refused(["--protocols", "h3"], /--protocols: expected h2 or h1, got 'h3'/);
    refused(["--duration", "8"], /--duration: expected a duration such as 8s/);
    refused(["--duration", "10ms"], /--duration: must be at least 100 ms/);
    refused(["--pairs", "-3"], /--pairs/);
    refused(["--docs", "x.md", "--no-docs"], /--docs and --no-docs/);
    refused(["--bogus"], /bogus/);
    refused(["stray"], /stray/);
  });
});
