import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InterpolationError, interpolate, interpolateDocument } from "./interpolate.js";

const env = { SET: "value", EMPTY: "", PORTS: "7373-7374" };
const value = (text: string) => interpolate(text, env).value;

describe("compose interpolation", () => {
  it("substitutes $VAR and ${VAR}, keeps $$ as a dollar", () => {
    assert.equal(value("a-$SET-${SET}-b"), "a-value-value-b");
    assert.equal(value("$$(cat file) costs $$5"), "$(cat file) costs $5");
    assert.equal(value("no variables"), "no variables");
  });

  it("applies defaults: :- for unset or empty, - for unset only", () => {
    assert.equal(value("${PORTS:-7373}:7373"), "7373-7374:7373");
    assert.equal(value("${MISSING:-7373}:7373"), "7373:7373");
    assert.equal(value("${EMPTY:-fallback}"), "fallback");
    assert.equal(value("${EMPTY-fallback}"), "");
    assert.equal(value("${MISSING-fallback}"), "fallback");
    assert.equal(value("${MISSING:-${SET}/x}"), "value/x");
  });

  it("applies alternatives: :+ when set and not empty, + when set", () => {
    assert.equal(value("${SET:+yes}"), "yes");
    assert.equal(value("${EMPTY:+yes}"), "");
    assert.equal(value("${EMPTY+yes}"), "yes");
    assert.equal(value("${MISSING+yes}"), "");
  });

  it("fails on required variables, naming them", () => {
    assert.throws(() => value("${MISSING:?set MISSING first}"), {
      message: /required variable MISSING is missing a value: set MISSING first/,
    });
    assert.throws(() => value("${EMPTY:?}"), InterpolationError);
    assert.equal(value("${EMPTY?}"), "");
  });

  it("reports unset variables used without a default (compose warns and uses '')", () => {
    const result = interpolate("a${MISSING}b$ALSO_MISSING", env);
    assert.equal(result.value, "ab");
    assert.deepEqual(result.unset, ["MISSING", "ALSO_MISSING"]);
    assert.deepEqual(interpolate("${MISSING:-x}", env).unset, []);
  });

  it("refuses malformed references, saying where", () => {
    assert.throws(() => interpolate("${SET", env, "services.a.ports[0]"), {
      message: /^services\.a\.ports\[0\]: unterminated/,
    });
    assert.throws(() => value("${1BAD}"), /invalid reference/);
    assert.throws(() => value("${SET%%x}"), /invalid reference/);
    assert.throws(() => value("cost: $5"), /written '\$\$'/);
  });

  it("interpolates every string of a document but not its keys", () => {
    const unset: string[] = [];
    const doc = interpolateDocument(
      { services: { "${SET}": { ports: ["${PORTS}:7373", 8], env: { A: "$MISSING" } } } },
      env,
      unset,
    );
    assert.deepEqual(doc, {
      services: { "${SET}": { ports: ["7373-7374:7373", 8], env: { A: "" } } },
    });
    assert.deepEqual(unset, ["MISSING"]);
  });
});
