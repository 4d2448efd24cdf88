import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { certificateDer, parseApiKey, subjectPublicKeyInfo } from "@kes/identity";
import { CliError } from "../errors.js";
import type { CliIo } from "../io.js";

/** The hashes legacy `kes tool identity of --hash` offered; KES servers always use SHA-256. */
export const HASHES: Record<string, string> = {
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
};

/**
 * Prints the identity of a certificate file (PEM or DER; `-` reads stdin) or of an API key:
 * a friendly line on a terminal, the bare hex and a newline otherwise, so that
 * `export APP_IDENTITY=$(kes tool identity of app.cert)` works.
 */
export async function identityOf(
  source: string,
  options: { readonly hash?: string },
  io: CliIo,
  stdin: () => Promise<Buffer> = readStdin,
): Promise<void> {
  const algorithm = HASHES[(options.hash ?? "SHA-256").toUpperCase()];
  if (algorithm === undefined) {
    throw new CliError(
      `invalid --hash '${options.hash}': expected ${Object.keys(HASHES).join(", ")}`,
    );
  }
  const spki = source.trim().startsWith("kes:")
    ? parseApiKey(source).publicKey.export({ type: "spki", format: "der" })
    : subjectPublicKeyInfo(certificateDer(await readSource(source, stdin)));
  const identity = createHash(algorithm).update(spki).digest("hex");
  io.stdout.write(io.stdout.isTTY ? `Identity:  ${identity}\n` : `${identity}\n`);
}

async function readSource(source: string, stdin: () => Promise<Buffer>): Promise<Uint8Array> {
  if (source === "-") return stdin();
  try {
    return await readFile(source);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES" || code === "EPERM"
            ? "permission denied"
            : (code ?? "I/O error");
    throw new CliError(`cannot read '${source}': ${reason}`);
  }
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
