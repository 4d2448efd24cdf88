import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { Decoder, encode } from "@msgpack/msgpack";
import { readVectors, vectorsDir } from "../testing/vectors.js";
import { type Ciphertext, parseMsgpackCiphertext, writeMsgpackCiphertext } from "./ciphertext.js";
import { FormatError } from "./format-error.js";

/**
 * The hand-laid MessagePack writer and reader against @msgpack/msgpack: the writer must give
 * the library's bytes for every size class, the reader the library's reading for every input
 * (the hand-read layout or not).
 */

const ID = "66687aadf862bd776c8fc18b8e9f8e20";
const AES = "AES256-GCM_SHA256";
const CHACHA = "XCHACHA20-POLY1305";

describe("format B writer: the library's bytes", () => {
  const iv = randomBytes(16);
  const nonce = randomBytes(12);
  for (const size of [0, 15, 16, 48, 255, 256, 65535, 65536]) {
    for (const algorithm of [AES, CHACHA] as const) {
      test(`${algorithm}, ${size}-byte sealed message`, () => {
        const sealed = randomBytes(size);
        const fields = { algorithm, keyId: ID, iv, nonce, sealed };
        assert.deepEqual(
          Buffer.from(writeMsgpackCiphertext(fields)),
          Buffer.from(encode([algorithm, ID, iv, nonce, sealed])),
        );
      });
    }
  }
  for (const idLength of [0, 31, 32, 255, 256, 70000]) {
    test(`a ${idLength}-character key id`, () => {
      const keyId = "a".repeat(idLength);
      const fields = { algorithm: AES, keyId, iv, nonce, sealed: randomBytes(48) } as const;
      assert.deepEqual(
        Buffer.from(writeMsgpackCiphertext(fields)),
        Buffer.from(encode([AES, keyId, iv, nonce, fields.sealed])),
      );
    });
  }
  test("a key id that is not ASCII (written by the library itself)", () => {
    const keyId = "ключ-é";
    const fields = { algorithm: AES, keyId, iv, nonce, sealed: randomBytes(48) } as const;
    assert.deepEqual(
      Buffer.from(writeMsgpackCiphertext(fields)),
      Buffer.from(encode([AES, keyId, iv, nonce, fields.sealed])),
    );
  });
});

/** What the library alone makes of `bytes` (the reader before the hand-read layout). */
function libraryReading(bytes: Uint8Array): Omit<Ciphertext, "format"> | "error" {
  let value: unknown;
  try {
    value = new Decoder({
      maxArrayLength: 5,
      maxMapLength: 0,
      maxExtLength: 0,
      maxStrLength: 64,
    }).decode(bytes);
  } catch {
    return "error";
  }
  if (!Array.isArray(value) || value.length !== 5) return "error";
  const [algorithm, keyId, iv, nonce, sealed] = value as unknown[];
  if (typeof algorithm !== "string" || typeof keyId !== "string") return "error";
  if (!(iv instanceof Uint8Array && nonce instanceof Uint8Array && sealed instanceof Uint8Array)) {
    return "error";
  }
  if (algorithm !== AES && algorithm !== CHACHA) return "error";
  if (iv.length !== 16 || nonce.length !== 12 || sealed.length < 16) return "error";
  return { algorithm, ...(keyId === "" ? {} : { keyId }), iv, nonce, sealed };
}

function ourReading(bytes: Uint8Array): Omit<Ciphertext, "format"> | "error" {
  try {
    const { format, ...rest } = parseMsgpackCiphertext(bytes);
    assert.equal(format, "msgpack");
    return rest;
  } catch (err) {
    assert.ok(err instanceof FormatError);
    return "error";
  }
}

function same(bytes: Uint8Array, what: string): void {
  const ours = ourReading(bytes);
  const theirs = libraryReading(bytes);
  if (ours === "error" || theirs === "error") {
    assert.equal(ours, theirs, what);
    return;
  }
  assert.deepEqual(
    { ...ours, iv: [...ours.iv], nonce: [...ours.nonce], sealed: [...ours.sealed] },
    { ...theirs, iv: [...theirs.iv], nonce: [...theirs.nonce], sealed: [...theirs.sealed] },
    what,
  );
}

describe("format B reader: the library's reading", () => {
  const dir = vectorsDir();
  test("every recorded MessagePack ciphertext, and every one-byte change of one", {
    skip: dir === undefined,
  }, () => {
    const file = readVectors(dir as string, "kes-2023-05.json");
    let checked = 0;
    for (const key of file.keys) {
      for (const c of key.cases) {
        const bytes = Buffer.from(c.ciphertext, "base64");
        if (bytes[0] !== 0x95) continue;
        same(bytes, `${key.name}: ${c.ciphertext}`);
        checked++;
      }
    }
    assert.ok(checked > 0, "the vectors hold MessagePack ciphertexts");
    const sample = Buffer.from(file.keys[0]?.cases[0]?.ciphertext ?? "", "base64");
    for (let i = 0; i < sample.length; i++) {
      for (const value of [0x00, 0x20, 0x7f, 0x80, 0xa0, 0xb1, 0xb2, 0xc4, 0xc5, 0xd9, 0xff]) {
        const changed = Buffer.from(sample);
        changed[i] = value;
        same(changed, `byte ${i} = ${value}`);
      }
    }
    for (let cut = 0; cut < sample.length; cut++) same(sample.subarray(0, cut), `cut at ${cut}`);
  });

  test("what we write, in every size class, and other layouts the library still reads", () => {
    const iv = randomBytes(16);
    const nonce = randomBytes(12);
    for (const size of [16, 48, 255, 256, 300, 65535, 65536]) {
      for (const algorithm of [AES, CHACHA] as const) {
        const sealed = randomBytes(size);
        same(writeMsgpackCiphertext({ algorithm, keyId: ID, iv, nonce, sealed }), `${size}`);
      }
    }
    // Other string and binary size classes than the ones we write.
    same(encode([AES, "", iv, nonce, randomBytes(48)]), "empty key id");
    same(encode([AES, "x".repeat(20), iv, nonce, randomBytes(48)]), "short key id");
    same(encode([AES, ID.toUpperCase(), iv, nonce, randomBytes(48)]), "upper-case id");
    same(encode([AES, "\u0001".repeat(32), iv, nonce, randomBytes(48)]), "control characters");
  });
});
