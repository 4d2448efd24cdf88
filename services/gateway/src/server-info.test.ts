import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { certificateFromApiKey } from "@kes/identity";
import { describeRoutes } from "./handlers/api.js";
import { ROUTES } from "./routes.js";
import { makeTestPki, type TestPki } from "./testing/certs.js";
import { type ClientCert, h2request, type TestResponse } from "./testing/client.js";
import { untilAborted } from "./testing/fake-crypto.js";
import {
  MY_APP_POLICY,
  startTestGateway,
  type TestGateway,
  testConfig,
} from "./testing/harness.js";

/**
 * The information APIs against kes-api.md §2 and the KES 2023 recordings: status, ready, api,
 * the policy and identity APIs, HMAC, the lists 2024 clients send, and API-key identities.
 */

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

function assertError(res: TestResponse, status: number, message: string) {
  assert.equal(res.status, status, `status (body ${res.body.slice(0, 200)})`);
  assert.equal(res.contentType, "application/json; charset=utf-8");
  assert.deepEqual(JSON.parse(res.body), { message });
}

describe("information APIs", () => {
  let pki: TestPki;
  let gw: TestGateway;
  const as = (who: () => ClientCert | undefined) => (method: string, path: string, body?: string) =>
    h2request(gw.port, who(), { method, path, ...(body === undefined ? {} : { body }) });
  const admin = as(() => pki.admin);
  const app = as(() => pki.app);

  before(async () => {
    pki = await makeTestPki();
    gw = await startTestGateway(pki, {
      config: testConfig(pki, {
        policies: {
          "my-app": { ...MY_APP_POLICY, identities: [pki.app.identity] },
          "ops-team": {
            allow: ["/v1/status", "/v1/policy/*/*"],
            deny: ["/v1/policy/read/*"],
            identities: [pki.stranger.identity],
          },
          empty: { allow: [], deny: [], identities: [] },
        },
      }),
    });
  });
  after(async () => {
    await gw?.close();
    await pki?.cleanup();
  });

  describe("GET /v1/status", () => {
    it("answers the 2023-04 shape: uptime in whole seconds of nanoseconds, latency ≥ 1 ms", async () => {
      const res = await admin("GET", "/v1/status");
      assert.equal(res.status, 200);
      assert.equal(res.contentType, "application/json");
      assert.ok(res.body.endsWith("}\n"));
      const body = JSON.parse(res.body);
      assert.deepEqual(Object.keys(body), [
        "version",
        "os",
        "arch",
        "uptime",
        "num_cpu",
        "num_cpu_used",
        "mem_heap_used",
        "mem_stack_used",
        "keystore_latency",
      ]);
      assert.equal(body.version, "test");
      assert.equal(body.os, process.platform === "win32" ? "windows" : process.platform);
      assert.match(body.arch, /^(amd64|arm64|386|arm|ppc64le|s390x|riscv64|loong64)$/);
      assert.ok(Number.isInteger(body.uptime) && body.uptime % 1_000_000_000 === 0, body.uptime);
      assert.ok(body.num_cpu >= 1 && body.num_cpu_used >= 1 && body.num_cpu_used <= body.num_cpu);
      assert.ok(body.mem_heap_used > 0);
      // The fake keystore answers in 0.3 ms: a reachable keystore is reported as at least 1.
      assert.equal(body.keystore_latency, 1);
    });

    it("reports keystore_unavailable and keystore_unreachable together when the keystore is down", async () => {
      gw.crypto.status = { reachable: false, latencyMs: 3, backend: "fake", endpoint: "x" };
      try {
        const body = JSON.parse((await admin("GET", "/v1/status")).body);
        assert.equal(body.keystore_unavailable, true);
        assert.equal(body.keystore_unreachable, true);
        assert.equal(body.keystore_latency, undefined);
      } finally {
        gw.crypto.status = { reachable: true, latencyMs: 2.6, backend: "fake", endpoint: "x" };
      }
      assert.equal(JSON.parse((await admin("GET", "/v1/status")).body).keystore_latency, 3);
    });

    it("also when the crypto service itself fails or does not answer (bounded, no 503)", async () => {
      gw.crypto.before = (op) => {
        if (op === "keyStoreStatus") throw new Error("connect ECONNREFUSED 10.0.0.1:7002");
      };
      try {
        const res = await admin("GET", "/v1/status");
        assert.equal(res.status, 200);
        const body = JSON.parse(res.body);
        assert.equal(body.keystore_unavailable, true);
        assert.equal(body.keystore_unreachable, true);
        assert.doesNotMatch(res.body, /ECONNREFUSED/);
      } finally {
        gw.crypto.before = undefined;
      }
    });

    it("needs a policy: the app of the recording gets 403, an allowed identity 200", async () => {
      assertError(await app("GET", "/v1/status"), 403, "not authorized: insufficient permissions");
      assert.equal(
        (await h2request(gw.port, pki.stranger, { method: "GET", path: "/v1/status" })).status,
        200,
      );
    });
  });

  describe("GET /v1/ready", () => {
    it("200 with an empty body when the keystore answers", async () => {
      const res = await admin("GET", "/v1/ready");
      assert.equal(res.status, 200);
      assert.equal(res.body, "");
      assert.equal(res.contentType, null);
    });

    it("504 when the keystore is unreachable, 502 when the crypto service fails", async () => {
      gw.crypto.status = { reachable: false, latencyMs: 0, backend: "fake", endpoint: "x" };
      try {
        assertError(await admin("GET", "/v1/ready"), 504, "key store is not reachable");
      } finally {
        gw.crypto.status = { reachable: true, latencyMs: 1, backend: "fake", endpoint: "x" };
      }
      gw.crypto.before = (op) => {
        if (op === "keyStoreStatus") throw new Error("boom");
      };
      try {
        assertError(await admin("GET", "/v1/ready"), 502, "key store is unavailable");
      } finally {
        gw.crypto.before = undefined;
      }
    });

    it("needs a certificate and a policy unless api./v1/ready.skip_auth is set", async () => {
      assertError(await app("GET", "/v1/ready"), 403, "not authorized: insufficient permissions");
      assertError(
        await h2request(gw.port, undefined, { method: "GET", path: "/v1/ready" }),
        400,
        "no client certificate is present",
      );
    });
  });

  describe("GET /v1/api", () => {
    it("lists the route table in the 2023 shape, in the recorded order", async () => {
      const res = await admin("GET", "/v1/api");
      assert.equal(res.status, 200);
      assert.equal(res.contentType, "application/json");
      const body = JSON.parse(res.body) as Record<string, unknown>[];
      assert.equal(body.length, ROUTES.length);
      assert.deepEqual(body[0], {
        method: "GET",
        path: "/version",
        max_body: 0,
        timeout: 15,
        verify_auth: false,
      });
      const find = (path: string) => body.find((r) => r.path === path);
      assert.deepEqual(find("/v1/key/import/"), {
        method: "POST",
        path: "/v1/key/import/",
        max_body: 1_048_576,
        timeout: 15,
        verify_auth: true,
      });
      assert.deepEqual(find("/v1/log/audit"), {
        method: "GET",
        path: "/v1/log/audit",
        max_body: 0,
        timeout: 0,
        verify_auth: true,
      });
      assert.equal(find("/v1/key/hmac/")?.method, "PUT");
      assert.deepEqual(body, describeRoutes(ROUTES));
    });
  });

  describe("policy APIs", () => {
    it("describe: created_at (load time) and created_by (the admin)", async () => {
      const res = await admin("GET", "/v1/policy/describe/my-app");
      assert.equal(res.status, 200);
      assert.equal(res.contentType, "application/json");
      const body = JSON.parse(res.body);
      assert.deepEqual(Object.keys(body), ["created_at", "created_by"]);
      assert.match(body.created_at, RFC3339);
      assert.equal(body.created_by, pki.admin.identity);
    });

    it("read: allow and deny as configured, empty lists left out", async () => {
      const read = JSON.parse((await admin("GET", "/v1/policy/read/ops-team")).body);
      assert.deepEqual(read.allow, ["/v1/status", "/v1/policy/*/*"]);
      assert.deepEqual(read.deny, ["/v1/policy/read/*"]);
      const empty = JSON.parse((await admin("GET", "/v1/policy/read/empty")).body);
      assert.deepEqual(Object.keys(empty), ["created_at", "created_by"]);
    });

    it("list: nd-json, sorted, glob or prefix; always with the content type", async () => {
      const names = async (pattern: string) => {
        const res = await admin("GET", `/v1/policy/list/${pattern}`);
        assert.equal(res.status, 200);
        assert.equal(res.contentType, "application/x-ndjson");
        return res.body
          .split("\n")
          .filter((l) => l !== "")
          .map((l) => JSON.parse(l) as { name: string; created_at: string; created_by: string });
      };
      const all = await names("*");
      assert.deepEqual(
        all.map((p) => p.name),
        ["empty", "my-app", "ops-team"],
      );
      assert.deepEqual(Object.keys(all[0] ?? {}), ["name", "created_at", "created_by"]);
      assert.deepEqual(
        (await names("")).map((p) => p.name),
        ["empty", "my-app", "ops-team"],
      );
      assert.deepEqual(
        (await names("*-*")).map((p) => p.name),
        ["my-app", "ops-team"],
      );
      assert.deepEqual(
        (await names("my")).map((p) => p.name),
        ["my-app"],
        "a bare name is a prefix",
      );
      assert.deepEqual(await names("zzz*"), []);
    });

    it("404 policy does not exist; 400 for a bad name; policies still apply (deny wins)", async () => {
      assertError(await admin("GET", "/v1/policy/describe/nope"), 404, "policy does not exist");
      assertError(await admin("GET", "/v1/policy/read/nope"), 404, "policy does not exist");
      assertError(
        await admin("GET", "/v1/policy/read/a.b"),
        400,
        "invalid argument: name contains invalid character",
      );
      const ops = (path: string) => h2request(gw.port, pki.stranger, { method: "GET", path });
      assert.equal((await ops("/v1/policy/describe/my-app")).status, 200);
      assertError(
        await ops("/v1/policy/read/my-app"),
        403,
        "not authorized: insufficient permissions",
      );
    });
  });

  describe("identity APIs", () => {
    it("describe: the admin, a policy's identity, and 404 for anyone else", async () => {
      const adminRes = await admin("GET", `/v1/identity/describe/${pki.admin.identity}`);
      assert.equal(adminRes.status, 200);
      assert.equal(adminRes.contentType, "application/json");
      const a = JSON.parse(adminRes.body);
      assert.deepEqual(Object.keys(a), ["admin", "policy", "created_at"]);
      assert.equal(a.admin, true);
      assert.equal(a.policy, "");
      const appInfo = JSON.parse(
        (await admin("GET", `/v1/identity/describe/${pki.app.identity}`)).body,
      );
      assert.deepEqual(Object.keys(appInfo), ["policy", "created_at", "created_by"]);
      assert.equal(appInfo.policy, "my-app");
      assert.equal(appInfo.created_by, pki.admin.identity);
      assertError(
        await admin("GET", `/v1/identity/describe/${"0".repeat(64)}`),
        404,
        "identity does not exist",
      );
    });

    it("list: nd-json without the admin; admin is always a plain false", async () => {
      const res = await admin("GET", "/v1/identity/list/*");
      assert.equal(res.status, 200);
      assert.equal(res.contentType, "application/x-ndjson");
      const lines = res.body
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      const expected = [pki.app.identity, pki.stranger.identity].sort();
      assert.deepEqual(
        lines.map((l) => l.identity),
        expected,
      );
      for (const line of lines) {
        assert.deepEqual(Object.keys(line), [
          "identity",
          "admin",
          "policy",
          "created_at",
          "created_by",
        ]);
        assert.equal(line.admin, false);
      }
      const one = await admin("GET", `/v1/identity/list/${pki.app.identity.slice(0, 10)}*`);
      assert.equal(JSON.parse(one.body.trim()).policy, "my-app");
      const none = await admin("GET", `/v1/identity/list/${pki.admin.identity}`);
      assert.equal(none.body, "", "the admin is never listed");
      assert.equal(none.contentType, "application/x-ndjson");
    });

    it("self describe: the admin's empty policy as recorded, the app's policy", async () => {
      const self = JSON.parse((await admin("GET", "/v1/identity/self/describe")).body);
      assert.deepEqual(self.policy, { created_at: "0001-01-01T00:00:00Z" });
      assert.equal(self.admin, true);
      const mine = JSON.parse((await app("GET", "/v1/identity/self/describe")).body);
      assert.deepEqual(Object.keys(mine), [
        "identity",
        "policy_name",
        "created_at",
        "created_by",
        "policy",
      ]);
      assert.deepEqual(mine.policy.allow, MY_APP_POLICY.allow);
    });

    it("an API key's certificate is that key's identity (kes-api.md §4.3's vector)", async () => {
      const apiKey = "kes:v1:ACQpoGqx3rHHjT938Hfu5hVVQJHZWSqVI2Xp1KlYxFVw";
      const identity = "0426fa9a04bc2756b92fbe8a97e1a1e07b53ecf04ed33da22c33e5c9faeb8cbb";
      const cert = await certificateFromApiKey(apiKey);
      const unknown = await h2request(gw.port, cert, {
        method: "GET",
        path: "/v1/identity/self/describe",
      });
      assertError(unknown, 404, "identity does not exist");
      const keyed = await startTestGateway(pki, {
        config: testConfig(pki, {
          policies: { keyed: { allow: ["/v1/status"], deny: [], identities: [identity] } },
        }),
      });
      try {
        const res = await h2request(keyed.port, cert, {
          method: "GET",
          path: "/v1/identity/self/describe",
        });
        assert.equal(res.status, 200);
        const body = JSON.parse(res.body);
        assert.equal(body.identity, identity);
        assert.equal(body.policy_name, "keyed");
      } finally {
        await keyed.close();
      }
    });
  });

  describe("PUT /v1/key/hmac/<name>", () => {
    it("HMAC-SHA256 under the key's HMAC key, by PUT (kms-go) and POST", async () => {
      const hmacKey = randomBytes(32);
      gw.crypto.keys.set("k24", {
        key: randomBytes(32),
        hmacKey,
        createdAt: "2024-01-01T00:00:00Z",
        createdBy: "",
      });
      const message = Buffer.from("hello");
      const expected = createHmac("sha256", hmacKey).update(message).digest("base64");
      for (const method of ["PUT", "POST"]) {
        const res = await admin(
          method,
          "/v1/key/hmac/k24",
          JSON.stringify({ message: message.toString("base64") }),
        );
        assert.equal(res.status, 200, res.body);
        assert.equal(res.contentType, "application/json");
        assert.equal(res.body, `{"hmac":"${expected}"}\n`);
      }
    });

    it("409 for keys without an HMAC key, as KES 2024; 404 and 400 as usual; 405 names PUT", async () => {
      gw.crypto.keys.set("k23", {
        key: randomBytes(32),
        createdAt: "2023-01-01T00:00:00Z",
        createdBy: "",
      });
      const body = JSON.stringify({ message: "aGVsbG8=" });
      assertError(await admin("PUT", "/v1/key/hmac/k23", body), 409, "key does not support HMAC");
      assertError(await admin("PUT", "/v1/key/hmac/missing", body), 404, "key does not exist");
      assertError(
        await admin("PUT", "/v1/key/hmac/k23", '{"message":"%%%"}'),
        400,
        'invalid request body: "message" is not valid base64',
      );
      const wrong = await admin("GET", "/v1/key/hmac/k23");
      assertError(wrong, 405, "Method Not Allowed");
      assert.equal(wrong.headers.accept, "PUT");
      assertError(
        await app("PUT", "/v1/key/hmac/my-app-key", body),
        403,
        "not authorized: insufficient permissions",
      );
    });
  });

  describe("key lists for every client generation", () => {
    before(() => {
      for (const name of ["app-1", "app-2", "apple", "b-key"]) {
        gw.crypto.keys.set(name, {
          key: randomBytes(32),
          createdAt: "2023-01-01T00:00:00Z",
          createdBy: "",
        });
      }
    });
    const list = async (pattern: string) => {
      const res = await admin("GET", `/v1/key/list/${pattern}`);
      assert.equal(res.status, 200, res.body);
      assert.equal(res.contentType, "application/x-ndjson");
      return res.body
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => (JSON.parse(l) as { name: string }).name)
        .filter((n) => !n.startsWith("k2"));
    };

    it("an empty pattern lists everything (kms-go's `/v1/key/list/`)", async () => {
      assert.deepEqual(await list(""), ["app-1", "app-2", "apple", "b-key"]);
    });

    it("a pattern with * is a 2023 glob; without one it is a prefix (kms-go)", async () => {
      assert.deepEqual(await list("app-*"), ["app-1", "app-2"]);
      assert.deepEqual(await list("*-*"), ["app-1", "app-2", "b-key"]);
      assert.deepEqual(await list("app"), ["app-1", "app-2", "apple"]);
      assert.deepEqual(await list("app-1"), ["app-1"]);
      assert.deepEqual(await list("zzz"), []);
    });
  });

  it("a hanging crypto service cannot hold /v1/status past its probe bound", {
    timeout: 20_000,
  }, async () => {
    gw.crypto.before = (op, options) =>
      op === "keyStoreStatus" ? untilAborted(options?.signal) : undefined;
    try {
      const res = await admin("GET", "/v1/status");
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.body).keystore_unreachable, true);
    } finally {
      gw.crypto.before = undefined;
    }
  });
});

describe("api.<path> settings", () => {
  let pki: TestPki;
  let gw: TestGateway;
  const trusted = (method: string, path: string) =>
    h2request(gw.port, pki.caSigned, { method, path });

  before(async () => {
    pki = await makeTestPki();
    gw = await startTestGateway(pki, {
      config: testConfig(pki, {
        admin: pki.caSigned.identity,
        ca: join(pki.dir, "ca.crt"),
        api: {
          "/v1/ready": { skipAuth: true },
          "/v1/status": { skipAuth: true, timeoutMs: 3_000 },
          "/v1/key/create": { skipAuth: true, timeoutMs: 7_000 },
          "/v1/nothing": { skipAuth: true },
        },
      }),
      auth: "on",
    });
  });
  after(async () => {
    await gw?.close();
    await pki?.cleanup();
  });

  it("skip_auth: no certificate needed for /v1/ready and /v1/status, even with auth on", async () => {
    const ready = await h2request(gw.port, undefined, { method: "GET", path: "/v1/ready" });
    assert.equal(ready.status, 200);
    const status = await h2request(gw.port, undefined, { method: "GET", path: "/v1/status" });
    assert.equal(status.status, 200);
    assert.equal(JSON.parse(status.body).keystore_latency, 1);
  });

  it("other APIs still need a certificate (400) and a policy; a certificate, when given, must verify", async () => {
    const noCert = await h2request(gw.port, undefined, {
      method: "POST",
      path: "/v1/key/create/x",
    });
    assertError(noCert, 400, "no client certificate is present");
    // auth on: the self-signed app certificate is not trusted, so its connection is refused.
    await assert.rejects(h2request(gw.port, pki.app, { method: "GET", path: "/v1/ready" }));
    assert.equal((await trusted("POST", "/v1/key/create/x")).status, 200);
  });

  it("/v1/api shows the applied settings; skip_auth on a key API is refused", async () => {
    const res = await trusted("GET", "/v1/api");
    assert.equal(res.status, 200);
    const rows = JSON.parse(res.body) as { path: string; timeout: number; verify_auth: boolean }[];
    const row = (path: string) => rows.find((r) => r.path === path);
    assert.deepEqual(row("/v1/ready"), {
      method: "GET",
      path: "/v1/ready",
      max_body: 0,
      timeout: 15,
      verify_auth: false,
    });
    assert.equal(row("/v1/status")?.timeout, 3);
    assert.equal(row("/v1/status")?.verify_auth, false);
    assert.equal(row("/v1/key/create/")?.timeout, 7, "timeout applies to any API");
    assert.equal(row("/v1/key/create/")?.verify_auth, true, "skip_auth does not");
    assert.equal(row("/v1/metrics")?.verify_auth, true);
  });
});
