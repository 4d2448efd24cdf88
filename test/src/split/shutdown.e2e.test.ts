/**
 * SIGTERM on the gateway during a burst: the requests already in flight complete, new work is
 * refused cleanly, and the process exits 0. To have requests reliably in flight, the crypto
 * process is paused (SIGSTOP) while the burst arrives and resumed after the SIGTERM.
 *
 * The burst uses Node's own HTTP/2 and HTTP/1.1 clients directly, so the test sees the protocols'
 * graceful shutdown itself (GOAWAY; `Connection: close`) rather than a client's retries.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { connect as h2connect } from "node:http2";
import { Agent, request as httpsRequest } from "node:https";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { KesClient } from "@kes/client";
import { type KesProcess, killAll } from "../support/kes-bin.js";
import { SplitStack } from "./split-stack.js";

const BURST = 10;

interface Answer {
  readonly status: number;
  readonly body: string;
}

describe("split deployment: SIGTERM on the gateway during a burst", () => {
  let dir: string;
  let stack: SplitStack;
  let crypto: KesProcess;
  let gateway: KesProcess;
  let endpoint: string;
  let client: KesClient;
  let tls: { cert: string; key: string };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-split-shutdown-"));
    stack = await SplitStack.create(dir);
    await stack.startKeystore();
    crypto = await stack.startCrypto();
    ({ process: gateway, endpoint } = await stack.startGateway());
    client = await stack.client(endpoint);
    const { certPem, keyPem } = await stack.credentials("app");
    tls = { cert: certPem, key: keyPem };
  });
  after(async () => {
    if (crypto?.running) crypto.child.kill("SIGCONT");
    await client?.close();
    await killAll();
    await rm(dir, { recursive: true, force: true });
  });

  it("lets in-flight requests finish, refuses new work, then exits 0", async () => {
    await client.createKey("my-app-key");
    const dek = await client.generate("my-app-key");
    const body = JSON.stringify({ ciphertext: Buffer.from(dek.ciphertext).toString("base64") });
    const expected = { plaintext: Buffer.from(dek.plaintext).toString("base64") };
    const path = "/v1/key/decrypt/my-app-key";

    crypto.child.kill("SIGSTOP");
    // HTTP/2: one connection, BURST streams.
    const session = h2connect(endpoint, { ...tls, rejectUnauthorized: false });
    session.on("error", () => {});
    const h2 = Array.from({ length: BURST }, () => h2Post(session, path, body));
    // HTTP/1.1: keep-alive connections, one request in flight on each.
    const agent = new Agent({
      keepAlive: true,
      maxSockets: BURST,
      ...tls,
      rejectUnauthorized: false,
    });
    const h1 = Array.from({ length: BURST }, () => h1Post(agent, endpoint, path, body));
    // Let the burst reach the gateway, where it waits for the paused crypto process.
    await new Promise((r) => setTimeout(r, 1_000));

    gateway.child.kill("SIGTERM");
    const deadline = Date.now() + 10_000;
    while (!/shutting down/.test(gateway.stderr) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(gateway.stderr, /shutting down: letting in-flight work finish/);
    // New connections are refused; the HTTP/2 connection takes no new streams (GOAWAY).
    assert.equal(await tcpRefused(gateway, endpoint), true, "a new connection is refused");
    await assert.rejects(h2Post(session, "/version", ""), /GOAWAY|goaway|closed|destroyed/i);
    assert.ok(gateway.running, "the gateway waits for its in-flight requests");

    crypto.child.kill("SIGCONT");
    const answers = await Promise.all([...h2, ...h1]);
    for (const answer of answers) {
      assert.equal(answer.status, 200, answer.body);
      assert.deepEqual(JSON.parse(answer.body), expected);
    }
    // The HTTP/1.1 keep-alive connections stay open after their last response, so the gateway
    // cuts them when its 10 s grace period ends; it still exits 0 (waitForExit: at most 20 s).
    assert.deepEqual(await gateway.waitForExit(), { code: 0, signal: null });
    assert.match(gateway.stderr, /"msg":"stopped"/);
    session.destroy();
    agent.destroy();
  });
});

function h2Post(
  session: ReturnType<typeof h2connect>,
  path: string,
  body: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let stream: ReturnType<typeof session.request>;
    try {
      stream = session.request({ ":method": "POST", ":path": path });
    } catch (err) {
      reject(err);
      return;
    }
    let status = 0;
    let text = "";
    stream.setEncoding("utf8");
    stream.on("response", (headers) => {
      status = Number(headers[":status"]);
    });
    stream.on("data", (chunk: string) => {
      text += chunk;
    });
    stream.on("end", () => resolve({ status, body: text }));
    stream.on("error", reject);
    stream.setTimeout(30_000, () => stream.close());
    stream.end(body);
  });
}

function h1Post(agent: Agent, endpoint: string, path: string, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${endpoint}${path}`, { method: "POST", agent, timeout: 30_000 });
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end(body);
  });
}

/** True when a TCP connection to the gateway's port is refused. */
function tcpRefused(gateway: KesProcess, endpoint: string): Promise<boolean> {
  const url = new URL(endpoint);
  return new Promise((resolve) => {
    const socket = tcpConnect(Number(url.port), url.hostname);
    socket.setTimeout(5_000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on("connect", () => {
      socket.destroy();
      resolve(!gateway.running);
    });
    socket.on("error", (err: NodeJS.ErrnoException) => resolve(err.code === "ECONNREFUSED"));
  });
}
