import type { Command } from "commander";

/** Registers the `key` command group. */
export function register(_program: Command): void {}
