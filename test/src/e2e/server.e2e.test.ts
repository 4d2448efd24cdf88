/** `kes server` as a user runs it: --dev, config errors, flags, signals. */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { killAll, runKes, spawnKes } from "../support/kes-bin.js";
import { waitUntilAnswers } from "../support/wait.js";

describe("kes server", () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-server-e2e-"));
  });

  after(async () => {
    await killAll();
    await rm(dir, { recursive: true, force: true });
  });

  it("--dev: prints an admin API key that `kes key` can use as is, and stops on SIGTERM", async () => {
    const server = spawnKes(["server", "--dev", "--addr", "127.0.0.1:0"]);
    const [, exportLine = "", endpoint = "", apiKey = ""] = await server.waitForOutput(
      /^ {2}(export KES_SERVER=(https:\/\/127\.0\.0\.1:\d+) KES_API_KEY=(kes:v1:\S+))$/m,
    );
    assert.ok(exportLine.length > 0);
    const [, identity] = server.stdout.match(/^Identity\s+([0-9a-f]{64})$/m) ?? [];
    assert.match(server.stdout, new RegExp(`^Admin\\s+${identity}$`, "m"));
    assert.match(server.stdout, /^Keystore\s+memory$/m);
    assert.match(server.stdout, /^Mutual TLS\s+off/m);
    await waitUntilAnswers(endpoint, { apiKey });

    const env = { KES_SERVER: endpoint, KES_API_KEY: apiKey };
    const created = await runKes(["key", "create", "-k", "my-key"], { env });
    assert.equal(created.code, 0, created.stderr);
    const dek = await runKes(["key", "dek", "-k", "my-key"], { env });
    assert.equal(dek.code, 0, dek.stderr);
    const { plaintext, ciphertext } = JSON.parse(dek.stdout) as Record<string, string>;
    const dec = await runKes(["key", "decrypt", "-k", "my-key", ciphertext ?? ""], { env });
    assert.equal(dec.stdout, JSON.stringify({ plaintext }));

    const noK = await runKes(["key", "ls"], { env });
    assert.equal(noK.code, 1);
    assert.match(noK.stderr, /^Error: cannot connect to .*add -k \(--insecure\)\n$/);

    assert.deepEqual(await server.stop("SIGTERM"), { code: 0, signal: null });
    assert.match(server.stderr, /"msg":"stopped"/);
  });

  it("also stops on SIGINT", async () => {
    const server = spawnKes(["server", "--dev", "--addr=127.0.0.1:0"]);
    await server.waitForOutput(/^Endpoints/m);
    assert.deepEqual(await server.stop("SIGINT"), { code: 0, signal: null });
  });

  it("reports a config error as file:line: path: message and exits 1 before listening", async () => {
    const file = join(dir, "bad-config.yml");
    await writeFile(
      file,
      "admin:\n  identity: disabled\ntls:\n  key: k\n  cert: c\ncache:\n  expiry:\n    any: five minutes\n",
    );
    const result = await runKes(["server", "--config", file, "--addr", "127.0.0.1:0"]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "", "no banner: nothing listened");
    assert.match(result.stderr, /^Error: \S*bad-config\.yml:8: cache\.expiry\.any: .+\n$/);
  });

  it("names a missing config file", async () => {
    const result = await runKes(["server", "--config=missing.yml"], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^Error: missing\.yml: cannot read the config file: it does not exist\n$/,
    );
  });

  it("refuses --dev with --config, no config at all, and a bad --auth", async () => {
    const both = await runKes(["server", "--dev", "--config", "x.yml"], { cwd: dir });
    assert.equal(both.code, 1);
    assert.equal(
      both.stderr,
      "Error: --dev and --config cannot be used together: --dev needs no config file\n",
    );

    const none = await runKes(["server"], { cwd: dir });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^Error: no config file: use --config <file>, or --dev/);

    const devAuth = await runKes(["server", "--dev", "--auth=on"], { cwd: dir });
    assert.equal(devAuth.code, 1);
    assert.match(devAuth.stderr, /^Error: --dev runs with --auth off/);

    const auth = await runKes(["server", "--dev", "--auth", "maybe"], { cwd: dir });
    assert.notEqual(auth.code, 0);
    assert.match(auth.stderr, /--auth <on\|off>.*'maybe' is invalid/);
  });
});
