/**
 * The config package checks `api.<path>` against its own list of API paths, because it cannot
 * import the gateway (which depends on it). This keeps that list equal to the route table the
 * gateway serves, so neither can drift.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { API_PATHS } from "@kes/config";
import { ROUTES } from "@kes/gateway";

describe("api.<path> in the config", () => {
  it("knows exactly the gateway's API paths, in its order", () => {
    assert.deepEqual(
      [...API_PATHS],
      ROUTES.map((route) => route.path),
    );
  });
});
