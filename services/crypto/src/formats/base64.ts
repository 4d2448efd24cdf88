import { FormatError } from "./format-error.js";

// Go's encoding/base64 StdEncoding: padded, standard alphabet. Node's decoder silently skips
// junk, so we check the shape first; otherwise a corrupted value could decode to other bytes.
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes standard, padded base64 (RFC 4648 §4) strictly; `what` names the field in errors. */
export function decodeBase64(text: string, what: string): Uint8Array {
  if (!STD_BASE64.test(text)) throw new FormatError(`${what} is not valid base64`);
  return Buffer.from(text, "base64");
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
