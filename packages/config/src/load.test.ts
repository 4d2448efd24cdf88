import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ConfigError } from "./errors.js";
import { loadConfig } from "./load.js";
import { ID_A, minimal } from "./test-helpers.js";

describe("loadConfig", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kes-config-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a file, substitutes from the given env and resolves paths next to it", async () => {
    const file = join(dir, "kes.yml");
    writeFileSync(
      file,
      minimal("keystore:\n  fs:\n    path: ${KEYS}\n", "admin:\n  identity: ${ADMIN}\n"),
    );
    const config = await loadConfig(file, { env: { ADMIN: ID_A, KEYS: "keys" } });
    assert.equal(config.file, file);
    assert.equal(config.admin, ID_A);
    assert.equal(config.tls.key, join(dir, "server.key"));
    assert.deepEqual(config.keystore, { kind: "fs", path: join(dir, "keys") });
  });

  it("a missing file, a directory or an oversized file is a ConfigError", async () => {
    const missing = join(dir, "nope.yml");
    await assert.rejects(loadConfig(missing), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, `${missing}: cannot read the config file: it does not exist`);
      return true;
    });
    await assert.rejects(loadConfig(dir), {
      message: `${dir}: cannot read the config file: it is a directory`,
    });
    const big = join(dir, "big.yml");
    writeFileSync(big, "#".repeat((1 << 20) + 1));
    await assert.rejects(loadConfig(big), {
      message: `${big}: the config file is too large (1048577 bytes; at most 1 MiB)`,
    });
  });

  it("errors name the file as given", async () => {
    const file = join(dir, "bad.yml");
    writeFileSync(file, minimal("keystor: {}\n"));
    await assert.rejects(loadConfig(file, { env: {} }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.file, file);
      assert.equal(err.line, 6);
      assert.equal(err.path, "keystor");
      assert.ok(
        err.message.startsWith(`${file}:6: keystor: unknown key; did you mean 'keystore'?`),
      );
      return true;
    });
  });
});
