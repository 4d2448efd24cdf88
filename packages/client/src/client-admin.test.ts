/** The operator APIs: /v1/api, metrics, policies, identities and the log streams. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type CertificateMaterial, createSelfSignedCertificate } from "@kes/identity";
import { createKesClient, type KesClient } from "./client.js";
import { KesApiError, KesNetworkError, KesProtocolError } from "./errors.js";
import { KES_2023_METRICS } from "./testing/metrics-fixtures.js";
import { type Handler, type Reply, startTestServer } from "./testing/test-server.js";

const ADMIN = "252b0cc7f4d0ec640d4290bba4a6f07c86381e6ad9adc1bba56b22fce13b1239";
const APP = "e55948f79a66d9f395bec837e1dd579e491e1e44124d64896e2f8c8251788492";
const AT = "2026-12-03T15:38:29.118732797Z";

const json = (value: unknown, status = 200): Reply => ({
  status,
  headers: { "content-type": "application/json" },
  body: `${JSON.stringify(value)}\n`,
});
const ndjson = (lines: unknown[]): Reply => ({
  headers: { "content-type": "application/x-ndjson" },
  body: lines.map((l) => `${JSON.stringify(l)}\n`).join(""),
});

let serverCert: CertificateMaterial;
let clientCert: CertificateMaterial;
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  serverCert = await createSelfSignedCertificate({
    subject: "localhost",
    ip: ["127.0.0.1"],
    usage: "server",
  });
  clientCert = await createSelfSignedCertificate({ subject: "admin", usage: "client" });
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function clientFor(handler: Handler, timeoutMs = 5000) {
  const server = await startTestServer(handler, {
    certPem: serverCert.certPem,
    keyPem: serverCert.keyPem,
  });
  cleanups.push(() => server.close());
  const c: KesClient = createKesClient({
    endpoint: server.endpoint,
    certPem: clientCert.certPem,
    keyPem: clientCert.keyPem,
    insecure: true,
    timeoutMs,
    retry: { retries: 0 },
  });
  cleanups.push(() => c.close());
  return { server, client: c };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("KES client: policies and identities", () => {
  it("reads the 2023 policy answers of the transcripts", async () => {
    const { server, client } = await clientFor((req) => {
      if (req.path === "/v1/policy/describe/my-app") {
        return json({ created_at: AT, created_by: ADMIN });
      }
      if (req.path === "/v1/policy/read/my-app") {
        return json({ allow: ["/v1/key/create/my-app*"], created_at: AT, created_by: ADMIN });
      }
      if (req.path === "/v1/policy/list/my-*") {
        return ndjson([{ name: "my-app", created_at: AT, created_by: ADMIN }, { name: "my-b" }]);
      }
      return json({ message: "policy does not exist" }, 404);
    });
    assert.deepEqual(await client.describePolicy("my-app"), {
      name: "my-app",
      createdAt: AT,
      createdBy: ADMIN,
    });
    assert.deepEqual(await client.readPolicy("my-app"), {
      name: "my-app",
      allow: ["/v1/key/create/my-app*"],
      deny: [],
      createdAt: AT,
      createdBy: ADMIN,
    });
    assert.deepEqual(await collect(client.listPolicies("my-*")), [
      { name: "my-app", createdAt: AT, createdBy: ADMIN },
      { name: "my-b" },
    ]);
    await assert.rejects(
      client.describePolicy("nope"),
      (err: unknown) => err instanceof KesApiError && err.message === "policy does not exist",
    );
    assert.deepEqual(
      server.requests.map((r) => r.path),
      [
        "/v1/policy/describe/my-app",
        "/v1/policy/read/my-app",
        "/v1/policy/list/my-*",
        "/v1/policy/describe/nope",
      ],
    );
  });

  it("reads 2024 policies: a name in the answer, rules as objects, lists as one object", async () => {
    const { client } = await clientFor((req) =>
      req.path.startsWith("/v1/policy/read/")
        ? json({ name: "p", allow: { "/v1/key/*": {} }, deny: { "/v1/key/delete/*": {} } })
        : json({ names: ["a", "b"], continue_at: "" }),
    );
    const policy = await client.readPolicy("p");
    assert.deepEqual(policy.allow, ["/v1/key/*"]);
    assert.deepEqual(policy.deny, ["/v1/key/delete/*"]);
    assert.deepEqual(await collect(client.listPolicies()), [{ name: "a" }, { name: "b" }]);
  });

  it("describes and lists identities, ending a list at the server's error line", async () => {
    const { client } = await clientFor((req) => {
      if (req.path === `/v1/identity/describe/${APP}`) {
        return json({ policy: "my-app", created_at: AT, created_by: ADMIN });
      }
      if (req.path === `/v1/identity/describe/${ADMIN}`) {
        return json({ admin: true, policy: "", created_at: AT });
      }
      return ndjson([
        { identity: APP, admin: false, policy: "my-app", created_at: AT, created_by: ADMIN },
        { error: "bad gateway" },
      ]);
    });
    assert.deepEqual(await client.describeIdentity(APP), {
      identity: APP,
      admin: false,
      policy: "my-app",
      createdAt: AT,
      createdBy: ADMIN,
    });
    assert.deepEqual(await client.describeIdentity(ADMIN), {
      identity: ADMIN,
      admin: true,
      createdAt: AT,
    });
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const i of client.listIdentities()) seen.push(i.identity);
      })(),
      (err: unknown) => err instanceof KesApiError && err.message === "bad gateway",
    );
    assert.deepEqual(seen, [APP]);
  });

  it("reads a 2024 identity list", async () => {
    const { client } = await clientFor(() => json({ identities: [ADMIN, APP], continue_at: "" }));
    assert.deepEqual(await collect(client.listIdentities("*")), [
      { identity: ADMIN, admin: false },
      { identity: APP, admin: false },
    ]);
  });

  it("rejects list lines of the wrong shape", async () => {
    const { client } = await clientFor(() => ndjson([{ identity: 7 }]));
    await assert.rejects(
      collect(client.listIdentities()),
      (err: unknown) =>
        err instanceof KesProtocolError && /"identity" is not a string/.test(err.message),
    );
  });
});

describe("KES client: /v1/api and /v1/metrics", () => {
  it("reads the API table", async () => {
    const { client } = await clientFor(() =>
      json([
        { method: "GET", path: "/version", max_body: 0, timeout: 15, verify_auth: false },
        { method: "POST", path: "/v1/key/import/", max_body: 1048576, timeout: 15 },
      ]),
    );
    assert.deepEqual(await client.apis(), [
      { method: "GET", path: "/version", maxBody: 0, timeoutSeconds: 15, verifyAuth: false },
      { method: "POST", path: "/v1/key/import/", maxBody: 1048576, timeoutSeconds: 15 },
    ]);
  });

  it("reads metrics from the Prometheus text, and names a broken line", async () => {
    let text = KES_2023_METRICS;
    const { client } = await clientFor(() => ({
      headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      body: text,
    }));
    const m = await client.metrics();
    assert.equal(m.requestSuccess, 5);
    assert.equal(m.responseTime?.count, 7);
    text = "kes_http_request_active {";
    await assert.rejects(
      client.metrics(),
      (err: unknown) =>
        err instanceof KesProtocolError &&
        /unexpected metrics from .*: metrics line 1:/.test(err.message),
    );
  });
});

const audit = (path: string, code: number, time: number) =>
  `${JSON.stringify({
    time: "2023-02-15T14:54:37.123Z",
    request: { ip: "127.0.0.1", path, identity: APP },
    response: { code, time },
  })}\n`;

describe("KES client: log streams", () => {
  it("yields audit events as they arrive, past the client's time limit", async () => {
    const { client } = await clientFor(
      () => ({
        headers: { "content-type": "application/x-ndjson" },
        chunks: [audit("/v1/key/create/a", 200, 1_234_000), audit("/v1/key/create/b", 400, 5)],
        chunkDelayMs: 400,
      }),
      300,
    );
    let opened = 0;
    const events = await collect(client.auditLog({ onOpen: () => opened++ }));
    assert.equal(opened, 1);
    assert.deepEqual(
      events.map((e) => [e.request.path, e.response.code, e.response.timeMs]),
      [
        ["/v1/key/create/a", 200, 1.234],
        ["/v1/key/create/b", 400, 5],
      ],
    );
    assert.equal(events[0]?.json, audit("/v1/key/create/a", 200, 1_234_000).trim());
    assert.equal(events[0]?.request.identity, APP);
  });

  it("ends when the caller aborts, with the caller's reason", async () => {
    const { client } = await clientFor(() => ({
      headers: { "content-type": "application/x-ndjson" },
      chunks: ['{"message":"2023/02/15 14:54:37 Error: x"}\n'],
      keepOpen: true,
    }));
    const stop = new AbortController();
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of client.errorLog({ signal: stop.signal })) {
          seen.push(e.message);
          stop.abort(new Error("stopped by the test"));
        }
      })(),
      /stopped by the test/,
    );
    assert.deepEqual(seen, ["2023/02/15 14:54:37 Error: x"]);
  });

  it("reports a connection that breaks mid-stream", async () => {
    const { client } = await clientFor(() => ({
      headers: { "content-type": "application/x-ndjson" },
      chunks: [audit("/v1/key/create/a", 200, 1000)],
      destroyAfterChunks: true,
    }));
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of client.auditLog()) seen.push(e.response.code);
      })(),
      (err: unknown) => err instanceof KesNetworkError && err.failure === "reset",
    );
    assert.deepEqual(seen, [200]);
  });

  it("gives a refused stream's error, and times out a server that never answers", async () => {
    const { client } = await clientFor((req) =>
      req.path === "/v1/log/audit"
        ? json({ message: "not authorized: insufficient permissions" }, 403)
        : { hang: true },
    );
    await assert.rejects(
      collect(client.auditLog()),
      (err: unknown) => err instanceof KesApiError && err.status === 403,
    );
    await assert.rejects(
      collect(client.errorLog({ timeoutMs: 200 })),
      (err: unknown) => err instanceof KesNetworkError && err.failure === "timeout",
    );
  });
});
