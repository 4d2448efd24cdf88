import { type Command, Option } from "commander";
import type { ConnectionFlags } from "../client-env.js";

/** Flags of every command that talks to a server. */
export interface ClientFlags extends ConnectionFlags {
  readonly json?: boolean;
}

/**
 * Adds -k/--insecure and -s/--server (as `kes key` has them) and --json. `kes status` keeps
 * `-s` for --short, as KES documents it, so its server flag is long only.
 */
export function clientFlags(
  cmd: Command,
  options: { readonly shortServer?: boolean; readonly json?: string } = {},
): Command {
  const server = options.shortServer === false ? "--server <url>" : "-s, --server <url>";
  return cmd
    .option("-k, --insecure", "skip verification of the server's TLS certificate")
    .addOption(
      new Option(server, "the KES server (default: $KES_SERVER or https://127.0.0.1:7373)"),
    )
    .option("--json", options.json ?? "print JSON even on a terminal");
}
