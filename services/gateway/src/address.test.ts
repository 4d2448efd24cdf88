import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatAddress, parseAddress } from "./address.js";

describe("listen address", () => {
  it("parses host:port, [v6]:port and :port", () => {
    assert.deepEqual(parseAddress("0.0.0.0:7373"), { host: "0.0.0.0", port: 7373 });
    assert.deepEqual(parseAddress("127.0.0.1:0"), { host: "127.0.0.1", port: 0 });
    assert.deepEqual(parseAddress("[::1]:7373"), { host: "::1", port: 7373 });
    assert.deepEqual(parseAddress(":7373"), { host: "", port: 7373 });
    assert.deepEqual(parseAddress("localhost:80"), { host: "localhost", port: 80 });
  });

  it("refuses anything else with an example", () => {
    for (const bad of ["7373", "host", "host:", "host:70000", "::1:7373", "[x]:1", "a:b"]) {
      assert.throws(() => parseAddress(bad), /expected host:port|not an IPv6/, bad);
    }
  });

  it("formats IPv6 in brackets", () => {
    assert.equal(formatAddress("::1", 1), "[::1]:1");
    assert.equal(formatAddress("127.0.0.1", 2), "127.0.0.1:2");
  });
});
