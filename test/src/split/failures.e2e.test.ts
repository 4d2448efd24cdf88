/**
 * Failures between the split services, with real processes: the keystore killed in the middle
 * of traffic, then the crypto service; each time the KES client gets clean 502/503 answers
 * (never a hang, never "key does not exist"), and service resumes once the killed process is
 * back, without restarting the others.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { KesApiError, type KesClient } from "@kes/client";
import { type KesProcess, killAll } from "../support/kes-bin.js";
import { SplitStack, waitForLog } from "./split-stack.js";

/** Keys created up front and each read at most once: rounds before, during and after, +2. */
const COLD_KEYS = 14;

interface Outcome {
  readonly op: string;
  readonly status: number;
  readonly message: string;
  readonly ms: number;
}

/** One request's outcome: 200, or the KES error status and message; anything else throws. */
async function attempt(op: string, call: () => Promise<unknown>): Promise<Outcome> {
  const started = Date.now();
  try {
    await call();
    return { op, status: 200, message: "", ms: Date.now() - started };
  } catch (err) {
    if (!(err instanceof KesApiError)) throw err;
    return { op, status: err.status, message: err.message, ms: Date.now() - started };
  }
}

/** Polls `call` until it succeeds (bounded); returns how many attempts failed. */
async function until(call: () => Promise<unknown>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let failures = 0;
  for (;;) {
    try {
      await call();
      return failures;
    } catch (err) {
      failures++;
      if (Date.now() > deadline) throw new Error(`${what} did not recover: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe("split deployment: a killed keystore or crypto process", () => {
  let dir: string;
  let stack: SplitStack;
  let keystore: KesProcess;
  let crypto: KesProcess;
  let gateway: KesProcess;
  let client: KesClient;
  let hot: { plaintext: Uint8Array; ciphertext: Uint8Array };
  let cold = 0;
  let pids: (number | undefined)[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-split-failures-"));
    stack = await SplitStack.create(dir);
    keystore = await stack.startKeystore();
    crypto = await stack.startCrypto();
    const started = await stack.startGateway();
    gateway = started.process;
    client = await stack.client(started.endpoint);
    await client.createKey("my-app-hot");
    // Using a key caches it in the crypto process; each cold key is read only once, so the
    // first read of one always goes to the keystore.
    for (let i = 0; i < COLD_KEYS; i++) await client.createKey(`my-app-cold-${i}`);
    hot = await client.generate("my-app-hot");
    pids = [gateway.child.pid, crypto.child.pid];
  });
  after(async () => {
    await client?.close();
    await killAll();
    await rm(dir, { recursive: true, force: true });
  });

  it("kes health: both services are SERVING", async () => {
    for (const service of ["crypto", "keystore"] as const) {
      const health = await stack.health(service);
      assert.equal(health.code, 0, health.stderr);
      assert.equal(health.stdout, "SERVING\n");
    }
    // Any internal certificate may ask, whatever its role.
    assert.equal((await stack.health("keystore", "gateway")).code, 0);
  });

  it("kill -9 of the keystore mid-traffic: clean 502s for keystore work, cached keys go on", async () => {
    let n = 0;
    const round = () =>
      Promise.all([
        attempt("decrypt-hot", () => client.decrypt("my-app-hot", hot.ciphertext)),
        attempt("generate-cold", () => client.generate(`my-app-cold-${cold++}`)),
        attempt("create", () => client.createKey(`my-app-new-${n++}`)),
      ]);
    const before: Outcome[] = [];
    for (let i = 0; i < 5; i++) before.push(...(await round()));
    assert.ok(
      before.every((o) => o.status === 200),
      JSON.stringify(before),
    );

    // Kill it while a round is in flight, and keep the traffic going.
    const during = round();
    keystore.child.kill("SIGKILL");
    const mid = await during;
    await keystore.waitForExit();
    const after: Outcome[] = [];
    for (let i = 0; i < 5; i++) after.push(...(await round()));

    for (const o of [...mid, ...after]) {
      assert.ok(
        o.status === 200 || (o.status === 502 && o.message.startsWith("bad gateway: failed to ")),
        `unexpected answer while the keystore is down: ${JSON.stringify(o)}`,
      );
      assert.ok(o.ms < 14_000, `a request took ${o.ms} ms`);
    }
    const by = (op: string) => after.filter((o) => o.op === op);
    // The crypto process still holds my-app-hot in its cache (KES's semantics): it decrypts.
    assert.deepEqual(new Set(by("decrypt-hot").map((o) => o.status)), new Set([200]));
    assert.deepEqual(
      new Set(by("generate-cold").map((o) => `${o.status} ${o.message}`)),
      new Set(["502 bad gateway: failed to access key"]),
    );
    assert.deepEqual(
      new Set(by("create").map((o) => `${o.status} ${o.message}`)),
      new Set(["502 bad gateway: failed to create key"]),
    );
    await waitForLog(crypto, /keystore operation failed/);
    // Health follows: the keystore does not answer, the crypto service says NOT_SERVING.
    const keystoreHealth = await stack.health("keystore");
    assert.equal(keystoreHealth.code, 1);
    assert.match(
      keystoreHealth.stderr,
      /^Error: service unavailable: no health answer from 127\.0\.0\.1:\d+/,
    );
    const cryptoHealth = await stack.health("crypto");
    assert.equal(cryptoHealth.code, 1);
    assert.match(cryptoHealth.stderr, /^Error: crypto at 127\.0\.0\.1:\d+: NOT_SERVING\n$/);
  });

  it("recovers once the keystore is back, without restarting gateway or crypto", async () => {
    keystore = await stack.startKeystore();
    await until(() => client.createKey("my-app-after-keystore"), "create");
    const dek = await client.generate(`my-app-cold-${cold++}`);
    assert.equal(dek.plaintext.length, 32);
    assert.ok(gateway.running && crypto.running, "gateway and crypto kept running");
    assert.deepEqual([gateway.child.pid, crypto.child.pid], pids, "the same processes");
    assert.equal((await stack.health("crypto")).stdout, "SERVING\n");
  });

  it("kill -9 of the crypto process: 503 with a clear message, never a hang", async () => {
    crypto.child.kill("SIGKILL");
    await crypto.waitForExit();
    for (const o of await Promise.all([
      attempt("decrypt", () => client.decrypt("my-app-hot", hot.ciphertext)),
      attempt("generate", () => client.generate(`my-app-cold-${cold++}`)),
      attempt("create", () => client.createKey("my-app-while-crypto-down")),
    ])) {
      assert.equal(o.status, 503, JSON.stringify(o));
      assert.equal(o.message, "service unavailable: crypto service is not reachable");
      assert.ok(o.ms < 14_000, `a request took ${o.ms} ms`);
    }
    // The gateway itself still answers what needs no crypto service.
    assert.equal((await client.version()).version.length > 0, true);
  });

  it("recovers once the crypto process is back, without restarting the gateway", async () => {
    crypto = await stack.startCrypto();
    await until(() => client.decrypt("my-app-hot", hot.ciphertext), "decrypt");
    const plaintext = await client.decrypt("my-app-hot", hot.ciphertext);
    assert.deepEqual(Buffer.from(plaintext), Buffer.from(hot.plaintext));
    assert.ok(gateway.running && keystore.running);
  });
});
