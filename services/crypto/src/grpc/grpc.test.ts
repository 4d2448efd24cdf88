import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Client, credentials, Metadata, status } from "@grpc/grpc-js";
import { type CryptoApi, errors } from "@kes/core";
import {
  Health,
  HealthCheckRequestSchema,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
} from "@kes/proto";
import { createCryptoService } from "../crypto-service.js";
import { hasOpenssl, makeTestPki } from "../testing/certs.js";
import {
  captureLogger,
  IDENTITY,
  kesError,
  PROTOBUF_HMAC_KEY,
  PROTOBUF_KEY,
} from "../testing/fixtures.js";
import { MapKeyStore } from "../testing/map-keystore.js";
import { connectCrypto } from "./client.js";
import { type CryptoServer, serveCrypto } from "./server.js";
import { grpcServiceDefinition } from "./service-definition.js";

const context = Buffer.from("ctx");

describe("crypto service over gRPC", () => {
  const keystore = new MapKeyStore();
  const service = createCryptoService({ keystore });
  let server: CryptoServer;
  let client: CryptoApi;

  before(async () => {
    server = await serveCrypto(service, { port: 0 });
    client = connectCrypto({ address: server.address, timeoutMs: 5000 });
  });
  after(async () => {
    await client.close();
    await server.close();
    await service.close();
  });

  test("serves on an ephemeral port of 127.0.0.1 by default", () => {
    assert.ok(server.port > 0);
    assert.equal(server.address, `127.0.0.1:${server.port}`);
  });

  test("create, describe, list, delete", async () => {
    await client.createKey("grpc-a", IDENTITY);
    await client.createKey("grpc-b", IDENTITY);
    const info = await client.describeKey("grpc-a");
    assert.equal(info.name, "grpc-a");
    assert.equal(info.algorithm, "AES256-GCM_SHA256");
    assert.equal(info.createdBy, IDENTITY);
    assert.equal(info.hasHmac, false);
    assert.match(info.id, /^[0-9a-f]{32}$/);
    assert.deepEqual(await service.describeKey("grpc-a"), info);
    assert.deepEqual(await client.listKeys({ prefix: "grpc-" }), {
      names: ["grpc-a", "grpc-b"],
      nextPageToken: "",
    });
    assert.deepEqual(await client.listKeys({ prefix: "grpc-", limit: 1 }), {
      names: ["grpc-a"],
      nextPageToken: "grpc-a",
    });
    assert.deepEqual(await client.listKeys({ prefix: "grpc-", pageToken: "grpc-a" }), {
      names: ["grpc-b"],
      nextPageToken: "",
    });
    await client.deleteKey("grpc-b");
    await client.deleteKey("grpc-b"); // missing: still fine
    await assert.rejects(
      client.describeKey("grpc-b"),
      kesError("key_not_found", "key does not exist"),
    );
  });

  test("describe keeps nanoseconds and legacy fields across the hop", async () => {
    const key = randomBytes(32);
    keystore.put(
      "grpc-legacy",
      `{"bytes":"${key.toString("base64")}","created_at":"2026-12-03T15:38:48.247608626Z"}`,
    );
    const info = await client.describeKey("grpc-legacy");
    assert.equal(info.createdAt, "2026-12-03T15:38:48.247608626Z");
    assert.equal(info.algorithm, undefined);
    assert.equal(info.createdBy, undefined);
    keystore.put("grpc-ancient", `{"bytes":"${key.toString("base64")}"}`);
    assert.equal((await client.describeKey("grpc-ancient")).createdAt, "0001-01-01T00:00:00Z");
  });

  test("import with and without an algorithm; bad sizes are invalid_argument", async () => {
    await client.importKey("grpc-imp", { key: randomBytes(32), createdBy: IDENTITY });
    assert.equal((await client.describeKey("grpc-imp")).algorithm, undefined);
    await client.importKey("grpc-imp-chacha", {
      key: randomBytes(32),
      algorithm: "XCHACHA20-POLY1305",
      createdBy: IDENTITY,
    });
    assert.equal((await client.describeKey("grpc-imp-chacha")).algorithm, "XCHACHA20-POLY1305");
    await assert.rejects(
      client.importKey("grpc-imp-bad", { key: randomBytes(31), createdBy: IDENTITY }),
      kesError("invalid_argument", "invalid key size"),
    );
    await assert.rejects(
      client.importKey("grpc-imp", { key: randomBytes(32), createdBy: IDENTITY }),
      kesError("key_exists", "key already exists"),
    );
  });

  test("generate, encrypt, decrypt and bulk decrypt", async () => {
    await client.createKey("grpc-dek", IDENTITY);
    const dek = await client.generate("grpc-dek", context);
    assert.equal(dek.plaintext.length, 32);
    assert.equal(dek.ciphertext.length, 135);
    assert.deepEqual(
      Buffer.from(await client.decrypt("grpc-dek", dek.ciphertext, context)),
      Buffer.from(dek.plaintext),
    );
    const sealed = await client.encrypt("grpc-dek", Buffer.from("hello"), new Uint8Array(0));
    assert.equal(
      Buffer.from(await client.decrypt("grpc-dek", sealed, new Uint8Array(0))).toString(),
      "hello",
    );
    const plaintexts = await client.bulkDecrypt("grpc-dek", [
      { ciphertext: dek.ciphertext, context },
      { ciphertext: sealed, context: new Uint8Array(0) },
    ]);
    assert.deepEqual(
      plaintexts.map((p) => Buffer.from(p).toString("hex")),
      [Buffer.from(dek.plaintext).toString("hex"), Buffer.from("hello").toString("hex")],
    );
    await assert.rejects(
      client.decrypt("grpc-dek", dek.ciphertext, Buffer.from("wrong")),
      kesError("decryption_failed", "decryption failed: ciphertext is not authentic"),
    );
    const item = { ciphertext: sealed, context: new Uint8Array(0) };
    await assert.rejects(
      client.bulkDecrypt("grpc-dek", Array(1001).fill(item)),
      kesError("invalid_argument", "too many ciphertexts"),
    );
  });

  test("hmac on a 2024 key; hmac_unsupported on a JSON key", async () => {
    keystore.put("grpc-2024", PROTOBUF_KEY);
    const mac = await client.hmac("grpc-2024", Buffer.from("m"));
    const hmacKey = PROTOBUF_HMAC_KEY;
    assert.deepEqual(Buffer.from(mac), createHmac("sha256", hmacKey).update("m").digest());
    assert.equal((await client.describeKey("grpc-2024")).hasHmac, true);
    await client.createKey("grpc-json", IDENTITY);
    await assert.rejects(
      client.hmac("grpc-json", Buffer.from("m")),
      kesError("hmac_unsupported", "key does not support HMAC"),
    );
  });

  test("keystore status and keystore failures", async () => {
    assert.deepEqual(await client.keyStoreStatus(), {
      reachable: true,
      latencyMs: 1,
      backend: "map",
      endpoint: "in-test",
    });
    keystore.failWith = new Error("disk on fire");
    try {
      await assert.rejects(
        client.describeKey("grpc-never-cached"),
        kesError("keystore_failure", "bad gateway: failed to access key"),
      );
      await assert.rejects(
        client.createKey("grpc-x", IDENTITY),
        kesError("keystore_failure", "bad gateway: failed to create key"),
      );
      const down = await client.keyStoreStatus();
      assert.equal(down.reachable, false);
      assert.equal(down.detail, "status probe failed");
    } finally {
      keystore.failWith = undefined;
    }
  });

  test("bad names are invalid_argument with KES's text", async () => {
    await assert.rejects(
      client.createKey("a b", IDENTITY),
      kesError("invalid_argument", "invalid argument: name contains invalid character"),
    );
  });
});

describe("gRPC error handling", () => {
  test("an unexpected error is INTERNAL `internal server error`, logged, never leaked", async () => {
    const { logger, text } = captureLogger();
    const api = stubApi({
      describeKey: async () => {
        throw new Error("pg password=hunter2 at /srv/db");
      },
    });
    const server = await serveCrypto(api, { logger });
    const client = connectCrypto({ address: server.address });
    try {
      await assert.rejects(client.describeKey("k"), kesError("internal", "internal server error"));
      assert.match(text(), /unexpected error/);
      assert.match(text(), /DescribeKey/);
    } finally {
      await client.close();
      await server.close();
    }
  });

  test("every domain error kind survives the hop", async () => {
    const thrown = [
      errors.keyNotFound(),
      errors.keyExists(),
      errors.decryptionFailed(),
      errors.invalidArgument("invalid argument: pattern is empty"),
      errors.hmacUnsupported(),
      errors.keystoreFailure("bad gateway: failed to list keys"),
      errors.notAuthorized(),
      errors.timeout(),
      errors.serviceUnavailable("service unavailable: keystore is sealed"),
    ];
    let next = 0;
    const api = stubApi({
      listKeys: async () => {
        throw thrown[next++];
      },
    });
    const server = await serveCrypto(api);
    const client = connectCrypto({ address: server.address });
    try {
      for (const err of thrown) {
        await assert.rejects(client.listKeys({ prefix: "" }), kesError(err.kind, err.message));
      }
    } finally {
      await client.close();
      await server.close();
    }
  });

  test("the client's deadline reaches the service as its timeout", async () => {
    let seen: number | undefined;
    const api = stubApi({
      keyStoreStatus: async (options) => {
        seen = options?.timeoutMs;
        return { reachable: true, latencyMs: 0, backend: "stub", endpoint: "" };
      },
    });
    const server = await serveCrypto(api);
    const client = connectCrypto({ address: server.address, timeoutMs: 60_000 });
    try {
      await client.keyStoreStatus({ timeoutMs: 3000 });
      assert.ok(seen !== undefined && seen > 0 && seen <= 3000, `timeoutMs ${seen}`);
      await client.keyStoreStatus();
      assert.ok(seen !== undefined && seen > 3000 && seen <= 60_000, `timeoutMs ${seen}`);
    } finally {
      await client.close();
      await server.close();
    }
  });

  test("a call that outlives its deadline fails with timeout; abort cancels it", async () => {
    const api = stubApi({ describeKey: () => new Promise(() => {}) });
    const server = await serveCrypto(api);
    const client = connectCrypto({ address: server.address });
    try {
      await assert.rejects(client.describeKey("k", { timeoutMs: 100 }), kesError("timeout"));
      const controller = new AbortController();
      const pending = client.describeKey("k", { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(pending, kesError("timeout"));
    } finally {
      await client.close();
      await server.close(100); // the hung handler must not hold the shutdown
    }
  });

  test("a client to a closed port gets service_unavailable well within its deadline", async () => {
    const port = await closedPort();
    const client = connectCrypto({ address: `127.0.0.1:${port}`, timeoutMs: 30_000 });
    const started = Date.now();
    try {
      await assert.rejects(
        client.describeKey("k"),
        kesError("service_unavailable", "service unavailable: crypto service is not reachable"),
      );
      assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    } finally {
      await client.close();
    }
  });
});

describe("gRPC health", () => {
  const health = grpcServiceDefinition(Health);

  test("Check answers SERVING for the server and the crypto service; NOT_FOUND otherwise", async () => {
    const server = await serveCrypto(stubApi({ keyStoreStatus: reachable }));
    const client = new Client(server.address, credentials.createInsecure());
    const check = (service: string) =>
      new Promise<HealthCheckResponse>((resolve, reject) => {
        client.makeUnaryRequest(
          health.check.path,
          health.check.requestSerialize,
          health.check.responseDeserialize,
          create(HealthCheckRequestSchema, { service }),
          new Metadata(),
          { deadline: Date.now() + 5000 },
          (err, res) => (err ? reject(err) : resolve(res!)),
        );
      });
    try {
      assert.equal((await check("")).status, HealthCheckResponse_ServingStatus.SERVING);
      assert.equal(
        (await check("kes.crypto.v1.CryptoService")).status,
        HealthCheckResponse_ServingStatus.SERVING,
      );
      await assert.rejects(check("no.such.Service"), { code: status.NOT_FOUND });
    } finally {
      client.close();
      await server.close();
    }
  });

  test("Watch streams SERVING, then NOT_SERVING when the server closes, and ends", async () => {
    const server = await serveCrypto(stubApi({ keyStoreStatus: reachable }));
    const client = new Client(server.address, credentials.createInsecure());
    const stream = client.makeServerStreamRequest(
      health.watch.path,
      health.watch.requestSerialize,
      health.watch.responseDeserialize,
      create(HealthCheckRequestSchema, { service: "" }),
    );
    stream.on("error", () => {}); // the close below may surface as an error
    const seen: HealthCheckResponse_ServingStatus[] = [];
    stream.on("data", (r: HealthCheckResponse) => seen.push(r.status));
    const ended = new Promise<void>((resolve) => stream.once("close", () => resolve()));
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    await server.close(1000);
    await ended;
    client.close();
    assert.deepEqual(seen, [
      HealthCheckResponse_ServingStatus.SERVING,
      HealthCheckResponse_ServingStatus.NOT_SERVING,
    ]);
  });
});

describe("gRPC over mutual TLS", { skip: !hasOpenssl() && "openssl is not installed" }, () => {
  let pki: ReturnType<typeof makeTestPki>;
  let server: CryptoServer;
  const service = createCryptoService({ keystore: new MapKeyStore() });

  before(async () => {
    pki = makeTestPki();
    server = await serveCrypto(service, {
      tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca },
    });
  });
  after(async () => {
    await server?.close();
    await service.close();
    pki?.cleanup();
  });

  test("a client with a certificate from the CA is served", async () => {
    const client = connectCrypto({
      address: server.address,
      tls: { cert: pki.client.cert, key: pki.client.key, ca: pki.ca },
    });
    try {
      await client.createKey("tls-key", IDENTITY);
      assert.equal((await client.describeKey("tls-key")).name, "tls-key");
    } finally {
      await client.close();
    }
  });

  test("a client with a certificate from another CA is refused", async () => {
    const client = connectCrypto({
      address: server.address,
      tls: pki.stranger,
      timeoutMs: 10_000,
    });
    try {
      await assert.rejects(client.describeKey("tls-key"), kesError("service_unavailable"));
    } finally {
      await client.close();
    }
  });

  test("a plaintext client is refused", async () => {
    const client = connectCrypto({ address: server.address, timeoutMs: 10_000 });
    try {
      await assert.rejects(client.describeKey("tls-key"), kesError("service_unavailable"));
    } finally {
      await client.close();
    }
  });

  test("an unreadable certificate path is a clear error", async () => {
    await assert.rejects(
      serveCrypto(service, {
        tls: { cert: "/nonexistent/cert.pem", key: pki.server.key, ca: pki.ca },
      }),
      /tls\.cert: cannot read '\/nonexistent\/cert\.pem' \(ENOENT\)/,
    );
  });
});

async function reachable() {
  return { reachable: true, latencyMs: 1, backend: "stub", endpoint: "" };
}

/** A CryptoApi whose unlisted methods fail: enough for server-side tests. */
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

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
