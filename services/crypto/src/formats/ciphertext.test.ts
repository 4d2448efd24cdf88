import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { encode } from "@msgpack/msgpack";
import { ALGORITHMS, open, seal } from "./aead.js";
import {
  parseCiphertext,
  parseMsgpackCiphertext,
  parseRawCiphertext,
  writeMsgpackCiphertext,
  writeRawCiphertext,
} from "./ciphertext.js";
import { FormatError } from "./format-error.js";
import { keyId } from "./key-id.js";

const master = randomBytes(32);
const id = keyId(master);
const dek = randomBytes(32);
const context = Buffer.from("context");

// §6.9 vector 4: AES, MessagePack, under K0.
const VECTOR_4 = Buffer.from(
  "lbFBRVMyNTYtR0NNX1NIQTI1NtkgNjY2ODdhYWRmODYyYmQ3NzZjOGZjMThiOGU5ZjhlMjDEEExv7LAd4oz0SaHZrX5LBufEDEKME1ow1CDfUFrqv8QgJuy7Sw+jVqz99TK1HV851LT3K4mwwDv46TB2ngWkAJQ=",
  "base64",
);

describe("format B (MessagePack) writer", () => {
  test("a 32-byte DEK under AES is 135 bytes (180 base64 chars) and starts with 0x95", () => {
    const sealed = seal("AES256-GCM_SHA256", master, dek, context);
    const bytes = writeMsgpackCiphertext({ algorithm: "AES256-GCM_SHA256", keyId: id, ...sealed });
    assert.equal(bytes.length, 135);
    assert.equal(Buffer.from(bytes).toString("base64").length, 180);
    assert.equal(bytes[0], 0x95);
  });

  test("a 32-byte DEK under ChaCha is 136 bytes", () => {
    const sealed = seal("XCHACHA20-POLY1305", master, dek, context);
    const bytes = writeMsgpackCiphertext({ algorithm: "XCHACHA20-POLY1305", keyId: id, ...sealed });
    assert.equal(bytes.length, 136);
  });

  test("re-writing a parsed KES ciphertext gives back its exact bytes", () => {
    const parsed = parseMsgpackCiphertext(VECTOR_4);
    assert.equal(parsed.algorithm, "AES256-GCM_SHA256");
    assert.equal(parsed.keyId, "66687aadf862bd776c8fc18b8e9f8e20");
    const rewritten = writeMsgpackCiphertext({
      algorithm: parsed.algorithm!,
      keyId: parsed.keyId!,
      iv: parsed.iv,
      nonce: parsed.nonce,
      sealed: parsed.sealed,
    });
    assert.deepEqual(Buffer.from(rewritten), VECTOR_4);
  });

  test("uses bin16 for a sealed message of 256 bytes or more", () => {
    const sealed = seal("AES256-GCM_SHA256", master, randomBytes(300), context);
    const bytes = writeMsgpackCiphertext({ algorithm: "AES256-GCM_SHA256", keyId: id, ...sealed });
    const parsed = parseCiphertext(bytes);
    assert.equal(parsed.format, "msgpack");
    assert.equal(parsed.sealed.length, 316);
  });
});

describe("round trips through our writers and readers", () => {
  for (const algorithm of ALGORITHMS) {
    for (const aad of [context, new Uint8Array(0)]) {
      const label = `${algorithm}, ${aad.length > 0 ? "with" : "without"} context`;
      test(`format B: ${label}`, () => {
        const sealed = seal(algorithm, master, dek, aad);
        const parsed = parseCiphertext(writeMsgpackCiphertext({ algorithm, keyId: id, ...sealed }));
        assert.equal(parsed.format, "msgpack");
        assert.equal(parsed.algorithm, algorithm);
        assert.equal(parsed.keyId, id);
        assert.deepEqual(Buffer.from(open(algorithm, master, parsed, aad)), dek);
      });
      test(`format C: ${label}`, () => {
        const sealed = seal(algorithm, master, dek, aad);
        const bytes = writeRawCiphertext(sealed);
        assert.equal(bytes.length, 76);
        const parsed = parseRawCiphertext(bytes);
        assert.equal(parsed.algorithm, undefined);
        assert.deepEqual(Buffer.from(open(algorithm, master, parsed, aad)), dek);
      });
    }
  }
});

describe("format B is parsed strictly", () => {
  const sealed = seal("AES256-GCM_SHA256", master, dek, context);
  const fields = ["AES256-GCM_SHA256", id, sealed.iv, sealed.nonce, sealed.sealed] as const;
  const rows: [string, Uint8Array, RegExp][] = [
    ["4 elements", encode(fields.slice(0, 4)), /array of 5/],
    ["6 elements", encode([...fields, sealed.sealed]), /array of 5|well-formed/],
    ["trailing bytes", Buffer.concat([encode(fields), Buffer.from([0])]), /well-formed/],
    ["an unknown algorithm", encode(["AES256", ...fields.slice(1)]), /unknown algorithm/],
    ["a 2024 algorithm name", encode(["ChaCha20", ...fields.slice(1)]), /unknown algorithm/],
    ["an IV of 12 bytes", encode([fields[0], id, sealed.nonce, sealed.nonce, sealed.sealed]), /iv/],
    ["a nonce of 16 bytes", encode([fields[0], id, sealed.iv, sealed.iv, sealed.sealed]), /nonce/],
    ["the key id as binary", encode([fields[0], Buffer.from(id), ...fields.slice(2)]), /strings/],
    [
      "the IV as a string",
      encode([fields[0], id, "0123456789abcdef", ...fields.slice(3)]),
      /binary/,
    ],
    ["a map", encode({ a: 1 }), /well-formed|array of 5/],
    [
      "a sealed message shorter than a tag",
      encode([...fields.slice(0, 4), new Uint8Array(15)]),
      /tag/,
    ],
    ["a truncated value", encode(fields).subarray(0, 60), /well-formed/],
  ];
  for (const [reason, bytes, why] of rows) {
    test(`rejects ${reason}`, () => {
      assert.throws(
        () => parseMsgpackCiphertext(bytes),
        (err: unknown) => err instanceof FormatError && why.test(err.message),
      );
    });
  }
});

describe("format detection", () => {
  test("a raw ciphertext that starts with 0x95 or `{` by chance falls back to format C", () => {
    for (const first of [0x95, 0x7b]) {
      let bytes: Uint8Array;
      let sealed: ReturnType<typeof seal>;
      do {
        sealed = seal("AES256-GCM_SHA256", master, dek, context);
        bytes = writeRawCiphertext(sealed);
      } while (bytes[0] !== first);
      const parsed = parseCiphertext(bytes);
      assert.equal(parsed.format, "raw");
      assert.deepEqual(Buffer.from(open("AES256-GCM_SHA256", master, parsed, context)), dek);
    }
  });

  test("something too short for any format is rejected, naming why", () => {
    assert.throws(() => parseCiphertext(new Uint8Array(43)), /shorter than tag, iv and nonce/);
    assert.throws(() => parseCiphertext(new Uint8Array(0)), FormatError);
    assert.throws(() => parseCiphertext(Buffer.from("{}")), /unknown aead/);
  });

  test("the raw layout splits ciphertext ‖ tag ‖ iv(16) ‖ nonce(12)", () => {
    const bytes = Uint8Array.from({ length: 50 }, (_, i) => i);
    const parsed = parseRawCiphertext(bytes);
    assert.deepEqual([...parsed.sealed], [...bytes.subarray(0, 22)]);
    assert.deepEqual([...parsed.iv], [...bytes.subarray(22, 38)]);
    assert.deepEqual([...parsed.nonce], [...bytes.subarray(38)]);
  });
});
