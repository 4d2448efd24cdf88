// The crypto vectors of kes-api.md §6.9 (taken from KES's own unit tests), positive and negative.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Algorithm, isKesError } from "@kes/core";
import { parseCiphertext, parseJsonCiphertext } from "./formats/ciphertext.js";
import { FormatError } from "./formats/format-error.js";
import { keyId } from "./formats/key-id.js";
import { type MasterKey, openWith, toMasterKey } from "./master-key.js";

const b64 = (s: string) => Buffer.from(s, "base64");
const K0 = new Uint8Array(32);
const ZERO16 = new Uint8Array(16);
const NO_CONTEXT = new Uint8Array(0);

function master(key: Uint8Array, algorithm?: Algorithm): MasterKey {
  return toMasterKey({
    encoding: "json",
    key,
    ...(algorithm === undefined ? {} : { algorithm }),
    createdAt: "0001-01-01T00:00:00Z",
  });
}

const V1 = {
  aead: "AES-256-GCM-HMAC-SHA-256",
  iv: "xLxIN3tSCkg2xMafuvwUwg==",
  nonce: "gu0mGwUkwcvMEoi5",
  bytes: "WVgRjeIJm3w50C/l+y7y2i6mbNg5NCAqN1zvOYWZKmc=",
};

const K0_VECTORS: [string, "json" | "msgpack" | "raw", Algorithm | undefined, Uint8Array][] = [
  ["1 JSON AES", "json", "AES256-GCM_SHA256", Buffer.from(JSON.stringify(V1))],
  [
    "2 JSON ChaCha",
    "json",
    "XCHACHA20-POLY1305",
    Buffer.from(
      '{"aead":"ChaCha20Poly1305","iv":"s3fSZ6vk5m+DfQA8yZWeUg==","nonce":"8/kHMnCMs3h9NZ2a","bytes":"cw22HjLq/4cx8507SW4hhSrYbDiMuRao4b5+GE+XfbE="}',
    ),
  ],
  [
    "3 JSON ChaCha with key id",
    "json",
    "XCHACHA20-POLY1305",
    Buffer.from(
      '{"aead":"ChaCha20Poly1305","id":"66687aadf862bd776c8fc18b8e9f8e20","iv":"EC0eZp7Pqt+LnkOae5xaAg==","nonce":"X1ejXKmH/ugFZPkk","bytes":"wIGBTDs6aOvsqJfekZ0PYRT/OHyFX2TXqeNwl1SLXOI="}',
    ),
  ],
  [
    "4 MessagePack AES",
    "msgpack",
    "AES256-GCM_SHA256",
    b64(
      "lbFBRVMyNTYtR0NNX1NIQTI1NtkgNjY2ODdhYWRmODYyYmQ3NzZjOGZjMThiOGU5ZjhlMjDEEExv7LAd4oz0SaHZrX5LBufEDEKME1ow1CDfUFrqv8QgJuy7Sw+jVqz99TK1HV851LT3K4mwwDv46TB2ngWkAJQ=",
    ),
  ],
  [
    "5 MessagePack ChaCha",
    "msgpack",
    "XCHACHA20-POLY1305",
    b64(
      "lbJYQ0hBQ0hBMjAtUE9MWTEzMDXZIDY2Njg3YWFkZjg2MmJkNzc2YzhmYzE4YjhlOWY4ZTIwxBBAr+aptD4x2+qfOhiErbnkxAxYs8RmNC1JJXD1hiHEIJ2KqM0jjkME7ndx8nyVseesN83Np0rM5ejVUun+fNFu",
    ),
  ],
  [
    "6 raw AES",
    "raw",
    undefined,
    b64("zwdDgHeRlIFRnJ7+DIhs/ka7GFK2CFSfDELqg1VCyTQzZ58o7MAdupMLk3ZjlMo2ZUDwldL2o41nAWDc"),
  ],
];

describe("kes-api.md §6.9 vectors under K0 (32 zero bytes)", () => {
  test("K0's key id is the documented one", () => {
    assert.equal(keyId(K0), "66687aadf862bd776c8fc18b8e9f8e20");
  });

  for (const [label, format, named, ciphertext] of K0_VECTORS) {
    test(`vector ${label} decrypts to 16 zero bytes`, () => {
      const parsed = parseCiphertext(ciphertext);
      assert.equal(parsed.format, format);
      assert.equal(parsed.algorithm, named);
      // A key without a recorded algorithm opens with the algorithm the ciphertext names.
      assert.deepEqual(
        Buffer.from(openWith(master(K0), ciphertext, NO_CONTEXT)),
        Buffer.from(ZERO16),
      );
      // A key whose algorithm is recorded opens its own ciphertexts too.
      const own = named ?? "AES256-GCM_SHA256";
      assert.deepEqual(
        Buffer.from(openWith(master(K0, own), ciphertext, NO_CONTEXT)),
        Buffer.from(ZERO16),
      );
    });
  }

  test("vector 6 (raw AES) is 60 bytes", () => {
    assert.equal(K0_VECTORS[5]![3].length, 60);
  });

  test("a key with a recorded algorithm rejects ciphertexts naming the other one", () => {
    for (const [label, , named, ciphertext] of K0_VECTORS) {
      if (named === undefined) continue;
      const wrong = named === "AES256-GCM_SHA256" ? "XCHACHA20-POLY1305" : "AES256-GCM_SHA256";
      assert.throws(
        () => openWith(master(K0, wrong), ciphertext, NO_CONTEXT),
        isDecryptionFailed,
        label,
      );
    }
  });
});

describe("kes-api.md §6.9 vectors under K1 with a context", () => {
  const K1 = b64("dDHbTWgo+Yh3u804SYB5OyVMy6RiLeJYBQth1f6KlEU=");
  const plaintext = b64("CLcJoykFCWZDkEIiUq9bJRqwCwW9ZDvdgu8EMA==");
  const context = b64("AAAAAAAAAAAAAAAAAAAAAA==");
  const rawAes = b64(
    "s2gmfQHeGdlyL8x1yEWSACUV3GrSoz3t160hugMgzKWgyqesXDVUJ5Dw5Mt076rR1PNiU9X4YjLH14D8a81t2r2xsz4gVZac",
  );
  const rawChaCha = b64(
    "gO4woRIswAJdjUjW7z2ApsSQxJlwB24yjLrmH4eI7sB0uh5nfEJfk9ybTPFft5FRFaZCVBmzhx7OJs9n0WWtxH3sySIxecIK",
  );

  test("raw AES decrypts with an AES key and with a key of undefined algorithm", () => {
    assert.deepEqual(
      Buffer.from(openWith(master(K1, "AES256-GCM_SHA256"), rawAes, context)),
      plaintext,
    );
    assert.deepEqual(Buffer.from(openWith(master(K1), rawAes, context)), plaintext);
  });

  test("raw ChaCha decrypts with a ChaCha key (the raw format names no algorithm)", () => {
    assert.deepEqual(
      Buffer.from(openWith(master(K1, "XCHACHA20-POLY1305"), rawChaCha, context)),
      plaintext,
    );
  });

  test("raw ciphertexts fail without their context or under the other algorithm", () => {
    assert.throws(() => openWith(master(K1), rawAes, NO_CONTEXT), isDecryptionFailed);
    assert.throws(
      () => openWith(master(K1, "XCHACHA20-POLY1305"), rawAes, context),
      isDecryptionFailed,
    );
    assert.throws(() => openWith(master(K1), rawChaCha, context), isDecryptionFailed);
  });
});

describe("kes-api.md §6.9 negative vectors (vector 1 modified, K0): each must fail", () => {
  const rows: [string, Record<string, string> | string, RegExp | undefined][] = [
    ["an unknown aead name", { ...V1, aead: "AES-256-GCM" }, /unknown aead/],
    ["an IV of 20 bytes", { ...V1, iv: "EjOY4JKqjIrPmQ5z1KSR8zlhggY=" }, /iv is not 16 bytes/],
    ["a nonce of 8 bytes", { ...V1, nonce: "efY+4kYF9n8=" }, /nonce is not 12 bytes/],
    [
      "bytes that are not authentic",
      { ...V1, bytes: "QTza1g5oX3f9cGJMbY1xJwWPj1F7R2VnNl6XpFKYQy0=" },
      undefined, // well-formed: it fails when opened
    ],
    ["malformed JSON", JSON.stringify(V1).slice(0, -1), /not well-formed JSON/],
    [
      "a key id that is not K0's (Feb 2023 rule)",
      { ...V1, id: "00010203040506070809101112131415" },
      undefined,
    ],
    [
      "a bytes field that is not base64",
      { ...V1, bytes: "not base64!" },
      /bytes is not valid base64/,
    ],
    ["no bytes field", { aead: V1.aead, iv: V1.iv, nonce: V1.nonce }, /bytes is missing/],
  ];
  for (const [reason, row, parseError] of rows) {
    test(`fails: ${reason}`, () => {
      const ciphertext = Buffer.from(typeof row === "string" ? row : JSON.stringify(row));
      if (parseError === undefined) {
        assert.doesNotThrow(() => parseJsonCiphertext(ciphertext));
      } else {
        assert.throws(
          () => parseJsonCiphertext(ciphertext),
          (err: unknown) => {
            return err instanceof FormatError && parseError.test(err.message);
          },
        );
      }
      assert.throws(() => openWith(master(K0), ciphertext, NO_CONTEXT), isDecryptionFailed);
      assert.throws(
        () => openWith(master(K0, "AES256-GCM_SHA256"), ciphertext, NO_CONTEXT),
        isDecryptionFailed,
      );
    });
  }
});

function isDecryptionFailed(err: unknown): boolean {
  return (
    isKesError(err, "decryption_failed") &&
    err.message === "decryption failed: ciphertext is not authentic"
  );
}
