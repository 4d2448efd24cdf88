/**
 * Graceful shutdown over HTTP/2: the server sends GOAWAY while our request is in flight and
 * answers it afterwards. The client must get that answer (RFC 9113 §6.8: streams up to the
 * GOAWAY's last-stream-id are processed), not fail it and retry against a closed listener.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import {
  constants,
  createSecureServer,
  type Http2SecureServer,
  type Http2Session,
  type ServerHttp2Stream,
} from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { type CertificateMaterial, createSelfSignedCertificate } from "@kes/identity";
import { createKesClient, type KesClient } from "./client.js";
import { KesNetworkError } from "./errors.js";

let serverCert: CertificateMaterial;
const cleanups: (() => Promise<void> | void)[] = [];

before(async () => {
  serverCert = await createSelfSignedCertificate({
    subject: "localhost",
    ip: ["127.0.0.1"],
    usage: "server",
  });
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface H2Server {
  readonly server: Http2SecureServer;
  readonly sessions: Set<Http2Session>;
  readonly endpoint: string;
  /** Paths in the order the server received them. */
  readonly seen: string[];
}

async function h2Server(onStream: (stream: ServerHttp2Stream, s: H2Server) => void) {
  const server = createSecureServer({ cert: serverCert.certPem, key: serverCert.keyPem });
  const sessions = new Set<Http2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const s: H2Server = { server, sessions, endpoint: `https://127.0.0.1:${port}`, seen: [] };
  server.on("stream", (stream, headers) => {
    s.seen.push(String(headers[":path"]));
    // A refused stream ends with an error on this side too: expected, not a failure.
    stream.on("error", () => {});
    onStream(stream, s);
  });
  cleanups.push(async () => {
    for (const session of sessions) session.destroy();
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return s;
}

function answer(stream: ServerHttp2Stream, body: string): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond({ ":status": 200, "content-type": "application/json" });
  stream.end(body);
}

/**
 * Runs `then` once the peer has read everything sent so far on the session (a GOAWAY too): a
 * PING's acknowledgement comes back after the frames sent before it. (Called on error too.)
 */
function afterPeerRead(stream: ServerHttp2Stream, then: () => void): void {
  stream.session?.ping(() => then());
}

function client(endpoint: string): KesClient {
  const c = createKesClient({
    endpoint,
    insecure: true,
    timeoutMs: 5000,
    retry: { minDelayMs: 1, jitterMs: 1 },
  });
  cleanups.push(() => c.close());
  return c;
}

describe("KES client over HTTP/2 during a graceful shutdown", () => {
  it("gets the answer to a request in flight when the server sends GOAWAY", async () => {
    const s = await h2Server((stream, { server }) => {
      // What a gateway does on SIGTERM: stop listening, GOAWAY (last-stream-id: this stream),
      // finish the streams in flight. session.close() would send the same GOAWAY, but after it
      // no PING could tell when the client has read it.
      server.close();
      stream.session?.goaway(constants.NGHTTP2_NO_ERROR, stream.id);
      afterPeerRead(stream, () => {
        answer(stream, JSON.stringify({ version: "v1", commit: "c" }));
        stream.session?.close();
      });
    });
    const c = client(s.endpoint);
    assert.deepEqual(await c.version(), { version: "v1", commit: "c" });
    assert.deepEqual(s.seen, ["/version"]);

    // The listener is gone now: the next call fails cleanly (after its retries), not hangs.
    const err = await c.version().catch((e: unknown) => e);
    assert.ok(err instanceof KesNetworkError, String(err));
    assert.equal(err.failure, "refused");
  });

  it("opens a new connection for requests after a GOAWAY", async () => {
    const s = await h2Server((stream) => {
      answer(stream, JSON.stringify({ version: "v", commit: "" }));
      // The server retires each connection after one request (but keeps listening).
      stream.session?.close();
    });
    const c = client(s.endpoint);
    for (let i = 0; i < 3; i++) assert.equal((await c.version()).version, "v");
    assert.equal(s.seen.length, 3);
  });

  it("sends a refused stream again (GOAWAY last-stream-id below it: never processed)", async () => {
    let refused = false;
    const s = await h2Server((stream) => {
      if (!refused && stream.id === 3) {
        // Only stream 1 was processed; stream 3 must come back on a new connection.
        refused = true;
        stream.session?.goaway(constants.NGHTTP2_NO_ERROR, 1);
        return;
      }
      afterPeerRead(stream, () => answer(stream, JSON.stringify({ version: "v", commit: "" })));
    });
    const c = client(s.endpoint);
    const results = await Promise.all([c.version(), c.version()]);
    assert.deepEqual(
      results.map((r) => r.version),
      ["v", "v"],
    );
    assert.equal(s.seen.length, 3);
  });
});
