import assert from "node:assert/strict";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createKesClient, KesApiError, type KesClient } from "@kes/client";
import { type KesConfig, parseConfig } from "@kes/config";
import { silentLogger } from "@kes/core";
import { createSelfSignedCertificate, generateApiKey } from "@kes/identity";
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
