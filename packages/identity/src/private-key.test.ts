import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isKesError } from "@kes/core";
import { createSelfSignedCertificate } from "./certificate.js";
import { encryptPrivateKeyPem, loadPrivateKey } from "./private-key.js";
import { hasOpenssl, openssl } from "./test-openssl.js";

function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isKesError(err, "invalid_argument"), `expected invalid_argument, got ${err}`);
    assert.equal(err.message, message);
    assert.ok(!err.message.includes("secret"), "the password never shows up");
    return true;
  });
}

const WRONG = "cannot decrypt the private key: the password is wrong (or the key is damaged)";
const MISSING = "the private key is encrypted: a password is required";

describe("loadPrivateKey", () => {
  it("opens an unencrypted PKCS#8 key, also inside a cert+key bundle", async () => {
    const m = await createSelfSignedCertificate();
    assert.equal(loadPrivateKey(m.keyPem).asymmetricKeyType, "ed25519");
    assert.equal(loadPrivateKey(m.certPem + m.keyPem).asymmetricKeyType, "ed25519");
  });

  it("opens KES's legacy encrypted PKCS#8 PEM (Proc-Type: 4,ENCRYPTED)", async () => {
    const m = await createSelfSignedCertificate();
    const der = createPrivateKey(m.keyPem).export({ type: "pkcs8", format: "der" });
    const pem = encryptPrivateKeyPem(m.keyPem, "secret");
    assert.match(
      pem,
      /^-----BEGIN PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,[0-9A-F]{32}\n\n/,
    );
    const key = loadPrivateKey(pem, "secret");
    assert.deepEqual(key.export({ type: "pkcs8", format: "der" }), der);
    rejects(() => loadPrivateKey(pem, "not-the-password"), WRONG);
    rejects(() => loadPrivateKey(pem), MISSING);
    rejects(() => loadPrivateKey(pem, ""), MISSING);
  });

  it("refuses what is not a private key", async () => {
    const m = await createSelfSignedCertificate();
    rejects(() => loadPrivateKey(m.certPem), "not a private key: no PEM PRIVATE KEY block found");
    rejects(() => loadPrivateKey("garbage"), "not a private key: no PEM PRIVATE KEY block found");
    rejects(
      () => loadPrivateKey("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
      "not a valid private key: the PRIVATE KEY block cannot be parsed",
    );
  });
});

describe("loadPrivateKey with openssl keys", { skip: !hasOpenssl && "openssl missing" }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kes-identity-key-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("legacy encrypted EC and RSA keys (openssl -traditional)", () => {
    openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.pem"], {
      cwd: dir,
    });
    openssl(["ec", "-in", "ec.pem", "-aes256", "-passout", "pass:secret", "-out", "ec-enc.pem"], {
      cwd: dir,
    });
    openssl(
      [
        "genrsa",
        "-traditional",
        "-aes128",
        "-passout",
        "pass:secret",
        "-out",
        "rsa-enc.pem",
        "2048",
      ],
      { cwd: dir },
    );
    for (const [file, type] of [
      ["ec-enc.pem", "ec"],
      ["rsa-enc.pem", "rsa"],
    ] as const) {
      const pem = readFileSync(join(dir, file), "utf8");
      assert.match(pem, /Proc-Type: 4,ENCRYPTED/);
      assert.equal(loadPrivateKey(pem, "secret").asymmetricKeyType, type);
      rejects(() => loadPrivateKey(pem, "wrong"), WRONG);
      rejects(() => loadPrivateKey(pem), MISSING);
    }
  });

  it("openssl opens what encryptPrivateKeyPem writes", async () => {
    const m = await createSelfSignedCertificate({ keyType: "ecdsa-p256" });
    const pem = encryptPrivateKeyPem(m.keyPem, "secret");
    const plain = openssl(["pkey", "-passin", "pass:secret"], {
      cwd: dir,
      input: Buffer.from(pem),
    });
    assert.deepEqual(
      createPrivateKey(plain.toString()).export({ type: "pkcs8", format: "der" }),
      createPrivateKey(m.keyPem).export({ type: "pkcs8", format: "der" }),
    );
    assert.throws(() =>
      openssl(["pkey", "-passin", "pass:wrong"], { cwd: dir, input: Buffer.from(pem) }),
    );
  });

  it("encrypted PKCS#8 (BEGIN ENCRYPTED PRIVATE KEY)", () => {
    openssl(["genpkey", "-algorithm", "ed25519", "-out", "ed.pem"], { cwd: dir });
    openssl(
      [
        "pkcs8",
        "-topk8",
        "-in",
        "ed.pem",
        "-v2",
        "aes-256-cbc",
        "-passout",
        "pass:secret",
        "-out",
        "ed-enc.pem",
      ],
      { cwd: dir },
    );
    const pem = readFileSync(join(dir, "ed-enc.pem"), "utf8");
    assert.match(pem, /BEGIN ENCRYPTED PRIVATE KEY/);
    assert.equal(loadPrivateKey(pem, "secret").asymmetricKeyType, "ed25519");
    rejects(() => loadPrivateKey(pem, "wrong"), WRONG);
    rejects(() => loadPrivateKey(pem), MISSING);
  });
});
