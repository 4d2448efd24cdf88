import type { Command } from "commander";

/** Registers the `identity` command group. */
export function register(_program: Command): void {}
