import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from "node:crypto";
import {
  type Algorithm,
  type CiphertextItem,
  type CryptoApi,
  type DataKey,
  errors,
  type ImportedKey,
  type KeyInfo,
  type KeyStoreStatus,
  type ListPage,
  type ListRequest,
  type RequestOptions,
} from "@kes/core";

/**
 * A small in-memory CryptoApi for gateway tests (the real crypto service is tested on its own
 * and together with the gateway in test/src/compat). AES-256-GCM with the context as AAD, so a
 * wrong context really fails. `hooks.before` runs first in every call (to make calls hang or
 * fail); `calls` records each call's name and options.
 */

interface StoredKey {
  readonly key: Buffer;
  /** A 2024 key's HMAC key; keys without one answer hmac with 409, as KES 2024. */
  readonly hmacKey?: Buffer;
  readonly algorithm?: Algorithm;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface FakeCrypto extends CryptoApi {
  readonly keys: Map<string, StoredKey>;
  readonly calls: { op: string; options?: RequestOptions }[];
  readonly listRequests: ListRequest[];
  before: ((op: string, options?: RequestOptions) => Promise<void> | void) | undefined;
  /** Page size of listKeys (small, to exercise paging). */
  pageSize: number;
  /** What keyStoreStatus answers. */
  status: KeyStoreStatus;
}

export function createFakeCrypto(): FakeCrypto {
  const keys = new Map<string, StoredKey>();
  const fake: FakeCrypto = {
    keys,
    calls: [],
    listRequests: [],
    before: undefined,
    pageSize: 2,
    status: { reachable: true, latencyMs: 0.3, backend: "fake", endpoint: "memory" },
    async createKey(name, createdBy, options) {
      await enter("createKey", options);
      if (keys.has(name)) throw errors.keyExists();
      keys.set(name, {
        key: randomBytes(32),
        algorithm: "AES256-GCM_SHA256",
        createdAt: new Date().toISOString(),
        createdBy,
      });
    },
    async importKey(name, imported: ImportedKey, options) {
      await enter("importKey", options);
      if (imported.key.length !== 32) throw errors.invalidArgument("invalid key size");
      if (keys.has(name)) throw errors.keyExists();
      keys.set(name, {
        key: Buffer.from(imported.key),
        ...(imported.algorithm === undefined ? {} : { algorithm: imported.algorithm }),
        createdAt: new Date().toISOString(),
        createdBy: imported.createdBy,
      });
    },
    async describeKey(name, options): Promise<KeyInfo> {
      await enter("describeKey", options);
      const k = get(name);
      return {
        name,
        id: createHash("sha256").update(k.key).digest("hex").slice(0, 32),
        ...(k.algorithm === undefined ? {} : { algorithm: k.algorithm }),
        createdAt: k.createdAt,
        createdBy: k.createdBy,
        hasHmac: k.hmacKey !== undefined,
      };
    },
    async deleteKey(name, options) {
      await enter("deleteKey", options);
      keys.delete(name);
    },
    async listKeys(request: ListRequest, options): Promise<ListPage> {
      await enter("listKeys", options);
      fake.listRequests.push(request);
      const names = [...keys.keys()]
        .filter((n) => n.startsWith(request.prefix) && n > (request.pageToken ?? ""))
        .sort();
      const page = names.slice(0, fake.pageSize);
      const more = names.length > page.length;
      return { names: page, nextPageToken: more ? (page.at(-1) ?? "") : "" };
    },
    async generate(name, context, options): Promise<DataKey> {
      await enter("generate", options);
      const plaintext = randomBytes(32);
      return { plaintext, ciphertext: seal(get(name).key, plaintext, context) };
    },
    async encrypt(name, plaintext, context, options) {
      await enter("encrypt", options);
      return seal(get(name).key, plaintext, context);
    },
    async decrypt(name, ciphertext, context, options) {
      await enter("decrypt", options);
      return open(get(name).key, ciphertext, context);
    },
    async bulkDecrypt(name, items: readonly CiphertextItem[], options) {
      await enter("bulkDecrypt", options);
      if (items.length > 1000) throw errors.invalidArgument("too many ciphertexts");
      const { key } = get(name);
      return items.map((item) => open(key, item.ciphertext, item.context));
    },
    async hmac(name, message, options) {
      await enter("hmac", options);
      const { hmacKey } = get(name);
      if (hmacKey === undefined) throw errors.hmacUnsupported();
      return createHmac("sha256", hmacKey).update(message).digest();
    },
    async keyStoreStatus(options): Promise<KeyStoreStatus> {
      await enter("keyStoreStatus", options);
      return fake.status;
    },
    async close() {},
  };

  async function enter(op: string, options?: RequestOptions) {
    fake.calls.push(options === undefined ? { op } : { op, options });
    await fake.before?.(op, options);
  }

  function get(name: string): StoredKey {
    const k = keys.get(name);
    if (k === undefined) throw errors.keyNotFound();
    return k;
  }

  return fake;
}

function seal(key: Buffer, plaintext: Uint8Array, context: Uint8Array): Uint8Array {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(context);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function open(key: Buffer, ciphertext: Uint8Array, context: Uint8Array): Uint8Array {
  try {
    if (ciphertext.length < 28) throw new Error("short");
    const iv = ciphertext.subarray(0, 12);
    const tag = ciphertext.subarray(ciphertext.length - 16);
    const decipher = createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAAD(context);
    decipher.setAuthTag(tag);
    return Buffer.concat([
      decipher.update(ciphertext.subarray(12, ciphertext.length - 16)),
      decipher.final(),
    ]);
  } catch (err) {
    throw errors.decryptionFailed(err);
  }
}

/** Resolves when `signal` aborts (for "hanging" downstream calls in timeout tests). */
export function untilAborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (signal === undefined) return;
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}
