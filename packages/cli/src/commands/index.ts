import type { Command } from "commander";

/** Registers every command group. One module per group: server, identity, key, ... */
export function registerCommands(_program: Command): void {}
