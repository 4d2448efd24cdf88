import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { rootCertificates } from "node:tls";
import { silentLogger } from "@kes/core";
import { startGateway } from "./server.js";
import { makeTestPki, runOpenssl, type TestPki } from "./testing/certs.js";
import { createFakeCrypto } from "./testing/fake-crypto.js";
import { testConfig } from "./testing/harness.js";
import { loadServerTls } from "./tls.js";

/** Startup checks of the server's TLS material: each failure names the key and the problem. */

describe("server TLS material", () => {
  let pki: TestPki;
  let file: (name: string) => string;

  before(async () => {
    pki = await makeTestPki();
    file = (name) => join(pki.dir, name);
    await runOpenssl(pki.dir, [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "nosan.key",
      "-out",
      "nosan.crt",
      "-subj",
      "/CN=localhost",
      "-days",
      "1",
    ]);
    await runOpenssl(pki.dir, [
      "pkey",
      "-in",
      "server.key",
      "-aes256",
      "-passout",
      "pass:s3cret",
      "-out",
      "server-enc.key",
    ]);
    await runOpenssl(pki.dir, [
      "ec",
      "-in",
      "server.key",
      "-aes256",
      "-passout",
      "pass:s3cret",
      "-out",
      "server-legacy.key",
    ]);
  });
  after(() => pki?.cleanup());

  it("loads the config's files", async () => {
    const tls = await loadServerTls({ cert: file("server.crt"), key: file("server.key") });
    assert.equal(tls.certPem, pki.server.certPem);
    assert.match(tls.keyPem, /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(tls.ca, undefined);
  });

  it("refuses a server certificate without a SAN, naming the file", async () => {
    await assert.rejects(
      loadServerTls({ cert: file("nosan.crt"), key: file("nosan.key") }),
      (err: Error) =>
        err.message.startsWith(`tls.cert ${file("nosan.crt")}: the certificate has no DNS or IP`),
    );
  });

  it("the same refusal stops startGateway before it listens", async () => {
    const config = { ...testConfig(pki), tls: { cert: file("nosan.crt"), key: file("nosan.key") } };
    await assert.rejects(
      startGateway({ config, crypto: createFakeCrypto(), logger: silentLogger() }),
      /subject alternative name/,
    );
  });

  it("decrypts an encrypted key (PKCS#8 and legacy PEM) with tls.password", async () => {
    for (const name of ["server-enc.key", "server-legacy.key"]) {
      const tls = await loadServerTls({
        cert: file("server.crt"),
        key: file(name),
        password: "s3cret",
      });
      assert.match(tls.keyPem, /^-----BEGIN PRIVATE KEY-----/, name);
      await assert.rejects(
        loadServerTls({ cert: file("server.crt"), key: file(name), password: "wrong" }),
        (err: Error) => {
          assert.equal(
            err.message,
            `tls.key ${file(name)}: cannot decrypt the private key: is tls.password right?`,
          );
          assert.doesNotMatch(err.message, /wrong|s3cret/);
          return true;
        },
      );
      await assert.rejects(
        loadServerTls({ cert: file("server.crt"), key: file(name) }),
        /the private key is encrypted: set tls.password/,
      );
    }
  });

  it("refuses a key that does not belong to the certificate, and missing files", async () => {
    await assert.rejects(
      loadServerTls({ cert: file("server.crt"), key: file("ca.key") }),
      /the private key does not belong to tls.cert/,
    );
    await assert.rejects(
      loadServerTls({ cert: file("missing.crt"), key: file("server.key") }),
      (err: Error) =>
        err.message ===
        `tls.cert ${file("missing.crt")}: cannot read the file: no such file or directory`,
    );
    await assert.rejects(
      loadServerTls({ cert: file("server.key"), key: file("server.key") }),
      /not a PEM X.509 certificate/,
    );
  });

  it("tls.ca: a file or every file of a directory, on top of the system roots", async () => {
    const single = await loadServerTls({
      cert: file("server.crt"),
      key: file("server.key"),
      ca: file("ca.crt"),
    });
    assert.equal(single.ca?.length, rootCertificates.length + 1);
    assert.equal(single.ca?.at(-1), pki.ca.certPem.trim());

    const dir = file("cas");
    await mkdir(dir);
    await writeFile(join(dir, "a.pem"), pki.ca.certPem + pki.server.certPem);
    await writeFile(join(dir, "b.pem"), pki.app.certPem);
    const many = await loadServerTls({
      cert: file("server.crt"),
      key: file("server.key"),
      ca: dir,
    });
    assert.equal(many.ca?.length, rootCertificates.length + 3);

    await writeFile(join(dir, "c.txt"), "not a certificate");
    await assert.rejects(
      loadServerTls({ cert: file("server.crt"), key: file("server.key"), ca: dir }),
      (err: Error) =>
        err.message === `tls.ca ${join(dir, "c.txt")}: no PEM certificate in the file`,
    );
  });
});
