// Every ciphertext recorded from real KES servers (../shared/vectors) must decrypt, through the
// crypto service, with the stored key exactly as that server wrote it to its keystore.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { createCryptoService } from "./crypto-service.js";
import { MapKeyStore } from "./testing/map-keystore.js";
import { b64, readVectors, vectorsDir } from "./testing/vectors.js";

const dir = vectorsDir();

for (const file of ["kes-2023-05.json", "kes-2024.json"]) {
  describe(`recorded vectors ${file}`, {
    skip: dir === undefined && "../shared/vectors is absent",
  }, () => {
    if (dir === undefined) return;
    const vectors = readVectors(dir, file);
    const keystore = new MapKeyStore();
    const crypto = createCryptoService({ keystore });
    after(() => crypto.close());

    test("the file has keys and cases", () => {
      assert.ok(vectors.keys.length >= 3);
      assert.ok(vectors.keys.every((k) => k.cases.length > 0));
    });

    for (const key of vectors.keys) {
      keystore.put(key.name, key.stored_key);

      test(`${key.name}: every case decrypts to its plaintext`, async () => {
        for (const [i, c] of key.cases.entries()) {
          const plaintext = await crypto.decrypt(key.name, b64(c.ciphertext), b64(c.context));
          assert.equal(
            Buffer.from(plaintext).toString("base64"),
            c.plaintext,
            `case ${i} (${c.op})`,
          );
        }
      });

      test(`${key.name}: a wrong context fails every case that had one`, async () => {
        for (const c of key.cases.filter((c) => c.context !== null && c.context !== "")) {
          await assert.rejects(crypto.decrypt(key.name, b64(c.ciphertext), Buffer.from("wrong")), {
            name: "KesError",
            kind: "decryption_failed",
          });
        }
      });

      test(`${key.name}: describe matches the server's answer`, async () => {
        const info = await crypto.describeKey(key.name);
        assert.equal(info.name, key.describe.name);
        assert.equal(info.createdAt, key.describe.created_at);
        assert.equal(info.createdBy, key.describe.created_by);
        if (vectors.era === "2023") {
          assert.equal(info.id, key.describe.id);
          assert.equal(info.algorithm, key.describe.algorithm); // undefined for the legacy key
          assert.equal(info.hasHmac, false);
        } else {
          const names = { AES256: "AES256-GCM_SHA256", ChaCha20: "XCHACHA20-POLY1305" };
          assert.equal(info.algorithm, names[key.describe.algorithm as keyof typeof names]);
          assert.equal(info.hasHmac, true);
        }
      });
    }
  });
}
