import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { parseStoredKey } from "./formats/stored-key.js";
import { toMasterKey } from "./master-key.js";

describe("a cached master key", () => {
  test("holds its bytes in buffers of their own, not views into what it was parsed from", () => {
    // Base64 decoding of short values lands in Node's shared 8 KiB pool.
    const bytes = randomBytes(32);
    const stored = parseStoredKey(JSON.stringify({ bytes: bytes.toString("base64") }));
    assert.ok(stored.key.buffer.byteLength > 32, "the parsed key is a view (test premise)");
    const key = toMasterKey(stored);
    assert.equal(key.key.buffer.byteLength, 32);
    assert.deepEqual(Buffer.from(key.key), bytes);
    assert.equal(key.id, toMasterKey(stored).id);
  });
});
