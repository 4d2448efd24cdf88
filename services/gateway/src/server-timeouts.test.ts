import assert from "node:assert/strict";
import { once } from "node:events";
import {
  type ClientHttp2Session,
  connect as h2connect,
  type IncomingHttpHeaders,
} from "node:http2";
import { connect as netConnect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import { DEFAULT_TIMEOUTS } from "./server.js";
import { makeTestPki, type TestPki } from "./testing/certs.js";
import { h2request } from "./testing/client.js";
import { startTestGateway, type TestGateway } from "./testing/harness.js";

/**
 * Connection timeouts: a client that connects and then does nothing loses its socket; a
 * request or a /v1/log/* stream in progress does not, however quiet.
 */

const TIMEOUTS = { handshakeMs: 300, headersMs: 300, idleMs: 400 };
/** Far above the configured timeouts, far below the defaults (5 s, 5 s, 90 s). */
const WITHIN_MS = 3_000;

/** Resolves with how long the server took to close `socket`; rejects after WITHIN_MS. */
async function closedByServer(socket: Socket): Promise<number> {
  const started = performance.now();
  const timer = setTimeout(() => socket.destroy(new Error("still open")), WITHIN_MS);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.on("close", () => resolve());
      socket.on("error", (err) => {
        if (err.message === "still open") reject(err);
      });
    });
    return performance.now() - started;
  } finally {
    clearTimeout(timer);
  }
}

function tlsSocket(port: number, alpn: string): Promise<TLSSocket> {
  const socket = tlsConnect({
    host: "127.0.0.1",
    port,
    servername: "localhost",
    rejectUnauthorized: false,
    ALPNProtocols: [alpn],
  });
  return new Promise((resolve, reject) => {
    socket.once("secureConnect", () => resolve(socket));
    socket.once("error", reject);
  });
}

describe("connection timeouts", () => {
  let pki: TestPki;
  let gw: TestGateway;
  const open: { destroy(): void }[] = [];

  before(async () => {
    pki = await makeTestPki();
    gw = await startTestGateway(pki, { extra: { timeouts: TIMEOUTS } });
  });
  after(async () => {
    for (const o of open) o.destroy();
    await gw?.close();
    await pki?.cleanup();
  });

  it("the defaults are KES's: 5 s handshake and headers, 90 s idle", () => {
    assert.deepEqual(DEFAULT_TIMEOUTS, { handshakeMs: 5_000, headersMs: 5_000, idleMs: 90_000 });
  });

  it("a TCP connection that never starts the TLS handshake is closed", async () => {
    const socket = netConnect(gw.port, "127.0.0.1");
    open.push(socket);
    await once(socket, "connect");
    const ms = await closedByServer(socket);
    assert.ok(ms >= TIMEOUTS.handshakeMs - 50, `closed after ${ms} ms, before the timeout`);
  });

  it("HTTP/1.1: a TLS connection that never sends a request is closed", async () => {
    const socket = await tlsSocket(gw.port, "http/1.1");
    open.push(socket);
    socket.resume();
    await closedByServer(socket);
  });

  it("HTTP/1.1: headers that never end are cut", async () => {
    const socket = await tlsSocket(gw.port, "http/1.1");
    open.push(socket);
    let answer = "";
    socket.on("data", (d: Buffer) => {
      answer += d.toString("latin1");
    });
    socket.write("GET /version HTTP/1.1\r\nHost: localhost\r\n");
    await closedByServer(socket);
    assert.match(answer, /^$|^HTTP\/1\.1 408/, "nothing, or 408, before the close");
  });

  it("HTTP/2: a session that never opens a stream is closed", async () => {
    const socket = await tlsSocket(gw.port, "h2");
    open.push(socket);
    socket.resume();
    await closedByServer(socket);
  });

  it("HTTP/2: a session is closed once idle after its last request", async () => {
    const session = h2connect(`https://127.0.0.1:${gw.port}`, { rejectUnauthorized: false });
    open.push(session);
    session.on("error", () => {});
    const status = await h2get(session, "/version");
    assert.equal(status, 200);
    const closed = once(session, "close");
    const timer = setTimeout(() => session.destroy(new Error("still open")), WITHIN_MS);
    await closed;
    clearTimeout(timer);
    assert.ok(session.destroyed);
  });

  it("a quiet /v1/log/audit stream outlives the idle timeout, over HTTP/2 and HTTP/1.1", async () => {
    const h2 = h2connect(`https://127.0.0.1:${gw.port}`, {
      rejectUnauthorized: false,
      cert: pki.admin.certPem,
      key: pki.admin.keyPem,
    });
    open.push(h2);
    h2.on("error", () => {});
    const stream = h2.request({ ":method": "GET", ":path": "/v1/log/audit" });
    let h2Lines = "";
    stream.setEncoding("utf8");
    stream.on("data", (c: string) => {
      h2Lines += c;
    });
    const [headers] = (await once(stream, "response")) as [IncomingHttpHeaders];
    assert.equal(headers[":status"], 200);

    const h1 = tlsConnect({
      host: "127.0.0.1",
      port: gw.port,
      servername: "localhost",
      rejectUnauthorized: false,
      ALPNProtocols: ["http/1.1"],
      cert: pki.admin.certPem,
      key: pki.admin.keyPem,
    });
    open.push(h1);
    await once(h1, "secureConnect");
    let h1Text = "";
    h1.on("data", (d: Buffer) => {
      h1Text += d.toString("utf8");
    });
    h1.write("GET /v1/log/audit HTTP/1.1\r\nHost: localhost\r\n\r\n");
    let h1Closed = false;
    h1.on("close", () => {
      h1Closed = true;
    });

    // Three idle timeouts (and more than one headers timeout) without a single event.
    await new Promise((r) => setTimeout(r, 3 * TIMEOUTS.idleMs));
    assert.ok(!h1Closed, "the HTTP/1.1 stream is still open");
    assert.ok(!stream.closed && !h2.destroyed, "the HTTP/2 stream is still open");
    assert.match(h1Text, /^HTTP\/1\.1 200 /);

    const res = await h2request(gw.port, pki.admin, { method: "GET", path: "/version" });
    assert.equal(res.status, 200);
    await until(() => h2Lines.includes('"/version"') && h1Text.includes('"/version"'));
  });
});

function h2get(session: ClientHttp2Session, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":method": "GET", ":path": path });
    stream.on("response", (h) => resolve(Number(h[":status"])));
    stream.on("error", reject);
    stream.resume();
  });
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + WITHIN_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("the event did not arrive");
    await new Promise((r) => setTimeout(r, 10));
  }
}
