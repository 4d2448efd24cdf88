import assert from "node:assert/strict";
import { connect, createSecureServer, type Http2SecureServer } from "node:http2";
import { type RequestOptions, request } from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { makeTestPki, type TestPki } from "../testing/certs.js";
import { answerByProtocol } from "./by-protocol.js";

/** Pins the Node behaviour the gateway relies on: HTTP/2 never goes through the compat layer. */
describe("answering HTTP/2 and HTTP/1.1 separately", () => {
  let pki: TestPki;
  let server: Http2SecureServer;
  let port: number;
  const seen: string[] = [];

  before(async () => {
    pki = await makeTestPki();
    server = createSecureServer({
      cert: pki.server.certPem,
      key: pki.server.keyPem,
      allowHTTP1: true,
    });
    answerByProtocol(server, {
      http2: (stream) => {
        seen.push("http2");
        stream.respond({ ":status": 200 });
        stream.end("stream");
      },
      http1: (_req, res) => {
        seen.push("http1");
        res.end("request");
      },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await pki?.cleanup();
  });

  it("only our listener sees HTTP/2 streams (Node's compat listener is gone)", async () => {
    assert.equal(server.listenerCount("stream"), 1);
    const session = connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ":path": "/" });
        let text = "";
        stream.on("data", (c: Buffer) => {
          text += c.toString();
        });
        stream.on("end", () => resolve(text));
        stream.on("error", reject);
      });
      assert.equal(body, "stream");
    } finally {
      session.close();
    }
    assert.deepEqual(seen, ["http2"]);
  });

  it("HTTP/1.1 requests reach the request listener", async () => {
    seen.length = 0;
    const body = await new Promise<string>((resolve, reject) => {
      // Node's https typings omit ALPNProtocols, which it passes on to tls.connect.
      const options: RequestOptions & { ALPNProtocols: string[] } = {
        host: "127.0.0.1",
        port,
        path: "/",
        rejectUnauthorized: false,
        agent: false,
        ALPNProtocols: ["http/1.1"],
      };
      const req = request(options, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => {
          text += c.toString();
        });
        res.on("end", () => resolve(text));
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(body, "request");
    assert.deepEqual(seen, ["http1"]);
  });
});
