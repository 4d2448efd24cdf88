import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isKesError } from "@kes/core";
import { bytesField, parseJson, parseJsonObject, stringField, toBase64 } from "./decode.js";

function invalid(message: string) {
  return (err: unknown) => {
    assert.ok(isKesError(err, "invalid_argument"), `not invalid_argument: ${String(err)}`);
    assert.equal(err.message, message);
    return true;
  };
}

describe("request body decoding", () => {
  it("decodes padded standard base64, absent and null as empty", () => {
    const obj = parseJsonObject(Buffer.from('{"a":"aGVsbG8=","b":null,"c":"","d":"AAEC\\nAw=="}'));
    assert.deepEqual(Buffer.from(bytesField(obj, "a")), Buffer.from("hello"));
    assert.equal(bytesField(obj, "b").length, 0);
    assert.equal(bytesField(obj, "c").length, 0);
    assert.equal(bytesField(obj, "missing").length, 0);
    assert.deepEqual([...bytesField(obj, "d")], [0, 1, 2, 3], "Go skips line breaks");
  });

  it("refuses what Go's StdEncoding refuses, naming the field", () => {
    for (const bad of ["not base64!!", "aGVsbG8", "aGVsbG8=x", "aGV-bG8=", "aGVsbG8_", "===="]) {
      const obj = parseJsonObject(Buffer.from(JSON.stringify({ ciphertext: bad })));
      assert.throws(
        () => bytesField(obj, "ciphertext"),
        invalid('invalid request body: "ciphertext" is not valid base64'),
        bad,
      );
    }
  });

  it("names wrong JSON types", () => {
    const obj = parseJsonObject(Buffer.from('{"plaintext":5,"context":{},"algorithm":true}'));
    assert.throws(
      () => bytesField(obj, "plaintext"),
      invalid('invalid request body: "plaintext" must be a base64 string, got a number'),
    );
    assert.throws(
      () => bytesField(obj, "context", "item 2: "),
      invalid('invalid request body: item 2: "context" must be a base64 string, got an object'),
    );
    assert.throws(
      () => stringField(obj, "algorithm"),
      invalid('invalid request body: "algorithm" must be a string, got a boolean'),
    );
    assert.throws(
      () => parseJsonObject(Buffer.from("[1]")),
      invalid("invalid request body: the body must be a JSON object"),
    );
  });

  it("tells truncated from malformed JSON without quoting the body", () => {
    assert.throws(
      () => parseJson(Buffer.from('{"ciphertext":')),
      invalid("invalid request body: truncated JSON"),
    );
    assert.throws(
      () => parseJson(Buffer.from('{"ciphertext": secret-bytes}')),
      invalid("invalid request body: malformed JSON"),
    );
    assert.throws(
      () => parseJson(Buffer.alloc(0)),
      invalid("invalid request body: the body is empty, expected JSON"),
    );
  });

  it("encodes Uint8Arrays and Buffers alike", () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 251]);
    assert.equal(toBase64(bytes), "AAEC+vs=");
    assert.equal(toBase64(Buffer.from(bytes)), "AAEC+vs=");
    assert.equal(toBase64(bytes.subarray(1, 3)), "AQI=");
  });
});
