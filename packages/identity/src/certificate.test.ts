import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { once } from "node:events";
import { describe, it } from "node:test";
import { connect, createServer, type TLSSocket } from "node:tls";
import { isKesError } from "@kes/core";
import {
  createCertificateAuthority,
  createSelfSignedCertificate,
  issueCertificate,
} from "./certificate.js";
import { identityOfCertificate } from "./spki.js";

const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const DAY = 86_400_000;

async function rejects(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isKesError(err, "invalid_argument"), `expected invalid_argument, got ${err}`);
    assert.equal(err.message, message);
    return true;
  });
}

describe("createSelfSignedCertificate", () => {
  it("defaults: Ed25519 client certificate, CN = identity, 90 days, not a CA", async () => {
    const before = Date.now();
    const m = await createSelfSignedCertificate();
    const cert = new X509Certificate(m.certPem);
    assert.match(m.identity, /^[0-9a-f]{64}$/);
    assert.equal(identityOfCertificate(m.certPem), m.identity);
    assert.equal(cert.subject, `CN=${m.identity}`);
    assert.equal(cert.issuer, cert.subject);
    assert.equal(cert.ca, false);
    assert.deepEqual(cert.keyUsage, [CLIENT_AUTH]);
    assert.equal(cert.subjectAltName, undefined);
    assert.equal(cert.publicKey.asymmetricKeyType, "ed25519");
    assert.ok(cert.verify(cert.publicKey), "self-signed signature verifies");
    const key = createPrivateKey(m.keyPem);
    assert.ok(cert.checkPrivateKey(key));
    assert.match(m.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    // Valid from the second the certificate was made (X.509 times have whole seconds).
    assert.ok(
      from >= Math.floor(before / 1000) * 1000 && from <= Date.now(),
      `validFrom ${cert.validFrom}`,
    );
    assert.equal(to - from, 90 * DAY);
    // 128-bit random serial (the encoder adds a 00 byte when the top bit is set).
    assert.ok(cert.serialNumber.length >= 30 && cert.serialNumber.length <= 34, cert.serialNumber);
  });

  it("server certificate with IP and DNS SANs", async () => {
    const m = await createSelfSignedCertificate({
      usage: "server",
      ip: ["127.0.0.1", "::1"],
      dns: ["localhost"],
      subject: "kes-server",
      validityDays: 30,
    });
    const cert = new X509Certificate(m.certPem);
    assert.equal(cert.subject, "CN=kes-server");
    assert.deepEqual(cert.keyUsage, [SERVER_AUTH]);
    assert.equal(
      cert.subjectAltName,
      "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1",
    );
    assert.equal(cert.checkHost("localhost"), "localhost");
    assert.equal(cert.checkIP("127.0.0.1"), "127.0.0.1");
    assert.equal(Date.parse(cert.validTo) - Date.parse(cert.validFrom), 30 * DAY);
  });

  it("usage both has serverAuth and clientAuth; ecdsa-p256 on request", async () => {
    const m = await createSelfSignedCertificate({ usage: "both", keyType: "ecdsa-p256" });
    const cert = new X509Certificate(m.certPem);
    assert.deepEqual(cert.keyUsage, [SERVER_AUTH, CLIENT_AUTH]);
    assert.equal(cert.publicKey.asymmetricKeyType, "ec");
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
    assert.ok(cert.checkPrivateKey(createPrivateKey(m.keyPem)));
    assert.equal(identityOfCertificate(m.certPem), m.identity);
  });

  it("every certificate gets a fresh key and serial", async () => {
    const [a, b] = await Promise.all([
      createSelfSignedCertificate(),
      createSelfSignedCertificate(),
    ]);
    assert.notEqual(a?.identity, b?.identity);
    assert.notEqual(
      new X509Certificate(a?.certPem as string).serialNumber,
      new X509Certificate(b?.certPem as string).serialNumber,
    );
  });

  it("refuses bad options with a clear error", async () => {
    await rejects(
      createSelfSignedCertificate({ usage: "server" }),
      "a server certificate needs at least one IP address or DNS name (subjectAltName): " +
        "TLS clients verify the server's name against them",
    );
    await rejects(
      createSelfSignedCertificate({ ip: ["300.1.1.1"] }),
      "invalid IP address '300.1.1.1'",
    );
    await rejects(
      createSelfSignedCertificate({ dns: ["bad name"] }),
      "invalid DNS name 'bad name'",
    );
    await rejects(
      createSelfSignedCertificate({ validityDays: 0 }),
      "invalid validity of 0 days: expected more than 0 and at most 36500 days (100 years)",
    );
    await rejects(
      createSelfSignedCertificate({ subject: " " }),
      "the certificate subject is empty",
    );
    await rejects(
      createSelfSignedCertificate({ keyType: "rsa" as never }),
      "unsupported key type 'rsa': expected one of ed25519, ecdsa-p256",
    );
    await rejects(
      createSelfSignedCertificate({ usage: "peer" as never }),
      "invalid usage 'peer': expected client, server, both",
    );
  });
});

describe("createCertificateAuthority + issueCertificate", () => {
  it("issues leaf certificates that verify against the CA", async () => {
    const ca = await createCertificateAuthority({ subject: "KES internal CA" });
    const caCert = new X509Certificate(ca.certPem);
    assert.equal(caCert.ca, true);
    assert.equal(caCert.subject, "CN=KES internal CA");
    for (const keyType of ["ed25519", "ecdsa-p256"] as const) {
      const leaf = await issueCertificate(ca, {
        subject: "gateway",
        usage: "server",
        dns: ["localhost"],
        keyType,
      });
      const cert = new X509Certificate(leaf.certPem);
      assert.equal(cert.issuer, "CN=KES internal CA");
      assert.equal(cert.ca, false);
      assert.ok(cert.checkIssued(caCert));
      assert.ok(cert.verify(caCert.publicKey));
      assert.ok(cert.checkPrivateKey(createPrivateKey(leaf.keyPem)));
      assert.equal(identityOfCertificate(leaf.certPem), leaf.identity);
    }
  });

  it("mutual TLS works with an issued server and client certificate", async () => {
    const ca = await createCertificateAuthority({ subject: "mTLS CA", keyType: "ecdsa-p256" });
    const server = await issueCertificate(ca, {
      subject: "server",
      usage: "server",
      ip: ["127.0.0.1"],
    });
    const client = await issueCertificate(ca, { subject: "client", usage: "client" });
    const tlsServer = createServer(
      {
        key: server.keyPem,
        cert: server.certPem,
        ca: ca.certPem,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (socket) => {
        const peer = (socket as TLSSocket).getPeerCertificate();
        socket.end(identityOfCertificate(new Uint8Array(peer.raw)));
      },
    );
    tlsServer.listen(0, "127.0.0.1");
    await once(tlsServer, "listening");
    try {
      const port = (tlsServer.address() as { port: number }).port;
      const socket = connect({
        host: "127.0.0.1",
        port,
        ca: ca.certPem,
        key: client.keyPem,
        cert: client.certPem,
      });
      let received = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => {
        received += chunk;
      });
      await once(socket, "end");
      socket.destroy();
      assert.equal(received, client.identity);
    } finally {
      tlsServer.close();
    }
  });

  it("refuses a non-CA issuer and a key that does not match", async () => {
    const leaf = await createSelfSignedCertificate();
    await rejects(
      issueCertificate(leaf, { subject: "x", usage: "client" }),
      "cannot issue a certificate: the issuer certificate is not a CA",
    );
    const ca = await createCertificateAuthority({ subject: "CA" });
    const other = await createCertificateAuthority({ subject: "CA" });
    await rejects(
      issueCertificate(
        { certPem: ca.certPem, keyPem: other.keyPem },
        { subject: "x", usage: "client" },
      ),
      "cannot issue a certificate: the CA private key does not match the CA certificate",
    );
    await rejects(createCertificateAuthority({ subject: "" }), "the certificate subject is empty");
  });

  it("the CA key is a PKCS#8 key for the CA's public key", async () => {
    const ca = await createCertificateAuthority({ subject: "CA", validityDays: 1 });
    const pub = createPublicKey(createPrivateKey(ca.keyPem)).export({
      type: "spki",
      format: "der",
    });
    const certPub = new X509Certificate(ca.certPem).publicKey.export({
      type: "spki",
      format: "der",
    });
    assert.deepEqual(pub, certPub);
  });
});
