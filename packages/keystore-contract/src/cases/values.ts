import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_VALUE_SIZE } from "@kes/core";
import { assertBytes, assertKind, type SuiteContext, text } from "../support.js";

/** A stored-key text as KES 2023 writes it (a made-up key, not a real one). */
const KES_JSON =
  '{"version":"v1","bytes":"q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k=",' +
  '"algorithm":"AES256-GCM_SHA256","created_at":"2023-05-02T10:11:12.123456789Z",' +
  '"created_by":"3ecfcdf38fcbe141ae26a1030f81e96b753365a46760ae6b578698a97c59fd22"}';

function everyByte(): Uint8Array {
  const value = new Uint8Array(512);
  for (let i = 0; i < value.length; i++) value[i] = (i * 7 + 3) % 256;
  value[0] = 0x00;
  value[1] = 0xff;
  value[value.length - 1] = 0x00;
  return value;
}

function pattern(size: number): Uint8Array {
  const value = new Uint8Array(size);
  for (let i = 0; i < size; i++) value[i] = (i * 31 + (i >>> 8)) & 0xff;
  return value;
}

export function valueCases(ctx: SuiteContext): void {
  const { timeout } = ctx;
  describe("create and get", () => {
    const samples: [string, () => Uint8Array][] = [
      ["binary with 0x00 and high bytes", everyByte],
      ["a value of exactly 1 MiB", () => pattern(MAX_VALUE_SIZE)],
      ["a KES stored-key JSON text", () => text(KES_JSON)],
      ["a single byte", () => Uint8Array.of(0)],
    ];
    for (const [label, make] of samples) {
      it(
        `returns exactly the bytes stored: ${label}`,
        { timeout },
        ctx.run(async (s) => {
          const value = make();
          await s.store.create(s.name("v"), value);
          assertBytes(await s.store.get(s.name("v")), value, label);
        }),
      );
    }

    it(
      "keeps values apart: changing buffers after create or get changes nothing stored",
      { timeout },
      ctx.run(async (s) => {
        const value = text("original");
        await s.store.create(s.name("copy"), value);
        value.fill(0x21);
        const first = await s.store.get(s.name("copy"));
        assertBytes(first, text("original"), "after the input buffer changed");
        first.fill(0x22);
        assertBytes(
          await s.store.get(s.name("copy")),
          text("original"),
          "after the output changed",
        );
      }),
    );

    it(
      "accepts an 80-byte name and every allowed character",
      { timeout },
      ctx.run(async (s) => {
        const long = s.name("x".repeat(80 - s.ns.length));
        const mixed = s.name("AZaz09_-");
        for (const name of [long, mixed]) {
          await s.store.create(name, text(name));
          assertBytes(await s.store.get(name), text(name), name);
        }
        assert.equal(Buffer.byteLength(long), 80);
      }),
    );

    it(
      "refuses to create an existing name with key_exists and keeps the old value",
      { timeout },
      ctx.run(async (s) => {
        await s.store.create(s.name("k"), text("first"));
        await assertKind(s.store.create(s.name("k"), text("second")), "key_exists", "create again");
        assertBytes(await s.store.get(s.name("k")), text("first"), "value after a refused create");
      }),
    );

    it(
      "answers get of a missing name with key_not_found",
      { timeout },
      ctx.run(async (s) => {
        await assertKind(s.store.get(s.name("missing")), "key_not_found", "get missing");
      }),
    );
  });

  describe("delete", () => {
    it(
      "removes the name: get fails with key_not_found and the name can be created again",
      { timeout },
      ctx.run(async (s) => {
        await s.store.create(s.name("d"), text("one"));
        await s.store.delete(s.name("d"));
        await assertKind(s.store.get(s.name("d")), "key_not_found", "get after delete");
        assert.deepEqual(await s.namesUnderNs(), [], "listed after delete");
        await s.store.create(s.name("d"), text("two"));
        assertBytes(await s.store.get(s.name("d")), text("two"), "value after re-create");
      }),
    );

    it(
      "succeeds for a missing name",
      { timeout },
      ctx.run(async (s) => {
        await s.store.delete(s.name("never-there"));
        await s.store.create(s.name("d"), text("x"));
        await s.store.delete(s.name("d"));
        await s.store.delete(s.name("d"));
      }),
    );

    it(
      "leaves the other names alone",
      { timeout },
      ctx.run(async (s) => {
        for (const n of ["a", "b", "c"]) await s.store.create(s.name(n), text(n));
        await s.store.delete(s.name("b"));
        assert.deepEqual(await s.namesUnderNs(), [s.name("a"), s.name("c")]);
        assertBytes(await s.store.get(s.name("a")), text("a"), "a");
        assertBytes(await s.store.get(s.name("c")), text("c"), "c");
      }),
    );
  });
}
