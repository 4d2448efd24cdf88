import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, mock, test } from "node:test";
import { KeyCache } from "./cache.js";

/** A loader that counts calls and resolves when told to. */
function loader() {
  const calls: string[] = [];
  const pending: { resolve: (v: string) => void; reject: (e: Error) => void }[] = [];
  const load = (name: string) => {
    calls.push(name);
    return new Promise<string>((resolve, reject) => pending.push({ resolve, reject }));
  };
  return { calls, pending, load };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("KeyCache", () => {
  beforeEach(() => mock.timers.enable({ apis: ["setInterval"] }));
  afterEach(() => mock.timers.reset());

  test("a hit is served without loading; peek never loads", async () => {
    const l = loader();
    const cache = new KeyCache(l.load, { any: 60_000, unused: 10_000, offline: 0 });
    assert.equal(cache.peek("k"), undefined);
    assert.equal(l.calls.length, 0);
    const first = cache.get("k");
    l.pending[0]!.resolve("v");
    assert.equal(await first, "v");
    assert.equal(cache.peek("k"), "v");
    assert.equal(await cache.get("k"), "v");
    assert.deepEqual(l.calls, ["k"]);
    cache.close();
  });

  test("concurrent misses for one name share one load", async () => {
    const l = loader();
    const cache = new KeyCache(l.load, undefined);
    const all = Promise.all([cache.get("k"), cache.get("k"), cache.get("k"), cache.get("j")]);
    assert.deepEqual(l.calls, ["k", "j"]);
    l.pending[0]!.resolve("vk");
    l.pending[1]!.resolve("vj");
    assert.deepEqual(await all, ["vk", "vk", "vk", "vj"]);
    cache.close();
  });

  test("a failed load is not cached and the next get loads again", async () => {
    const l = loader();
    const cache = new KeyCache(l.load, undefined);
    const first = cache.get("k");
    l.pending[0]!.reject(new Error("down"));
    await assert.rejects(first, /down/);
    assert.equal(cache.size, 0);
    const second = cache.get("k");
    l.pending[1]!.resolve("v");
    assert.equal(await second, "v");
    assert.equal(l.calls.length, 2);
    cache.close();
  });

  test("evict drops the entry and detaches an in-flight load", async () => {
    const l = loader();
    const cache = new KeyCache(l.load, undefined);
    const inFlight = cache.get("k");
    cache.evict("k"); // e.g. the key was deleted while it was being read
    l.pending[0]!.resolve("stale");
    assert.equal(await inFlight, "stale"); // its waiters still get an answer
    await flush();
    assert.equal(cache.peek("k"), undefined);
    assert.equal(cache.size, 0);
    cache.close();
  });

  test("`any` empties the whole cache every interval", async () => {
    const l = loader();
    const cache = new KeyCache(l.load, { any: 1000, unused: 600_000, offline: 0 });
    const p = cache.get("k");
    l.pending[0]!.resolve("v");
    await p;
    mock.timers.tick(999);
    assert.equal(cache.peek("k"), "v");
    mock.timers.tick(1);
    assert.equal(cache.peek("k"), undefined);
    cache.close();
  });

  test("`unused` evicts entries not used since the previous tick", async () => {
    const l = loader();
    const cache = new KeyCache(l.load, { any: 600_000, unused: 1000, offline: 0 });
    for (const name of ["busy", "idle"]) {
      const p = cache.get(name);
      l.pending.at(-1)!.resolve(name);
      await p;
    }
    mock.timers.tick(1000); // both were used since the start: flags cleared, both kept
    assert.equal(cache.size, 2);
    assert.equal(cache.peek("busy"), "busy");
    mock.timers.tick(1000); // idle was not used since the last tick
    assert.equal(cache.size, 1);
    assert.equal(cache.peek("busy"), "busy");
    mock.timers.tick(1000);
    mock.timers.tick(1000);
    assert.equal(cache.size, 0);
    cache.close();
  });

  test("non-positive intervals mean KES's defaults (5 min / 30 s), not a busy timer", async () => {
    const l = loader();
    const cache = new KeyCache(l.load, { any: 0, unused: -1, offline: 0 });
    const p = cache.get("k");
    l.pending[0]!.resolve("v");
    await p;
    mock.timers.tick(29_999);
    assert.equal(cache.size, 1);
    mock.timers.tick(1); // first unused tick clears the flag
    mock.timers.tick(30_000); // second evicts
    assert.equal(cache.size, 0);
    cache.close();
  });

  test("close empties the cache and stops its timers", async () => {
    const l = loader();
    const cache = new KeyCache(l.load, { any: 1000, unused: 1000, offline: 0 });
    const p = cache.get("k");
    l.pending[0]!.resolve("v");
    await p;
    cache.close();
    assert.equal(cache.size, 0);
    // Filled again after close: with the timers stopped nothing empties it any more.
    const again = cache.get("k");
    l.pending[1]!.resolve("v");
    await again;
    mock.timers.tick(5000);
    assert.equal(cache.size, 1);
  });
});
