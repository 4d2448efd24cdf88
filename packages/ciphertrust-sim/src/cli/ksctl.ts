import { Command, CommanderError } from "commander";
import { registerCommands } from "../ksctl/commands.js";

/**
 * A minimal ksctl-compatible CLI: only the commands the KES CipherTrust guide uses (plus
 * `secrets list`), talking REST to any CipherTrust Manager. Not Thales' ksctl.
 */
export function buildProgram(): Command {
  const program = new Command("ksctl")
    .description(
      "Minimal ksctl-compatible CLI for CipherTrust Manager (a subset for the KES guide; not Thales' tool)",
    )
    .option(
      "--configfile <file>",
      "config file (default: ./config.yaml, then ~/.ksctl/config.yaml)",
    )
    .option("--url <url>", "CipherTrust Manager URL (KSCTL_URL)")
    .option("--user <name>", "user name (KSCTL_USERNAME)")
    .option("--password <password>", "password (KSCTL_PASSWORD)")
    .option("--domain <domain>", "domain (KSCTL_DOMAIN; default root)")
    .option("--nosslverify", "do not verify the server certificate (KSCTL_NOSSLVERIFY)")
    .option("--timeout <seconds>", "per-request timeout (KSCTL_TIMEOUT, default 30)")
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  for (const cmd of program.commands) {
    cmd.exitOverride();
    for (const sub of cmd.commands) sub.exitOverride();
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
