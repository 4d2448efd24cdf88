import { createRequire } from "node:module";
import type { Algorithm } from "@kes/core";
import type { Decoder, Encoder } from "@msgpack/msgpack";
import { IV_SIZE, NONCE_SIZE, type SealedMessage, TAG_SIZE } from "./aead.js";
import { decodeBase64 } from "./base64.js";
import { FormatError } from "./format-error.js";

/**
 * The three KES ciphertext formats (kes-api.md §6.4-§6.6):
 *   json    A: {"aead","id"?,"iv","nonce","bytes"} (≤ v0.19.1; read only)
 *   msgpack B: fixarray [algorithm, key id, iv, nonce, ciphertext‖tag] (v0.19.2 … 2024-01)
 *   raw     C: ciphertext ‖ tag ‖ iv(16) ‖ nonce(12) (2024+)
 */
export type CiphertextFormat = "json" | "msgpack" | "raw";

export interface Ciphertext extends SealedMessage {
  readonly format: CiphertextFormat;
  /** The algorithm the ciphertext names; the raw format names none. */
  readonly algorithm?: Algorithm;
  /** The key id the ciphertext names, when it names one. */
  readonly keyId?: string;
}

/** The fields format B carries. */
export interface MsgpackFields extends SealedMessage {
  readonly algorithm: Algorithm;
  readonly keyId: string;
}

const RAW_TRAILER = IV_SIZE + NONCE_SIZE;
const MSGPACK_FIXARRAY_5 = 0x95;
const JSON_OPEN_BRACE = 0x7b;

/** Legacy JSON `aead` names and the algorithm each one is. */
const JSON_AEAD: Readonly<Record<string, Algorithm>> = {
  "AES-256-GCM-HMAC-SHA-256": "AES256-GCM_SHA256",
  ChaCha20Poly1305: "XCHACHA20-POLY1305",
};

let library: { readonly decoder: Decoder; readonly encoder: Encoder } | undefined;

/**
 * @msgpack/msgpack, loaded on first need: the layout we write is read and written by hand, so
 * most processes never need it (a few MB and a few dozen modules less). Loaded synchronously
 * (its CommonJS build), as parsing is synchronous.
 */
function msgpack(): { readonly decoder: Decoder; readonly encoder: Encoder } {
  if (library === undefined) {
    const m = createRequire(import.meta.url)(
      "@msgpack/msgpack",
    ) as typeof import("@msgpack/msgpack");
    library = {
      // Tight limits: a well-formed B value has one 5-array, two short strings and three bins,
      // so anything larger is rejected before the decoder allocates for it.
      decoder: new m.Decoder({
        maxArrayLength: 5,
        maxMapLength: 0,
        maxExtLength: 0,
        maxStrLength: 64,
      }),
      encoder: new m.Encoder(),
    };
  }
  return library;
}

/**
 * Detects the format as KES 2024 does (§6.6) and parses it. A raw ciphertext can start with
 * 0x95 or `{` by chance, so a failed MessagePack or JSON parse falls back to the raw layout.
 * Throws FormatError when nothing fits.
 */
export function parseCiphertext(bytes: Uint8Array): Ciphertext {
  const first = bytes[0];
  if (first === MSGPACK_FIXARRAY_5 || first === JSON_OPEN_BRACE) {
    try {
      return first === MSGPACK_FIXARRAY_5
        ? parseMsgpackCiphertext(bytes)
        : parseJsonCiphertext(bytes);
    } catch (err) {
      if (bytes.length < TAG_SIZE + RAW_TRAILER) throw err;
    }
  }
  return parseRawCiphertext(bytes);
}

/** Format C: the last 28 bytes are IV and nonce, the rest is ciphertext ‖ tag. */
export function parseRawCiphertext(bytes: Uint8Array): Ciphertext {
  if (bytes.length < TAG_SIZE + RAW_TRAILER) {
    throw new FormatError("raw ciphertext is shorter than tag, iv and nonce (44 bytes)");
  }
  const end = bytes.length;
  return {
    format: "raw",
    sealed: bytes.subarray(0, end - RAW_TRAILER),
    iv: bytes.subarray(end - RAW_TRAILER, end - NONCE_SIZE),
    nonce: bytes.subarray(end - NONCE_SIZE),
  };
}

/** Format B, strictly: exactly 5 elements of the right types and sizes, no trailing bytes. */
export function parseMsgpackCiphertext(bytes: Uint8Array): Ciphertext {
  return parseOwnLayout(bytes) ?? parseMsgpackValue(bytes);
}

// The layout KES (and we) write: [fixstr algorithm, str8 32-char id, bin8 16, bin8 12, bin].
const AES_NAME = Buffer.from("AES256-GCM_SHA256", "latin1");
const CHACHA_NAME = Buffer.from("XCHACHA20-POLY1305", "latin1");

/**
 * The common case read by hand: a value in exactly the layout we write, with a known
 * algorithm and an ASCII key id, means the same as the library's reading of it (the test
 * compares both on every vector); anything else is undefined and goes to the library.
 */
function parseOwnLayout(bytes: Uint8Array): Ciphertext | undefined {
  if (bytes.length < 1 + 1 + 17 + 2 + 32 + 2 + 16 + 2 + 12 + 2 + TAG_SIZE) return undefined;
  if (bytes[0] !== MSGPACK_FIXARRAY_5) return undefined;
  const nameLength = (bytes[1] as number) - 0xa0;
  const name = nameLength === AES_NAME.length ? AES_NAME : CHACHA_NAME;
  if (nameLength !== name.length) return undefined;
  for (let i = 0; i < nameLength; i++) if (bytes[2 + i] !== name[i]) return undefined;
  let at = 2 + nameLength;
  if (bytes[at] !== 0xd9 || bytes[at + 1] !== 32) return undefined;
  at += 2;
  for (let i = at; i < at + 32; i++) {
    const c = bytes[i] as number;
    if (c < 0x20 || c > 0x7e) return undefined;
  }
  const keyId = Buffer.from(bytes.buffer, bytes.byteOffset + at, 32).toString("latin1");
  at += 32;
  if (bytes[at] !== 0xc4 || bytes[at + 1] !== IV_SIZE) return undefined;
  const iv = bytes.subarray(at + 2, at + 2 + IV_SIZE);
  at += 2 + IV_SIZE;
  if (bytes[at] !== 0xc4 || bytes[at + 1] !== NONCE_SIZE) return undefined;
  const nonce = bytes.subarray(at + 2, at + 2 + NONCE_SIZE);
  at += 2 + NONCE_SIZE;
  const tag = bytes[at];
  let length: number;
  if (tag === 0xc4) {
    length = bytes[at + 1] as number;
    at += 2;
  } else if (tag === 0xc5 && at + 3 <= bytes.length) {
    length = ((bytes[at + 1] as number) << 8) | (bytes[at + 2] as number);
    at += 3;
  } else return undefined; // bin32 and anything else: the library's business
  if (at + length !== bytes.length || length < TAG_SIZE) return undefined;
  return {
    format: "msgpack",
    algorithm: name === AES_NAME ? "AES256-GCM_SHA256" : "XCHACHA20-POLY1305",
    keyId,
    iv,
    nonce,
    sealed: bytes.subarray(at),
  };
}

function parseMsgpackValue(bytes: Uint8Array): Ciphertext {
  let value: unknown;
  try {
    value = msgpack().decoder.decode(bytes); // throws on trailing bytes as well
  } catch {
    throw new FormatError("ciphertext is not a well-formed MessagePack value");
  }
  if (!Array.isArray(value) || value.length !== 5) {
    throw new FormatError("MessagePack ciphertext is not an array of 5 elements");
  }
  const [algorithm, keyId, iv, nonce, sealed] = value as unknown[];
  if (typeof algorithm !== "string" || typeof keyId !== "string") {
    throw new FormatError("MessagePack ciphertext: algorithm and key id must be strings");
  }
  if (!(iv instanceof Uint8Array && nonce instanceof Uint8Array && sealed instanceof Uint8Array)) {
    throw new FormatError("MessagePack ciphertext: iv, nonce and bytes must be binary");
  }
  if (algorithm !== "AES256-GCM_SHA256" && algorithm !== "XCHACHA20-POLY1305") {
    throw new FormatError("MessagePack ciphertext names an unknown algorithm");
  }
  checkSizes(iv, nonce, sealed);
  return {
    format: "msgpack",
    algorithm,
    ...(keyId === "" ? {} : { keyId }),
    iv,
    nonce,
    sealed,
  };
}

/** Format A, strictly: a JSON object with a known `aead`, 16-byte iv and 12-byte nonce. */
export function parseJsonCiphertext(bytes: Uint8Array): Ciphertext {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString());
  } catch {
    throw new FormatError("ciphertext is not well-formed JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FormatError("JSON ciphertext is not an object");
  }
  const fields = value as Record<string, unknown>;
  const aead = fields["aead"];
  const algorithm =
    typeof aead === "string" && Object.hasOwn(JSON_AEAD, aead) ? JSON_AEAD[aead] : undefined;
  if (algorithm === undefined) throw new FormatError("JSON ciphertext names an unknown aead");
  const id = fields["id"];
  if (id !== undefined && id !== null && typeof id !== "string") {
    throw new FormatError("JSON ciphertext: id must be a string");
  }
  const iv = jsonBytes(fields["iv"], "iv");
  const nonce = jsonBytes(fields["nonce"], "nonce");
  const sealed = jsonBytes(fields["bytes"], "bytes");
  checkSizes(iv, nonce, sealed);
  return {
    format: "json",
    algorithm,
    ...(typeof id === "string" && id !== "" ? { keyId: id } : {}),
    iv,
    nonce,
    sealed,
  };
}

function jsonBytes(value: unknown, field: string): Uint8Array {
  if (typeof value !== "string") throw new FormatError(`JSON ciphertext: ${field} is missing`);
  return decodeBase64(value, `JSON ciphertext: ${field}`);
}

function checkSizes(iv: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): void {
  if (iv.length !== IV_SIZE) throw new FormatError("ciphertext iv is not 16 bytes");
  if (nonce.length !== NONCE_SIZE) throw new FormatError("ciphertext nonce is not 12 bytes");
  if (sealed.length < TAG_SIZE) throw new FormatError("ciphertext is shorter than its tag");
}

/**
 * Writes format B exactly as KES v0.19.2 … 2024-01 does (135 bytes for a 32-byte DEK, AES):
 * the one shape we write, laid out by hand in one buffer (a generic encoder costs as much as
 * the AES work here). Byte for byte what @msgpack/msgpack writes (ciphertext.test.ts checks
 * every size class against it); strings that are not ASCII go through the library.
 */
export function writeMsgpackCiphertext(fields: MsgpackFields): Uint8Array {
  const { algorithm, keyId, iv, nonce, sealed } = fields;
  if (!isAscii(algorithm) || !isAscii(keyId)) {
    return msgpack().encoder.encode([algorithm, keyId, iv, nonce, sealed]);
  }
  const size =
    1 +
    strHeader(algorithm.length) +
    algorithm.length +
    strHeader(keyId.length) +
    keyId.length +
    binHeader(iv.length) +
    iv.length +
    binHeader(nonce.length) +
    nonce.length +
    binHeader(sealed.length) +
    sealed.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = MSGPACK_FIXARRAY_5;
  let at = writeStr(out, 1, algorithm);
  at = writeStr(out, at, keyId);
  at = writeBin(out, at, iv);
  at = writeBin(out, at, nonce);
  writeBin(out, at, sealed);
  return out;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

// MessagePack's size classes, chosen as the library chooses them.
function strHeader(length: number): number {
  return length < 32 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
}

function binHeader(length: number): number {
  return length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
}

function writeStr(out: Buffer, at: number, text: string): number {
  const n = text.length; // ASCII: one byte per character
  if (n < 32) out[at++] = 0xa0 | n;
  else if (n < 0x100) {
    out[at++] = 0xd9;
    out[at++] = n;
  } else if (n < 0x10000) {
    out[at++] = 0xda;
    out.writeUInt16BE(n, at);
    at += 2;
  } else {
    out[at++] = 0xdb;
    out.writeUInt32BE(n, at);
    at += 4;
  }
  return at + out.write(text, at, n, "latin1");
}

function writeBin(out: Buffer, at: number, bytes: Uint8Array): number {
  const n = bytes.length;
  if (n < 0x100) {
    out[at++] = 0xc4;
    out[at++] = n;
  } else if (n < 0x10000) {
    out[at++] = 0xc5;
    out.writeUInt16BE(n, at);
    at += 2;
  } else {
    out[at++] = 0xc6;
    out.writeUInt32BE(n, at);
    at += 4;
  }
  out.set(bytes, at);
  return at + n;
}

/** Writes format C (2024+), for when every peer reading the ciphertexts is 2024 or later. */
export function writeRawCiphertext(message: SealedMessage): Uint8Array {
  const { sealed, iv, nonce } = message;
  const out = new Uint8Array(sealed.length + RAW_TRAILER);
  out.set(sealed, 0);
  out.set(iv, sealed.length);
  out.set(nonce, sealed.length + IV_SIZE);
  return out;
}
