/**
 * Scaling the split deployment: two gateways and two crypto processes over one keystore. Keys
 * made through one gateway work through the other, and the gateways spread their calls over
 * both crypto processes (each logs how many calls it answered when it stops).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { KesClient } from "@kes/client";
import { type KesProcess, killAll } from "../support/kes-bin.js";
import { callsServed, SplitStack } from "./split-stack.js";

describe("split deployment: two gateways and two crypto processes over one keystore", () => {
  let dir: string;
  let stack: SplitStack;
  const cryptos: KesProcess[] = [];
  const gateways: KesProcess[] = [];
  let a: KesClient;
  let b: KesClient;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-split-scaling-"));
    stack = await SplitStack.create(dir, { cryptos: 2 });
    await stack.startKeystore();
    cryptos.push(await stack.startCrypto(0), await stack.startCrypto(1));
    const first = await stack.startGateway();
    const second = await stack.startGateway();
    gateways.push(first.process, second.process);
    a = await stack.client(first.endpoint);
    b = await stack.client(second.endpoint);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await killAll();
    await rm(dir, { recursive: true, force: true });
  });

  it("each gateway lists both crypto processes", () => {
    const both = stack.cryptoPorts.map((p) => `127.0.0.1:${p}`).join(", ");
    for (const gateway of gateways) {
      assert.match(gateway.stdout, new RegExp(`^Crypto\\s+${both.replaceAll(".", "\\.")}$`, "m"));
    }
  });

  it("a key created through gateway A decrypts through gateway B, and back", async () => {
    await a.createKey("my-app-shared");
    const context = Buffer.from("bucket/object");
    for (let i = 0; i < 10; i++) {
      const dek = await a.generate("my-app-shared", context);
      assert.deepEqual(
        Buffer.from(await b.decrypt("my-app-shared", dek.ciphertext, context)),
        Buffer.from(dek.plaintext),
      );
      const other = await b.generate("my-app-shared", context);
      assert.deepEqual(
        Buffer.from(await a.decrypt("my-app-shared", other.ciphertext, context)),
        Buffer.from(other.plaintext),
      );
    }
    await assert.rejects(b.createKey("my-app-shared"), { message: "key already exists" });
  });

  it("both crypto processes received traffic", async () => {
    for (const gateway of gateways) {
      assert.deepEqual(await gateway.stop("SIGTERM"), { code: 0, signal: null });
    }
    const calls = [];
    for (const crypto of cryptos) {
      assert.deepEqual(await crypto.stop("SIGTERM"), { code: 0, signal: null });
      calls.push(callsServed(crypto));
    }
    // 42 calls went through the gateways (1 + 40 + 1); each crypto process answered some.
    assert.ok(
      calls.every((n) => n > 0),
      `calls per crypto process: ${calls.join(", ")}`,
    );
    assert.ok(calls.reduce((x, y) => x + y) >= 42, `calls: ${calls.join(", ")}`);
  });
});
