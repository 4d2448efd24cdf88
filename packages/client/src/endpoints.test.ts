import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isKesError } from "@kes/core";
import { apiPath, normalizeEndpoint, parseEndpoints } from "./endpoints.js";

describe("endpoints", () => {
  it("adds https:// when the scheme is missing and drops trailing slashes", () => {
    assert.equal(normalizeEndpoint("127.0.0.1:7373"), "https://127.0.0.1:7373");
    assert.equal(normalizeEndpoint(" https://kes.example.com/ "), "https://kes.example.com");
    assert.equal(normalizeEndpoint("https://kes.example.com:443"), "https://kes.example.com");
    assert.equal(normalizeEndpoint("https://[::1]:7373"), "https://[::1]:7373");
    assert.equal(normalizeEndpoint("https://lb.example.com/kes/"), "https://lb.example.com/kes");
  });

  it("refuses what is not an https endpoint, naming it", () => {
    for (const [bad, why] of [
      ["", /empty/],
      ["http://127.0.0.1:7373", /must use https/],
      ["https://", /not a valid URL/],
      ["https://h:7373/?x=1", /query/],
      ["https://user:pw@h", /user info/],
    ] as const) {
      assert.throws(
        () => normalizeEndpoint(bad),
        (err: unknown) => isKesError(err, "invalid_argument") && why.test(err.message),
        bad,
      );
    }
  });

  it("splits comma-separated lists and removes duplicates", () => {
    assert.deepEqual(parseEndpoints("a:1, b:2,,a:1"), ["https://a:1", "https://b:2"]);
    assert.deepEqual(parseEndpoints(["https://a:1", "c:3"]), ["https://a:1", "https://c:3"]);
    assert.throws(() => parseEndpoints(" , "), /no KES server endpoint/);
  });

  it("escapes the argument as one path segment", () => {
    assert.equal(apiPath("/v1/key/create", "my-key"), "/v1/key/create/my-key");
    assert.equal(apiPath("/v1/key/list", "my-*"), "/v1/key/list/my-*");
    assert.equal(apiPath("/v1/key/create", "a/b c"), "/v1/key/create/a%2Fb%20c");
    assert.equal(apiPath("/version"), "/version");
  });
});
