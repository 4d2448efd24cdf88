import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isKesError } from "@kes/core";
import { createCertificateAuthority, issueCertificate } from "./certificate.js";
import { decodePem } from "./pem.js";
import { certificateDer, identityOfCertificate, isIdentity, subjectPublicKeyInfo } from "./spki.js";
import { hasOpenssl, opensslCertificate, opensslIdentity } from "./test-openssl.js";

function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isKesError(err, "invalid_argument"), `expected invalid_argument, got ${err}`);
    assert.equal(err.message, message);
    return true;
  });
}

describe("identityOfCertificate matches openssl", {
  skip: !hasOpenssl && "openssl missing",
}, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kes-identity-spki-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cases: Record<string, readonly string[]> = {
    ed25519: ["-newkey", "ed25519"],
    "ecdsa-p256": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    rsa: ["-newkey", "rsa:2048"],
  };
  for (const [name, newkey] of Object.entries(cases)) {
    it(`${name}: sha256 of the DER public key`, () => {
      const file = opensslCertificate(dir, name, newkey);
      const expected = opensslIdentity(dir, file);
      assert.ok(isIdentity(expected), `openssl gave ${expected}`);
      const pem = readFileSync(file, "utf8");
      assert.equal(identityOfCertificate(pem), expected);
      // DER and PEM bytes give the same identity.
      assert.equal(identityOfCertificate(readFileSync(file)), expected);
      assert.equal(identityOfCertificate(certificateDer(pem)), expected);
    });
  }
});

describe("identityOfCertificate inputs", () => {
  it("a PEM chain identifies its first certificate (the leaf)", async () => {
    const ca = await createCertificateAuthority({ subject: "test CA" });
    const leaf = await issueCertificate(ca, { subject: "leaf", usage: "client" });
    assert.notEqual(leaf.identity, ca.identity);
    assert.equal(identityOfCertificate(leaf.certPem + ca.certPem), leaf.identity);
    assert.equal(identityOfCertificate(ca.certPem + leaf.certPem), ca.identity);
  });

  it("text before the PEM block (openssl x509 -text output) is skipped", async () => {
    const ca = await createCertificateAuthority({ subject: "test CA" });
    const text = `Certificate:\n    Data: ...\n${ca.certPem}`;
    assert.equal(identityOfCertificate(text), ca.identity);
    assert.equal(identityOfCertificate(Buffer.from(text)), ca.identity);
  });

  it("the SPKI is taken verbatim from the certificate", async () => {
    const ca = await createCertificateAuthority({ subject: "test CA" });
    const der = (decodePem(ca.certPem)[0] as { der: Uint8Array }).der;
    const spki = subjectPublicKeyInfo(der);
    assert.equal(spki[0], 0x30);
    assert.ok(Buffer.from(der).includes(Buffer.from(spki)));
  });

  it("garbage gets a clear error", () => {
    rejects(() => identityOfCertificate("hello"), "not a certificate: expected PEM or DER");
    rejects(
      () => identityOfCertificate(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])),
      "not a certificate: the data is not a valid X.509 certificate",
    );
    rejects(
      () => identityOfCertificate("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
      "not a certificate: the PEM holds PRIVATE KEY but no CERTIFICATE",
    );
    rejects(
      () => identityOfCertificate("-----BEGIN CERTIFICATE-----\nMIIB"),
      "not a certificate: no complete PEM block found",
    );
    rejects(
      () => identityOfCertificate("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"),
      "invalid PEM: the CERTIFICATE block is not valid base64",
    );
    rejects(
      () => identityOfCertificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
      "not a certificate: the data is not a valid X.509 certificate",
    );
    rejects(
      () => subjectPublicKeyInfo(new Uint8Array([0x30, 0x82])),
      "not an X.509 certificate: truncated DER",
    );
  });

  it("isIdentity accepts only 64 lowercase hex characters", () => {
    assert.ok(isIdentity("a".repeat(64)));
    assert.ok(!isIdentity("A".repeat(64)));
    assert.ok(!isIdentity("a".repeat(63)));
    assert.ok(!isIdentity("disabled"));
  });
});
