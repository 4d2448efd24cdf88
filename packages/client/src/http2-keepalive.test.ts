/**
 * A server that stops answering (SIGSTOP, a dead host) while a stream is open: the session's
 * keepalive PING gets no ack and the stream fails, instead of waiting forever.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import { createSelfSignedCertificate } from "@kes/identity";
import { Http2Session } from "./http2-session.js";

// A streaming HTTP/2 server in a process of its own, so that it can be stopped.
const SERVER = `
  import { createSecureServer } from "node:http2";
  import { readFileSync } from "node:fs";
  const server = createSecureServer({
    cert: readFileSync(process.env.CERT), key: readFileSync(process.env.KEY),
  });
  server.on("stream", (stream) => {
    stream.respond({ ":status": 200, "content-type": "application/x-ndjson" });
    stream.write('{"n":1}\\n');
  });
  server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

describe("HTTP/2 keepalive", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-client-keepalive-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("fails an open stream once the server stops acking pings", { timeout: 20_000 }, async () => {
    const cert = await createSelfSignedCertificate({
      subject: "localhost",
      ip: ["127.0.0.1"],
      usage: "server",
    });
    await writeFile(join(dir, "cert.pem"), cert.certPem);
    await writeFile(join(dir, "key.pem"), cert.keyPem);
    const child = spawn(process.execPath, ["--input-type=module", "-e", SERVER], {
      env: { ...process.env, CERT: join(dir, "cert.pem"), KEY: join(dir, "key.pem") },
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const [line] = (await once(child.stdout.setEncoding("utf8"), "data")) as [string];
      const port = Number(line.trim());
      const socket = tlsConnect({
        host: "127.0.0.1",
        port,
        ALPNProtocols: ["h2"],
        rejectUnauthorized: false,
      });
      await once(socket, "secureConnect");
      const session = new Http2Session(
        new URL(`https://127.0.0.1:${port}`),
        socket as TLSSocket,
        60_000,
        { intervalMs: 100, timeoutMs: 300 },
      );
      const answer = await session.exchange({
        method: "GET",
        path: "/v1/log/audit",
        headers: {},
        signal: new AbortController().signal,
      });
      assert.equal(answer.status, 200);
      const body = answer.body[Symbol.asyncIterator]();
      assert.equal(String((await body.next()).value), '{"n":1}\n');
      // Pings are acked while the server runs: the quiet stream stays open.
      await new Promise((resolve) => setTimeout(resolve, 500));
      child.kill("SIGSTOP");
      const started = Date.now();
      await assert.rejects(body.next(), /no answer to a keepalive ping within 300 ms/);
      assert.ok(Date.now() - started < 5_000, "failed within the keepalive's bound");
    } finally {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
    }
  });
});
