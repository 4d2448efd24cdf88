import { access } from "node:fs/promises";
import { join } from "node:path";
import { isKesError, makeDirectory } from "@kes/core";
import type { ServiceRole } from "@kes/keystore-service";
import type { Command } from "commander";
import { CliError } from "../errors.js";
import { type CliIo, processIo } from "../io.js";
import { collect } from "./collect.js";
import { validity } from "./validity.js";

export interface InternalCertsFlags {
  readonly out: string;
  readonly dns: readonly string[];
  readonly ip: readonly string[];
  /** A Go duration; how long the service certificates are valid. */
  readonly expiry: string;
  readonly force: boolean;
}

/**
 * Every internal certificate is good for both ends of a TLS connection: what a peer may do is
 * decided by its role (the services check it), and any process can probe any service's health
 * (`kes health`) with its own certificate.
 */
const ROLES: readonly ServiceRole[] = ["gateway", "crypto", "keystore"];

const CA_VALIDITY_DAYS = 3650;
const DEFAULT_DNS = ["localhost"];
const DEFAULT_IP = ["127.0.0.1"];

/** The files `kes tool certs internal` writes into --out, by name. */
export function internalCertFiles(out: string) {
  const pair = (name: string) => ({
    certFile: join(out, `${name}.crt`),
    keyFile: join(out, `${name}.key`),
  });
  return {
    ca: pair("ca"),
    gateway: pair("gateway"),
    crypto: pair("crypto"),
    keystore: pair("keystore"),
  };
}

/**
 * The internal PKI of the split deployment: a CA and one ECDSA P-256 certificate per role.
 * Each certificate names its role as its common name and as a DNS name (the docker compose
 * service name), plus the given names (default localhost and 127.0.0.1).
 */
export async function internalCerts(flags: InternalCertsFlags, io: CliIo): Promise<void> {
  if (flags.out.trim() === "") throw new CliError("--out needs a directory");
  const validityDays = validity(flags.expiry, "--expiry", "8760h");
  const files = internalCertFiles(flags.out);
  const all = Object.values(files).flatMap((p) => [p.certFile, p.keyFile]);
  if (!flags.force) {
    const existing = (await Promise.all(all.map(async (f) => ((await exists(f)) ? f : "")))).filter(
      (f) => f !== "",
    );
    if (existing.length > 0) {
      throw new CliError(
        `refusing to overwrite ${existing.join(", ")} (use --force to replace the internal certificates)`,
      );
    }
  }
  const given = flags.dns.length > 0 || flags.ip.length > 0;
  const dns = given ? flags.dns : DEFAULT_DNS;
  const ip = given ? flags.ip : DEFAULT_IP;
  try {
    await makeDirectory(flags.out, 0o755);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "I/O error";
    throw new CliError(`cannot create the directory '${flags.out}': ${code}`);
  }
  // The X.509 libraries load only when certificates are made (startup of the other commands).
  const { createCertificateAuthority, issueCertificate, writePemFiles } = await import(
    "@kes/identity"
  );
  try {
    const ca = await createCertificateAuthority({
      subject: "kes internal CA",
      keyType: "ecdsa-p256",
      validityDays: CA_VALIDITY_DAYS,
    });
    const issued = [];
    for (const role of ROLES) {
      const names = [role, ...dns.filter((d) => d !== role)];
      const material = await issueCertificate(ca, {
        subject: role,
        usage: "both",
        dns: names,
        ip: [...ip],
        validityDays,
        keyType: "ecdsa-p256",
      });
      issued.push({ role, material });
    }
    // Everything is made before anything is written: a bad --dns or --ip leaves no files.
    const force = { force: flags.force };
    await writePemFiles(files.ca, ca, force);
    for (const { role, material } of issued) await writePemFiles(files[role], material, force);
  } catch (err) {
    if (isKesError(err)) throw new CliError(err.message);
    throw err;
  }
  io.stdout.write(summary(flags.out, files, [...dns, ...ip]));
}

function summary(out: string, files: ReturnType<typeof internalCertFiles>, names: string[]) {
  const role = (r: ServiceRole) => `${r.padEnd(10)}${files[r].certFile}  ${files[r].keyFile}\n`;
  return [
    `Internal CA  ${files.ca.certFile}\n`,
    `             ${files.ca.keyFile}  (keep it offline: only needed to issue more certificates)\n`,
    "\n",
    role("gateway"),
    role("crypto"),
    role("keystore"),
    "\n",
    `Each certificate names its role (CN and DNS name) and is valid for: ${names.join(", ")}\n`,
    `Each process: KES_INTERNAL_CA=${join(out, "ca.crt")} KES_INTERNAL_CERT=${join(out, "<role>.crt")} KES_INTERNAL_KEY=${join(out, "<role>.key")}\n`,
  ].join("");
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** Registers `kes tool certs internal` (the `tool` group may already exist). */
export function register(program: Command, io: CliIo = processIo()): void {
  const tool =
    program.commands.find((c) => c.name() === "tool") ??
    program.command("tool").description("legacy tools (KES v0.14 - v0.17 command names)");
  const certs = tool.command("certs").description("certificates for KES deployments");
  certs
    .command("internal")
    .description(
      "make the split deployment's internal CA and a certificate per service (gateway, crypto, keystore)",
    )
    .requiredOption("--out <dir>", "write ca.crt/.key and <role>.crt/.key into this directory")
    .option("--dns <name>", "a DNS name every certificate is valid for (repeatable)", collect)
    .option("--ip <ip>", "an IP address every certificate is valid for (repeatable)", collect)
    .option("--expiry <duration>", "how long the service certificates are valid", "8760h")
    .option("-f, --force", "replace existing files")
    .addHelpText(
      "after",
      "\nWithout --dns/--ip the certificates are valid for localhost and 127.0.0.1; each is\n" +
        "always valid for its role's name too (gateway, crypto, keystore: the compose service names).",
    )
    .action(async (opts: Record<string, unknown>) => {
      await internalCerts(
        {
          out: opts["out"] as string,
          dns: (opts["dns"] as string[] | undefined) ?? [],
          ip: (opts["ip"] as string[] | undefined) ?? [],
          expiry: opts["expiry"] as string,
          force: opts["force"] === true,
        },
        io,
      );
    });
}
