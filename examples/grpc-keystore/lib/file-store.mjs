// The JSON file store (--file PATH): every value in one file, rewritten whole on each change.
//
//   { "format": "kes-example-keystore/v1", "values": { "<name>": "<base64 of the value>" } }
//
// Simple and durable, not fast: fine for a few thousand keys, which is what a KES keystore
// holds. One process owns the file (a lock file next to it says which); reads are served from
// memory and writes go one at a time. A write never leaves half a file behind: it goes to a
// temp file that is fsynced and then renamed over the old one, and the directory is fsynced so
// the rename itself survives a crash. If the write fails, nothing changes, in the file or in
// memory. The shape of the store is described in memory-store.mjs.

import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { unavailable } from "./errors.mjs";
import { byteOrder, isName, MAX_VALUE_BYTES } from "./rules.mjs";

const FORMAT = "kes-example-keystore/v1";

export async function openFileStore(file) {
  const path = resolve(file);
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const lock = await takeLock(`${path}.lock`, path);
  let values;
  try {
    await removeLeftoverTempFiles(path);
    values = await readValues(path);
  } catch (err) {
    await lock.release();
    throw err;
  }

  // Writes run one after the other: each builds the next map, writes it, then swaps it in.
  let queue = Promise.resolve();
  let closed = false;
  const serialized = (work) => {
    if (closed) return Promise.reject(unavailable("keystore file", { code: "closed" }));
    const run = queue.then(work);
    queue = run.catch(() => {});
    return run;
  };
  const save = async (next) => {
    await writeAtomically(path, encode(next));
    values = next;
  };

  return {
    kind: "json-file",
    endpoint: path,
    async get(name) {
      const value = values.get(name);
      return value === undefined ? undefined : Buffer.from(value);
    },
    create(name, value, signal) {
      return serialized(async () => {
        // The caller may have given up while this waited its turn: then write nothing.
        signal?.throwIfAborted();
        if (values.has(name)) return false;
        await save(new Map(values).set(name, Buffer.from(value)));
        return true;
      });
    },
    delete(name, signal) {
      return serialized(async () => {
        signal?.throwIfAborted();
        if (!values.has(name)) return;
        const next = new Map(values);
        next.delete(name);
        await save(next);
      });
    },
    async names() {
      return [...values.keys()].sort(byteOrder);
    },
    async probe() {
      try {
        await access(dir, constants.W_OK);
        return { reachable: true };
      } catch (err) {
        return { reachable: false, detail: `cannot write to ${dir}: ${err.code ?? "I/O error"}` };
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await queue;
      await lock.release();
    },
  };
}

function encode(values) {
  const out = {};
  for (const name of [...values.keys()].sort(byteOrder)) {
    out[name] = values.get(name).toString("base64");
  }
  return `${JSON.stringify({ format: FORMAT, values: out }, null, 2)}\n`;
}

/** The file's values; a missing file is an empty store. A damaged one stops the start. */
async function readValues(path) {
  let text;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if (err.code === "ENOENT") return new Map();
    throw new Error(`cannot read the keystore file ${path}: ${err.code ?? err.message}`);
  }
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    // The parser's message may quote the file, and the file holds key material: not shown.
    throw new Error(`the keystore file ${path} is not valid JSON`);
  }
  if (data?.format !== FORMAT || typeof data.values !== "object" || data.values === null) {
    throw new Error(`the keystore file ${path} is not a "${FORMAT}" file`);
  }
  const values = new Map();
  for (const [name, encoded] of Object.entries(data.values)) {
    const value = typeof encoded === "string" ? Buffer.from(encoded, "base64") : Buffer.alloc(0);
    if (!isName(name) || value.length === 0 || value.length > MAX_VALUE_BYTES) {
      const shown = isName(name) ? `"${name}"` : "with an invalid name";
      throw new Error(`the keystore file ${path} has a bad entry ${shown}`);
    }
    values.set(name, value);
  }
  return values;
}

async function writeAtomically(path, text) {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  let handle;
  try {
    handle = await open(temp, "wx", 0o600);
    await handle.writeFile(text);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
  } catch (err) {
    await handle?.close().catch(() => {});
    await rm(temp, { force: true }).catch(() => {});
    throw unavailable("cannot write the keystore file", err);
  }
  await syncDirectory(dirname(path));
}

async function syncDirectory(dir) {
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Some platforms cannot fsync a directory; the rename has happened either way.
  } finally {
    await handle?.close().catch(() => {});
  }
}

/** Temp files of a write that a crash interrupted. We hold the lock, so none is in use. */
async function removeLeftoverTempFiles(path) {
  const start = `${basename(path)}.tmp-`;
  for (const entry of await readdir(dirname(path))) {
    if (entry.startsWith(start)) await rm(join(dirname(path), entry), { force: true });
  }
}

/**
 * Two processes writing one file would lose each other's keys, so the first one takes a lock
 * file holding its pid. A lock whose process is gone (a crash, or a restarted container that
 * got the same pid) is taken over.
 */
async function takeLock(lockPath, path) {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, "wx", 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return { release: () => rm(lockPath, { force: true }) };
    } catch (err) {
      if (err.code !== "EEXIST") {
        throw new Error(`cannot create the lock file ${lockPath}: ${err.code ?? err.message}`);
      }
    }
    const pid = Number.parseInt(await readFile(lockPath, "utf8").catch(() => ""), 10);
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && isRunning(pid)) {
      throw new Error(
        `the keystore file ${path} is in use by process ${pid} (lock file ${lockPath}); ` +
          "stop that process first, or remove the lock file if it is not a keystore",
      );
    }
    await rm(lockPath, { force: true });
  }
  throw new Error(`cannot take the lock file ${lockPath}: another process keeps creating it`);
}

function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}
