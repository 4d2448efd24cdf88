import type { Command } from "commander";

/** Registers the `server` command group. */
export function register(_program: Command): void {}
