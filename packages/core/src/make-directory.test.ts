import assert from "node:assert/strict";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeDirectory } from "./make-directory.js";

describe("makeDirectory", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-mkdir-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("makes every missing directory with the mode, and accepts an existing one", async () => {
    const target = join(dir, "a", "b", "c");
    await makeDirectory(target, 0o700);
    for (const d of [join(dir, "a"), join(dir, "a", "b"), target]) {
      const info = await stat(d);
      assert.ok(info.isDirectory(), d);
      assert.equal(info.mode & 0o777, 0o700 & ~process.umask(), d);
    }
    await makeDirectory(target, 0o700);
  });

  it("fails with ENOTDIR when a component is a file", async () => {
    await writeFile(join(dir, "file"), "x");
    await assert.rejects(makeDirectory(join(dir, "file", "keys"), 0o700), { code: "ENOTDIR" });
    await assert.rejects(makeDirectory(join(dir, "file"), 0o700), { code: "ENOTDIR" });
  });

  it("ends with an error under /proc, where Node's recursive mkdir loops forever", {
    skip: process.platform !== "linux" && "Linux /proc only",
  }, async () => {
    await assert.rejects(makeDirectory("/proc/no-such-process/keys", 0o700), {
      code: "ENOENT",
    });
  });
});
