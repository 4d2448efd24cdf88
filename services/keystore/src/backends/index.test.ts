import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { KeystoreConfig } from "@kes/config";
import { serveKeyStore } from "../grpc/server.js";
import { openKeyStore } from "./index.js";
import { createMemoryKeyStore } from "./memory.js";

describe("openKeyStore", () => {
  it("opens the memory backend", async () => {
    const store = await openKeyStore({ kind: "memory" });
    assert.equal(store.kind, "memory");
    await store.close();
  });

  it("opens the fs backend on the configured path", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kes-open-fs-"));
    try {
      const store = await openKeyStore({ kind: "fs", path: join(dir, "keys") });
      assert.equal(store.kind, "fs");
      assert.equal(store.endpoint, join(dir, "keys"));
      await store.create("k", Uint8Array.of(1));
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("opens a client for the grpc backend", async () => {
    const backend = createMemoryKeyStore();
    const server = await serveKeyStore(backend);
    try {
      const store = await openKeyStore(
        { kind: "grpc", endpoint: server.address },
        { grpc: { timeoutMs: 5000 } },
      );
      assert.equal(store.kind, "grpc");
      await store.create("via-config", Uint8Array.of(9));
      assert.deepEqual(await backend.get("via-config"), Uint8Array.of(9));
      await store.close();
    } finally {
      await server.close();
    }
  });

  it("says clearly that the CipherTrust backend is not built yet", async () => {
    const config: KeystoreConfig = {
      kind: "gemalto.keysecure",
      endpoint: "https://127.0.0.1",
      token: "refresh-token-value",
      domain: "",
      retryMs: 5000,
    };
    await assert.rejects(openKeyStore(config), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /"gemalto\.keysecure".*not built yet/);
      assert.ok(!err.message.includes("refresh-token-value"));
      return true;
    });
  });

  it("refuses an unknown backend kind", async () => {
    await assert.rejects(
      openKeyStore({ kind: "vault" } as unknown as KeystoreConfig),
      /unknown keystore backend "vault"/,
    );
  });
});
