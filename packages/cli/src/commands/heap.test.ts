import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const HEAP = fileURLToPath(new URL("./heap.js", import.meta.url));

/** Runs tuneHeap() in a fresh node and reports what V8's flag ends up as. */
function run(execArgv: string[]): { applied: boolean; flag: string } {
  const script = `
    import("${HEAP}").then((m) => {
      const applied = m.tuneHeap();
      const flag = process.execArgv.join(" ");
      console.log(JSON.stringify({ applied, flag }));
    });`;
  const out = spawnSync(process.execPath, [...execArgv, "-e", script], { encoding: "utf8" });
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout) as { applied: boolean; flag: string };
}

describe("the server's heap growth bound", () => {
  it("is applied by default", () => {
    assert.equal(run([]).applied, true);
  });

  it("leaves an operator's own setting alone", () => {
    assert.equal(run(["--heap-growing-percent=200"]).applied, false);
    assert.equal(run(["--heap_growing_percent=300"]).applied, false);
  });
});
