import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { errors, type KesError, MAX_VALUE_SIZE } from "@kes/core";
import { Health, KeyStoreService, HealthCheckResponse_ServingStatus as Serving } from "@kes/proto";
import { aborted, capturingLogger, fakeStore } from "../test-support.js";
import { type KeyStoreServer, serveKeyStore } from "./server.js";

function grpcClient(server: KeyStoreServer) {
  return createClient(
    KeyStoreService,
    createGrpcTransport({ baseUrl: `http://${server.address}`, defaultTimeoutMs: 5000 }),
  );
}

async function codeOf(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    return ConnectError.from(err);
  }
  assert.fail("the call succeeded");
}

describe("keystore service: error mapping", () => {
  const log = capturingLogger();
  let failWith: unknown;
  const store = fakeStore({
    get: async () => {
      throw failWith;
    },
  });
  let server: KeyStoreServer;
  before(async () => {
    server = await serveKeyStore(store, { logger: log.logger });
  });
  after(() => server.close());

  const table: [string, unknown, Code][] = [
    ["key_exists", errors.keyExists(), Code.AlreadyExists],
    ["key_not_found", errors.keyNotFound(), Code.NotFound],
    ["invalid_argument", errors.invalidArgument("invalid argument: nope"), Code.InvalidArgument],
    ["keystore_failure", errors.keystoreFailure("backend down"), Code.Unavailable],
    ["timeout", errors.timeout(), Code.DeadlineExceeded],
    ["not_authorized", errors.notAuthorized(), Code.PermissionDenied],
  ];
  for (const [kind, error, code] of table) {
    it(`answers ${kind} with ${Code[code]}, its message and the kes-kind trailer`, async () => {
      failWith = error;
      const err = await codeOf(grpcClient(server).get({ name: "k" }));
      assert.equal(err.code, code);
      assert.equal(err.rawMessage, (error as KesError).message);
      assert.equal(err.metadata.get("kes-kind"), kind);
    });
  }

  it("logs a backend failure as one warn line: the call, the key's name, the message, no stack", async () => {
    failWith = errors.keystoreFailure("backend down");
    const before = log.lines().length;
    await codeOf(grpcClient(server).get({ name: "my-key" }));
    const logged = log
      .lines()
      .slice(before)
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      logged.map((l) => [l["level"], l["msg"], l["rpc"], l["name"], l["error"], l["err"]]),
      [[40, "keystore backend failure", "Get", "my-key", "backend down", undefined]],
    );
  });

  it("answers anything unexpected with INTERNAL and a generic message, and logs it", async () => {
    failWith = new TypeError("boom at /internal/path/of/the/server");
    const err = await codeOf(grpcClient(server).get({ name: "k" }));
    assert.equal(err.code, Code.Internal);
    assert.equal(err.rawMessage, "internal server error");
    assert.ok(log.lines().includes("boom at /internal/path"), "the cause is logged");
  });

  it("answers an internal KesError with INTERNAL and the generic message", async () => {
    failWith = errors.internal(new Error("hidden detail"));
    const err = await codeOf(grpcClient(server).get({ name: "k" }));
    assert.equal(err.code, Code.Internal);
    assert.equal(err.rawMessage, "internal server error");
  });
});

describe("keystore service: validation at the edge", () => {
  const store = fakeStore();
  let server: KeyStoreServer;
  before(async () => {
    server = await serveKeyStore(store);
  });
  after(() => server.close());

  const bad: [string, () => Promise<unknown>][] = [
    [
      "an empty name on create",
      () => grpcClient(server).create({ name: "", value: Uint8Array.of(1) }),
    ],
    ["a path on get", () => grpcClient(server).get({ name: "../etc/passwd" })],
    ["an 81-byte name on delete", () => grpcClient(server).delete({ name: "a".repeat(81) })],
    ["an empty value", () => grpcClient(server).create({ name: "k", value: new Uint8Array(0) })],
    [
      "a value of 1 MiB + 1",
      () => grpcClient(server).create({ name: "k", value: new Uint8Array(MAX_VALUE_SIZE + 1) }),
    ],
  ];
  for (const [label, call] of bad) {
    it(`refuses ${label} with INVALID_ARGUMENT before the backend sees it`, async () => {
      store.calls.length = 0;
      const err = await codeOf(call());
      assert.equal(err.code, Code.InvalidArgument);
      assert.match(err.rawMessage, /^invalid argument: /);
      assert.deepEqual(store.calls, []);
    });
  }

  it("refuses a request far beyond the size limit without decoding it", async () => {
    store.calls.length = 0;
    const err = await codeOf(
      grpcClient(server).create({ name: "k", value: new Uint8Array(4 * MAX_VALUE_SIZE) }),
    );
    assert.ok(
      err.code === Code.ResourceExhausted || err.code === Code.InvalidArgument,
      Code[err.code],
    );
    assert.deepEqual(store.calls, []);
  });

  it("passes the list limit through and caps it at 1000", async () => {
    const page = await grpcClient(server).list({ prefix: "", limit: 4_000_000 });
    assert.deepEqual(page.names, []);
  });
});

describe("keystore service: protocols", () => {
  const store = fakeStore();
  let server: KeyStoreServer;
  before(async () => {
    server = await serveKeyStore(store);
  });
  after(() => server.close());

  it("speaks gRPC, Connect and gRPC-Web", async () => {
    const baseUrl = `http://${server.address}`;
    const transports = {
      grpc: createGrpcTransport({ baseUrl }),
      connect: createConnectTransport({ baseUrl, httpVersion: "2" }),
      grpcWeb: createGrpcWebTransport({ baseUrl, httpVersion: "2" }),
    };
    for (const [name, transport] of Object.entries(transports)) {
      const client = createClient(KeyStoreService, transport);
      await client.create({ name: `via-${name}`, value: new TextEncoder().encode(name) });
      const got = await client.get({ name: `via-${name}` });
      assert.equal(new TextDecoder().decode(got.value), name);
      const status = await client.status({});
      assert.equal(status.reachable, true);
      assert.equal(status.backend, "fake");
      assert.equal(Number(status.latency?.nanos), 1_500_000);
    }
  });
});

describe("keystore service: deadlines and shutdown", () => {
  it("aborts the backend call when the caller's deadline passes", async () => {
    let backendSignal: AbortSignal | undefined;
    const store = fakeStore({
      get: async (_name, options) => {
        backendSignal = options?.signal;
        await aborted(options?.signal);
        throw errors.keystoreFailure("gave up");
      },
    });
    const server = await serveKeyStore(store);
    try {
      const client = createClient(
        KeyStoreService,
        createGrpcTransport({ baseUrl: `http://${server.address}` }),
      );
      const err = await codeOf(client.get({ name: "k" }, { timeoutMs: 100 }));
      assert.equal(err.code, Code.DeadlineExceeded);
      await aborted(backendSignal);
      assert.equal(backendSignal?.aborted, true);
    } finally {
      await server.close();
    }
  });

  it("lets a call in flight finish on close, then refuses new connections", async () => {
    let release: () => void = () => undefined;
    let started: () => void = () => undefined;
    const inFlight = new Promise<void>((resolve) => {
      started = resolve;
    });
    const store = fakeStore({
      get: () =>
        new Promise((resolve) => {
          started();
          release = () => resolve(Uint8Array.of(7));
        }),
    });
    const server = await serveKeyStore(store);
    const transport = createGrpcTransport({ baseUrl: `http://${server.address}` });
    const call = createClient(KeyStoreService, transport).get({ name: "k" });
    await inFlight;
    const closing = server.close(10_000);
    release();
    assert.deepEqual((await call).value, Uint8Array.of(7));
    await closing;
    const fresh = createClient(
      KeyStoreService,
      createGrpcTransport({ baseUrl: `http://${server.address}` }),
    );
    const err = await codeOf(fresh.get({ name: "k" }, { timeoutMs: 2000 }));
    assert.equal(err.code, Code.Unavailable);
  });

  it("fails to start, naming the address, when the port is taken", async () => {
    const first = await serveKeyStore(fakeStore());
    try {
      await assert.rejects(
        serveKeyStore(fakeStore(), { port: first.port }),
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${first.port}: EADDRINUSE`),
      );
    } finally {
      await first.close();
    }
  });
});

describe("keystore service: grpc.health.v1", () => {
  let reachable = true;
  const store = fakeStore({
    status: async () => ({ reachable, latencyMs: 0, backend: "fake", endpoint: "fake" }),
  });
  let server: KeyStoreServer;
  before(async () => {
    server = await serveKeyStore(store, { healthIntervalMs: 10 });
  });
  after(() => server.close());
  const health = () =>
    createClient(Health, createGrpcTransport({ baseUrl: `http://${server.address}` }));

  it("answers Check with SERVING while the backend is reachable, NOT_SERVING otherwise", async () => {
    reachable = true;
    assert.equal((await health().check({})).status, Serving.SERVING);
    assert.equal(
      (await health().check({ service: "kes.keystore.v1.KeyStoreService" })).status,
      Serving.SERVING,
    );
    reachable = false;
    assert.equal((await health().check({})).status, Serving.NOT_SERVING);
    reachable = true;
  });

  it("answers Check for an unknown service with NOT_FOUND", async () => {
    const err = await codeOf(health().check({ service: "no.such.Service" }));
    assert.equal(err.code, Code.NotFound);
  });

  it("streams the current status on Watch, then every change", async () => {
    reachable = true;
    const controller = new AbortController();
    const seen: Serving[] = [];
    try {
      for await (const update of health().watch({}, { signal: controller.signal })) {
        seen.push(update.status);
        if (seen.length === 1) reachable = false;
        if (seen.length === 2) reachable = true;
        if (seen.length === 3) break;
      }
    } finally {
      controller.abort();
    }
    assert.deepEqual(seen, [Serving.SERVING, Serving.NOT_SERVING, Serving.SERVING]);
  });

  it("ends Watch streams when the server closes, saying NOT_SERVING first", async () => {
    const own = await serveKeyStore(fakeStore(), { healthIntervalMs: 60_000 });
    const client = createClient(Health, createGrpcTransport({ baseUrl: `http://${own.address}` }));
    const seen: Serving[] = [];
    const watching = (async () => {
      for await (const update of client.watch({})) seen.push(update.status);
    })();
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    await own.close(30_000);
    await watching;
    assert.deepEqual(seen, [Serving.SERVING, Serving.NOT_SERVING]);
  });
});
