import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileGlob, globPrefix, matchGlob } from "./glob.js";

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
    ["", "a", false],
    ["a**b", "axyb", true], // consecutive stars are one
    ["*a*", "bab", true],
    ["*a*", "bbb", false],
    ["*x", "axbx", true], // the last chunk must end the name: later places are tried
    ["*/b", "a/b", true],
    ["*/b", "a/c/b", false],
    ["/v1/key/list/[^/]x", "/v1/key/list//x", false],
    ["[^a]", "/", true], // a class may match `/`, as in Go
    ["?", "é", true], // one character, not one byte
    ["?", "😀", true],
    ["??", "😀", false],
    ["*😀", "a😀", true],
    ["[😀-😂]", "😁", true],
    ["\\[", "[", true],
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

  it("takes linear time on patterns that make a backtracking RegExp explode", () => {
    // A RegExp with `[^/]*` per star takes minutes here (the ReDoS a list request could cause).
    const name = `my-app-${"a".repeat(5000)}`;
    const pattern = `my-app${"*a".repeat(40)}*b`;
    const started = process.hrtime.bigint();
    assert.equal(matchGlob(pattern, name), false);
    assert.equal(matchGlob(`my-app${"*a".repeat(40)}*`, name), true);
    // Generous bound: a linear match takes well under a millisecond per 1000 characters.
    assert.ok(process.hrtime.bigint() - started < 2_000_000_000n, "matching took over 2 s");
  });

  it("agrees with a backtracking reference on random patterns and names", () => {
    // Reference: the full search (exponential, fine on short inputs) of what Go's greedy
    // placement must find whenever a match exists for these `*`, `?` and literal patterns.
    const reference = (p: string, n: string): boolean => {
      if (p === "") return n === "";
      if (p[0] === "*") {
        for (let i = 0; i <= n.length; i++) {
          if (reference(p.slice(1), n.slice(i))) return true;
          if (n[i] === "/") return false;
        }
        return false;
      }
      if (n === "") return false;
      if (p[0] === "?") return n[0] !== "/" && reference(p.slice(1), n.slice(1));
      return p[0] === n[0] && reference(p.slice(1), n.slice(1));
    };
    let seed = 42;
    const random = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % k;
    };
    const pick = (alphabet: string, max: number) =>
      Array.from({ length: random(max + 1) }, () => alphabet[random(alphabet.length)]).join("");
    for (let i = 0; i < 5000; i++) {
      const pattern = pick("ab*?/", 6);
      const name = pick("ab/", 7);
      assert.equal(matchGlob(pattern, name), reference(pattern, name), `${pattern} ~ ${name}`);
    }
  });

  it("compiles valid patterns and refuses malformed ones", () => {
    assert.notEqual(compileGlob("/v1/key/*"), null);
    assert.equal(compileGlob("/v1/key/["), null);
  });

  it("finds the literal prefix of a pattern", () => {
    assert.equal(globPrefix("my-app*"), "my-app");
    assert.equal(globPrefix("*"), "");
    assert.equal(globPrefix("key?"), "key");
    assert.equal(globPrefix("exact"), "exact");
  });
});
