/**
 * `kes server` with its keys in the example plug-in (examples/grpc-keystore), every part a
 * process of its own and driven with the `kes` CLI, as a user would: the config names the
 * plug-in with `keystore: grpc: endpoint: ...`.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  type CertificateMaterial,
  createCertificateAuthority,
  createSelfSignedCertificate,
  issueCertificate,
} from "@kes/identity";
import { type KesProcess, killAll, type RunResult, runKes, spawnKes } from "../support/kes-bin.js";
import { waitUntilAnswers } from "../support/wait.js";
import { type ExampleKeystore, startExampleKeystore, stopAllExamples } from "./example-keystore.js";

function serverConfig(adminIdentity: string, endpoint: string, extra = ""): string {
  return `address: 127.0.0.1:0
admin:
  identity: ${adminIdentity}
tls:
  key: server.key
  cert: server.cert
keystore:
  grpc:
    endpoint: ${endpoint}
    timeout: 5s
${extra}`;
}

function ok(result: RunResult, what: string): RunResult {
  assert.equal(
    result.code,
    0,
    `${what} failed (${result.code}):\n${result.stdout}${result.stderr}`,
  );
  return result;
}

describe("kes server with the example plug-in as its keystore", () => {
  let dir: string;
  let admin: CertificateMaterial;
  let plugin: ExampleKeystore;
  let server: KesProcess;
  let endpoint: string;

  const cli = (args: string[]) =>
    runKes(args, {
      cwd: dir,
      env: { KES_SERVER: endpoint, KES_CLIENT_CERT: "admin.cert", KES_CLIENT_KEY: "admin.key" },
    });

  /** `kes server --config` on a free port, once it answers. */
  async function startKes(config: string): Promise<KesProcess> {
    await writeFile(join(dir, "config.yml"), config);
    const kes = spawnKes(["server", "--config=config.yml", "--auth=off", "--addr=127.0.0.1:0"], {
      cwd: dir,
    });
    const [, port] = await kes.waitForOutput(/Endpoints\s+https:\/\/127\.0\.0\.1:(\d+)/);
    endpoint = `https://127.0.0.1:${port}`;
    await waitUntilAnswers(endpoint, admin);
    return kes;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-plugin-server-"));
    const cert = await createSelfSignedCertificate({
      subject: "localhost",
      ip: ["127.0.0.1"],
      usage: "server",
      keyType: "ecdsa-p256",
    });
    admin = await createSelfSignedCertificate({ subject: "admin", usage: "client" });
    await writeFile(join(dir, "server.cert"), cert.certPem);
    await writeFile(join(dir, "server.key"), cert.keyPem, { mode: 0o600 });
    await writeFile(join(dir, "admin.cert"), admin.certPem);
    await writeFile(join(dir, "admin.key"), admin.keyPem, { mode: 0o600 });
    plugin = await startExampleKeystore(["--file", join(dir, "plugin-keys.json")]);
  });

  after(async () => {
    await killAll();
    await stopAllExamples();
    await rm(dir, { recursive: true, force: true });
  });

  it("creates a key in the plug-in, generates a data key and decrypts it", async () => {
    server = await startKes(serverConfig(admin.identity, plugin.endpoint));
    assert.match(server.stdout, new RegExp(`^Keystore\\s+grpc: ${plugin.endpoint}$`, "m"));

    ok(await cli(["key", "create", "-k", "my-key"]), "kes key create");
    const stored = JSON.parse(await readFile(join(dir, "plugin-keys.json"), "utf8")) as {
      values: Record<string, string>;
    };
    assert.deepEqual(Object.keys(stored.values), ["my-key"], "the plug-in's file holds the key");

    const again = await cli(["key", "create", "-k", "my-key"]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, "Error: key already exists\n");

    const dek = ok(await cli(["key", "dek", "-k", "my-key"]), "kes key dek");
    const { plaintext, ciphertext } = JSON.parse(dek.stdout) as Record<string, string>;
    assert.ok(plaintext && ciphertext, dek.stdout);
    const dec = ok(await cli(["key", "decrypt", "-k", "my-key", ciphertext]), "kes key decrypt");
    assert.deepEqual(JSON.parse(dec.stdout), { plaintext });

    const missing = await cli(["key", "dek", "-k", "no-such-key"]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, "Error: key does not exist\n");
  });

  it("keeps the key across a restart of the plug-in on another port", async () => {
    assert.deepEqual(await plugin.stop("SIGTERM"), { code: 0, signal: null });
    assert.deepEqual(await server.stop("SIGTERM"), { code: 0, signal: null });
    plugin = await startExampleKeystore(["--file", join(dir, "plugin-keys.json")]);
    server = await startKes(serverConfig(admin.identity, plugin.endpoint));
    const dek = ok(await cli(["key", "dek", "-k", "my-key"]), "kes key dek after restarts");
    const { ciphertext, plaintext } = JSON.parse(dek.stdout) as Record<string, string>;
    const dec = ok(await cli(["key", "decrypt", "-k", "my-key", ciphertext ?? ""]), "decrypt");
    assert.deepEqual(JSON.parse(dec.stdout), { plaintext });
  });

  it("answers with a bad gateway, never 'key does not exist', while the plug-in is down, and recovers", async () => {
    const port = plugin.port;
    assert.deepEqual(await plugin.stop("SIGTERM"), { code: 0, signal: null });
    for (const args of [
      ["key", "create", "-k", "while-down"],
      ["key", "dek", "-k", "never-created"],
      ["key", "ls", "-k"],
    ]) {
      const result = await cli(args);
      assert.equal(result.code, 1, `kes ${args.join(" ")}: ${result.stdout}`);
      assert.match(result.stderr, /bad gateway/, `kes ${args.join(" ")}`);
      assert.doesNotMatch(result.stderr, /does not exist|already exists/);
    }
    // A key KES used a moment ago is still in its cache.
    ok(await cli(["key", "dek", "-k", "my-key"]), "kes key dek of a cached key");

    // KES also starts while its plug-in is down: it does not dial before the first request.
    assert.deepEqual(await server.stop("SIGTERM"), { code: 0, signal: null });
    server = await startKes(serverConfig(admin.identity, `http://127.0.0.1:${port}`));
    const down = await cli(["key", "dek", "-k", "my-key"]);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /bad gateway/);

    // The plug-in comes back on the same address: KES uses it again without a restart.
    plugin = await startExampleKeystore([
      "--file",
      join(dir, "plugin-keys.json"),
      "--port",
      `${port}`,
    ]);
    ok(await cli(["key", "create", "-k", "after-outage"]), "kes key create after the outage");
    ok(await cli(["key", "dek", "-k", "after-outage"]), "kes key dek after the outage");
  });

  it("accepts a bare host:port endpoint, as connectKeyStore does", async () => {
    await server.stop("SIGTERM");
    await plugin.stop("SIGTERM");
    plugin = await startExampleKeystore(["--file", join(dir, "plugin-keys.json")]);
    server = await startKes(serverConfig(admin.identity, `127.0.0.1:${plugin.port}`));
    ok(await cli(["key", "dek", "-k", "my-key"]), "kes key dek through host:port");
  });

  it("reaches a plug-in that requires mutual TLS with keystore.grpc.tls", async () => {
    await server.stop("SIGTERM");
    await plugin.stop("SIGTERM");
    const ca = await createCertificateAuthority({ subject: "internal CA" });
    const pluginCert = await issueCertificate(ca, {
      subject: "plug-in",
      ip: ["127.0.0.1"],
      usage: "server",
    });
    const kesCert = await issueCertificate(ca, { subject: "kes", usage: "client" });
    const files: Record<string, string> = {
      "ca.pem": ca.certPem,
      "plugin.cert": pluginCert.certPem,
      "plugin.key": pluginCert.keyPem,
      "kes-client.cert": kesCert.certPem,
      "kes-client.key": kesCert.keyPem,
    };
    for (const [name, pem] of Object.entries(files)) {
      await writeFile(join(dir, name), pem, { mode: 0o600 });
    }
    plugin = await startExampleKeystore([
      "--file",
      join(dir, "plugin-keys.json"),
      ...["--cert", join(dir, "plugin.cert"), "--key", join(dir, "plugin.key")],
      ...["--ca", join(dir, "ca.pem")],
    ]);
    const tls =
      "    tls:\n      ca: ca.pem\n      cert: kes-client.cert\n      key: kes-client.key\n";
    server = await startKes(serverConfig(admin.identity, plugin.endpoint, tls));
    ok(await cli(["key", "dek", "-k", "my-key"]), "kes key dek over mTLS");
  });
});
