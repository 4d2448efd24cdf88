import type { Command } from "commander";
import { withClient } from "../client-env.js";
import { type CliIo, processIo } from "../io.js";
import { keyListJson, keyListText, wantsJson } from "../output.js";
import { type ClientFlags, clientFlags } from "./client-flags.js";

/** Registers `kes ls [pattern]`: `kes key ls`, with nd-json whenever stdout is not a terminal. */
export function register(program: Command, io: CliIo = processIo()): void {
  clientFlags(program.command("ls"), { json: 'print nd-json, one {"name"} per line' })
    .description("list cryptographic keys (same as 'kes key ls')")
    .argument("[pattern]", "only keys matching this glob", "*")
    .action((pattern: string, flags: ClientFlags) =>
      withClient(flags, io, async (client) => {
        const names: string[] = [];
        for await (const name of client.listKeys(pattern)) names.push(name);
        io.stdout.write(wantsJson(flags, io.stdout) ? keyListJson(names) : keyListText(names));
      }),
    );
}
