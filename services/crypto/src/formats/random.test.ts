import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { randomPublic, randomSecret } from "./random.js";

describe("random bytes drawn in blocks", () => {
  test("never hands out the same bytes twice, across blocks", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      // 28 does not divide the block size: draws straddle block ends.
      for (const bytes of [randomPublic(28), randomSecret(32)]) {
        const hex = Buffer.from(bytes).toString("hex");
        assert.ok(!seen.has(hex), "a draw repeated");
        seen.add(hex);
      }
    }
  });

  test("a secret has a buffer of its own; a public draw is exactly its size", () => {
    const secret = randomSecret(32);
    assert.equal(secret.length, 32);
    assert.equal(secret.buffer.byteLength, 32);
    assert.equal(randomPublic(16).length, 16);
  });

  test("draws larger than a block still work", () => {
    assert.equal(randomPublic(10_000).length, 10_000);
    assert.equal(randomSecret(5_000).length, 5_000);
  });

  test("the bytes look random (no block left unfilled)", () => {
    const bytes = Buffer.concat(Array.from({ length: 300 }, () => randomPublic(28)));
    const zeros = bytes.filter((b) => b === 0).length;
    // 8400 bytes: about 33 zeros expected; an unfilled block would give thousands.
    assert.ok(zeros < 120, `${zeros} zero bytes`);
  });
});
