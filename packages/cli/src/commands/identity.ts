import { isKesError } from "@kes/core";
import { type Command, Option } from "commander";
import { CliError } from "../errors.js";
import { type CliIo, processIo } from "../io.js";
import { collect } from "./collect.js";
import { registerInfo } from "./identity-info.js";
import { registerLs } from "./identity-ls.js";
import type { NewFlags } from "./identity-new.js";

/**
 * Registers `kes identity new|of|info|ls` (2023 names) and the legacy `kes tool identity new|of`
 * that the KES user guides use (kes-api.md §9.3).
 */
export function register(program: Command, io: CliIo = processIo()): void {
  const identity = program.command("identity").description("create and show identities");
  registerNew(identity.command("new"), "identity", io);
  registerOf(identity.command("of"), io);
  registerInfo(identity.command("info"), io);
  registerLs(identity.command("ls"), io);

  // `tool` may be shared with other legacy commands: reuse it when it exists.
  const tool =
    program.commands.find((c) => c.name() === "tool") ??
    program.command("tool").description("legacy tools (KES v0.14 - v0.17 command names)");
  const toolIdentity = tool.command("identity").description("create and show identities");
  registerNew(toolIdentity.command("new"), "tool", io);
  registerOf(toolIdentity.command("of"), io);
}

function registerNew(cmd: Command, mode: "identity" | "tool", io: CliIo): void {
  cmd
    .description(
      mode === "tool"
        ? "create a private key and a self-signed certificate (default ./private.key, ./public.crt)"
        : "create an API key, or with --key/--cert a private key and a self-signed certificate",
    )
    .argument("[subject]", "the certificate's common name (default: the identity)")
    .option("--key <file>", "write the private key to this file")
    .option("--cert <file>", "write the certificate to this file")
    .option("--ip <ip>", "an IP address the certificate is valid for (repeatable)", collect)
    .option("--dns <name>", "a DNS name the certificate is valid for (repeatable)", collect)
    .addOption(
      mode === "tool"
        ? new Option("-t, --time <duration>", "how long the certificate is valid").default("720h")
        : new Option("--expiry <duration>", "how long the certificate is valid").default("720h"),
    )
    .option("--server", "make a server certificate (serverAuth) instead of a client one")
    .addOption(
      new Option("--key-type <type>", "the key algorithm (default: ed25519)").choices([
        "ed25519",
        "ecdsa-p256",
      ]),
    )
    .option("--encrypt", "encrypt the private key with a password (asked for on the terminal)")
    .option("-f, --force", "overwrite existing files")
    .addHelpText(
      "after",
      mode === "tool"
        ? "\nPrints the identity: a friendly line on a terminal, only the hex when piped."
        : "\nWithout --key/--cert: prints a new API key and its identity (piped: one per line).\n" +
            "With --key/--cert: prints the identity (piped: only the hex).",
    )
    .action(async (subject: string | undefined, opts: Record<string, unknown>) => {
      const flags: NewFlags = {
        ...(opts["key"] === undefined ? {} : { key: opts["key"] as string }),
        ...(opts["cert"] === undefined ? {} : { cert: opts["cert"] as string }),
        ip: (opts["ip"] as string[] | undefined) ?? [],
        dns: (opts["dns"] as string[] | undefined) ?? [],
        validity: (opts["time"] ?? opts["expiry"]) as string,
        ...(opts["keyType"] === undefined ? {} : { keyType: opts["keyType"] as string }),
        server: opts["server"] === true,
        force: opts["force"] === true,
        encrypt: opts["encrypt"] === true,
      };
      // The X.509 libraries load only for the commands that use them (startup of the others).
      const { newIdentity } = await import("./identity-new.js");
      await asCliError(() => newIdentity(mode, subject, flags, io));
    });
}

function registerOf(cmd: Command, io: CliIo): void {
  cmd
    .description("print the identity of a certificate (PEM or DER, '-' for stdin) or an API key")
    .argument("<cert|api-key>", "a certificate file, '-', or a kes:v1: API key")
    .option("--hash <hash>", "SHA-256 (what KES uses), SHA-384 or SHA-512", "SHA-256")
    .action(async (source: string, opts: { hash?: string }) => {
      const { identityOf } = await import("./identity-of.js");
      await asCliError(() => identityOf(source, opts, io));
    });
}

/** Library errors (bad input, files that exist) become CliErrors with the same clear message. */
async function asCliError(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (isKesError(err)) throw new CliError(err.message);
    throw err;
  }
}
