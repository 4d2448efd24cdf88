import assert from "node:assert/strict";
import { test } from "node:test";
import type { KeyInfo } from "@kes/core";
import { Algorithm } from "@kes/proto";
import {
  algorithmFromProto,
  keyInfoFromProto,
  keyInfoToProto,
  statusFromProto,
  statusToProto,
} from "./convert.js";

test("key info survives toProto/fromProto, absent fields included", () => {
  const full: KeyInfo = {
    name: "k",
    id: "66687aadf862bd776c8fc18b8e9f8e20",
    algorithm: "XCHACHA20-POLY1305",
    createdAt: "2026-12-03T15:38:48.247608626Z",
    createdBy: "252b0cc7f4d0ec640d4290bba4a6f07c86381e6ad9adc1bba56b22fce13b1239",
    hasHmac: true,
  };
  assert.deepEqual(keyInfoFromProto(keyInfoToProto(full)), full);
  const bare: KeyInfo = {
    name: "k",
    id: full.id,
    createdAt: "0001-01-01T00:00:00Z",
    hasHmac: false,
  };
  assert.deepEqual(keyInfoFromProto(keyInfoToProto(bare)), bare);
});

test("a non-UTC created_at crosses as the same instant in UTC", () => {
  const info: KeyInfo = {
    name: "k",
    id: "",
    createdAt: "2024-01-12T11:39:20.886816+01:00",
    hasHmac: false,
  };
  assert.equal(keyInfoFromProto(keyInfoToProto(info)).createdAt, "2024-01-12T10:39:20.886816Z");
});

test("an algorithm number we do not know is invalid_argument", () => {
  assert.equal(algorithmFromProto(Algorithm.UNSPECIFIED), undefined);
  assert.throws(() => algorithmFromProto(7 as Algorithm), {
    name: "KesError",
    kind: "invalid_argument",
    message: "key: invalid algorithm '7'",
  });
});

test("keystore status survives toProto/fromProto (latency in whole ms)", () => {
  const up = { reachable: true, latencyMs: 1234, backend: "fs", endpoint: "/var/kes" };
  assert.deepEqual(statusFromProto(statusToProto(up)), up);
  const down = { ...up, reachable: false, latencyMs: 0, detail: "connection refused" };
  assert.deepEqual(statusFromProto(statusToProto(down)), down);
  assert.throws(() => statusFromProto(undefined), { kind: "internal" });
});
