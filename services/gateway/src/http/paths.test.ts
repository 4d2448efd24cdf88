import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HttpError } from "./errors.js";
import { cleanPath, location, parseTarget } from "./paths.js";

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
});
