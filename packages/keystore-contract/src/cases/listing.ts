import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { listAll } from "@kes/core";
import { collect, inBatches, type SuiteContext, text } from "../support.js";

export function listingCases(ctx: SuiteContext): void {
  const { timeout } = ctx;
  describe("list", () => {
    it(
      "lists no names in an empty store, on a single last page",
      { timeout },
      ctx.run(async (s) => {
        const prefixes = s.options.shared === true ? [s.ns] : ["", s.ns];
        for (const prefix of prefixes) {
          const page = await s.store.list({ prefix });
          assert.deepEqual(
            page,
            { names: [], nextPageToken: "" },
            `prefix ${JSON.stringify(prefix)}`,
          );
        }
      }),
    );

    it(
      "lists in ascending byte order",
      { timeout },
      ctx.run(async (s) => {
        const shuffled = ["b", "a", "_", "Z", "A", "9", "0", "-", "aa", "a_", "a-", "a0", "B"];
        for (const n of shuffled) await s.store.create(s.name(n), text(n));
        // '-' < digits < upper case < '_' < lower case, and a prefix sorts before its extensions.
        const expected = ["-", "0", "9", "A", "B", "Z", "_", "a", "a-", "a0", "a_", "aa", "b"];
        const page = await s.store.list({ prefix: s.ns });
        assert.deepEqual(
          page.names,
          expected.map((n) => s.name(n)),
        );
        assert.equal(page.nextPageToken, "");
      }),
    );

    it(
      "returns only names starting with the prefix",
      { timeout },
      ctx.run(async (s) => {
        for (const n of ["app-1", "app-2", "ap", "apple", "other", "xapp-3"]) {
          await s.store.create(s.name(n), text(n));
        }
        const names = await collect(listAll(s.store, s.name("app")));
        assert.deepEqual(
          names,
          ["app-1", "app-2", "apple"].map((n) => s.name(n)),
        );
        assert.deepEqual(await collect(listAll(s.store, s.name("app-"))), [
          s.name("app-1"),
          s.name("app-2"),
        ]);
        assert.deepEqual(await collect(listAll(s.store, s.name("nothing"))), []);
        assert.deepEqual(await collect(listAll(s.store, s.name("other"))), [s.name("other")]);
      }),
    );

    it(
      `pages through ${ctx.bulk} names with limit 7, each name exactly once and in order`,
      { timeout },
      ctx.run(async (s) => {
        const names = Array.from({ length: ctx.bulk }, (_, i) =>
          s.name(`n${String(i).padStart(4, "0")}`),
        );
        await inBatches(names, 25, (n) => s.store.create(n, text(n)));
        const seen: string[] = [];
        let token = "";
        let pages = 0;
        do {
          const page = await s.store.list({ prefix: s.ns, pageToken: token, limit: 7 });
          assert.ok(page.names.length <= 7, `page ${pages} has ${page.names.length} names`);
          assert.ok(
            page.names.length > 0 || page.nextPageToken === "",
            "an empty page that is not the last",
          );
          seen.push(...page.names);
          token = page.nextPageToken;
          pages++;
          assert.ok(pages <= ctx.bulk, "paging does not end");
        } while (token !== "");
        assert.deepEqual(seen, names);
        assert.ok(pages >= Math.ceil(ctx.bulk / 7), `only ${pages} pages`);
      }),
    );

    it(
      "serves a whole small listing in one page for limit 0, no limit and a limit above 1000",
      { timeout },
      ctx.run(async (s) => {
        const names = Array.from({ length: 30 }, (_, i) =>
          s.name(`m${String(i).padStart(2, "0")}`),
        );
        await inBatches(names, 10, (n) => s.store.create(n, text(n)));
        for (const limit of [0, undefined, 5000]) {
          const request = limit === undefined ? { prefix: s.ns } : { prefix: s.ns, limit };
          const page = await s.store.list(request);
          assert.deepEqual(page.names, names, `limit ${limit}`);
          assert.equal(page.nextPageToken, "", `limit ${limit}`);
        }
      }),
    );

    it(
      "starts from the beginning with an empty page token",
      { timeout },
      ctx.run(async (s) => {
        for (const n of ["a", "b", "c"]) await s.store.create(s.name(n), text(n));
        const first = await s.store.list({ prefix: s.ns, pageToken: "", limit: 2 });
        assert.deepEqual(first.names, [s.name("a"), s.name("b")]);
        assert.notEqual(first.nextPageToken, "");
        const rest = await s.store.list({ prefix: s.ns, pageToken: first.nextPageToken, limit: 2 });
        assert.deepEqual(rest.names, [s.name("c")]);
        assert.equal(rest.nextPageToken, "");
      }),
    );

    it(
      "never returns a name twice when names are created and deleted while paging",
      { timeout },
      ctx.run(async (s) => {
        const names = Array.from({ length: 20 }, (_, i) =>
          s.name(`p${String(i).padStart(2, "0")}`),
        );
        await inBatches(names, 10, (n) => s.store.create(n, text(n)));
        const first = await s.store.list({ prefix: s.ns, limit: 5 });
        const deleted = [names[1], names[12]] as string[];
        for (const n of deleted) await s.store.delete(n);
        await s.store.create(s.name("p00a"), text("new"));
        const seen = [...first.names];
        let token = first.nextPageToken;
        while (token !== "") {
          const page = await s.store.list({ prefix: s.ns, pageToken: token, limit: 5 });
          seen.push(...page.names);
          token = page.nextPageToken;
        }
        assert.equal(new Set(seen).size, seen.length, "a name came twice");
        for (const n of names) {
          if (!deleted.includes(n)) assert.ok(seen.includes(n), `${n} was skipped`);
        }
      }),
    );
  });
}
