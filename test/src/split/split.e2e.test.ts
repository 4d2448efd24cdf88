/**
 * The user guide's flow through the split deployment: `kes keystore`, `kes crypto` and
 * `kes gateway` as three processes with mutual TLS between them (certificates from
 * `kes tool certs internal`), driven with the `kes` CLI as the app (--auth=off, root disabled,
 * the guide's policy). Then the crypto process restarts and decryption still works.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type KesProcess, killAll } from "../support/kes-bin.js";
import { callsServed, ok, SplitStack } from "./split-stack.js";

const DENIED = "Error: not authorized: insufficient permissions\n";

describe("split deployment: the guide's flow over three processes with internal mTLS", () => {
  let dir: string;
  let stack: SplitStack;
  let keystore: KesProcess;
  let crypto: KesProcess;
  let gateway: KesProcess;
  let endpoint: string;
  let derived: { plaintext: string; ciphertext: string };
  const cli = (args: string[]) => stack.cli(endpoint, args);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-split-"));
    stack = await SplitStack.create(dir);
  });
  after(async () => {
    await killAll();
    await rm(dir, { recursive: true, force: true });
  });

  it("kes tool certs internal made the CA and one certificate per role", () => {
    for (const name of ["ca", "gateway", "crypto", "keystore"]) {
      assert.ok(existsSync(join(dir, "certs", `${name}.crt`)), `${name}.crt`);
      assert.ok(existsSync(join(dir, "certs", `${name}.key`)), `${name}.key`);
    }
  });

  it("starts keystore, crypto and gateway, each announcing mutual TLS", async () => {
    keystore = await stack.startKeystore();
    crypto = await stack.startCrypto();
    ({ process: gateway, endpoint } = await stack.startGateway());
    assert.match(keystore.stdout, /^Service\s+keystore$/m);
    assert.match(keystore.stdout, /^Keystore\s+fs: .*keys$/m);
    assert.match(keystore.stdout, /^Internal\s+mutual TLS\s+accepts: crypto$/m);
    assert.match(
      crypto.stdout,
      new RegExp(`^Keystore\\s+127\\.0\\.0\\.1:${stack.keystorePort}$`, "m"),
    );
    assert.match(crypto.stdout, /^Internal\s+mutual TLS\s+accepts: gateway$/m);
    assert.match(gateway.stdout, /^Admin\s+_\s+\[ disabled \]$/m);
    assert.match(gateway.stdout, /^Mutual TLS\s+off/m);
    assert.match(gateway.stdout, /^Internal\s+mutual TLS\s+dials: crypto$/m);
  });

  it("the app creates my-app-key; the keystore process stores it", async () => {
    ok(await cli(["key", "create", "-k", "my-app-key"]), "kes key create");
    assert.ok(existsSync(join(dir, "keys", "my-app-key")));
    const again = await cli(["key", "create", "-k", "my-app-key"]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, "Error: key already exists\n");
  });

  it("derives a data key and decrypts it through the gateway", async () => {
    const dek = ok(await cli(["key", "derive", "-k", "my-app-key"]), "kes key derive");
    derived = JSON.parse(dek.stdout) as { plaintext: string; ciphertext: string };
    assert.equal(Buffer.from(derived.plaintext, "base64").length, 32);
    const dec = ok(await cli(["key", "decrypt", "-k", "my-app-key", derived.ciphertext]), "dec");
    assert.deepEqual(JSON.parse(dec.stdout), { plaintext: derived.plaintext });
    const missing = await cli(["key", "derive", "-k", "my-app-nothing"]);
    assert.equal(missing.stderr, "Error: key does not exist\n");
  });

  it("the policy still refuses everything else with 403", async () => {
    for (const args of [
      ["key", "ls", "-k"],
      ["key", "create", "-k", "other-key"],
      ["key", "rm", "-k", "my-app-key"],
    ]) {
      const result = await cli(args);
      assert.equal(result.stderr, DENIED, args.join(" "));
    }
  });

  it("after a restart of the crypto process (empty cache) the ciphertext still decrypts", async () => {
    assert.deepEqual(await crypto.stop("SIGTERM"), { code: 0, signal: null });
    assert.ok(callsServed(crypto) >= 4, "the gateway's calls went to this crypto process");
    crypto = await stack.startCrypto();
    // grpc-js reconnects on its own; the next call may still find the channel backing off.
    const deadline = Date.now() + 15_000;
    let dec = await cli(["key", "decrypt", "-k", "my-app-key", derived.ciphertext]);
    while (dec.code !== 0 && Date.now() < deadline) {
      assert.match(dec.stderr, /^Error: service unavailable: crypto service is not reachable/);
      await new Promise((r) => setTimeout(r, 200));
      dec = await cli(["key", "decrypt", "-k", "my-app-key", derived.ciphertext]);
    }
    ok(dec, "decrypt after the restart");
    assert.deepEqual(JSON.parse(dec.stdout), { plaintext: derived.plaintext });
    assert.ok(gateway.running && keystore.running, "the others were not restarted");
  });

  it("every process stops cleanly on SIGTERM", async () => {
    assert.deepEqual(await gateway.stop("SIGTERM"), { code: 0, signal: null });
    assert.deepEqual(await crypto.stop("SIGTERM"), { code: 0, signal: null });
    assert.deepEqual(await keystore.stop("SIGTERM"), { code: 0, signal: null });
    assert.match(keystore.stderr, /"msg":"stopped"/);
  });
});
