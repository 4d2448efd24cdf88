import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { matchPattern } from "./evaluate.js";

describe("matchPattern (CM resource and action patterns)", () => {
  const rows: [string, string, boolean][] = [
    ["kylo:kylo:vault:secrets:*", "kylo:kylo:vault:secrets:my-key-v0", true],
    ["kylo:kylo:vault:secrets:*", "kylo:kylo:vault:keys:my-key-v0", false],
    ["kylo:kylo:vault:secrets:app-*", "kylo:kylo:vault:secrets:app-1-v0", true],
    ["kylo:kylo:vault:secrets:app-*", "kylo:kylo:vault:secrets:other-v0", false],
    ["*", "anything:at:all", true],
    ["kylo:kylo:vault:secrets:a.b-v0", "kylo:kylo:vault:secrets:aXb-v0", false],
    ["CreateKey", "CreateKey", true],
    ["CreateKey", "createkey", false],
    ["*Key", "ExportKey", true],
  ];
  for (const [pattern, value, expected] of rows) {
    it(`${pattern} ${expected ? "matches" : "does not match"} ${value}`, () => {
      assert.equal(matchPattern(pattern, value), expected);
    });
  }
});
