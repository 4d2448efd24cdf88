import type { Command } from "commander";
import * as identity from "./identity.js";
import * as key from "./key.js";
import * as server from "./server.js";
import * as services from "./services.js";
import * as toolCerts from "./tool-certs.js";

/** Registers every command group. One module per group; each owns its subcommands. */
export function registerCommands(program: Command): void {
  server.register(program);
  identity.register(program);
  key.register(program);
  services.register(program);
  toolCerts.register(program);
}
