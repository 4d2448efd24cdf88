/**
 * The CipherTrust backend against a misbehaving CipherTrust Manager (the simulator's fault
 * knobs): KES's retry rule, the recognised commit-then-5xx create, deadlines, and outages that
 * must never look like a missing key.
 */
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { after, before, beforeEach, describe, it } from "node:test";
import { isKesError, type KeyStore } from "@kes/core";
import {
  type Cm,
  CREATE_PATH,
  captureLogs,
  decode,
  EXPORT_PATH,
  startCm,
  text,
} from "./support.js";

const SECRETS = "/api/v1/vault/secrets";

async function failsCleanly(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isKesError(err), `not a KesError: ${String(err)}`);
    assert.equal(err.kind, "keystore_failure", `${err.kind}: ${err.message}`);
    assert.match(err.message, pattern);
    return true;
  });
}

describe("CipherTrust backend: retries and faults", () => {
  let cm: Cm;
  let store: KeyStore;
  const logs = captureLogs();

  before(async () => {
    cm = await startCm();
    store = await cm.open({ logger: logs.logger });
  });
  after(() => cm.close());
  beforeEach(() => {
    cm.sim.faults.clear();
    cm.sim.log.clear();
    logs.lines.length = 0;
  });

  const statuses = (method: string, path: string | RegExp) =>
    cm.sim.log.entries({ method, path }).map((e) => e.status);

  it("503 twice then 201: the create succeeds on the third attempt", async () => {
    cm.sim.faults.add({
      match: { method: "POST", path: CREATE_PATH },
      trigger: { type: "next", count: 2 },
      action: { type: "status", status: 503 },
    });
    await store.create("retry-ok", text("v1"));
    assert.deepEqual(statuses("POST", SECRETS), [503, 503, 201]);
    assert.equal(decode(await store.get("retry-ok")), "v1");
  });

  it("503 always: a clean keystore_failure after 3 attempts, CM's codeDesc in the log", async () => {
    cm.sim.faults.add({ match: { path: EXPORT_PATH }, action: { type: "status", status: 503 } });
    await store.create("outage", text("v"));
    await failsCleanly(store.get("outage"), /get failed: 503 NCERRInternalServerError/);
    assert.deepEqual(statuses("POST", /\/export$/), [503, 503, 503]);
    assert.match(logs.text(), /"codeDesc":"NCERRInternalServerError: unexpected error"/);
    assert.match(logs.text(), /"code":14/);
  });

  it("commit-then-503 on create: the retry's 409 is recognised as our own create", async () => {
    cm.sim.faults.add({
      match: { method: "POST", path: CREATE_PATH },
      trigger: { type: "next", count: 1 },
      action: { type: "status", status: 503, commit: true },
    });
    await store.create("committed", text("mine"));
    assert.deepEqual(statuses("POST", SECRETS), [503, 409]);
    assert.deepEqual(statuses("POST", `${SECRETS}/committed/export`), [200], "export and compare");
    assert.equal(decode(await store.get("committed")), "mine");
    assert.match(logs.text(), /retried after CM had committed it/);
  });

  it("commit-then-503, then a 401 on the retry: still recognised after re-authenticating", async () => {
    for (const action of [
      { type: "status", status: 503, commit: true },
      { type: "status", status: 401 },
    ] as const) {
      cm.sim.faults.add({
        match: { method: "POST", path: CREATE_PATH },
        trigger: { type: "next", count: 1 },
        action,
      });
    }
    await store.create("committed-401", text("mine"));
    assert.deepEqual(statuses("POST", SECRETS), [503, 401, 409]);
    assert.equal(cm.sim.log.count({ method: "POST", path: "/api/v1/auth/tokens" }), 1);
    assert.equal(decode(await store.get("committed-401")), "mine");
  });

  it("commit-then-drop on create: recognised too", async () => {
    cm.sim.faults.add({
      match: { method: "POST", path: CREATE_PATH },
      trigger: { type: "next", count: 1 },
      action: { type: "drop", commit: true },
    });
    await store.create("dropped", text("mine"));
    assert.equal(decode(await store.get("dropped")), "mine");
    assert.equal(cm.sim.state.secrets().filter((s) => s.name === "dropped").length, 1);
  });

  it("a 409 on a retry for a key that holds other material is key_exists", async () => {
    await store.create("taken", text("theirs"));
    cm.sim.faults.add({
      match: { method: "POST", path: CREATE_PATH },
      trigger: { type: "next", count: 1 },
      action: { type: "status", status: 503 },
    });
    await assert.rejects(store.create("taken", text("mine")), (err: unknown) =>
      isKesError(err, "key_exists"),
    );
    assert.equal(decode(await store.get("taken")), "theirs");
  });

  it("retries a dropped connection and a truncated answer", async () => {
    await store.create("flaky", text("v"));
    for (const action of [{ type: "drop" }, { type: "truncate", fraction: 0.3 }] as const) {
      cm.sim.log.clear();
      cm.sim.faults.clear();
      cm.sim.faults.add({
        match: { path: EXPORT_PATH },
        trigger: { type: "next", count: 1 },
        action,
      });
      assert.equal(decode(await store.get("flaky")), "v", action.type);
      assert.equal(cm.sim.log.count({ method: "POST", path: /\/export$/ }), 2, action.type);
    }
  });

  it("does not retry a 4xx such as 429", async () => {
    cm.sim.faults.add({
      match: { method: "POST", path: CREATE_PATH },
      action: { type: "status", status: 429, retryAfter: "1" },
    });
    await failsCleanly(store.create("limited", text("v")), /create failed: 429/);
    assert.deepEqual(statuses("POST", SECRETS), [429]);
  });

  describe("an outage is never reported as a missing key", () => {
    for (const [label, action] of [
      ["401 even after re-authentication", { type: "status", status: 401 }],
      ["403", { type: "status", status: 403 }],
      ["500", { type: "status", status: 500 }],
      ["a proxy's HTML 404 page", { type: "status", status: 404, body: "html" }],
    ] as const) {
      it(`export answering ${label} is a keystore_failure`, async () => {
        await store.create(`present-${action.status}`, text("v")).catch(() => {});
        cm.sim.faults.add({ match: { path: EXPORT_PATH }, action });
        await failsCleanly(store.get(`present-${action.status}`), /get failed/);
        await failsCleanly(store.get("never-created"), /get failed/);
      });
    }

    it("delete answering 403 or a proxy's 404 page fails instead of claiming success", async () => {
      await store.create("keep-me", text("v"));
      for (const action of [
        { type: "status", status: 403 },
        { type: "status", status: 404, body: "html" },
      ] as const) {
        cm.sim.faults.clear();
        cm.sim.faults.add({ match: { method: "DELETE" }, action });
        await failsCleanly(store.delete("keep-me"), /delete failed/);
      }
      assert.ok(cm.sim.state.secrets().some((s) => s.name === "keep-me"));
    });
  });

  it("a hung export ends at the call deadline with a clear message", async () => {
    const quick = await cm.open({ timeoutMs: 1_000, logger: logs.logger });
    await quick.create("slow", text("v"));
    cm.sim.faults.add({ match: { path: EXPORT_PATH }, action: { type: "hang" } });
    const start = performance.now();
    await failsCleanly(
      quick.get("slow"),
      /no answer from CipherTrust Manager at 127\.0\.0\.1:\d+ within 1000 ms/,
    );
    const elapsed = performance.now() - start;
    assert.ok(elapsed < 2_000, `took ${elapsed} ms`);
  });

  it("stops when the caller aborts mid-call", async () => {
    await store.create("aborted", text("v"));
    cm.sim.faults.add({ match: { path: EXPORT_PATH }, action: { type: "latency", ms: 5_000 } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await failsCleanly(
      store.get("aborted", { signal: controller.signal }),
      /aborted by the caller/,
    );
  });

  it("refuses an oversize export instead of buffering it", async () => {
    await store.create("huge", text("v"));
    cm.sim.faults.add({
      match: { path: EXPORT_PATH },
      action: { type: "oversize", bytes: 9 << 20 },
    });
    await failsCleanly(store.get("huge"), /larger than 8388608 bytes/);
  });

  it("status: any HTTP answer of GET / is reachable, with no retry", async () => {
    cm.sim.faults.add({
      match: { method: "GET", path: "^/$" },
      action: { type: "status", status: 500 },
    });
    const status = await store.status();
    assert.equal(status.reachable, true);
    assert.equal(status.backend, "gemalto.keysecure");
    assert.ok(status.latencyMs >= 0);
    assert.deepEqual(statuses("GET", "/"), [500]);
  });

  it("keeps every token, JWT and material out of the log", async () => {
    cm.sim.faults.add({
      match: { method: "POST", path: CREATE_PATH },
      trigger: { type: "next", count: 1 },
      action: { type: "status", status: 503, commit: true },
    });
    await store.create("secret-material", text("TOP-SECRET-MATERIAL"));
    await store.get("secret-material");
    const logged = logs.text();
    assert.ok(logged.length > 0);
    assert.ok(!logged.includes("TOP-SECRET-MATERIAL"), "material leaked");
    assert.ok(!logged.includes(cm.refreshToken), "refresh token leaked");
    assert.ok(!/eyJ[A-Za-z0-9_-]+\./.test(logged), "a JWT leaked");
  });
});

describe("CipherTrust backend: an unreachable CipherTrust Manager", () => {
  it("fails at once on a refused connection (no retry) and reports status unreachable", async () => {
    const cm = await startCm();
    try {
      // A retry would wait at least 2 s before its second attempt.
      const store = await cm.open({ backoff: { baseMs: 2_000, jitterMs: 0 } });
      await store.create("k", text("v"));
      await cm.sim.close();
      // Let the client see its idle keep-alive connection close: reusing that one would be a
      // dropped connection (retried, rightly), not the refused one this test is about.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const start = performance.now();
      await failsCleanly(
        store.get("k"),
        /cannot connect to CipherTrust Manager at 127\.0\.0\.1:\d+: connection refused/,
      );
      assert.ok(performance.now() - start < 1_500, "it was retried");
      const status = await store.status();
      assert.equal(status.reachable, false);
      assert.match(status.detail ?? "", /connection refused/);
    } finally {
      await cm.close();
    }
  });
});
