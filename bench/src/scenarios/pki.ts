import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createCertificateAuthority, issueCertificate } from "@kes/identity";

/** The bench's throwaway PKI: one CA, a server certificate for loopback, an admin client. */
export interface BenchPki {
  readonly caPem: string;
  readonly server: { readonly certPem: string; readonly keyPem: string };
  readonly client: { readonly certPem: string; readonly keyPem: string; readonly identity: string };
  /** The same material as files in a directory (for configs and command lines). */
  readonly files: {
    readonly ca: string;
    readonly serverCert: string;
    readonly serverKey: string;
    readonly clientCert: string;
    readonly clientKey: string;
  };
}

/**
 * ECDSA P-256 throughout (what TLS stacks negotiate fastest); the server certificate names
 * 127.0.0.1, ::1 and localhost; the client certificate is issued by the same CA, so servers
 * can verify it (mutual TLS with verification, KES's --auth on).
 */
export async function createBenchPki(dir: string): Promise<BenchPki> {
  const ca = await createCertificateAuthority({ subject: "kes bench CA", keyType: "ecdsa-p256" });
  const server = await issueCertificate(ca, {
    subject: "kes bench server",
    usage: "server",
    ip: ["127.0.0.1", "::1"],
    dns: ["localhost"],
    keyType: "ecdsa-p256",
    validityDays: 2,
  });
  const client = await issueCertificate(ca, {
    subject: "kes bench client",
    usage: "client",
    keyType: "ecdsa-p256",
    validityDays: 2,
  });
  const files = {
    ca: join(dir, "ca.pem"),
    serverCert: join(dir, "server.cert"),
    serverKey: join(dir, "server.key"),
    clientCert: join(dir, "client.cert"),
    clientKey: join(dir, "client.key"),
  };
  await writeFile(files.ca, ca.certPem);
  await writeFile(files.serverCert, server.certPem);
  await writeFile(files.serverKey, server.keyPem, { mode: 0o600 });
  await writeFile(files.clientCert, client.certPem);
  await writeFile(files.clientKey, client.keyPem, { mode: 0o600 });
  return {
    caPem: ca.certPem,
    server: { certPem: server.certPem, keyPem: server.keyPem },
    client: { certPem: client.certPem, keyPem: client.keyPem, identity: client.identity },
    files,
  };
}
