import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertBytes, assertKind, type SuiteContext, text } from "../support.js";

export function lifecycleCases(ctx: SuiteContext): void {
  const { timeout } = ctx;
  describe("status and lifecycle", () => {
    it(
      "reports status reachable, with a latency of at least 0 and the backend kind",
      { timeout },
      ctx.run(async (s) => {
        const status = await s.store.status();
        assert.equal(status.reachable, true, `unreachable: ${status.detail ?? ""}`);
        assert.ok(Number.isFinite(status.latencyMs) && status.latencyMs >= 0, "latency");
        assert.equal(typeof status.endpoint, "string");
        assert.ok(status.backend.length > 0, "backend kind is empty");
        const expected =
          s.options.backend !== undefined
            ? s.options.backend
            : s.store.kind === "grpc"
              ? null
              : s.store.kind;
        if (expected !== null) assert.equal(status.backend, expected);
        assert.ok(s.store.kind.length > 0, "store kind is empty");
      }),
    );

    it(
      "fails a call whose signal is already aborted with keystore_failure, changing nothing",
      { timeout },
      ctx.run(async (s) => {
        const signal = AbortSignal.abort();
        await assertKind(
          s.store.create(s.name("a"), text("a"), { signal }),
          "keystore_failure",
          "create",
        );
        await assertKind(s.store.get(s.name("a")), "key_not_found", "get after aborted create");
        await s.store.create(s.name("b"), text("b"));
        await assertKind(s.store.get(s.name("b"), { signal }), "keystore_failure", "get");
        await assertKind(s.store.delete(s.name("b"), { signal }), "keystore_failure", "delete");
        await assertKind(s.store.list({ prefix: s.ns }, { signal }), "keystore_failure", "list");
        assertBytes(await s.store.get(s.name("b")), text("b"), "value after an aborted delete");
      }),
    );

    it(
      "fails every call after close() with keystore_failure",
      { timeout },
      ctx.run(async (s) => {
        await s.store.close();
        await assertKind(s.store.create(s.name("x"), text("x")), "keystore_failure", "create");
        await assertKind(s.store.get(s.name("x")), "keystore_failure", "get");
        await assertKind(s.store.delete(s.name("x")), "keystore_failure", "delete");
        await assertKind(s.store.list({ prefix: "" }), "keystore_failure", "list");
        await s.store.close();
      }),
    );

    it(
      "keeps values across close() and a re-open (persistent backends)",
      { timeout },
      ctx.run(async (s, t) => {
        if (s.handle.reopen === undefined) {
          t.skip("not a persistent backend: the factory offers no reopen");
          return;
        }
        const values = new Map([
          [s.name("p1"), text("one")],
          [s.name("p2"), Uint8Array.of(0, 1, 2, 255)],
          [s.name("p3"), text("three")],
        ]);
        for (const [n, v] of values) await s.store.create(n, v);
        await s.store.delete(s.name("p3"));
        const again = await s.reopen();
        for (const [n, v] of values) {
          if (n === s.name("p3")) await assertKind(again.get(n), "key_not_found", n);
          else assertBytes(await again.get(n), v, n);
        }
        assert.deepEqual(await s.namesUnderNs(), [s.name("p1"), s.name("p2")]);
        await assertKind(
          again.create(s.name("p1"), text("new")),
          "key_exists",
          "create after re-open",
        );
      }),
    );
  });
}
