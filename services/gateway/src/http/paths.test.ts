import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HttpError } from "./errors.js";
import { cleanPath, location, originForm, parseTarget, trimSpace } from "./paths.js";

describe("request paths", () => {
  it("cleans like Go's ServeMux (path.Clean, trailing slash kept)", () => {
    const cases: [string, string][] = [
      ["/v1/key/create/x", "/v1/key/create/x"],
      ["", "/"],
      ["v1/x", "/v1/x"],
      ["/v1//key/create/x", "/v1/key/create/x"],
      ["/v1/key/./create/x", "/v1/key/create/x"],
      ["/v1/key/list/../create/x", "/v1/key/create/x"],
      ["/v1/key/create/x/.", "/v1/key/create/x"],
      ["/v1/key/create/./", "/v1/key/create/"],
      ["/../v1", "/v1"],
      ["/v1/key/create/my-app.key", "/v1/key/create/my-app.key"],
      ["/v1/key/create/.hidden", "/v1/key/create/.hidden"],
    ];
    for (const [input, want] of cases) assert.equal(cleanPath(input), want, input);
  });

  it("splits the query and percent-decodes the path", () => {
    assert.deepEqual(parseTarget("/v1/key/create/a%2Db?enclave=x"), {
      path: "/v1/key/create/a-b",
      query: "enclave=x",
    });
    assert.deepEqual(parseTarget("/version"), { path: "/version", query: "" });
    assert.throws(
      () => parseTarget("/v1/key/create/%E0%A4%A"),
      (err) => err instanceof HttpError && err.status === 400,
    );
  });

  it("re-escapes the redirect location", () => {
    assert.equal(location("/v1/key/create/", ""), "/v1/key/create/");
    assert.equal(location("/v1/key/create/a b", "x=1"), "/v1/key/create/a%20b?x=1");
    assert.equal(location("/v1/a?b", ""), "/v1/a%3Fb");
  });

  it("trims white space as Go's strings.TrimSpace: Unicode White_Space, not U+FEFF", () => {
    const cases: [string, string][] = [
      [" \t\n\v\f\rname \t\n\v\f\r", "name"],
      ["\u00a0\u0085\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000name\u3000", "name"],
      ["\ufeffname\ufeff", "\ufeffname\ufeff"],
      ["\u200bname", "\u200bname"], // zero width space: not White_Space either
      ["a b", "a b"],
      ["  ", ""],
      ["", ""],
    ];
    for (const [input, want] of cases) assert.equal(trimSpace(input), want, JSON.stringify(input));
  });

  it("takes an absolute-form target's path and query, as Go routes it", () => {
    const cases: [string, string][] = [
      ["https://127.0.0.1:7382/v1/metrics", "/v1/metrics"],
      ["http://kes.example/v1/key/create/a%20b?x=1", "/v1/key/create/a%20b?x=1"],
      ["HTTPS://[::1]:7373/version", "/version"],
      ["https://127.0.0.1:7382", ""],
      ["https://127.0.0.1:7382?x=1", "?x=1"],
      ["/v1/metrics", "/v1/metrics"],
      ["//host/v1/metrics", "//host/v1/metrics"],
      ["v1/metrics", "v1/metrics"],
    ];
    for (const [input, want] of cases) assert.equal(originForm(input), want, input);
  });
});
