import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
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

  it("opens the CipherTrust backend: obtains a token from the configured endpoint", async () => {
    const requests: string[] = [];
    // The least of a CipherTrust Manager: the token call. The backend's own tests use the simulator.
    const cm = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        requests.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jwt: "j.w.t", token_type: "Bearer", duration: 300 }));
      });
    });
    await new Promise<void>((resolve) => cm.listen(0, "127.0.0.1", resolve));
    const { port } = cm.address() as AddressInfo;
    try {
      const config: KeystoreConfig = {
        kind: "gemalto.keysecure",
        endpoint: `http://127.0.0.1:${port}/`,
        token: "refresh-token-value",
        domain: "",
        retryMs: 5000,
      };
      const store = await openKeyStore(config);
      assert.equal(store.kind, "gemalto.keysecure");
      assert.equal(store.endpoint, `http://127.0.0.1:${port}`);
      await store.close();
      assert.deepEqual(requests, [
        'POST /api/v1/auth/tokens {"grant_type":"refresh_token","refresh_token":"refresh-token-value","domain":""}',
      ]);
    } finally {
      cm.closeAllConnections();
      await new Promise((resolve) => cm.close(resolve));
    }
  });

  it("names the config key when the CipherTrust endpoint is empty, as in the guide's template", async () => {
    const config: KeystoreConfig = {
      kind: "gemalto.keysecure",
      endpoint: "",
      token: "refresh-token-value",
      domain: "",
      retryMs: 5000,
    };
    await assert.rejects(openKeyStore(config), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /keystore\.gemalto\.keysecure\.endpoint is empty/);
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
