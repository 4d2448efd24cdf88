import { type KesClient, KesNetworkError } from "@kes/client";
import { type Command, Option } from "commander";
import { withClient } from "../client-env.js";
import { CliError } from "../errors.js";
import { type CliIo, processIo } from "../io.js";
import { wantsJson } from "../output.js";
import { type ClientFlags, clientFlags } from "./client-flags.js";
import { type InterruptSource, processInterrupt } from "./interrupt.js";
import { auditHeader, auditRow } from "./log-view.js";

interface LogFlags extends ClientFlags {
  readonly audit?: boolean;
  readonly error?: boolean;
}

/**
 * Registers `kes log [--audit | --error] [--json]`: follows the server's live log until Ctrl-C
 * or until the server ends the stream (both end with exit code 0); a broken connection is an
 * error.
 */
export function register(
  program: Command,
  io: CliIo = processIo(),
  interrupt: InterruptSource = processInterrupt,
): void {
  clientFlags(program.command("log"), { json: "print each event as its JSON line" })
    .description("follow the server's audit log (default) or error log")
    .addOption(new Option("--audit", "the audit log: one event per request (default)"))
    .addOption(new Option("--error", "the error log").conflicts("audit"))
    .addHelpText(
      "after",
      "\nOn a terminal: time, identity, status, API and latency of each request as it happens.\n" +
        "Piped or with --json: the server's events, one JSON object per line. Ctrl-C stops.",
    )
    .action(async (flags: LogFlags) => {
      const stop = interrupt();
      try {
        await withClient(flags, io, (client) =>
          follow(client, flags.error === true, wantsJson(flags, io.stdout), io, stop.signal),
        );
      } catch (err) {
        // Stopped on purpose: not a failure.
        if (!stop.signal.aborted) throw err;
      } finally {
        stop.dispose();
      }
    });
}

async function follow(
  client: KesClient,
  errors: boolean,
  json: boolean,
  io: CliIo,
  signal: AbortSignal,
): Promise<void> {
  let opened = false;
  const onOpen = () => {
    opened = true;
    // The header goes out as soon as the stream is open: the user sees it is live.
    if (!json && !errors) io.stdout.write(auditHeader());
  };
  try {
    if (errors) {
      for await (const event of client.errorLog({ signal, onOpen })) {
        io.stdout.write(json ? `${event.json}\n` : `${event.message}\n`);
      }
      return;
    }
    for await (const event of client.auditLog({ signal, onOpen })) {
      io.stdout.write(json ? `${event.json}\n` : auditRow(event));
    }
  } catch (err) {
    // Not "cannot connect": the stream was working, then the connection went.
    if (opened && err instanceof KesNetworkError && !signal.aborted) {
      throw new CliError(`lost the connection to ${err.endpoint}: ${err.detail}`);
    }
    throw err;
  }
}
