/**
 * What goes into a CipherTrust secret's `material`, a JSON string. KES stores its stored-key
 * text there (JSON or base64, both ASCII), so text is kept verbatim and a store written by KES
 * reads back byte for byte. The KeyStore contract also allows arbitrary bytes, which a JSON
 * string cannot carry losslessly: those are written as a marked base64 text instead.
 */

/** Never the start of a KES stored-key text: JSON starts with "{", base64 has no "-" or ":". */
export const BINARY_MARKER = "kes-ts-binary:base64:";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function asText(value: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(value);
  } catch {
    return undefined;
  }
}

/** The material for `value`: its text when it is UTF-8, else the marked base64 of its bytes. */
export function toMaterial(value: Uint8Array): string {
  const text = asText(value);
  // Text that happens to start with the marker is marked too, so reading it back is unambiguous.
  if (text !== undefined && !text.startsWith(BINARY_MARKER)) return text;
  return (
    BINARY_MARKER + Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64")
  );
}

/** The value a material holds; undefined when a marked material is not valid base64. */
export function fromMaterial(material: string): Uint8Array | undefined {
  if (!material.startsWith(BINARY_MARKER)) return new TextEncoder().encode(material);
  const encoded = material.slice(BINARY_MARKER.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return undefined;
  return new Uint8Array(Buffer.from(encoded, "base64"));
}
