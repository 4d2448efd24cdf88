import { createHash, X509Certificate } from "node:crypto";

/**
 * Reads one DER TLV header at `pos`; returns the content start and end. Throws on anything
 * that is not well-formed DER (indefinite lengths included).
 */
function tlv(der: Uint8Array, pos: number): { tag: number; start: number; end: number } {
  const tag = der[pos];
  let len = der[pos + 1];
  if (tag === undefined || len === undefined) throw new Error("truncated DER");
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error("unsupported DER length");
    len = 0;
    for (let i = 0; i < n; i++) {
      const b = der[start + i];
      if (b === undefined) throw new Error("truncated DER");
      len = len * 256 + b;
    }
    start += n;
  }
  const end = start + len;
  if (end > der.length) throw new Error("truncated DER");
  return { tag, start, end };
}

/**
 * The raw DER SubjectPublicKeyInfo of an X.509 certificate, exactly as it appears in the
 * certificate (never re-encoded, so the identity matches Go's RawSubjectPublicKeyInfo).
 */
export function subjectPublicKeyInfo(certDer: Uint8Array): Uint8Array {
  const cert = tlv(certDer, 0);
  const tbs = tlv(certDer, cert.start);
  let pos = tbs.start;
  let field = tlv(certDer, pos);
  if (field.tag === 0xa0) {
    pos = field.end; // [0] EXPLICIT version
    field = tlv(certDer, pos);
  }
  // serialNumber, signature, issuer, validity, subject
  for (let i = 0; i < 5; i++) {
    field = tlv(certDer, pos);
    pos = field.end;
  }
  const spki = tlv(certDer, pos);
  if (spki.tag !== 0x30) throw new Error("certificate has no SubjectPublicKeyInfo");
  return certDer.subarray(pos, spki.end);
}

/** A KES identity: lowercase hex SHA-256 of the certificate's DER SubjectPublicKeyInfo. */
export function identityOfCertificate(cert: Uint8Array | string): string {
  const der = typeof cert === "string" ? new X509Certificate(cert).raw : cert;
  return createHash("sha256").update(subjectPublicKeyInfo(der)).digest("hex");
}

/** A KES identity of a public key given as DER SubjectPublicKeyInfo. */
export function identityOfSpki(spkiDer: Uint8Array): string {
  return createHash("sha256").update(spkiDer).digest("hex");
}
