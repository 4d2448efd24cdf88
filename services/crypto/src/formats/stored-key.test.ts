import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FormatError } from "./format-error.js";
import { parseStoredKey, writeStoredKeyJson } from "./stored-key.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

describe("stored keys, JSON (every era up to 2024-01)", () => {
  test("the §6.9 stored-key vector gives the documented key", () => {
    const stored = parseStoredKey(
      '{"bytes":"J8qmOyEV2ce2yoAC+5t0Y7CSP/hTMppL7XHpAnyc+0E=","algorithm":"AES256-GCM_SHA256","created_at":"2009-11-10T23:00:00Z","created_by":"40235905b7b83e0537a002db523cd019d6709b899adc249c957860cd00fa9f78"}',
    );
    assert.equal(
      hex(stored.key),
      "27caa63b2115d9c7b6ca8002fb9b7463b0923ff853329a4bed71e9027c9cfb41",
    );
    assert.equal(stored.encoding, "json");
    assert.equal(stored.algorithm, "AES256-GCM_SHA256");
    assert.equal(stored.createdAt, "2009-11-10T23:00:00Z");
    assert.equal(
      stored.createdBy,
      "40235905b7b83e0537a002db523cd019d6709b899adc249c957860cd00fa9f78",
    );
    assert.equal(stored.hmacKey, undefined);
  });

  test('the oldest form, {"bytes":…} only: no algorithm, Go\'s zero time, no creator', () => {
    const stored = parseStoredKey(
      Buffer.from('{"bytes":"J8qmOyEV2ce2yoAC+5t0Y7CSP/hTMppL7XHpAnyc+0E="}'),
    );
    assert.equal(stored.algorithm, undefined);
    assert.equal(stored.createdAt, "0001-01-01T00:00:00Z");
    assert.equal(stored.createdBy, undefined);
  });

  test("keeps created_at exactly as stored (offset and nanoseconds)", () => {
    const text = "2024-01-12T11:39:20.886816001+01:00";
    const stored = parseStoredKey(
      `{"version":"v1","bytes":"${b64(new Uint8Array(32))}","created_at":"${text}","algorithm":""}`,
    );
    assert.equal(stored.createdAt, text);
    assert.equal(stored.algorithm, undefined); // "" = undefined
  });

  test("accepts the late-2023 spellings AES256 and ChaCha20", () => {
    const key = b64(new Uint8Array(32));
    assert.equal(
      parseStoredKey(`{"bytes":"${key}","algorithm":"AES256"}`).algorithm,
      "AES256-GCM_SHA256",
    );
    assert.equal(
      parseStoredKey(`{"bytes":"${key}","algorithm":"ChaCha20"}`).algorithm,
      "XCHACHA20-POLY1305",
    );
  });

  const key = b64(new Uint8Array(32));
  const rows: [string, string, RegExp][] = [
    ["an empty value", "", /empty/],
    ["malformed JSON", `{"bytes":"${key}"`, /well-formed JSON/],
    ["a JSON array", "[]", /neither JSON nor|not an object|base64/],
    ["no bytes", '{"version":"v1"}', /no bytes/],
    ["16 key bytes", `{"bytes":"${b64(new Uint8Array(16))}"}`, /not 32 bytes/],
    ["bytes that are not base64", '{"bytes":"****"}', /not valid base64/],
    ["an unknown algorithm", `{"bytes":"${key}","algorithm":"DES"}`, /unknown algorithm/],
    ["an unknown version", `{"version":"v2","bytes":"${key}"}`, /unsupported version/],
    ["a created_at that is no time", `{"bytes":"${key}","created_at":"yesterday"}`, /RFC 3339/],
    ["a numeric created_by", `{"bytes":"${key}","created_by":7}`, /created_by is not a string/],
  ];
  for (const [reason, text, why] of rows) {
    test(`rejects ${reason}`, () => {
      assert.throws(
        () => parseStoredKey(text),
        (err: unknown) => err instanceof FormatError && why.test(err.message),
      );
    });
  }
});

describe("stored keys, base64(protobuf KeyVersion) (2024+)", () => {
  const EXAMPLE =
    "CiQKIMiHG7XrN94FuwblJJor4f7f6rbqAl7DwsLaiIoyz0D2EAESJAognLXl4yqa4cjZTcSbsU6sNnN8kP9ARWkXwa20YQZa9HgQARoMCNithK0GEID67qYDIkAzZWNmY2RmMzhmY2JlMTQxYWUyNmExMDMwZjgxZTk2Yjc1MzM2NWE0Njc2MGFlNmI1Nzg2OThhOTdjNTlmZDIy";

  test("the §6.2 example decodes to its documented fields", () => {
    const stored = parseStoredKey(EXAMPLE);
    assert.equal(stored.encoding, "protobuf");
    assert.equal(b64(stored.key), "yIcbtes33gW7BuUkmivh/t/qtuoCXsPCwtqIijLPQPY=");
    assert.equal(b64(stored.hmacKey!), "nLXl4yqa4cjZTcSbsU6sNnN8kP9ARWkXwa20YQZa9Hg=");
    assert.equal(stored.algorithm, "AES256-GCM_SHA256");
    // 2024-01-12T11:39:20.886816+01:00, the same instant in UTC
    assert.equal(stored.createdAt, "2024-01-12T10:39:20.886816Z");
    assert.equal(
      stored.createdBy,
      "3ecfcdf38fcbe141ae26a1030f81e96b753365a46760ae6b578698a97c59fd22",
    );
  });

  test("a trailing newline (as an editor leaves it in an fs keystore) is tolerated", () => {
    assert.equal(parseStoredKey(`${EXAMPLE}\n`).encoding, "protobuf");
  });

  // Hand-built messages: tag bytes are (field << 3 | wire type).
  const keyMsg = (type: number) => [
    0x0a,
    0x24,
    0x0a,
    0x20,
    ...new Uint8Array(32).fill(1),
    0x10,
    type,
  ];
  const hmacMsg = (hash: number) => [
    0x12,
    0x24,
    0x0a,
    0x20,
    ...new Uint8Array(32).fill(2),
    0x10,
    hash,
  ];
  const proto = (...parts: number[][]) => Buffer.from(parts.flat()).toString("base64");

  test("type 2 is ChaCha20; no timestamp means Go's zero time; unknown fields are skipped", () => {
    const stored = parseStoredKey(proto(keyMsg(2), hmacMsg(1), [0x2a, 0x01, 0x00]));
    assert.equal(stored.algorithm, "XCHACHA20-POLY1305");
    assert.equal(stored.createdAt, "0001-01-01T00:00:00Z");
    assert.equal(stored.createdBy, undefined);
  });

  const rows: [string, string, RegExp][] = [
    ["a value without an HMAC key", proto(keyMsg(1)), /HMAC key/],
    ["an unknown key type", proto(keyMsg(3), hmacMsg(1)), /unknown type/],
    ["an unknown HMAC hash", proto(keyMsg(1), hmacMsg(2)), /unknown HMAC hash/],
    ["no key", proto(hmacMsg(1)), /no 32-byte key/],
    ["a truncated message", EXAMPLE.slice(0, 40), /well-formed protobuf/],
    ["a key field of the wrong wire type", proto([0x08, 0x01], hmacMsg(1)), /wrong type/],
    ["text that is neither JSON nor base64", "hello world", /not valid base64/],
  ];
  for (const [reason, text, why] of rows) {
    test(`rejects ${reason}`, () => {
      assert.throws(
        () => parseStoredKey(text),
        (err: unknown) => err instanceof FormatError && why.test(err.message),
      );
    });
  }
});

describe("writing the 2023 JSON v1 format", () => {
  const key = new Uint8Array(32).fill(9);

  test("field order and omitted fields match KES", () => {
    const text = Buffer.from(
      writeStoredKeyJson({
        key,
        algorithm: "AES256-GCM_SHA256",
        createdAt: "2026-12-03T15:38:48.247608626Z",
        createdBy: "252b0cc7f4d0ec640d4290bba4a6f07c86381e6ad9adc1bba56b22fce13b1239",
      }),
    ).toString();
    assert.equal(
      text,
      `{"version":"v1","bytes":"${b64(key)}","algorithm":"AES256-GCM_SHA256","created_at":"2026-12-03T15:38:48.247608626Z","created_by":"252b0cc7f4d0ec640d4290bba4a6f07c86381e6ad9adc1bba56b22fce13b1239"}`,
    );
    const bare = Buffer.from(
      writeStoredKeyJson({ key, createdAt: "2026-12-03T15:38:48Z", createdBy: "" }),
    );
    assert.equal(
      bare.toString(),
      `{"version":"v1","bytes":"${b64(key)}","created_at":"2026-12-03T15:38:48Z"}`,
    );
  });

  test("escapes like Go's encoding/json", () => {
    const text = Buffer.from(
      writeStoredKeyJson({ key, createdAt: "2026-12-03T15:38:48Z", createdBy: "<a&b>" }),
    ).toString();
    assert.match(text, /"created_by":"\\u003ca\\u0026b\\u003e"/);
    assert.equal(parseStoredKey(text).createdBy, "<a&b>");
  });

  test("what we write, we read back", () => {
    const stored = parseStoredKey(
      writeStoredKeyJson({
        key,
        algorithm: "XCHACHA20-POLY1305",
        createdAt: "2026-12-03T15:38:48Z",
      }),
    );
    assert.deepEqual(Buffer.from(stored.key), Buffer.from(key));
    assert.equal(stored.algorithm, "XCHACHA20-POLY1305");
  });

  test("refuses a key that is not 32 bytes or a creation time that is no time", () => {
    assert.throws(
      () => writeStoredKeyJson({ key: new Uint8Array(31), createdAt: "2026-12-03T15:38:48Z" }),
      /32 bytes/,
    );
    assert.throws(() => writeStoredKeyJson({ key, createdAt: "now" }), /RFC 3339/);
  });
});
