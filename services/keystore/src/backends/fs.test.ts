import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { createLogger, isKesError, listAll } from "@kes/core";
import { keystoreContract } from "@kes/keystore-contract";
import { openFsKeyStore } from "./fs.js";

const VECTORS = new URL("../../../../../shared/vectors/", import.meta.url);

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "kes-fs-keystore-"));
}

async function collect(names: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const n of names) out.push(n);
  return out;
}

keystoreContract("fs", async () => {
  const dir = await tempDir();
  const store = await openFsKeyStore(dir);
  return {
    store,
    reopen: () => openFsKeyStore(dir),
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe("fs keystore on disk", () => {
  let root: string;
  before(async () => {
    root = await tempDir();
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("writes one file per key, mode 0600, holding exactly the stored bytes", async () => {
    const dir = join(root, "layout");
    const store = await openFsKeyStore(dir);
    const value = Uint8Array.of(0, 1, 2, 0xfe, 0xff, 0x7b);
    await store.create("my-key", value);
    const info = await stat(join(dir, "my-key"));
    assert.ok(info.isFile());
    assert.equal(info.mode & 0o777, 0o600);
    assert.deepEqual(new Uint8Array(await readFile(join(dir, "my-key"))), value);
    assert.deepEqual(await readdir(dir), ["my-key"], "no temp file is left behind");
    await store.delete("my-key");
    assert.deepEqual(await readdir(dir), []);
    await store.close();
  });

  it("creates a missing directory (and its parents) with mode 0700", async () => {
    const dir = join(root, "new", "deeper");
    const store = await openFsKeyStore(dir);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal(store.endpoint, dir);
    await store.close();
  });

  it("uses an existing directory as is", async () => {
    const dir = join(root, "existing");
    await mkdir(dir, { mode: 0o755 });
    const store = await openFsKeyStore(dir);
    assert.equal((await stat(dir)).mode & 0o777, 0o755);
    await store.close();
  });

  it("reads a directory written by KES's fs keystore (the recorded vectors)", async () => {
    const dir = join(root, "kes-written");
    await mkdir(dir);
    const expected = new Map<string, string>();
    for (const file of ["kes-2023-05.json", "kes-2024.json"]) {
      const doc = JSON.parse(await readFile(new URL(file, VECTORS), "utf8")) as {
        keys: { name: string; stored_key: string }[];
      };
      for (const key of doc.keys) {
        // Both eras use the same names; keep them apart as two servers sharing one dir could not.
        const name = `${file.startsWith("kes-2023") ? "v2023" : "v2024"}-${key.name}`;
        await writeFile(join(dir, name), key.stored_key, { mode: 0o600 });
        expected.set(name, key.stored_key);
      }
    }
    assert.ok(expected.size >= 6, "vectors hold keys");
    const store = await openFsKeyStore(dir);
    assert.deepEqual(await collect(listAll(store, "")), [...expected.keys()].sort());
    for (const [name, storedKey] of expected) {
      assert.equal(new TextDecoder().decode(await store.get(name)), storedKey, name);
    }
    await store.close();
  });

  it("lists no temp files, leftovers of a crash, subdirectories, symlinks or foreign files", async () => {
    const dir = join(root, "strays");
    await mkdir(dir);
    await writeFile(join(dir, "real"), "value");
    // What a crash between writing the temp file and linking it leaves behind.
    await writeFile(join(dir, ".kes-tmp-0123456789abcdef01234567"), "half");
    await writeFile(join(dir, ".hidden"), "x");
    await writeFile(join(dir, "notes.txt"), "x");
    await mkdir(join(dir, "subdir"));
    await writeFile(join(dir, "subdir", "inner"), "x");
    await symlink(join(dir, "real"), join(dir, "link"));
    const store = await openFsKeyStore(dir);
    assert.deepEqual(await collect(listAll(store, "")), ["real"]);
    await store.close();
  });

  it("reports a non-regular entry at a key's path as a damaged keystore, and leaves it", async () => {
    const dir = join(root, "damaged");
    await mkdir(dir);
    await writeFile(join(dir, "real"), "value");
    await mkdir(join(dir, "subdir"));
    await symlink(join(dir, "real"), join(dir, "link"));
    execFileSync("mkfifo", [join(dir, "pipe")]);
    const store = await openFsKeyStore(dir);
    const cases: [string, string][] = [
      ["subdir", "a directory"],
      ["link", "a symbolic link"],
      ["pipe", "a named pipe"],
    ];
    for (const [name, kind] of cases) {
      const damaged = (err: unknown) => {
        assert.ok(isKesError(err, "keystore_failure"), `${name}: ${String(err)}`);
        assert.equal(
          err.message,
          `fs keystore: key "${name}": "${join(dir, name)}" is not a regular file (${kind}); ` +
            "remove or rename it to use that key name",
        );
        return true;
      };
      await assert.rejects(store.get(name), damaged);
      await assert.rejects(store.delete(name), damaged);
      await assert.rejects(store.create(name, Uint8Array.of(1)), (e) =>
        isKesError(e, "key_exists"),
      );
    }
    assert.ok((await lstat(join(dir, "subdir"))).isDirectory(), "delete left the directory");
    assert.ok((await lstat(join(dir, "link"))).isSymbolicLink(), "delete left the symlink");
    assert.ok((await lstat(join(dir, "pipe"))).isFIFO(), "delete left the pipe");
    assert.deepEqual(await collect(listAll(store, "")), ["real"]);
    await store.close();
  });

  it("says why a file operation failed once, in words and code, without the raw cause", async () => {
    const dir = join(root, "reasons");
    const store = await openFsKeyStore(dir);
    await rm(dir, { recursive: true });
    const err = await store.create("k", Uint8Array.of(1)).catch((e: unknown) => e);
    assert.ok(isKesError(err, "keystore_failure"));
    assert.equal(
      err.message,
      `fs keystore: cannot create key "k": "${join(dir, "k")}": no such file or directory (ENOENT)`,
    );
    // Loggers append a cause's message; the code must not appear twice in a log line.
    assert.equal(err.cause, undefined);
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    createLogger({ level: "info", destination }).error({ err }, "keystore operation failed");
    assert.equal(lines.length, 1);
    const logged = JSON.parse(lines[0] ?? "{}") as { err?: { message?: string } };
    assert.equal(logged.err?.message, err.message);
    await store.close();
  });

  it("removes temp files a crash left long ago, when it opens", async () => {
    const dir = join(root, "stale");
    await mkdir(dir);
    const stale = join(dir, ".kes-tmp-stale");
    const fresh = join(dir, ".kes-tmp-fresh");
    await writeFile(stale, "x");
    await writeFile(fresh, "x");
    const { utimes } = await import("node:fs/promises");
    const old = new Date(Date.now() - 3_600_000);
    await utimes(stale, old, old);
    const store = await openFsKeyStore(dir);
    assert.deepEqual((await readdir(dir)).sort(), [".kes-tmp-fresh"]);
    await store.close();
  });

  it("stops a create whose caller gives up before the link, leaving no key and no temp file", async () => {
    const dir = join(root, "abort-late");
    const store = await openFsKeyStore(dir);
    // Not aborted when the call starts, aborted once the temp file is written.
    let checks = 0;
    const signal = {
      get aborted() {
        checks++;
        return checks > 1;
      },
    } as AbortSignal;
    await assert.rejects(store.create("k", Uint8Array.of(1), { signal }), (err: unknown) => {
      assert.ok(isKesError(err, "keystore_failure"));
      assert.equal(err.message, "fs keystore: call aborted by the caller");
      return true;
    });
    assert.equal(checks, 2);
    assert.deepEqual(await readdir(dir), []);
    await store.close();
  });

  it("fails at open, naming the path, when the path is a file", async () => {
    const file = join(root, "a-file");
    await writeFile(file, "x");
    await assert.rejects(openFsKeyStore(file), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /is not a directory/);
      assert.ok(err.message.includes(file));
      return true;
    });
  });

  it("fails at open when the path is empty", async () => {
    await assert.rejects(openFsKeyStore(""), /path is empty/);
  });

  it("fails at open when the directory cannot be read", {
    skip: process.getuid?.() === 0 ? "root reads every directory" : false,
  }, async () => {
    const dir = join(root, "locked");
    await mkdir(dir, { mode: 0o000 });
    await assert.rejects(openFsKeyStore(dir), /not readable and writable/);
  });

  it("reports unreachable with a detail when the directory is gone", async () => {
    const dir = join(root, "vanishing");
    const store = await openFsKeyStore(dir);
    assert.equal((await store.status()).reachable, true);
    await rm(dir, { recursive: true });
    const status = await store.status();
    assert.equal(status.reachable, false);
    assert.equal(status.backend, "fs");
    assert.equal(status.detail, "the directory is gone");
    assert.ok(status.latencyMs >= 0);
    // An outage must not look like a missing key, nor a delete that worked.
    await assert.rejects(store.get("k"), (e) => isKesError(e, "keystore_failure"));
    await assert.rejects(store.delete("k"), (e) => isKesError(e, "keystore_failure"));
    await assert.rejects(store.list({ prefix: "" }), (e) => isKesError(e, "keystore_failure"));
    await store.close();
  });

  it("never leaks the value into an error message", async () => {
    const dir = join(root, "secret");
    const store = await openFsKeyStore(dir);
    await rm(dir, { recursive: true });
    const secret = "SECRET-MATERIAL-123";
    await assert.rejects(store.create("k", new TextEncoder().encode(secret)), (err: unknown) => {
      assert.ok(isKesError(err, "keystore_failure"));
      assert.ok(!err.message.includes(secret));
      assert.match(err.message, /cannot create key "k".*ENOENT/);
      return true;
    });
    await store.close();
  });
});
