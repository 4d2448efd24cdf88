import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { afterEach, describe, test } from "node:test";
import { errors, type Logger } from "@kes/core";
import { type CryptoService, createCryptoService } from "./crypto-service.js";
import { parseCiphertext } from "./formats/ciphertext.js";
import { keyId } from "./formats/key-id.js";
import { parseStoredKey } from "./formats/stored-key.js";
import {
  captureLogger,
  IDENTITY,
  kesError,
  PROTOBUF_HMAC_KEY,
  PROTOBUF_KEY,
} from "./testing/fixtures.js";
import { MapKeyStore } from "./testing/map-keystore.js";

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;
const context = Buffer.from('{"MinIO admin API":"ServerInfoHandler"}');

const open: CryptoService[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

function setup(options: { logger?: Logger; keystoreTimeoutMs?: number } = {}) {
  const keystore = new MapKeyStore();
  const crypto = createCryptoService({ keystore, ...options });
  open.push(crypto);
  return { keystore, crypto };
}

describe("create and import", () => {
  test("create stores a 2023 JSON AES key; a second create fails with key_exists", async () => {
    const { keystore, crypto } = setup();
    await crypto.createKey("my-key", IDENTITY);
    const text = Buffer.from(keystore.values.get("my-key")!).toString();
    assert.match(
      text,
      /^\{"version":"v1","bytes":"[A-Za-z0-9+/]{43}=","algorithm":"AES256-GCM_SHA256","created_at":"[^"]+","created_by":"252b0cc7/,
    );
    const stored = parseStoredKey(text);
    assert.match(stored.createdAt, RFC3339);
    assert.ok(Math.abs(Date.parse(stored.createdAt) - Date.now()) < 60_000);
    await assert.rejects(
      crypto.createKey("my-key", IDENTITY),
      kesError("key_exists", "key already exists"),
    );
  });

  test("two created keys differ (CSPRNG bytes)", async () => {
    const { keystore, crypto } = setup();
    await crypto.createKey("a", IDENTITY);
    await crypto.createKey("b", IDENTITY);
    const a = parseStoredKey(keystore.values.get("a")!).key;
    const b = parseStoredKey(keystore.values.get("b")!).key;
    assert.notDeepEqual(Buffer.from(a), Buffer.from(b));
  });

  test("bad names are rejected before the keystore is called", async () => {
    const { keystore, crypto } = setup();
    await assert.rejects(
      crypto.createKey("", IDENTITY),
      kesError("invalid_argument", "invalid argument: name is empty"),
    );
    await assert.rejects(
      crypto.createKey("a/b", IDENTITY),
      kesError("invalid_argument", "invalid argument: name contains invalid character"),
    );
    await assert.rejects(
      crypto.decrypt("x".repeat(81), new Uint8Array(60), context),
      kesError("invalid_argument"),
    );
    assert.equal(keystore.calls.create + keystore.calls.get, 0);
  });

  test("import of anything but 32 bytes fails with `invalid key size`", async () => {
    const { keystore, crypto } = setup();
    for (const size of [0, 16, 31, 33, 64]) {
      await assert.rejects(
        crypto.importKey("k", { key: new Uint8Array(size), createdBy: IDENTITY }),
        kesError("invalid_argument", "invalid key size"),
        `size ${size}`,
      );
    }
    assert.equal(keystore.values.size, 0);
  });

  test("import without an algorithm stores none; describe reports none", async () => {
    const { keystore, crypto } = setup();
    const key = randomBytes(32);
    await crypto.importKey("legacy", { key, createdBy: IDENTITY });
    const text = Buffer.from(keystore.values.get("legacy")!).toString();
    assert.doesNotMatch(text, /algorithm/);
    const info = await crypto.describeKey("legacy");
    assert.equal(info.algorithm, undefined);
    assert.equal(info.id, keyId(key));
    assert.equal(info.createdBy, IDENTITY);
    assert.equal(info.hasHmac, false);
    await assert.rejects(
      crypto.importKey("legacy", { key, createdBy: IDENTITY }),
      kesError("key_exists"),
    );
  });

  test("import rejects an algorithm KES does not know", async () => {
    const { crypto } = setup();
    const imported = { key: randomBytes(32), createdBy: IDENTITY, algorithm: "DES" as never };
    await assert.rejects(
      crypto.importKey("k", imported),
      kesError("invalid_argument", "key: invalid algorithm 'DES'"),
    );
  });
});

describe("describe, delete, list", () => {
  test("describe returns name, id, algorithm, created_at as stored, created_by", async () => {
    const { keystore, crypto } = setup();
    const key = randomBytes(32);
    keystore.put(
      "k",
      `{"version":"v1","bytes":"${key.toString("base64")}","algorithm":"XCHACHA20-POLY1305","created_at":"2023-02-15T14:54:37.123456789+01:00"}`,
    );
    assert.deepEqual(await crypto.describeKey("k"), {
      name: "k",
      id: keyId(key),
      algorithm: "XCHACHA20-POLY1305",
      createdAt: "2023-02-15T14:54:37.123456789+01:00",
      hasHmac: false,
    });
    await assert.rejects(
      crypto.describeKey("missing"),
      kesError("key_not_found", "key does not exist"),
    );
  });

  test("delete of a missing key succeeds; delete evicts the cache", async () => {
    const { keystore, crypto } = setup();
    await crypto.deleteKey("never-was");
    await crypto.createKey("k", IDENTITY);
    const { ciphertext } = await crypto.generate("k", context);
    await crypto.decrypt("k", ciphertext, context);
    assert.equal(keystore.calls.get, 1);
    await crypto.deleteKey("k");
    await assert.rejects(crypto.decrypt("k", ciphertext, context), kesError("key_not_found"));
    assert.equal(keystore.calls.get, 2);
  });

  test("list passes prefix, page token and limit through", async () => {
    const { keystore, crypto } = setup();
    for (const name of ["app-1", "app-2", "app-3", "other"]) await crypto.createKey(name, IDENTITY);
    const first = await crypto.listKeys({ prefix: "app-", limit: 2 });
    assert.deepEqual(first, { names: ["app-1", "app-2"], nextPageToken: "app-2" });
    const second = await crypto.listKeys({ prefix: "app-", pageToken: "app-2", limit: 2 });
    assert.deepEqual(second, { names: ["app-3"], nextPageToken: "" });
    assert.equal(keystore.calls.list, 2);
  });
});

describe("generate, encrypt, decrypt", () => {
  test("generate returns a 32-byte DEK sealed as a 135-byte format B ciphertext", async () => {
    const { crypto } = setup();
    await crypto.createKey("k", IDENTITY);
    const { plaintext, ciphertext } = await crypto.generate("k", context);
    assert.equal(plaintext.length, 32);
    assert.equal(ciphertext.length, 135);
    assert.equal(ciphertext[0], 0x95);
    assert.deepEqual(
      Buffer.from(await crypto.decrypt("k", ciphertext, context)),
      Buffer.from(plaintext),
    );
    await assert.rejects(
      crypto.decrypt("k", ciphertext, Buffer.from("other context")),
      kesError("decryption_failed", "decryption failed: ciphertext is not authentic"),
    );
    await assert.rejects(
      crypto.decrypt("k", ciphertext, new Uint8Array(0)),
      kesError("decryption_failed"),
    );
  });

  test("encrypt/decrypt round trip, with and without context", async () => {
    const { crypto } = setup();
    await crypto.createKey("k", IDENTITY);
    for (const ctx of [context, new Uint8Array(0)]) {
      const message = Buffer.from("hello, KES");
      const ciphertext = await crypto.encrypt("k", message, ctx);
      assert.deepEqual(Buffer.from(await crypto.decrypt("k", ciphertext, ctx)), message);
    }
  });

  test("a ciphertext of another key, a tampered or truncated one, or garbage fails", async () => {
    const { crypto } = setup();
    await crypto.createKey("k", IDENTITY);
    await crypto.createKey("other", IDENTITY);
    const ciphertext = await crypto.encrypt("other", Buffer.from("secret"), context);
    await assert.rejects(crypto.decrypt("k", ciphertext, context), kesError("decryption_failed"));
    const own = await crypto.encrypt("k", Buffer.from("secret"), context);
    const tampered = Uint8Array.from(own);
    tampered[tampered.length - 1]! ^= 1;
    await assert.rejects(crypto.decrypt("k", tampered, context), kesError("decryption_failed"));
    await assert.rejects(
      crypto.decrypt("k", own.subarray(0, 100), context),
      kesError("decryption_failed"),
    );
    await assert.rejects(
      crypto.decrypt("k", new Uint8Array(0), context),
      kesError("decryption_failed"),
    );
    await assert.rejects(
      crypto.decrypt("k", Buffer.from("{}"), context),
      kesError("decryption_failed"),
    );
  });

  test("a key without an algorithm seals with AES and opens what the ciphertext names", async () => {
    const { keystore, crypto } = setup();
    const key = randomBytes(32);
    await crypto.importKey("legacy", { key, createdBy: IDENTITY });
    const sealed = await crypto.encrypt("legacy", Buffer.from("x"), context);
    assert.equal(parseCiphertext(sealed).algorithm, "AES256-GCM_SHA256");
    // The same bytes as a ChaCha key seal a ChaCha ciphertext (same key id)…
    keystore.put(
      "chacha",
      `{"bytes":"${key.toString("base64")}","algorithm":"XCHACHA20-POLY1305"}`,
    );
    const chacha = await crypto.encrypt("chacha", Buffer.from("y"), context);
    assert.equal(parseCiphertext(chacha).algorithm, "XCHACHA20-POLY1305");
    // …which the algorithm-less key opens, while the AES-recorded one would not.
    assert.equal(Buffer.from(await crypto.decrypt("legacy", chacha, context)).toString(), "y");
    keystore.put("aes", `{"bytes":"${key.toString("base64")}","algorithm":"AES256-GCM_SHA256"}`);
    await assert.rejects(crypto.decrypt("aes", chacha, context), kesError("decryption_failed"));
  });

  test("operations on a missing key fail with key_not_found", async () => {
    const { crypto } = setup();
    await assert.rejects(crypto.generate("nope", context), kesError("key_not_found"));
    await assert.rejects(
      crypto.encrypt("nope", Buffer.from("x"), context),
      kesError("key_not_found"),
    );
    await assert.rejects(crypto.hmac("nope", Buffer.from("x")), kesError("key_not_found"));
  });
});

describe("bulk decrypt", () => {
  test("decrypts every item in order", async () => {
    const { crypto } = setup();
    await crypto.createKey("k", IDENTITY);
    const items = await Promise.all(
      ["a", "b", "c"].map(async (p, i) => {
        const ctx = Buffer.from(`ctx-${i}`);
        return { ciphertext: await crypto.encrypt("k", Buffer.from(p), ctx), context: ctx };
      }),
    );
    const plaintexts = await crypto.bulkDecrypt("k", items);
    assert.deepEqual(
      plaintexts.map((p) => Buffer.from(p).toString()),
      ["a", "b", "c"],
    );
    assert.deepEqual(await crypto.bulkDecrypt("k", []), []);
  });

  test("1000 items are allowed, 1001 are `too many ciphertexts`", async () => {
    const { keystore, crypto } = setup();
    await crypto.createKey("k", IDENTITY);
    const item = { ciphertext: await crypto.encrypt("k", Buffer.from("p"), context), context };
    assert.equal((await crypto.bulkDecrypt("k", Array(1000).fill(item))).length, 1000);
    const gets = keystore.calls.get;
    await assert.rejects(
      crypto.bulkDecrypt("k", Array(1001).fill(item)),
      kesError("invalid_argument", "too many ciphertexts"),
    );
    assert.equal(keystore.calls.get, gets);
  });

  test("one bad item fails the whole call", async () => {
    const { crypto } = setup();
    await crypto.createKey("k", IDENTITY);
    const good = { ciphertext: await crypto.encrypt("k", Buffer.from("p"), context), context };
    const bad = { ciphertext: good.ciphertext, context: Buffer.from("wrong") };
    await assert.rejects(crypto.bulkDecrypt("k", [good, bad, good]), kesError("decryption_failed"));
  });
});

describe("hmac", () => {
  test("a 2024 protobuf key computes HMAC-SHA256 with its HMAC key", async () => {
    const { keystore, crypto } = setup();
    keystore.put("k2024", PROTOBUF_KEY);
    const message = Buffer.from("message");
    const expected = createHmac("sha256", PROTOBUF_HMAC_KEY).update(message).digest();
    assert.deepEqual(Buffer.from(await crypto.hmac("k2024", message)), expected);
    assert.equal((await crypto.describeKey("k2024")).hasHmac, true);
  });

  test("a JSON key has no HMAC key: hmac_unsupported", async () => {
    const { crypto } = setup();
    await crypto.createKey("k", IDENTITY);
    await assert.rejects(
      crypto.hmac("k", Buffer.from("m")),
      kesError("hmac_unsupported", "key does not support HMAC"),
    );
  });
});

describe("keystore failures", () => {
  const cases: [string, Error][] = [
    ["a keystore_failure KesError", errors.keystoreFailure("vault: connection refused")],
    ["an unexpected error", new Error("vault: connection refused")],
  ];
  for (const [label, failure] of cases) {
    test(`${label} becomes a 502 with the KES text of the operation; the cause is logged, not sent`, async () => {
      const { logger, text: lines } = captureLogger();
      const { keystore, crypto } = setup({ logger });
      await crypto.createKey("exists", IDENTITY);
      keystore.failWith = failure;
      const expect = (message: string) => kesError("keystore_failure", message);
      await assert.rejects(
        crypto.createKey("k", IDENTITY),
        expect("bad gateway: failed to create key"),
      );
      await assert.rejects(
        crypto.importKey("k", { key: randomBytes(32), createdBy: IDENTITY }),
        expect("bad gateway: failed to create key"),
      );
      await assert.rejects(
        crypto.decrypt("exists", new Uint8Array(60), context),
        expect("bad gateway: failed to access key"),
      );
      await assert.rejects(
        crypto.describeKey("exists"),
        expect("bad gateway: failed to access key"),
      );
      await assert.rejects(crypto.deleteKey("exists"), expect("bad gateway: failed to delete key"));
      await assert.rejects(
        crypto.listKeys({ prefix: "" }),
        expect("bad gateway: failed to list keys"),
      );
      const status = await crypto.keyStoreStatus();
      assert.equal(status.reachable, false);
      assert.equal(status.backend, "map");
      const log = lines();
      for (const op of ["create", "get", "delete", "list"])
        assert.match(log, new RegExp(`"op":"${op}"`));
      assert.match(log, /keystore operation failed/);
      assert.match(log, /vault: connection refused/);
      // One warn line per failure: operation, key, the keystore's message; no stack.
      const failed = log
        .split("\n")
        .filter((l) => l.includes("keystore operation failed"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(
        failed.map((f) => [f["level"], f["op"], f["name"] ?? f["prefix"], f["error"]]),
        [
          [40, "create", "k", "vault: connection refused"],
          [40, "get", "exists", "vault: connection refused"],
          [40, "delete", "exists", "vault: connection refused"],
          [40, "list", "", "vault: connection refused"],
        ],
        "the second create (import) and the second get (describe) are repeats within 10 s",
      );
      assert.doesNotMatch(log, /"stack"/);
      assert.doesNotMatch(log, /"level":50/);
    });
  }

  test("a malformed stored key is a 502 `failed to access key`, with the reason logged", async () => {
    const { logger, text: lines } = captureLogger();
    const { keystore, crypto } = setup({ logger });
    const material = randomBytes(31).toString("base64");
    keystore.put("broken", `{"bytes":"${material}"}`);
    await assert.rejects(
      crypto.describeKey("broken"),
      kesError("keystore_failure", "bad gateway: failed to access key"),
    );
    assert.match(lines(), /stored key bytes are not 32 bytes/);
    assert.match(lines(), /"name":"broken".*"stored key is malformed"/);
    assert.ok(!lines().includes(material), "key material must not reach the log");
  });

  test("not found and exists pass through from the keystore", async () => {
    const { keystore, crypto } = setup();
    keystore.failWith = errors.keyNotFound();
    await assert.rejects(crypto.describeKey("k"), kesError("key_not_found"));
    keystore.failWith = errors.keyExists();
    await assert.rejects(crypto.createKey("k", IDENTITY), kesError("key_exists"));
    keystore.failWith = errors.invalidArgument("invalid argument: value is too large");
    await assert.rejects(
      crypto.createKey("k", IDENTITY),
      kesError("invalid_argument", "invalid argument: value is too large"),
    );
  });

  test("a keystore that never answers cannot hold a caller past its deadline", async (t) => {
    const { keystore, crypto } = setup({ keystoreTimeoutMs: 100 });
    keystore.gate = new Promise(() => {}); // never settles and ignores signals
    // Deadlines are unref'd timers (they must not keep a server alive); hold the loop here.
    const keepAlive = setInterval(() => {}, 1000);
    t.after(() => clearInterval(keepAlive));
    await assert.rejects(
      crypto.decrypt("k", new Uint8Array(60), context, { timeoutMs: 50 }),
      kesError("timeout"),
    );
    await assert.rejects(crypto.describeKey("k"), kesError("timeout")); // the service's own bound
    await assert.rejects(crypto.createKey("k", IDENTITY, { timeoutMs: 50 }), kesError("timeout"));
    const controller = new AbortController();
    const pending = crypto.listKeys({ prefix: "" }, { signal: controller.signal });
    controller.abort();
    await assert.rejects(pending, kesError("timeout"));
  });

  test("keystore status passes through when reachable", async () => {
    const { crypto } = setup();
    const status = await crypto.keyStoreStatus();
    assert.deepEqual(status, {
      reachable: true,
      latencyMs: 1,
      backend: "map",
      endpoint: "in-test",
    });
  });
});

describe("cache", () => {
  test("a second decrypt does not hit the keystore; concurrent misses share one read", async () => {
    const { keystore, crypto } = setup();
    await crypto.createKey("k", IDENTITY);
    assert.equal(keystore.calls.get, 0); // create does not fill the cache
    const { ciphertext } = await crypto.generate("k", context);
    assert.equal(keystore.calls.get, 1);
    await crypto.decrypt("k", ciphertext, context);
    await crypto.decrypt("k", ciphertext, context);
    assert.equal(keystore.calls.get, 1);

    await crypto.createKey("j", IDENTITY);
    await Promise.all(Array.from({ length: 10 }, () => crypto.describeKey("j")));
    assert.equal(keystore.calls.get, 2);
  });

  test("a re-created key is read afresh after delete", async () => {
    const { keystore, crypto } = setup();
    await crypto.createKey("k", IDENTITY);
    const before = await crypto.describeKey("k");
    await crypto.deleteKey("k");
    await crypto.createKey("k", IDENTITY);
    const after = await crypto.describeKey("k");
    assert.notEqual(after.id, before.id);
    assert.equal(keystore.calls.get, 2);
  });

  test("close stops the cache and closes the keystore", async () => {
    const keystore = new MapKeyStore();
    const crypto = createCryptoService({ keystore });
    await crypto.close();
    assert.equal(keystore.closed, true);
  });
});
