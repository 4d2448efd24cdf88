// CryptoService.Session: the hot path over one stream per channel, as the gateway uses it.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import {
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { type CryptoApi, type DataKey, errors } from "@kes/core";
import {
  CryptoService,
  DecryptResponseSchema,
  GenerateResponseSchema,
  type SessionRequest,
  type SessionResponse,
  SessionResponseSchema,
  SessionResultSchema,
} from "@kes/proto";
import { createCryptoService } from "../crypto-service.js";
import { kesError } from "../testing/fixtures.js";
import { MapKeyStore } from "../testing/map-keystore.js";
import { connectCrypto } from "./client.js";
import { hasOpenssl, makeRolePki, type RolePki } from "./role-pki.js";
import { type CryptoServer, serveCrypto } from "./server.js";
import { grpcServiceDefinition } from "./service-definition.js";

const DEFINITION = grpcServiceDefinition(CryptoService);
const context = Buffer.from("ctx");

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

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A grpc-js server with only the handlers given (e.g. a Session that records, or none). */
async function rawServer(handlers: UntypedServiceImplementation) {
  const server = new Server();
  server.addService(DEFINITION, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { address: `127.0.0.1:${port}`, close: () => server.forceShutdown() };
}

describe("Session: the hot path over one stream", () => {
  const keystore = new MapKeyStore();
  const service = createCryptoService({ keystore });
  let server: CryptoServer;
  let client: CryptoApi;

  before(async () => {
    server = await serveCrypto(service, { port: 0 });
    client = connectCrypto({ address: server.address, timeoutMs: 5000 });
    await client.createKey("k", "me");
  });
  after(async () => {
    await client.close();
    await server.close();
    await service.close();
  });

  test("many calls at once: every result reaches its own caller", async () => {
    const keys = await Promise.all(
      Array.from({ length: 200 }, () => client.generate("k", context)),
    );
    const plaintexts = await Promise.all(
      keys.map((key) => client.decrypt("k", key.ciphertext, context)),
    );
    for (const [i, key] of keys.entries()) {
      assert.deepEqual(Buffer.from(plaintexts[i] as Uint8Array), Buffer.from(key.plaintext));
    }
    assert.equal(new Set(keys.map((k) => Buffer.from(k.plaintext).toString("hex"))).size, 200);
    const sealed = await client.encrypt("k", Buffer.from("hello"), context);
    assert.equal(Buffer.from(await client.decrypt("k", sealed, context)).toString(), "hello");
  });

  test("each call fails on its own, with the unary call's kind and text", async () => {
    const key = await client.generate("k", context);
    await Promise.all([
      assert.rejects(
        client.decrypt("k", key.ciphertext, Buffer.from("other")),
        kesError("decryption_failed", "decryption failed: ciphertext is not authentic"),
      ),
      assert.rejects(
        client.generate("missing", context),
        kesError("key_not_found", "key does not exist"),
      ),
      assert.rejects(client.generate("bad name!", context), kesError("invalid_argument")),
      client.decrypt("k", key.ciphertext, context),
    ]);
  });
});

describe("Session deadlines, cancellation, failures", () => {
  test("a call past its deadline fails with timeout, an aborted one too; late answers are dropped", async () => {
    const answers: ((key: DataKey) => void)[] = [];
    const api = stubApi({
      generate: () => new Promise<DataKey>((resolve) => answers.push(resolve)),
    });
    const server = await serveCrypto(api);
    const client = connectCrypto({ address: server.address });
    try {
      await assert.rejects(client.generate("k", context, { timeoutMs: 100 }), kesError("timeout"));
      const controller = new AbortController();
      const pending = client.generate("k", context, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(pending, kesError("timeout"));
      // The service answers late: nobody is waiting, nothing breaks.
      for (const answer of answers)
        answer({ plaintext: randomBytes(32), ciphertext: randomBytes(8) });
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await client.close();
      await server.close(100);
    }
  });

  test("the service is told the time left as its timeout", async () => {
    let seen: number | undefined;
    const api = stubApi({
      generate: async (_name, _context, options) => {
        seen = options?.timeoutMs;
        return { plaintext: randomBytes(32), ciphertext: randomBytes(8) };
      },
    });
    const server = await serveCrypto(api);
    const client = connectCrypto({ address: server.address, timeoutMs: 60_000 });
    try {
      await client.generate("k", context, { timeoutMs: 3000 });
      assert.ok(seen !== undefined && seen > 0 && seen <= 3000, `timeoutMs ${seen}`);
      await client.generate("k", context);
      assert.ok(seen !== undefined && seen > 3000 && seen <= 60_000, `timeoutMs ${seen}`);
    } finally {
      await client.close();
      await server.close();
    }
  });

  test("closing the service: calls in flight are answered, later ones are refused", async () => {
    const entered = deferred();
    const release = deferred();
    const api = stubApi({
      generate: async () => {
        entered.resolve();
        await release.promise;
        return { plaintext: randomBytes(32), ciphertext: randomBytes(8) };
      },
    });
    const server = await serveCrypto(api);
    const client = connectCrypto({ address: server.address, timeoutMs: 5000 });
    try {
      const inFlight = client.generate("k", context);
      await entered.promise;
      const closing = server.close(10_000);
      release.resolve();
      assert.equal((await inFlight).plaintext.length, 32);
      await closing;
      assert.equal(server.calls, 1);
      await assert.rejects(client.generate("k", context), kesError("service_unavailable"));
    } finally {
      await client.close();
    }
  });

  test("a service that dies mid-call: the call fails (503) as a unary one would, the next stream works", async () => {
    const entered = deferred();
    const hang = stubApi({
      generate: () => {
        entered.resolve();
        return new Promise<DataKey>(() => {});
      },
    });
    const dying = await serveCrypto(hang);
    const client = connectCrypto({ address: dying.address, timeoutMs: 5000 });
    try {
      const pending = client.generate("k", context);
      await entered.promise;
      await dying.close(0); // cut at once
      // The cut stream reads as a unary call's would: CANCELLED or UNAVAILABLE, a 503 either way.
      await assert.rejects(pending, (err: unknown) =>
        ["service_unavailable", "timeout"].includes((err as { kind?: string }).kind ?? ""),
      );
      const revived = await serveCrypto(
        stubApi({
          generate: async () => ({ plaintext: randomBytes(32), ciphertext: randomBytes(8) }),
        }),
        { port: dying.port },
      );
      try {
        const deadline = Date.now() + 10_000;
        let key: DataKey | undefined;
        while (key === undefined && Date.now() < deadline) {
          key = await client.generate("k", context).catch(() => undefined);
          if (key === undefined) await new Promise((r) => setTimeout(r, 50));
        }
        assert.equal(key?.plaintext.length, 32);
      } finally {
        await revived.close();
      }
    } finally {
      await client.close();
    }
  });

  test("calls made in the same turn leave as one message", async () => {
    const sizes: number[] = [];
    const raw = await rawServer({
      session: (call: ServerDuplexStream<SessionRequest, SessionResponse>) => {
        call.on("data", (request: SessionRequest) => {
          sizes.push(request.calls.length);
          const results = request.calls.map((c) =>
            create(SessionResultSchema, {
              id: c.id,
              result: {
                case: "generate",
                value: create(GenerateResponseSchema, {
                  plaintext: randomBytes(32),
                  ciphertext: Buffer.from(String(c.id)),
                }),
              },
            }),
          );
          call.write(create(SessionResponseSchema, { results }));
        });
        call.on("end", () => call.end());
      },
    });
    const client = connectCrypto({ address: raw.address, timeoutMs: 5000 });
    try {
      await Promise.all(Array.from({ length: 50 }, () => client.generate("k", context)));
      assert.deepEqual(sizes, [50]);
    } finally {
      await client.close();
      raw.close();
    }
  });

  test("a service without Session is asked with unary calls, the refused calls re-sent", async () => {
    let unary = 0;
    const raw = await rawServer({
      decrypt: (
        _call: unknown,
        callback: (err: null, res: ReturnType<typeof create<typeof DecryptResponseSchema>>) => void,
      ) => {
        unary++;
        callback(null, create(DecryptResponseSchema, { plaintext: Buffer.from("ok") }));
      },
    });
    const client = connectCrypto({ address: raw.address, timeoutMs: 5000 });
    try {
      const first = await Promise.all([
        client.decrypt("k", randomBytes(8), context),
        client.decrypt("k", randomBytes(8), context),
      ]);
      const later = await client.decrypt("k", randomBytes(8), context);
      assert.deepEqual(
        [...first, later].map((p) => Buffer.from(p).toString()),
        ["ok", "ok", "ok"],
      );
      assert.equal(unary, 3, "each call ran once");
    } finally {
      await client.close();
      raw.close();
    }
  });
});

describe("Session and peer roles", { skip: !hasOpenssl() && "no openssl" }, () => {
  let pki: RolePki;
  let server: CryptoServer;
  const api = stubApi({
    generate: async () => ({ plaintext: randomBytes(32), ciphertext: randomBytes(8) }),
  });
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
  const client = (pair: { cert: string; key: string }) =>
    connectCrypto({
      address: `localhost:${server.port}`,
      tls: { ...pair, ca: pki.ca },
      serverRole: "crypto",
      timeoutMs: 5000,
    });

  test("a gateway is served", async () => {
    const gateway = client(pki.gateway);
    try {
      const keys = await Promise.all([
        gateway.generate("k", context),
        gateway.generate("k", context),
      ]);
      assert.equal(keys.length, 2);
    } finally {
      await gateway.close();
    }
  });

  test("another role is refused when the stream opens, which a gateway reports as 503", async () => {
    const crypto = client(pki.crypto);
    try {
      await assert.rejects(
        crypto.generate("k", context),
        kesError("service_unavailable", "service unavailable: crypto service refused this gateway"),
      );
    } finally {
      await crypto.close();
    }
  });
});
