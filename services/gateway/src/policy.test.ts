import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compilePolicies } from "./policy.js";

const ADMIN = "a".repeat(64);
const APP = "b".repeat(64);
const OTHER = "c".repeat(64);

// The user guide's policy (and the transcripts').
const MY_APP = {
  allow: ["/v1/key/create/my-app*", "/v1/key/generate/my-app*", "/v1/key/decrypt/my-app*"],
  deny: [],
  identities: [APP],
};

describe("policies", () => {
  it("the guide's my-app policy allows create/generate/decrypt of my-app* only", () => {
    const p = compilePolicies({ admin: null, policies: { "my-app": MY_APP } });
    assert.ok(p.allows(APP, "/v1/key/create/my-app-key"));
    assert.ok(p.allows(APP, "/v1/key/generate/my-app-key"));
    assert.ok(p.allows(APP, "/v1/key/decrypt/my-app"));
    assert.ok(p.allows(APP, "/v1/key/create/my-app.key"), "glob * matches any character but /");
    assert.ok(!p.allows(APP, "/v1/key/create/other-key"));
    assert.ok(!p.allows(APP, "/v1/key/encrypt/my-app-key"));
    assert.ok(!p.allows(APP, "/v1/key/describe/my-app-key"));
    assert.ok(!p.allows(APP, "/v1/key/list/*"));
    assert.ok(!p.allows(APP, "/v1/status"));
    assert.ok(!p.allows(APP, "/v1/key/create/my-app/x"), "* does not cross /");
    assert.ok(!p.allows(OTHER, "/v1/key/create/my-app-key"), "no policy: denied");
  });

  it("the admin bypasses every policy; a disabled admin is nobody", () => {
    const on = compilePolicies({ admin: ADMIN, policies: { "my-app": MY_APP } });
    assert.ok(on.isAdmin(ADMIN));
    assert.ok(on.allows(ADMIN, "/v1/key/delete/anything"));
    assert.ok(on.allows(ADMIN, "/v1/anything/at/all"));
    assert.ok(!on.isAdmin(APP));
    const off = compilePolicies({ admin: null, policies: { "my-app": MY_APP } });
    assert.ok(!off.isAdmin(ADMIN));
    assert.ok(!off.allows(ADMIN, "/v1/key/create/x"));
    assert.equal(off.admin, null);
  });

  it("deny wins over allow", () => {
    const p = compilePolicies({
      admin: ADMIN,
      policies: {
        minio: {
          allow: ["/v1/key/*/*"],
          deny: ["/v1/key/*/internal-*", "/v1/key/delete/*"],
          identities: [APP],
        },
      },
    });
    assert.ok(p.allows(APP, "/v1/key/create/data"));
    assert.ok(!p.allows(APP, "/v1/key/create/internal-x"));
    assert.ok(!p.allows(APP, "/v1/key/decrypt/internal-"));
    assert.ok(!p.allows(APP, "/v1/key/delete/data"));
  });

  it("uses Go path.Match globs: *, ?, classes, escapes; malformed never matches", () => {
    const allow = [
      "/v1/key/*",
      "/v1/key/describe/k?",
      "/v1/key/encrypt/[a-c]x",
      "/v1/key/decrypt/[^a-c]x",
      "/v1/key/generate/\\*",
      "/v1/key/list/[",
      "/v1/status",
    ];
    const p = compilePolicies({
      admin: null,
      policies: { p: { allow, deny: [], identities: [APP] } },
    });
    assert.ok(!p.allows(APP, "/v1/key/create/x"), "/v1/key/* does not reach /v1/key/create/x");
    assert.ok(p.allows(APP, "/v1/key/x"));
    assert.ok(p.allows(APP, "/v1/key/describe/k1"));
    assert.ok(!p.allows(APP, "/v1/key/describe/k12"));
    assert.ok(!p.allows(APP, "/v1/key/describe/k"));
    assert.ok(p.allows(APP, "/v1/key/encrypt/bx"));
    assert.ok(!p.allows(APP, "/v1/key/encrypt/dx"));
    assert.ok(p.allows(APP, "/v1/key/decrypt/dx"));
    assert.ok(!p.allows(APP, "/v1/key/decrypt/ax"));
    assert.ok(p.allows(APP, "/v1/key/generate/*"));
    assert.ok(!p.allows(APP, "/v1/key/generate/x"));
    assert.ok(!p.allows(APP, "/v1/key/list/["), "a malformed pattern never matches");
    assert.ok(p.allows(APP, "/v1/status"));
    assert.ok(!p.allows(APP, "/v1/status/"), "exact, no prefix semantics");
  });

  it("describes the policy of an identity with load time and creator", () => {
    const now = new Date("2024-01-02T03:04:05.678Z");
    const p = compilePolicies({ admin: ADMIN, policies: { "my-app": MY_APP } }, { now });
    const info = p.policyOf(APP);
    assert.deepEqual(info, {
      name: "my-app",
      allow: MY_APP.allow,
      deny: [],
      createdAt: now,
      createdBy: ADMIN,
    });
    assert.equal(p.policyOf(OTHER), undefined);
    assert.equal(p.loadedAt, now);
    const noAdmin = compilePolicies({ admin: null, policies: { "my-app": MY_APP } });
    assert.equal(noAdmin.policyOf(APP)?.createdBy, undefined);
  });

  it("refuses an identity in two policies, and the admin in a policy", () => {
    const second = { allow: [], deny: [], identities: [APP] };
    assert.throws(
      () => compilePolicies({ admin: null, policies: { "my-app": MY_APP, second } }),
      /assigned to both policy 'my-app' and 'second'/,
    );
    assert.throws(
      () => compilePolicies({ admin: APP, policies: { "my-app": MY_APP } }),
      /lists the admin identity/,
    );
  });
});
