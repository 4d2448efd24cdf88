import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRouteTable } from "./http/route-table.js";
import type { Route } from "./http/types.js";
import { ROUTES } from "./routes.js";

const MiB = 1_048_576;

describe("route table", () => {
  it("is pinned: methods, paths, body limits, timeouts, auth, arguments, observation", () => {
    const rows = ROUTES.map((r) => [
      r.methods.join(","),
      r.path,
      r.maxBody,
      r.timeoutMs,
      r.auth,
      r.argument,
      r.observe,
    ]);
    // biome-ignore format: a table
    assert.deepEqual(rows, [
      ["GET",      "/version",                   0,   15_000, "none",   "none",    "audit"],
      ["GET",      "/v1/ready",                  0,   15_000, "policy", "none",    "metrics"],
      ["GET",      "/v1/status",                 0,   15_000, "policy", "none",    "metrics"],
      ["GET",      "/v1/metrics",                0,   15_000, "policy", "none",    "none"],
      ["GET",      "/v1/api",                    0,   15_000, "policy", "none",    "metrics"],
      ["POST,PUT", "/v1/key/create/",            0,   15_000, "policy", "name",    "audit"],
      ["POST,PUT", "/v1/key/import/",            MiB, 15_000, "policy", "name",    "audit"],
      ["GET",      "/v1/key/describe/",          0,   15_000, "policy", "name",    "audit"],
      ["DELETE",   "/v1/key/delete/",            0,   15_000, "policy", "name",    "audit"],
      ["GET",      "/v1/key/list/",              0,   15_000, "policy", "pattern", "audit"],
      ["POST,PUT", "/v1/key/generate/",          MiB, 15_000, "policy", "name",    "audit"],
      ["POST,PUT", "/v1/key/encrypt/",           MiB, 15_000, "policy", "name",    "audit"],
      ["POST,PUT", "/v1/key/decrypt/",           MiB, 15_000, "policy", "name",    "audit"],
      ["POST",     "/v1/key/bulk/decrypt/",      MiB, 15_000, "policy", "name",    "audit"],
      ["PUT,POST", "/v1/key/hmac/",              MiB, 15_000, "policy", "name",    "audit"],
      ["GET",      "/v1/policy/describe/",       0,   15_000, "policy", "name",    "audit"],
      ["GET",      "/v1/policy/read/",           0,   15_000, "policy", "name",    "audit"],
      ["GET",      "/v1/policy/list/",           0,   15_000, "policy", "pattern", "audit"],
      ["GET",      "/v1/identity/describe/",     0,   15_000, "policy", "name",    "audit"],
      ["GET",      "/v1/identity/self/describe", 0,   15_000, "none",   "none",    "audit"],
      ["GET",      "/v1/identity/list/",         0,   15_000, "policy", "pattern", "audit"],
      ["GET",      "/v1/log/error",              0,   0,      "policy", "none",    "metrics"],
      ["GET",      "/v1/log/audit",              0,   0,      "policy", "none",    "metrics"],
    ]);
  });

  it("routes like Go's ServeMux: exact paths, longest prefix, nothing else", () => {
    const table = createRouteTable(ROUTES);
    const at = (path: string) => table.lookup(path)?.path;
    assert.equal(at("/version"), "/version");
    assert.equal(at("/version/"), undefined);
    assert.equal(at("/version/x"), undefined);
    assert.equal(at("/v1/key/create/my-key"), "/v1/key/create/");
    assert.equal(at("/v1/key/create/"), "/v1/key/create/");
    assert.equal(at("/v1/key/create/a/b"), "/v1/key/create/");
    assert.equal(at("/v1/key/bulk/decrypt/k"), "/v1/key/bulk/decrypt/");
    assert.equal(at("/v1/key/bulk/k"), undefined);
    assert.equal(at("/v1/identity/self/describe"), "/v1/identity/self/describe");
    assert.equal(at("/v1/identity/self/describe/x"), undefined);
    assert.equal(at("/v1/key/hmac/k"), "/v1/key/hmac/");
    assert.equal(at("/v1/policy/write/p"), undefined);
    assert.equal(at("/"), undefined);
  });

  it("redirects a prefix without its slash, and nothing else", () => {
    const table = createRouteTable(ROUTES);
    assert.equal(table.redirectWithSlash("/v1/key/create"), "/v1/key/create/");
    assert.equal(table.redirectWithSlash("/v1/key/bulk/decrypt"), "/v1/key/bulk/decrypt/");
    assert.equal(table.redirectWithSlash("/v1/key/create/"), undefined);
    assert.equal(table.redirectWithSlash("/version"), undefined);
    assert.equal(table.redirectWithSlash("/v1/key"), undefined);
  });

  it("refuses a malformed table", () => {
    const base = ROUTES[0] as Route;
    assert.throws(() => createRouteTable([base, base]), /listed twice/);
    assert.throws(() => createRouteTable([{ ...base, argument: "name" }]), /prefix routes/);
    assert.throws(() => createRouteTable([{ ...base, path: "/x/" }]), /prefix routes/);
    assert.throws(() => createRouteTable([{ ...base, methods: [] }]), /no method/);
    assert.throws(() => createRouteTable([{ ...base, maxBody: -1 }]), /bad limit/);
  });
});
