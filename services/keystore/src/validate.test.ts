import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isKesError } from "@kes/core";
import { pageOfNames } from "./backends/listing.js";
import { checkLimit, checkListRequest, checkValue } from "./validate.js";

const invalid = (fn: () => unknown, message: RegExp) =>
  assert.throws(
    fn,
    (err: unknown) => isKesError(err, "invalid_argument") && message.test(err.message),
  );

describe("request checks", () => {
  it("defaults and caps the list limit", () => {
    assert.equal(checkLimit(undefined), 1000);
    assert.equal(checkLimit(0), 1000);
    assert.equal(checkLimit(7), 7);
    assert.equal(checkLimit(1000), 1000);
    assert.equal(checkLimit(2 ** 32 - 1), 1000);
    for (const bad of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      invalid(() => checkLimit(bad), /limit must be a non-negative integer/);
    }
  });

  it("refuses empty and oversized values, naming the problem", () => {
    invalid(() => checkValue(new Uint8Array(0)), /value is empty/);
    invalid(() => checkValue(new Uint8Array((1 << 20) + 1)), /larger than 1048576 bytes/);
    invalid(() => checkValue("text" as unknown as Uint8Array), /not a byte array/);
    checkValue(new Uint8Array(1 << 20));
  });

  it("accepts only tokens that are names", () => {
    assert.deepEqual(checkListRequest({ prefix: "a" }), {
      prefix: "a",
      pageToken: "",
      limit: 1000,
    });
    invalid(() => checkListRequest({ prefix: "", pageToken: "a/b" }), /page token is malformed/);
    invalid(() => checkListRequest({ prefix: 1 as unknown as string }), /prefix is not a string/);
  });
});

describe("pageOfNames", () => {
  const names = ["b", "a", "c", "ab", "B"];
  it("sorts by bytes, filters by prefix and continues after the token", () => {
    assert.deepEqual(pageOfNames(names, { prefix: "", pageToken: "", limit: 2 }), {
      names: ["B", "a"],
      nextPageToken: "a",
    });
    assert.deepEqual(pageOfNames(names, { prefix: "", pageToken: "a", limit: 2 }), {
      names: ["ab", "b"],
      nextPageToken: "b",
    });
    assert.deepEqual(pageOfNames(names, { prefix: "", pageToken: "b", limit: 2 }), {
      names: ["c"],
      nextPageToken: "",
    });
    assert.deepEqual(pageOfNames(names, { prefix: "a", pageToken: "", limit: 5 }), {
      names: ["a", "ab"],
      nextPageToken: "",
    });
  });

  it("ends on a full last page without an extra empty one", () => {
    assert.deepEqual(pageOfNames(["a", "b"], { prefix: "", pageToken: "", limit: 2 }), {
      names: ["a", "b"],
      nextPageToken: "",
    });
  });
});
