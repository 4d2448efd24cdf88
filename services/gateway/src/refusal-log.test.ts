import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "@kes/core";
import { createRefusalLog } from "./refusal-log.js";

function capture(options: { intervalMs?: number; maxLinesPerInterval?: number }) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: "warn",
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  let clock = 0;
  const log = createRefusalLog(logger, { ...options, now: () => clock });
  return {
    log,
    advance: (ms: number) => {
      clock += ms;
    },
    seen: () => lines.map((l) => [l["remote"], l["reason"], l["unlogged"]]),
  };
}

describe("refused-certificate log", () => {
  it("one line per IP per interval; the next line counts what was left out", () => {
    const { log, advance, seen } = capture({ intervalMs: 10_000 });
    log("10.0.0.1", "CERT_HAS_EXPIRED");
    log("10.0.0.1", "CERT_HAS_EXPIRED");
    advance(5_000);
    log("10.0.0.1", "CERT_HAS_EXPIRED");
    log("10.0.0.2", "no client certificate");
    advance(5_000);
    log("10.0.0.1", "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    log(undefined, "no client certificate");
    assert.deepEqual(seen(), [
      ["10.0.0.1", "CERT_HAS_EXPIRED", undefined],
      ["10.0.0.2", "no client certificate", undefined],
      ["10.0.0.1", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", 2],
      ["unknown", "no client certificate", undefined],
    ]);
  });

  it("a scanner from many IPs gets a fixed number of lines per interval", () => {
    const { log, advance, seen } = capture({ intervalMs: 10_000, maxLinesPerInterval: 3 });
    for (let i = 0; i < 10_000; i++) log(`10.1.${i >> 8}.${i & 255}`, "no client certificate");
    assert.equal(seen().length, 3);
    advance(10_000);
    log("10.1.39.15", "no client certificate"); // the last of them
    assert.deepEqual(seen().at(-1), ["10.1.39.15", "no client certificate", 1]);
  });
});
