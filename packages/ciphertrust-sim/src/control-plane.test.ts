import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { type Simulator, startSimulator } from "./index.js";
import { call } from "./testing/http.js";
import { guideSetup, jwtFor, kesCreate, kesGet } from "./testing/setup.js";

describe("control plane over HTTP (/__sim/*) and the request log", () => {
  let sim: Simulator;
  const ctl = (method: string, path: string, body?: unknown) =>
    call(sim.url, method, `/__sim${path}`, body === undefined ? {} : { body });

  before(async () => {
    sim = await startSimulator({ jwtTtlSeconds: 60 });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it("health and state; control requests are neither logged nor faulted", async () => {
    sim.faults.add({ action: { type: "status", status: 503 } });
    assert.deepEqual((await ctl("GET", "/health")).json, { ok: true });
    const state = await ctl("GET", "/state");
    assert.deepEqual(state.json.domains, ["root"]);
    assert.deepEqual(
      state.json.users.map((u: { username: string; groups: string[] }) => [u.username, u.groups]),
      [["admin", ["admin"]]],
    );
    assert.equal(sim.log.count(), 0);
    assert.equal((await call(sim.url, "GET", "/")).status, 503, "data plane is faulted");
  });

  it("faults: add, list, remove one, clear; bad specs get 400 naming the field", async () => {
    const added = await ctl("POST", "/faults", {
      match: { method: "get", path: "^/$" },
      trigger: { type: "next", count: 1 },
      action: { type: "status", status: 502, body: "html" },
    });
    assert.equal(added.status, 201);
    const listed = await ctl("GET", "/faults");
    assert.equal(listed.json.faults[0].id, added.json.id);
    assert.deepEqual(listed.json.faults[0].match, { method: "GET", path: "^/$" });
    assert.equal((await call(sim.url, "GET", "/")).status, 502);
    assert.equal((await call(sim.url, "GET", "/")).status, 200);
    assert.equal((await ctl("DELETE", `/faults/${added.json.id}`)).status, 204);
    assert.equal((await ctl("DELETE", `/faults/${added.json.id}`)).status, 404);
    await ctl("POST", "/faults", { action: { type: "hang" } });
    assert.equal((await ctl("DELETE", "/faults")).status, 204);
    assert.equal(sim.faults.list().length, 0);

    const bad = await ctl("POST", "/faults", { action: { type: "status", status: "x" } });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /action.status/);
  });

  it("clock advance expires JWTs; revoke and expire tokens; issue refresh tokens", async () => {
    await guideSetup(sim);
    const issued = await ctl("POST", "/refresh-tokens", {
      username: "kes",
      password: "S3cret-pw!",
    });
    assert.equal(issued.status, 201);
    const rt = issued.json.refresh_token as string;
    let jwt = await jwtFor(sim, rt);
    assert.equal((await kesGet(sim, jwt, "x")).status, 404);

    const advanced = await ctl("POST", "/clock/advance", { seconds: 60 });
    assert.equal(advanced.json.offsetMs, 60_000);
    assert.equal((await kesGet(sim, jwt, "x")).status, 401);

    jwt = await jwtFor(sim, rt);
    const revoked = await ctl("POST", "/tokens/revoke", { jwts: true });
    assert.ok(revoked.json.jwtsRevoked >= 1);
    assert.equal((await kesGet(sim, jwt, "x")).status, 401);

    jwt = await jwtFor(sim, rt);
    assert.equal((await ctl("POST", "/tokens/expire", { jwts: true })).status, 200);
    assert.equal((await kesGet(sim, jwt, "x")).status, 401);

    assert.equal(
      (await ctl("POST", "/tokens/revoke", { refreshToken: rt })).json.refreshTokensRevoked,
      1,
    );
    await assert.rejects(jwtFor(sim, rt), /401/);

    const other = (
      await ctl("POST", "/refresh-tokens", { username: "kes", password: "S3cret-pw!" })
    ).json.refresh_token as string;
    assert.equal((await ctl("POST", "/tokens/expire", { refreshToken: other })).status, 200);
    await assert.rejects(jwtFor(sim, other), /401/);

    const wrong = await ctl("POST", "/refresh-tokens", { username: "kes", password: "bad" });
    assert.equal(wrong.status, 401);
    assert.equal((await ctl("POST", "/clock/advance", {})).status, 400);
  });

  it("settings: read, patch, and reject unknown or ill-typed ones", async () => {
    assert.equal((await ctl("GET", "/settings")).json.jwtTtlSeconds, 60);
    const patched = await ctl("PATCH", "/settings", { jwtTtlSeconds: 5, exportDeniedStatus: 403 });
    assert.equal(patched.status, 200);
    assert.equal(sim.settings.jwtTtlSeconds, 5);
    assert.match(
      (await ctl("PATCH", "/settings", { nope: 1 })).json.error,
      /unknown setting "nope"/,
    );
    assert.match((await ctl("PATCH", "/settings", { groupsFrom: "x" })).json.error, /groupsFrom/);
    assert.equal((await ctl("POST", "/reset")).status, 204);
    assert.equal(sim.settings.jwtTtlSeconds, 60, "reset restores the initial settings");
  });

  it("domains and seeded secrets", async () => {
    assert.equal((await ctl("POST", "/domains", { name: "d1" })).status, 201);
    assert.equal((await ctl("POST", "/domains", { name: "d1" })).status, 409);
    const seeded = await ctl("POST", "/secrets", { domain: "d1", name: "pre", material: "m" });
    assert.equal(seeded.status, 201);
    assert.equal(sim.state.secrets("d1")[0]?.name, "pre");
    assert.equal((await ctl("POST", "/secrets", { domain: "zz", name: "x" })).status, 404);
  });

  it("the request log records requests with secrets redacted, filters, and clears", async () => {
    const { refreshToken } = await guideSetup(sim);
    const jwt = await jwtFor(sim, refreshToken);
    await kesCreate(sim, jwt, "logged", "top-secret-material");
    await call(sim.url, "GET", "/api/v1/vault/secrets?limit=200&skip=0", { token: jwt });

    const res = await ctl("GET", `/log?method=POST&path=${encodeURIComponent("^/api/v1/vault")}`);
    const entries = res.json.entries;
    assert.equal(entries.length, 1);
    const [entry] = entries;
    assert.equal(entry.route, "secrets.create");
    assert.equal(entry.status, 201);
    assert.equal(entry.outcome, "answered");
    assert.equal(entry.headers.authorization, "Bearer [redacted]");
    assert.deepEqual(entry.body, { dataType: "seed", material: "[redacted]", name: "logged" });
    assert.ok(!JSON.stringify(res.json).includes("top-secret-material"));
    assert.ok(!JSON.stringify(res.json).includes(jwt));

    const token = sim.log.entries({ route: "auth.tokens.create" })[0];
    assert.deepEqual(token?.body, {
      grant_type: "refresh_token",
      refresh_token: "[redacted]",
      domain: "",
    });
    const list = sim.log.entries({ route: "secrets.list" })[0];
    assert.deepEqual(list?.query, { limit: "200", skip: "0" });

    assert.equal((await ctl("DELETE", "/log")).status, 204);
    assert.equal(sim.log.count(), 0);
    assert.equal((await ctl("GET", "/log?path=(")).status, 400);
  });

  it("unknown control routes are 404, wrong methods 405", async () => {
    assert.equal((await ctl("GET", "/nothing")).status, 404);
    assert.equal((await ctl("GET", "/reset")).status, 405);
  });
});
