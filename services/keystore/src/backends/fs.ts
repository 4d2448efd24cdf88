import { randomBytes } from "node:crypto";
import { constants, type Stats } from "node:fs";
import {
  access,
  type FileHandle,
  link,
  lstat,
  open,
  readdir,
  rm,
  stat,
  unlink,
} from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import {
  type CallOptions,
  errors,
  isKesError,
  isValidName,
  type KeyStore,
  type KeyStoreStatus,
  type ListPage,
  type ListRequest,
  type Logger,
  makeDirectory,
  silentLogger,
  validateName,
} from "@kes/core";
import { checkListRequest, checkValue, throwIfAborted } from "../validate.js";
import { pageOfNames } from "./listing.js";

const KIND = "fs";
/** Temp files start with "." so they can never be taken for a key (names are [0-9A-Za-z_-]). */
const TEMP_PREFIX = ".kes-tmp-";
/** Temp files older than this were left by a crash: nothing can still be writing them. */
const STALE_TEMP_MS = 10 * 60_000;

export interface FsKeyStoreOptions {
  readonly logger?: Logger;
}

/**
 * A keystore in a directory, laid out as KES's fs keystore does: one file per key at
 * `<dir>/<name>` holding the stored value verbatim, mode 0600. A directory written by KES works
 * as is. Creates are exclusive and atomic across processes sharing the directory.
 */
export async function openFsKeyStore(
  dir: string,
  options: FsKeyStoreOptions = {},
): Promise<KeyStore> {
  if (typeof dir !== "string" || dir.trim() === "") {
    throw errors.invalidArgument("fs keystore: the directory path is empty");
  }
  const root = resolve(dir);
  const log = options.logger ?? silentLogger();
  await prepareDirectory(root);
  await removeStaleTempFiles(root, log);
  return new FsKeyStore(root, log);
}

async function prepareDirectory(root: string): Promise<void> {
  let info: Stats;
  try {
    info = await stat(root);
  } catch (err) {
    if (codeOf(err) !== "ENOENT") {
      throw errors.keystoreFailure(`fs keystore: cannot access "${root}": ${reasonOf(err)}`);
    }
    try {
      await makeDirectory(root, 0o700);
    } catch (mkdirErr) {
      throw errors.keystoreFailure(
        `fs keystore: cannot create directory "${root}": ${reasonOf(mkdirErr)}`,
      );
    }
    return;
  }
  if (!info.isDirectory()) {
    throw errors.keystoreFailure(`fs keystore: "${root}" exists and is not a directory`);
  }
  try {
    await access(root, constants.R_OK | constants.W_OK | constants.X_OK);
    await readdir(root);
  } catch (err) {
    throw errors.keystoreFailure(
      `fs keystore: directory "${root}" is not readable and writable: ${reasonOf(err)}`,
    );
  }
}

async function removeStaleTempFiles(root: string, log: Logger): Promise<void> {
  const now = Date.now();
  for (const entry of await readdir(root)) {
    if (!entry.startsWith(TEMP_PREFIX)) continue;
    const file = join(root, entry);
    try {
      const info = await lstat(file);
      if (info.isFile() && now - info.mtimeMs > STALE_TEMP_MS) await rm(file, { force: true });
    } catch (err) {
      log.warn({ file, code: codeOf(err) }, "fs keystore: cannot remove a stale temp file");
    }
  }
}

class FsKeyStore implements KeyStore {
  readonly kind = KIND;
  readonly endpoint: string;
  #closed = false;

  constructor(
    private readonly root: string,
    private readonly log: Logger,
  ) {
    this.endpoint = root;
  }

  async create(name: string, value: Uint8Array, options?: CallOptions): Promise<void> {
    const file = this.#pathOf(name);
    checkValue(value);
    this.#enter(options);
    const temp = join(this.root, `${TEMP_PREFIX}${randomBytes(12).toString("hex")}`);
    try {
      await writeDurably(temp, value);
      // Past this point the key appears; the caller may no longer call it off.
      throwIfAborted(options, KIND);
      // link() fails with EEXIST when the name is taken, even by another process: exclusive,
      // and atomic because the temp file already holds the whole value.
      await link(temp, file);
    } catch (err) {
      if (isKesError(err)) throw err;
      if (codeOf(err) === "EEXIST") throw errors.keyExists();
      throw this.#failure(err, `cannot create key "${name}"`, file);
    } finally {
      await rm(temp, { force: true }).catch((err: unknown) => {
        this.log.warn({ file: temp, code: codeOf(err) }, "fs keystore: cannot remove a temp file");
      });
    }
    await this.#syncDirectory();
  }

  async get(name: string, options?: CallOptions): Promise<Uint8Array> {
    const file = this.#pathOf(name);
    this.#enter(options);
    let handle: FileHandle;
    try {
      // O_NOFOLLOW: a symlink is not a key, and cannot point outside. O_NONBLOCK: opening a
      // FIFO someone left here must not wait for a writer (it changes nothing for files).
      handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (err) {
      if (codeOf(err) === "ENOENT" && (await this.#rootIsThere())) throw errors.keyNotFound();
      if (codeOf(err) === "ELOOP") throw this.#notAFile(name, file, "a symbolic link");
      throw this.#failure(err, `cannot read key "${name}"`, file);
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw this.#notAFile(name, file, entryKind(info));
      const data =
        options?.signal === undefined
          ? await handle.readFile()
          : await handle.readFile({ signal: options.signal });
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    } catch (err) {
      if (isKesError(err)) throw err;
      throw this.#failure(err, `cannot read key "${name}"`, file);
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  async delete(name: string, options?: CallOptions): Promise<void> {
    const file = this.#pathOf(name);
    this.#enter(options);
    try {
      // unlink() would remove a symlink, FIFO or socket as if it were a key: look first.
      const info = await lstat(file);
      if (!info.isFile()) throw this.#notAFile(name, file, entryKind(info));
      await unlink(file);
    } catch (err) {
      if (isKesError(err)) throw err;
      // Nothing stored under that name: done. Unless the whole directory is gone: that is an
      // outage, not an absent key.
      if (codeOf(err) === "ENOENT" && (await this.#rootIsThere())) return;
      throw this.#failure(err, `cannot delete key "${name}"`, file);
    }
    await this.#syncDirectory();
  }

  async list(request: ListRequest, options?: CallOptions): Promise<ListPage> {
    const checked = checkListRequest(request);
    this.#enter(options);
    let names: string[];
    try {
      const entries = await readdir(this.root, { withFileTypes: true });
      // Temp files, subdirectories, symlinks and foreign files are not keys.
      names = entries.filter((e) => e.isFile() && isValidName(e.name)).map((e) => e.name);
    } catch (err) {
      throw this.#failure(err, "cannot list keys", this.root);
    }
    return pageOfNames(names, checked);
  }

  async status(options?: CallOptions): Promise<KeyStoreStatus> {
    this.#enter(options);
    const start = performance.now();
    let detail: string | undefined;
    try {
      if (!(await stat(this.root)).isDirectory()) detail = "the keystore path is not a directory";
    } catch (err) {
      detail = codeOf(err) === "ENOENT" ? "the directory is gone" : `cannot stat: ${reasonOf(err)}`;
    }
    const latencyMs = performance.now() - start;
    const base = { latencyMs, backend: KIND, endpoint: this.root };
    return detail === undefined
      ? { reachable: true, ...base }
      : { reachable: false, ...base, detail };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** Validates the name before any disk access, then makes sure the path stays inside. */
  #pathOf(name: string): string {
    validateName(name);
    const file = join(this.root, name);
    if (dirname(file) !== this.root) {
      throw errors.invalidArgument("invalid argument: name contains invalid character");
    }
    return file;
  }

  /** A vanished directory is an outage, and an outage must never look like a missing key. */
  async #rootIsThere(): Promise<boolean> {
    try {
      return (await stat(this.root)).isDirectory();
    } catch {
      return false;
    }
  }

  #enter(options: CallOptions | undefined): void {
    if (this.#closed) throw errors.keystoreFailure("fs keystore: closed");
    throwIfAborted(options, KIND);
  }

  /**
   * A keystore failure saying what failed, on which path, and why in words with the error
   * code. The Node error is not attached as the cause: loggers append a cause's message, and
   * that would repeat the code and reason ("EPERM: EPERM: operation not permitted").
   */
  #failure(err: unknown, what: string, path: string) {
    if (isAbortError(err)) return errors.keystoreFailure(`fs keystore: ${what}: call aborted`);
    return errors.keystoreFailure(`fs keystore: ${what}: "${path}": ${reasonOf(err)}`);
  }

  /** Something that is not a file sits where a key's file should be: the store is damaged. */
  #notAFile(name: string, path: string, kind: string) {
    return errors.keystoreFailure(
      `fs keystore: key "${name}": "${path}" is not a regular file (${kind}); ` +
        "remove or rename it to use that key name",
    );
  }

  /** Makes a link or unlink durable. Failing here must not undo a create that happened. */
  async #syncDirectory(): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(this.root, constants.O_RDONLY);
      await handle.sync();
    } catch (err) {
      this.log.warn(
        { dir: this.root, code: codeOf(err) },
        "fs keystore: cannot fsync the directory",
      );
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }
}

/** Writes a new file with the whole value and flushes it to disk before anyone can see it. */
async function writeDurably(file: string, value: Uint8Array): Promise<void> {
  const handle = await open(file, "wx", 0o600);
  try {
    // The umask may have narrowed the mode; make it exactly 0600 as KES does.
    await handle.chmod(0o600);
    await handle.writeFile(value);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "unknown error";
}

/**
 * Why a file operation failed, e.g. "operation not permitted (EPERM)": libuv's words from the
 * Node message ("EPERM: operation not permitted, unlink '...'") and the code. Only those words
 * are taken from the message, never a path or anything else it holds.
 */
function reasonOf(err: unknown): string {
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : "";
  const words = /^[A-Z0-9_]+: ([^,]+)/.exec(message)?.[1]?.trim();
  return words === undefined || words === "" ? code : `${words} (${code})`;
}

/** What a non-regular directory entry is, for messages. */
function entryKind(info: Stats): string {
  if (info.isDirectory()) return "a directory";
  if (info.isSymbolicLink()) return "a symbolic link";
  if (info.isFIFO()) return "a named pipe";
  if (info.isSocket()) return "a socket";
  if (info.isBlockDevice() || info.isCharacterDevice()) return "a device";
  return "not a file";
}

function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === "AbortError";
}
