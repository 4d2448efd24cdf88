import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { after, before, describe, it } from "node:test";
import { isKesError } from "@kes/core";
import {
  type CertificateMaterial,
  createSelfSignedCertificate,
  generateApiKey,
  identityOfCertificate,
} from "@kes/identity";
import { createKesClient, type KesClient, type KesClientOptions } from "./client.js";
import { KesApiError, KesNetworkError, KesProtocolError } from "./errors.js";
import {
  closedPort,
  type Handler,
  type Reply,
  startTestServer,
  type TestServer,
} from "./testing/test-server.js";

const json = (value: unknown, status = 200): Reply => ({
  status,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(value),
});

/** Fast retries: the policy's numbers are pinned in retry.test.ts. */
const FAST_RETRY = { minDelayMs: 1, jitterMs: 1 };

let serverCert: CertificateMaterial;
let clientCert: CertificateMaterial;
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  serverCert = await createSelfSignedCertificate({
    subject: "localhost",
    ip: ["127.0.0.1"],
    dns: ["localhost"],
    usage: "server",
  });
  clientCert = await createSelfSignedCertificate({ subject: "test-client", usage: "client" });
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function serve(handler: Handler, http1Only = false): Promise<TestServer> {
  const server = await startTestServer(handler, {
    certPem: serverCert.certPem,
    keyPem: serverCert.keyPem,
    http1Only,
  });
  cleanups.push(() => server.close());
  return server;
}

function client(endpoint: string | string[], options: Partial<KesClientOptions> = {}): KesClient {
  const c = createKesClient({
    endpoint,
    certPem: clientCert.certPem,
    keyPem: clientCert.keyPem,
    insecure: true,
    retry: FAST_RETRY,
    timeoutMs: 5000,
    ...options,
  });
  cleanups.push(() => c.close());
  return c;
}

/**
 * Runs `body` in a new Node process with a client `c` for `endpoint`; returns its stdout.
 * `onOutput` sees the output so far whenever more arrives.
 */
async function runClientScript(
  endpoint: string,
  body: string,
  onOutput?: (out: string) => void,
): Promise<string> {
  const index = new URL("./index.js", import.meta.url).href;
  const script = [
    `import { createKesClient } from ${JSON.stringify(index)};`,
    `const c = createKesClient({ endpoint: ${JSON.stringify(endpoint)}, insecure: true });`,
    body,
  ].join("\n");
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    onOutput?.(out);
  });
  const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  clearTimeout(guard);
  assert.equal(signal, null, "the process had to be killed: the client kept it alive");
  assert.equal(code, 0);
  return out;
}

describe("KES client transport", () => {
  it("speaks HTTP/2 when offered and presents the client certificate", async () => {
    const server = await serve(() => json({ version: "v-test", commit: "abc" }));
    const version = await client(server.endpoint).version();
    assert.deepEqual(version, { version: "v-test", commit: "abc" });
    const [req] = server.requests;
    assert.equal(req?.httpVersion, "2.0");
    assert.equal(req?.method, "GET");
    assert.equal(req?.path, "/version");
    assert.equal(req?.identity, identityOfCertificate(clientCert.certPem));
  });

  it("falls back to HTTP/1.1 and keeps the connection alive", async () => {
    const server = await serve(() => json({ version: "v1", commit: "" }), true);
    const c = client(server.endpoint);
    await c.version();
    await c.version();
    assert.deepEqual(
      server.requests.map((r) => r.httpVersion),
      ["1.1", "1.1"],
    );
    assert.notEqual(server.requests[0]?.headers["connection"], "close");
  });

  it("multiplexes concurrent HTTP/2 requests on one connection", async () => {
    const server = await serve(() => json({ version: "v2", commit: "" }));
    const c = client(server.endpoint);
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => c.version()));
    assert.deepEqual(
      answers.map((a) => a.version),
      ["v2", "v2", "v2", "v2", "v2"],
    );
    assert.equal(server.connections, 1);
  });

  it("uses the connection that found HTTP/1.1, and opens more for concurrent requests", async () => {
    const server = await serve(() => json({ version: "v1", commit: "" }), true);
    const c = client(server.endpoint);
    await c.version();
    assert.equal(server.connections, 1);
    const answers = await Promise.all([1, 2, 3].map(() => c.version()));
    assert.deepEqual(
      answers.map((a) => a.version),
      ["v1", "v1", "v1"],
    );
    assert.equal(server.requests.length, 4);
    assert.ok(server.requests.every((r) => r.httpVersion === "1.1"));
  });

  it("keeps the endpoint's path prefix and sends names as they are", async () => {
    const server = await serve(() => ({ status: 200 }));
    await client(`${server.endpoint}/kes/`).createKey("a.b");
    assert.equal(server.requests[0]?.path, "/kes/v1/key/create/a.b");
  });

  it("refuses a private key that is not the certificate's before connecting", async () => {
    const server = await serve(() => json({ version: "v", commit: "" }));
    const other = await createSelfSignedCertificate({ subject: "other", usage: "client" });
    const err = await client(server.endpoint, { keyPem: other.keyPem })
      .version()
      .catch((e: unknown) => e);
    assert.ok(isKesError(err, "invalid_argument"), String(err));
    assert.match(err.message, /client TLS material is not usable: key values mismatch/);
    assert.doesNotMatch(err.message, /PRIVATE KEY/);
    assert.equal(server.connections, 0);
  });

  it("does not keep the process alive once its calls are done", async () => {
    const server = await serve(() => json({ version: "v", commit: "" }));
    // Without close(): an idle connection that held the process would run into the guard.
    const out = await runClientScript(server.endpoint, "console.log((await c.version()).version);");
    assert.equal(out, "v\n");
  });

  it("keeps the process alive until close() is done", async () => {
    const server = await serve(() => json({ version: "v", commit: "" }));
    // An unreferenced connection while close() waits would end the process before "closed".
    const out = await runClientScript(
      server.endpoint,
      "await c.version(); await c.close(); console.log('closed');",
    );
    assert.equal(out, "closed\n");
  });

  it("does not stay alive for an HTTP/1.1 connection whose caller gave up while it opened", async () => {
    const server = await serve(() => json({ version: "v", commit: "" }), true);
    // 1 ms: the deadline passes during the TLS handshake; the connection still completes and
    // waits, unused, in the pool.
    const out = await runClientScript(
      server.endpoint,
      "await c.version({ timeoutMs: 1 }).catch((e) => console.log(e.failure));",
    );
    assert.equal(out, "timeout\n");
  });

  it("lets a call in flight finish when close() is called, and stays alive until closed", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = await serve(async (req) => {
      if (req.path !== "/version") {
        // Answered once /version is surely in flight (the server holds it).
        while (!server.requests.some((r) => r.path === "/version")) {
          await new Promise((r) => setImmediate(r));
        }
        return { status: 200 };
      }
      await released;
      return json({ version: "late", commit: "" });
    });
    const out = await runClientScript(
      server.endpoint,
      [
        "const pending = c.version();",
        "await c.request({ method: 'GET', path: '/in-flight' });",
        "const closing = c.close();",
        "console.log('closing');",
        "console.log((await pending).version);",
        "await closing;",
        "console.log('closed');",
      ].join("\n"),
      (text) => {
        if (text.includes("closing")) release();
      },
    );
    assert.equal(out, "closing\nlate\nclosed\n");
  });

  it("turns an API key into a client certificate with the key's identity", async () => {
    const server = await serve(() => json({ version: "v", commit: "" }));
    const { apiKey, identity } = generateApiKey();
    const c = createKesClient({ endpoint: server.endpoint, apiKey, insecure: true });
    cleanups.push(() => c.close());
    await c.version();
    assert.equal(server.requests[0]?.identity, identity);
  });

  it("refuses an untrusted server certificate unless insecure, and does not retry it", async () => {
    const server = await serve(() => json({ version: "v", commit: "" }));
    const err = await client(server.endpoint, { insecure: false })
      .version()
      .catch((e: unknown) => e);
    assert.ok(err instanceof KesNetworkError, String(err));
    assert.equal(err.failure, "untrusted-certificate");
    assert.equal(err.endpoint, server.endpoint);
    assert.equal(server.requests.length, 0);
  });

  it("trusts a server certificate given as ca", async () => {
    const server = await serve(() => json({ version: "v", commit: "" }));
    const version = await client(server.endpoint, {
      insecure: false,
      ca: serverCert.certPem,
    }).version();
    assert.equal(version.version, "v");
  });

  it("retries 503 twice, then gives the 503 to the caller", async () => {
    let calls = 0;
    const flaky = await serve(() =>
      ++calls <= 2 ? json({ message: "busy" }, 503) : json({ version: "ok", commit: "" }),
    );
    assert.equal((await client(flaky.endpoint).version()).version, "ok");
    assert.equal(flaky.requests.length, 3);

    const down = await serve(() => json({ message: "request timeout exceeded" }, 503));
    const err = await client(down.endpoint)
      .version()
      .catch((e: unknown) => e);
    assert.ok(err instanceof KesApiError);
    assert.equal(err.status, 503);
    assert.equal(err.message, "request timeout exceeded");
    assert.equal(down.requests.length, 3);
  });

  it("retries a broken connection", async () => {
    let calls = 0;
    const server = await serve(() =>
      ++calls === 1 ? { destroy: true } : json({ version: "again", commit: "" }),
    );
    assert.equal((await client(server.endpoint).version()).version, "again");
    assert.equal(server.requests.length, 2);
  });

  it("gives up at the deadline when the server does not answer", async () => {
    const server = await serve(() => ({ hang: true }));
    const err = await client(server.endpoint, { timeoutMs: 300 })
      .version()
      .catch((e: unknown) => e);
    assert.ok(err instanceof KesNetworkError, String(err));
    assert.equal(err.failure, "timeout");
    assert.match(err.message, /no answer from https:\/\/127\.0\.0\.1:\d+ within 300 ms/);
  });

  it("lets one call wait longer than the client's default timeout", async () => {
    const server = await serve(async () => {
      await new Promise((r) => setTimeout(r, 400));
      return json({ version: "slow", commit: "" });
    });
    const c = client(server.endpoint, { timeoutMs: 100, retry: { retries: 0 } });
    await assert.rejects(c.version(), (err: unknown) => err instanceof KesNetworkError);
    assert.equal((await c.version({ timeoutMs: 5000 })).version, "slow");
  });

  it("honours the caller's abort signal", async () => {
    const server = await serve(() => ({ hang: true }));
    const controller = new AbortController();
    const pending = client(server.endpoint).version({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error("user gave up")), 50);
    await assert.rejects(pending, /user gave up/);
  });

  it("reports a refused connection after retrying, naming the endpoint", async () => {
    const endpoint = `https://127.0.0.1:${await closedPort()}`;
    const err = await client(endpoint)
      .version()
      .catch((e: unknown) => e);
    assert.ok(err instanceof KesNetworkError, String(err));
    assert.equal(err.failure, "refused");
    assert.equal(err.message, `cannot talk to ${endpoint}: connection refused`);
  });

  it("fails over to the next endpoint on network errors and 5xx, but not on 501", async () => {
    const good = await serve(() => json({ version: "good", commit: "" }));
    const dead = `https://127.0.0.1:${await closedPort()}`;
    assert.equal((await client([dead, good.endpoint]).version()).version, "good");

    const broken = await serve(() => json({ message: "bad gateway: failed to access key" }, 502));
    assert.equal((await client([broken.endpoint, good.endpoint]).version()).version, "good");
    assert.equal(broken.requests.length, 1);

    const unimplemented = await serve(() => ({ status: 501, body: "not implemented\n" }));
    const err = await client([unimplemented.endpoint, good.endpoint])
      .version()
      .catch((e: unknown) => e);
    assert.ok(err instanceof KesApiError);
    assert.equal(err.status, 501);
    assert.equal(err.message, "not implemented");
  });
});

describe("KES client API calls", () => {
  it("creates, describes and deletes keys with KES's methods and paths", async () => {
    const server = await serve((req) =>
      req.path.startsWith("/v1/key/describe/")
        ? {
            status: 200,
            body: JSON.stringify({
              name: "my-key",
              id: "66687aadf862bd776c8fc18b8e9f8e20",
              algorithm: "AES256-GCM_SHA256",
              created_at: "2023-02-15T14:54:37.5Z",
              created_by: "a".repeat(64),
            }),
          }
        : { status: 200 },
    );
    const c = client(server.endpoint);
    await c.createKey("my-key");
    const info = await c.describeKey("my-key");
    await c.deleteKey("my-key");
    assert.deepEqual(
      server.requests.map((r) => `${r.method} ${r.path}`),
      ["POST /v1/key/create/my-key", "GET /v1/key/describe/my-key", "DELETE /v1/key/delete/my-key"],
    );
    assert.equal(server.requests[0]?.headers["content-type"], undefined);
    assert.equal(info.algorithm, "AES256-GCM_SHA256");
    assert.equal(info.createdAt, "2023-02-15T14:54:37.5Z");
  });

  it("imports a key as {bytes, algorithm}", async () => {
    const server = await serve(() => ({ status: 200 }));
    const key = new Uint8Array(32).fill(7);
    await client(server.endpoint).importKey("imported", key, { algorithm: "AES256-GCM_SHA256" });
    const [req] = server.requests;
    assert.equal(req?.path, "/v1/key/import/imported");
    assert.equal(req?.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(req?.body ?? ""), {
      bytes: Buffer.from(key).toString("base64"),
      algorithm: "AES256-GCM_SHA256",
    });
  });

  it("always sends generate a JSON body, with the context only when given", async () => {
    const server = await serve(() => json({ plaintext: "AAEC", ciphertext: "AwQF" }));
    const c = client(server.endpoint);
    const dek = await c.generate("k");
    await c.generate("k", new Uint8Array([9]));
    assert.deepEqual([...dek.plaintext], [0, 1, 2]);
    assert.deepEqual([...dek.ciphertext], [3, 4, 5]);
    assert.equal(server.requests[0]?.body, "{}");
    assert.equal(server.requests[0]?.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(server.requests[1]?.body ?? ""), { context: "CQ==" });
  });

  it("encrypts and decrypts with base64 bodies", async () => {
    const server = await serve((req) =>
      req.path.startsWith("/v1/key/encrypt/")
        ? json({ ciphertext: "Y3Q=" })
        : json({ plaintext: "cHQ=" }),
    );
    const c = client(server.endpoint);
    const ct = await c.encrypt("k", Buffer.from("pt"), Buffer.from("ctx"));
    const pt = await c.decrypt("k", ct);
    assert.equal(Buffer.from(ct).toString(), "ct");
    assert.equal(Buffer.from(pt).toString(), "pt");
    assert.deepEqual(JSON.parse(server.requests[0]?.body ?? ""), {
      plaintext: "cHQ=",
      context: "Y3R4",
    });
    assert.deepEqual(JSON.parse(server.requests[1]?.body ?? ""), { ciphertext: "Y3Q=" });
  });

  it("bulk-decrypts in order and checks the answer's length", async () => {
    const server = await serve((req) =>
      JSON.parse(req.body).length === 2
        ? json([{ plaintext: "AQ==" }, { plaintext: "Ag==" }])
        : json([{ plaintext: "AQ==" }]),
    );
    const c = client(server.endpoint);
    const items = [
      { ciphertext: new Uint8Array([1]) },
      { ciphertext: new Uint8Array([2]), context: new Uint8Array([3]) },
    ];
    const plaintexts = await c.bulkDecrypt("k", items);
    assert.deepEqual(
      plaintexts.map((p) => [...p]),
      [[1], [2]],
    );
    assert.equal(server.requests[0]?.path, "/v1/key/bulk/decrypt/k");
    assert.deepEqual(JSON.parse(server.requests[0]?.body ?? ""), [
      { ciphertext: "AQ==" },
      { ciphertext: "Ag==", context: "Aw==" },
    ]);
    await assert.rejects(
      c.bulkDecrypt("k", [...items, { ciphertext: new Uint8Array([4]) }]),
      (err: unknown) =>
        err instanceof KesProtocolError && /has 1 items, expected 3/.test(err.message),
    );
  });

  it("reads self-describe and status", async () => {
    const server = await serve((req) =>
      req.path === "/v1/status"
        ? json({ version: "v", uptime: 2e9, num_cpu: 2, num_cpu_used: 2 })
        : json({
            identity: "c".repeat(64),
            admin: true,
            policy: { created_at: "0001-01-01T00:00:00Z" },
          }),
    );
    const c = client(server.endpoint);
    const self = await c.selfDescribe();
    const status = await c.status();
    assert.equal(self.admin, true);
    assert.equal(self.identity, "c".repeat(64));
    assert.equal(status.uptimeMs, 2000);
  });
});

describe("KES client list and errors", () => {
  it("streams an nd-json key list", async () => {
    const server = await serve(() => ({
      headers: { "content-type": "application/x-ndjson" },
      chunks: ['{"name":"k1"}\n{"na', 'me":"k2"}\n', '{"name":"k3"}'],
    }));
    const names: string[] = [];
    for await (const name of client(server.endpoint).listKeys("k*")) names.push(name);
    assert.deepEqual(names, ["k1", "k2", "k3"]);
    assert.equal(server.requests[0]?.path, "/v1/key/list/k*");
  });

  it("lists nothing from an empty nd-json body, and all keys by default", async () => {
    const server = await serve(() => ({ headers: { "content-type": "application/x-ndjson" } }));
    const names: string[] = [];
    for await (const name of client(server.endpoint).listKeys()) names.push(name);
    assert.deepEqual(names, []);
    assert.equal(server.requests[0]?.path, "/v1/key/list/*");
  });

  it("ends an nd-json list with the server's error line", async () => {
    const server = await serve(() => ({
      headers: { "content-type": "application/x-ndjson" },
      body: '{"name":"k1"}\n{"error":"bad gateway: failed to list keys"}\n',
    }));
    const names: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const name of client(server.endpoint).listKeys()) names.push(name);
      })(),
      (err: unknown) =>
        err instanceof KesApiError && err.message === "bad gateway: failed to list keys",
    );
    assert.deepEqual(names, ["k1"]);
  });

  it("a listing cut short by a server that hangs up is an error, not a shorter list", async () => {
    for (const http1Only of [false, true]) {
      const server = await serve(
        () => ({
          headers: { "content-type": "application/x-ndjson" },
          chunks: ['{"name":"k1"}\n'],
          hangUpAfterChunks: true,
        }),
        http1Only,
      );
      const names: string[] = [];
      await assert.rejects(
        (async () => {
          for await (const name of client(server.endpoint).listKeys()) names.push(name);
        })(),
        (err: unknown) => err instanceof KesNetworkError && err.failure === "reset",
        http1Only ? "HTTP/1.1" : "HTTP/2",
      );
      assert.deepEqual(names, ["k1"]);
    }
  });

  it("follows continue_at through 2024 pages", async () => {
    const server = await serve((req) =>
      req.path === "/v1/key/list/*"
        ? json({ names: ["a", "b"], continue_at: "c" })
        : json({ names: ["c", "d"], continue_at: "" }),
    );
    const names: string[] = [];
    for await (const name of client(server.endpoint).listKeys()) names.push(name);
    assert.deepEqual(names, ["a", "b", "c", "d"]);
    assert.deepEqual(
      server.requests.map((r) => r.path),
      ["/v1/key/list/*", "/v1/key/list/c"],
    );
  });

  it("surfaces the server's message, JSON or text, with its status and kind", async () => {
    const server = await serve((req) => {
      if (req.path.includes("exists")) return json({ message: "key already exists" }, 400);
      if (req.path.includes("denied")) {
        return json({ message: "not authorized: insufficient permissions" }, 403);
      }
      // KES 2023 does not escape messages: a body that claims JSON but is not.
      if (req.path.includes("raw")) {
        return {
          status: 500,
          headers: { "content-type": "application/json" },
          body: '{"message":"a "quoted" text"}',
        };
      }
      return {
        status: 404,
        headers: { "content-type": "text/plain" },
        body: "404 page not found\n",
      };
    });
    const c = client(server.endpoint);
    const cases: [string, number, string, string | undefined][] = [
      ["exists", 400, "key already exists", "key_exists"],
      ["denied", 403, "not authorized: insufficient permissions", "not_authorized"],
      ["raw", 500, '{"message":"a "quoted" text"}', undefined],
      ["other", 404, "404 page not found", undefined],
    ];
    for (const [name, status, message, kind] of cases) {
      const err = await c.createKey(name).catch((e: unknown) => e);
      assert.ok(err instanceof KesApiError, name);
      assert.equal(err.status, status, name);
      assert.equal(err.message, message, name);
      assert.equal(err.kind, kind, name);
    }
  });

  it("says where a redirect went, and when an answer has no error text", async () => {
    const server = await serve((req) => {
      if (req.path.includes("moved")) {
        return {
          status: 301,
          headers: { location: "/v1/key/create/x", "content-type": "text/html" },
          body: '<a href="/v1/key/create/x">Moved Permanently</a>.\n',
        };
      }
      if (req.path.includes("nowhere")) return { status: 307 };
      if (req.path.includes("teapot")) return { status: 599, body: "  \n" };
      if (req.path.includes("html")) {
        return {
          status: 404,
          headers: { "content-type": "text/html; charset=utf-8" },
          body: "<!doctype html><html><body><h1>Not Found</h1></body></html>",
        };
      }
      if (req.path.includes("markup")) return { status: 502, body: "<html>bad gateway</html>" };
      if (req.path.includes("long")) {
        return { status: 500, headers: { "content-type": "text/plain" }, body: "x".repeat(600) };
      }
      return { status: 404 };
    });
    const c = client(server.endpoint);
    const cases: [string, number, string, boolean][] = [
      [
        "..%2Fmoved",
        301,
        "the server redirected POST /v1/key/create/..%2Fmoved to /v1/key/create/x " +
          "(301 Moved Permanently) instead of answering it",
        false,
      ],
      [
        "nowhere",
        307,
        "the server redirected POST /v1/key/create/nowhere to nowhere (no Location header) " +
          "(307 Temporary Redirect) instead of answering it",
        false,
      ],
      ["empty", 404, "the server answered 404 Not Found without a KES error message", true],
      ["teapot", 599, "the server answered 599 without a KES error message", true],
      [
        "html",
        404,
        "the server answered 404 Not Found with a text/html page instead of a KES error message",
        true,
      ],
      [
        "markup",
        502,
        "the server answered 502 Bad Gateway with a markup page instead of a KES error message",
        true,
      ],
      ["long", 500, `${"x".repeat(500)}… (cut)`, false],
    ];
    for (const [name, status, message, withoutMessage] of cases) {
      const err = await c.createKey(decodeURIComponent(name)).catch((e: unknown) => e);
      assert.ok(err instanceof KesApiError, name);
      assert.equal(err.status, status, name);
      assert.equal(err.message, message, name);
      assert.equal(err.withoutMessage, withoutMessage, name);
      assert.equal(err.kind, undefined, name);
    }
  });

  it("rejects malformed and oversized success bodies", async () => {
    const server = await serve((req) =>
      req.path.startsWith("/v1/key/decrypt/")
        ? json({ plaintext: "not base64!" })
        : { status: 200, body: "x".repeat(2048) },
    );
    const c = client(server.endpoint);
    await assert.rejects(c.decrypt("k", new Uint8Array([1])), (err: unknown) => {
      return err instanceof KesProtocolError && /"plaintext" is not valid base64/.test(err.message);
    });
    await assert.rejects(c.version(), (err: unknown) => {
      return err instanceof KesProtocolError && /larger than 1024 bytes/.test(err.message);
    });
  });

  it("answers raw requests as they are, without retrying 503", async () => {
    const server = await serve(() => ({ status: 503, body: "busy" }));
    const res = await client(server.endpoint).request({ method: "PUT", path: "/v1/anything" });
    assert.equal(res.status, 503);
    assert.equal(res.text, "busy");
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0]?.method, "PUT");
  });
});

describe("KES client options", () => {
  it("refuses contradictory or half-given credentials", () => {
    const { apiKey } = generateApiKey();
    const bad: [Partial<KesClientOptions>, RegExp][] = [
      [{ apiKey, certPem: "c", keyPem: "k" }, /either an API key or a client certificate/],
      [{ certPem: "c" }, /needs its private key/],
      [{ keyPem: "k" }, /needs its client certificate/],
      [{ apiKey: " " }, /API key is empty/],
      [{ timeoutMs: 0 }, /timeoutMs must be a positive number/],
    ];
    for (const [options, why] of bad) {
      assert.throws(
        () => createKesClient({ endpoint: "127.0.0.1:7373", ...options }),
        (err: unknown) => isKesError(err, "invalid_argument") && why.test(err.message),
        why.source,
      );
    }
  });

  it("reports a bad API key on first use, without echoing it", async () => {
    const c = createKesClient({ endpoint: "127.0.0.1:1", apiKey: "kes:v1:secret-ish" });
    cleanups.push(() => c.close());
    const err = await c.version().catch((e: unknown) => e);
    assert.ok(isKesError(err, "invalid_argument"), String(err));
    assert.doesNotMatch(err.message, /secret-ish/);
  });

  it("cannot be used after close", async () => {
    const server = await serve(() => json({ version: "v", commit: "" }));
    const c = client(server.endpoint);
    await c.version();
    await c.close();
    await assert.rejects(c.version(), /closed/);
  });
});
