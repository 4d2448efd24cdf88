import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyApiSettings } from "./api-settings.js";
import { listPattern } from "./list-pattern.js";
import { ROUTES } from "./routes.js";

describe("list patterns", () => {
  const names = ["app", "app-1", "app-2", "apple", "b-app"];
  const select = (pattern: string) => names.filter((n) => listPattern(pattern).matches(n));

  it("empty and * select everything", () => {
    assert.deepEqual(select(""), names);
    assert.deepEqual(select("*"), names);
    assert.equal(listPattern("").prefix, "");
  });

  it("a * makes it a 2023 glob, asked of the keystore by its literal prefix", () => {
    assert.deepEqual(select("app-*"), ["app-1", "app-2"]);
    assert.deepEqual(select("*app"), ["app", "b-app"]);
    assert.equal(listPattern("app-*").prefix, "app-");
  });

  it("a bare name is a prefix, as kms-go sends it", () => {
    assert.deepEqual(select("app"), ["app", "app-1", "app-2", "apple"]);
    assert.deepEqual(select("app-1"), ["app-1"]);
    assert.equal(listPattern("app").prefix, "app");
  });
});

describe("api.<path> settings", () => {
  const row = (routes: readonly { path: string }[], path: string) =>
    routes.find((r) => r.path === path) as (typeof ROUTES)[number];

  it("timeouts for any API, skip_auth for the read-only ones; paths with or without a slash", () => {
    const applied = applyApiSettings(ROUTES, {
      "/v1/metrics": { skipAuth: true },
      "/v1/key/generate": { skipAuth: false, timeoutMs: 2_000 },
    });
    assert.equal(row(applied.routes, "/v1/metrics").auth, "none");
    assert.equal(row(applied.routes, "/v1/key/generate/").timeoutMs, 2_000);
    assert.equal(applied.anySkipAuth, true);
    assert.deepEqual(applied.warnings, []);
    assert.equal(row(ROUTES, "/v1/metrics").auth, "policy", "the table itself is unchanged");
  });

  it("refuses skip_auth on key APIs and timeouts on streams, and names unknown paths", () => {
    const applied = applyApiSettings(ROUTES, {
      "/v1/key/decrypt/": { skipAuth: true },
      "/v1/log/audit": { skipAuth: false, timeoutMs: 1_000 },
      "/v1/nope": { skipAuth: true },
    });
    assert.equal(row(applied.routes, "/v1/key/decrypt/").auth, "policy");
    assert.equal(row(applied.routes, "/v1/log/audit").timeoutMs, 0);
    assert.equal(applied.anySkipAuth, false);
    assert.equal(applied.warnings.length, 3);
    assert.match(
      applied.warnings[0] ?? "",
      /api\.\/v1\/key\/decrypt\/\.skip_auth: only .* may skip/,
    );
    assert.match(applied.warnings[1] ?? "", /api\.\/v1\/log\/audit\.timeout: .* stream/);
    assert.match(applied.warnings[2] ?? "", /api\.\/v1\/nope: no such API/);
  });
});
