import {
  type CertificateUsage,
  createSelfSignedCertificate,
  encryptPrivateKeyPem,
  generateApiKey,
  isKeyType,
  KEY_TYPES,
  type KeyType,
  writePemFiles,
} from "@kes/identity";
import { CliError } from "../errors.js";
import type { CliIo } from "../io.js";
import { validity } from "./validity.js";

/** The flags of `kes identity new` and `kes tool identity new`, after commander. */
export interface NewFlags {
  readonly key?: string;
  readonly cert?: string;
  readonly ip: string[];
  readonly dns: string[];
  /** `--expiry` (kes identity new) or `-t/--time` (kes tool identity new); a Go duration. */
  readonly validity: string;
  readonly keyType?: string;
  readonly server?: boolean;
  readonly force?: boolean;
  readonly encrypt?: boolean;
}

/**
 * The legacy `kes tool identity new` always writes a key and a certificate (by default to
 * ./private.key and ./public.crt); `kes identity new` without --key/--cert prints an API key.
 */
export type NewMode = "tool" | "identity";

export { collect } from "./collect.js";

export async function newIdentity(
  mode: NewMode,
  subject: string | undefined,
  flags: NewFlags,
  io: CliIo,
): Promise<void> {
  const files = targetFiles(mode, flags);
  if (files === undefined) {
    printApiKey(subject, flags, io);
    return;
  }
  const keyType = checkKeyType(flags.keyType);
  const usage: CertificateUsage = flags.server ? "server" : "client";
  if (usage === "server" && flags.ip.length === 0 && flags.dns.length === 0) {
    throw new CliError(
      "a server certificate needs at least one --ip or --dns: TLS clients check the server's address against them",
    );
  }
  const validityDays = validity(flags.validity, mode === "tool" ? "--time" : "--expiry");
  const password = flags.encrypt ? await askPassword(io) : undefined;
  const material = await createSelfSignedCertificate({
    ...(subject === undefined ? {} : { subject }),
    ip: flags.ip,
    dns: flags.dns,
    usage,
    validityDays,
    keyType,
  });
  const keyPem =
    password === undefined ? material.keyPem : encryptPrivateKeyPem(material.keyPem, password);
  await writePemFiles(
    files,
    { certPem: material.certPem, keyPem },
    { force: flags.force === true },
  );
  if (io.stdout.isTTY) {
    io.stdout.write(
      `Private key:  ${files.keyFile}\nCertificate:  ${files.certFile}\nIdentity:     ${material.identity}\n`,
    );
  } else {
    io.stdout.write(`${material.identity}\n`);
  }
}

function targetFiles(
  mode: NewMode,
  flags: NewFlags,
): { keyFile: string; certFile: string } | undefined {
  const { key, cert } = flags;
  if ((key === undefined) !== (cert === undefined)) {
    throw new CliError("--key and --cert must be given together");
  }
  if (key !== undefined && cert !== undefined) {
    if (key.trim() === "" || cert.trim() === "")
      throw new CliError("--key and --cert need a file name");
    return { keyFile: key, certFile: cert };
  }
  return mode === "tool" ? { keyFile: "private.key", certFile: "public.crt" } : undefined;
}

// Without files there is no certificate, so certificate flags would silently do nothing.
function printApiKey(subject: string | undefined, flags: NewFlags, io: CliIo): void {
  const unused = [
    subject === undefined ? "" : "a subject",
    flags.ip.length > 0 ? "--ip" : "",
    flags.dns.length > 0 ? "--dns" : "",
    flags.server ? "--server" : "",
    flags.force ? "--force" : "",
    flags.encrypt ? "--encrypt" : "",
    flags.keyType !== undefined ? "--key-type" : "",
  ].filter((s) => s !== "");
  if (unused.length > 0) {
    throw new CliError(
      `without --key <file> --cert <file> no certificate is made, so these have nothing to apply to: ${unused.join(", ")}`,
    );
  }
  const { apiKey, identity } = generateApiKey();
  if (!io.stdout.isTTY) {
    io.stdout.write(`${apiKey}\n${identity}\n`);
    return;
  }
  io.stdout.write(
    [
      "Your API key:",
      "",
      `   ${apiKey}`,
      "",
      "It is shown only this once: keep it secret, it is your private key.",
      "",
      "Your identity:",
      "",
      `   ${identity}`,
      "",
      "The identity is not a secret: put it in a policy of the server's config.",
      "Compute it again with: kes identity of <api-key>",
      "",
    ].join("\n"),
  );
}

function checkKeyType(value: string | undefined): KeyType {
  if (value === undefined) return "ed25519";
  if (!isKeyType(value)) {
    throw new CliError(`invalid --key-type '${value}': expected ${KEY_TYPES.join(" or ")}`);
  }
  return value;
}

async function askPassword(io: CliIo): Promise<string> {
  const password = await io.promptPassword("Enter a password for the private key: ");
  if (password === "") throw new CliError("the password is empty: nothing was written");
  // A typo here would lock the key away for good, so ask twice.
  if ((await io.promptPassword("Enter the password again: ")) !== password) {
    throw new CliError("the passwords do not match: nothing was written");
  }
  return password;
}
