import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { createKesClient, KesApiError, type KesClient } from "@kes/client";
import { type KesConfig, parseConfig } from "@kes/config";
import { type KeyStore, silentLogger } from "@kes/core";
import { createSelfSignedCertificate, generateApiKey } from "@kes/identity";
import { createMemoryKeyStore, type KeyStoreServer, serveKeyStore } from "@kes/keystore-service";
import { CliError } from "../errors.js";
import { type RunningServer, startServer } from "./server-run.js";

const VERSION = { version: "9.9.9", commit: "test" };

describe("kes server wiring (keystore → crypto → gateway, one process)", () => {
  let dir: string;
  const admin = generateApiKey();
  const running: RunningServer[] = [];
  const clients: KesClient[] = [];

  async function config(
    extra = "",
    keystore = `fs:\n    path: ${join(dir, "keys")}`,
  ): Promise<KesConfig> {
    const text = `admin:
  identity: ${admin.identity}
tls:
  key: server.key
  cert: server.cert
${extra}
keystore:
  ${keystore}
`;
    return parseConfig(text, { file: join(dir, "server-config.yml"), env: {} });
  }

  async function start(cfg: KesConfig, address = "127.0.0.1:0"): Promise<RunningServer> {
    const server = await startServer({
      config: cfg,
      address,
      auth: "off",
      version: VERSION,
      logger: silentLogger(),
    });
    running.push(server);
    return server;
  }

  function adminClient(server: RunningServer): KesClient {
    const client = createKesClient({
      endpoint: `https://127.0.0.1:${server.gateway.port}`,
      apiKey: admin.apiKey,
      insecure: true,
    });
    clients.push(client);
    return client;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-server-run-"));
    const cert = await createSelfSignedCertificate({ ip: ["127.0.0.1"], usage: "server" });
    await writeFile(join(dir, "server.key"), cert.keyPem);
    await writeFile(join(dir, "server.cert"), cert.certPem);
  });

  after(async () => {
    for (const client of clients) await client.close();
    for (const server of running) await server.close(100);
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the KES API from the fs keystore, and /version reports our version", async () => {
    const server = await start(await config());
    const client = adminClient(server);
    assert.deepEqual(await client.version(), VERSION);
    await client.createKey("wired");
    const dek = await client.generate("wired");
    assert.deepEqual(await client.decrypt("wired", dek.ciphertext), dek.plaintext);
    assert.ok(existsSync(join(dir, "keys", "wired")));
    assert.deepEqual(server.keystore, { kind: "fs", endpoint: join(dir, "keys") });
  });

  it("creates the keys listed under keys: and leaves existing ones alone", async () => {
    const cfg = await config("keys:\n  - name: startup-key\n  - name: wired");
    const first = await start(cfg);
    const before = await adminClient(first).generate("startup-key");
    await first.close(100);
    const second = await start(cfg);
    const client = adminClient(second);
    assert.deepEqual(await client.decrypt("startup-key", before.ciphertext), before.plaintext);
    const info = await client.describeKey("startup-key");
    assert.equal(info.createdBy, admin.identity);
  });

  it("closes gracefully: the port is free and the keystore closed afterwards", async () => {
    const server = await start(await config());
    await server.close(1000);
    const client = adminClient(server);
    await assert.rejects(client.version({ timeoutMs: 2000 }));
    // Closing twice is harmless (SIGTERM after an error path, say).
    await server.close(100);
  });

  it("names an address already in use", async () => {
    const blocker = createServer().listen(0, "127.0.0.1");
    await once(blocker, "listening");
    const { port } = blocker.address() as { port: number };
    try {
      await assert.rejects(
        start(await config(), `127.0.0.1:${port}`),
        (err: unknown) =>
          err instanceof CliError &&
          err.message === `cannot listen on 127.0.0.1:${port}: the address is already in use`,
      );
    } finally {
      blocker.close();
    }
  });

  it("refuses a malformed --addr before opening anything", async () => {
    await assert.rejects(start(await config(), "localhost"), (err: unknown) => {
      return err instanceof CliError && /address 'localhost': expected host:port/.test(err.message);
    });
  });

  describe("SIGTERM with a create in flight on a slow keystore", () => {
    /** A keystore plug-in (gRPC, h2c) whose create waits for `release` (or its deadline). */
    async function slowKeystore() {
      const store = createMemoryKeyStore();
      let entered = () => {};
      const creating = new Promise<void>((resolve) => {
        entered = resolve;
      });
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const slow: KeyStore = {
        kind: store.kind,
        endpoint: store.endpoint,
        create: async (name, value, options) => {
          entered();
          await Promise.race([
            released,
            new Promise((_, reject) =>
              options?.signal?.addEventListener("abort", () => reject(options.signal?.reason)),
            ),
          ]);
          return store.create(name, value, options);
        },
        get: (name, options) => store.get(name, options),
        delete: (name, options) => store.delete(name, options),
        list: (request, options) => store.list(request, options),
        status: (options) => store.status(options),
        close: () => store.close(),
      };
      const plugin = await serveKeyStore(slow);
      return { plugin, creating, release };
    }

    const plugins: KeyStoreServer[] = [];
    after(async () => {
      for (const plugin of plugins) await plugin.close(100);
    });

    async function startOn(plugin: KeyStoreServer): Promise<KesClient> {
      const server = await start(
        await config("", `grpc:\n    endpoint: http://127.0.0.1:${plugin.port}`),
      );
      const client = createKesClient({
        endpoint: `https://127.0.0.1:${server.gateway.port}`,
        apiKey: admin.apiKey,
        insecure: true,
        retry: { retries: 0 }, // the answer as the server gave it
      });
      clients.push(client);
      return client;
    }

    it("the create still gets its 200: the keystore is closed only after it", async () => {
      const { plugin, creating, release } = await slowKeystore();
      plugins.push(plugin);
      const client = await startOn(plugin);
      const server = running.at(-1) as RunningServer;
      const created = client.createKey("in-flight");
      await creating;
      const closed = server.close(10_000);
      setTimeout(release, 200);
      await created;
      await closed;
    });

    it("past the grace period the create gets a clean 503, not a 500 or 502 from the teardown", async () => {
      const { plugin, creating } = await slowKeystore();
      plugins.push(plugin);
      const client = await startOn(plugin);
      const server = running.at(-1) as RunningServer;
      const created = client.createKey("in-flight");
      created.catch(() => {});
      await creating;
      await server.close(100);
      await assert.rejects(created, (err: unknown) => {
        assert.ok(err instanceof KesApiError, String(err));
        assert.equal(err.status, 503);
        assert.equal(err.message, "service unavailable: the server is shutting down");
        return true;
      });
    });
  });

  it("enforces the config's policies through the in-process crypto service", async () => {
    const app = generateApiKey();
    const cfg = await config(
      `policy:\n  app:\n    allow: ["/v1/key/generate/app-*"]\n    identities: ["${app.identity}"]`,
    );
    const server = await start(cfg);
    await adminClient(server).createKey("app-key");
    const client = createKesClient({
      endpoint: `https://127.0.0.1:${server.gateway.port}`,
      apiKey: app.apiKey,
      insecure: true,
    });
    clients.push(client);
    assert.equal((await client.generate("app-key")).plaintext.length, 32);
    await assert.rejects(client.createKey("app-other"), (err: unknown) => {
      return err instanceof KesApiError && err.status === 403;
    });
  });
});

describe("kes server --config: the TLS files it reads", () => {
  it("a missing tls.cert is file:line: key before anything starts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kes-server-files-"));
    try {
      await writeFile(join(dir, "server.key"), "-----BEGIN PRIVATE KEY-----\n");
      const file = join(dir, "kes.yml");
      await writeFile(
        file,
        "admin:\n  identity: disabled\ntls:\n  key: server.key\n  cert: server.cert\n" +
          "keystore:\n  fs:\n    path: keys\n",
      );
      const bin = join(import.meta.dirname, "../../bin/kes.js");
      const result = await promisify(execFile)(
        process.execPath,
        [bin, "server", "--config", file],
        { timeout: 30_000 },
      ).then(
        () => ({ code: 0, stderr: "" }),
        (e: { code?: number; stderr?: string }) => ({ code: e.code, stderr: e.stderr }),
      );
      assert.deepEqual(result, {
        code: 1,
        stderr: `Error: ${file}:5: tls.cert: cannot read the file ${join(dir, "server.cert")}: no such file or directory\n`,
      });
      assert.equal(existsSync(join(dir, "keys")), false, "the keystore was not opened");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
