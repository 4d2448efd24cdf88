import assert from "node:assert/strict";
import { once } from "node:events";
import { type ClientHttp2Stream, connect, constants, type IncomingHttpHeaders } from "node:http2";
import { after, before, describe, it } from "node:test";
import { type AuditEvent, createLogStreams, EventBus } from "./events/streams.js";
import { makeTestPki, type TestPki } from "./testing/certs.js";
import { type ClientCert, h2request } from "./testing/client.js";
import { startTestGateway, type TestGateway } from "./testing/harness.js";

/** /v1/log/audit and /v1/log/error (kes-api.md §8.3, §8.4) and the event bus behind them. */

interface Subscription {
  readonly headers: IncomingHttpHeaders;
  readonly stream: ClientHttp2Stream;
  /** Complete lines received so far. */
  readonly lines: string[];
  /** Resolves when the server ends or resets the stream. */
  readonly closed: Promise<void>;
  close(): void;
}

/**
 * Subscribes over a fresh HTTP/2 connection. `stalled`: a client that never reads, with a
 * 1 KiB flow-control window, so the server's unsent data piles up on its side.
 */
async function subscribe(
  port: number,
  cert: ClientCert,
  path: string,
  options: { stalled?: boolean } = {},
): Promise<Subscription> {
  const session = connect(`https://127.0.0.1:${port}`, {
    rejectUnauthorized: false,
    cert: cert.certPem,
    key: cert.keyPem,
    ...(options.stalled ? { settings: { initialWindowSize: 1024 } } : {}),
  });
  session.on("error", () => {});
  const stream = session.request({ ":method": "GET", ":path": path });
  stream.on("error", () => {});
  const lines: string[] = [];
  let rest = "";
  if (options.stalled) {
    stream.pause();
  } else {
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      lines.push(...parts);
    });
  }
  const closed = once(stream, "close").then(() => {});
  const [headers] = (await once(stream, "response")) as [IncomingHttpHeaders];
  return {
    headers,
    stream,
    lines,
    closed,
    close: () => session.destroy(),
  };
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("log streams", () => {
  let pki: TestPki;
  let gw: TestGateway;
  const subscriptions: Subscription[] = [];
  const admin = (method: string, path: string) => h2request(gw.port, pki.admin, { method, path });

  before(async () => {
    pki = await makeTestPki();
    // A small per-subscriber bound, so a stalled client overflows within a short burst.
    gw = await startTestGateway(pki, { extra: { logStreamBufferBytes: 16 * 1024 } });
  });
  after(async () => {
    for (const s of subscriptions) s.close();
    await gw?.close();
    await pki?.cleanup();
  });

  const open = async (path: string, options?: { stalled?: boolean }) => {
    const s = await subscribe(gw.port, pki.admin, path, options);
    subscriptions.push(s);
    return s;
  };

  it("answers 200 nd-json at once and records audited calls in KES 2023's shape", async () => {
    const sub = await open("/v1/log/audit");
    assert.equal(sub.headers[":status"], 200);
    assert.equal(sub.headers["content-type"], "application/x-ndjson");
    await admin("GET", "/v1/status"); // not audited (kes-api.md §2.1)
    await admin("POST", "/v1/key/create/audit-a");
    const denied = await h2request(gw.port, pki.app, { method: "POST", path: "/v1/key/create/x" });
    assert.equal(denied.status, 403);
    await until("two audit events", () => sub.lines.length >= 2);
    const [created, refused] = sub.lines.map((l) => JSON.parse(l) as AuditEvent);
    assert.deepEqual(Object.keys(created ?? {}), ["time", "request", "response"]);
    assert.deepEqual(created?.request, {
      ip: "127.0.0.1",
      path: "/v1/key/create/audit-a",
      identity: pki.admin.identity,
    });
    assert.equal(created?.response.code, 200);
    assert.match(created?.time ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const ns = created?.response.time ?? -1;
    assert.ok(Number.isInteger(ns) && ns > 0 && ns % 1000 === 0, `µs-truncated ns: ${ns}`);
    assert.equal(refused?.response.code, 403, "error answers are audited too");
    assert.equal(refused?.request.identity, pki.app.identity);
    sub.close();
  });

  it("two readers see every request of a burst in order; a stalled one is dropped, the burst unslowed", {
    timeout: 60_000,
  }, async () => {
    const a = await open("/v1/log/audit");
    const b = await open("/v1/log/audit");
    const stalled = await open("/v1/log/audit", { stalled: true });
    const burst = 400; // ~250 bytes each: far beyond the stalled client's 16 KiB bound
    const session = connect(`https://127.0.0.1:${gw.port}`, {
      rejectUnauthorized: false,
      cert: pki.admin.certPem,
      key: pki.admin.keyPem,
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < burst; i++) {
        const stream = session.request({
          ":method": "GET",
          ":path": `/v1/key/describe/burst-${i}`,
        });
        stream.resume();
        const [headers] = (await once(stream, "response")) as [IncomingHttpHeaders];
        statuses.push(Number(headers[":status"]));
        await once(stream, "end");
      }
      assert.equal(statuses.length, burst, "the burst completed");
      assert.ok(statuses.every((s) => s === 404));
    } finally {
      session.close();
    }
    const paths = (s: Subscription) =>
      s.lines.map((l) => (JSON.parse(l) as AuditEvent).request.path);
    const expected = Array.from({ length: burst }, (_, i) => `/v1/key/describe/burst-${i}`);
    await until(
      "both readers have the whole burst",
      () => a.lines.length >= burst && b.lines.length >= burst,
    );
    assert.deepEqual(paths(a), expected);
    assert.deepEqual(paths(b), expected);
    // The stalled client was cut off: its stream is reset, with far less than the burst sent.
    stalled.stream.resume();
    await Promise.race([
      stalled.closed,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error("stalled client not dropped")), 10_000),
      ),
    ]);
    assert.equal(stalled.stream.rstCode, constants.NGHTTP2_CANCEL, "reset by the server");
    assert.ok(stalled.lines.length < burst);
    // The readers are still subscribed.
    await admin("GET", "/v1/key/describe/after");
    await until(
      "the next event",
      () => a.lines.length === burst + 1 && b.lines.length === burst + 1,
    );
  });

  it("/v1/log/error: the status and message a client got, with Go's log prefix, no internals", async () => {
    const sub = await open("/v1/log/error");
    assert.equal(sub.headers["content-type"], "application/x-ndjson");
    gw.crypto.before = (op) => {
      if (op === "describeKey") throw new Error("secret internal detail /var/lib/keys");
    };
    try {
      const res = await admin("GET", "/v1/key/describe/oops");
      assert.equal(res.status, 500);
    } finally {
      gw.crypto.before = undefined;
    }
    await until("an error event", () => sub.lines.length >= 1);
    const event = JSON.parse(sub.lines[0] ?? "") as { message: string };
    assert.deepEqual(Object.keys(event), ["message"]);
    assert.match(
      event.message,
      /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d Error: GET \/v1\/key\/describe\/oops: 500 internal server error$/,
    );
    assert.doesNotMatch(sub.lines.join("\n"), /secret internal detail/);
  });

  it("needs a policy like any API", async () => {
    const res = await h2request(gw.port, pki.app, { method: "GET", path: "/v1/log/audit" });
    assert.equal(res.status, 403);
  });
});

describe("event bus", () => {
  it("serialises each event once for any number of subscribers, and drops a throwing one", () => {
    const bus = new EventBus();
    const a: string[] = [];
    const b: string[] = [];
    const offA = bus.subscribe((l) => a.push(l));
    bus.subscribe((l) => b.push(l));
    bus.subscribe(() => {
      throw new Error("broken sink");
    });
    assert.equal(bus.subscribers, 3);
    bus.publish({ n: 1 });
    assert.equal(bus.subscribers, 2, "the throwing subscriber is gone");
    offA();
    bus.publish({ n: 2 });
    assert.deepEqual(a, ['{"n":1}\n']);
    assert.deepEqual(b, ['{"n":1}\n', '{"n":2}\n']);
    assert.strictEqual(a[0], b[0], "one string shared by every subscriber");
  });

  it("end() tells every subscriber once, publishes nothing more, and ends late subscribers at once", () => {
    const bus = new EventBus();
    const ends: string[] = [];
    const lines: string[] = [];
    bus.subscribe(
      (l) => lines.push(l),
      () => ends.push("a"),
    );
    const offB = bus.subscribe(
      (l) => lines.push(l),
      () => ends.push("b"),
    );
    bus.subscribe((l) => lines.push(l)); // no onEnd: just removed
    offB();
    bus.end();
    bus.end();
    assert.deepEqual(ends, ["a"], "the removed subscriber is not told");
    assert.equal(bus.subscribers, 0);
    bus.publish({ n: 1 });
    assert.equal(lines.length, 0, "nothing published after the end");
    bus.subscribe(
      (l) => lines.push(l),
      () => ends.push("late"),
    );
    assert.deepEqual(ends, ["a", "late"]);
    assert.equal(bus.subscribers, 0);
  });

  it("log.audit on writes the bare record to stdout; off writes nothing", () => {
    const written: string[] = [];
    const stdout = { write: (line: string) => written.push(line) };
    const streams = createLogStreams({ auditToStdout: false, stdout });
    assert.equal(streams.auditing, false);
    const event: AuditEvent = {
      time: "2023-02-15T14:54:37Z",
      request: { ip: "10.1.2.3", path: "/v1/key/create/k", identity: "ab".repeat(32) },
      response: { code: 200, time: 12_000 },
    };
    streams.auditEvent(event);
    assert.deepEqual(written, []);
    streams.setAuditToStdout(true);
    assert.equal(streams.auditing, true);
    streams.auditEvent(event);
    assert.deepEqual(
      written.map((l) => JSON.parse(l)),
      [event],
    );
  });
});
