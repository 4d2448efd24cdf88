import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { type Simulator, startSimulator } from "./index.js";
import { call } from "./testing/http.js";
import {
  GUIDE_ACTIONS,
  guideSetup,
  jwtFor,
  kesCreate,
  kesDelete,
  kesGet,
  kesList,
} from "./testing/setup.js";

describe("policies (guide step 4, ciphertrust.md §4.4, §5.3)", () => {
  let sim: Simulator;
  let admin: string;

  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.close());
  beforeEach(async () => {
    sim.reset();
    admin = await jwtFor(sim, await sim.issueRefreshToken("admin", "admin"));
  });

  it("the guide's policy allows create, get, list and delete", async () => {
    const jwt = await jwtFor(sim, (await guideSetup(sim)).refreshToken);
    assert.equal((await kesCreate(sim, jwt, "k", "m")).status, 201);
    assert.equal((await kesGet(sim, jwt, "k")).json.material, "m");
    assert.deepEqual((await kesList(sim, jwt)).names, ["k"]);
    assert.equal((await kesDelete(sim, jwt, "k")).status, 204);
  });

  it("without DeleteKey a delete answers 404 and the secret stays", async () => {
    const { refreshToken } = await guideSetup(sim, {
      actions: GUIDE_ACTIONS.filter((a) => a !== "DeleteKey"),
    });
    const jwt = await jwtFor(sim, refreshToken);
    await kesCreate(sim, jwt, "keep");
    const res = await kesDelete(sim, jwt, "keep");
    assert.equal(res.status, 404);
    assert.equal(res.json.code, 16);
    assert.equal(sim.state.secrets().length, 1);
    assert.equal((await kesGet(sim, jwt, "keep")).status, 200);
  });

  it("without ExportKey an export answers 404 (403 with exportDeniedStatus)", async () => {
    const { refreshToken } = await guideSetup(sim, {
      actions: GUIDE_ACTIONS.filter((a) => a !== "ExportKey"),
    });
    const jwt = await jwtFor(sim, refreshToken);
    await kesCreate(sim, jwt, "k");
    assert.equal((await kesGet(sim, jwt, "k")).status, 404);
    assert.deepEqual((await kesList(sim, jwt)).names, ["k"], "still visible in lists");
    sim.settings.exportDeniedStatus = 403;
    const res = await kesGet(sim, jwt, "k");
    assert.equal(res.status, 403);
    assert.match(res.json.codeDesc, /^NCERRInsufficientPermissions/);
  });

  it("another group's user sees nothing: list empty, get/delete 404, create 403", async () => {
    const kes = await jwtFor(sim, (await guideSetup(sim)).refreshToken);
    await kesCreate(sim, kes, "private");
    sim.state.createGroup({ name: "Others" });
    const stranger = sim.state.createUser({ username: "stranger", password: "pw" });
    sim.state.addMember("Others", stranger.id);
    const jwt = await jwtFor(sim, await sim.issueRefreshToken("stranger", "pw"));
    assert.deepEqual(await kesList(sim, jwt), { names: [], pages: 1 });
    assert.equal((await kesGet(sim, jwt, "private")).status, 404);
    assert.equal((await kesDelete(sim, jwt, "private")).status, 404);
    const create = await kesCreate(sim, jwt, "mine");
    assert.equal(create.status, 403);
    assert.equal(create.json.code, 7);
    assert.match(create.json.codeDesc, /^NCERRInsufficientPermissions/);
    assert.equal(sim.state.secrets().length, 1);
  });

  it("resources narrow which secrets a policy reaches", async () => {
    const { refreshToken } = await guideSetup(sim, {
      resources: ["kylo:kylo:vault:secrets:app-*"],
    });
    const jwt = await jwtFor(sim, refreshToken);
    assert.equal((await kesCreate(sim, jwt, "App-One")).status, 201, "URIs are lower-cased");
    assert.equal((await kesCreate(sim, jwt, "other")).status, 403);
    await kesCreate(sim, admin, "hidden");
    assert.deepEqual((await kesList(sim, jwt)).names, ["App-One"]);
  });

  it("a deny policy wins over an allow policy", async () => {
    const { refreshToken } = await guideSetup(sim);
    const deny = sim.state.createPolicy({
      name: "no-delete",
      allow: false,
      actions: ["DeleteKey"],
      resources: ["*"],
    });
    sim.state.attach(deny.id, { groups: ["KES-Service"], users: [] }, {});
    const jwt = await jwtFor(sim, refreshToken);
    await kesCreate(sim, jwt, "k");
    assert.equal((await kesDelete(sim, jwt, "k")).status, 404);
  });

  it("runtime changes take effect at once: policy edits, detaching, membership", async () => {
    const { user, refreshToken } = await guideSetup(sim);
    const jwt = await jwtFor(sim, refreshToken);
    await kesCreate(sim, jwt, "k");
    const policy = sim.state.policy("KES-Service-policy");
    assert.ok(policy);

    const patch = await call(sim.url, "PATCH", `/api/v1/admin/policies/${policy.id}`, {
      token: admin,
      body: { actions: ["ReadKey", "CreateKey"] },
    });
    assert.equal(patch.status, 200);
    assert.equal((await kesGet(sim, jwt, "k")).status, 404, "ExportKey removed");

    sim.state.updatePolicy(policy.id, { actions: GUIDE_ACTIONS });
    assert.equal((await kesGet(sim, jwt, "k")).status, 200);

    const leave = await call(
      sim.url,
      "DELETE",
      `/api/v1/usermgmt/groups/KES-Service/users/${encodeURIComponent(user.id)}`,
      { token: admin },
    );
    assert.equal(leave.status, 204);
    assert.equal((await kesGet(sim, jwt, "k")).status, 404, "membership removed");
    assert.equal((await kesDelete(sim, jwt, "k")).status, 404, "delete 'succeeds' for KES");
    assert.equal(sim.state.secrets().length, 1);
  });

  it("a policy can also be attached to a user id (sub selector)", async () => {
    const user = sim.state.createUser({ username: "solo", password: "pw" });
    const policy = await call(sim.url, "POST", "/api/v1/admin/policies", {
      token: admin,
      body: { name: "solo", allow: true, actions: GUIDE_ACTIONS, resources: ["*"] },
    });
    assert.equal(policy.status, 201);
    const att = await call(sim.url, "POST", "/api/v1/admin/policy-attachments", {
      token: admin,
      body: { policy: "solo", principalSelector: { sub: [user.id] } },
    });
    assert.equal(att.status, 201);
    assert.equal(att.json.policy, policy.json.id);
    const jwt = await jwtFor(sim, await sim.issueRefreshToken("solo", "pw"));
    assert.equal((await kesCreate(sim, jwt, "s")).status, 201);
  });

  it("the admin group bypasses policy; the admin plane is for admins only", async () => {
    assert.equal((await kesCreate(sim, admin, "by-admin")).status, 201);
    const jwt = await jwtFor(sim, (await guideSetup(sim)).refreshToken);
    for (const [method, path] of [
      ["GET", "/api/v1/usermgmt/users"],
      ["POST", "/api/v1/usermgmt/groups"],
      ["POST", "/api/v1/admin/policies"],
      ["POST", "/api/v1/admin/policy-attachments"],
    ] as const) {
      const res = await call(sim.url, method, path, { token: jwt, body: { name: "x" } });
      assert.equal(res.status, 403, `${method} ${path}`);
    }
  });

  it("admin plane validates its input and names the problem", async () => {
    const cases: [string, unknown, number, RegExp][] = [
      [
        "/api/v1/admin/policies",
        { name: "p", actions: ["ReadKey"], resources: ["*"] },
        400,
        /allow/,
      ],
      ["/api/v1/admin/policies", { name: "p", allow: true, resources: ["*"] }, 400, /actions/],
      [
        "/api/v1/admin/policy-attachments",
        { policy: "nope", principalSelector: { sub: ["x"] } },
        404,
        /NotFound/,
      ],
      [
        "/api/v1/admin/policy-attachments",
        { policy: "nope", principalSelector: {} },
        400,
        /cust.groups or sub/,
      ],
      ["/api/v1/usermgmt/users", { username: "u" }, 400, /password is required/],
      ["/api/v1/usermgmt/users", { username: "admin", password: "x" }, 409, /NCERRConflict/],
      ["/api/v1/usermgmt/groups", { name: "admin" }, 409, /NCERRConflict/],
    ];
    for (const [path, body, status, re] of cases) {
      const res = await call(sim.url, "POST", path, { token: admin, body });
      assert.equal(res.status, status, `${path} ${JSON.stringify(body)}`);
      assert.match(res.json.codeDesc, re);
    }
    const missing = await call(sim.url, "POST", "/api/v1/usermgmt/groups/nope/users/local%7Cx", {
      token: admin,
    });
    assert.equal(missing.status, 404);
  });
});
