import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_VALUE_SIZE } from "@kes/core";
import { assertKind, type Session, type SuiteContext, text } from "../support.js";

/** Names every keystore must refuse: KES names are 1-80 bytes of [0-9A-Za-z_-]. */
const BAD_NAMES: [label: string, name: string][] = [
  ["empty", ""],
  ["81 bytes", "a".repeat(81)],
  ["../x", "../x"],
  ["..", ".."],
  ["a/b", "a/b"],
  ["a\\b", "a\\b"],
  [".hidden", ".hidden"],
  ["a b", "a b"],
  ["a.json", "a.json"],
  ["with NUL", "a\u0000b"],
  ["unicode", "schl\u00fcssel"],
  ["cyrillic", "\u043a\u043b\u044e\u0447"],
  ["emoji", "key-\u{1f511}"],
  ["glob", "key*"],
];

async function assertNothingStored(s: Session, names: readonly string[]): Promise<void> {
  const all = await s.allNames();
  if (s.options.shared !== true) {
    assert.deepEqual(all, [], "the store must still be empty");
    return;
  }
  for (const name of names) assert.ok(!all.includes(name), `${JSON.stringify(name)} was stored`);
}

export function validationCases(ctx: SuiteContext): void {
  const { timeout } = ctx;
  describe("validation", () => {
    for (const [label, name] of BAD_NAMES) {
      it(
        `refuses the name ${label} with invalid_argument on create, get and delete`,
        { timeout },
        ctx.run(async (s) => {
          await assertKind(s.store.create(name, text("v")), "invalid_argument", "create");
          await assertKind(s.store.get(name), "invalid_argument", "get");
          await assertKind(s.store.delete(name), "invalid_argument", "delete");
          await assertNothingStored(s, [name]);
        }),
      );
    }

    it(
      "refuses an empty value with invalid_argument and stores nothing",
      { timeout },
      ctx.run(async (s) => {
        await assertKind(
          s.store.create(s.name("e"), new Uint8Array(0)),
          "invalid_argument",
          "empty",
        );
        await assertKind(s.store.get(s.name("e")), "key_not_found", "get after refused create");
        await assertNothingStored(s, [s.name("e")]);
      }),
    );

    it(
      "refuses a value over 1 MiB with invalid_argument and stores nothing",
      { timeout },
      ctx.run(async (s) => {
        const big = new Uint8Array(MAX_VALUE_SIZE + 1).fill(0x41);
        await assertKind(s.store.create(s.name("big"), big), "invalid_argument", "1 MiB + 1");
        await assertKind(s.store.get(s.name("big")), "key_not_found", "get after refused create");
        await assertNothingStored(s, [s.name("big")]);
      }),
    );

    it(
      "refuses a negative or fractional list limit with invalid_argument",
      { timeout },
      ctx.run(async (s) => {
        for (const limit of [-1, 1.5, Number.NaN]) {
          await assertKind(
            s.store.list({ prefix: s.ns, limit }),
            "invalid_argument",
            `limit ${limit}`,
          );
        }
      }),
    );

    it(
      "refuses a page token it never issued with invalid_argument",
      { timeout },
      ctx.run(async (s) => {
        await s.store.create(s.name("a"), text("a"));
        await assertKind(
          s.store.list({ prefix: s.ns, pageToken: "../\u0000not a token" }),
          "invalid_argument",
          "malformed token",
        );
      }),
    );
  });
}
