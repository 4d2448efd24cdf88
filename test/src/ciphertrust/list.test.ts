/**
 * Listing through CipherTrust Manager's pages (ciphertrust.md §1.4): KES's requests exactly,
 * and no page fault the simulator can provoke makes the scan loop or answer wrongly unnoticed.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { ListMode } from "@kes/ciphertrust-sim";
import { isKesError, type KeyStore, listAll } from "@kes/core";
import { type Cm, captureLogs, startCm } from "./support.js";

const NAMES = Array.from({ length: 450 }, (_, i) => `key-${String(i).padStart(3, "0")}`);
const LIST_PATH = "^/api/v1/vault/secrets/?$";

describe("CipherTrust list paging", () => {
  let cm: Cm;
  let store: KeyStore;
  const logs = captureLogs();

  before(async () => {
    cm = await startCm();
    store = await cm.open({ logger: logs.logger });
    // Created in reverse so CM's creation order is not the sorted order.
    for (const name of [...NAMES].reverse()) {
      cm.sim.state.addSecret("root", { name, dataType: "seed", material: `m-${name}` });
    }
  });
  after(() => cm.close());
  beforeEach(() => {
    cm.sim.faults.clear();
    cm.sim.log.clear();
    logs.lines.length = 0;
  });

  const skips = () =>
    cm.sim.log.entries({ method: "GET", path: "/api/v1/vault/secrets" }).map((e) => e.query);

  function spoil(mode: ListMode, extra: { by?: number; skip?: number; count?: number } = {}) {
    cm.sim.faults.add({
      match: { method: "GET", path: LIST_PATH },
      ...(extra.skip === undefined ? {} : { skip: extra.skip }),
      ...(extra.count === undefined ? {} : { trigger: { type: "next", count: extra.count } }),
      action: { type: "list", mode, ...(extra.by === undefined ? {} : { by: extra.by }) },
    });
  }

  it("lists 450 keys with requests at skip 0, 200, 400 and 450 of 200 each, sorted", async () => {
    const page = await store.list({ prefix: "" });
    assert.deepEqual(page.names, NAMES);
    assert.equal(page.nextPageToken, "");
    assert.deepEqual(skips(), [
      { limit: "200", skip: "0" },
      { limit: "200", skip: "200" },
      { limit: "200", skip: "400" },
      { limit: "200", skip: "450" },
    ]);
  });

  it("pages with our page tokens and prefixes on top of the scan", async () => {
    const first = await store.list({ prefix: "key-1", limit: 60 });
    assert.deepEqual(first.names, NAMES.filter((n) => n.startsWith("key-1")).slice(0, 60));
    assert.equal(first.nextPageToken, "key-159");
    const rest = await store.list({ prefix: "key-1", pageToken: first.nextPageToken, limit: 60 });
    assert.deepEqual(rest.names, NAMES.filter((n) => n.startsWith("key-1")).slice(60));
    assert.equal(rest.nextPageToken, "");
    const all: string[] = [];
    for await (const name of listAll(store, "")) all.push(name);
    assert.deepEqual(all, NAMES);
  });

  it("a wrong echoed skip is a clean keystore_failure", async () => {
    spoil("wrong-skip", { skip: 1 });
    await assert.rejects(store.list({ prefix: "" }), (err: unknown) => {
      assert.ok(isKesError(err, "keystore_failure"), String(err));
      assert.match(err.message, /pagination is out-of-sync: asked for skip 200, got 201/);
      return true;
    });
    assert.equal(skips().length, 2);
  });

  it("an inflated total ends at the empty page (asked for twice), with every name", async () => {
    spoil("inflate-total", { by: 25 });
    assert.deepEqual((await store.list({ prefix: "" })).names, NAMES);
    assert.deepEqual(
      skips().map((q) => q.skip),
      ["0", "200", "400", "450", "450"],
    );
    assert.match(logs.text(), /listed an empty page before reaching its total/);
  });

  it("an omitted or null resources on the last page: every name once (KES repeated a page)", async () => {
    for (const mode of ["omit-resources", "null-resources"] as const) {
      cm.sim.faults.clear();
      cm.sim.log.clear();
      spoil(mode, { skip: 3 });
      assert.deepEqual((await store.list({ prefix: "" })).names, NAMES, mode);
      assert.equal(skips().length, 4, mode);
    }
  });

  it("an empty page mid-scan that heals is asked for again: every name", async () => {
    spoil("empty-page", { skip: 1, count: 1 });
    assert.deepEqual((await store.list({ prefix: "" })).names, NAMES);
    assert.deepEqual(
      skips().map((q) => q.skip),
      ["0", "200", "200", "400", "450"],
    );
  });

  it("pages that stay empty, or omit resources, end the scan: no loop", async () => {
    for (const [mode, pages, names] of [
      ["omit-resources", 2, []],
      ["empty-page", 2, []],
    ] as const) {
      cm.sim.faults.clear();
      cm.sim.log.clear();
      spoil(mode);
      assert.deepEqual((await store.list({ prefix: "" })).names, names, mode);
      assert.equal(skips().length, pages, mode);
    }
    cm.sim.faults.clear();
    cm.sim.log.clear();
    spoil("empty-page", { skip: 1 });
    const page = await store.list({ prefix: "" });
    assert.deepEqual(page.names, NAMES.slice(250), "only the names CM did list");
    assert.deepEqual(
      skips().map((q) => q.skip),
      ["0", "200", "200"],
    );
    assert.match(
      logs.text(),
      /"skip":200,"total":450,"msg":"CipherTrust Manager listed an empty page/,
    );
  });

  it("a CM that caps pages at 100, or shuffles them, still lists every name in order", async () => {
    cm.sim.settings.listMaxLimit = 100;
    try {
      assert.deepEqual((await store.list({ prefix: "" })).names, NAMES);
      assert.deepEqual(
        skips().map((q) => q.skip),
        ["0", "100", "200", "300", "400", "450"],
      );
    } finally {
      cm.sim.settings.listMaxLimit = 1000;
    }
    spoil("shuffle");
    assert.deepEqual((await store.list({ prefix: "" })).names, NAMES);
  });

  it("a list page answered 503 three times is a clean failure", async () => {
    cm.sim.faults.add({
      match: { method: "GET", path: LIST_PATH },
      action: { type: "status", status: 503 },
    });
    await assert.rejects(store.list({ prefix: "" }), (err: unknown) =>
      isKesError(err, "keystore_failure"),
    );
    assert.equal(skips().length, 3);
  });
});
