import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { isKesError } from "@kes/core";
import { writePemFiles } from "./pem-files.js";

const MATERIAL = { certPem: "CERT\n", keyPem: "KEY\n" };

describe("writePemFiles", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "kes-identity-files-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const mode = (f: string) => statSync(join(dir, f)).mode & 0o777;

  it("writes the key with mode 0600 and the certificate with 0644", async () => {
    await writePemFiles({ keyFile: join(dir, "a.key"), certFile: join(dir, "a.cert") }, MATERIAL);
    assert.equal(readFileSync(join(dir, "a.key"), "utf8"), "KEY\n");
    assert.equal(readFileSync(join(dir, "a.cert"), "utf8"), "CERT\n");
    assert.equal(mode("a.key"), 0o600);
    assert.equal(mode("a.cert"), 0o644);
    assert.deepEqual(readdirSync(dir).sort(), ["a.cert", "a.key"]);
  });

  it("refuses to overwrite without force and leaves no half files", async () => {
    writeFileSync(join(dir, "a.cert"), "OLD");
    await assert.rejects(
      writePemFiles({ keyFile: join(dir, "a.key"), certFile: join(dir, "a.cert") }, MATERIAL),
      (err: unknown) => {
        assert.ok(isKesError(err, "invalid_argument"));
        assert.equal(
          err.message,
          `refusing to overwrite '${join(dir, "a.cert")}': the file already exists (use --force to replace it)`,
        );
        return true;
      },
    );
    // The key was not left behind, the old cert is untouched, no temp files remain.
    assert.deepEqual(readdirSync(dir), ["a.cert"]);
    assert.equal(readFileSync(join(dir, "a.cert"), "utf8"), "OLD");
  });

  it("overwrites with force, keeping the modes", async () => {
    writeFileSync(join(dir, "a.key"), "OLD", { mode: 0o644 });
    writeFileSync(join(dir, "a.cert"), "OLD");
    await writePemFiles({ keyFile: join(dir, "a.key"), certFile: join(dir, "a.cert") }, MATERIAL, {
      force: true,
    });
    assert.equal(readFileSync(join(dir, "a.key"), "utf8"), "KEY\n");
    assert.equal(readFileSync(join(dir, "a.cert"), "utf8"), "CERT\n");
    assert.equal(mode("a.key"), 0o600);
    assert.deepEqual(readdirSync(dir).sort(), ["a.cert", "a.key"]);
  });

  it("a missing directory or the same file twice is a clear error", async () => {
    await assert.rejects(
      writePemFiles(
        { keyFile: join(dir, "a.key"), certFile: join(dir, "nope", "a.cert") },
        MATERIAL,
      ),
      { message: `cannot write '${join(dir, "nope", "a.cert")}': its directory does not exist` },
    );
    assert.deepEqual(readdirSync(dir), []);
    await assert.rejects(
      writePemFiles({ keyFile: join(dir, "x"), certFile: join(dir, "x") }, MATERIAL),
      {
        message: `the private key and the certificate cannot be the same file (${join(dir, "x")})`,
      },
    );
  });
});
