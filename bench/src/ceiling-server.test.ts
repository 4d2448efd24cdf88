import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AES256_GCM_SHA256, openWith, sealWith, toMasterKey, ZERO_TIME } from "@kes/crypto-service";
import { type Ceiling, startCeiling } from "./ceiling-server.js";
import { createTransport, type Transport } from "./load/transport.js";
import { type BenchPki, createBenchPki } from "./scenarios/pki.js";

const MASTER = randomBytes(32);
const productKey = toMasterKey({
  encoding: "json",
  key: MASTER,
  algorithm: AES256_GCM_SHA256,
  createdAt: ZERO_TIME,
});

for (const h2Api of ["stream", "compat"] as const) {
  describe(`ceiling server (HTTP/2 ${h2Api} API)`, () => {
    let dir: string;
    let pki: BenchPki;
    let ceiling: Ceiling;
    const transports: Record<string, Transport> = {};

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "kes-bench-ceiling-"));
      pki = await createBenchPki(dir);
      ceiling = await startCeiling({
        certPem: pki.server.certPem,
        keyPem: pki.server.keyPem,
        caPem: pki.caPem,
        admin: pki.client.identity,
        create: ["made-at-start"],
        h2Api,
      });
      const tls = { ca: pki.caPem, cert: pki.client.certPem, key: pki.client.keyPem };
      for (const protocol of ["h2", "h1"] as const) {
        transports[protocol] = createTransport({
          protocol,
          endpoint: ceiling.url,
          tls,
          concurrency: 2,
        });
      }
      const imported = await transports.h2!.post(
        "/v1/key/import/known",
        JSON.stringify({ bytes: MASTER.toString("base64") }),
        5_000,
      );
      assert.equal(imported.status, 200, imported.body);
    });

    after(async () => {
      for (const t of Object.values(transports)) await t.close();
      await ceiling.close();
      await rm(dir, { recursive: true, force: true });
    });

    for (const protocol of ["h2", "h1"] as const) {
      it(`${protocol}: generate then decrypt returns the generated plaintext`, async () => {
        const t = transports[protocol]!;
        const gen = await t.post("/v1/key/generate/made-at-start", "{}", 5_000);
        assert.equal(gen.status, 200, gen.body);
        const { plaintext, ciphertext } = JSON.parse(gen.body) as Record<string, string>;
        assert.equal(Buffer.from(plaintext ?? "", "base64").length, 32);
        // KES's MessagePack layout: 135 bytes for a 32-byte DEK (kes-api.md §6.5).
        assert.equal(Buffer.from(ciphertext ?? "", "base64").length, 135);
        const dec = await t.post(
          "/v1/key/decrypt/made-at-start",
          JSON.stringify({ ciphertext }),
          5_000,
        );
        assert.equal(dec.status, 200, dec.body);
        assert.equal(JSON.parse(dec.body).plaintext, plaintext);
      });
    }

    it("its ciphertexts open with the product's crypto (same key, same format)", async () => {
      const context = Buffer.from("bench context");
      const gen = await transports.h2!.post(
        "/v1/key/generate/known",
        JSON.stringify({ context: context.toString("base64") }),
        5_000,
      );
      assert.equal(gen.status, 200, gen.body);
      const { plaintext, ciphertext } = JSON.parse(gen.body) as Record<string, string>;
      const opened = openWith(productKey, Buffer.from(ciphertext ?? "", "base64"), context);
      assert.equal(Buffer.from(opened).toString("base64"), plaintext);
      // The context is bound: the product refuses it without.
      assert.throws(() =>
        openWith(productKey, Buffer.from(ciphertext ?? "", "base64"), Buffer.alloc(0)),
      );
    });

    it("opens the product's ciphertexts, and refuses a wrong context or a flipped bit", async () => {
      const secret = randomBytes(32);
      const context = Buffer.from("ctx");
      const sealed = Buffer.from(sealWith(productKey, secret, context));
      const body = (ct: Buffer, ctx?: Buffer) =>
        JSON.stringify({
          ciphertext: ct.toString("base64"),
          ...(ctx === undefined ? {} : { context: ctx.toString("base64") }),
        });
      const ok = await transports.h1!.post("/v1/key/decrypt/known", body(sealed, context), 5_000);
      assert.equal(ok.status, 200, ok.body);
      assert.equal(JSON.parse(ok.body).plaintext, secret.toString("base64"));

      const noContext = await transports.h1!.post("/v1/key/decrypt/known", body(sealed), 5_000);
      assert.equal(noContext.status, 400);
      assert.match(noContext.body, /decryption failed/);

      const flipped = Buffer.from(sealed);
      flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
      const bad = await transports.h2!.post("/v1/key/decrypt/known", body(flipped, context), 5_000);
      assert.equal(bad.status, 400);
      assert.match(bad.body, /decryption failed/);
    });

    it("answers unknown keys, bad bodies and bad names with KES-style errors", async () => {
      const t = transports.h2!;
      const missing = await t.post("/v1/key/generate/nope", "{}", 5_000);
      assert.deepEqual(
        [missing.status, JSON.parse(missing.body).message],
        [404, "key does not exist"],
      );
      const notJson = await t.post("/v1/key/decrypt/known", "{", 5_000);
      assert.equal(notJson.status, 400);
      const badName = await t.post("/v1/key/generate/a.b", "{}", 5_000);
      assert.equal(badName.status, 400);
      const unknown = await t.post("/v1/policy/write/x", "{}", 5_000);
      assert.equal(unknown.status, 501);
    });
  });
}

describe("ceiling server authorization", () => {
  it("refuses a verified client that is not the admin identity", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kes-bench-ceiling-"));
    const pki = await createBenchPki(dir);
    const ceiling = await startCeiling({
      certPem: pki.server.certPem,
      keyPem: pki.server.keyPem,
      caPem: pki.caPem,
      admin: "0".repeat(64),
      create: ["k"],
    });
    const t = createTransport({
      protocol: "h2",
      endpoint: ceiling.url,
      tls: { ca: pki.caPem, cert: pki.client.certPem, key: pki.client.keyPem },
      concurrency: 1,
    });
    try {
      const answer = await t.post("/v1/key/generate/k", "{}", 5_000);
      assert.equal(answer.status, 403);
    } finally {
      await t.close();
      await ceiling.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
