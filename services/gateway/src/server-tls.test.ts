import assert from "node:assert/strict";
import { once } from "node:events";
import { connect } from "node:http2";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type ConnectionOptions, connect as tlsConnect } from "node:tls";
import { createLogger } from "@kes/core";
import { makeTestPki, type TestPki } from "./testing/certs.js";
import {
  type ClientCert,
  h1request,
  h2request,
  handshake,
  type TestResponse,
} from "./testing/client.js";
import { startTestGateway, type TestGateway, testConfig } from "./testing/harness.js";

/** Client certificates: which are accepted, who they identify, and the 2023 400s. */

function assertError(res: TestResponse, status: number, message: string) {
  assert.equal(res.status, status, res.body);
  assert.equal(res.contentType, "application/json; charset=utf-8");
  assert.deepEqual(JSON.parse(res.body), { message });
}

describe("client certificates with auth off", () => {
  let pki: TestPki;
  let gw: TestGateway;

  before(async () => {
    pki = await makeTestPki();
    // The CA-signed client is the admin here, so self describe shows whom a chain identifies.
    const config = testConfig(pki, { admin: pki.caSigned.identity });
    gw = await startTestGateway(pki, { config, auth: "off" });
  });
  after(async () => {
    await gw?.close();
    await pki?.cleanup();
  });

  /** A bare TLS connection with the app's certificate. */
  const connectAsApp = (options: ConnectionOptions) =>
    tlsConnect({
      host: "127.0.0.1",
      port: gw.port,
      rejectUnauthorized: false,
      cert: pki.app.certPem,
      key: pki.app.keyPem,
      ...options,
    });

  it("no certificate: 400 no client certificate is present; /version still answers", async () => {
    for (const send of [h2request, h1request]) {
      const res = await send(gw.port, undefined, { method: "POST", path: "/v1/key/create/x" });
      assertError(res, 400, "no client certificate is present");
      const self = await send(gw.port, undefined, {
        method: "GET",
        path: "/v1/identity/self/describe",
      });
      assertError(self, 400, "no client certificate is present");
      const version = await send(gw.port, undefined, { method: "GET", path: "/version" });
      assert.equal(version.status, 200);
    }
    assert.equal(gw.crypto.keys.size, 0);
  });

  it("leaf + CA chain identifies the leaf", async () => {
    const chain = { ...pki.caSigned, certPem: pki.caSigned.certPem + pki.ca.certPem };
    const res = await h2request(gw.port, chain, {
      method: "GET",
      path: "/v1/identity/self/describe",
    });
    assert.equal(res.status, 200);
    const body = JSON.parse(res.body);
    assert.equal(body.identity, pki.caSigned.identity);
    assert.equal(body.admin, true);
    const created = await h1request(gw.port, chain, { method: "POST", path: "/v1/key/create/c" });
    assert.equal(created.status, 200);
  });

  it("two non-CA certificates: 400 too many client certificates are present", async () => {
    const res = await h2request(gw.port, pki.twoLeaves, {
      method: "POST",
      path: "/v1/key/create/y",
    });
    assertError(res, 400, "too many client certificates are present");
    assert.equal(gw.crypto.keys.has("y"), false);
  });

  it("only a CA certificate: 400 no client certificate is present", async () => {
    const res = await h2request(gw.port, pki.ca, { method: "GET", path: "/v1/key/list/*" });
    assertError(res, 400, "no client certificate is present");
  });

  it("a CA certificate followed by another's certificate is refused, not taken for it", async () => {
    // The client proves it holds the key of the first certificate only; KES took the first
    // non-CA certificate of the chain, which let anyone with a copy of a certificate pose as
    // its owner. The request must never run as the victim.
    const res = await h2request(gw.port, pki.impostor, {
      method: "GET",
      path: "/v1/identity/self/describe",
    });
    assertError(
      res,
      400,
      "invalid client certificate: the first certificate is a CA certificate; it must be the client's own",
    );
    assert.notEqual(JSON.parse(res.body).identity, pki.impostor.victim);
  });

  it("an unknown self-signed certificate is authenticated but not authorized", async () => {
    const res = await h2request(gw.port, pki.stranger, { method: "GET", path: "/v1/key/list/*" });
    assertError(res, 403, "not authorized: insufficient permissions");
  });

  it("speaks TLS 1.3 and 1.2 with ECDHE + AEAD suites only", async () => {
    const negotiate = (options: ConnectionOptions) =>
      new Promise<{ version: string | null; cipher: string }>((resolve, reject) => {
        const socket = connectAsApp(options);
        socket.once("secureConnect", () => {
          resolve({ version: socket.getProtocol(), cipher: socket.getCipher().name });
          socket.destroy();
        });
        socket.once("error", reject);
      });
    assert.equal((await negotiate({})).version, "TLSv1.3");
    const tls12 = await negotiate({ maxVersion: "TLSv1.2" });
    assert.equal(tls12.version, "TLSv1.2");
    assert.match(tls12.cipher, /^ECDHE-(ECDSA|RSA)-(AES\d+-GCM|CHACHA20-POLY1305)/);
    // An ECDHE suite without AEAD, which Node's default list would accept.
    await assert.rejects(
      negotiate({ ciphers: "ECDHE-ECDSA-AES128-SHA256", maxVersion: "TLSv1.2" }),
    );
  });

  it("refuses TLS 1.2 renegotiation", async () => {
    const socket = connectAsApp({ maxVersion: "TLSv1.2", ALPNProtocols: ["http/1.1"] });
    try {
      await once(socket, "secureConnect");
      const outcome = await new Promise<string>((resolve) => {
        const timer = setTimeout(() => resolve("no answer"), 5_000);
        socket.once("close", () => resolve("closed"));
        socket.once("error", () => resolve("refused"));
        const started = socket.renegotiate({}, (err) => {
          clearTimeout(timer);
          resolve(err ? "refused" : "renegotiated");
        });
        if (!started) resolve("refused");
      });
      assert.notEqual(outcome, "renegotiated");
      assert.notEqual(outcome, "no answer");
    } finally {
      socket.destroy();
    }
  });

  it("many requests on one HTTP/2 connection share its identity", async () => {
    const session = connect(`https://127.0.0.1:${gw.port}`, {
      rejectUnauthorized: false,
      cert: pki.caSigned.certPem,
      key: pki.caSigned.keyPem,
    });
    try {
      const one = (path: string) =>
        new Promise<number>((resolve, reject) => {
          const stream = session.request({ ":method": "POST", ":path": path });
          stream.on("response", (h) => resolve(Number(h[":status"])));
          stream.on("error", reject);
          stream.resume();
          stream.end();
        });
      const statuses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => one(`/v1/key/create/s-${i}`)),
      );
      assert.deepEqual(statuses, Array(20).fill(200));
      assert.equal(gw.crypto.keys.get("s-7")?.createdBy, pki.caSigned.identity);
    } finally {
      session.close();
    }
  });
});

describe("client certificates with auth on", () => {
  let pki: TestPki;
  let gw: TestGateway;
  const logLines: string[] = [];

  before(async () => {
    pki = await makeTestPki();
    const config = testConfig(pki, {
      admin: pki.caSigned.identity,
      ca: join(pki.dir, "ca.crt"),
    });
    const logger = createLogger({
      level: "warn",
      destination: { write: (line: string) => logLines.push(line) },
    });
    gw = await startTestGateway(pki, { config, auth: "on", extra: { logger } });
  });
  after(async () => {
    await gw?.close();
    await pki?.cleanup();
  });

  it("a certificate issued by tls.ca is verified and served", async () => {
    for (const send of [h2request, h1request]) {
      const res = await send(gw.port, pki.caSigned, {
        method: "GET",
        path: "/v1/identity/self/describe",
      });
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.body).identity, pki.caSigned.identity);
    }
  });

  it("an unverifiable or missing certificate fails the TLS handshake", async () => {
    await assert.rejects(handshake(gw.port, pki.stranger));
    await assert.rejects(handshake(gw.port, undefined));
    assert.match(await handshake(gw.port, pki.caSigned), /^HTTP\/1\.1 200/);
    for (const cert of [pki.stranger, undefined]) {
      await assert.rejects(h2request(gw.port, cert, { method: "GET", path: "/version" }));
    }
  });

  it("a refused certificate is one warn line (address and reason, no certificate) per IP per 10 s", async () => {
    logLines.length = 0;
    for (let i = 0; i < 3; i++)
      await assert.rejects(refusedFrom(gw.port, "127.0.0.2", pki.stranger));
    await assert.rejects(refusedFrom(gw.port, "127.0.0.3", undefined));
    const refusals = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry["msg"] === "client certificate refused");
    assert.deepEqual(
      refusals.map((r) => [r["level"], r["remote"], r["reason"]]),
      [
        [40, "127.0.0.2", "DEPTH_ZERO_SELF_SIGNED_CERT"],
        [40, "127.0.0.3", "no client certificate"],
      ],
    );
    const text = logLines.join("");
    assert.doesNotMatch(text, /BEGIN CERTIFICATE|stranger/);
  });
});

/** A TLS connection from `localAddress` that asks for /version; rejects when refused. */
function refusedFrom(
  port: number,
  localAddress: string,
  cert: ClientCert | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    // tls.connect passes localAddress on to net.connect; its typings leave it out.
    const options: ConnectionOptions & { localAddress: string } = {
      host: "127.0.0.1",
      port,
      localAddress,
      servername: "localhost",
      rejectUnauthorized: false,
      ALPNProtocols: ["http/1.1"],
      ...(cert === undefined ? {} : { cert: cert.certPem, key: cert.keyPem }),
    };
    const socket = tlsConnect(options);
    socket.setTimeout(10_000, () => socket.destroy(new Error("no answer, no refusal")));
    socket.on("secureConnect", () => socket.write("GET /version HTTP/1.1\r\nHost: x\r\n\r\n"));
    socket.on("data", () => {
      socket.destroy();
      resolve();
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error("refused")));
  });
}
