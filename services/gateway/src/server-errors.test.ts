import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createLogger, errors, keystoreOpFailure } from "@kes/core";
import { makeTestPki, type TestPki } from "./testing/certs.js";
import {
  h1request,
  h2request,
  type RequestSpec,
  rawHttp1,
  type TestResponse,
} from "./testing/client.js";
import { startTestGateway, type TestGateway } from "./testing/harness.js";

/** Every error class: status, message, headers, and the server still answers afterwards. */

const JSON_ERROR = "application/json; charset=utf-8";
const MiB = 1_048_576;

function assertError(res: TestResponse, status: number, message: string) {
  assert.equal(res.status, status, `status (body ${res.body.slice(0, 200)})`);
  assert.equal(res.contentType, JSON_ERROR);
  assert.equal(res.headers["x-content-type-options"], "nosniff");
  assert.deepEqual(JSON.parse(res.body), { message });
}

describe("gateway errors", () => {
  let pki: TestPki;
  let gw: TestGateway;
  const admin = (spec: RequestSpec) => h2request(gw.port, pki.admin, spec);
  const post = (path: string, body?: string) =>
    admin({ method: "POST", path, ...(body === undefined ? {} : { body }) });
  const stillAnswers = async () => {
    const res = await admin({ method: "GET", path: "/version" });
    assert.equal(res.status, 200);
  };

  const logLines: string[] = [];

  before(async () => {
    pki = await makeTestPki();
    const logger = createLogger({
      level: "warn",
      destination: { write: (line: string) => logLines.push(line) },
    });
    gw = await startTestGateway(pki, { extra: { logger } });
    await post("/v1/key/create/key");
  });
  after(async () => {
    await gw?.close();
    await pki?.cleanup();
  });

  it("wrong method: 405 Method Not Allowed with Accept: <2023 method>", async () => {
    const res = await admin({ method: "GET", path: "/v1/key/create/my-app-key2" });
    assertError(res, 405, "Method Not Allowed");
    assert.equal(res.headers.accept, "POST");
    const del = await admin({ method: "POST", path: "/v1/key/delete/key" });
    assertError(del, 405, "Method Not Allowed");
    assert.equal(del.headers.accept, "DELETE");
    const bulk = await admin({ method: "PUT", path: "/v1/key/bulk/decrypt/key", body: "[]" });
    assert.equal(bulk.headers.accept, "POST");
    assert.equal(gw.crypto.keys.has("my-app-key2"), false);
  });

  it("unknown paths: 501 not implemented, whatever the method", async () => {
    for (const [method, path] of [
      ["GET", "/v1/foo/bar"],
      ["POST", "/v1/key/hmacs/key"],
      ["POST", "/v1/enclave/create/e"],
      ["POST", "/v1/policy/write/p"],
      ["GET", "/"],
      ["DELETE", "/v1/key/bulk/key"],
      ["GET", "/version/"],
    ] as const) {
      assertError(await admin({ method, path }), 501, "not implemented");
    }
  });

  it("missing trailing slash and unclean paths: 301 like Go's ServeMux", async () => {
    const post301 = await admin({ method: "POST", path: "/v1/key/create" });
    assert.equal(post301.status, 301);
    assert.equal(post301.headers.location, "/v1/key/create/");
    assert.equal(post301.contentType, null);
    assert.equal(post301.body, "");

    const get301 = await admin({ method: "GET", path: "/v1/key/list?x=1" });
    assert.equal(get301.status, 301);
    assert.equal(get301.headers.location, "/v1/key/list/?x=1");
    assert.equal(get301.contentType, "text/html; charset=utf-8");
    assert.match(get301.body, /Moved Permanently/);

    const unclean = await admin({ method: "POST", path: "/v1//key/./create/x" });
    assert.equal(unclean.status, 301);
    assert.equal(unclean.headers.location, "/v1/key/create/x");
    assert.equal(gw.crypto.keys.has("x"), false, "nothing created by a redirected request");
  });

  it("an HTTP/1.1 absolute-form target is routed by its path, as Go does", async () => {
    const get = (target: string) =>
      rawHttp1(
        gw.port,
        pki.admin,
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${gw.port}\r\nConnection: close\r\n\r\n`,
      );
    const origin = `https://127.0.0.1:${gw.port}`;
    const version = await get(`${origin}/version`);
    assert.match(version, /^HTTP\/1\.1 200 /);
    assert.ok(version.endsWith('{"version":"test","commit":"abc"}\n'), version);
    const metrics = await get(`${origin}/v1/metrics`);
    assert.match(metrics, /^HTTP\/1\.1 200 /);
    assert.match(metrics, /\r\ncontent-type: text\/plain/i);
    // Scheme and authority are ignored (Go: Host comes from the URL, routing from its path).
    assert.match(await get("http://other.example/version"), /^HTTP\/1\.1 200 /);
    // The path is still cleaned and slashed like any other: 301 to the path alone.
    const slash = await get(`${origin}/v1/key/list?x=1`);
    assert.match(slash, /^HTTP\/1\.1 301 /);
    assert.match(slash, /\r\nlocation: \/v1\/key\/list\/\?x=1\r\n/i);
    assert.match(await get(origin), /\r\nlocation: \/\r\n/i);
  });

  it("bad names and patterns: 400 invalid argument", async () => {
    const cases: [string, string, string][] = [
      ["POST", "/v1/key/create/my-app.key", "invalid argument: name contains invalid character"],
      ["POST", "/v1/key/create/a%2Fb", "invalid argument: name contains invalid character"],
      ["POST", "/v1/key/create/caf%C3%A9", "invalid argument: name contains invalid character"],
      ["POST", `/v1/key/create/${"k".repeat(81)}`, "invalid argument: name is too long"],
      ["POST", "/v1/key/create/", "invalid argument: name is empty"],
      ["POST", "/v1/key/create/%20%20", "invalid argument: name is empty"],
      ["GET", "/v1/key/describe/a.b", "invalid argument: name contains invalid character"],
      // An empty pattern lists everything (kms-go's /v1/key/list/): server-info.test.ts.
      ["GET", "/v1/key/list/a.*", "invalid argument: pattern contains invalid character"],
      ["GET", `/v1/key/list/${"*".repeat(81)}`, "invalid argument: pattern is too long"],
    ];
    for (const [method, path, message] of cases) {
      const res = await admin({ method, path });
      assertError(res, 400, message);
    }
    assert.equal(gw.crypto.calls.filter((c) => c.op === "createKey").length, 1, "only setup");
    // Surrounding whitespace is trimmed (as KES): "%20k2%20" creates k2.
    assert.equal((await post("/v1/key/create/%20k2%20")).status, 200);
    assert.ok(gw.crypto.keys.has("k2"));
  });

  it("an oversized body (1 MiB + 1) is 413 over HTTP/2 and HTTP/1.1, then still served", async () => {
    const big = JSON.stringify({ plaintext: "A".repeat(MiB + 1 - 16) });
    assert.equal(Buffer.byteLength(big), MiB + 1);
    const message = "request body too large: this API accepts at most 1048576 bytes";
    // HTTP/2 sends no Content-Length here: the limit is enforced while reading.
    const h2 = await admin({ method: "POST", path: "/v1/key/encrypt/key", body: big });
    assertError(h2, 413, message);
    await stillAnswers();
    // HTTP/1.1 declares Content-Length: refused before reading.
    const h1 = await h1request(gw.port, pki.admin, {
      method: "POST",
      path: "/v1/key/decrypt/key",
      body: big,
    });
    assertError(h1, 413, message);
    await stillAnswers();
    // HTTP/1.1 chunked (no Content-Length): refused while reading, connection closed.
    const chunked = await h1request(gw.port, pki.admin, {
      method: "POST",
      path: "/v1/key/decrypt/key",
      body: big,
      headers: { "transfer-encoding": "chunked" },
    });
    assertError(chunked, 413, message);
    assert.equal(chunked.headers.connection, "close");
    await stillAnswers();
    const exact = JSON.stringify({ plaintext: "A".repeat(MiB - 16 - 4) });
    assert.ok(Buffer.byteLength(exact) <= MiB);
    assert.equal((await post("/v1/key/encrypt/key", exact)).status, 200, "1 MiB is fine");
    assert.equal(gw.crypto.calls.filter((c) => c.op === "decrypt").length, 0);
  });

  it("malformed JSON, bad base64, wrong JSON types: 400 naming the problem", async () => {
    const cases: [string, string, string][] = [
      ["/v1/key/decrypt/key", '{"ciphertext":', "invalid request body: truncated JSON"],
      ["/v1/key/decrypt/key", "{ciphertext: 1}", "invalid request body: malformed JSON"],
      ["/v1/key/decrypt/key", "", "invalid request body: the body is empty, expected JSON"],
      [
        "/v1/key/decrypt/key",
        '{"ciphertext":"not base64!!"}',
        'invalid request body: "ciphertext" is not valid base64',
      ],
      [
        "/v1/key/decrypt/key",
        '{"ciphertext":"AAAA","context":"@@"}',
        'invalid request body: "context" is not valid base64',
      ],
      [
        "/v1/key/encrypt/key",
        '{"plaintext":42}',
        'invalid request body: "plaintext" must be a base64 string, got a number',
      ],
      ["/v1/key/encrypt/key", "[]", "invalid request body: the body must be a JSON object"],
      ["/v1/key/generate/key", '"context"', "invalid request body: the body must be a JSON object"],
      [
        "/v1/key/generate/key",
        '{"context":["a"]}',
        'invalid request body: "context" must be a base64 string, got an array',
      ],
      [
        "/v1/key/bulk/decrypt/key",
        '{"ciphertext":"AAAA"}',
        "invalid request body: the body must be a JSON array of {ciphertext, context} objects",
      ],
      ["/v1/key/bulk/decrypt/key", "[1]", "invalid request body: item 0 must be a JSON object"],
      [
        "/v1/key/bulk/decrypt/key",
        '[{"ciphertext":"AAAA"},{"ciphertext":"!"}]',
        'invalid request body: item 1: "ciphertext" is not valid base64',
      ],
      ["/v1/key/import/new", "{}", "invalid key size"],
      ["/v1/key/import/new", '{"bytes":"AAEC"}', "invalid key size"],
      [
        "/v1/key/import/new",
        `{"bytes":"${Buffer.alloc(32).toString("base64")}","algorithm":"DES"}`,
        "invalid request body: unsupported algorithm 'DES': use AES256-GCM_SHA256 (AES256) or XCHACHA20-POLY1305 (ChaCha20)",
      ],
      [
        "/v1/key/import/new",
        '{"bytes":"AAAA","key":"AAAA"}',
        'invalid request body: give the key as "bytes" or as "key", not both',
      ],
    ];
    for (const [path, body, message] of cases) {
      assertError(await post(path, body), 400, message);
    }
    assert.equal(gw.crypto.keys.has("new"), false);
    await stillAnswers();
  });

  it("crypto errors: wrong context, garbage ciphertext, missing key, too many ciphertexts", async () => {
    const ctx = Buffer.from("a").toString("base64");
    const gen = JSON.parse(
      (await post("/v1/key/generate/key", JSON.stringify({ context: ctx }))).body,
    );
    const failed = "decryption failed: ciphertext is not authentic";
    const wrong = JSON.stringify({ ciphertext: gen.ciphertext, context: "b3RoZXI=" });
    assertError(await post("/v1/key/decrypt/key", wrong), 400, failed);
    const missing = JSON.stringify({ ciphertext: gen.ciphertext });
    assertError(await post("/v1/key/decrypt/key", missing), 400, failed);
    const garbage = JSON.stringify({ ciphertext: Buffer.alloc(77, 1).toString("base64") });
    assertError(await post("/v1/key/decrypt/key", garbage), 400, failed);
    assertError(await post("/v1/key/generate/nope", "{}"), 404, "key does not exist");

    const one = { ciphertext: gen.ciphertext, context: ctx };
    const tooMany = JSON.stringify(Array.from({ length: 1001 }, () => one));
    assertError(await post("/v1/key/bulk/decrypt/key", tooMany), 400, "too many ciphertexts");
    const ok = JSON.stringify(Array.from({ length: 1000 }, () => one));
    const bulk = await post("/v1/key/bulk/decrypt/key", ok);
    assert.equal(bulk.status, 200);
    assert.equal(JSON.parse(bulk.body).length, 1000);
  });

  it("keystore failures are 502 with KES's text; unexpected errors are a bare 500", async () => {
    gw.crypto.before = (op) => {
      if (op === "createKey") throw keystoreOpFailure("create", new Error("disk on fire"));
      if (op === "describeKey") throw new Error("secret internal detail /var/lib/kes");
      if (op === "deleteKey") throw errors.serviceUnavailable();
    };
    try {
      logLines.length = 0;
      assertError(await post("/v1/key/create/k9"), 502, "bad gateway: failed to create key");
      const res = await admin({ method: "GET", path: "/v1/key/describe/key" });
      assertError(res, 500, "internal server error");
      assert.doesNotMatch(res.body, /secret|var/);
      const del = await admin({ method: "DELETE", path: "/v1/key/delete/key" });
      assertError(del, 503, "service unavailable: try again later");
      // The keystore failure was logged where it happened (crypto service); the gateway logs
      // the failures it is the first to see.
      const logged = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(
        logged.map((l) => [l["level"], l["msg"], l["status"]]),
        [
          [50, "request failed", 500],
          [40, "request failed", 503],
        ],
      );
    } finally {
      gw.crypto.before = undefined;
    }
    await stillAnswers();
  });

  it("a malformed percent-encoding is a clear 400", async () => {
    const res = await admin({ method: "POST", path: "/v1/key/create/%E0%A4%A" });
    assertError(res, 400, "invalid request: the URL path is not validly encoded");
  });
});
