import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const runner = fileURLToPath(new URL("./testing/run-map-store.js", import.meta.url));

/** Runs the whole suite in a child process against a map store with `flaw`. */
function runSuite(flaw: string): { ok: boolean; failed: string[]; passed: number } {
  // Without the parent runner's NODE_TEST_CONTEXT, or the child would report to it, not to us.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const child = spawnSync(process.execPath, ["--test", "--test-reporter=tap", runner], {
    env: { ...env, KES_CONTRACT_FLAW: flaw },
    encoding: "utf8",
    timeout: 120_000,
  });
  const failed = [...child.stdout.matchAll(/^\s*not ok \d+ - (.*)$/gm)].map((m) => m[1] ?? "");
  const passed = Number(/^# pass (\d+)$/m.exec(child.stdout)?.[1] ?? "0");
  return { ok: child.status === 0, failed, passed };
}

describe("the keystore contract suite itself", () => {
  it("passes a correct store", () => {
    const result = runSuite("none");
    assert.deepEqual(result.failed, []);
    assert.ok(result.ok);
    assert.ok(result.passed >= 35, `only ${result.passed} tests passed`);
  });

  const flaws: [flaw: string, caughtBy: RegExp][] = [
    ["overwrites", /refuses to create an existing name|exactly one of 20 concurrent creates/],
    ["unsorted", /ascending byte order/],
    ["loses-bytes", /returns exactly the bytes stored: binary/],
    ["duplicates-pages", /each name exactly once/],
  ];
  for (const [flaw, caughtBy] of flaws) {
    it(`catches a store with the flaw "${flaw}"`, () => {
      const result = runSuite(flaw);
      assert.equal(result.ok, false);
      assert.ok(
        result.failed.some((name) => caughtBy.test(name)),
        `failed: ${result.failed.join(" | ")}`,
      );
    });
  }
});
