import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { type Simulator, startSimulator } from "./index.js";
import { call } from "./testing/http.js";
import { guideSetup, jwtFor, kesCreate, kesGet } from "./testing/setup.js";

function claims(jwt: string) {
  return JSON.parse(Buffer.from(jwt.split(".")[1] as string, "base64url").toString("utf8"));
}

function refreshGrant(sim: Simulator, refreshToken: string, domain = "") {
  return call(sim.url, "POST", "/api/v1/auth/tokens", {
    body: { grant_type: "refresh_token", refresh_token: refreshToken, domain },
  });
}

describe("token lifecycle (ciphertrust.md §2, §5.3)", () => {
  let sim: Simulator;
  let now = Date.parse("2025-01-01T00:00:00Z");

  before(async () => {
    sim = await startSimulator({ jwtTtlSeconds: 10, clock: () => now });
  });
  after(() => sim.close());
  beforeEach(() => {
    now = Date.parse("2025-01-01T00:00:00Z");
    sim.reset();
  });

  it("issues HS256 JWTs with CM-like claims and the configured ttl", async () => {
    const { user, refreshToken } = await guideSetup(sim);
    const res = await refreshGrant(sim, refreshToken);
    assert.equal(res.json.duration, 10);
    const header = JSON.parse(Buffer.from(res.json.jwt.split(".")[0], "base64url").toString());
    assert.equal(header.alg, "HS256");
    const c = claims(res.json.jwt);
    assert.equal(c.iss, "kylo");
    assert.equal(c.sub, user.id);
    assert.match(c.sub, /^local\|[0-9a-f-]{36}$/);
    assert.equal(c.preferred_username, "kes");
    assert.deepEqual(c.cust.groups, ["KES-Service"]);
    assert.equal(c.exp - c.iat, 10);
    assert.equal(c.iat, now / 1000);
    assert.equal(typeof c.jwtid, "string");
  });

  it("a JWT expires on the virtual clock; a new refresh grant heals", async () => {
    const { refreshToken } = await guideSetup(sim);
    const jwt = await jwtFor(sim, refreshToken);
    assert.equal((await kesCreate(sim, jwt, "k")).status, 201);
    now += 9_999;
    assert.equal((await kesGet(sim, jwt, "k")).status, 200);
    sim.clock.advance(1);
    const expired = await kesGet(sim, jwt, "k");
    assert.equal(expired.status, 401);
    assert.equal(expired.json.code, 5);
    assert.equal(expired.json.codeDesc, "NCERRUnauthorizedAccess");
    const fresh = await jwtFor(sim, refreshToken);
    assert.equal((await kesGet(sim, fresh, "k")).status, 200);
  });

  it("revoking all JWTs (a simulated CM restart) fails data calls with 401 until renewal", async () => {
    const { refreshToken } = await guideSetup(sim);
    const jwt = await jwtFor(sim, refreshToken);
    // Two live JWTs: the one from the password login that minted the refresh token, and jwt.
    assert.equal(sim.state.revokeJwts(), 2);
    const res = await kesGet(sim, jwt, "k");
    assert.equal(res.status, 401);
    assert.equal(res.json.message, "Token has been revoked");
    assert.equal((await kesGet(sim, await jwtFor(sim, refreshToken), "k")).status, 404);
  });

  it("a revoked refresh token cannot renew; the running JWT works until it expires", async () => {
    const { refreshToken } = await guideSetup(sim);
    const jwt = await jwtFor(sim, refreshToken);
    const admin = await jwtFor(sim, await sim.issueRefreshToken("admin", "admin"));
    const listed = await call(sim.url, "GET", "/api/v1/auth/tokens?limit=100", { token: admin });
    const entry = listed.json.resources.find(
      (t: { user_id: string }) => t.user_id === sim.state.userByUsername("kes")?.id,
    );
    assert.ok(entry, "the refresh token is listed");
    const revoke = await call(sim.url, "DELETE", `/api/v1/auth/tokens/${entry.id}`, {
      token: admin,
    });
    assert.equal(revoke.status, 204);

    const renewal = await refreshGrant(sim, refreshToken);
    assert.equal(renewal.status, 401);
    assert.deepEqual(
      { code: renewal.json.code, codeDesc: renewal.json.codeDesc },
      { code: 5, codeDesc: "NCERRUnauthorizedAccess" },
    );
    assert.equal((await kesGet(sim, jwt, "k")).status, 404, "old JWT still valid");
    now += 10_000;
    assert.equal((await kesGet(sim, jwt, "k")).status, 401);
  });

  it("unknown refresh tokens and wrong passwords get 401 code 5", async () => {
    const unknown = await refreshGrant(sim, "not-a-token");
    assert.equal(unknown.status, 401);
    assert.equal(unknown.json.message, "Invalid token");
    const wrong = await call(sim.url, "POST", "/api/v1/auth/tokens", {
      body: { grant_type: "password", username: "admin", password: "nope" },
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.code, 5);
  });

  it("password grant: a refresh token only when asked (renew_refresh_token), with lifetimes", async () => {
    const plain = await call(sim.url, "POST", "/api/v1/auth/tokens", {
      body: { grant_type: "password", username: "admin", password: "admin" },
    });
    assert.equal(plain.status, 200);
    assert.equal(plain.json.refresh_token, undefined);
    assert.equal(plain.json.token_type, "Bearer");

    const withRt = await call(sim.url, "POST", "/api/v1/auth/tokens", {
      body: {
        grant_type: "password",
        username: "admin",
        password: "admin",
        renew_refresh_token: true,
        refresh_token_lifetime: 60,
      },
    });
    assert.equal(typeof withRt.json.refresh_token, "string");
    assert.match(withRt.json.refresh_token, /^[A-Za-z0-9]{64}$/);
    assert.equal(withRt.json.refresh_token_expires_in, 3600);
    now += 3_599_000;
    assert.equal((await refreshGrant(sim, withRt.json.refresh_token)).status, 200);
    now += 1_000;
    const late = await refreshGrant(sim, withRt.json.refresh_token);
    assert.equal(late.status, 401);
    assert.equal(late.json.message, "Token has expired");
  });

  it("an inactivity limit expires an unused refresh token, and each use restarts it", async () => {
    const res = await call(sim.url, "POST", "/api/v1/auth/tokens", {
      body: {
        grant_type: "password",
        username: "admin",
        password: "admin",
        renew_refresh_token: true,
        refresh_token_revoke_unused_in: 1,
      },
    });
    const rt = res.json.refresh_token as string;
    now += 59_000;
    assert.equal((await refreshGrant(sim, rt)).status, 200);
    now += 59_000;
    assert.equal((await refreshGrant(sim, rt)).status, 200);
    now += 60_000;
    assert.equal((await refreshGrant(sim, rt)).status, 401);
  });

  it("domains: a JWT works only in its domain; a mismatching domain is rejected by default", async () => {
    sim.state.addDomain("tenant-a");
    const { refreshToken } = await guideSetup(sim, { domain: "tenant-a" });
    const jwtA = await jwtFor(sim, refreshToken, "");
    assert.equal(claims(jwtA).cust.domain, "tenant-a");
    assert.equal((await kesCreate(sim, jwtA, "in-a")).status, 201);
    assert.equal(sim.state.secrets("tenant-a").length, 1);
    assert.equal(sim.state.secrets("root").length, 0);
    assert.equal((await jwtFor(sim, refreshToken, "tenant-a")).length > 0, true);

    const other = await refreshGrant(sim, refreshToken, "root");
    assert.equal(other.status, 401);

    sim.settings.refreshDomainMismatch = "ignore";
    const ignored = await refreshGrant(sim, refreshToken, "root");
    assert.equal(claims(ignored.json.jwt).cust.domain, "tenant-a");

    sim.settings.refreshDomainMismatch = "accept";
    const rootJwt = (await refreshGrant(sim, refreshToken, "root")).json.jwt as string;
    assert.equal(claims(rootJwt).cust.domain, "root");
    assert.equal((await kesGet(sim, rootJwt, "in-a")).status, 404, "root cannot see tenant-a");
    assert.equal((await refreshGrant(sim, refreshToken, "no-such")).status, 401);
  });

  it("groupsFrom=token evaluates policy with the groups stamped in the JWT", async () => {
    const { user, refreshToken } = await guideSetup(sim);
    const jwt = await jwtFor(sim, refreshToken);
    await kesCreate(sim, jwt, "k");
    sim.state.removeMember("KES-Service", user.id);
    assert.equal((await kesGet(sim, jwt, "k")).status, 404, "current groups: access lost");
    sim.settings.groupsFrom = "token";
    assert.equal((await kesGet(sim, jwt, "k")).status, 200, "token snapshot: still in the group");
  });

  it("a disabled or deleted user's tokens stop working", async () => {
    const { user, refreshToken } = await guideSetup(sim);
    const jwt = await jwtFor(sim, refreshToken);
    sim.state.setUserEnabled(user.id, false);
    assert.equal((await kesGet(sim, jwt, "k")).status, 401);
    assert.equal((await refreshGrant(sim, refreshToken)).status, 401);
  });
});
