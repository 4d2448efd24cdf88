import {
  createPublicKey,
  type KeyObject,
  X509Certificate as NodeX509,
  randomBytes,
} from "node:crypto";
import { isIP } from "node:net";
import { errors, MAX_VALIDITY_DAYS } from "@kes/core";
import {
  checkKeyType,
  generateKeyPair,
  type KeyType,
  keyAlgorithm,
  privateKeyPem,
  signingAlgorithm,
  toSigningKey,
} from "./key-pair.js";
import { loadPrivateKey } from "./private-key.js";
import { certificateDer, identityOfSpki, subjectPublicKeyInfo } from "./spki.js";
import {
  type CryptoKey,
  type CryptoKeyPair,
  crypto,
  type EcKeyImportParams,
  x509,
} from "./x509.js";

/** What a certificate is for: its ExtendedKeyUsage. */
export type CertificateUsage = "client" | "server" | "both";

/** A certificate, its PKCS#8 private key (both PEM) and the KES identity of the key. */
export interface CertificateMaterial {
  readonly certPem: string;
  readonly keyPem: string;
  readonly identity: string;
}

export interface CertificateOptions {
  /** The subject's common name; default: the identity hex (as KES does). */
  readonly subject?: string;
  /** IP subjectAltNames. */
  readonly ip?: readonly string[];
  /** DNS subjectAltNames. */
  readonly dns?: readonly string[];
  /** Default "client". A "server" certificate needs at least one IP or DNS name. */
  readonly usage?: CertificateUsage;
  /** Default 90 days, like the certificates KES makes for API keys. */
  readonly validityDays?: number;
  /** Default "ed25519". */
  readonly keyType?: KeyType;
}

export interface CertificateAuthorityOptions {
  readonly subject: string;
  /** Default 3650 days. */
  readonly validityDays?: number;
  readonly keyType?: KeyType;
}

export interface IssueOptions extends CertificateOptions {
  readonly subject: string;
  readonly usage: CertificateUsage;
}

const DAY_MS = 86_400_000;
const OID_COMMON_NAME = "2.5.4.3";
const USAGES: readonly CertificateUsage[] = ["client", "server", "both"];
const DNS_NAME =
  /^(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;

/** A self-signed leaf certificate with a fresh key pair. */
export async function createSelfSignedCertificate(
  options: CertificateOptions = {},
): Promise<CertificateMaterial> {
  const leaf = checkLeafOptions(options);
  const keys = await generateKeyPair(leaf.keyType);
  return selfSigned(keys, leaf, privateKeyPem(keys.privateKey));
}

/**
 * A self-signed leaf certificate for an existing private key (Ed25519 or ECDSA P-256); the
 * key type comes from the key, `options.keyType` is ignored.
 */
export async function certificateFromKey(
  privateKey: KeyObject,
  options: CertificateOptions = {},
): Promise<CertificateMaterial> {
  const signer = await toSigningKey(privateKey);
  const leaf = { ...checkLeafOptions(options), keyType: signer.type };
  const spki = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  const publicKey = await crypto.subtle.importKey(
    "spki",
    spki,
    keyAlgorithm(signer.type) as EcKeyImportParams,
    true,
    ["verify"],
  );
  return selfSigned({ privateKey: signer.key, publicKey }, leaf, privateKeyPem(privateKey));
}

async function selfSigned(
  keys: CryptoKeyPair,
  leaf: LeafOptions,
  keyPem: string,
): Promise<CertificateMaterial> {
  const identity = await identityOfPublicKey(keys.publicKey);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: commonName(leaf.subject ?? identity),
      ...validity(leaf.validityDays),
      keys,
      signingAlgorithm: signingAlgorithm(leaf.keyType),
      extensions: [
        ...leafExtensions(leaf),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return material(cert, keyPem);
}

/** A self-signed CA certificate (basicConstraints CA, path length 0) with a fresh key pair. */
export async function createCertificateAuthority(
  options: CertificateAuthorityOptions,
): Promise<CertificateMaterial> {
  const subject = checkSubject(options.subject, true) as string;
  const validityDays = checkValidity(options.validityDays, 3650);
  const keyType = checkKeyType(options.keyType);
  const keys = await generateKeyPair(keyType);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: commonName(subject),
      ...validity(validityDays),
      keys,
      signingAlgorithm: signingAlgorithm(keyType),
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign |
            x509.KeyUsageFlags.cRLSign |
            x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return material(cert, privateKeyPem(keys.privateKey));
}

/** A leaf certificate with a fresh key pair, signed by `ca` (as made by createCertificateAuthority). */
export async function issueCertificate(
  ca: { readonly certPem: string; readonly keyPem: string },
  options: IssueOptions,
): Promise<CertificateMaterial> {
  const leaf = checkLeafOptions(options);
  const caCert = new x509.X509Certificate(certificateDer(ca.certPem));
  const constraints = caCert.getExtension(x509.BasicConstraintsExtension);
  if (!constraints?.ca) {
    throw errors.invalidArgument("cannot issue a certificate: the issuer certificate is not a CA");
  }
  const caKey = loadPrivateKey(ca.keyPem);
  const caSpki = subjectPublicKeyInfo(new Uint8Array(caCert.rawData));
  const keySpki = createPublicKey(caKey).export({ type: "spki", format: "der" });
  if (!Buffer.from(caSpki).equals(keySpki)) {
    throw errors.invalidArgument(
      "cannot issue a certificate: the CA private key does not match the CA certificate",
    );
  }
  const signer = await toSigningKey(caKey);
  const keys = await generateKeyPair(leaf.keyType);
  const ski = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: commonName(leaf.subject as string),
      issuer: caCert.subjectName,
      ...validity(leaf.validityDays),
      publicKey: keys.publicKey,
      signingKey: signer.key,
      signingAlgorithm: signingAlgorithm(signer.type),
      extensions: [
        ...leafExtensions(leaf),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
        ski
          ? new x509.AuthorityKeyIdentifierExtension(ski.keyId)
          : await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return material(cert, privateKeyPem(keys.privateKey));
}

interface LeafOptions {
  readonly subject: string | undefined;
  readonly ip: readonly string[];
  readonly dns: readonly string[];
  readonly usage: CertificateUsage;
  readonly validityDays: number;
  readonly keyType: KeyType;
}

function checkLeafOptions(options: CertificateOptions): LeafOptions {
  const usage = options.usage ?? "client";
  if (!USAGES.includes(usage)) {
    throw errors.invalidArgument(`invalid usage '${usage}': expected ${USAGES.join(", ")}`);
  }
  const ip = [...(options.ip ?? [])];
  for (const addr of ip) {
    if (isIP(addr) === 0) throw errors.invalidArgument(`invalid IP address '${addr}'`);
  }
  const dns = [...(options.dns ?? [])];
  for (const name of dns) {
    if (name.length > 253 || !DNS_NAME.test(name)) {
      throw errors.invalidArgument(`invalid DNS name '${name}'`);
    }
  }
  if (usage === "server" && ip.length === 0 && dns.length === 0) {
    throw errors.invalidArgument(
      "a server certificate needs at least one IP address or DNS name (subjectAltName): " +
        "TLS clients verify the server's name against them",
    );
  }
  return {
    subject: checkSubject(options.subject, false),
    ip,
    dns,
    usage,
    validityDays: checkValidity(options.validityDays, 90),
    keyType: checkKeyType(options.keyType),
  };
}

function checkSubject(subject: string | undefined, required: boolean): string | undefined {
  if (subject === undefined && !required) return undefined;
  if (typeof subject !== "string" || subject.trim() === "") {
    throw errors.invalidArgument("the certificate subject is empty");
  }
  return subject;
}

function checkValidity(days: number | undefined, fallback: number): number {
  if (days === undefined) return fallback;
  // Sub-day validity is allowed (tests, short-lived certs).
  if (!Number.isFinite(days) || days <= 0 || days > MAX_VALIDITY_DAYS) {
    throw errors.invalidArgument(
      `invalid validity of ${days} days: expected more than 0 and at most ${MAX_VALIDITY_DAYS} days (100 years)`,
    );
  }
  return days;
}

function leafExtensions(leaf: LeafOptions): x509.Extension[] {
  const eku =
    leaf.usage === "client"
      ? [x509.ExtendedKeyUsage.clientAuth]
      : leaf.usage === "server"
        ? [x509.ExtendedKeyUsage.serverAuth]
        : [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(eku, false),
  ];
  const names = [
    ...leaf.dns.map((value) => ({ type: "dns" as const, value })),
    ...leaf.ip.map((value) => ({ type: "ip" as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  return extensions;
}

function commonName(value: string): x509.JsonName {
  return [{ [OID_COMMON_NAME]: [value] }];
}

// X.509 times have second precision: start at the current second so the certificate is valid
// at once, and end `days` later.
function validity(days: number): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
  return { notBefore, notAfter: new Date(notBefore.getTime() + Math.round(days * DAY_MS)) };
}

/** A random 128-bit serial number (the library keeps it a positive DER INTEGER). */
function randomSerial(): string {
  return randomBytes(16).toString("hex");
}

async function identityOfPublicKey(key: CryptoKey): Promise<string> {
  const spki = await crypto.subtle.exportKey("spki", key);
  return identityOfSpki(new Uint8Array(spki));
}

function material(cert: x509.X509Certificate, keyPem: string): CertificateMaterial {
  const der = new Uint8Array(cert.rawData);
  const certPem = new NodeX509(der).toString();
  return { certPem, keyPem, identity: identityOfSpki(subjectPublicKeyInfo(der)) };
}
