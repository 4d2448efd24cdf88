import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { certificateDer, createSelfSignedCertificate, identityOfCertificate } from "@kes/identity";
import { identityOfDer } from "./spki.js";

const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

describe("the gateway's identity of a certificate", () => {
  it("is @kes/identity's, for the key types KES clients use", async () => {
    for (const keyType of ["ed25519", "ecdsa-p256"] as const) {
      const { certPem } = await createSelfSignedCertificate({ subject: "x", keyType });
      const der = certificateDer(certPem);
      assert.equal(identityOfDer(der), identityOfCertificate(der), keyType);
      assert.match(identityOfDer(der), /^[0-9a-f]{64}$/);
    }
  });

  it("is @kes/identity's for RSA and P-384 certificates too (openssl)", {
    skip: !hasOpenssl,
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), "kes-spki-"));
    try {
      for (const key of [["rsa:2048"], ["ec", "-pkeyopt", "ec_paramgen_curve:P-384"]]) {
        const out = join(dir, "c.pem");
        execFileSync(
          "openssl",
          [
            "req",
            "-x509",
            "-newkey",
            ...key,
            "-nodes",
            "-keyout",
            join(dir, "k.pem"),
            "-out",
            out,
            "-days",
            "1",
            "-subj",
            "/CN=x",
          ],
          { stdio: "ignore" },
        );
        const der = certificateDer(readFileSync(out, "utf8"));
        assert.equal(identityOfDer(der), identityOfCertificate(der), key[0]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("throws on bytes that are not a certificate", () => {
    assert.throws(() => identityOfDer(new Uint8Array([0x30, 0x05, 0x01])), /truncated/);
    assert.throws(() => identityOfDer(new Uint8Array(0)), /truncated/);
  });
});
