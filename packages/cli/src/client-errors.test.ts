import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KesApiError, KesNetworkError, READ_BROKEN } from "@kes/client";
import { toCliError } from "./client-errors.js";
import { CliError } from "./errors.js";

describe("toCliError: an answer without a KES error message", () => {
  const bare = new KesApiError(
    404,
    "the server answered 404 Not Found without a KES error message",
    "https://127.0.0.1:7373",
    { withoutMessage: true },
  );

  it("names the setting the address came from", () => {
    const cases: [Parameters<typeof toCliError>[1], string][] = [
      ["KES_SERVER", "(is KES_SERVER=https://127.0.0.1:7373 a KES server?)"],
      ["--server", "(is --server https://127.0.0.1:7373 a KES server?)"],
      ["default", "(is https://127.0.0.1:7373 (the default, KES_SERVER is not set) a KES server?)"],
    ];
    for (const [source, hint] of cases) {
      const err = toCliError(bare, source);
      assert.ok(err instanceof CliError);
      assert.equal(err.message, `${bare.message} ${hint}`);
    }
  });

  it("leaves KES's own messages as they are", () => {
    const kes = new KesApiError(404, "key does not exist", "https://127.0.0.1:7373");
    const err = toCliError(kes, "default");
    assert.ok(err instanceof CliError);
    assert.equal(err.message, "key does not exist");
  });
});

describe("toCliError: network failures", () => {
  it("a connection lost while an answer was read is not 'cannot connect'", () => {
    const lost = new KesNetworkError("reset", "https://127.0.0.1:7373", "broke", {
      detail: READ_BROKEN,
    });
    const err = toCliError(lost);
    assert.ok(err instanceof CliError);
    assert.equal(
      err.message,
      "lost the connection to https://127.0.0.1:7373: connection broke while reading the response",
    );
    const refused = new KesNetworkError("reset", "https://127.0.0.1:7373", "reset", {
      detail: "connection reset",
    });
    assert.match((toCliError(refused) as Error).message, /^cannot connect to https:\/\/127/);
  });
});
