// TLS material from PEM files, read once at start-up so a wrong path fails there, by name.

import { readFile } from "node:fs/promises";
import { credentials, ServerCredentials } from "@grpc/grpc-js";

async function readPem(path, flag) {
  let text;
  try {
    text = await readFile(path);
  } catch (err) {
    throw new Error(`${flag} ${path}: cannot read the file: ${err.code ?? err.message}`);
  }
  if (!text.includes("-----BEGIN ")) throw new Error(`${flag} ${path}: not a PEM file`);
  return text;
}

/**
 * Plaintext HTTP/2 without `tls` (local tests only). With cert and key: TLS. With a CA as well:
 * mutual TLS, where only clients with a certificate issued by that CA get in.
 */
export async function serverCredentials(tls) {
  if (tls === undefined) return ServerCredentials.createInsecure();
  const cert = await readPem(tls.cert, "--cert");
  const key = await readPem(tls.key, "--key");
  const ca = tls.ca === undefined ? null : await readPem(tls.ca, "--ca");
  return ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], ca !== null);
}

/** The client side, for health-check.mjs: `ca` to trust the server, cert+key to be known. */
export async function clientCredentials(tls) {
  if (tls === undefined) return credentials.createInsecure();
  const ca = tls.ca === undefined ? null : await readPem(tls.ca, "--ca");
  const key = tls.key === undefined ? null : await readPem(tls.key, "--key");
  const cert = tls.cert === undefined ? null : await readPem(tls.cert, "--cert");
  return credentials.createSsl(ca, key, cert);
}
