/**
 * The CipherTrust token lifecycle against the simulator, in real time: renewal at half the JWT
 * lifetime, retries every credentials.retry, re-authentication on a 401, revoked refresh
 * tokens, and close() ending it all.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { isKesError } from "@kes/core";
import { captureLogs, decode, startCm, TOKEN_PATH, text } from "./support.js";

const tokenRequests = (cm: { sim: { log: { count(f: object): number } } }) =>
  cm.sim.log.count({ method: "POST", path: "/api/v1/auth/tokens" });

/** Token requests CM refused (the revoked refresh token's renewal attempts). */
const refusedTokenRequests = (cm: {
  sim: { log: { entries(f: object): { status: number | null }[] } };
}) =>
  cm.sim.log
    .entries({ method: "POST", path: "/api/v1/auth/tokens" })
    .filter((e) => e.status === 401).length;

/** Polls `condition` every 50 ms; fails after `timeoutMs` (a loaded machine delays timers). */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("CipherTrust token lifecycle", () => {
  it("2 s JWTs, 10 s of continuous create/get traffic: no failed request", async () => {
    const cm = await startCm({ sim: { jwtTtlSeconds: 2 } });
    try {
      const store = await cm.open();
      const failures: string[] = [];
      let calls = 0;
      const until = Date.now() + 10_000;
      const worker = async (id: number) => {
        for (let i = 0; Date.now() < until; i++) {
          const name = `w${id}-${i}`;
          try {
            calls += 2;
            await store.create(name, text(name));
            if (decode(await store.get(name)) !== name) failures.push(`${name}: wrong value`);
          } catch (err) {
            failures.push(`${name}: ${String(err)}`);
          }
        }
      };
      await Promise.all([0, 1, 2, 3].map(worker));
      assert.deepEqual(failures, [], `${failures.length} of ${calls} calls failed`);
      assert.ok(calls > 100, `only ${calls} calls in 10 s`);
      // Renewed about every second (duration / 2), not once per call. 10 s on 2 s tokens need at
      // least 5 of them; a busy machine can delay renewals towards that, never below it.
      const renewals = tokenRequests(cm);
      assert.ok(renewals >= 5 && renewals < 40, `${renewals} token requests`);
    } finally {
      await cm.close();
    }
  });

  it("a revoked refresh token: clear renewal errors, clean failures once the JWT expires, recovery with a new token", async () => {
    const cm = await startCm({ sim: { jwtTtlSeconds: 2 } });
    const logs = captureLogs();
    try {
      const store = await cm.open({ logger: logs.logger }, { retryMs: 500 });
      await store.create("kept", text("value"));
      const revoked = cm.refreshToken;
      const opened = Date.now();
      cm.sim.state.revokeRefreshToken(revoked);
      const before = tokenRequests(cm);
      // Renewal keeps trying every retry (500 ms) and says why it fails.
      await waitFor(() => tokenRequests(cm) - before >= 3, "three renewal attempts");
      // ...and the 2 s JWT has surely expired (CM's expiry has one-second granularity).
      await sleep(Math.max(0, 3_000 - (Date.now() - opened)));
      assert.match(logs.text(), /access token renewal failed/);
      assert.match(
        logs.text(),
        /CipherTrust Manager refused the refresh token \(keystore\.gemalto\.keysecure\.credentials\.token\): 401 NCERRUnauthorizedAccess - Token has been revoked/,
      );

      // The JWT has expired: calls fail as an outage (502), never as "key does not exist".
      // One call at a time: a rejection must never wait unobserved for its turn.
      for (const call of [
        () => store.get("kept"),
        () => store.create("new", text("v")),
        () => store.list({ prefix: "" }),
      ]) {
        await assert.rejects(call(), (err: unknown) => {
          assert.ok(isKesError(err, "keystore_failure"), String(err));
          assert.match(err.message, /access token was refused \(401\) and could not be renewed/);
          return true;
        });
      }
      assert.ok(!logs.text().includes(revoked), "the refresh token was logged");

      // Recovery: a new store with a valid refresh token (no config reload exists).
      cm.refreshToken = await cm.sim.issueRefreshToken("kes", "Kes-Passw0rd!");
      const recovered = await cm.open();
      assert.equal(decode(await recovered.get("kept")), "value");
      await store.close();
      // The closed store stops renewing: no more refused attempts with the revoked token
      // (it tried every 500 ms before), while the new store keeps working.
      const refusedAtClose = refusedTokenRequests(cm);
      await sleep(1_500);
      assert.equal(refusedTokenRequests(cm), refusedAtClose, "renewals after close()");
      assert.equal(decode(await recovered.get("kept")), "value");
      await recovered.close();
    } finally {
      await cm.close();
    }
  });

  it("honours credentials.retry: a long retry means few renewal attempts", async () => {
    const cm = await startCm({ sim: { jwtTtlSeconds: 2 } });
    try {
      const store = await cm.open({}, { retryMs: 60_000 });
      await store.create("k", text("v"));
      const opened = Date.now();
      cm.sim.state.revokeRefreshToken(cm.refreshToken);
      const before = tokenRequests(cm);
      await waitFor(() => tokenRequests(cm) - before >= 1, "the failed renewal");
      await sleep(Math.max(0, 3_000 - (Date.now() - opened)));
      // One failed renewal at ~1 s; calls after the JWT expired reuse that failure.
      await assert.rejects(store.get("k"), (err: unknown) => isKesError(err, "keystore_failure"));
      await assert.rejects(store.get("k"), (err: unknown) => isKesError(err, "keystore_failure"));
      assert.equal(tokenRequests(cm) - before, 1);
    } finally {
      await cm.close();
    }
  });

  it("re-authenticates once on a 401 (a CM restart), one token request for concurrent calls", async () => {
    const cm = await startCm();
    try {
      const store = await cm.open();
      const names = Array.from({ length: 10 }, (_, i) => `k${i}`);
      for (const name of names) await store.create(name, text(name));
      cm.sim.log.clear();
      cm.sim.state.revokeJwts();
      const values = await Promise.all(names.map((n) => store.get(n)));
      assert.deepEqual(values.map(decode), names);
      assert.equal(tokenRequests(cm), 1);
      assert.equal(
        cm.sim.log.count({ method: "POST", path: /\/export$/ }),
        20,
        "each call sent twice",
      );
    } finally {
      await cm.close();
    }
  });

  it("a renewal that hangs times out; the store heals on its own once CM answers again", async () => {
    const cm = await startCm({ sim: { jwtTtlSeconds: 2 } });
    try {
      const store = await cm.open({ timeoutMs: 1_000 }, { retryMs: 300 });
      await store.create("k", text("v"));
      const hang = cm.sim.faults.add({ match: { path: TOKEN_PATH }, action: { type: "hang" } });
      await sleep(3_000);
      await assert.rejects(store.get("k"), (err: unknown) => isKesError(err, "keystore_failure"));
      cm.sim.faults.remove(hang);
      await sleep(2_000);
      assert.equal(decode(await store.get("k")), "v");
    } finally {
      await cm.close();
    }
  });

  it("close() stops the renewals", async () => {
    const cm = await startCm({ sim: { jwtTtlSeconds: 2 } });
    try {
      const store = await cm.open();
      await store.close();
      const closed = tokenRequests(cm);
      await sleep(2_500);
      assert.equal(tokenRequests(cm), closed);
      await assert.rejects(store.get("k"), /closed/);
    } finally {
      await cm.close();
    }
  });
});
