import { readFile, stat } from "node:fs/promises";
import { ConfigError } from "./errors.js";
import type { KesConfig } from "./types.js";

/** Certificates and keys are small; a bigger file is surely the wrong one. */
const MAX_PEM_SIZE = 1 << 20;

/** The CA settings that may name a directory of PEM files (as KES reads them). */
const CA_DIRECTORIES: ReadonlySet<string> = new Set([
  "tls.ca",
  "keystore.gemalto.keysecure.tls.ca",
]);

/** Why a file cannot be read, in words. */
function unreadable(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    default:
      return (err as NodeJS.ErrnoException).code ?? String(err);
  }
}

/** The problem with one PEM setting's file (a directory is fine where `directories` says so). */
async function problemOf(path: string, directories: boolean): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) return directories ? undefined : `${path} is a directory, not a file`;
    if (info.size > MAX_PEM_SIZE) return `${path} is too large for a PEM file (over 1 MiB)`;
    const text = await readFile(path, "utf8");
    if (!text.includes("-----BEGIN ")) return `${path} is not a PEM file (no -----BEGIN line)`;
    return undefined;
  } catch (err) {
    return `cannot read the file ${path}: ${unreadable(err)}`;
  }
}

/**
 * Checks the TLS files of the settings under `prefixes` (e.g. "tls." for the HTTPS server,
 * "services.tls." for the internal mutual TLS): each must be a readable PEM file; tls.ca and
 * the CipherTrust CA may also be a directory. Throws a ConfigError naming the config
 * file, the setting's line and key: `kes.yml:4: tls.cert: cannot read the file /etc/kes/x.crt:
 * no such file or directory`. A process checks only what it uses; the services still check
 * the contents (certificate, key, their match) when they load them.
 */
export async function checkConfigFiles(
  config: KesConfig,
  prefixes: readonly string[],
): Promise<void> {
  const source = config.source;
  if (source === undefined) return;
  for (const [key, setting] of Object.entries(source.paths)) {
    if (!prefixes.some((prefix) => key.startsWith(prefix))) continue;
    const problem = await problemOf(setting.path, CA_DIRECTORIES.has(key));
    if (problem !== undefined) throw new ConfigError(source.file, key, setting.line, problem);
  }
}
