import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { type Simulator, startSimulator } from "./index.js";
import { call } from "./testing/http.js";
import { guideSetup, jwtFor, kesList } from "./testing/setup.js";

describe("list paging (ciphertrust.md §1.4, §5.5)", () => {
  let sim: Simulator;
  let jwt: string;

  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.close());
  beforeEach(async () => {
    sim.reset();
    jwt = await jwtFor(sim, (await guideSetup(sim)).refreshToken);
  });

  function seed(n: number): string[] {
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      const name = `key-${String(n - i).padStart(4, "0")}`;
      sim.state.addSecret("root", { name, dataType: "seed", material: "m" });
      names.push(name);
    }
    return names;
  }

  for (const [count, pages] of [
    [0, 1],
    [1, 2],
    [200, 2],
    [201, 3],
    [450, 4],
  ] as const) {
    it(`${count} secrets take ${pages} page request(s) and return every name`, async () => {
      const names = seed(count);
      sim.log.clear();
      const result = await kesList(sim, jwt);
      assert.equal(result.error, undefined);
      assert.equal(result.pages, pages);
      assert.equal(sim.log.count({ method: "GET", route: "secrets.list" }), pages);
      assert.deepEqual([...result.names].sort(), [...names].sort());
      const skips = sim.log.entries({ route: "secrets.list" }).map((e) => e.query.skip);
      assert.deepEqual(
        skips,
        Array.from({ length: pages }, (_, i) => String(Math.min(i * 200, count))),
      );
    });
  }

  it("limit defaults to 10 and is capped at listMaxLimit", async () => {
    seed(30);
    const def = await call(sim.url, "GET", "/api/v1/vault/secrets", { token: jwt });
    assert.deepEqual([def.json.limit, def.json.resources.length, def.json.total], [10, 10, 30]);
    sim.settings.listMaxLimit = 25;
    const capped = await call(sim.url, "GET", "/api/v1/vault/secrets?limit=200", { token: jwt });
    assert.deepEqual([capped.json.limit, capped.json.resources.length], [25, 25]);
    const result = await kesList(sim, jwt);
    assert.equal(result.names.length, 30, "KES advances by the page length, so a cap is harmless");
  });

  it("filters by name (with * wildcards) and rejects bad skip/limit", async () => {
    seed(3);
    const one = await call(sim.url, "GET", "/api/v1/vault/secrets?name=key-0002", { token: jwt });
    assert.deepEqual(
      one.json.resources.map((r: { name: string }) => r.name),
      ["key-0002"],
    );
    const wild = await call(sim.url, "GET", "/api/v1/vault/secrets?name=key-*", { token: jwt });
    assert.equal(wild.json.total, 3);
    for (const q of ["skip=-1", "limit=abc", "skip=1.5"]) {
      const res = await call(sim.url, "GET", `/api/v1/vault/secrets?${q}`, { token: jwt });
      assert.equal(res.status, 400, q);
      assert.equal(res.json.code, 9);
    }
  });
});
