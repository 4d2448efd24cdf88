import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  formatBytes,
  formatLatency,
  formatUptime,
  ndjson,
  shortIdentity,
  sortedBy,
  table,
} from "./output.js";

describe("terminal output helpers", () => {
  it("aligns table columns by display width, without trailing spaces", () => {
    assert.equal(
      table(
        ["Name", "Bar", "Note"],
        [
          ["≤ 10ms", "██", ""],
          ["a", "", "last"],
        ],
      ),
      "Name    Bar  Note\n≤ 10ms  ██\na            last\n",
    );
  });

  it("formats uptimes, latencies and sizes for people", () => {
    assert.deepEqual([0, 42.9, 60, 3725, 90_061].map(formatUptime), [
      "0s",
      "42s",
      "1m 0s",
      "1h 2m 5s",
      "1d 1h",
    ]);
    assert.deepEqual([0.087, 1, 1.234, 12.5, 999, 1000, 1234].map(formatLatency), [
      "87µs",
      "1ms",
      "1.2ms",
      "13ms",
      "999ms",
      "1s",
      "1.23s",
    ]);
    assert.deepEqual(
      [0, 1023, 1024, 688_128, 2_744_000, 150 * 1024 ** 2, 3 * 1024 ** 4].map(formatBytes),
      ["0 B", "1023 B", "1 KiB", "672 KiB", "2.6 MiB", "150 MiB", "3 TiB"],
    );
  });

  it("shortens identities, sorts by code unit and writes nd-json", () => {
    assert.equal(shortIdentity("e55948f79a66d9f395bec837e1dd579e"), "e55948f7…");
    assert.equal(shortIdentity("short"), "short");
    assert.equal(shortIdentity(undefined), "-");
    assert.deepEqual(
      sortedBy(["b", "B", "a"], (x) => x),
      ["B", "a", "b"],
    );
    assert.equal(ndjson([{ a: 1 }, "x"]), '{"a":1}\n"x"\n');
  });
});
