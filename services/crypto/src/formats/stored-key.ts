import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import type { Algorithm } from "@kes/core";
import { AES256_GCM_SHA256, KEY_SIZE, XCHACHA20_POLY1305 } from "./aead.js";
import { decodeBase64, encodeBase64 } from "./base64.js";
import { FormatError } from "./format-error.js";
import { formatRfc3339, parseRfc3339, ZERO_TIME } from "./rfc3339.js";

/**
 * A master key as a keystore holds it (kes-api.md §6.2). Two encodings exist:
 *   json      every KES up to 2024-01: {"version":"v1"?,"bytes","algorithm"?,"created_at"?,"created_by"?}
 *             (the oldest keys are just {"bytes":…})
 *   protobuf  KES 2024+: base64 of a KeyVersion message, which adds a separate HMAC key
 * We read both and write the 2023 JSON, which every KES generation can read.
 */
export interface StoredKey {
  readonly encoding: "json" | "protobuf";
  /** The 32 master-key bytes. */
  readonly key: Uint8Array;
  /** undefined = not recorded (legacy and imported keys). */
  readonly algorithm?: Algorithm;
  /** The 32-byte HMAC key of 2024+ keys. */
  readonly hmacKey?: Uint8Array;
  /** RFC 3339, exactly as stored for JSON; UTC with nanoseconds for protobuf. */
  readonly createdAt: string;
  readonly createdBy?: string;
}

/** What a new stored key is made of. */
export interface NewStoredKey {
  readonly key: Uint8Array;
  readonly algorithm?: Algorithm;
  readonly createdAt: string;
  readonly createdBy?: string;
}

// Late-2023 KES spells the algorithms AES256 / ChaCha20; accept both spellings on read.
const JSON_ALGORITHMS: Readonly<Record<string, Algorithm>> = {
  [AES256_GCM_SHA256]: AES256_GCM_SHA256,
  [XCHACHA20_POLY1305]: XCHACHA20_POLY1305,
  AES256: AES256_GCM_SHA256,
  ChaCha20: XCHACHA20_POLY1305,
};

/** KeyVersion.Key.type values (2024 protobuf). */
const PROTO_ALGORITHMS: Readonly<Record<number, Algorithm>> = {
  1: AES256_GCM_SHA256,
  2: XCHACHA20_POLY1305,
};
const PROTO_HASH_SHA256 = 1;

const textDecoder = new TextDecoder("utf-8", { fatal: true });

/** Parses a stored-key value of any KES era; throws FormatError naming what is wrong. */
export function parseStoredKey(value: Uint8Array | string): StoredKey {
  let text: string;
  try {
    text = typeof value === "string" ? value : textDecoder.decode(value);
  } catch {
    throw new FormatError("stored key is not UTF-8 text");
  }
  text = text.trim();
  if (text.length === 0) throw new FormatError("stored key is empty");
  // Base64 never starts with `{`, so the first character tells the encodings apart.
  return text.startsWith("{") ? parseJsonStoredKey(text) : parseProtobufStoredKey(text);
}

function parseJsonStoredKey(text: string): StoredKey {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FormatError("stored key is not well-formed JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FormatError("stored key JSON is not an object");
  }
  const fields = value as Record<string, unknown>;
  const version = optionalString(fields, "version");
  if (version !== undefined && version !== "v1") {
    throw new FormatError("stored key has an unsupported version");
  }
  const bytes = fields["bytes"];
  if (typeof bytes !== "string") throw new FormatError("stored key has no bytes");
  const key = decodeBase64(bytes, "stored key bytes");
  if (key.length !== KEY_SIZE) throw new FormatError("stored key bytes are not 32 bytes");

  const algorithmName = optionalString(fields, "algorithm");
  let algorithm: Algorithm | undefined; // absent or "" = not recorded
  if (algorithmName !== undefined && algorithmName !== "") {
    if (!Object.hasOwn(JSON_ALGORITHMS, algorithmName)) {
      throw new FormatError("stored key names an unknown algorithm");
    }
    algorithm = JSON_ALGORITHMS[algorithmName];
  }
  const createdAt = optionalString(fields, "created_at") ?? ZERO_TIME;
  parseRfc3339(createdAt); // validates; the text itself is kept, offset and digits included
  const createdBy = optionalString(fields, "created_by");
  return {
    encoding: "json",
    key,
    ...(algorithm === undefined ? {} : { algorithm }),
    createdAt,
    ...(createdBy === undefined || createdBy === "" ? {} : { createdBy }),
  };
}

function optionalString(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new FormatError(`stored key ${name} is not a string`);
  return value;
}

/** KES 2024: base64(KeyVersion{1: Key{1 key, 2 type}, 2: HMACKey{1 key, 2 hash}, 3: Timestamp, 4: created_by}). */
function parseProtobufStoredKey(text: string): StoredKey {
  const bytes = decodeBase64(text, "stored key");
  let secret: { key: Uint8Array; type: number } | undefined;
  let hmac: { key: Uint8Array; type: number } | undefined;
  let createdAt = ZERO_TIME;
  let createdBy = "";
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const [field, wireType] = reader.tag();
      switch (field) {
        case 1:
          secret = readKeyMessage(lengthDelimited(reader, wireType));
          break;
        case 2:
          hmac = readKeyMessage(lengthDelimited(reader, wireType));
          break;
        case 3:
          createdAt = readTimestamp(lengthDelimited(reader, wireType));
          break;
        case 4:
          expectWireType(wireType, WireType.LengthDelimited);
          createdBy = reader.string(true);
          break;
        default:
          reader.skip(wireType, field);
      }
    }
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw new FormatError("stored key is neither JSON nor a well-formed protobuf KeyVersion");
  }
  if (secret === undefined || secret.key.length !== KEY_SIZE) {
    throw new FormatError("protobuf stored key has no 32-byte key");
  }
  const algorithm = PROTO_ALGORITHMS[secret.type];
  if (algorithm === undefined) throw new FormatError("protobuf stored key has an unknown type");
  if (hmac === undefined || hmac.key.length !== KEY_SIZE) {
    throw new FormatError("protobuf stored key has no 32-byte HMAC key");
  }
  if (hmac.type !== PROTO_HASH_SHA256) {
    throw new FormatError("protobuf stored key has an unknown HMAC hash");
  }
  return {
    encoding: "protobuf",
    key: secret.key,
    algorithm,
    hmacKey: hmac.key,
    createdAt,
    ...(createdBy === "" ? {} : { createdBy }),
  };
}

function expectWireType(actual: WireType, expected: WireType): void {
  if (actual !== expected)
    throw new FormatError("protobuf stored key has a field of the wrong type");
}

function lengthDelimited(reader: BinaryReader, wireType: WireType): BinaryReader {
  expectWireType(wireType, WireType.LengthDelimited);
  return new BinaryReader(reader.bytes());
}

/** SecretKey and HMACKey share a shape: 1 = bytes key, 2 = uint32 type/hash. */
function readKeyMessage(reader: BinaryReader): { key: Uint8Array; type: number } {
  let key: Uint8Array = new Uint8Array(0);
  let type = 0;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1) {
      expectWireType(wireType, WireType.LengthDelimited);
      key = reader.bytes();
    } else if (field === 2) {
      expectWireType(wireType, WireType.Varint);
      type = reader.uint32();
    } else {
      reader.skip(wireType, field);
    }
  }
  return { key, type };
}

/** google.protobuf.Timestamp: 1 = int64 seconds, 2 = int32 nanos. */
function readTimestamp(reader: BinaryReader): string {
  let seconds = 0n;
  let nanos = 0;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1) {
      expectWireType(wireType, WireType.Varint);
      seconds = BigInt(reader.int64());
    } else if (field === 2) {
      expectWireType(wireType, WireType.Varint);
      nanos = reader.int32();
    } else {
      reader.skip(wireType, field);
    }
  }
  return formatRfc3339({ seconds, nanos });
}

// Go's encoding/json escapes these; doing the same keeps our output byte-identical to KES's.
const GO_JSON_ESCAPES: Readonly<Record<string, string>> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/**
 * The 2023 stored-key JSON, byte for byte as KES v0.22.3 … 2024-01 writes it: field order
 * version, bytes, algorithm (omitted when undefined), created_at, created_by (omitted when empty).
 */
export function writeStoredKeyJson(stored: NewStoredKey): Uint8Array {
  if (stored.key.length !== KEY_SIZE) throw new FormatError("a master key must be 32 bytes");
  parseRfc3339(stored.createdAt);
  const json = JSON.stringify({
    version: "v1",
    bytes: encodeBase64(stored.key),
    ...(stored.algorithm === undefined ? {} : { algorithm: stored.algorithm }),
    created_at: stored.createdAt,
    ...(stored.createdBy === undefined || stored.createdBy === ""
      ? {}
      : { created_by: stored.createdBy }),
  }).replace(/[<>&\u2028\u2029]/g, (c) => GO_JSON_ESCAPES[c] ?? c);
  return Buffer.from(json);
}
