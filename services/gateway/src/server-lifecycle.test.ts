import assert from "node:assert/strict";
import { once } from "node:events";
import type { IncomingHttpHeaders } from "node:http";
import { connect, type IncomingHttpHeaders as H2Headers } from "node:http2";
import { Agent } from "node:https";
import { after, before, describe, it } from "node:test";
import { keystoreOpFailure, type RequestOptions } from "@kes/core";
import type { Route } from "./http/types.js";
import { ROUTES } from "./routes.js";
import { makeTestPki, type TestPki } from "./testing/certs.js";
import { type ClientCert, h1request, h2request, rawHttp1, streamingGet } from "./testing/client.js";
import { untilAborted } from "./testing/fake-crypto.js";
import { startTestGateway, type TestGateway } from "./testing/harness.js";

/** Deadlines, aborts, streaming errors and graceful shutdown. */

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("request deadlines and streams", () => {
  let pki: TestPki;
  let gw: TestGateway;
  // The same table with a short generate timeout, so a hanging call times out quickly.
  const routes: Route[] = ROUTES.map((r) =>
    r.path === "/v1/key/generate/" ? { ...r, timeoutMs: 200 } : r,
  );

  before(async () => {
    pki = await makeTestPki();
    gw = await startTestGateway(pki, { routes });
    await h2request(gw.port, pki.admin, { method: "POST", path: "/v1/key/create/k" });
  });
  after(async () => {
    await gw?.close();
    await pki?.cleanup();
  });

  it("a call past its route's timeout is 503 request timeout exceeded, and is aborted", async () => {
    let seen: RequestOptions | undefined;
    gw.crypto.before = (op, options) => {
      if (op !== "generate") return;
      seen = options;
      return untilAborted(options?.signal);
    };
    try {
      const res = await h2request(gw.port, pki.admin, {
        method: "POST",
        path: "/v1/key/generate/k",
        body: "{}",
      });
      assert.equal(res.status, 503);
      assert.equal(res.body, '{"message":"request timeout exceeded"}');
      assert.ok(seen?.signal?.aborted, "the downstream call saw the abort");
      assert.ok((seen?.timeoutMs ?? 0) <= 200, "and was told the remaining time");
    } finally {
      gw.crypto.before = undefined;
    }
    const ok = await h1request(gw.port, pki.admin, { method: "POST", path: "/v1/key/generate/k" });
    assert.equal(ok.status, 200);
  });

  it("a body that never arrives: 503 at the deadline, and the connection or stream ends", async () => {
    // HTTP/1.1: the server would otherwise keep the connection for the unread body until the
    // idle timeout (90 s); rawHttp1 resolves only once the server has closed it.
    const raw = await rawHttp1(
      gw.port,
      pki.admin,
      "POST /v1/key/generate/k HTTP/1.1\r\nHost: localhost\r\nContent-Length: 50\r\n\r\n{",
    );
    assert.match(raw, /^HTTP\/1\.1 503 /);
    assert.match(raw, /\r\nconnection: close\r\n/i);
    assert.ok(raw.endsWith('{"message":"request timeout exceeded"}'), raw);
    // HTTP/2: the stream is ended once the answer is out, though the client never ended it.
    const session = connect(`https://127.0.0.1:${gw.port}`, {
      rejectUnauthorized: false,
      cert: pki.admin.certPem,
      key: pki.admin.keyPem,
    });
    try {
      const stream = session.request({ ":method": "POST", ":path": "/v1/key/generate/k" });
      stream.write("{");
      const [headers] = (await once(stream, "response")) as [H2Headers];
      assert.equal(headers[":status"], 503);
      stream.resume();
      await once(stream, "close", { signal: AbortSignal.timeout(5_000) });
      // Only the stream ended: the same session serves the next request.
      const next = session.request({ ":method": "POST", ":path": "/v1/key/generate/k" });
      next.end("{}");
      const [nextHeaders] = (await once(next, "response")) as [H2Headers];
      assert.equal(nextHeaders[":status"], 200);
      next.resume();
    } finally {
      session.close();
    }
  });

  it("a client that goes away aborts its downstream call", async () => {
    const entered = deferred<RequestOptions | undefined>();
    gw.crypto.before = (op, options) => {
      if (op !== "describeKey") return;
      entered.resolve(options);
      return untilAborted(options?.signal);
    };
    const session = connect(`https://127.0.0.1:${gw.port}`, {
      rejectUnauthorized: false,
      cert: pki.admin.certPem,
      key: pki.admin.keyPem,
    });
    session.on("error", () => {});
    try {
      const stream = session.request({ ":method": "GET", ":path": "/v1/key/describe/k" });
      stream.on("error", () => {});
      const options = await entered.promise;
      const aborted = new Promise((resolve) =>
        options?.signal?.addEventListener("abort", resolve, { once: true }),
      );
      stream.close();
      await aborted;
      assert.ok(options?.signal?.aborted);
    } finally {
      session.destroy();
      gw.crypto.before = undefined;
    }
  });

  it("list: an error before output is a normal error, after output a final error line", async () => {
    for (const name of ["a1", "a2", "a3", "a4"]) {
      await h2request(gw.port, pki.admin, { method: "POST", path: `/v1/key/create/${name}` });
    }
    let pages = 0;
    gw.crypto.before = (op) => {
      if (op === "listKeys" && pages++ >= 1) {
        throw keystoreOpFailure("list", new Error("connection reset"));
      }
    };
    try {
      const late = await h2request(gw.port, pki.admin, { method: "GET", path: "/v1/key/list/a*" });
      assert.equal(late.status, 200);
      assert.equal(late.contentType, "application/x-ndjson");
      assert.equal(
        late.body,
        '{"name":"a1"}\n{"name":"a2"}\n{"error":"bad gateway: failed to list keys"}\n',
      );
      const early = await h2request(gw.port, pki.admin, { method: "GET", path: "/v1/key/list/*" });
      assert.equal(early.status, 502);
      assert.equal(early.contentType, "application/json; charset=utf-8");
      assert.equal(early.body, '{"message":"bad gateway: failed to list keys"}');
    } finally {
      gw.crypto.before = undefined;
    }
  });
});

describe("graceful close", () => {
  let pki: TestPki;

  before(async () => {
    pki = await makeTestPki();
  });
  after(() => pki?.cleanup());

  it("lets in-flight requests finish, then refuses new connections", async () => {
    const gw = await startTestGateway(pki);
    const release = deferred();
    const entered = deferred();
    await h2request(gw.port, pki.admin, { method: "POST", path: "/v1/key/create/k" });
    gw.crypto.before = async (op) => {
      if (op !== "describeKey") return;
      entered.resolve();
      await release.promise;
    };
    const inflight = [
      h2request(gw.port, pki.admin, { method: "GET", path: "/v1/key/describe/k" }),
      h1request(gw.port, pki.admin, { method: "GET", path: "/v1/key/describe/k" }),
    ];
    await entered.promise;
    const closed = gw.gateway.close(10_000);
    release.resolve();
    const answers = await Promise.all(inflight);
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200],
    );
    await closed;
    await assert.rejects(
      h2request(gw.port, pki.admin, { method: "GET", path: "/version" }),
      /ECONNREFUSED/,
    );
  });

  it("an HTTP/1.1 keep-alive request in flight at close gets Connection: close and its connection ends", async () => {
    const gw = await startTestGateway(pki);
    await h2request(gw.port, pki.admin, { method: "POST", path: "/v1/key/create/k" });
    const release = deferred();
    const entered = deferred();
    gw.crypto.before = async (op) => {
      if (op !== "describeKey") return;
      entered.resolve();
      await release.promise;
    };
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answer = keepAliveGet(agent, gw.port, pki.admin, "/v1/key/describe/k");
      await entered.promise;
      const started = performance.now();
      const closed = gw.gateway.close(10_000);
      release.resolve();
      const res = await answer;
      assert.equal(res.status, 200);
      assert.equal(res.headers.connection, "close");
      await closed;
      // Without Connection: close the idle keep-alive socket held close() for the whole grace.
      assert.ok(performance.now() - started < 5_000, "close() waited for the grace period");
    } finally {
      agent.destroy();
    }
  });

  it("ends /v1/log/audit and /v1/log/error streams cleanly at once, over HTTP/2 and HTTP/1.1", async () => {
    const gw = await startTestGateway(pki);
    const h2 = connect(`https://127.0.0.1:${gw.port}`, {
      rejectUnauthorized: false,
      cert: pki.admin.certPem,
      key: pki.admin.keyPem,
    });
    h2.on("error", () => {});
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const h2Streams = await Promise.all(
        ["/v1/log/audit", "/v1/log/error"].map(async (path) => {
          const stream = h2.request({ ":method": "GET", ":path": path });
          const [headers] = (await once(stream, "response")) as [H2Headers];
          assert.equal(headers[":status"], 200);
          stream.resume();
          return stream;
        }),
      );
      // 'end': the body ended normally (a reset stream closes without it).
      const h2Ended = h2Streams.map((stream) => once(stream, "end").then(() => stream.rstCode));
      const h1 = await streamingGet(agent, gw.port, pki.admin, "/v1/log/audit");
      assert.equal(h1.status, 200);
      const started = performance.now();
      await gw.gateway.close(10_000);
      assert.ok(performance.now() - started < 5_000, "close() waited for the grace period");
      assert.deepEqual(await Promise.all(h2Ended), [0, 0], "HTTP/2: ended with NO_ERROR");
      await h1.ended; // rejects if the body was cut rather than ended
    } finally {
      h2.destroy();
      agent.destroy();
    }
  });

  it("a slow create in flight at close gets its 200 before close() resolves (and crypto is closed)", async () => {
    const gw = await startTestGateway(pki);
    const entered = deferred();
    let cryptoClosed = false;
    let usedAfterClose = false;
    gw.crypto.before = async (op) => {
      if (op !== "createKey") return;
      entered.resolve();
      await new Promise((r) => setTimeout(r, 300));
      usedAfterClose = cryptoClosed;
    };
    const inflight = [
      h2request(gw.port, pki.admin, { method: "POST", path: "/v1/key/create/slow-h2" }),
      h1request(gw.port, pki.admin, { method: "POST", path: "/v1/key/create/slow-h1" }),
    ];
    await entered.promise;
    // What kes server and kes gateway do on SIGTERM: the gateway first, then what it calls.
    await gw.gateway.close(10_000);
    cryptoClosed = true;
    const answers = await Promise.all(inflight);
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200],
    );
    assert.equal(usedAfterClose, false, "a request used crypto after close() resolved");
  });

  it("answers requests still running when the grace period ends with 503, aborts them, then closes", async () => {
    const gw = await startTestGateway(pki);
    const entered: RequestOptions[] = [];
    const signalled = deferred();
    await h2request(gw.port, pki.admin, { method: "POST", path: "/v1/key/create/k" });
    gw.crypto.before = async (op, options) => {
      if (op !== "describeKey") return;
      if (options !== undefined) entered.push(options);
      if (entered.length === 2) signalled.resolve();
      await untilAborted(options?.signal);
    };
    const stuck = [
      h2request(gw.port, pki.admin, { method: "GET", path: "/v1/key/describe/k" }),
      h1request(gw.port, pki.admin, { method: "GET", path: "/v1/key/describe/k" }),
    ];
    await signalled.promise;
    await gw.gateway.close(50);
    const answers = await Promise.all(stuck);
    for (const answer of answers) {
      assert.equal(answer.status, 503);
      assert.equal(answer.body, '{"message":"service unavailable: the server is shutting down"}');
    }
    assert.ok(
      entered.every((o) => o.signal?.aborted),
      "the downstream calls were aborted",
    );
  });
});

/** A GET over HTTP/1.1 through a keep-alive agent (the connection stays open for reuse). */
async function keepAliveGet(
  agent: Agent,
  port: number,
  cert: ClientCert,
  path: string,
): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  const res = await streamingGet(agent, port, cert, path);
  await res.ended;
  return { status: res.status, headers: res.headers };
}
