import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { makeTestPki, type TestPki } from "./testing/certs.js";
import { type ClientCert, h1request, h2request, type TestResponse } from "./testing/client.js";
import { startTestGateway, type TestGateway } from "./testing/harness.js";

/** The APIs' success paths over a real server, on both HTTP/2 and HTTP/1.1. */

type Send = (port: number, cert: ClientCert | undefined, spec: SpecArg) => Promise<TestResponse>;
type SpecArg = Parameters<typeof h2request>[2];

const PROTOCOLS: [string, Send][] = [
  ["HTTP/2", h2request],
  ["HTTP/1.1", h1request],
];

const json = (value: unknown) => JSON.stringify(value);

for (const [protocol, send] of PROTOCOLS) {
  describe(`gateway APIs over ${protocol}`, () => {
    let pki: TestPki;
    let gw: TestGateway;
    const admin = (method: string, path: string, body?: string) =>
      send(gw.port, pki.admin, { method, path, ...(body === undefined ? {} : { body }) });
    const app = (method: string, path: string, body?: string) =>
      send(gw.port, pki.app, { method, path, ...(body === undefined ? {} : { body }) });

    before(async () => {
      pki = await makeTestPki();
      gw = await startTestGateway(pki);
    });
    after(async () => {
      await gw?.close();
      await pki?.cleanup();
    });

    it("GET /version answers as recorded from KES 2023", async () => {
      const res = await admin("GET", "/version");
      assert.equal(res.status, 200);
      assert.equal(res.contentType, "text/plain; charset=utf-8");
      assert.equal(res.body, '{"version":"test","commit":"abc"}\n');
    });

    it("self describe: app with its policy, admin, unknown identity", async () => {
      const mine = await app("GET", "/v1/identity/self/describe");
      assert.equal(mine.status, 200);
      assert.equal(mine.contentType, "application/json");
      const body = JSON.parse(mine.body);
      assert.equal(body.identity, pki.app.identity);
      assert.equal(body.policy_name, "my-app");
      assert.equal(body.created_by, pki.admin.identity);
      assert.equal(body.admin, undefined);
      assert.deepEqual(body.policy.allow, [
        "/v1/key/create/my-app*",
        "/v1/key/generate/my-app*",
        "/v1/key/decrypt/my-app*",
      ]);
      assert.equal(body.policy.deny, undefined);
      assert.match(body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

      const root = JSON.parse((await admin("GET", "/v1/identity/self/describe")).body);
      assert.deepEqual(Object.keys(root), ["identity", "admin", "created_at", "policy"]);
      assert.equal(root.identity, pki.admin.identity);
      assert.equal(root.admin, true);
      assert.deepEqual(root.policy, { created_at: "0001-01-01T00:00:00Z" });

      const who = await send(gw.port, pki.stranger, {
        method: "GET",
        path: "/v1/identity/self/describe",
      });
      assert.equal(who.status, 404);
      assert.equal(who.body, '{"message":"identity does not exist"}');
    });

    it("create, describe, delete (twice), describe missing", async () => {
      const created = await admin("POST", "/v1/key/create/key-a");
      assert.equal(created.status, 200);
      assert.equal(created.contentType, null);
      assert.equal(created.body, "");
      const again = await admin("POST", "/v1/key/create/key-a");
      assert.equal(again.status, 400);
      assert.equal(again.body, '{"message":"key already exists"}');

      const described = await admin("GET", "/v1/key/describe/key-a");
      assert.equal(described.status, 200);
      assert.equal(described.contentType, "text/plain; charset=utf-8");
      const info = JSON.parse(described.body);
      assert.deepEqual(Object.keys(info), ["name", "id", "algorithm", "created_at", "created_by"]);
      assert.equal(info.name, "key-a");
      assert.match(info.id, /^[0-9a-f]{32}$/);
      assert.equal(info.algorithm, "AES256-GCM_SHA256");
      assert.equal(info.created_by, pki.admin.identity);

      for (let i = 0; i < 2; i++) {
        const deleted = await admin("DELETE", "/v1/key/delete/key-a");
        assert.equal(deleted.status, 200, "delete of a missing key is 200 as in 2023");
        assert.equal(deleted.body, "");
      }
      const missing = await admin("GET", "/v1/key/describe/key-a");
      assert.equal(missing.status, 404);
      assert.equal(missing.body, '{"message":"key does not exist"}');
    });

    it("import accepts {bytes, algorithm} and {key, cipher}", async () => {
      const bytes = Buffer.alloc(32, 7).toString("base64");
      const old = await admin("POST", "/v1/key/import/imp-a", json({ bytes }));
      assert.equal(old.status, 200);
      assert.equal(old.body, "");
      const info = JSON.parse((await admin("GET", "/v1/key/describe/imp-a")).body);
      assert.equal(info.algorithm, undefined, "no algorithm given: none recorded");
      const id = createHash("sha256").update(Buffer.alloc(32, 7)).digest("hex").slice(0, 32);
      assert.equal(info.id, id);

      const v2024 = await admin(
        "PUT",
        "/v1/key/import/imp-b",
        json({ key: bytes, cipher: "ChaCha20" }),
      );
      assert.equal(v2024.status, 200);
      const chacha = JSON.parse((await admin("GET", "/v1/key/describe/imp-b")).body);
      assert.equal(chacha.algorithm, "XCHACHA20-POLY1305");

      const aes = await admin(
        "POST",
        "/v1/key/import/imp-c",
        json({ bytes, algorithm: "AES256-GCM_SHA256" }),
      );
      assert.equal(aes.status, 200);
      assert.equal(gw.crypto.keys.get("imp-c")?.algorithm, "AES256-GCM_SHA256");
    });

    it("generate and decrypt with and without context; PUT too; empty body = no context", async () => {
      await admin("POST", "/v1/key/create/gen-key");
      const context = Buffer.from("bucket/object").toString("base64");
      const gen = await admin("POST", "/v1/key/generate/gen-key", json({ context }));
      assert.equal(gen.status, 200);
      assert.equal(gen.contentType, "application/json");
      assert.ok(gen.body.endsWith("}\n"));
      const dek = JSON.parse(gen.body);
      assert.deepEqual(Object.keys(dek), ["plaintext", "ciphertext"]);
      assert.equal(Buffer.from(dek.plaintext, "base64").length, 32);

      const dec = await admin(
        "PUT",
        "/v1/key/decrypt/gen-key",
        json({ ciphertext: dek.ciphertext, context }),
      );
      assert.equal(dec.status, 200);
      assert.equal(dec.body, `{"plaintext":"${dek.plaintext}"}\n`);

      const empty = await admin("POST", "/v1/key/generate/gen-key");
      assert.equal(empty.status, 200);
      const noCtx = JSON.parse(empty.body);
      const back = await admin(
        "POST",
        "/v1/key/decrypt/gen-key",
        json({ ciphertext: noCtx.ciphertext }),
      );
      assert.equal(JSON.parse(back.body).plaintext, noCtx.plaintext);
    });

    it("encrypt, decrypt and bulk decrypt round-trip", async () => {
      await admin("POST", "/v1/key/create/enc-key");
      const plaintext = Buffer.from("hello world").toString("base64");
      const ctx = Buffer.from("ctx").toString("base64");
      const enc = await admin("POST", "/v1/key/encrypt/enc-key", json({ plaintext, context: ctx }));
      assert.equal(enc.status, 200);
      assert.equal(enc.contentType, "application/json");
      const { ciphertext } = JSON.parse(enc.body);
      const emptyEnc = await admin("POST", "/v1/key/encrypt/enc-key", json({ plaintext: "" }));
      assert.equal(emptyEnc.status, 200);
      const empty = JSON.parse(emptyEnc.body).ciphertext;

      const bulk = await admin(
        "POST",
        "/v1/key/bulk/decrypt/enc-key",
        json([{ ciphertext, context: ctx }, { ciphertext: empty }]),
      );
      assert.equal(bulk.status, 200);
      assert.equal(bulk.contentType, "application/json");
      assert.equal(bulk.body, `[{"plaintext":"${plaintext}"},{"plaintext":""}]\n`);
    });

    it("list: nd-json by glob, paged through, content type even when empty", async () => {
      for (const name of ["l-a", "l-b", "l-c", "m-a", "l-d"]) {
        assert.equal((await admin("POST", `/v1/key/create/${name}`)).status, 200);
      }
      const listCalls = () => gw.crypto.calls.filter((c) => c.op === "listKeys").length;
      const before = listCalls();
      const some = await admin("GET", "/v1/key/list/l-*");
      assert.equal(some.status, 200);
      assert.equal(some.contentType, "application/x-ndjson");
      assert.equal(some.body, '{"name":"l-a"}\n{"name":"l-b"}\n{"name":"l-c"}\n{"name":"l-d"}\n');
      assert.equal(listCalls() - before, 2, "both pages of 2 names were fetched");
      assert.deepEqual(gw.crypto.listRequests.slice(-2), [
        { prefix: "l-", pageToken: "" },
        { prefix: "l-", pageToken: "l-b" },
      ]);
      const asked = gw.crypto.calls.at(-1)?.options;
      assert.ok(asked?.signal instanceof AbortSignal && (asked.timeoutMs ?? 0) > 0);

      const inner = await admin("GET", "/v1/key/list/*-a");
      assert.equal(inner.body, '{"name":"imp-a"}\n{"name":"l-a"}\n{"name":"m-a"}\n');

      const none = await admin("GET", "/v1/key/list/zzz*");
      assert.equal(none.status, 200);
      assert.equal(none.contentType, "application/x-ndjson");
      assert.equal(none.body, "");
    });

    it("the my-app policy: allowed APIs work, others are 403", async () => {
      assert.equal((await app("POST", "/v1/key/create/my-app-key")).status, 200);
      const gen = await app("POST", "/v1/key/generate/my-app-key", "{}");
      assert.equal(gen.status, 200);
      const { ciphertext, plaintext } = JSON.parse(gen.body);
      const dec = await app("POST", "/v1/key/decrypt/my-app-key", json({ ciphertext }));
      assert.equal(JSON.parse(dec.body).plaintext, plaintext);

      const forbidden: [string, string][] = [
        ["POST", "/v1/key/create/other-key"],
        ["POST", "/v1/key/encrypt/my-app-key"],
        ["GET", "/v1/key/describe/my-app-key"],
        ["GET", "/v1/key/list/*"],
        ["DELETE", "/v1/key/delete/my-app-key"],
        ["POST", "/v1/key/bulk/decrypt/my-app-key"],
      ];
      for (const [method, path] of forbidden) {
        const res = await app(method, path, method === "POST" ? "{}" : undefined);
        assert.equal(res.status, 403, path);
        assert.equal(res.contentType, "application/json; charset=utf-8");
        assert.equal(res.headers["x-content-type-options"], "nosniff");
        assert.equal(res.body, '{"message":"not authorized: insufficient permissions"}', path);
      }
    });
  });
}
