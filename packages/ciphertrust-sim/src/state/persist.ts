import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { errors } from "@kes/core";
import type { StateData } from "./model.js";

const ARRAY_FIELDS = [
  "domains",
  "users",
  "groups",
  "policies",
  "attachments",
  "refreshTokens",
  "jwts",
] as const;

/** Reads a state file; undefined when it does not exist yet. Throws naming the file if bad. */
export function loadStateFile(path: string): StateData | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw errors.invalidArgument(
      `state file ${path}: not valid JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (typeof parsed !== "object" || parsed === null) {
    throw errors.invalidArgument(`state file ${path}: expected a JSON object`);
  }
  const data = parsed as Record<string, unknown>;
  if (data.version !== 1) {
    throw errors.invalidArgument(`state file ${path}: unsupported version (expected 1)`);
  }
  if (typeof data.signingKey !== "string") {
    throw errors.invalidArgument(`state file ${path}: signingKey must be a string`);
  }
  for (const field of ARRAY_FIELDS) {
    if (!Array.isArray(data[field])) {
      throw errors.invalidArgument(`state file ${path}: ${field} must be an array`);
    }
  }
  if (typeof data.secrets !== "object" || data.secrets === null || Array.isArray(data.secrets)) {
    throw errors.invalidArgument(`state file ${path}: secrets must be an object of domains`);
  }
  return parsed as StateData;
}

/**
 * Writes the state atomically: a reader (or a crash) sees the old file or the new one, never a
 * half-written one. The file holds secret material, so it is private to the owner.
 */
export function saveStateFile(path: string, data: Readonly<StateData>): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}
