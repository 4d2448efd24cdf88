import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ROUTES } from "./routes.js";

describe("the route table", () => {
  it("is pinned: every CM route, its method and whether it needs a bearer JWT", () => {
    assert.deepEqual(
      ROUTES.map((r) => `${r.method} ${r.name} ${r.auth}`),
      [
        "POST auth.tokens.create none",
        "GET auth.tokens.list bearer",
        "DELETE auth.tokens.revoke bearer",
        "POST secrets.create bearer",
        "GET secrets.list bearer",
        "POST secrets.export bearer",
        "GET secrets.get bearer",
        "DELETE secrets.delete bearer",
        "POST users.create bearer",
        "GET users.list bearer",
        "GET users.get bearer",
        "DELETE users.delete bearer",
        "POST groups.create bearer",
        "GET groups.list bearer",
        "GET groups.get bearer",
        "DELETE groups.delete bearer",
        "POST groups.users.add bearer",
        "DELETE groups.users.remove bearer",
        "POST policies.create bearer",
        "GET policies.list bearer",
        "GET policies.get bearer",
        "PATCH policies.update bearer",
        "DELETE policies.delete bearer",
        "POST attachments.create bearer",
        "GET attachments.list bearer",
        "GET attachments.get bearer",
        "DELETE attachments.delete bearer",
        "POST domains.create bearer",
        "GET domains.list bearer",
      ],
    );
  });

  it("maps KES's paths to the right routes, with and without a trailing slash", () => {
    const route = (method: string, path: string) =>
      ROUTES.find((r) => r.method === method && r.path.test(path))?.name;
    assert.equal(route("POST", "/api/v1/auth/tokens"), "auth.tokens.create");
    assert.equal(route("POST", "/api/v1/auth/tokens/"), "auth.tokens.create");
    assert.equal(route("POST", "/api/v1/vault/secrets"), "secrets.create");
    assert.equal(route("GET", "/api/v1/vault/secrets/"), "secrets.list");
    assert.equal(route("POST", "/api/v1/vault/secrets/my-key/export"), "secrets.export");
    assert.equal(route("DELETE", "/api/v1/vault/secrets/my-key"), "secrets.delete");
    assert.equal(
      route("POST", "/api/v1/usermgmt/groups/KES-Service/users/local%7Cabc"),
      "groups.users.add",
    );
    assert.equal(route("GET", "/api/v1/vault/secrets/a/b"), undefined);
  });
});
