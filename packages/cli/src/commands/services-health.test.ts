import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import type { CryptoApi } from "@kes/core";
import { type CryptoServer, serveCrypto } from "@kes/crypto-service";
import { fakeIo } from "../testing/fake-io.js";
import { runHealth } from "./services-health.js";
import { internalCertFiles, internalCerts } from "./tool-certs.js";

const BIN = resolve(import.meta.dirname, "../../bin/kes.js");

describe("kes health", () => {
  let dir: string;
  let server: CryptoServer;
  let reachable = true;
  let config: string;
  let closedPort: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-cli-health-"));
    const api = {
      keyStoreStatus: async () => ({ reachable, latencyMs: 1, backend: "stub", endpoint: "" }),
    } as unknown as CryptoApi;
    server = await serveCrypto(api);
    const gone = await serveCrypto(api);
    closedPort = gone.port;
    await gone.close();
    config = join(dir, "config.yml");
    await writeFile(
      config,
      "admin:\n  identity: disabled\ntls:\n  key: k\n  cert: c\n" +
        `services:\n  crypto:\n    listen: 0.0.0.0:${server.port}\n` +
        `  keystore:\n    listen: 127.0.0.1:${closedPort}\n`,
    );
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("prints SERVING for a serving service at its listen address, over loopback", async () => {
    reachable = true;
    const io = fakeIo({});
    await runHealth("crypto", { config, insecureInternal: true }, io);
    assert.equal(io.out(), "SERVING\n");
  });

  it("fails with the status otherwise, and names an address that does not answer", async () => {
    reachable = false;
    await assert.rejects(runHealth("crypto", { config, insecureInternal: true }, fakeIo({})), {
      name: "CliError",
      message: `crypto at 127.0.0.1:${server.port}: NOT_SERVING`,
    });
    await assert.rejects(
      runHealth("keystore", { config, insecureInternal: true }, fakeIo({})),
      (err: unknown) => {
        assert.ok(err instanceof Error && err.name === "CliError");
        assert.match(err.message, /^service unavailable: no health answer from 127\.0\.0\.1:\d+: /);
        return true;
      },
    );
  });

  it("exits once it has its answer, even from a peer that accepts TCP but never finishes TLS", async () => {
    // A stopped (SIGSTOP) service looks like this: the kernel accepts, nobody answers.
    const silent = createServer(() => {});
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    const port = (silent.address() as AddressInfo).port;
    const out = join(dir, "internal");
    await internalCerts({ out, dns: [], ip: [], expiry: "24h", force: false }, fakeIo({}));
    const files = internalCertFiles(out);
    const tlsConfig = join(dir, "tls.yml");
    await writeFile(
      tlsConfig,
      "admin:\n  identity: disabled\ntls:\n  key: k\n  cert: c\n" +
        `services:\n  tls:\n    ca: ${files.ca.certFile}\n    cert: ${files.keystore.certFile}\n` +
        `    key: ${files.keystore.keyFile}\n`,
    );
    try {
      const child = spawn(
        process.execPath,
        [BIN, "health", "keystore", "--config", tlsConfig, "--address", `127.0.0.1:${port}`],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
      });
      // The check's own deadline is 5 s; without the exit the process would stay.
      const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      const [code, signal] = (await once(child, "close")) as [number | null, string | null];
      clearTimeout(killer);
      assert.equal(signal, null, "it was killed: it did not exit on its own");
      assert.equal(code, 1);
      assert.match(stderr, /no health answer from 127\.0\.0\.1:\d+/);
    } finally {
      silent.close();
    }
  });

  it("needs services.tls like the services themselves", async () => {
    await assert.rejects(runHealth("crypto", { config }, fakeIo({})), {
      message: new RegExp(`^${config}: services\\.tls: missing: kes health needs`),
    });
  });
});
