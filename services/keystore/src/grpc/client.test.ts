import assert from "node:assert/strict";
import { createServer as createHttp2Server } from "node:http2";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { errors, isKesError, type KesError } from "@kes/core";
import { aborted, fakeStore } from "../test-support.js";
import { connectKeyStore } from "./client.js";
import { parseEndpoint } from "./endpoint.js";
import { type KeyStoreServer, serveKeyStore } from "./server.js";

function listenTcp(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  });
}

function closeTcp(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function failure(call: Promise<unknown>): Promise<KesError> {
  try {
    await call;
  } catch (err) {
    assert.ok(isKesError(err), `not a KesError: ${String(err)}`);
    return err;
  }
  assert.fail("the call succeeded");
}

describe("keystore client: unreachable and unresponsive services", () => {
  it("fails fast with keystore_failure (UNAVAILABLE) when nothing listens", async () => {
    const probe = createTcpServer();
    const port = await listenTcp(probe);
    await closeTcp(probe);
    // A deadline far beyond the test's own timeout: only a fast failure passes.
    const store = connectKeyStore({ endpoint: `127.0.0.1:${port}`, timeoutMs: 600_000 });
    try {
      const err = await failure(store.get("k"));
      assert.equal(err.kind, "keystore_failure");
      assert.match(
        err.message,
        new RegExp(`^grpc keystore http://127\\.0\\.0\\.1:${port}: get: UNAVAILABLE`),
      );
      const status = await store.status();
      assert.equal(status.reachable, false);
      assert.equal(status.backend, "grpc");
      assert.match(status.detail ?? "", /UNAVAILABLE/);
    } finally {
      await store.close();
    }
  });

  it("fails at its deadline when the service accepts TCP but never answers", {
    timeout: 20_000,
  }, async () => {
    const sockets = new Set<Socket>();
    const silent = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => undefined);
    });
    const port = await listenTcp(silent);
    const store = connectKeyStore({ endpoint: `http://127.0.0.1:${port}`, timeoutMs: 300 });
    try {
      const err = await failure(store.create("k", Uint8Array.of(1)));
      assert.equal(err.kind, "keystore_failure");
      assert.match(err.message, /create: DEADLINE_EXCEEDED/);
      const status = await store.status();
      assert.equal(status.reachable, false);
      assert.match(status.detail ?? "", /DEADLINE_EXCEEDED/);
    } finally {
      await store.close();
      for (const socket of sockets) socket.destroy();
      await closeTcp(silent);
    }
  });

  it("answers keystore_failure (UNIMPLEMENTED) from an HTTP/2 server that is no keystore", async () => {
    const other = createHttp2Server((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    const port = await listenTcp(other as unknown as Server);
    const store = connectKeyStore({ endpoint: `http://127.0.0.1:${port}`, timeoutMs: 5000 });
    try {
      const err = await failure(store.get("k"));
      assert.equal(err.kind, "keystore_failure");
      assert.match(err.message, /get: UNIMPLEMENTED/);
    } finally {
      await store.close();
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});

describe("keystore client: status codes back to domain errors", () => {
  let failWith: unknown;
  let server: KeyStoreServer;
  before(async () => {
    server = await serveKeyStore(
      fakeStore({
        create: async () => {
          throw failWith;
        },
        get: async () => new Uint8Array(0),
        status: async () => ({
          reachable: false,
          latencyMs: 12.345678,
          backend: "gemalto.keysecure",
          endpoint: "https://cm.example",
          detail: "connection refused",
        }),
      }),
    );
  });
  after(() => server.close());

  const table: [string, unknown, string, RegExp][] = [
    ["ALREADY_EXISTS", errors.keyExists(), "key_exists", /^key already exists$/],
    ["NOT_FOUND", errors.keyNotFound(), "key_not_found", /^key does not exist$/],
    [
      "INVALID_ARGUMENT",
      errors.invalidArgument("invalid argument: x"),
      "invalid_argument",
      /^invalid argument: x$/,
    ],
    [
      "UNAVAILABLE",
      errors.keystoreFailure("cm down"),
      "keystore_failure",
      /create: UNAVAILABLE: cm down$/,
    ],
    ["DEADLINE_EXCEEDED", errors.timeout(), "keystore_failure", /create: DEADLINE_EXCEEDED/],
    ["PERMISSION_DENIED", errors.notAuthorized(), "keystore_failure", /create: PERMISSION_DENIED/],
    ["INTERNAL", new Error("boom"), "keystore_failure", /create: INTERNAL: internal server error$/],
  ];
  for (const [code, error, kind, message] of table) {
    it(`maps ${code} to ${kind}`, async () => {
      failWith = error;
      const store = connectKeyStore({ endpoint: `http://${server.address}` });
      try {
        const err = await failure(store.create("k", Uint8Array.of(1)));
        assert.equal(err.kind, kind);
        assert.match(err.message, message);
        if (kind === "keystore_failure") assert.ok(err.message.includes(server.address));
      } finally {
        await store.close();
      }
    });
  }

  it("treats an empty value from a peer as a keystore failure, not a key", async () => {
    const store = connectKeyStore({ endpoint: `http://${server.address}` });
    try {
      const err = await failure(store.get("k"));
      assert.equal(err.kind, "keystore_failure");
    } finally {
      await store.close();
    }
  });

  it("reports the remote backend's status as the service sees it", async () => {
    const store = connectKeyStore({ endpoint: `http://${server.address}` });
    try {
      const status = await store.status();
      assert.deepEqual(status, {
        reachable: false,
        latencyMs: 12.345678,
        backend: "gemalto.keysecure",
        endpoint: "https://cm.example",
        detail: "connection refused",
      });
    } finally {
      await store.close();
    }
  });
});

describe("keystore client: cancellation", () => {
  it("gives up when the caller's signal fires, and the service sees it", {
    timeout: 20_000,
  }, async () => {
    let serverSignal: AbortSignal | undefined;
    let entered: () => void = () => undefined;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const server = await serveKeyStore(
      fakeStore({
        get: async (_name, options) => {
          serverSignal = options?.signal;
          entered();
          await aborted(options?.signal);
          throw errors.keystoreFailure("cancelled");
        },
      }),
    );
    const store = connectKeyStore({ endpoint: `http://${server.address}`, timeoutMs: 600_000 });
    try {
      const controller = new AbortController();
      const call = failure(store.get("k", { signal: controller.signal }));
      await inside;
      controller.abort();
      const err = await call;
      assert.equal(err.kind, "keystore_failure");
      assert.match(err.message, /get: CANCELED/);
      await aborted(serverSignal);
      assert.equal(serverSignal?.aborted, true);
    } finally {
      await store.close();
      await server.close();
    }
  });
});

describe("keystore client: endpoints", () => {
  it("reads http://, https:// and bare host:port", () => {
    assert.equal(parseEndpoint("http://127.0.0.1:7001", false).origin, "http://127.0.0.1:7001");
    assert.equal(parseEndpoint("https://ks.example:7001/", true).origin, "https://ks.example:7001");
    assert.equal(parseEndpoint("127.0.0.1:7001", false).origin, "http://127.0.0.1:7001");
    assert.equal(parseEndpoint("ks.example:7001", true).origin, "https://ks.example:7001");
    assert.equal(parseEndpoint("[::1]:7001", false).origin, "http://[::1]:7001");
  });

  const bad: [string, boolean, RegExp][] = [
    ["", false, /endpoint is empty/],
    ["ftp://x:1", false, /must use http:\/\/ or https:\/\//],
    ["https://user:secret@x:1", true, /must not contain credentials/],
    ["http://x:1/prefix", false, /without a path/],
    ["http://x:1?q=1", false, /without a path/],
    ["http://x:1", true, /is http:\/\/ but TLS material was given/],
    ["http://x:99999", false, /is not a URL/],
  ];
  for (const [endpoint, tls, message] of bad) {
    it(`refuses ${JSON.stringify(endpoint)}${tls ? " with TLS" : ""}`, () => {
      assert.throws(
        () => parseEndpoint(endpoint, tls),
        (err: unknown) => isKesError(err, "invalid_argument") && message.test(err.message),
      );
    });
  }

  it("never puts credentials of a refused endpoint in the message", () => {
    for (const endpoint of ["https://user:secret@x:1", "https://user:secret@x:99999"]) {
      assert.throws(
        () => connectKeyStore({ endpoint, tls: {} }),
        (err: unknown) => isKesError(err, "invalid_argument") && !err.message.includes("secret"),
      );
    }
  });

  it("refuses a non-positive timeout and a cert without its key", () => {
    assert.throws(
      () => connectKeyStore({ endpoint: "x:1", timeoutMs: 0 }),
      /timeoutMs must be positive/,
    );
    assert.throws(
      () => connectKeyStore({ endpoint: "x:1", tls: { cert: "-----BEGIN CERTIFICATE-----" } }),
      /needs its key/,
    );
    assert.throws(
      () => connectKeyStore({ endpoint: "x:1", tls: { ca: "/no/such/ca.pem" } }),
      /cannot read TLS ca file "\/no\/such\/ca.pem": ENOENT/,
    );
  });
});
