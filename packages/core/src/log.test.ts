import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { createLogger, LOG_LEVELS, resolveLogLevel } from "./log.js";

const VALID = "valid: fatal, error, warn, info, debug, trace, silent";

describe("log level", () => {
  it("takes KES_LOG_LEVEL, forgiving case and blanks, and defaults to info", () => {
    assert.equal(resolveLogLevel(undefined, {}), "info");
    assert.equal(resolveLogLevel(undefined, { KES_LOG_LEVEL: "" }), "info");
    assert.equal(resolveLogLevel(undefined, { KES_LOG_LEVEL: " Debug " }), "debug");
    for (const level of LOG_LEVELS) {
      assert.equal(resolveLogLevel(undefined, { KES_LOG_LEVEL: level }), level);
    }
  });

  it("prefers the level given in code over the environment", () => {
    assert.equal(resolveLogLevel("warn", { KES_LOG_LEVEL: "debug" }), "warn");
  });

  it("refuses an unknown level, naming the variable and the valid values", () => {
    assert.throws(
      () => resolveLogLevel(undefined, { KES_LOG_LEVEL: "verbose" }),
      (err: unknown) =>
        err instanceof Error &&
        err.message === `KES_LOG_LEVEL "verbose" is not a log level; ${VALID}`,
    );
    assert.throws(() => resolveLogLevel("loud", {}), /^Error: log level "loud" is not a log level/);
  });

  it("createLogger checks KES_LOG_LEVEL instead of passing pino's own error on", () => {
    const saved = process.env.KES_LOG_LEVEL;
    process.env.KES_LOG_LEVEL = "verbose";
    try {
      assert.throws(() => createLogger(), /KES_LOG_LEVEL "verbose" is not a log level/);
    } finally {
      if (saved === undefined) delete process.env.KES_LOG_LEVEL;
      else process.env.KES_LOG_LEVEL = saved;
    }
  });

  it("logs at the level asked for", () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ level: "WARN", destination });
    logger.info("not shown");
    logger.warn("shown");
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? "", /"msg":"shown"/);
  });
});
