import { createHash } from "node:crypto";

/**
 * A KES identity from a certificate's DER (kes-api.md §4.1): lowercase hex SHA-256 of its
 * SubjectPublicKeyInfo exactly as the certificate holds it (never re-encoded, as Go's
 * RawSubjectPublicKeyInfo). @kes/identity computes the same (spki.test.ts compares them), but
 * importing it loads the X.509 and ASN.1 libraries its other functions need, a third of
 * `kes server`'s startup; the gateway only ever needs this, on a certificate TLS has already
 * parsed. Throws on DER it cannot walk.
 */
export function identityOfDer(der: Uint8Array): string {
  const cert = tlv(der, 0);
  const tbs = tlv(der, cert.start);
  let pos = tbs.start;
  if (tlv(der, pos).tag === 0xa0) pos = tlv(der, pos).end; // [0] EXPLICIT version
  // serialNumber, signature, issuer, validity, subject
  for (let i = 0; i < 5; i++) pos = tlv(der, pos).end;
  const spki = tlv(der, pos);
  if (spki.tag !== 0x30 || spki.end > tbs.end) throw new Error("no SubjectPublicKeyInfo");
  return createHash("sha256").update(der.subarray(pos, spki.end)).digest("hex");
}

/** One DER TLV header at `pos`: its tag and where its content starts and ends. */
function tlv(der: Uint8Array, pos: number): { tag: number; start: number; end: number } {
  const tag = der[pos];
  let length = der[pos + 1];
  if (tag === undefined || length === undefined) throw new Error("truncated DER");
  let start = pos + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4) throw new Error("unsupported DER length");
    length = 0;
    for (let i = 0; i < n; i++) {
      const b = der[start + i];
      if (b === undefined) throw new Error("truncated DER");
      length = length * 256 + b;
    }
    start += n;
  }
  const end = start + length;
  if (end > der.length) throw new Error("truncated DER");
  return { tag, start, end };
}
