import type { Command } from "commander";
import * as completion from "./completion.js";
import * as identity from "./identity.js";
import * as key from "./key.js";
import * as log from "./log.js";
import * as ls from "./ls.js";
import * as metric from "./metric.js";
import * as policy from "./policy.js";
import * as server from "./server.js";
import * as services from "./services.js";
import * as status from "./status.js";
import * as toolCerts from "./tool-certs.js";

/** Registers every command group. One module per group; each owns its subcommands. */
export function registerCommands(program: Command): void {
  server.register(program);
  identity.register(program);
  key.register(program);
  services.register(program);
  toolCerts.register(program);
  ls.register(program);
  policy.register(program);
  status.register(program);
  log.register(program);
  metric.register(program);
  completion.register(program);
}
