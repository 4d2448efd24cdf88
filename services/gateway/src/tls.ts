import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import type { TlsConfig } from "@kes/config";

/** What the HTTPS server needs, loaded and checked once at startup. */
export interface ServerTls {
  readonly certPem: string;
  /** Unencrypted PKCS#8 PEM (decrypted in memory when the file is encrypted). */
  readonly keyPem: string;
  /** Trusted client CAs: system roots plus tls.ca; undefined = Node's defaults (the roots). */
  readonly ca?: readonly string[];
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Loads the server certificate and key (from `override` PEMs, else the config's files) and the
 * client CAs. Every failure names the config key and file, and says what is wrong.
 */
export async function loadServerTls(
  config: TlsConfig,
  override?: { readonly certPem: string; readonly keyPem: string },
): Promise<ServerTls> {
  const certPem = override?.certPem ?? (await readText(config.cert, "tls.cert"));
  const keyText = override?.keyPem ?? (await readText(config.key, "tls.key"));
  const certWhere = override === undefined ? `tls.cert ${config.cert}` : "the server certificate";
  const keyWhere = override === undefined ? `tls.key ${config.key}` : "the server key";
  const cert = parseCertificate(certPem, certWhere);
  const key = parseKey(keyText, config.password, keyWhere);
  if (!cert.checkPrivateKey(key)) {
    throw new Error(`${keyWhere}: the private key does not belong to ${certWhere}`);
  }
  checkSubjectAltName(cert, certWhere);
  const keyPem = key.export({ type: "pkcs8", format: "pem" }).toString();
  if (config.ca === undefined || config.ca === "") return { certPem, keyPem };
  const extra = await loadCaCertificates(config.ca);
  return { certPem, keyPem, ca: [...rootCertificates, ...extra] };
}

async function readText(file: string, key: string): Promise<string> {
  if (file === "") throw new Error(`${key}: no file given`);
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    throw new Error(`${key} ${file}: cannot read the file: ${describeFsError(err)}`);
  }
}

function parseCertificate(pem: string, where: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new Error(`${where}: not a PEM X.509 certificate`);
  }
}

function parseKey(pem: string, password: string | undefined, where: string): KeyObject {
  const encrypted = pem.includes("ENCRYPTED");
  if (encrypted && (password === undefined || password === "")) {
    throw new Error(`${where}: the private key is encrypted: set tls.password`);
  }
  try {
    return createPrivateKey(encrypted ? { key: pem, passphrase: password ?? "" } : pem);
  } catch {
    throw new Error(
      encrypted
        ? `${where}: cannot decrypt the private key: is tls.password right?`
        : `${where}: not a PEM private key`,
    );
  }
}

/** KES refuses a server certificate without a DNS or IP SAN: no client could verify it. */
function checkSubjectAltName(cert: X509Certificate, where: string): void {
  const san = cert.subjectAltName ?? "";
  if (!/(^|, )(DNS:|IP Address:)/.test(san)) {
    throw new Error(
      `${where}: the certificate has no DNS or IP subject alternative name (SAN), so clients ` +
        "cannot verify it; issue it with one (e.g. --ip 127.0.0.1 --dns localhost)",
    );
  }
}

/** tls.ca: one PEM file, or every file of a directory; each may hold several certificates. */
async function loadCaCertificates(path: string): Promise<string[]> {
  let files: string[];
  try {
    const info = await stat(path);
    files = info.isDirectory()
      ? (await readdir(path, { withFileTypes: true }))
          .filter((e) => e.isFile())
          .map((e) => join(path, e.name))
          .sort()
      : [path];
  } catch (err) {
    throw new Error(`tls.ca ${path}: cannot read: ${describeFsError(err)}`);
  }
  const out: string[] = [];
  for (const file of files) {
    const text = await readText(file, "tls.ca");
    const pems = text.match(PEM_CERT) ?? [];
    if (pems.length === 0) throw new Error(`tls.ca ${file}: no PEM certificate in the file`);
    for (const pem of pems) {
      parseCertificate(pem, `tls.ca ${file}`);
      out.push(pem);
    }
  }
  return out;
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    default:
      return code ?? "unknown error";
  }
}
