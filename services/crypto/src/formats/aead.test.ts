import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import type { Algorithm } from "@kes/core";
import { ALGORITHMS, open, seal } from "./aead.js";
import { FormatError } from "./format-error.js";

const master = randomBytes(32);
const context = Buffer.from('{"bucket":"b","object":"o"}');
const plaintext = Buffer.from("a data encryption key, or any message");

for (const algorithm of ALGORITHMS) {
  describe(`aead ${algorithm}`, () => {
    test("round trips with and without context, and with an empty plaintext", () => {
      for (const aad of [context, new Uint8Array(0)]) {
        for (const pt of [plaintext, new Uint8Array(0)]) {
          const sealed = seal(algorithm, master, pt, aad);
          assert.equal(sealed.iv.length, 16);
          assert.equal(sealed.nonce.length, 12);
          assert.equal(sealed.sealed.length, pt.length + 16);
          assert.deepEqual(Buffer.from(open(algorithm, master, sealed, aad)), Buffer.from(pt));
        }
      }
    });

    test("draws a fresh IV and nonce for every message", () => {
      const a = seal(algorithm, master, plaintext, context);
      const b = seal(algorithm, master, plaintext, context);
      assert.notDeepEqual(Buffer.from(a.iv), Buffer.from(b.iv));
      assert.notDeepEqual(Buffer.from(a.nonce), Buffer.from(b.nonce));
      assert.notDeepEqual(Buffer.from(a.sealed), Buffer.from(b.sealed));
    });

    const sealed = seal(algorithm, master, plaintext, context);
    const failures: [string, () => Uint8Array][] = [
      ["wrong context", () => open(algorithm, master, sealed, Buffer.from("other"))],
      ["missing context", () => open(algorithm, master, sealed, new Uint8Array(0))],
      ["wrong key", () => open(algorithm, randomBytes(32), sealed, context)],
      ["wrong algorithm", () => open(other(algorithm), master, sealed, context)],
      [
        "tampered ciphertext byte",
        () => open(algorithm, master, { ...sealed, sealed: flip(sealed.sealed, 0) }, context),
      ],
      [
        "tampered tag byte",
        () => open(algorithm, master, { ...sealed, sealed: flip(sealed.sealed, -1) }, context),
      ],
      [
        "tampered iv",
        () => open(algorithm, master, { ...sealed, iv: flip(sealed.iv, 3) }, context),
      ],
      [
        "tampered nonce",
        () => open(algorithm, master, { ...sealed, nonce: flip(sealed.nonce, 3) }, context),
      ],
      [
        "truncated tag",
        () =>
          open(algorithm, master, { ...sealed, sealed: sealed.sealed.subarray(0, -1) }, context),
      ],
      [
        "shorter than a tag",
        () =>
          open(algorithm, master, { ...sealed, sealed: sealed.sealed.subarray(0, 15) }, context),
      ],
      [
        "short nonce",
        () => open(algorithm, master, { ...sealed, nonce: new Uint8Array(8) }, context),
      ],
      ["long iv", () => open(algorithm, master, { ...sealed, iv: new Uint8Array(20) }, context)],
      ["short master key", () => open(algorithm, master.subarray(0, 16), sealed, context)],
    ];
    for (const [reason, attempt] of failures) {
      test(`fails to open: ${reason}`, () => {
        assert.throws(attempt, FormatError);
      });
    }
  });
}

test("seal with fixed randomness is deterministic (vectors can be reproduced)", () => {
  const random = new Uint8Array(28).fill(7);
  const a = seal("AES256-GCM_SHA256", master, plaintext, context, random);
  const b = seal("AES256-GCM_SHA256", master, plaintext, context, random);
  assert.deepEqual(Buffer.from(a.sealed), Buffer.from(b.sealed));
});

function other(algorithm: Algorithm): Algorithm {
  return algorithm === "AES256-GCM_SHA256" ? "XCHACHA20-POLY1305" : "AES256-GCM_SHA256";
}

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const i = index < 0 ? copy.length + index : index;
  copy[i] = copy[i]! ^ 0x01;
  return copy;
}
