import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isKesError } from "@kes/core";
import { assertBytes, type SuiteContext, text } from "../support.js";

export function concurrencyCases(ctx: SuiteContext): void {
  const { timeout } = ctx;
  describe("concurrency", () => {
    it(
      "lets exactly one of 20 concurrent creates of one name win; the others get key_exists",
      { timeout },
      ctx.run(async (s) => {
        const name = s.name("race");
        const values = Array.from({ length: 20 }, (_, i) => text(`value-${i}`));
        const results = await Promise.allSettled(values.map((v) => s.store.create(name, v)));
        const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
        assert.equal(winners.length, 1, `${winners.length} creates succeeded`);
        for (const r of results) {
          if (r.status === "rejected") {
            assert.ok(
              isKesError(r.reason, "key_exists"),
              `a loser failed with ${String(r.reason)}`,
            );
          }
        }
        assertBytes(await s.store.get(name), values[winners[0] as number] as Uint8Array, "winner");
      }),
    );

    it(
      "lands all of 50 concurrent creates of different names",
      { timeout },
      ctx.run(async (s) => {
        const names = Array.from({ length: 50 }, (_, i) =>
          s.name(`c${String(i).padStart(2, "0")}`),
        );
        await Promise.all(names.map((n) => s.store.create(n, text(n))));
        assert.deepEqual(await s.namesUnderNs(), names);
        const values = await Promise.all(names.map((n) => s.store.get(n)));
        values.forEach((v, i) => {
          assertBytes(v, text(names[i] as string), names[i] as string);
        });
      }),
    );
  });
}
