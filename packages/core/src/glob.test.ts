import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { globPrefix, matchGlob } from "./glob.js";

describe("matchGlob (Go path.Match semantics, KES 2023 policies)", () => {
  const cases: [pattern: string, path: string, want: boolean][] = [
    ["/v1/key/create/my-app*", "/v1/key/create/my-app-key", true],
    ["/v1/key/create/my-app*", "/v1/key/create/my-app", true],
    ["/v1/key/create/my-app*", "/v1/key/create/other", false],
    ["/v1/key/create/my-app*", "/v1/key/create/my-app/x", false],
    ["/v1/key/*", "/v1/key/create/x", false], // `*` does not cross `/`
    ["/v1/key/*/*", "/v1/key/create/x", true],
    ["/v1/key/*/my-app*", "/v1/key/decrypt/my-app-1", true],
    ["/v1/key/generate/?", "/v1/key/generate/a", true],
    ["/v1/key/generate/?", "/v1/key/generate/ab", false],
    ["/v1/key/[a-c]x", "/v1/key/bx", true],
    ["/v1/key/[^a-c]x", "/v1/key/bx", false],
    ["/v1/key/[^a-c]x", "/v1/key/dx", true],
    ["/v1/key/\\*", "/v1/key/*", true],
    ["/v1/key/\\*", "/v1/key/a", false],
    ["/v1/status", "/v1/status", true],
    ["/v1/status", "/v1/status/", false],
    ["*", "abc", true],
    ["*", "a/b", false],
    ["a.b", "axb", false], // `.` is literal
    ["", "", true],
  ];
  for (const [pattern, path, want] of cases) {
    it(`${JSON.stringify(pattern)} ${want ? "matches" : "does not match"} ${path}`, () => {
      assert.equal(matchGlob(pattern, path), want);
    });
  }

  it("never matches with a malformed pattern", () => {
    for (const bad of ["[", "[]", "[a-", "a\\", "[z-a]", "[-a]"]) {
      assert.equal(matchGlob(bad, bad), false, bad);
      assert.equal(matchGlob(bad, "a"), false, bad);
    }
  });

  it("finds the literal prefix of a pattern", () => {
    assert.equal(globPrefix("my-app*"), "my-app");
    assert.equal(globPrefix("*"), "");
    assert.equal(globPrefix("key?"), "key");
    assert.equal(globPrefix("exact"), "exact");
  });
});
