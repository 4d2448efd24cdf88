import { type KeyObject, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createKesClient, type KesClient, type KesClientOptions } from "@kes/client";
import { isKesError } from "@kes/core";
import type { PemBlock } from "@kes/identity";
import { type ServerSource, toCliError } from "./client-errors.js";
import { CliError } from "./errors.js";
import { type CliIo, NoTerminalError } from "./io.js";

/** Where `kes` commands go when KES_SERVER is not set (KES 2023). */
export const DEFAULT_SERVER = "https://127.0.0.1:7373";

/** The connection flags every client command takes. */
export interface ConnectionFlags {
  /** -k/--insecure: do not verify the server's certificate. */
  readonly insecure?: boolean;
  /** -s/--server: overrides KES_SERVER. */
  readonly server?: string;
}

export type Credentials =
  | { readonly kind: "api-key"; readonly apiKey: string }
  | { readonly kind: "certificate"; readonly certFile: string; readonly keyFile: string };

/** Set and not blank. */
function value(env: CliIo["env"], name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === "" ? undefined : v;
}

/**
 * How to authenticate, from KES_API_KEY or KES_CLIENT_CERT + KES_CLIENT_KEY (kes-api.md §9.2):
 * exactly one of the two ways, each complete.
 */
export function credentialsFromEnv(env: CliIo["env"]): Credentials {
  const apiKey = value(env, "KES_API_KEY");
  const certFile = value(env, "KES_CLIENT_CERT");
  const keyFile = value(env, "KES_CLIENT_KEY");
  if (apiKey !== undefined) {
    if (certFile !== undefined || keyFile !== undefined) {
      throw new CliError(
        "KES_API_KEY cannot be used together with KES_CLIENT_CERT or KES_CLIENT_KEY: unset one of them",
      );
    }
    return { kind: "api-key", apiKey };
  }
  if (certFile === undefined && keyFile === undefined) {
    throw new CliError(
      "no client credentials: set KES_API_KEY, or KES_CLIENT_CERT and KES_CLIENT_KEY " +
        "(the files of your client certificate and its private key)",
    );
  }
  if (certFile === undefined) {
    throw new CliError(
      "no TLS client certificate: environment variable KES_CLIENT_CERT is not set",
    );
  }
  if (keyFile === undefined) {
    throw new CliError("no TLS private key: environment variable KES_CLIENT_KEY is not set");
  }
  return { kind: "certificate", certFile, keyFile };
}

/** Why a file cannot be read, in words (never its content). */
function unreadable(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory";
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

async function readPem(variable: string, path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${variable} (${path}): ${unreadable(err)}`);
  }
}

/**
 * Reads the certificate and key files; an encrypted key asks for its password. A file that is
 * not what it should be, or a key that is not the certificate's, is a local setup error: said
 * here, naming the variables and files, rather than surfacing as a failed TLS connection.
 */
export async function loadCertificateFiles(
  creds: Extract<Credentials, { kind: "certificate" }>,
  io: CliIo,
): Promise<{ certPem: string; keyPem: string }> {
  // Loaded on demand: the X.509 library is the slowest part of a CLI start.
  const { decodePem, loadPrivateKey } = await import("@kes/identity");
  const certName = `KES_CLIENT_CERT (${creds.certFile})`;
  const keyName = `KES_CLIENT_KEY (${creds.keyFile})`;
  const certPem = await readPem("KES_CLIENT_CERT", creds.certFile);
  const cert = parseCertificate(certPem, certName, decodePem);
  const keyText = await readPem("KES_CLIENT_KEY", creds.keyFile);
  const keyError = (err: unknown) =>
    isKesError(err) ? new CliError(`${keyName}: ${err.message}`) : err;
  let key: KeyObject;
  try {
    key = loadPrivateKey(keyText);
  } catch (err) {
    if (!(isKesError(err) && /password is required/.test(err.message))) throw keyError(err);
    const password = await io
      .promptPassword(`Enter password for private key ${creds.keyFile}: `)
      .catch((err: unknown) => {
        if (!(err instanceof NoTerminalError)) throw err;
        throw new CliError(
          `${keyName} is encrypted: its password is asked on a terminal, but stdin is not one ` +
            "(run the command in a terminal, or use an unencrypted key)",
        );
      });
    try {
      key = loadPrivateKey(keyText, password);
    } catch (err2) {
      throw keyError(err2);
    }
  }
  if (!cert.checkPrivateKey(key)) {
    throw new CliError(`${keyName} is not the private key of ${certName}`);
  }
  return { certPem, keyPem: key.export({ type: "pkcs8", format: "pem" }) as string };
}

/** The first certificate of a PEM file (the client's own; a chain may follow). */
function parseCertificate(
  pem: string,
  name: string,
  decodePem: (text: string) => readonly PemBlock[],
): X509Certificate {
  let blocks: readonly PemBlock[];
  try {
    blocks = decodePem(pem);
  } catch (err) {
    throw new CliError(`${name} is not a PEM file: ${(err as Error).message}`);
  }
  const block = blocks.find((b) => b.label === "CERTIFICATE");
  if (block === undefined) {
    throw new CliError(`${name} is not a certificate: it holds no PEM CERTIFICATE block`);
  }
  try {
    return new X509Certificate(block.der);
  } catch {
    throw new CliError(`${name} is not a certificate: its CERTIFICATE block cannot be parsed`);
  }
}

/** Which setting names the server: -s/--server, else KES_SERVER, else the default. */
export function serverSource(flags: ConnectionFlags, io: CliIo): ServerSource {
  if (flags.server !== undefined) return "--server";
  return value(io.env, "KES_SERVER") === undefined ? "default" : "KES_SERVER";
}

/** The client options `kes` commands use: env + flags, credentials loaded. */
export async function clientOptions(flags: ConnectionFlags, io: CliIo): Promise<KesClientOptions> {
  const endpoint = flags.server ?? value(io.env, "KES_SERVER") ?? DEFAULT_SERVER;
  const creds = credentialsFromEnv(io.env);
  const base = { endpoint, insecure: flags.insecure === true };
  if (creds.kind === "api-key") return { ...base, apiKey: creds.apiKey };
  return { ...base, ...(await loadCertificateFiles(creds, io)) };
}

/** Runs `fn` with a client and always closes it; client errors become CLI errors with hints. */
export async function withClient<T>(
  flags: ConnectionFlags,
  io: CliIo,
  fn: (client: KesClient) => Promise<T>,
): Promise<T> {
  let client: KesClient;
  try {
    client = createKesClient(await clientOptions(flags, io));
  } catch (err) {
    throw toCliError(err);
  }
  try {
    return await fn(client);
  } catch (err) {
    throw toCliError(err, serverSource(flags, io));
  } finally {
    await client.close();
  }
}
