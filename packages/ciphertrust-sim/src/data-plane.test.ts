import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { type Simulator, startSimulator } from "./index.js";
import { call } from "./testing/http.js";
import { guideSetup, jwtFor, kesCreate, kesDelete, kesGet } from "./testing/setup.js";

describe("data plane: the requests KES makes (ciphertrust.md §1.3)", () => {
  let sim: Simulator;
  let refreshToken: string;
  let jwt: string;

  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.close());
  beforeEach(async () => {
    sim.reset();
    ({ refreshToken } = await guideSetup(sim));
    jwt = await jwtFor(sim, refreshToken);
  });

  it("#1 refresh grant: 200 JSON with jwt, duration, Bearer, client_id and the same refresh token", async () => {
    for (const path of ["/api/v1/auth/tokens", "/api/v1/auth/tokens/"]) {
      const res = await call(sim.url, "POST", path, {
        body: { grant_type: "refresh_token", refresh_token: refreshToken, domain: "" },
      });
      assert.equal(res.status, 200);
      assert.match(String(res.headers["content-type"]), /^application\/json/);
      assert.equal(typeof res.json.jwt, "string");
      assert.ok(res.json.jwt.length > 0);
      assert.equal(res.json.duration, 300);
      assert.equal(res.json.token_type, "Bearer");
      assert.equal(typeof res.json.client_id, "string");
      assert.equal(res.json.refresh_token, refreshToken);
    }
  });

  it("#2 create: 201 with the resource (no material), lower-cased URI; duplicate is 409 NCERRConflict", async () => {
    const res = await kesCreate(sim, jwt, "My-Key", "opaque text");
    assert.equal(res.status, 201);
    assert.match(String(res.headers["content-type"]), /^application\/json/);
    assert.equal(res.json.name, "My-Key");
    assert.equal(res.json.uri, "kylo:kylo:vault:secrets:my-key-v0");
    assert.equal(res.json.dataType, "seed");
    assert.equal(res.json.objectType, "Secret Data");
    assert.equal(res.json.state, "Active");
    assert.match(res.json.id, /^[0-9a-f]{64}$/);
    assert.equal(res.json.material, undefined);

    const dup = await kesCreate(sim, jwt, "My-Key", "other");
    assert.equal(dup.status, 409);
    assert.match(String(dup.headers["content-type"]), /^application\/json/);
    assert.equal(dup.json.code, 11);
    assert.match(dup.json.codeDesc, /^NCERRConflict/);
    assert.equal(typeof dup.json.requestID, "string");
  });

  it("#3 export: POST with empty body returns the material verbatim; missing is 404 code 16", async () => {
    const material = '{"bytes":"AAAA","algorithm":"AES256-GCM_SHA256"}';
    assert.equal((await kesCreate(sim, jwt, "k1", material)).status, 201);
    const res = await kesGet(sim, jwt, "k1");
    assert.equal(res.status, 200);
    assert.match(String(res.headers["content-type"]), /^application\/json/);
    assert.equal(res.json.material, material);
    assert.equal(res.json.name, "k1");

    const missing = await kesGet(sim, jwt, "nope");
    assert.equal(missing.status, 404);
    assert.deepEqual(
      { code: missing.json.code, codeDesc: missing.json.codeDesc },
      { code: 16, codeDesc: "NCERRResourceNotFound: Resource not found" },
    );
  });

  it("#4 delete: 204 with an empty body, then 404", async () => {
    await kesCreate(sim, jwt, "gone");
    const res = await kesDelete(sim, jwt, "gone");
    assert.equal(res.status, 204);
    assert.equal(res.text, "");
    assert.equal((await kesDelete(sim, jwt, "gone")).status, 404);
    assert.equal((await kesGet(sim, jwt, "gone")).status, 404);
  });

  it("#5 list: {skip, limit, total, resources[{name}]} in creation order", async () => {
    for (const n of ["b", "a", "c"]) await kesCreate(sim, jwt, n);
    const res = await call(sim.url, "GET", "/api/v1/vault/secrets?limit=200&skip=0", {
      token: jwt,
    });
    assert.equal(res.status, 200);
    assert.equal(res.json.skip, 0);
    assert.equal(res.json.limit, 200);
    assert.equal(res.json.total, 3);
    assert.deepEqual(
      res.json.resources.map((r: { name: string }) => r.name),
      ["b", "a", "c"],
    );
    const second = await call(sim.url, "GET", "/api/v1/vault/secrets?limit=200&skip=3", {
      token: jwt,
    });
    assert.deepEqual(
      { skip: second.json.skip, resources: second.json.resources },
      { skip: 3, resources: [] },
    );
  });

  it("#6 status probe: GET / answers 200 HTML without auth", async () => {
    const res = await call(sim.url, "GET", "/");
    assert.equal(res.status, 200);
    assert.match(String(res.headers["content-type"]), /^text\/html/);
  });

  it("a missing Authorization header gets a 401 that is not JSON", async () => {
    for (const [method, path] of [
      ["POST", "/api/v1/vault/secrets"],
      ["GET", "/api/v1/vault/secrets"],
      ["POST", "/api/v1/vault/secrets/x/export"],
      ["DELETE", "/api/v1/vault/secrets/x"],
    ] as const) {
      const res = await call(sim.url, method, path);
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.match(String(res.headers["content-type"]), /^text\/plain/);
      assert.throws(() => JSON.parse(res.text));
    }
  });

  it("a bad or foreign JWT gets 401 JSON NCERRUnauthorizedAccess (code 5)", async () => {
    for (const token of ["garbage", `${jwt.slice(0, -4)}AAAA`]) {
      const res = await call(sim.url, "GET", "/api/v1/vault/secrets", { token });
      assert.equal(res.status, 401);
      assert.equal(res.json.code, 5);
      assert.equal(res.json.codeDesc, "NCERRUnauthorizedAccess");
    }
    const basic = await call(sim.url, "GET", "/api/v1/vault/secrets", {
      headers: { authorization: "Basic YWRtaW46YWRtaW4=" },
    });
    assert.equal(basic.status, 401);
    assert.equal(basic.json.code, 5);
  });

  it("bad input gets 400 naming the problem", async () => {
    const badJson = await call(sim.url, "POST", "/api/v1/vault/secrets", {
      token: jwt,
      body: "{not json",
      headers: { "content-type": "application/json" },
    });
    assert.equal(badJson.status, 400);
    assert.equal(badJson.json.code, 15);
    assert.match(badJson.json.codeDesc, /^NCERRBadRequest: .*JSON/);

    const cases: [unknown, RegExp][] = [
      [
        { name: "x", dataType: "key", material: "m" },
        /dataType must be one of blob, password, seed/,
      ],
      [{ dataType: "seed", material: "m" }, /name is required/],
      [{ name: "x", dataType: "seed" }, /material is required/],
      [{ name: "a/b", dataType: "seed", material: "m" }, /name must not contain/],
    ];
    for (const [body, re] of cases) {
      const res = await call(sim.url, "POST", "/api/v1/vault/secrets", { token: jwt, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.code, 9);
      assert.match(res.json.codeDesc, re);
    }
    const badType = await call(sim.url, "POST", "/api/v1/vault/secrets/x/export?type=label", {
      token: jwt,
    });
    assert.equal(badType.status, 400);
    assert.match(badType.json.codeDesc, /type must be one of name, id, uri/);
    const badGrant = await call(sim.url, "POST", "/api/v1/auth/tokens", {
      body: { grant_type: "client_credentials" },
    });
    assert.equal(badGrant.status, 400);
    assert.match(badGrant.json.codeDesc, /grant_type/);
  });

  it("unknown API paths are 404 JSON, wrong methods 405; non-API paths are the web UI", async () => {
    const unknown = await call(sim.url, "GET", "/api/v1/nothing", { token: jwt });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.code, 16);
    const wrong = await call(sim.url, "PUT", "/api/v1/vault/secrets", { token: jwt });
    assert.equal(wrong.status, 405);
    // A KES endpoint with a trailing slash sends "//api/v1/...": not an API path here.
    const doubled = await call(sim.url, "POST", "//api/v1/auth/tokens", {
      body: { grant_type: "refresh_token", refresh_token: refreshToken, domain: "" },
    });
    assert.equal(doubled.status, 404);
    assert.match(String(doubled.headers["content-type"]), /^text\/html/);
  });

  it("export and delete accept an id, a uri, and id-shaped refs without type", async () => {
    const created = await kesCreate(sim, jwt, "By-Id", "m1");
    const id = created.json.id as string;
    const byId = await call(sim.url, "POST", `/api/v1/vault/secrets/${id}/export`, { token: jwt });
    assert.equal(byId.json.material, "m1");
    const byUri = await call(
      sim.url,
      "POST",
      `/api/v1/vault/secrets/${encodeURIComponent(created.json.uri)}/export?type=uri`,
      { token: jwt },
    );
    assert.equal(byUri.json.material, "m1");
    const meta = await call(sim.url, "GET", `/api/v1/vault/secrets/By-Id?type=name`, {
      token: jwt,
    });
    assert.equal(meta.status, 200);
    assert.equal(meta.json.material, undefined);
    assert.equal(meta.json.neverExported, false);
    assert.equal(
      (await call(sim.url, "DELETE", `/api/v1/vault/secrets/${id}`, { token: jwt })).status,
      204,
    );
  });

  it("strictMaterial: seed material must be hex", async () => {
    sim.settings.strictMaterial = true;
    const res = await kesCreate(sim, jwt, "strict", "not hex");
    assert.equal(res.status, 400);
    assert.match(res.json.codeDesc, /hex/);
    assert.equal((await kesCreate(sim, jwt, "strict", "00ff")).status, 201);
  });

  it("caseInsensitiveNames: names differing only in case collide", async () => {
    assert.equal((await kesCreate(sim, jwt, "Case")).status, 201);
    assert.equal((await kesCreate(sim, jwt, "case")).status, 201);
    sim.settings.caseInsensitiveNames = true;
    assert.equal((await kesCreate(sim, jwt, "CASE")).status, 409);
  });

  it("unexportable and undeletable secrets answer 403", async () => {
    const res = await call(sim.url, "POST", "/api/v1/vault/secrets", {
      token: jwt,
      body: {
        name: "locked",
        dataType: "seed",
        material: "m",
        unexportable: true,
        undeletable: true,
      },
    });
    assert.equal(res.status, 201);
    const exp = await kesGet(sim, jwt, "locked");
    assert.equal(exp.status, 403);
    assert.match(exp.json.codeDesc, /^NCERRInsufficientPermissions/);
    assert.equal((await kesDelete(sim, jwt, "locked")).status, 403);
  });
});
