import { createHash, X509Certificate } from "node:crypto";
import { errors } from "@kes/core";
import { decodePem } from "./pem.js";

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
  try {
    const cert = tlv(certDer, 0);
    const tbs = tlv(certDer, cert.start);
    let pos = tbs.start;
    if (tlv(certDer, pos).tag === 0xa0) pos = tlv(certDer, pos).end; // [0] EXPLICIT version
    // serialNumber, signature, issuer, validity, subject
    for (let i = 0; i < 5; i++) pos = tlv(certDer, pos).end;
    const spki = tlv(certDer, pos);
    if (spki.tag !== 0x30 || spki.end > tbs.end) throw new Error("no SubjectPublicKeyInfo");
    return certDer.subarray(pos, spki.end);
  } catch (err) {
    throw errors.invalidArgument(`not an X.509 certificate: ${(err as Error).message}`);
  }
}

/**
 * The DER of a certificate given as DER bytes, or as PEM (text or bytes). A PEM chain yields
 * its first certificate, the leaf by convention. Anything that is not a parseable X.509
 * certificate is an invalid_argument error saying what was found instead.
 */
export function certificateDer(cert: Uint8Array | string): Uint8Array {
  let der: Uint8Array;
  const text = typeof cert === "string" ? cert : looksLikeText(cert);
  if (text !== undefined) {
    if (!text.includes("-----BEGIN ")) {
      throw errors.invalidArgument("not a certificate: expected PEM or DER");
    }
    const blocks = decodePem(text);
    const first = blocks.find((b) => b.label === "CERTIFICATE");
    if (first === undefined) {
      const found = blocks.map((b) => b.label).join(", ");
      throw errors.invalidArgument(
        found === ""
          ? "not a certificate: no complete PEM block found"
          : `not a certificate: the PEM holds ${found} but no CERTIFICATE`,
      );
    }
    der = first.der;
  } else {
    der = cert as Uint8Array;
  }
  try {
    new X509Certificate(der);
  } catch {
    throw errors.invalidArgument("not a certificate: the data is not a valid X.509 certificate");
  }
  return der;
}

// DER certificates start with a SEQUENCE tag; anything else is read as (possibly PEM) text,
// so a file with `openssl x509 -text` output before the PEM block still works.
function looksLikeText(bytes: Uint8Array): string | undefined {
  return bytes[0] === 0x30 ? undefined : Buffer.from(bytes).toString("latin1");
}

/** A KES identity: lowercase hex SHA-256 of the certificate's DER SubjectPublicKeyInfo. */
export function identityOfCertificate(cert: Uint8Array | string): string {
  return identityOfSpki(subjectPublicKeyInfo(certificateDer(cert)));
}

/** A KES identity of a public key given as DER SubjectPublicKeyInfo. */
export function identityOfSpki(spkiDer: Uint8Array): string {
  return createHash("sha256").update(spkiDer).digest("hex");
}

/** True for a well-formed KES identity: 64 lowercase hex characters. */
export function isIdentity(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}
