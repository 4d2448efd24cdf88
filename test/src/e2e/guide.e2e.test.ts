/**
 * The user guide (../shared/seed/gemalto-keysecure-guide.md, "KES Server Setup"), step by step,
 * with our `kes` as separate processes. The only change: the keystore is a local `fs` directory
 * instead of a CipherTrust Manager.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type KesProcess, killAll, type RunResult, runKes, spawnKes } from "../support/kes-bin.js";
import { waitUntilAnswers } from "../support/wait.js";

const DENIED = "Error: not authorized: insufficient permissions\n";

/** The guide's server-config.yml, keystore swapped for `fs`. */
function serverConfig(keysDir: string): string {
  return `address: 0.0.0.0:7373
root:    disabled  # We disable the root identity since we don't need it in this guide

tls:
  key:  server.key
  cert: server.cert

policy:
  my-app:
    allow:
    - /v1/key/create/my-app*
    - /v1/key/generate/my-app*
    - /v1/key/decrypt/my-app*
    identities:
    - \${APP_IDENTITY}

keystore:
  fs:
    path: ${keysDir}
`;
}

function ok(result: RunResult, what: string): RunResult {
  assert.equal(
    result.code,
    0,
    `${what} failed (${result.code}):\n${result.stdout}\n${result.stderr}`,
  );
  return result;
}

describe("the KES user guide, with kes as separate processes", () => {
  let dir: string;
  let appIdentity: string;
  let server: KesProcess | undefined;
  let endpoint: string;
  let derived: { plaintext: string; ciphertext: string };

  const cli = (args: string[]) =>
    runKes(args, {
      cwd: dir,
      env: { KES_SERVER: endpoint, KES_CLIENT_CERT: "app.cert", KES_CLIENT_KEY: "app.key" },
    });

  /** Guide step 4, on a free port: `kes server --config=server-config.yml --auth=off`. */
  async function startServer(): Promise<void> {
    server = spawnKes(
      ["server", "--config=server-config.yml", "--auth=off", "--addr=127.0.0.1:0"],
      { cwd: dir, env: { APP_IDENTITY: appIdentity } },
    );
    const [, port] = await server.waitForOutput(/Endpoints\s+https:\/\/127\.0\.0\.1:(\d+)/);
    endpoint = `https://127.0.0.1:${port}`;
    await waitUntilAnswers(endpoint, {
      certPem: await readFile(join(dir, "app.cert"), "utf8"),
      keyPem: await readFile(join(dir, "app.key"), "utf8"),
    });
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-guide-"));
  });

  after(async () => {
    await killAll();
    await rm(dir, { recursive: true, force: true });
  });

  it("step 1: generates the server's private key and certificate", async () => {
    ok(
      await runKes(
        [
          "tool",
          "identity",
          "new",
          "--server",
          "--key",
          "server.key",
          "--cert",
          "server.cert",
          "--ip",
          "127.0.0.1",
          "--dns",
          "localhost",
        ],
        { cwd: dir },
      ),
      "kes tool identity new --server",
    );
    assert.ok(existsSync(join(dir, "server.key")) && existsSync(join(dir, "server.cert")));
  });

  it("step 2: generates the app's key and certificate and computes its identity", async () => {
    ok(
      await runKes(["tool", "identity", "new", "--key=app.key", "--cert=app.cert", "app"], {
        cwd: dir,
      }),
      "kes tool identity new app",
    );
    const of = ok(
      await runKes(["tool", "identity", "of", "app.cert"], { cwd: dir }),
      "identity of",
    );
    appIdentity = of.stdout.trim();
    assert.match(appIdentity, /^[0-9a-f]{64}$/);
  });

  it("steps 3-4: starts the server with the guide's config and --auth=off", async () => {
    await writeFile(join(dir, "server-config.yml"), serverConfig(join(dir, "keys")));
    await startServer();
    assert.match(server?.stdout ?? "", /Admin\s+_\s+\[ disabled \]/);
    assert.match(server?.stdout ?? "", /Mutual TLS\s+off/);
  });

  it("step 5: creates my-app-key as the app", async () => {
    ok(await cli(["key", "create", "-k", "my-app-key"]), "kes key create");
    assert.ok(existsSync(join(dir, "keys", "my-app-key")), "the fs keystore holds the key");
    const again = await cli(["key", "create", "-k", "my-app-key"]);
    assert.notEqual(again.code, 0);
    assert.equal(again.stderr, "Error: key already exists\n");
  });

  it("step 6: derives a data key and decrypts its ciphertext to the same plaintext", async () => {
    const dek = ok(await cli(["key", "derive", "-k", "my-app-key"]), "kes key derive");
    derived = JSON.parse(dek.stdout) as { plaintext: string; ciphertext: string };
    assert.equal(Buffer.from(derived.plaintext, "base64").length, 32);
    assert.ok(derived.ciphertext.length > 0);
    assert.ok(!dek.stdout.endsWith("\n"), "piped output has no trailing newline (as KES 2023)");

    const dec = ok(
      await cli(["key", "decrypt", "-k", "my-app-key", derived.ciphertext]),
      "decrypt",
    );
    assert.deepEqual(JSON.parse(dec.stdout), { plaintext: derived.plaintext });
  });

  it("the policy refuses everything outside my-app* create/generate/decrypt with 403", async () => {
    for (const args of [
      ["key", "create", "-k", "other-key"],
      ["key", "info", "-k", "my-app-key"],
      ["key", "ls", "-k"],
      ["key", "rm", "-k", "my-app-key"],
      ["key", "encrypt", "-k", "my-app-key", "hello"],
      ["key", "derive", "-k", "other-key"],
    ]) {
      const result = await cli(args);
      assert.notEqual(result.code, 0, `kes ${args.join(" ")} must fail`);
      assert.equal(result.stderr, DENIED, `kes ${args.join(" ")}`);
    }
    assert.ok(existsSync(join(dir, "keys", "my-app-key")), "rm was refused");
  });

  it("keeps the key across a restart (SIGTERM, start again, decrypt again)", async () => {
    const stopped = await server?.stop("SIGTERM");
    assert.deepEqual(stopped, { code: 0, signal: null });
    await startServer();
    const dec = ok(
      await cli(["key", "decrypt", "-k", "my-app-key", derived.ciphertext]),
      "decrypt",
    );
    assert.deepEqual(JSON.parse(dec.stdout), { plaintext: derived.plaintext });
  });
});
