import assert from "node:assert/strict";
import { test } from "node:test";
import { FormatError } from "./format-error.js";
import { formatRfc3339, parseRfc3339, ZERO_TIME } from "./rfc3339.js";

test("formats like Go's RFC3339Nano: UTC, nanoseconds, trailing zeros trimmed", () => {
  assert.equal(
    formatRfc3339({ seconds: 1705055960n, nanos: 886816000 }),
    "2024-01-12T10:39:20.886816Z",
  );
  assert.equal(formatRfc3339({ seconds: 0n, nanos: 0 }), "1970-01-01T00:00:00Z");
  assert.equal(formatRfc3339({ seconds: 0n, nanos: 1 }), "1970-01-01T00:00:00.000000001Z");
  assert.equal(formatRfc3339({ seconds: -62135596800n, nanos: 0 }), ZERO_TIME);
});

test("parses offsets and fractions to the same instant", () => {
  assert.deepEqual(parseRfc3339("2024-01-12T11:39:20.886816+01:00"), {
    seconds: 1705055960n,
    nanos: 886816000,
  });
  assert.deepEqual(parseRfc3339("2026-12-03T15:38:48.247608626Z").nanos, 247608626);
  assert.deepEqual(parseRfc3339(ZERO_TIME), { seconds: -62135596800n, nanos: 0 });
  const text = "2026-12-03T15:38:49.8306654Z";
  assert.equal(formatRfc3339(parseRfc3339(text)), text);
});

test("rejects text that is not an RFC 3339 time, naming the problem", () => {
  for (const bad of [
    "",
    "2024-01-12",
    "2024-01-12 10:39:20Z",
    "2024-13-01T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "2024-01-12T24:00:00Z",
    "2024-01-12T10:39:20.1234567890Z",
    "2024-01-12T10:39:20+0100",
  ]) {
    assert.throws(() => parseRfc3339(bad), FormatError, bad);
  }
  assert.deepEqual(parseRfc3339("2024-02-29T00:00:00Z").nanos, 0); // a leap day is fine
});

test("refuses instants outside years 0001-9999", () => {
  assert.throws(() => formatRfc3339({ seconds: -62135596801n, nanos: 0 }), /out of range/);
  assert.throws(() => formatRfc3339({ seconds: 0n, nanos: 1_000_000_000 }), /out of range/);
});
