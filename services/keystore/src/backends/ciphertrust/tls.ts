import { X509Certificate } from "node:crypto";
import type { Stats } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { checkServerIdentity as nodeCheckServerIdentity, type PeerCertificate } from "node:tls";
import { errors } from "@kes/core";
import { CONFIG_KEYS } from "./config.js";

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?\r?\n-----END CERTIFICATE-----/g;

/** Error code of the certificate check below, so the error text can say what to do. */
export const NO_SAN_CODE = "ERR_CM_CERT_NO_SAN";

function caError(message: string): Error {
  return errors.invalidArgument(`${CONFIG_KEYS.ca}: ${message}`);
}

/** The PEM certificates in one file; throws naming the file when there is none or one is bad. */
function certificatesIn(text: string, file: string): string[] {
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw caError(`"${file}" holds no PEM certificate`);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      throw caError(`"${file}" holds a PEM certificate that cannot be parsed`);
    }
  }
  return blocks;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    throw caError(`cannot read "${file}": ${codeOf(err)}`);
  }
}

/**
 * The CA certificates `tls.ca` names: a PEM file, or a directory whose every regular file is a
 * PEM file (subdirectories are skipped), as KES reads it. Any unreadable or unparsable file is
 * a startup error naming it: silently trusting fewer CAs than configured helps nobody.
 */
export async function loadCaCertificates(path: string): Promise<string[]> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (err) {
    throw caError(
      codeOf(err) === "ENOENT"
        ? `"${path}" does not exist`
        : `cannot access "${path}": ${codeOf(err)}`,
    );
  }
  if (info.isFile()) return certificatesIn(await readText(path), path);
  if (!info.isDirectory()) throw caError(`"${path}" is neither a file nor a directory`);
  const certificates: string[] = [];
  for (const entry of (await readdir(path)).sort()) {
    const file = join(path, entry);
    // stat, not lstat: a symlink to a certificate (as c_rehash makes) counts as the certificate.
    const entryInfo = await stat(file).catch(() => undefined);
    if (entryInfo === undefined || !entryInfo.isFile()) continue;
    certificates.push(...certificatesIn(await readText(file), file));
  }
  if (certificates.length === 0) throw caError(`the directory "${path}" holds no certificate`);
  return certificates;
}

/**
 * Node still accepts a certificate without subjectAltName when its CN matches; KES (Go) never
 * does, and the guide tells operators such a CM certificate is invalid. We refuse it the same
 * way, with an error that says so, and otherwise check the name as Node does.
 */
export function checkServerIdentity(host: string, cert: PeerCertificate): Error | undefined {
  if (cert.subjectaltname === undefined || cert.subjectaltname === "") {
    const err = new Error(`the certificate has no subjectAltName, so it is not valid for ${host}`);
    Object.assign(err, { code: NO_SAN_CODE, host, cert });
    return err;
  }
  return nodeCheckServerIdentity(host, cert);
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "unknown error";
}
