import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isKesError } from "./errors.js";
import { validateName, validatePattern } from "./names.js";

function messageOf(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    assert.ok(isKesError(err, "invalid_argument"));
    return err.message;
  }
  return "ok";
}

describe("names and patterns (KES 2023 rules)", () => {
  it("accepts [0-9A-Za-z_-] up to 80 bytes", () => {
    assert.equal(
      messageOf(() => validateName("my-app_KEY-01")),
      "ok",
    );
    assert.equal(
      messageOf(() => validateName("a".repeat(80))),
      "ok",
    );
  });
  it("refuses empty, long and odd names with KES's messages", () => {
    assert.equal(
      messageOf(() => validateName("")),
      "invalid argument: name is empty",
    );
    assert.equal(
      messageOf(() => validateName("a".repeat(81))),
      "invalid argument: name is too long",
    );
    for (const bad of ["my-app.key", "a/b", "a b", "*", "é", "..", "a\u0000"]) {
      assert.equal(
        messageOf(() => validateName(bad)),
        "invalid argument: name contains invalid character",
        bad,
      );
    }
  });
  it("allows * in patterns only", () => {
    assert.equal(
      messageOf(() => validatePattern("my-*")),
      "ok",
    );
    assert.equal(
      messageOf(() => validatePattern("")),
      "invalid argument: pattern is empty",
    );
    assert.equal(
      messageOf(() => validatePattern("a?")),
      "invalid argument: pattern contains invalid character",
    );
  });
});
