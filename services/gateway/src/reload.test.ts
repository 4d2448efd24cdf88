import assert from "node:assert/strict";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import { connect, type IncomingHttpHeaders } from "node:http2";
import { Agent } from "node:https";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connect as tlsConnect } from "node:tls";
import type { KesConfig } from "@kes/config";
import { createSelfSignedCertificate } from "@kes/identity";
import { makeTestPki, type TestPki } from "./testing/certs.js";
import { h2request, streamingGet } from "./testing/client.js";
import {
  MY_APP_POLICY,
  startTestGateway,
  type TestGateway,
  testConfig,
} from "./testing/harness.js";

/** Gateway.reload (SIGHUP): the new config applies at once, nothing in flight fails. */

/** The SHA-256 fingerprint of the certificate a fresh TLS handshake presents. */
function serverFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: "127.0.0.1",
      port,
      rejectUnauthorized: false,
      ALPNProtocols: ["h2"],
    });
    socket.once("secureConnect", () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.once("error", reject);
  });
}

describe("gateway reload", () => {
  let pki: TestPki;
  let gw: TestGateway;
  let config: KesConfig;
  const app = (method: string, path: string) => h2request(gw.port, pki.app, { method, path });

  before(async () => {
    pki = await makeTestPki();
    config = {
      ...testConfig(pki),
      tls: { cert: join(pki.dir, "server.crt"), key: join(pki.dir, "server.key") },
    };
    // No PEM override: the certificate comes from the config's files, as under `kes server`.
    gw = await startTestGateway(pki, { config, configTls: true });
  });
  after(async () => {
    await gw?.close();
    await pki?.cleanup();
  });

  it("a new policy applies to the next request, with none failing under traffic", async () => {
    gw.crypto.keys.set("shared-key", {
      key: Buffer.alloc(32, 1),
      createdAt: "2023-01-01T00:00:00Z",
      createdBy: "",
    });
    assert.equal((await app("GET", "/v1/key/describe/shared-key")).status, 403);
    const session = connect(`https://127.0.0.1:${gw.port}`, {
      rejectUnauthorized: false,
      cert: pki.app.certPem,
      key: pki.app.keyPem,
    });
    const statuses: number[] = [];
    let stop = false;
    // Traffic the old and the new policy both allow, over one connection that stays open.
    const traffic = (async () => {
      while (!stop) {
        const stream = session.request({
          ":method": "POST",
          ":path": "/v1/key/generate/my-app-x",
          "content-length": "2",
        });
        stream.end("{}");
        stream.resume();
        statuses.push(
          await new Promise<number>((resolve, reject) => {
            stream.once("response", (h) => resolve(Number(h[":status"])));
            stream.once("error", reject);
          }),
        );
      }
    })();
    try {
      await new Promise((r) => setTimeout(r, 100));
      await gw.gateway.reload({
        ...config,
        policies: {
          "my-app": {
            ...MY_APP_POLICY,
            allow: [...MY_APP_POLICY.allow, "/v1/key/describe/*"],
            identities: [pki.app.identity],
          },
        },
      });
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      stop = true;
      await traffic;
      session.close();
    }
    assert.ok(statuses.length > 5, `traffic ran (${statuses.length} requests)`);
    assert.deepEqual(
      new Set(statuses),
      new Set([404]),
      "generate of a missing key: 404, never a failure",
    );
    assert.equal(
      (await app("GET", "/v1/key/describe/shared-key")).status,
      200,
      "the new policy applies",
    );
  });

  it("a config that cannot be applied is refused and the previous one stays in force", async () => {
    const before = await app("GET", "/v1/key/describe/shared-key");
    await assert.rejects(
      gw.gateway.reload({
        ...config,
        policies: {
          a: { allow: [], deny: [], identities: [pki.app.identity] },
          b: { allow: [], deny: [], identities: [pki.app.identity] },
        },
      }),
      /assigned to both policy 'a' and 'b'/,
    );
    await assert.rejects(
      gw.gateway.reload({ ...config, tls: { ...config.tls, cert: join(pki.dir, "missing.crt") } }),
      /tls\.cert .*missing\.crt: cannot read the file/,
    );
    const afterwards = await app("GET", "/v1/key/describe/shared-key");
    assert.equal(afterwards.status, before.status);
    assert.equal(afterwards.status, 200);
  });

  it("a new certificate is presented to new connections; an open connection carries on", async () => {
    const old = await serverFingerprint(gw.port);
    const session = connect(`https://127.0.0.1:${gw.port}`, {
      rejectUnauthorized: false,
      cert: pki.admin.certPem,
      key: pki.admin.keyPem,
    });
    const ask = () =>
      new Promise<number>((resolve, reject) => {
        const stream = session.request({ ":method": "GET", ":path": "/version" });
        stream.resume();
        stream.once("response", (h) => resolve(Number(h[":status"])));
        stream.once("error", reject);
      });
    try {
      assert.equal(await ask(), 200);
      const fresh = await createSelfSignedCertificate({
        subject: "localhost",
        ip: ["127.0.0.1"],
        usage: "server",
        keyType: "ecdsa-p256",
      });
      await writeFile(join(pki.dir, "server2.crt"), fresh.certPem);
      await writeFile(join(pki.dir, "server2.key"), fresh.keyPem);
      await gw.gateway.reload({
        ...config,
        policies: {
          "my-app": {
            ...MY_APP_POLICY,
            allow: [...MY_APP_POLICY.allow, "/v1/key/describe/*"],
            identities: [pki.app.identity],
          },
        },
        tls: { cert: join(pki.dir, "server2.crt"), key: join(pki.dir, "server2.key") },
      });
      const now = await serverFingerprint(gw.port);
      assert.notEqual(now, old);
      assert.equal(await ask(), 200, "the connection opened before the reload still works");
    } finally {
      session.close();
    }
  });

  it("an open /v1/log/* stream ends cleanly when a reload removes its caller's access, over HTTP/2 and HTTP/1.1", {
    timeout: 20_000,
  }, async () => {
    const withLogs = (allow: string[]): KesConfig => ({
      ...config,
      policies: {
        "my-app": {
          ...MY_APP_POLICY,
          allow: [...MY_APP_POLICY.allow, ...allow],
          identities: [pki.app.identity],
        },
      },
    });
    await gw.gateway.reload(withLogs(["/v1/log/audit", "/v1/log/error"]));
    const session = (cert: { certPem: string; keyPem: string }) => {
      const s = connect(`https://127.0.0.1:${gw.port}`, {
        rejectUnauthorized: false,
        cert: cert.certPem,
        key: cert.keyPem,
      });
      s.on("error", () => {});
      return s;
    };
    const appSession = session(pki.app);
    const adminSession = session(pki.admin);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const follow = async (s: typeof appSession, path: string) => {
      const stream = s.request({ ":method": "GET", ":path": path });
      stream.on("error", () => {});
      const [headers] = (await once(stream, "response")) as [IncomingHttpHeaders];
      assert.equal(headers[":status"], 200, path);
      let data = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        data += chunk;
      });
      // 'end': the body ended normally (a reset stream closes without it).
      const ended = once(stream, "end").then(() => stream.rstCode);
      return { stream, ended, data: () => data };
    };
    try {
      const appAudit = await follow(appSession, "/v1/log/audit");
      const appError = await follow(appSession, "/v1/log/error");
      const adminAudit = await follow(adminSession, "/v1/log/audit");
      const h1Audit = await streamingGet(agent, gw.port, pki.app, "/v1/log/audit");
      assert.equal(h1Audit.status, 200);

      // The new policy keeps /v1/log/error and drops /v1/log/audit.
      await gw.gateway.reload(withLogs(["/v1/log/error"]));
      assert.equal(await appAudit.ended, 0, "HTTP/2: ended with NO_ERROR");
      await h1Audit.ended; // rejects if the body was cut rather than ended
      // The streams still allowed stay open and keep receiving events.
      assert.equal((await app("POST", "/v1/key/create/my-app-after")).status, 200);
      const deadline = Date.now() + 10_000;
      while (!adminAudit.data().includes("/v1/key/create/my-app-after")) {
        assert.ok(Date.now() < deadline, "the admin's audit stream received the next event");
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(!appError.stream.closed && !adminAudit.stream.closed, "allowed streams stay open");
      // The connections carry on: the app's next request on its session is answered.
      const next = appSession.request({ ":method": "GET", ":path": "/v1/log/audit" });
      const [again] = (await once(next, "response")) as [IncomingHttpHeaders];
      assert.equal(again[":status"], 403, "the new policy applies to a new stream");
      next.close();
    } finally {
      appSession.destroy();
      adminSession.destroy();
      agent.destroy();
      await gw.gateway.reload(config);
    }
  });

  it("api.<path>.skip_auth can be turned on by a reload", async () => {
    const noCert = () => h2request(gw.port, undefined, { method: "GET", path: "/v1/ready" });
    assert.equal((await noCert()).status, 400);
    await gw.gateway.reload({
      ...config,
      tls: { cert: join(pki.dir, "server2.crt"), key: join(pki.dir, "server2.key") },
      api: { "/v1/ready": { skipAuth: true } },
    });
    assert.equal((await noCert()).status, 200);
  });
});

describe("gateway reload: client CAs with auth on", () => {
  let pki: TestPki;
  let gw: TestGateway;
  let config: KesConfig;

  before(async () => {
    pki = await makeTestPki();
    // The CA-signed client is the admin; it is trusted through tls.ca only.
    config = testConfig(pki, { admin: pki.caSigned.identity, ca: join(pki.dir, "ca.crt") });
    gw = await startTestGateway(pki, { config, auth: "on" });
  });
  after(async () => {
    await gw?.close();
    await pki?.cleanup();
  });

  const openSession = () =>
    connect(`https://127.0.0.1:${gw.port}`, {
      rejectUnauthorized: false,
      cert: pki.caSigned.certPem,
      key: pki.caSigned.keyPem,
    });
  const ask = (session: ReturnType<typeof openSession>) =>
    new Promise<number>((resolve, reject) => {
      const stream = session.request({ ":method": "GET", ":path": "/v1/identity/self/describe" });
      stream.resume();
      stream.once("response", (h) => resolve(Number(h[":status"])));
      stream.once("error", reject);
    });

  it("a reload that keeps the CAs (a policy change) leaves open connections alone", async () => {
    const session = openSession();
    try {
      assert.equal(await ask(session), 200);
      let away = false;
      session.once("goaway", () => {
        away = true;
      });
      await gw.gateway.reload({ ...config, policies: {} });
      assert.equal(await ask(session), 200);
      assert.equal(away, false, "no GOAWAY");
    } finally {
      session.close();
    }
  });

  it("removing a CA asks open connections to reconnect; its clients are then refused", async () => {
    const session = openSession();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal(await ask(session), 200);
      const h1 = await streamingGet(agent, gw.port, pki.caSigned, "/v1/identity/self/describe");
      assert.equal(h1.status, 200);
      await h1.ended;
      const within = { signal: AbortSignal.timeout(5_000) };
      const h1Closed = once(h1.socket, "close", within);
      const goaway = once(session, "goaway", within);
      // A CA that did not issue the client's certificate, instead of the one that did.
      await gw.gateway.reload({
        ...config,
        tls: { ...config.tls, ca: join(pki.dir, "not-ca.crt") },
      });
      await goaway;
      await h1Closed;
      // A new connection is verified against the new CAs: refused.
      await assert.rejects(
        h2request(gw.port, pki.caSigned, { method: "GET", path: "/v1/identity/self/describe" }),
      );
    } finally {
      session.destroy();
      agent.destroy();
    }
  });
});
