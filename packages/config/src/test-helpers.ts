// Test helpers (not exported from the package).
import assert from "node:assert/strict";
import { ConfigError } from "./errors.js";
import { parseConfig } from "./parse.js";
import type { KesConfig } from "./types.js";

export const FILE = "server-config.yml";
export const ID_A = "a".repeat(64);
export const ID_B = "b".repeat(64);
export const ID_C = "c".repeat(64);

/** A minimal valid config; `extra` is appended as more top-level YAML. */
export function minimal(extra = "", admin = `admin:\n  identity: ${ID_A}\n`): string {
  return `${admin}tls:\n  key: server.key\n  cert: server.cert\n${extra}`;
}

export function parse(text: string, env: NodeJS.ProcessEnv = {}): KesConfig {
  return parseConfig(text, { file: FILE, env });
}

/** Asserts that parsing fails with exactly this message, and that path/line match it. */
export function expectError(
  text: string,
  message: string,
  env: NodeJS.ProcessEnv = {},
): ConfigError {
  let caught: unknown;
  try {
    parse(text, env);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  assert.equal(caught.message, message);
  assert.equal(caught.file, FILE);
  const m = /^server-config\.yml:(?:(\d+):)? (?:([^ ]+): )?/.exec(message);
  assert.equal(caught.line, m?.[1] === undefined ? undefined : Number(m[1]));
  assert.equal(caught.path, m?.[2] ?? "");
  assert.equal(
    caught.message,
    `${FILE}:${caught.line === undefined ? "" : `${caught.line}:`} ${caught.path === "" ? "" : `${caught.path}: `}${caught.reason}`.replace(
      `${FILE}: `,
      `${FILE}: `,
    ),
  );
  return caught;
}
