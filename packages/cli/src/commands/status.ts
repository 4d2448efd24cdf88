import { performance } from "node:perf_hooks";
import { createKesClient, type KesClientOptions, parseEndpoints } from "@kes/client";
import type { Command } from "commander";
import { clientOptions, serverSource, withClient } from "../client-env.js";
import { toCliError } from "../client-errors.js";
import { CliError } from "../errors.js";
import { type CliIo, processIo } from "../io.js";
import { wantsJson } from "../output.js";
import { type ClientFlags, clientFlags } from "./client-flags.js";
import {
  apisJson,
  apisTable,
  type StatusResult,
  statusBlock,
  statusJson,
  statusLine,
} from "./status-view.js";

interface StatusFlags extends ClientFlags {
  readonly short?: boolean;
  readonly api?: boolean;
}

/** Registers `kes status [-s|--short] [--api] [--json]`. */
export function register(program: Command, io: CliIo = processIo()): void {
  clientFlags(program.command("status"), { shortServer: false })
    .description("show the status of the KES server (each one, when KES_SERVER lists several)")
    .option("-s, --short", "one line per server")
    .option("--api", "list the server's APIs instead")
    .addHelpText("after", "\nOn a terminal: a block per server. Piped or with --json: JSON lines.")
    .action(async (flags: StatusFlags) => {
      const json = wantsJson(flags, io.stdout);
      if (flags.api === true) {
        await withClient(flags, io, async (client) => {
          const apis = await client.apis();
          io.stdout.write(json ? apisJson(apis) : apisTable(apis));
        });
        return;
      }
      const results = await statusOfEach(flags, io);
      const [only] = results;
      // One server: its failure is the command's error, as with every other command.
      if (results.length === 1 && only !== undefined && "error" in only) {
        throw new CliError(only.error);
      }
      const render = json ? statusJson : flags.short === true ? statusLine : statusBlock;
      io.stdout.write(results.map(render).join(json || flags.short === true ? "" : "\n"));
      const failed = results.filter((r) => "error" in r).length;
      if (failed > 0) throw new CliError(`${failed} of ${results.length} servers did not answer`);
    });
}

/**
 * Asks every endpoint on its own (one client each, no failover), so a cluster's status shows
 * each server. Credentials are loaded once.
 */
async function statusOfEach(flags: StatusFlags, io: CliIo): Promise<StatusResult[]> {
  let options: KesClientOptions;
  let endpoints: string[];
  try {
    options = await clientOptions(flags, io);
    endpoints = parseEndpoints(options.endpoint);
  } catch (err) {
    throw toCliError(err);
  }
  const results: StatusResult[] = [];
  for (const endpoint of endpoints) {
    const client = createKesClient({ ...options, endpoint });
    try {
      // Connect first (TLS, an API key's certificate): Latency is the status request alone.
      await client.version();
      const start = performance.now();
      const status = await client.status();
      results.push({ endpoint, status, latencyMs: performance.now() - start });
    } catch (err) {
      const cliErr = toCliError(err, serverSource(flags, io));
      if (!(cliErr instanceof CliError)) throw err;
      results.push({ endpoint, error: cliErr.message });
    } finally {
      await client.close();
    }
  }
  return results;
}
