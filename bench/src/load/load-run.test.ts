import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type LoadPlan, runLoad, runPhase } from "./load-run.js";
import type { HttpAnswer, Transport } from "./transport.js";

/** A fake server: generate returns a fixed plaintext; decrypt answers what `decrypt` says. */
function fake(
  decrypt: (ciphertext: string) => HttpAnswer | Error,
): Transport & { paths: string[] } {
  const plaintext = Buffer.alloc(32, 7).toString("base64");
  const paths: string[] = [];
  return {
    paths,
    async post(path, body) {
      paths.push(path);
      if (path.startsWith("/v1/key/generate/")) {
        assert.equal(body, "{}");
        return { status: 200, body: JSON.stringify({ plaintext, ciphertext: "Y3Q=" }) };
      }
      const answer = decrypt(JSON.parse(body).ciphertext);
      if (answer instanceof Error) throw answer;
      return answer;
    },
    async close() {},
  };
}

const plan = (over: Partial<LoadPlan> = {}): LoadPlan => ({
  concurrency: 4,
  warmup: { durationMs: 10_000, maxPairs: 3, keys: { name: "w" } },
  measure: { durationMs: 10_000, maxPairs: 20, keys: { name: "m" } },
  requestTimeoutMs: 1000,
  maxErrors: 1000,
  ...over,
});

const same = () => ({
  status: 200,
  body: JSON.stringify({ plaintext: Buffer.alloc(32, 7).toString("base64") }),
});

describe("the pair loop", () => {
  it("warms up (discarded), calls beforeMeasure between phases, then runs exactly maxPairs", async () => {
    const t = fake(same);
    let between = -1;
    const result = await runLoad(t, plan(), async () => {
      between = t.paths.length;
    });
    assert.equal(between, 6, "3 warm-up pairs = 6 requests, all finished before the snapshot");
    assert.ok(t.paths.slice(0, 6).every((p) => p.endsWith("/w")));
    assert.equal(result.ok, 20);
    assert.equal(result.errors + result.mismatches, 0);
    assert.equal(result.pairMs.length, 20);
    assert.equal(result.generateMs.length, 20);
    assert.equal(result.decryptMs.length, 20);
    const measured = t.paths.slice(6);
    assert.equal(measured.length, 40);
    assert.equal(measured.filter((p) => p === "/v1/key/generate/m").length, 20);
    assert.equal(measured.filter((p) => p === "/v1/key/decrypt/m").length, 20);
  });

  it("counts a different plaintext as a mismatch, not a success", async () => {
    const other = Buffer.alloc(32, 8).toString("base64");
    const t = fake(() => ({ status: 200, body: JSON.stringify({ plaintext: other }) }));
    const r = await runPhase(t, plan(), plan().measure);
    assert.deepEqual([r.ok, r.mismatches, r.errors, r.pairMs.length], [0, 20, 0, 0]);
  });

  it("counts HTTP errors and network errors by kind, with the server's message", async () => {
    let n = 0;
    const t = fake(() =>
      n++ % 2 === 0
        ? { status: 400, body: '{"message":"decryption failed: ciphertext is not authentic"}' }
        : Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
    );
    const r = await runPhase(t, plan(), plan().measure);
    assert.equal(r.errors, 20);
    assert.deepEqual(r.errorKinds, {
      "decrypt: HTTP 400: decryption failed: ciphertext is not authentic": 10,
      "network: ECONNRESET: socket hang up": 10,
    });
    assert.equal(r.generateMs.length, 20, "the generates succeeded and are timed");
    assert.equal(r.decryptMs.length, 0);
  });

  it("stops after maxErrors failed pairs and says so", async () => {
    const t = fake(() => ({ status: 500, body: "boom" }));
    const r = await runPhase(t, plan({ maxErrors: 5, concurrency: 1 }), plan().measure);
    assert.equal(r.errors, 5);
    assert.match(r.aborted ?? "", /stopped after 5 failed pairs/);
  });

  it("uses each key of a key list once and ends when they run out (the cold path)", async () => {
    const t = fake(same);
    const keys = { names: ["k0", "k1", "k2"] };
    const r = await runPhase(t, plan(), { durationMs: 10_000, maxPairs: 100, keys });
    assert.equal(r.ok, 3);
    const generated = t.paths.filter((p) => p.includes("/generate/")).sort();
    assert.deepEqual(generated, [
      "/v1/key/generate/k0",
      "/v1/key/generate/k1",
      "/v1/key/generate/k2",
    ]);
  });

  it("ends at the time bound when the count bound is far away", async () => {
    const slow: Transport = {
      post: (path) =>
        new Promise((resolve) =>
          setTimeout(
            () =>
              resolve(
                path.includes("generate")
                  ? {
                      status: 200,
                      body: JSON.stringify({
                        plaintext: Buffer.alloc(32).toString("base64"),
                        ciphertext: "x",
                      }),
                    }
                  : {
                      status: 200,
                      body: JSON.stringify({ plaintext: Buffer.alloc(32).toString("base64") }),
                    },
              ),
            5,
          ),
        ),
      close: async () => {},
    };
    const r = await runPhase(slow, plan({ concurrency: 2 }), {
      durationMs: 100,
      maxPairs: 1e9,
      keys: { name: "k" },
    });
    assert.ok(r.ok > 0 && r.ok < 1000, `${r.ok} pairs`);
  });
});
