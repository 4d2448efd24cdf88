import { errors, type KesError } from "@kes/core";

/**
 * Request-body decoding with errors that name the problem. KES 2023 answered 500 with Go's
 * decoder text for these (e.g. `illegal base64 data at input byte 3`); we answer 400 with a
 * message naming the field, as 2024 does (see test/compat/known-gaps.md).
 */

export type JsonObject = Readonly<Record<string, unknown>>;

const EMPTY = new Uint8Array(0);

// Standard base64 with padding (RFC 4648 §4), as Go's encoding/json reads []byte.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const LINE_BREAKS = /[\r\n]/g;

export function invalidBody(detail: string): KesError {
  return errors.invalidArgument(`invalid request body: ${detail}`);
}

/** Parses a JSON body. The parser's own text is not echoed: it can quote the body. */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw invalidBody("the body is empty, expected JSON");
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (err) {
    const truncated = err instanceof SyntaxError && /end of JSON input/i.test(err.message);
    throw invalidBody(truncated ? "truncated JSON" : "malformed JSON");
  }
}

/** Parses a body that must be a JSON object. */
export function parseJsonObject(body: Buffer): JsonObject {
  return asObject(parseJson(body), "the body must be a JSON object");
}

export function asObject(value: unknown, message: string): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidBody(message);
  }
  return value as JsonObject;
}

/**
 * A base64 byte field. Absent and null mean empty, as in Go. `where` prefixes the message for
 * fields inside arrays (e.g. `item 3: `).
 */
export function bytesField(obj: JsonObject, field: string, where = ""): Uint8Array {
  const value = obj[field];
  if (value === undefined || value === null) return EMPTY;
  if (typeof value !== "string") {
    throw invalidBody(`${where}"${field}" must be a base64 string, got ${jsonType(value)}`);
  }
  const text =
    value.includes("\n") || value.includes("\r") ? value.replace(LINE_BREAKS, "") : value;
  if (!BASE64.test(text)) throw invalidBody(`${where}"${field}" is not valid base64`);
  return text.length === 0 ? EMPTY : Buffer.from(text, "base64");
}

/** An optional string field (absent and null mean undefined). */
export function stringField(obj: JsonObject, field: string): string | undefined {
  const value = obj[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw invalidBody(`"${field}" must be a string, got ${jsonType(value)}`);
  }
  return value;
}

export function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "object":
      return "an object";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    default:
      return typeof value;
  }
}

/** Standard base64 of bytes (no copy for Buffers). */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.isBuffer(bytes)
    ? bytes.toString("base64")
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
