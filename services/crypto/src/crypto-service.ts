import { createHmac, randomBytes } from "node:crypto";
import type { CacheConfig } from "@kes/config";
import {
  type CiphertextItem,
  type CryptoApi,
  createLogLimiter,
  type DataKey,
  errors,
  type ImportedKey,
  isKesError,
  type KeyInfo,
  type KeyStore,
  type KeyStoreOp,
  type KeyStoreStatus,
  keystoreOpFailure,
  type ListPage,
  type ListRequest,
  type Logger,
  type RequestOptions,
  silentLogger,
  validateName,
} from "@kes/core";
import { instrumentKeyStore } from "@kes/keystore-service";
import type { Registry } from "prom-client";
import { KeyCache } from "./cache.js";
import { abortable, callSignal, waitAtMost } from "./deadline.js";
import { AES256_GCM_SHA256, isAlgorithm, KEY_SIZE } from "./formats/aead.js";
import { FormatError } from "./formats/format-error.js";
import { randomSecret } from "./formats/random.js";
import { formatRfc3339 } from "./formats/rfc3339.js";
import { type NewStoredKey, parseStoredKey, writeStoredKeyJson } from "./formats/stored-key.js";
import { type MasterKey, openWith, sealWith, toMasterKey } from "./master-key.js";
import { createCacheStats } from "./metrics.js";

/** The crypto service in-process; the gRPC server serves it and the gRPC client mirrors it. */
export type CryptoService = CryptoApi;

export interface CryptoServiceOptions {
  readonly keystore: KeyStore;
  /** Key cache intervals (ms); KES defaults (5 min / 30 s) when absent or ≤ 0. */
  readonly cache?: CacheConfig["expiry"];
  readonly logger?: Logger;
  /** Upper bound for a keystore call when the caller sets no deadline. Default 15 s (KES's). */
  readonly keystoreTimeoutMs?: number;
  /**
   * The process's Prometheus registry: key-cache hits/misses and keystore calls are counted
   * on it (kes_ts_* families). Absent: nothing is measured.
   */
  readonly metrics?: Registry;
}

/** KES answers more than this many bulk ciphertexts with 400 `too many ciphertexts`. */
export const MAX_BULK_ITEMS = 1000;

const DEFAULT_KEYSTORE_TIMEOUT_MS = 15_000;

// Keystore errors that mean something to the KES client; every other failure is a 502.
const PASS_THROUGH = new Set(["key_not_found", "key_exists", "invalid_argument"]);

/**
 * Creates the crypto service over a keystore. It owns the keystore from then on: `close()`
 * stops the cache and closes the keystore.
 */
export function createCryptoService(options: CryptoServiceOptions): CryptoService {
  const keystore =
    options.metrics === undefined
      ? options.keystore
      : instrumentKeyStore(options.keystore, options.metrics);
  const logger = options.logger ?? silentLogger();
  const fallbackMs = options.keystoreTimeoutMs ?? DEFAULT_KEYSTORE_TIMEOUT_MS;

  // An outage fails every request the same way: one line per operation and error per 10 s.
  const limit = createLogLimiter();

  /**
   * `signal`: the deadline the call ran under; only when it fired is the error a timeout.
   * `name`: the key's (for list, the prefix). A failure is one warn line with the operation,
   * the key's name and the keystore's message, no stack: it is the keystore's failure, not ours.
   */
  function keystoreError(op: KeyStoreOp, name: string, err: unknown, signal: AbortSignal): unknown {
    if (isKesError(err) && PASS_THROUGH.has(err.kind)) return err;
    const timedOut = signal.aborted;
    // The keystore contract keeps key material out of its errors, so the message may be logged.
    const error = timedOut ? undefined : err instanceof Error ? err.message : String(err);
    const unlogged = limit(`${op} ${error ?? "timeout"}`);
    if (unlogged !== undefined) {
      const fields = {
        op,
        // "name", not "key": the logger redacts fields called key (key material).
        [op === "list" ? "prefix" : "name"]: name,
        backend: keystore.kind,
        ...(error === undefined ? {} : { error }),
        ...(unlogged > 0 ? { unlogged } : {}),
      };
      logger.warn(fields, timedOut ? "keystore operation timed out" : "keystore operation failed");
    }
    // Like KES's 15 s handler timeout: the client gets 503 and may retry.
    return timedOut ? errors.timeout() : keystoreOpFailure(op, err);
  }

  // The shared load of a cache miss runs under its own deadline, not one caller's: several
  // callers may be waiting for it. Each caller still gives up at its own deadline.
  async function load(name: string): Promise<MasterKey> {
    let value: Uint8Array;
    const call = callSignal(undefined, fallbackMs);
    try {
      value = await abortable(keystore.get(name, { signal: call.signal }), call.signal);
    } catch (err) {
      throw keystoreError("get", name, err, call.signal);
    } finally {
      call.release();
    }
    try {
      return toMasterKey(parseStoredKey(value));
    } catch (err) {
      const reason = err instanceof FormatError ? err.message : "unreadable";
      logger.error({ op: "get", name, backend: keystore.kind, reason }, "stored key is malformed");
      throw keystoreOpFailure("get", err);
    }
  }

  const cache = new KeyCache(
    load,
    options.cache,
    options.metrics === undefined ? undefined : createCacheStats(options.metrics),
  );

  /** The key, from the cache without waiting when it is there. */
  function withKey<T>(
    name: string,
    requestOptions: RequestOptions | undefined,
    use: (key: MasterKey) => T,
  ): Promise<T> {
    const hit = cache.peek(name);
    if (hit !== undefined) {
      try {
        return Promise.resolve(use(hit));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    try {
      validateName(name);
    } catch (err) {
      return Promise.reject(err);
    }
    const bounded = requestOptions?.signal !== undefined || requestOptions?.timeoutMs !== undefined;
    const loaded = cache.get(name);
    return (bounded ? waitAtMost(loaded, requestOptions, fallbackMs) : loaded).then(use);
  }

  async function store(
    name: string,
    stored: NewStoredKey,
    requestOptions: RequestOptions | undefined,
  ): Promise<void> {
    validateName(name);
    const value = writeStoredKeyJson(stored);
    const call = callSignal(requestOptions, fallbackMs);
    try {
      await abortable(keystore.create(name, value, { signal: call.signal }), call.signal);
    } catch (err) {
      throw keystoreError("create", name, err, call.signal);
    } finally {
      call.release();
    }
    // A key of the same name may have been cached before another node deleted it.
    cache.evict(name);
  }

  return {
    createKey(name, createdBy, requestOptions) {
      const key = randomBytes(KEY_SIZE);
      return store(
        name,
        { key, algorithm: AES256_GCM_SHA256, createdAt: now(), createdBy },
        requestOptions,
      );
    },

    async importKey(name: string, imported: ImportedKey, requestOptions?: RequestOptions) {
      validateName(name);
      if (!(imported.key instanceof Uint8Array) || imported.key.length !== KEY_SIZE) {
        throw errors.invalidArgument("invalid key size");
      }
      if (imported.algorithm !== undefined && !isAlgorithm(imported.algorithm)) {
        throw errors.invalidArgument(`key: invalid algorithm '${String(imported.algorithm)}'`);
      }
      const key = Uint8Array.from(imported.key); // the caller's buffer may be reused
      await store(
        name,
        {
          key,
          ...(imported.algorithm === undefined ? {} : { algorithm: imported.algorithm }),
          createdAt: now(),
          createdBy: imported.createdBy,
        },
        requestOptions,
      );
    },

    describeKey(name, requestOptions): Promise<KeyInfo> {
      return withKey(name, requestOptions, (key) => ({
        name,
        id: key.id,
        ...(key.algorithm === undefined ? {} : { algorithm: key.algorithm }),
        createdAt: key.createdAt,
        ...(key.createdBy === undefined ? {} : { createdBy: key.createdBy }),
        hasHmac: key.hmacKey !== undefined,
      }));
    },

    async deleteKey(name, requestOptions) {
      validateName(name);
      cache.evict(name);
      const call = callSignal(requestOptions, fallbackMs);
      try {
        await abortable(keystore.delete(name, { signal: call.signal }), call.signal);
      } catch (err) {
        if (!isKesError(err, "key_not_found"))
          throw keystoreError("delete", name, err, call.signal);
      } finally {
        call.release();
        cache.evict(name); // a load that raced the delete must not survive it
      }
    },

    async listKeys(request: ListRequest, requestOptions?: RequestOptions): Promise<ListPage> {
      const call = callSignal(requestOptions, fallbackMs);
      try {
        return await abortable(keystore.list(request, { signal: call.signal }), call.signal);
      } catch (err) {
        throw keystoreError("list", request.prefix, err, call.signal);
      } finally {
        call.release();
      }
    },

    generate(name, context, requestOptions): Promise<DataKey> {
      return withKey(name, requestOptions, (key) => {
        const plaintext = randomSecret(KEY_SIZE);
        return { plaintext, ciphertext: sealWith(key, plaintext, context) };
      });
    },

    encrypt(name, plaintext, context, requestOptions) {
      return withKey(name, requestOptions, (key) => sealWith(key, plaintext, context));
    },

    decrypt(name, ciphertext, context, requestOptions) {
      return withKey(name, requestOptions, (key) => openWith(key, ciphertext, context));
    },

    bulkDecrypt(name, items: readonly CiphertextItem[], requestOptions) {
      if (items.length > MAX_BULK_ITEMS) {
        return Promise.reject(errors.invalidArgument("too many ciphertexts"));
      }
      return withKey(name, requestOptions, (key) =>
        items.map((item) => openWith(key, item.ciphertext, item.context)),
      );
    },

    hmac(name, message, requestOptions) {
      return withKey(name, requestOptions, (key) => {
        if (key.hmacKey === undefined) throw errors.hmacUnsupported();
        return createHmac("sha256", key.hmacKey).update(message).digest();
      });
    },

    async keyStoreStatus(requestOptions): Promise<KeyStoreStatus> {
      const call = callSignal(requestOptions, fallbackMs);
      const started = performance.now();
      try {
        return await abortable(keystore.status({ signal: call.signal }), call.signal);
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        if (limit(`status ${error}`) !== undefined) {
          logger.warn({ backend: keystore.kind, error }, "keystore status probe failed");
        }
        return {
          reachable: false,
          latencyMs: Math.round(performance.now() - started),
          backend: keystore.kind,
          endpoint: keystore.endpoint,
          detail: isKesError(err, "timeout") ? "status probe timed out" : "status probe failed",
        };
      } finally {
        call.release();
      }
    },

    async close() {
      cache.close();
      await keystore.close();
    },
  };
}

/** The current time as KES records created_at (RFC 3339, UTC, trailing zeros trimmed). */
function now(): string {
  const ms = Date.now();
  const seconds = Math.floor(ms / 1000);
  return formatRfc3339({ seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 });
}
