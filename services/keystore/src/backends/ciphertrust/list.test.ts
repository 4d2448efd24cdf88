import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isKesError, silentLogger } from "@kes/core";
import { type FetchPage, MAX_PAGES, scanNames } from "./list.js";

/** A CM holding `names`, answering pages as CM does, with an optional spoiler per page. */
function cm(
  names: readonly string[],
  spoil: (page: Record<string, unknown>, skip: number) => Record<string, unknown> = (p) => p,
): { fetch: FetchPage; skips: number[] } {
  const skips: number[] = [];
  return {
    skips,
    fetch: async (skip) => {
      skips.push(skip);
      const page = {
        skip,
        limit: 200,
        total: names.length,
        resources: names.slice(skip, skip + 200).map((name) => ({ name, id: "x" })),
      };
      return spoil(page, skip);
    },
  };
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `k${String(i).padStart(4, "0")}`);
const log = silentLogger();

async function failsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isKesError(err, "keystore_failure"), String(err));
    assert.match(err.message, pattern);
    return true;
  });
}

describe("CipherTrust list scan", () => {
  for (const [count, skips] of [
    [0, [0]],
    [1, [0, 1]],
    [200, [0, 200]],
    [250, [0, 200, 250]],
    [450, [0, 200, 400, 450]],
  ] as const) {
    it(`asks for skips ${skips.join(", ")} with ${count} secrets, as KES does`, async () => {
      const fake = cm(names(count));
      assert.deepEqual(await scanNames(fake.fetch, log), names(count));
      assert.deepEqual(fake.skips, skips);
    });
  }

  it("fails cleanly when the echoed skip is not the one asked for", async () => {
    const fake = cm(names(450), (p, skip) => (skip === 200 ? { ...p, skip: 201 } : p));
    await failsWith(
      scanNames(fake.fetch, log),
      /pagination is out-of-sync: asked for skip 200, got 201/,
    );
  });

  it("ends on an empty page while skip < total, asked for twice, instead of spinning", async () => {
    const fake = cm(names(450), (p) => ({ ...p, total: 460 }));
    assert.deepEqual(await scanNames(fake.fetch, log), names(450));
    assert.deepEqual(fake.skips, [0, 200, 400, 450, 450]);
  });

  it("carries on when the empty page was a passing glitch", async () => {
    let glitched = false;
    const fake = cm(names(450), (p, skip) => {
      if (skip !== 200 || glitched) return p;
      glitched = true;
      return { ...p, resources: [] };
    });
    assert.deepEqual(await scanNames(fake.fetch, log), names(450));
    assert.deepEqual(fake.skips, [0, 200, 200, 400, 450]);
  });

  it("counts an omitted or null resources key as empty, never repeating a page", async () => {
    for (const spoil of [
      ({ resources: _r, ...rest }: Record<string, unknown>) => rest,
      (p: Record<string, unknown>) => ({ ...p, resources: null }),
    ]) {
      const fake = cm(names(250), (p, skip) => (skip === 250 ? spoil(p) : p));
      assert.deepEqual(await scanNames(fake.fetch, log), names(250));
      assert.deepEqual(fake.skips, [0, 200, 250]);
    }
    const everywhere = cm(names(250), ({ resources: _r, ...rest }) => rest);
    assert.deepEqual(await scanNames(everywhere.fetch, log), []);
    assert.deepEqual(everywhere.skips, [0, 0]);
  });

  it("lists a name once even if pages overlap", async () => {
    const fake = cm(["a", "b", "c"], (p, skip) =>
      skip === 0 ? { ...p, resources: [{ name: "a" }, { name: "a" }] } : p,
    );
    assert.deepEqual(await scanNames(fake.fetch, log), ["a", "c"]);
  });

  it("follows a CM that caps pages below 200", async () => {
    const all = names(450);
    const skips: number[] = [];
    const fetch: FetchPage = async (skip) => {
      skips.push(skip);
      return {
        skip,
        total: all.length,
        resources: all.slice(skip, skip + 100).map((name) => ({ name })),
      };
    };
    assert.deepEqual(await scanNames(fetch, log), all);
    assert.deepEqual(skips, [0, 100, 200, 300, 400, 450]);
  });

  it("gives up after the page cap when CM's total keeps running away", async () => {
    let pages = 0;
    const fetch: FetchPage = async (skip) => {
      pages++;
      return { skip, total: skip + 1_000, resources: [{ name: `n${skip}` }] };
    };
    await failsWith(scanNames(fetch, log), /more than 5000 pages/);
    assert.equal(pages, MAX_PAGES);
  });

  it("refuses malformed pages", async () => {
    for (const [page, pattern] of [
      [[], /not a JSON object/],
      [{ skip: 0, resources: [] }, /total is undefined/],
      [{ skip: 0, total: 1, resources: {} }, /resources is not a list/],
      [{ skip: 0, total: 1, resources: [{ id: 1 }] }, /has no name/],
    ] as const) {
      await failsWith(
        scanNames(async () => page, log),
        pattern,
      );
    }
  });
});
