// Test helper (not exported): runs the openssl CLI to produce keys and certificates that did not
// come from our own code, so identities are checked against an independent implementation.
import { execFileSync, spawnSync } from "node:child_process";

export const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

export function openssl(
  args: readonly string[],
  options: { cwd: string; input?: Buffer } = {
    cwd: ".",
  },
): Buffer {
  return execFileSync("openssl", args, {
    cwd: options.cwd,
    input: options.input,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** A self-signed certificate with a fresh key of the given openssl algorithm spec. */
export function opensslCertificate(dir: string, name: string, newkey: readonly string[]): string {
  openssl(
    [
      "req",
      "-x509",
      ...newkey,
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.cert`,
      "-days",
      "1",
      "-subj",
      `/CN=${name}`,
    ],
    { cwd: dir },
  );
  return `${dir}/${name}.cert`;
}

/** The identity as the KES docs compute it: sha256 of the DER public key from the certificate. */
export function opensslIdentity(dir: string, certFile: string): string {
  const pem = openssl(["x509", "-in", certFile, "-pubkey", "-noout"], { cwd: dir });
  const der = openssl(["pkey", "-pubin", "-outform", "der"], { cwd: dir, input: pem });
  return openssl(["dgst", "-sha256", "-r"], { cwd: dir, input: der })
    .toString("utf8")
    .split(" ")[0] as string;
}
