import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import { createCertificateAuthority, issueCertificate, writePemFiles } from "@kes/identity";

export interface TlsMaterial {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/** File names written into a TLS directory. */
export const TLS_FILES = { ca: "ca.pem", cert: "server.pem", key: "server.key" } as const;

const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", ""]);

/** SANs for a server listening on `host`: always loopback, plus the host (or this machine). */
function subjectAltNames(host: string): { ip: string[]; dns: string[] } {
  const ip = new Set(["127.0.0.1", "::1"]);
  const dns = new Set(["localhost"]);
  if (WILDCARD_HOSTS.has(host)) dns.add(hostname());
  else if (isIP(host) !== 0) ip.add(host);
  else dns.add(host);
  return { ip: [...ip], dns: [...dns] };
}

/**
 * A fresh private CA and a server certificate it signed, with SANs (KES, being Go, rejects a
 * certificate without a SAN matching the endpoint). ECDSA P-256: every TLS stack takes it.
 */
export async function createTlsMaterial(host: string): Promise<TlsMaterial> {
  const ca = await createCertificateAuthority({
    subject: "CipherTrust Manager simulator CA",
    validityDays: 3650,
    keyType: "ecdsa-p256",
  });
  const { ip, dns } = subjectAltNames(host);
  const leaf = await issueCertificate(ca, {
    subject: "localhost",
    ip,
    dns,
    usage: "server",
    validityDays: 825,
    keyType: "ecdsa-p256",
  });
  return { caPem: ca.certPem, certPem: leaf.certPem, keyPem: leaf.keyPem };
}

function reusable(dir: string, host: string): TlsMaterial | undefined {
  const paths = [TLS_FILES.ca, TLS_FILES.cert, TLS_FILES.key].map((f) => join(dir, f));
  if (!paths.every((p) => existsSync(p))) return undefined;
  const [caPem, certPem, keyPem] = paths.map((p) => readFileSync(p, "utf8")) as [
    string,
    string,
    string,
  ];
  try {
    const cert = new X509Certificate(certPem);
    if (Date.parse(cert.validTo) <= Date.now()) return undefined;
    const covered =
      WILDCARD_HOSTS.has(host) ||
      (isIP(host) !== 0 ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined);
    return covered ? { caPem, certPem, keyPem } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reuses the CA and server certificate in `dir` when they are still valid for `host` (so a KES
 * config pointing at ca.pem survives restarts); otherwise makes new ones and writes them.
 */
export async function loadOrCreateTlsDir(dir: string, host: string): Promise<TlsMaterial> {
  const existing = reusable(dir, host);
  if (existing !== undefined) return existing;
  const material = await createTlsMaterial(host);
  await writeTlsDir(dir, material);
  return material;
}

export async function writeTlsDir(dir: string, material: TlsMaterial): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writePemFiles(
    { keyFile: join(dir, TLS_FILES.key), certFile: join(dir, TLS_FILES.cert) },
    material,
    { force: true },
  );
  const caFile = join(dir, TLS_FILES.ca);
  const tmp = `${caFile}.${process.pid}.tmp`;
  await writeFile(tmp, material.caPem, { mode: 0o644 });
  await rename(tmp, caFile);
}
