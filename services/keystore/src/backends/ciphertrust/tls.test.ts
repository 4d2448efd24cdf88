import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { PeerCertificate } from "node:tls";
import { isKesError } from "@kes/core";
import { checkServerIdentity, loadCaCertificates, NO_SAN_CODE } from "./tls.js";

/** Two throwaway self-signed CA certificates (openssl, as the service's other TLS tests). */
function makeCas(dir: string): [string, string] {
  for (const name of ["one", "two"]) {
    const run = spawnSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"].concat([
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.pem`,
        "-days",
        "1",
        "-subj",
        `/CN=${name}`,
      ]),
      { cwd: dir, encoding: "utf8", timeout: 30_000 },
    );
    if (run.status !== 0) throw new Error(`openssl failed: ${run.error ?? run.stderr}`);
  }
  return [readFileSync(join(dir, "one.pem"), "utf8"), readFileSync(join(dir, "two.pem"), "utf8")];
}

function refusal(pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(isKesError(err, "invalid_argument"), String(err));
    assert.match(err.message, /^keystore\.gemalto\.keysecure\.tls\.ca: /);
    assert.match(err.message, pattern);
    return true;
  };
}

describe("tls.ca loading", () => {
  let dir: string;
  let one: string;
  let two: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kes-cm-tls-"));
    [one, two] = makeCas(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reads every certificate of a PEM file", async () => {
    const bundle = join(dir, "bundle.pem");
    writeFileSync(bundle, `${one}\n${two}\n`);
    const certs = await loadCaCertificates(bundle);
    assert.equal(certs.length, 2);
    assert.equal(`${certs[0]}\n`, one);
  });

  it("reads every regular file of a directory, skipping subdirectories", async () => {
    const cas = join(dir, "cas");
    mkdirSync(join(cas, "nested"), { recursive: true });
    writeFileSync(join(cas, "a.pem"), one);
    writeFileSync(join(cas, "b.crt"), two);
    writeFileSync(join(cas, "nested", "junk.txt"), "not a certificate");
    symlinkSync(join(cas, "a.pem"), join(cas, "c.0"));
    assert.equal((await loadCaCertificates(cas)).length, 3);
  });

  it("names the file that does not hold a certificate", async () => {
    const cas = join(dir, "bad-dir");
    mkdirSync(cas);
    writeFileSync(join(cas, "good.pem"), one);
    writeFileSync(join(cas, "README"), "these are our CAs");
    await assert.rejects(
      loadCaCertificates(cas),
      refusal(/"[^"]*bad-dir\/README" holds no PEM certificate/),
    );
  });

  it("names a certificate block that does not parse", async () => {
    const file = join(dir, "broken.pem");
    writeFileSync(file, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    await assert.rejects(
      loadCaCertificates(file),
      refusal(/broken\.pem" holds a PEM certificate that cannot be parsed/),
    );
  });

  it("says when the path does not exist, or a directory is empty", async () => {
    await assert.rejects(
      loadCaCertificates(join(dir, "nope.pem")),
      refusal(/nope\.pem" does not exist/),
    );
    const empty = join(dir, "empty");
    mkdirSync(empty);
    await assert.rejects(loadCaCertificates(empty), refusal(/holds no certificate/));
  });
});

describe("CipherTrust server identity check", () => {
  const noSan = { subject: { CN: "localhost" } } as unknown as PeerCertificate;

  it("refuses a certificate without subjectAltName even when its CN matches", () => {
    const err = checkServerIdentity("localhost", noSan);
    assert.ok(err instanceof Error);
    assert.equal((err as { code?: string }).code, NO_SAN_CODE);
  });

  it("checks a certificate with SANs as Node does", () => {
    const cert = {
      subject: { CN: "cm" },
      subjectaltname: "DNS:cm.example.com, IP Address:10.0.0.7",
    } as unknown as PeerCertificate;
    assert.equal(checkServerIdentity("cm.example.com", cert), undefined);
    assert.equal(checkServerIdentity("10.0.0.7", cert), undefined);
    const mismatch = checkServerIdentity("other.example.com", cert);
    assert.equal((mismatch as { code?: string } | undefined)?.code, "ERR_TLS_CERT_ALTNAME_INVALID");
  });
});
