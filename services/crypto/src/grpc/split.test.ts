// The crypto service's gRPC surface as the split deployment uses it: peer roles, health that
// follows the keystore, draining, and a client spreading calls over several crypto processes.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Client, credentials, Metadata } from "@grpc/grpc-js";
import { type CryptoApi, errors, type KeyStoreStatus } from "@kes/core";
import { createMemoryKeyStore, serveKeyStore } from "@kes/keystore-service";
import {
  Health,
  HealthCheckRequestSchema,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus as Serving,
} from "@kes/proto";
import { kesError } from "../testing/fixtures.js";
import { connectCrypto } from "./client.js";
import { checkHealth } from "./health-client.js";
import { cryptoAddresses } from "./pool.js";
import { hasOpenssl, makeRolePki, type RolePki } from "./role-pki.js";
import { type CryptoServer, serveCrypto } from "./server.js";
import { grpcServiceDefinition } from "./service-definition.js";

const HEALTH = grpcServiceDefinition(Health);

function stubApi(overrides: Partial<CryptoApi>): CryptoApi {
  const unused = async () => {
    throw errors.internal(new Error("not stubbed"));
  };
  return {
    createKey: unused,
    importKey: unused,
    describeKey: unused,
    deleteKey: unused,
    listKeys: unused,
    generate: unused,
    encrypt: unused,
    decrypt: unused,
    bulkDecrypt: unused,
    hmac: unused,
    keyStoreStatus: unused,
    close: async () => {},
    ...overrides,
  };
}

const status = (reachable: boolean): KeyStoreStatus => ({
  reachable,
  latencyMs: 1,
  backend: "stub",
  endpoint: "",
});

function check(address: string): Promise<Serving> {
  const client = new Client(address, credentials.createInsecure());
  return new Promise<Serving>((resolve, reject) => {
    client.makeUnaryRequest(
      HEALTH.check.path,
      HEALTH.check.requestSerialize,
      HEALTH.check.responseDeserialize,
      create(HealthCheckRequestSchema, { service: "" }),
      new Metadata(),
      { deadline: Date.now() + 5000 },
      (err, res?: HealthCheckResponse) => (err || !res ? reject(err) : resolve(res.status)),
    );
  }).finally(() => client.close());
}

describe("crypto health follows the keystore", () => {
  test("Check is SERVING while the keystore answers, NOT_SERVING when it does not", async () => {
    let reachable = true;
    let fails = false;
    const server = await serveCrypto(
      stubApi({
        keyStoreStatus: async () => {
          if (fails) throw new Error("probe exploded");
          return status(reachable);
        },
      }),
    );
    try {
      assert.equal(await check(server.address), Serving.SERVING);
      reachable = false;
      assert.equal(await check(server.address), Serving.NOT_SERVING);
      fails = true;
      assert.equal(await check(server.address), Serving.NOT_SERVING);
      fails = false;
      reachable = true;
      assert.equal(await check(server.address), Serving.SERVING);
    } finally {
      await server.close();
    }
  });

  test("Watch reports every change of the keystore's reachability", async () => {
    let reachable = true;
    const server = await serveCrypto(stubApi({ keyStoreStatus: async () => status(reachable) }), {
      healthIntervalMs: 10,
    });
    const client = new Client(server.address, credentials.createInsecure());
    const stream = client.makeServerStreamRequest(
      HEALTH.watch.path,
      HEALTH.watch.requestSerialize,
      HEALTH.watch.responseDeserialize,
      create(HealthCheckRequestSchema, { service: "" }),
    );
    stream.on("error", () => {});
    const seen: Serving[] = [];
    try {
      await new Promise<void>((resolve) => {
        stream.on("data", (r: HealthCheckResponse) => {
          seen.push(r.status);
          if (seen.length === 1) reachable = false;
          if (seen.length === 2) reachable = true;
          if (seen.length === 3) resolve();
        });
      });
      assert.deepEqual(seen, [Serving.SERVING, Serving.NOT_SERVING, Serving.SERVING]);
    } finally {
      stream.cancel();
      client.close();
      await server.close();
    }
  });
});

describe("crypto service draining", () => {
  test("a call in flight finishes on close; the server counts its calls", async () => {
    let release: () => void = () => {};
    let started: () => void = () => {};
    const inFlight = new Promise<void>((resolve) => {
      started = resolve;
    });
    const server = await serveCrypto(
      stubApi({
        keyStoreStatus: () =>
          new Promise((resolve) => {
            started();
            release = () => resolve(status(true));
          }),
      }),
    );
    const client = connectCrypto({ address: server.address, timeoutMs: 10_000 });
    try {
      const call = client.keyStoreStatus();
      await inFlight;
      const closing = server.close(10_000);
      release();
      assert.equal((await call).reachable, true);
      await closing;
      assert.equal(server.calls, 1);
      await assert.rejects(
        client.keyStoreStatus({ timeoutMs: 2000 }),
        kesError("service_unavailable"),
      );
    } finally {
      await client.close();
    }
  });
});

describe("a crypto client over several crypto services", () => {
  test("addresses: a list or comma-separated; empty entries are refused", () => {
    assert.deepEqual(cryptoAddresses("a:1, b:2"), ["a:1", "b:2"]);
    assert.deepEqual(cryptoAddresses(["a:1"]), ["a:1"]);
    assert.throws(() => cryptoAddresses("a:1,,b:2"), kesError("invalid_argument"));
    assert.throws(() => cryptoAddresses([]), kesError("invalid_argument"));
  });

  test("spreads calls over all of them, and keeps working while one is down", async () => {
    const api = stubApi({ keyStoreStatus: async () => status(true) });
    const first = await serveCrypto(api);
    let second = await serveCrypto(api);
    const port = second.port;
    const client = connectCrypto({ address: [first.address, second.address], timeoutMs: 5000 });
    try {
      for (let i = 0; i < 20; i++) await client.keyStoreStatus();
      assert.ok(first.calls > 0 && second.calls > 0, `${first.calls} / ${second.calls}`);
      assert.equal(first.calls + second.calls, 20);

      await second.close();
      // At most the calls already on their way to the closed one fail; then all go to the first.
      let failures = 0;
      for (let i = 0; i < 20; i++) {
        await client.keyStoreStatus().catch(() => failures++);
      }
      assert.ok(failures <= 2, `${failures} calls failed while another service was up`);

      second = await serveCrypto(api, { port });
      const before = second.calls;
      const deadline = Date.now() + 15_000;
      while (second.calls === before && Date.now() < deadline) {
        await client.keyStoreStatus();
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(second.calls > before, "the restarted service gets calls again");
    } finally {
      await client.close();
      await first.close();
      await second.close();
    }
  });
});

describe("crypto service: internal peer identity", { skip: !hasOpenssl() && "no openssl" }, () => {
  let pki: RolePki;
  let server: CryptoServer;
  const api = stubApi({ keyStoreStatus: async () => status(true) });
  before(async () => {
    pki = makeRolePki();
    server = await serveCrypto(api, {
      tls: { ...pki.crypto, ca: pki.ca },
      allowedPeers: ["gateway"],
    });
  });
  after(async () => {
    await server?.close();
    pki?.cleanup();
  });

  const client = (pair: { cert: string; key: string }, port = server.port) =>
    connectCrypto({
      address: `localhost:${port}`,
      tls: { ...pair, ca: pki.ca },
      serverRole: "crypto",
      timeoutMs: 5000,
    });

  test("serves a gateway", async () => {
    const gateway = client(pki.gateway);
    try {
      assert.equal((await gateway.keyStoreStatus()).reachable, true);
    } finally {
      await gateway.close();
    }
  });

  test("refuses another role with PERMISSION_DENIED, which a gateway reports as 503", async () => {
    const calls = server.calls;
    const crypto = client(pki.crypto);
    try {
      await assert.rejects(
        crypto.keyStoreStatus(),
        kesError("service_unavailable", "service unavailable: crypto service refused this gateway"),
      );
      assert.equal(server.calls, calls + 1, "the call reached the service and was refused there");
    } finally {
      await crypto.close();
    }
  });

  test("refuses a certificate from another CA at the handshake", async () => {
    const calls = server.calls;
    const stranger = client(pki.stranger);
    try {
      await assert.rejects(
        stranger.keyStoreStatus(),
        kesError("service_unavailable", "service unavailable: crypto service is not reachable"),
      );
      assert.equal(server.calls, calls, "no call got through");
    } finally {
      await stranger.close();
    }
  });

  test("a gateway refuses a server that is not a crypto service", async () => {
    const impostor = await serveCrypto(api, { tls: { ...pki.keystore, ca: pki.ca } });
    const gateway = client(pki.gateway, impostor.port);
    try {
      await assert.rejects(gateway.keyStoreStatus(), kesError("service_unavailable"));
      assert.equal(impostor.calls, 0);
    } finally {
      await gateway.close();
      await impostor.close();
    }
  });
});

describe("checkHealth (the probe behind kes health)", () => {
  test("asks any grpc.health.v1 server: ours with grpc-js and the keystore's with connect", async () => {
    let reachable = true;
    const crypto = await serveCrypto(stubApi({ keyStoreStatus: async () => status(reachable) }));
    const keystore = await serveKeyStore(createMemoryKeyStore());
    try {
      assert.equal(await checkHealth({ address: crypto.address }), "SERVING");
      reachable = false;
      assert.equal(await checkHealth({ address: crypto.address }), "NOT_SERVING");
      assert.equal(await checkHealth({ address: keystore.address }), "SERVING");
      await assert.rejects(
        checkHealth({ address: keystore.address, service: "no.such.Service" }),
        kesError("service_unavailable"),
      );
    } finally {
      await crypto.close();
      await keystore.close();
    }
    await assert.rejects(
      checkHealth({ address: crypto.address, timeoutMs: 3000 }),
      (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, /^service unavailable: no health answer from 127\.0\.0\.1:\d+: /);
        return true;
      },
    );
  });

  test("over mutual TLS, checking the role and an overriding server name", {
    skip: !hasOpenssl() && "no openssl",
  }, async () => {
    const pki = makeRolePki();
    const server = await serveCrypto(stubApi({ keyStoreStatus: async () => status(true) }), {
      tls: { ...pki.crypto, ca: pki.ca },
      allowedPeers: ["gateway"],
    });
    try {
      // Health is open to every peer of the internal CA, whatever its role.
      const tls = { ...pki.keystore, ca: pki.ca };
      const probe = { address: `127.0.0.1:${server.port}`, tls, serverRole: "crypto" } as const;
      assert.equal(await checkHealth(probe), "SERVING");
      assert.equal(await checkHealth({ ...probe, serverName: "crypto" }), "SERVING");
      await assert.rejects(
        checkHealth({ ...probe, serverName: "keystore" }),
        kesError("service_unavailable"),
      );
      await assert.rejects(
        checkHealth({ ...probe, serverRole: "keystore" }),
        kesError("service_unavailable"),
      );
    } finally {
      await server.close();
      pki.cleanup();
    }
  });
});
